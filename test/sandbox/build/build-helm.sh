#!/usr/bin/env bash
# Builds helm from the Go module proxy into a cache outside the repo, keyed by
# version (like build-kube.sh). Prints the path of the helm binary on stdout.
# Idempotent: a finished build is reused. With --cached it only answers whether
# a finished build exists (exit 0, and the path on stdout) or not (exit 3).
# HELM, when set, names a helm binary to use instead (nothing is built).
set -euo pipefail

helm_module="helm.sh/helm/v4"
helm_version="v4.3.2"
cache="${KAFKA_GUARD_CACHE:-$HOME/.cache/kafka-guard}"
out="$cache/helm-$helm_version"

log() { echo "[build-helm] $*" >&2; }
die() { echo "[build-helm] error: $*" >&2; exit 1; }

if [[ -n "${HELM:-}" ]]; then
  [[ -x "$HELM" ]] || die "HELM=$HELM is not an executable file; unset HELM to build helm $helm_version"
  echo "$HELM"
  exit 0
fi
if [[ -f "$out/.complete" ]]; then
  echo "$out/bin/helm"
  exit 0
fi
[[ "${1:-}" == "--cached" ]] && exit 3

# Sandboxes started side by side (npm test starts the full suite's and the matrix's at once) build once:
# the others wait for the first, then reuse its build, rather than each clearing the others' work directory.
mkdir -p "$cache"
exec 9>"$cache/.build-helm.lock"
flock 9
if [[ -f "$out/.complete" ]]; then
  echo "$out/bin/helm"
  exit 0
fi

command -v go >/dev/null || die "Go is not installed. Install Go >= 1.24, or set HELM to a helm binary."

work="$out.work"
rm -rf "$work"
mkdir -p "$work/bin"
export CGO_ENABLED=0 GOFLAGS=-buildvcs=false
log "building helm $helm_version (first run only; cached in $out)"
GOBIN="$work/bin" go install -trimpath \
  -ldflags "-s -w -X $helm_module/internal/version.version=$helm_version" \
  "$helm_module/cmd/helm@$helm_version" >&2 \
  || die "helm build failed (see above). Set HELM to a helm binary to skip building."
"$work/bin/helm" version >&2 || die "the built helm does not run"

rm -rf "$out"
mv "$work" "$out"
touch "$out/.complete"
log "done: $out/bin/helm"
echo "$out/bin/helm"
