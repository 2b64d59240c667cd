"""openapi_check: drifted admin answers fail it, valid ones pass, and the
pytest plugin fails the test (or the run) that produced a mismatch."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from openapi_check import Checker, admin_path

import tokenmock as tm

CHECKER = Checker.load()
JSON = "application/json; charset=utf-8"
CLOCK: dict[str, object] = {"session": "s1", "now": "2026-12-04T01:30:00.123456789Z", "offset": "49h0m0s", "frozen": False}
TESTS = Path(__file__).resolve().parent


def clock(**changes: object) -> dict[str, object]:
    """CLOCK with some fields changed or added."""
    body = dict(CLOCK)
    body.update(changes)
    return body


def check(method: str, path: str, status: int, body: object, content_type: str = JSON) -> str | None:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return CHECKER.check(method, path, status, content_type, raw)


def test_admin_path() -> None:
    assert admin_path("/_mock/clock") == "/_mock/clock"
    assert admin_path("/s/abc/_mock/clock") == "/_mock/clock"
    assert admin_path("/s/abc//_mock/clock") == "/_mock/clock"
    assert admin_path("//_mock/health") == "/_mock/health"
    assert admin_path("/s/abc/openapi/apiManage/token") is None
    assert admin_path("/_mockery") is None


def test_valid_answers_pass() -> None:
    assert check("GET", "/s/s1/_mock/clock", 200, CLOCK) is None
    assert check("POST", "/_mock/clock", 400, {"error": "bad body", "details": []}) is None
    assert check("GET", "/_mock/ui", 200, b"<html></html>", "text/html; charset=utf-8") is None
    # No operation: 404 for a path, 405 for a method, with the error body.
    assert check("GET", "/_mock/nope", 404, {"error": "no route", "details": []}) is None
    assert check("PATCH", "/_mock/clock", 405, {"error": "method not allowed", "details": []}) is None


def test_an_extra_field_fails() -> None:
    error = check("GET", "/s/s1/_mock/clock", 200, clock(zone="UTC"))
    assert error is not None and "'zone' was unexpected" in error


def test_a_missing_required_field_fails() -> None:
    body = {k: v for k, v in CLOCK.items() if k != "frozen"}
    error = check("GET", "/_mock/clock", 200, body)
    assert error == "(root): 'frozen' is a required property"


def test_a_wrong_type_or_format_fails() -> None:
    assert check("GET", "/_mock/clock", 200, clock(frozen="no")) == "frozen: 'no' is not of type 'boolean'"
    assert check("GET", "/_mock/clock", 200, clock(now="yesterday")) == "now: 'yesterday' is not a 'date-time'"
    assert check("GET", "/_mock/clock", 200, clock(now="2026-13-01T00:00:00Z")) is not None
    assert check("GET", "/_mock/clock", 400, {"error": "", "details": []}) is not None  # minLength 1


def test_an_undocumented_status_fails() -> None:
    error = check("GET", "/_mock/clock", 418, {"error": "teapot", "details": []})
    assert error is not None and error.startswith("status 418 is not documented for GET /_mock/clock")
    assert check("GET", "/_mock/nope", 200, {}) is not None  # no operation: must be 404
    assert check("PATCH", "/_mock/clock", 200, CLOCK) is not None  # no operation: must be 405


def test_an_undocumented_content_type_fails() -> None:
    error = check("GET", "/_mock/clock", 200, CLOCK, "text/plain")
    assert error is not None and "content type 'text/plain' is not documented" in error
    assert check("GET", "/_mock/ui", 200, b"{}", JSON) is not None
    assert check("GET", "/_mock/clock", 200, b"not json") is not None
    assert check("GET", "/_mock/nope", 404, b"not found", "text/plain") is not None


def test_a_real_answer(tokenmock: tm.Session) -> None:
    seen: list[tuple[str, str, int, str, bytes]] = []

    def observe(method: str, path: str, status: int, content_type: str, body: bytes) -> None:
        seen.append((method, path, status, content_type, body))

    tm.client.answer_observers.append(observe)
    try:
        tokenmock.advance("49h")
    finally:
        tm.client.answer_observers.remove(observe)
    assert len(seen) == 1
    method, path, status, content_type, body = seen[0]
    assert (method, path, status) == ("POST", f"/s/{tokenmock.name}/_mock/clock", 200)
    assert CHECKER.check(method, path, status, content_type, body) is None
    drifted = json.dumps({**json.loads(body), "zone": "UTC"}).encode()
    assert CHECKER.check(method, path, status, content_type, drifted) is not None


# The plugin, run in a subprocess (its canned answers must not reach this
# run's own check): each inner test hands answers to the client's observers.
INNER = """
import json
import pytest
from tokenmock import client

CLOCK = {"session": "s1", "now": "2026-12-04T01:30:00Z", "offset": "0s", "frozen": False}

def answer(body, status=200):
    for observer in list(client.answer_observers):
        observer("GET", "/s/s1/_mock/clock", status, "application/json", json.dumps(body).encode())
"""


@pytest.fixture
def plugin_run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """A pytester folder whose runs load openapi_check (from this folder, on PYTHONPATH)."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")])))
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    return pytester


def test_plugin_fails_the_test_with_a_drifted_answer(plugin_run: pytest.Pytester) -> None:
    plugin_run.makepyfile(test_inner=INNER + """
def test_drifted():
    answer({**CLOCK, "zone": "UTC"})

def test_undocumented_status():
    answer({"error": "teapot", "details": []}, status=418)

def test_valid():
    answer(CLOCK)
""")
    result = plugin_run.runpytest_subprocess("-p", "openapi_check", "-p", "no:cacheprovider", timeout=120)
    result.assert_outcomes(passed=3, errors=2)
    result.stdout.fnmatch_lines([
        "*1 admin answer(s) do not match admin.openapi.json:",
        "GET /s/s1/_mock/clock → 200 (application/json)",
        '  body: {"session": "s1", *"zone": "UTC"}',
        "  (root): Additional properties are not allowed ('zone' was unexpected)",
    ])
    result.stdout.fnmatch_lines(["*status 418 is not documented for GET /_mock/clock*"])
    result.stdout.fnmatch_lines(["openapi_check: 3 admin answers checked, 2 do not match admin.openapi.json (listed above)"])
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_plugin_fails_the_run_for_a_mismatch_outside_tests(plugin_run: pytest.Pytester) -> None:
    plugin_run.makepyfile(test_inner=INNER + """
@pytest.fixture(scope="session")
def server():
    yield
    answer({"session": "s1"})

def test_uses_server(server):
    answer(CLOCK)
""")
    result = plugin_run.runpytest_subprocess("-p", "openapi_check", "-p", "no:cacheprovider", timeout=120)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([
        "openapi_check: 1 admin answer(s) outside any test do not match admin.openapi.json:",
        "GET /s/s1/_mock/clock → 200 (application/json)",
        "*'now' is a required property*",
        "openapi_check: 2 admin answers checked, 1 do not match admin.openapi.json (listed above)",
    ])
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_plugin_fails_a_run_that_checked_nothing(plugin_run: pytest.Pytester) -> None:
    plugin_run.makepyfile(test_inner="def test_no_admin_call():\n    assert 1 + 1 == 2\n")
    result = plugin_run.runpytest_subprocess("-p", "openapi_check", "-p", "no:cacheprovider", timeout=120)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["openapi_check: no admin answer was checked*"])
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_plugin_adds_up_xdist_workers(plugin_run: pytest.Pytester) -> None:
    plugin_run.makepyfile(test_inner=INNER + "".join(f"\ndef test_{i}():\n    answer(CLOCK)\n" for i in range(4)))
    result = plugin_run.runpytest_subprocess(
        "-p", "openapi_check", "-p", "xdist", "-n", "2", "-p", "no:cacheprovider", timeout=180
    )
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(["openapi_check: 4 admin answers checked, all valid"])
    assert result.ret == pytest.ExitCode.OK
