#!/usr/bin/env bash
# Builds etcd and the Kubernetes control plane (kube-apiserver,
# kube-controller-manager, kube-scheduler, and a kubectl of the same release)
# from the Go module proxy into a cache outside the repo, keyed by version.
# Prints the bin directory on stdout. Idempotent: a finished build is reused.
# With --cached it only answers whether a finished build exists (exit 0, and
# the bin directory on stdout) or not (exit 3), building nothing.
#
# Kubernetes is not meant to be consumed as a module: its go.mod replaces every
# k8s.io/* staging module with ./staging/src/... . We derive the matching
# published v0.Y.Z versions from that release's own go.mod, so the pins always
# agree with the release being built.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${KAFKA_GUARD_CACHE:-$HOME/.cache/kafka-guard}"
kube_version="$(awk '$1=="require" && $2=="k8s.io/kubernetes" {print $3}' "$here/kube/go.mod")"
etcd_version="$(awk '$1=="require" && $2=="go.etcd.io/etcd/server/v3" {print $3}' "$here/etcd/go.mod")"
out="$cache/control-plane-$kube_version-etcd-$etcd_version"

log() { echo "[build-kube] $*" >&2; }
die() { echo "[build-kube] error: $*" >&2; exit 1; }

if [[ -f "$out/.complete" ]]; then
  echo "$out/bin"
  exit 0
fi
[[ "${1:-}" == "--cached" ]] && exit 3

# Sandboxes started side by side build once: the second waits for the first, then reuses its build.
mkdir -p "$cache"
exec 9>"$cache/.build-kube.lock"
flock 9
if [[ -f "$out/.complete" ]]; then
  echo "$out/bin"
  exit 0
fi

command -v go >/dev/null || die "Go is not installed. Install Go >= 1.24, or set KUBEBUILDER_ASSETS to a directory holding etcd, kube-apiserver (and kube-controller-manager, kube-scheduler)."

work="$out.work"
rm -rf "$work"
mkdir -p "$work/kube" "$work/etcd" "$work/bin"
cp "$here/kube/go.mod" "$here/kube/tools.go" "$work/kube/"
cp "$here/etcd/go.mod" "$here/etcd/main.go" "$work/etcd/"
export CGO_ENABLED=0 GOFLAGS=-buildvcs=false

log "building etcd $etcd_version (first run only; cached in $out)"
(cd "$work/etcd" && go mod tidy >&2 && go build -trimpath -o "$work/bin/etcd" .) || die "etcd build failed (see above). Set KUBEBUILDER_ASSETS to skip building."

log "deriving k8s.io staging pins from k8s.io/kubernetes@$kube_version's go.mod"
upstream_gomod="$(cd "$work/kube" && go mod download -json "k8s.io/kubernetes@$kube_version" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')"
[[ -f "$upstream_gomod" ]] || die "could not download k8s.io/kubernetes@$kube_version from the Go module proxy"
staging_version="v0.${kube_version#v1.}"
staging_modules="$(awk '$2=="=>" && $3 ~ /^\.\/staging\/src\// {print $1}' "$upstream_gomod")"
[[ -n "$staging_modules" ]] || die "found no staging replaces in $upstream_gomod"
(
  cd "$work/kube"
  args=()
  for m in $staging_modules; do args+=("-replace=$m=$m@$staging_version"); done
  go mod edit "${args[@]}"
  go mod tidy >&2
) || die "resolving k8s.io/kubernetes@$kube_version failed (see above)"

major="${kube_version#v}"; major="${major%%.*}"
minor="${kube_version#v*.}"; minor="${minor%%.*}"
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$kube_version -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
  ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done
for cmd in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
  log "building $cmd $kube_version"
  (cd "$work/kube" && go build -trimpath -ldflags "$ldflags" -o "$work/bin/$cmd" "k8s.io/kubernetes/cmd/$cmd") \
    || die "$cmd build failed (see above). Set KUBEBUILDER_ASSETS to a directory with prebuilt binaries to skip building."
done

rm -rf "$out"
mv "$work" "$out"
touch "$out/.complete"
log "done: $out/bin"
echo "$out/bin"
