#!/usr/bin/env bash
# Makes sure the pieces of `sspe testbed` (a real Kubernetes control plane on
# loopback) are there:
#   - kube-apiserver and kube-scheduler v1.34.2, built from the Go module proxy
#     with a throw-away main module that requires k8s.io/kubernetes v1.34.2 and
#     replaces every k8s.io/<staging> v0.0.0 requirement with v0.34.2;
#   - etcd v3.6.16, built the same way from go.etcd.io/etcd/server/v3 (why not
#     Debian's etcd-server: see below);
#   - openssl (credentials).
# The binaries are built once into a cache outside the git tree
# ($SSPE_K8S_CACHE, default ${XDG_CACHE_HOME:-$HOME/.cache}/sspe/k8s-v1.34.2)
# and linked into the git-ignored .k8s/bin/ of this checkout, so a fresh clone
# on the same machine reuses them. A cold build takes minutes (Go compiles the
# whole of Kubernetes' API server); it runs under `nice -n 10`. Safe to run
# again. Prints the path of each piece; exits 1 naming what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

K8S_VERSION="v1.34.2"
ETCD_VERSION="v3.6.16"
STAGING_VERSION="v0.34.2"
cache="${SSPE_K8S_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sspe/k8s-${K8S_VERSION}}"
bins=(kube-apiserver kube-scheduler)
t0=$(date +%s)

say() { echo "setup-k8s: $*"; }
fail() { echo "setup-k8s: $*" >&2; exit 1; }

command -v openssl >/dev/null 2>&1 || fail "expected openssl on PATH (credentials for the API server), found none; install Debian's openssl."

# etcd: built from the Go module proxy too. Debian's etcd-server (3.4.23) serves
# the API server, but lacks the watch progress requests kube-apiserver 1.34
# needs for watch-list requests ("the required storage feature
# RequestWatchProgress is disabled"), which Spark's Kubernetes client sends.
etcd_bin="${SSPE_ETCD:-${cache}/bin/etcd}"
if [[ -n "${SSPE_ETCD:-}" && ! -x "${SSPE_ETCD}" ]]; then fail "SSPE_ETCD=${SSPE_ETCD}: expected an etcd binary there, found none."; fi
if [[ ! -x "${etcd_bin}" ]]; then
  command -v go >/dev/null 2>&1 || fail "expected go on PATH to build etcd ${ETCD_VERSION} (none cached in ${cache}/bin), found none."
  say "building etcd ${ETCD_VERSION} into ${cache}/bin (cold: about 2 minutes on 2 cores)"
  tb=$(date +%s)
  mkdir -p "${cache}/etcd-mod" "${cache}/bin"
  (
    cd "${cache}/etcd-mod"
    printf '%s\n' 'package main' '' 'import (' '	"os"' '' '	"go.etcd.io/etcd/server/v3/etcdmain"' ')' '' 'func main() { etcdmain.Main(os.Args) }' > main.go
    if [[ ! -f go.mod ]] || ! grep -q "go.etcd.io/etcd/server/v3 ${ETCD_VERSION}" go.mod; then
      rm -f go.mod go.sum
      go mod init sspe.local/etcd-build >/dev/null 2>&1
      go mod edit -require="go.etcd.io/etcd/server/v3@${ETCD_VERSION}"
      nice -n 10 go mod tidy >/dev/null 2>&1 || nice -n 10 go mod tidy
    fi
    nice -n 10 go build -trimpath -ldflags "-s -w" -o "${cache}/bin/etcd.part" .
  )
  mv "${cache}/bin/etcd.part" "${cache}/bin/etcd"
  say "built etcd in $(( $(date +%s) - tb )) s"
fi
"${etcd_bin}" --version >/dev/null 2>&1 || fail "expected '${etcd_bin} --version' to work, it failed; delete it and run again to rebuild."

missing=()
for b in "${bins[@]}"; do [[ -x "${cache}/bin/${b}" ]] || missing+=("${b}"); done

if [[ ${#missing[@]} -gt 0 ]]; then
  command -v go >/dev/null 2>&1 || fail "expected go on PATH to build ${missing[*]} ${K8S_VERSION} (none cached in ${cache}/bin), found none."
  say "building ${missing[*]} ${K8S_VERSION} into ${cache}/bin (cold: several minutes on 2 cores)"
  mod="${cache}/mod"
  mkdir -p "${mod}" "${cache}/bin"
  cd "${mod}"
  if [[ ! -f go.mod ]] || ! grep -q "k8s.io/kubernetes ${K8S_VERSION}" go.mod; then
    rm -f go.mod go.sum
    go mod init sspe.local/k8s-build >/dev/null 2>&1
    # The staging modules k8s.io/kubernetes requires at v0.0.0 (replaced in its own repository).
    kgomod="$(go mod download -json "k8s.io/kubernetes@${K8S_VERSION}" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
    [[ -f "${kgomod}" ]] || fail "expected 'go mod download k8s.io/kubernetes@${K8S_VERSION}' to give its go.mod, it did not (is the Go module proxy reachable?)."
    staging="$(awk '$1 ~ /^k8s\.io\// && $2 == "v0.0.0" {print $1}' "${kgomod}" | sort -u)"
    [[ -n "${staging}" ]] || fail "found no k8s.io/<staging> v0.0.0 requirements in ${kgomod}."
    go mod edit -require="k8s.io/kubernetes@${K8S_VERSION}"
    for m in ${staging}; do go mod edit -replace="${m}=${m}@${STAGING_VERSION}"; done
    cat > tools.go <<'EOF'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
)
EOF
    nice -n 10 go mod tidy >/dev/null 2>&1 || nice -n 10 go mod tidy
  fi
  for b in "${missing[@]}"; do
    tb=$(date +%s)
    nice -n 10 go build -trimpath -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=${K8S_VERSION}" \
      -o "${cache}/bin/${b}.part" "k8s.io/kubernetes/cmd/${b}"
    mv "${cache}/bin/${b}.part" "${cache}/bin/${b}"
    say "built ${b} in $(( $(date +%s) - tb )) s"
  done
  cd - >/dev/null
fi

mkdir -p .k8s/bin
for b in "${bins[@]}"; do
  "${cache}/bin/${b}" --version >/dev/null 2>&1 || fail "expected '${cache}/bin/${b} --version' to work, it failed; delete ${cache}/bin/${b} and run again to rebuild."
  ln -sfn "${cache}/bin/${b}" ".k8s/bin/${b}"
done
ln -sfn "${etcd_bin}" .k8s/bin/etcd

say "kube-apiserver $("${cache}/bin/kube-apiserver" --version 2>&1 | awk '{print $2}'), kube-scheduler, etcd $("${etcd_bin}" --version 2>/dev/null | sed -n 's/^etcd Version: //p') in .k8s/bin ($(( $(date +%s) - t0 )) s)"
