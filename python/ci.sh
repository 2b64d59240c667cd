#!/usr/bin/env bash
# python/ci.sh: installs pytest-tokenmock into a fresh venv and runs the
# plugin's tests and the example suite, against a mockserver built here:
#   1. pytest python/tests               (TOKENMOCK_BINARY: the built binary)
#   2. pytest python/examples            (the binary on PATH, no TOKENMOCK_URL)
#   3. pytest -p xdist -n 2 python/examples against one server this script
#      starts (TOKENMOCK_URL), as a CI service container would be used.
# Every admin answer is checked against schema/admin.openapi.json by
# python/tests/openapi_check.py (conftest.py loads it for 1; -p for 2 and 3,
# so that the examples stay as users copy them); each run prints a line
# "openapi_check: N admin answers checked, all valid". Needs python3-jsonschema.
# Needs go and Debian's python3 with python3-pytest, python3-aiohttp,
# python3-pytest-xdist, python3-jsonschema, python3-venv, python3-setuptools, python3-wheel.
# Run from anywhere; leaves nothing behind (temp dir, servers).
set -euo pipefail

cd "$(dirname "$0")/.."
python=/usr/bin/python3
work=$(mktemp -d "${TMPDIR:-/tmp}/tokenmock-python.XXXXXX")
server_pid=

stop_server() {
	[ -n "$server_pid" ] || return 0
	kill -TERM "$server_pid" 2>/dev/null || true
	for _ in $(seq 100); do # 10 s for a clean stop, then kill
		kill -0 "$server_pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$server_pid" 2>/dev/null || true
	wait "$server_pid" 2>/dev/null || true
	server_pid=
}
cleanup() {
	stop_server
	rm -rf "$work"
}
trap cleanup EXIT

# No bytecode or pytest cache in the working tree.
export PYTHONDONTWRITEBYTECODE=1
pytest_args=(-p no:cacheprovider -q)
# The examples' runs load the checker from python/tests.
check_args=(-p openapi_check)
check_path=$PWD/python/tests

echo "python/ci.sh: building mockserver"
mkdir -p "$work/bin"
go build -o "$work/bin/mockserver" ./cmd/mockserver

echo "python/ci.sh: installing pytest-tokenmock into a venv"
"$python" -m venv --system-site-packages "$work/venv"
# This machine has no PyPI: --no-index installs from the folder alone and
# --no-build-isolation builds with the system's setuptools and wheel instead
# of downloading them. On a normal machine it is plain `pip install ./python`.
# A copy is installed so that the build leaves nothing in the tree.
cp -R python "$work/python"
"$work/venv/bin/pip" install --quiet --no-build-isolation --no-index "$work/python"
py="$work/venv/bin/python"

# None of the caller's settings may pick the mock for a step.
unset TOKENMOCK_URL TOKENMOCK_ADMIN_TOKEN TOKENMOCK_BINARY

echo "python/ci.sh: pytest python/tests"
TOKENMOCK_BINARY="$work/bin/mockserver" "$py" -m pytest "${pytest_args[@]}" python/tests

echo "python/ci.sh: pytest python/examples (mockserver on PATH)"
PATH="$work/bin:$PATH" PYTHONPATH="$check_path" "$py" -m pytest "${pytest_args[@]}" "${check_args[@]}" python/examples

echo "python/ci.sh: pytest -p xdist -n 2 python/examples (TOKENMOCK_URL)"
"$work/bin/mockserver" serve --addr 127.0.0.1:0 --addr-file "$work/addr" --log-format json \
	2>"$work/server.log" &
server_pid=$!
for _ in $(seq 300); do # at most 30 s to start
	[ -s "$work/addr" ] && break
	if ! kill -0 "$server_pid" 2>/dev/null; then
		echo "python/ci.sh: mockserver exited at start:" >&2
		cat "$work/server.log" >&2
		exit 1
	fi
	sleep 0.1
done
if [ ! -s "$work/addr" ]; then
	echo "python/ci.sh: mockserver wrote no address in 30 s:" >&2
	cat "$work/server.log" >&2
	exit 1
fi
TOKENMOCK_URL="http://$(cat "$work/addr")" PYTHONPATH="$check_path" \
	"$py" -m pytest "${pytest_args[@]}" "${check_args[@]}" -p xdist -n 2 python/examples
stop_server

echo "python/ci.sh: ok"
