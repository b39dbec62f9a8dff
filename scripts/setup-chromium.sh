#!/usr/bin/env bash
# Makes sure headless Chromium is there for the report's screenshot test
# (test/src/report/screenshot.test.ts, which must run under CI=true). Uses
# the chromium on PATH (or $CHROMIUM) when there is one; otherwise installs
# Debian's `chromium` package with apt-get, as root or through sudo. Safe to
# run again.
set -euo pipefail

if [[ -n "${CHROMIUM:-}" ]]; then
  chromium_bin="${CHROMIUM}"
else
  chromium_bin="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
fi

if [[ -z "${chromium_bin}" ]]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup-chromium: expected chromium on PATH or apt-get to install it, found neither; install Chromium or set CHROMIUM=/path/to/chromium." >&2
    exit 1
  fi
  sudo_cmd=()
  if [[ "$(id -u)" != "0" ]]; then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "setup-chromium: installing chromium needs root (apt-get), and there is no sudo; run 'apt-get install -y chromium' as root." >&2
      exit 1
    fi
    sudo_cmd=(sudo)
  fi
  echo "setup-chromium: installing Debian's chromium (apt-get install -y chromium)"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends chromium
  chromium_bin="$(command -v chromium)"
fi

# Debian's wrapper script can warn on stderr while it works; show stderr only when it fails.
if ! version="$("${chromium_bin}" --version 2>/dev/null)"; then
  echo "setup-chromium: expected '${chromium_bin} --version' to work, it failed:" >&2
  "${chromium_bin}" --version >&2 || true
  exit 1
fi
echo "setup-chromium: ${version} (${chromium_bin})"
