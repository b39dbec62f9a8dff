#!/usr/bin/env bash
# Installs the reinforcement-learning libraries (PyTorch, Stable-Baselines3,
# RLlib) of scripts/requirements-python-rl.txt into the project virtualenv, for
# `npm run test:python-rl` (python/tests_rl) and python/examples. Run it after
# scripts/setup-python.sh, which creates .venv. Safe to run again: pip skips
# what is already installed at the pinned version.
#
# Large: PyPI's Linux torch is the CUDA build (nvidia-* and triton wheels), a
# few GB downloaded and installed, which is why `npm test` does not run it
# (README, "Training with Stable-Baselines3 and RLlib").
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv_python="${repo_root}/.venv/bin/python"
requirements="scripts/requirements-python-rl.txt"

if [[ ! -x "${venv_python}" ]]; then
  echo "setup-python-rl: expected the virtualenv ${repo_root}/.venv, found none; run 'bash scripts/setup-python.sh' first." >&2
  exit 1
fi

echo "setup-python-rl: installing ${requirements} into ${repo_root}/.venv"
started=$(date +%s)
"${venv_python}" -m pip install --disable-pip-version-check --quiet -r "${repo_root}/${requirements}"
echo "setup-python-rl: pip took $(( $(date +%s) - started )) s"

# One import of each library, so a broken install fails here rather than in a test.
"${venv_python}" - <<'PY'
import importlib.metadata as md

import torch  # noqa: F401
import stable_baselines3  # noqa: F401
import ray.rllib  # noqa: F401
import gymnasium  # noqa: F401

versions = ", ".join(f"{name} {md.version(name)}" for name in ("torch", "stable-baselines3", "ray", "gymnasium"))
print(f"setup-python-rl: done; {versions} (torch CUDA available: {torch.cuda.is_available()})")
PY
