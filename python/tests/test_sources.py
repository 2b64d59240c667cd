"""Where tokenmock_server finds its mock: a URL, a binary, or a clear error."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from conftest import use_url

import tokenmock as tm

# The inner test reports which mock it got, then drives it.
PROBE = """
import json, os
from helpers import isolar_exchange

def test_probe(tokenmock_server, tokenmock):
    out = {"url": tokenmock_server.url, "started": tokenmock_server.started,
           "token": tokenmock_server.admin_token, "name": tokenmock.name}
    with open(os.environ["PROBE_OUT"], "w") as f:
        json.dump(out, f)
    answer = isolar_exchange(tokenmock.base_url)
    assert tokenmock.introspect(answer["access_token"])["active"] is True
    assert [r["endpoint"] for r in tokenmock.requests()] == ["isolar.token"]
"""


def probe(inner: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, *args: str) -> dict[str, object]:
    """Runs PROBE in-process; what it reported about its mock."""
    import json

    out = inner.path / "probe.json"
    monkeypatch.setenv("PROBE_OUT", str(out))
    inner.makepyfile(test_probe=PROBE)
    result = inner.runpytest(*args)
    result.assert_outcomes(passed=1)
    return dict(json.loads(out.read_text()))


def assert_setup_error(inner: pytest.Pytester, lines: list[str]) -> None:
    """Runs one test that uses the tokenmock fixture: it errors at setup with lines."""
    inner.makepyfile("def test_one(tokenmock):\n    pass\n")
    result = inner.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(lines)


def assert_stopped(url: str) -> None:
    with pytest.raises(ConnectionError, match="no mock at"):
        tm.Server.connect(url, timeout=5)


def test_binary_from_env(inner: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, mockserver_binary: str) -> None:
    monkeypatch.setenv(tm.ENV_BINARY, mockserver_binary)
    monkeypatch.setenv("PATH", str(inner.mkdir("empty")))
    got = probe(inner, monkeypatch)
    assert got["started"] is True and got["token"] is None
    assert str(got["url"]).startswith("http://127.0.0.1:")
    assert_stopped(str(got["url"]))  # stopped at the end of the run


def test_binary_on_path(inner: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, mockserver_binary: str) -> None:
    bin_dir = inner.mkdir("bin")
    (bin_dir / "mockserver").symlink_to(mockserver_binary)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{inner.mkdir('empty')}")
    got = probe(inner, monkeypatch)
    assert got["started"] is True
    assert_stopped(str(got["url"]))


def test_binary_option_wins_over_env(inner: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, mockserver_binary: str) -> None:
    monkeypatch.setenv(tm.ENV_BINARY, str(inner.path / "no-such-binary"))
    got = probe(inner, monkeypatch, f"--tokenmock-binary={mockserver_binary}")
    assert got["started"] is True


def test_url_from_env(inner: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, shared_server: tm.Server, mockserver_binary: str) -> None:
    use_url(monkeypatch, shared_server)
    monkeypatch.setenv(tm.ENV_BINARY, mockserver_binary)  # the URL wins over a binary
    got = probe(inner, monkeypatch)
    assert got == {**got, "url": shared_server.url, "started": False, "token": shared_server.admin_token}
    shared_server.health()  # left running
    # the session was reset and its journal cleared when the inner test ended
    assert shared_server.session(str(got["name"])).requests() == []


def test_url_option_wins_over_env(inner: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, shared_server: tm.Server) -> None:
    monkeypatch.setenv(tm.ENV_URL, "http://127.0.0.1:1")
    monkeypatch.setenv(tm.ENV_ADMIN_TOKEN, shared_server.admin_token or "")
    got = probe(inner, monkeypatch, f"--tokenmock-url={shared_server.url}/")
    assert got["url"] == shared_server.url and got["started"] is False


def test_url_without_admin_token(inner: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, shared_server: tm.Server) -> None:
    monkeypatch.setenv(tm.ENV_URL, shared_server.url)  # no TOKENMOCK_ADMIN_TOKEN
    inner.makepyfile(test_clock="def test_clock(tokenmock):\n    tokenmock.clock()\n")
    result = inner.runpytest()
    result.assert_outcomes(failed=1, errors=1)  # the call, and the reset at teardown
    result.stdout.fnmatch_lines(["*AdminError: GET /_mock/clock (session test_clock.py..test_clock-*): 401 *"])


def test_neither_is_a_clear_error(inner: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(inner.mkdir("empty")))
    inner.makepyfile("def test_one(tokenmock):\n    pass\n\ndef test_two(tokenmock_server):\n    pass\n")
    result = inner.runpytest()
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines([
        "*tokenmock: no mock server to use. Either",
        "*go install github.com/tokenmock/tokenmock/cmd/mockserver@latest",
        "*$TOKENMOCK_BINARY (--tokenmock-binary)*",
        "*ghcr.io/tokenmock/tokenmock*",
        "*TOKENMOCK_URL=http://127.0.0.1:8080 (--tokenmock-url)*",
    ])


def test_binary_that_is_not_one(inner: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(tm.ENV_BINARY, str(inner.path / "missing"))
    assert_setup_error(inner, ["*tokenmock: $TOKENMOCK_BINARY '*missing' is not an executable file*"])


def test_binary_that_exits_at_once(inner: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    script = inner.path / "broken-mockserver"
    script.write_text("#!/bin/sh\necho 'serve: --addr: this mock is broken' >&2\nexit 2\n")
    script.chmod(0o755)
    monkeypatch.setenv(tm.ENV_BINARY, str(script))
    assert_setup_error(inner, [
        "*tokenmock: could not start *broken-mockserver*exited with status 2:",
        "serve: --addr: this mock is broken",
    ])


def test_url_where_nothing_answers(inner: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as sock:  # bound, not listening: connections are refused
        sock.bind(("127.0.0.1", 0))
        url = "http://127.0.0.1:%d" % sock.getsockname()[1]
        monkeypatch.setenv(tm.ENV_URL, url)
        assert_setup_error(inner, [f"*tokenmock: no mock at {url}: GET /_mock/health:*", "(the URL came from $TOKENMOCK_URL)"])


def test_server_without_pytest(mockserver_binary: str, tmp_path: Path) -> None:
    with tm.Server.start(mockserver_binary) as server:
        assert server.health()["status"] == "ok"
        assert server.started
        other = tm.Server.connect(server.url + "/")
        assert other.url == server.url and not other.started and other.tag != server.tag
        other.close()  # a connected server is left running
        assert server.health()["status"] == "ok"
    assert_stopped(server.url)
