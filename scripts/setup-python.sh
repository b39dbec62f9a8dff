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
  "scripts/requirements-spark.txt"
  "scripts/requirements-gym.txt"
)

python_bin="${PYTHON:-python3}"
if ! command -v "${python_bin}" >/dev/null 2>&1; then
  echo "setup-python: expected '${python_bin}' on PATH (Python >= 3.10, with the venv module), found none." >&2
  echo "setup-python: install it (e.g. 'apt-get install python3 python3-venv') or set PYTHON=/path/to/python3." >&2
  exit 1
fi
echo "setup-python: using $("${python_bin}" --version 2>&1) at $(command -v "${python_bin}")"

# PySpark 4 (scripts/requirements-spark.txt) runs on Java 17 or newer. Check the
# java that spark-class will use: $JAVA_HOME/bin/java when set, else java on PATH.
java_bin="java"
if [[ -n "${JAVA_HOME:-}" ]]; then java_bin="${JAVA_HOME}/bin/java"; fi
if ! java_output="$("${java_bin}" -version 2>&1)"; then
  echo "setup-python: expected Java 17+ for Spark 4 ('${java_bin} -version'), found no working java; install it (e.g. 'apt-get install openjdk-17-jre-headless') or set JAVA_HOME." >&2
  exit 1
fi
# The version line need not come first (JAVA_TOOL_OPTIONS adds a 'Picked up' line).
java_version_line="$(grep -m 1 'version "' <<<"${java_output}" || true)"
# 'openjdk version "17.0.15" 2025-04-15' -> 17; 'java version "1.8.0_292"' -> 8.
java_version="$(sed -E -n 's/.*version "([0-9][0-9._]*)[^"]*".*/\1/p' <<<"${java_version_line}")"
java_major="${java_version%%.*}"
if [[ "${java_major}" == "1" ]]; then java_major="$(cut -d. -f2 <<<"${java_version}")"; fi
if ! [[ "${java_major}" =~ ^[0-9]+$ ]] || (( java_major < 17 )); then
  echo "setup-python: expected Java 17+ for Spark 4 ('${java_bin} -version'), found '${java_version_line}'; install Java 17 or 21 or point JAVA_HOME at one." >&2
  exit 1
fi
echo "setup-python: using Java ${java_version} (${java_bin})"

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

# sspe_gym (python/), non-editable: it finds the checkout through sys.prefix
# (this .venv sits in the repository). Reinstalled only when its sources change.
gym_stamp="${venv_dir}/.sspe-gym-sources.sha256"
gym_sources_hash="$(cd "${repo_root}/python" && find pyproject.toml sspe_gym -type f -name '*.py' -o -name pyproject.toml | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -d' ' -f1)"
if [[ -f "${gym_stamp}" && "$(cat "${gym_stamp}")" == "${gym_sources_hash}" ]] && (cd / && "${venv_dir}/bin/python" -c "import sspe_gym" 2>/dev/null); then
  echo "setup-python: sspe_gym is installed and up to date"
else
  echo "setup-python: installing ./python (sspe_gym)"
  # No build isolation: the venv's setuptools builds it, so no download is needed.
  "${venv_dir}/bin/python" -m pip install --disable-pip-version-check --quiet --no-build-isolation --no-deps --force-reinstall "${repo_root}/python"
  echo "${gym_sources_hash}" >"${gym_stamp}"
fi

# spark-submit from the pip package finds SPARK_HOME through the Python that
# PYSPARK_PYTHON names (python3 on PATH otherwise, which lacks pyspark).
if ! spark_version="$(PYSPARK_PYTHON="${venv_dir}/bin/python" "${venv_dir}/bin/spark-submit" --version 2>&1)"; then
  echo "setup-python: expected '${venv_dir}/bin/spark-submit --version' to work, it failed:" >&2
  echo "${spark_version}" | tail -n 5 >&2
  exit 1
fi
echo "setup-python: $(grep -m1 -o 'version [0-9][0-9.]*' <<<"${spark_version}" | sed 's/^/spark-submit /')"

echo "setup-python: done; installed packages:"
"${venv_dir}/bin/python" -m pip list --disable-pip-version-check --format=freeze
