#!/usr/bin/env bash
# Builds the release binaries of mockserver: static (CGO_ENABLED=0), with
# -trimpath and the version stamped in, for linux, darwin and windows on
# amd64 and arm64, plus SHA256SUMS (sha256sum's format) over them.
#
# Usage: scripts/dist.sh [OUTDIR]     (default: dist, which .gitignore lists)
#        scripts/dist.sh --version    (print the version it would stamp)
#
# The files are OUTDIR/mockserver_<version>_<os>_<arch>[.exe]; older
# mockserver_* files and SHA256SUMS in OUTDIR are removed first.
#
# The version is $VERSION when set, else `git describe --tags --match 'v*'
# --dirty` (v1.2.3 on a tag, v1.2.3-4-gabcdef0 after it, with -dirty for
# uncommitted changes), else v0.0.0-<commit>[-dirty] in a checkout without a
# v* tag, else v0.0.0-dev. `mockserver version` and GET /_mock/health report
# it. The release workflow (.github/workflows/release.yml) and the
# Dockerfile's VERSION build argument use the same value; .ci/run runs this
# script into a temporary directory and checks the sums.
#
# The build tags and flags are the Dockerfile's (gin's nomsgpack tag), so a
# release binary is the image's binary for the same platform.
set -euo pipefail
cd "$(dirname "$0")/.."

version() {
  if [ -n "${VERSION:-}" ]; then
    echo "$VERSION"
    return
  fi
  if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    if git describe --tags --match 'v*' --dirty 2>/dev/null; then
      return
    fi
    local commit
    if commit=$(git rev-parse --short=12 HEAD 2>/dev/null); then
      if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then
        commit+=-dirty
      fi
      echo "v0.0.0-$commit"
      return
    fi
  fi
  echo v0.0.0-dev
}

out=dist
case "${1:-}" in
--version)
  version
  exit 0
  ;;
-*)
  echo "usage: $0 [OUTDIR] | --version" >&2
  exit 2
  ;;
"") ;;
*) out=$1 ;;
esac
if [ $# -gt 1 ]; then
  echo "usage: $0 [OUTDIR] | --version" >&2
  exit 2
fi

v=$(version)
# The version ends up in file names and in -ldflags: no spaces or slashes.
if ! [[ "$v" =~ ^[0-9A-Za-z._+-]+$ ]]; then
  echo "version $v: want letters, digits and . _ + - only" >&2
  exit 1
fi

targets=(linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64)

mkdir -p "$out"
rm -f "$out"/mockserver_* "$out/SHA256SUMS"
for target in "${targets[@]}"; do
  goos=${target%/*} goarch=${target#*/}
  name=mockserver_${v}_${goos}_${goarch}
  if [ "$goos" = windows ]; then name+=.exe; fi
  CGO_ENABLED=0 GOOS=$goos GOARCH=$goarch go build -trimpath -tags nomsgpack \
    -ldflags "-s -w -X main.buildVersion=$v" -o "$out/$name" ./cmd/mockserver
  echo "$out/$name"
done

# sha256sum where there is one (Linux), shasum elsewhere (macOS); both write
# "<hex>  <file>" lines that `sha256sum -c` reads.
if command -v sha256sum >/dev/null 2>&1; then
  sum=(sha256sum)
else
  sum=(shasum -a 256)
fi
(cd "$out" && "${sum[@]}" mockserver_* >SHA256SUMS)
echo "$out/SHA256SUMS"
