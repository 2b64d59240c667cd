#!/usr/bin/env bash
# Makes local stand-ins for the base images that the Dockerfile names, for
# machines that cannot pull from a registry, and tags them with the names
# the Dockerfile uses, so that `buildah bud --pull=never` finds them:
#
#   docker.io/library/golang:1.26   (FROM --platform=$BUILDPLATFORM golang:1.26 AS build)
#       This machine's Go toolchain ($(go env GOROOT), which must be a Go
#       1.26.x) at /usr/local/go, /bin/sh (the host's, with the shared
#       libraries it needs), the host's CA certificates (for module
#       downloads), /etc/passwd and /etc/group with root, /tmp and /go; the
#       environment of the real image (PATH, GOPATH=/go, GOTOOLCHAIN=local,
#       GOLANG_VERSION) and WORKDIR /go. Nothing else: no git, no gcc, so
#       only CGO_ENABLED=0 builds with modules from a proxy work in it.
#   scratch needs no stand-in.
#
# Usage: deploy/standins.sh [--force]
#   An image that exists already is kept (--force makes it again). The
#   storage driver is $STORAGE_DRIVER (default vfs, the one that works on
#   machines without overlay support); use the same one for buildah bud and
#   podman. Run as root, or as a user set up for rootless buildah.
set -euo pipefail

storage_driver=${STORAGE_DRIVER:-vfs}
force=false
case "${1:-}" in
"") ;;
--force) force=true ;;
*)
  echo "usage: $0 [--force]" >&2
  exit 2
  ;;
esac

golang_image=docker.io/library/golang:1.26
golang_minor=go1.26

bah() { buildah --storage-driver "$storage_driver" "$@"; }

# Every base image of the Dockerfile must be one this script makes (or
# scratch, or an earlier stage): a new FROM needs a new stand-in here.
dockerfile="$(dirname "$0")/../Dockerfile"
if [ -f "$dockerfile" ]; then
  stages=" "
  while read -r _ image rest; do
    # FROM --platform=$BUILDPLATFORM (the build stage cross-compiles): the
    # stand-in is made for this machine's platform, which is the build
    # platform of a local build. Other flags are not handled here.
    while [[ "$image" == --platform=* ]]; do
      read -r image rest <<<"$rest"
    done
    case "$image" in
    --*) echo "$dockerfile: FROM $image: flags on FROM other than --platform are not handled here" >&2 && exit 1 ;;
    esac
    if [ "$image" != scratch ] && [ "$image" != golang:1.26 ] && [ "$image" != "$golang_image" ] &&
      [[ "$stages" != *" $image "* ]]; then
      echo "$dockerfile: FROM $image has no stand-in in $0" >&2
      exit 1
    fi
    if [[ "$rest" =~ ^[Aa][Ss][[:space:]]+([^[:space:]]+) ]]; then
      stages+="${BASH_REMATCH[1]} "
    fi
  done < <(grep -iE '^[[:space:]]*FROM[[:space:]]' "$dockerfile")
fi

# Concurrent runs (two test processes) make the image once.
lockfile="${TMPDIR:-/tmp}/tokenmock-standins.lock"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$lockfile"
  flock 9
fi

# buildah resolves the short name golang:1.26 in local storage as
# localhost/golang:1.26 first, then docker.io/library/golang:1.26.
if bah inspect --type image localhost/golang:1.26 >/dev/null 2>&1; then
  echo "warning: localhost/golang:1.26 exists and wins over $golang_image for FROM golang:1.26" >&2
fi

old_id=$(bah inspect --type image --format '{{.FromImageID}}' "$golang_image" 2>/dev/null || true)
if ! $force && [ -n "$old_id" ]; then
  echo "stand-in $golang_image exists; keeping it (--force makes it again)"
  exit 0
fi

go=${GO:-go}
goroot=$("$go" env GOROOT)
goversion=$("$go" env GOVERSION)
case "$goversion" in
"$golang_minor" | "$golang_minor".*) ;;
*)
  echo "the host's Go is $goversion; the stand-in for $golang_image needs a $golang_minor.x toolchain (set GO=/path/to/go)" >&2
  exit 1
  ;;
esac
goarch=$("$go" env GOARCH)
cacerts=${CA_CERTIFICATES:-/etc/ssl/certs/ca-certificates.crt}
if [ ! -f "$cacerts" ]; then
  echo "no CA certificates at $cacerts (install ca-certificates, or set CA_CERTIFICATES)" >&2
  exit 1
fi

# The small files go into a staging tree first (copied with symlinks
# resolved), the toolchain straight from GOROOT.
stage=$(mktemp -d)
ctr=""
cleanup() {
  rm -rf "$stage"
  if [ -n "$ctr" ]; then bah rm "$ctr" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

sh_path=$(readlink -f /bin/sh)
mkdir -p "$stage/bin" "$stage/etc/ssl/certs" "$stage/tmp" "$stage/go/bin" "$stage/go/src" "$stage/root"
cp "$sh_path" "$stage/bin/sh"
# The shared libraries of /bin/sh, at the paths the loader looks for them.
while read -r lib; do
  mkdir -p "$stage$(dirname "$lib")"
  cp -L "$lib" "$stage$lib"
done < <(ldd "$sh_path" | grep -oE '/[^ ]+' | sort -u)
cp -L "$cacerts" "$stage/etc/ssl/certs/ca-certificates.crt"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n' >"$stage/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$stage/etc/group"
chmod 1777 "$stage/tmp"
chmod 0777 "$stage/go" "$stage/go/bin" "$stage/go/src"
chmod 0700 "$stage/root"

echo "making stand-in $golang_image from $goroot ($goversion) and /bin/sh ($sh_path)"
ctr=$(bah from --pull=never scratch)
bah copy --quiet "$ctr" "$stage/" / >/dev/null
bah copy --quiet "$ctr" "$goroot" /usr/local/go >/dev/null
bah config \
  --os linux --arch "$goarch" \
  --env PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --env GOLANG_VERSION="${goversion#go}" \
  --env GOTOOLCHAIN=local \
  --env GOPATH=/go \
  --workingdir /go \
  --cmd /bin/sh \
  --label org.opencontainers.image.description="local stand-in for $golang_image: the host's $goversion, /bin/sh and CA certificates (tokenmock deploy/standins.sh)" \
  --label io.tokenmock.standin=true \
  "$ctr"
new_id=$(bah commit --quiet --format docker --rm "$ctr" "$golang_image")
ctr=""
if [ -n "$old_id" ] && [ "$old_id" != "$new_id" ]; then
  bah rmi "$old_id" >/dev/null 2>&1 || true # the replaced stand-in, unless in use
fi
echo "stand-in $golang_image made"
