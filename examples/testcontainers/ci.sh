#!/usr/bin/env bash
# The Testcontainers recipes against podman's Docker-compatible API: the Go
# recipe (testcontainers-go, go/), the Python one written with the docker
# SDK (python/test_docker_sdk_recipe.py) and the Node one (node/).
# python/test_testcontainers_recipe.py is not run: the `testcontainers`
# package comes only from PyPI, which CI cannot reach.
#
# .ci/run calls this after `go test ./...`, whose container test
# (e2e/container_test.go) builds the image localhost/tokenmock:test.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
image=localhost/tokenmock:test

# The podman flags of the container test: vfs storage (where the image is),
# runc, and cgroupfs (podman's defaults, crun and systemd, fail here).
podman_flags=(--storage-driver vfs --runtime runc --cgroup-manager cgroupfs)

for tool in podman runc curl /usr/bin/python3 go node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "examples/testcontainers/ci.sh: $tool not found" >&2
    exit 1
  fi
done
if ! podman "${podman_flags[@]}" image exists "$image"; then
  echo "examples/testcontainers/ci.sh: no image $image in podman's vfs storage;" \
    "the container test builds it: CI=true go test -run TestContainerImage ./e2e" >&2
  exit 1
fi

# The containers labelled org.testcontainers=true, as Testcontainers and
# the docker SDK recipe label theirs (no other test here does).
labelled() { podman "${podman_flags[@]}" ps -a -q --no-trunc --filter label=org.testcontainers=true | sort; }
# Those the recipes made: labelled now, not before they ran.
new_labelled() { comm -13 <(echo "$before") <(labelled); }
before=$(labelled)

tmp=$(mktemp -d)
service_pid=
cleanup() {
  local status=$?
  # Containers a failed recipe left behind.
  local left
  left=$(new_labelled 2>/dev/null || true)
  if [ -n "$left" ]; then
    echo "removing containers the recipes left: $left" >&2
    # shellcheck disable=SC2086 # one id a word
    podman "${podman_flags[@]}" rm --force --time 0 $left >/dev/null 2>&1 || true
  fi
  if [ -n "$service_pid" ]; then
    kill "$service_pid" 2>/dev/null || true
    wait "$service_pid" 2>/dev/null || true
  fi
  if [ "$status" -ne 0 ] && [ -s "$tmp/service.log" ]; then
    echo "--- podman system service log (last 40 lines):" >&2
    tail -n 40 "$tmp/service.log" >&2
  fi
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT

# podman (as root) gives a container open-files and process limits far
# above this machine's hard limits (20000 files): runc then fails with
# "error setting rlimit type 7 [then 6]: operation not permitted". The
# recipes stay as a user writes them (no ulimits in them): the service's
# own containers.conf gives lower limits instead.
cat >"$tmp/containers.conf" <<'EOF'
[containers]
default_ulimits = ["nofile=10000:10000", "nproc=5000:5000"]
EOF

# The Docker-compatible API on a socket of our own, until killed (--time=0).
socket=$tmp/podman.sock
CONTAINERS_CONF=$tmp/containers.conf podman "${podman_flags[@]}" \
  system service --time=0 "unix://$socket" >"$tmp/service.log" 2>&1 &
service_pid=$!
for _ in $(seq 1 150); do # 30 s
  if curl -sf --max-time 2 --unix-socket "$socket" http://d/_ping >/dev/null 2>&1; then
    break
  fi
  if ! kill -0 "$service_pid" 2>/dev/null; then
    echo "examples/testcontainers/ci.sh: podman system service exited" >&2
    exit 1
  fi
  sleep 0.2
done
if ! curl -sf --max-time 2 --unix-socket "$socket" http://d/_ping >/dev/null 2>&1; then
  echo "examples/testcontainers/ci.sh: podman system service did not answer on $socket within 30 s" >&2
  exit 1
fi
api=$(curl -sf --max-time 5 --unix-socket "$socket" http://d/version | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["ApiVersion"])')
echo "podman system service on $socket: Docker API $api"

# What Testcontainers reads:
# - DOCKER_HOST: the engine. No DOCKER_API_VERSION is needed: the clients
#   negotiate down to podman's API 1.41.
# - TESTCONTAINERS_HOST_OVERRIDE: where published ports are reached. This
#   machine has a /.dockerenv, so testcontainers-go and -node would take
#   it for a container beside the engine and go through the bridge
#   network's gateway (or, finding none, an alpine container that cannot
#   be pulled here); the engine runs on this host, so its published ports
#   are on the loopback address (the docker SDK recipe uses it too).
# - TESTCONTAINERS_RYUK_DISABLED: Ryuk, the reaper container that removes a
#   crashed run's containers, is an image from Docker Hub, and no registry
#   can be reached here. The recipes remove their containers themselves,
#   and the trap above removes what a failed run leaves.
# - TOKENMOCK_IMAGE: the recipes' image (ghcr.io/tokenmock/tokenmock:latest
#   when unset): here the one the container test built.
export DOCKER_HOST=unix://$socket
export TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1
export TESTCONTAINERS_RYUK_DISABLED=true
export TOKENMOCK_IMAGE=$image

# Go: a module of its own (so testcontainers-go is no dependency of
# tokenmock's module), which .ci/run's vet and staticcheck do not cover.
echo "== Testcontainers recipe, Go (examples/testcontainers/go)"
(
  cd "$root/examples/testcontainers/go"
  # Its go.sum holds the root module's requirements too (the replace
  # directive): a new one there makes it untidy. Only a warning, since
  # the build fails anyway when a package it compiles lacks its sum.
  if ! go mod tidy -diff >/dev/null 2>&1; then
    echo "warning: examples/testcontainers/go is not tidy (the root module's requirements changed?): run go mod tidy there" >&2
  fi
  go vet ./...
  CI=true go test -count=1 -timeout 5m ./...
)

# Python: Debian's pytest and docker SDK, with the pytest-tokenmock plugin
# from the source tree (-p, and no other plugin: an installed copy is not
# loaded as well); no bytecode or cache files in the tree. -p openapi_check
# (python/tests, with Debian's python3-jsonschema) checks every admin answer
# against schema/admin.openapi.json; the recipe itself knows nothing of it.
echo "== Testcontainers recipe, Python with the docker SDK (examples/testcontainers/python)"
(
  cd "$root/examples/testcontainers/python"
  PYTHONPATH=$root/python/src:$root/python/tests PYTHONDONTWRITEBYTECODE=1 PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 \
    timeout 300 /usr/bin/python3 -m pytest -p tokenmock.plugin -p openapi_check -p no:cacheprovider -q \
    -W 'ignore:distutils Version classes are deprecated:DeprecationWarning' \
    test_docker_sdk_recipe.py
)

# Node: testcontainers from npm at the version package-lock.json pins
# (npm ci; no install scripts: none is needed). Only when node_modules is
# missing or older than the lock file: npm ci rewrites all of it, and the
# container test (e2e/container_test.go) stats every file of the tree, so
# new files there would make go test run it again instead of using its
# cached result.
echo "== Testcontainers recipe, Node (examples/testcontainers/node)"
(
  cd "$root/examples/testcontainers/node"
  if ! [ node_modules/.package-lock.json -nt package-lock.json ]; then
    timeout 300 npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
  fi
  # openapi-check.mjs (tested by openapi-check.test.mjs) checks every admin
  # answer the recipe's fetch gets against schema/admin.openapi.json with
  # Ajv; the recipe itself knows nothing of it.
  timeout 120 node --test openapi-check.test.mjs
  timeout 300 node --import ./openapi-check.mjs --test recipe.test.mjs
)

# The recipes remove their containers themselves.
left=$(new_labelled)
if [ -n "$left" ]; then
  echo "examples/testcontainers/ci.sh: the recipes did not remove their containers: $left" >&2
  exit 1
fi
echo "examples/testcontainers/ci.sh: the Go, Python and Node recipes pass; no container left"
