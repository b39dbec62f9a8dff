#!/usr/bin/env bash
# Creates the project virtualenv (.venv in the repository root) and installs the
# pinned Python requirements into it. Safe to run again: an existing .venv is
# reused and pip skips what is already installed at the pinned version.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv_dir="${repo_root}/.venv"

# One line per requirements file; add new ones here.
requirements_files=(
  "scripts/requirements-bench.txt"
)

python_bin="${PYTHON:-python3}"
if ! command -v "${python_bin}" >/dev/null 2>&1; then
  echo "setup-python: expected '${python_bin}' on PATH (Python >= 3.10, with the venv module), found none." >&2
  echo "setup-python: install it (e.g. 'apt-get install python3 python3-venv') or set PYTHON=/path/to/python3." >&2
  exit 1
fi
echo "setup-python: using $("${python_bin}" --version 2>&1) at $(command -v "${python_bin}")"

if [[ -x "${venv_dir}/bin/python" ]]; then
  echo "setup-python: reusing existing virtualenv ${venv_dir}"
else
  echo "setup-python: creating virtualenv ${venv_dir}"
  if ! "${python_bin}" -m venv "${venv_dir}"; then
    echo "setup-python: '${python_bin} -m venv' failed; install the venv module (e.g. 'apt-get install python3-venv')." >&2
    exit 1
  fi
fi

for requirements in "${requirements_files[@]}"; do
  echo "setup-python: installing ${requirements}"
  "${venv_dir}/bin/python" -m pip install --disable-pip-version-check --quiet -r "${repo_root}/${requirements}"
done

echo "setup-python: done; installed packages:"
"${venv_dir}/bin/python" -m pip list --disable-pip-version-check --format=freeze
