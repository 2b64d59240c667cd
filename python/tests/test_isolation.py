"""Sessions never see each other's requests, scenarios or clocks: in one process,
in two pytest processes running at once against one mock, and under xdist."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import use_url
from helpers import active_scenarios, isolar_exchange

import tokenmock as tm

AT = datetime.datetime(2026, 1, 2, 15, 4, 5, tzinfo=datetime.timezone.utc)


def test_two_sessions_of_one_process(tokenmock_server: tm.Server) -> None:
    a = tokenmock_server.session("iso-a-" + tokenmock_server.tag)
    b = tokenmock_server.session("iso-b-" + tokenmock_server.tag)
    try:
        a.use_scenario("isolar-code-reused")
        a.set_clock(AT, freeze=True)
        isolar_exchange(a.base_url)
        isolar_exchange(b.base_url)
        isolar_exchange(b.base_url)  # b has no scenario: the static code works again
        assert [r["result_code"] for r in map(json.loads, (x["response_body"] for x in b.requests()))] == ["1", "1"]
        assert len(a.requests()) == 1 and {r["session"] for r in b.requests()} == {b.name}
        assert a.clock().now == AT and not b.clock().frozen and b.clock().offset == "0s"
        active = active_scenarios(tokenmock_server)
        assert active[a.name] == "isolar-code-reused" and b.name not in active
    finally:
        for s in (a, b):
            s.reset()
            s.clear_requests()


# Run by two pytest processes at once, WHO=a and WHO=b: each acts on its
# session, then waits until the other has acted too before checking that it
# sees only its own requests, clock and scenario.
RENDEZVOUS = """
import datetime, json, os, time
from pathlib import Path
from helpers import active_scenarios, isolar_exchange

def wait_for(path):
    deadline = time.monotonic() + 120
    while not path.exists():
        assert time.monotonic() < deadline, f"the other process never wrote {path}"
        time.sleep(0.02)

def test_shared(tokenmock, tokenmock_server):
    me = os.environ["WHO"]
    other = {"a": "b", "b": "a"}[me]
    here = Path(os.environ["RENDEZVOUS"])
    at = datetime.datetime(2026 if me == "a" else 2031, 1, 2, tzinfo=datetime.timezone.utc)
    if me == "a":
        tokenmock.use_scenario("isolar-code-reused")
    tokenmock.set_clock(at, freeze=True)
    count = {"a": 2, "b": 3}[me]
    codes = [isolar_exchange(tokenmock.base_url)["result_code"] for _ in range(count)]
    (here / f"{me}.json").write_text(json.dumps({"name": tokenmock.name, "tag": tokenmock_server.tag}))
    wait_for(here / f"{other}.json")
    theirs = json.loads((here / f"{other}.json").read_text())
    assert theirs["name"] != tokenmock.name and theirs["tag"] != tokenmock_server.tag
    assert theirs["name"].rsplit("-", 1)[0] == tokenmock.name.rsplit("-", 1)[0]  # the same test
    mine = tokenmock.requests()
    assert len(mine) == count and {r["session"] for r in mine} == {tokenmock.name}
    assert tokenmock.clock().now == at
    active = active_scenarios(tokenmock_server)
    if me == "a":
        assert codes == ["1", "2"] and active[tokenmock.name] == "isolar-code-reused"
    else:
        assert codes == ["1", "1", "1"] and tokenmock.name not in active
"""


def checker_path() -> str:
    """PYTHONPATH for a subprocess that loads openapi_check (this folder's)."""
    return os.pathsep.join(filter(None, [str(Path(__file__).resolve().parent), os.environ.get("PYTHONPATH")]))


def test_two_processes_at_once(inner: pytest.Pytester, shared_server: tm.Server) -> None:
    inner.makepyfile(test_shared=RENDEZVOUS)
    env = {**os.environ, tm.ENV_URL: shared_server.url, tm.ENV_ADMIN_TOKEN: shared_server.admin_token or "",
           "RENDEZVOUS": str(inner.path), "PYTHONPATH": checker_path()}
    # Each process checks its admin answers against the OpenAPI document too.
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "openapi_check", "-q", "test_shared.py"]
    procs = {who: subprocess.Popen(cmd, cwd=inner.path, env={**env, "WHO": who}, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True) for who in "ab"}
    outputs = {}
    for who, proc in procs.items():
        try:
            outputs[who] = proc.communicate(timeout=180)[0]
        except subprocess.TimeoutExpired:
            for p in procs.values():
                p.kill()
            raise
    for who, proc in procs.items():
        assert proc.returncode == 0, f"process {who}:\n{outputs[who]}"
        assert "1 passed" in outputs[who]
        assert "admin answers checked, all valid" in outputs[who], outputs[who]


XDIST = """
import datetime, os
import pytest
from helpers import isolar_exchange

@pytest.mark.parametrize("n", range(6))
def test_worker(tokenmock, tokenmock_server, n):
    at = datetime.datetime(2026, 1, 1 + n, tzinfo=datetime.timezone.utc)
    tokenmock.set_clock(at, freeze=True)
    if n % 2:
        tokenmock.use_scenario("isolar-code-reused")
    codes = [isolar_exchange(tokenmock.base_url)["result_code"] for _ in range(n + 1)]
    assert codes == ["1"] + ["2" if n % 2 else "1"] * n
    assert len(tokenmock.requests(endpoint="isolar.token")) == n + 1
    assert tokenmock.clock().now == at
    with open(os.environ["XDIST_OUT"], "a") as f:
        f.write(f"{os.environ['PYTEST_XDIST_WORKER']} {tokenmock_server.tag} {tokenmock.name}\\n")
"""


def test_xdist_workers(inner: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, shared_server: tm.Server) -> None:
    use_url(monkeypatch, shared_server)
    out = inner.path / "xdist.txt"
    monkeypatch.setenv("XDIST_OUT", str(out))
    monkeypatch.setenv("PYTHONPATH", checker_path())
    inner.makepyfile(test_xdist=XDIST)
    result = inner.runpytest_subprocess("-p", "xdist", "-n", "2", "-p", "openapi_check", timeout=180)
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines(["*admin answers checked, all valid*"])
    rows = [line.split() for line in out.read_text().splitlines()]
    assert len({name for _, _, name in rows}) == 6
    assert len({worker for worker, _, _ in rows}) == 2
    assert all(name.endswith("-" + tag) for _, tag, name in rows)
    assert len({tag for _, tag, _ in rows}) == 2  # each worker its own tag
