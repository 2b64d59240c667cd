"""A pytest plugin that checks every admin answer against the OpenAPI document.

Every answer the tokenmock client receives (tokenmock.client.answer_observers)
to a request under /_mock, after an optional /s/{session} prefix, is checked
against schema/admin.openapi.json with jsonschema's Draft 2020-12 validator,
under the rules of the Go suite's checker (internal/testkit/apicheck):

- the request is routed by its path and method; a path the document has no
  operation for must get 404, a method it has none for 405, or one of the
  server's own refusals (400, 401, 413, 503), with the Error body;
- the status must be documented for the operation (an exact code, then
  "4XX"-like ranges, then "default");
- the Content-Type must be one the status documents; a JSON body must
  validate against its schema; an HTML page is checked by its type alone.

A mismatch fails the test that produced it (at its teardown); one produced
outside a test fails the run at its end, listed. At the end a line says how
many answers were checked, and the run fails when none was (the observer was
not reached: the check would be silently checking nothing).

Loaded by python/tests/conftest.py, and with `-p openapi_check` (this folder
on PYTHONPATH) by python/ci.sh for python/examples and by
examples/testcontainers/ci.sh for the docker SDK recipe; the examples
themselves know nothing of it. Needs jsonschema (Debian's python3-jsonschema
4.10 or later); the tokenmock package itself does not.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import]  # Debian has no stubs
import pytest

from tokenmock import client

DOCUMENT = Path(__file__).resolve().parents[2] / "schema" / "admin.openapi.json"

# The server's own refusals before routing (session name, admin token, body
# size, session registry), which any admin path may get.
REFUSALS = frozenset({400, 401, 413, 503})
METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options", "trace"})
EXCERPT = 300  # characters of a body quoted in a report


def admin_path(path: str) -> str | None:
    """The admin path an answer is checked under: path without an /s/{session}
    prefix (a leading // made one /, before and after the prefix, as the server
    routes it); None when that is not under /_mock (a vendor request)."""
    if path.startswith("//"):
        path = "/" + path.lstrip("/")
    if path.startswith("/s/"):
        _, _, tail = path[len("/s/"):].partition("/")
        path = "/" + tail.lstrip("/")
    return path if path == "/_mock" or path.startswith("/_mock/") else None


# RFC 3339's date-time, which jsonschema checks only with a package Debian
# does not have (rfc3339-validator); registered on jsonschema's FormatChecker.
FORMATS = jsonschema.FormatChecker()
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")


def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True  # "format" applies to strings only
    if not _DATE_TIME.fullmatch(value):
        return False
    datetime.datetime.fromisoformat(value.upper().replace("Z", "+00:00"))  # ValueError: out of range
    return True


FORMATS.checks("date-time", raises=ValueError)(_is_date_time)


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


class Checker:
    """Checks admin answers against one OpenAPI 3.1 document."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        # $refs (#/components/...) resolve against the whole document.
        self.resolver = jsonschema.RefResolver(base_uri="", referrer=document)
        self.routes: list[tuple[re.Pattern[str], str]] = []
        for template in document.get("paths", {}):
            pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
            self.routes.append((re.compile(pattern), template))

    @classmethod
    def load(cls, path: Path = DOCUMENT) -> Checker:
        return cls(json.loads(path.read_text()))

    def _deref(self, obj: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in obj:
            _, obj = self.resolver.resolve(obj["$ref"])
        return obj

    def _validate(self, schema: dict[str, Any], body: bytes) -> str | None:
        """What is wrong with a JSON body against schema (None: it matches)."""
        try:
            value = json.loads(body)
        except ValueError as e:
            return f"the body is no JSON: {e}"
        validator = jsonschema.Draft202012Validator(schema, resolver=self.resolver, format_checker=FORMATS)
        errors = sorted(validator.iter_errors(value), key=lambda e: [str(p) for p in e.absolute_path])
        if not errors:
            return None
        return "; ".join(f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}" for e in errors)

    def _check_error_body(self, content_type: str, body: bytes) -> str | None:
        if _media_type(content_type) != "application/json":
            return f"content type {content_type!r}, want application/json"
        return self._validate({"$ref": "#/components/schemas/Error"}, body)

    def check(self, method: str, path: str, status: int, content_type: str, body: bytes) -> str | None:
        """What is wrong with one admin answer (None: it matches). path is the
        URL path as sent (/s/{session} prefix included); a vendor path passes."""
        checked = admin_path(path)
        if checked is None:
            return None
        template = next((t for p, t in self.routes if p.fullmatch(checked)), None)
        if template is None:
            return self._check_unrouted(status, content_type, body, 404)
        operation = self.document["paths"][template].get(method.lower())
        if method.lower() not in METHODS or operation is None:
            return self._check_unrouted(status, content_type, body, 405)
        responses: dict[str, Any] = operation.get("responses", {})
        response = next(
            (responses[k] for k in (str(status), f"{status // 100}XX", "default") if k in responses), None
        )
        if response is None:
            return f"status {status} is not documented for {method.upper()} {template} (documented: {', '.join(responses)})"
        content: dict[str, Any] = self._deref(response).get("content") or {}
        if not content:
            return None if not body else f"status {status} documents no body, got {len(body)} bytes"
        media = _media_type(content_type)
        key = next((k for k in (media, media.split("/")[0] + "/*", "*/*") if k in content), None)
        if key is None:
            return f"content type {content_type!r} is not documented for status {status} (documented: {', '.join(content)})"
        schema = content[key].get("schema")
        if schema is None or not (media == "application/json" or media.endswith("+json")):
            return None  # an HTML page: its content type is all that is checked
        return self._validate(schema, body)

    def _check_unrouted(self, status: int, content_type: str, body: bytes, want: int) -> str | None:
        if status != want and status not in REFUSALS:
            what = "path" if want == 404 else "method"
            return f"status {status} for a {what} the document has no operation for (want {want} or a refusal: 400, 401, 413, 503)"
        return self._check_error_body(content_type, body)


@dataclasses.dataclass(frozen=True)
class Mismatch:
    method: str
    path: str
    status: int
    content_type: str
    body: bytes
    error: str

    def __str__(self) -> str:
        text = self.body.decode("utf-8", "replace")
        if len(text) > EXCERPT:
            text = text[:EXCERPT] + "…"
        return (
            f"{self.method} {self.path} → {self.status} ({self.content_type or 'no content type'})\n"
            f"  body: {text}\n  {self.error}"
        )


class Recorder:
    """The observer: checks each answer, counts them, keeps the mismatches."""

    def __init__(self, checker: Checker) -> None:
        self.checker = checker
        self.checked = 0
        self.mismatches: list[Mismatch] = []
        self.reported = 0  # mismatches[:reported] are reported (a test failed) or in leftover
        self.leftover: list[Mismatch] = []  # those of no test: reported at the end of the run
        self._lock = threading.Lock()

    def __call__(self, method: str, path: str, status: int, content_type: str, body: bytes) -> None:
        if admin_path(path) is None:
            return
        error = self.checker.check(method, path, status, content_type, body)
        with self._lock:
            self.checked += 1
            if error is not None:
                self.mismatches.append(Mismatch(method, path, status, content_type, body, error))

    def take(self) -> list[Mismatch]:
        """The mismatches not reported yet (and marks them reported)."""
        with self._lock:
            new = self.mismatches[self.reported:]
            self.reported = len(self.mismatches)
        return new


def report(mismatches: list[Mismatch]) -> str:
    return f"{len(mismatches)} admin answer(s) do not match {DOCUMENT.name}:\n" + "\n".join(map(str, mismatches))


RECORDER = pytest.StashKey[Recorder]()
TOTALS = pytest.StashKey[dict[str, Any]]()  # of this process and xdist's workers: counts, leftovers


def pytest_configure(config: pytest.Config) -> None:
    recorder = Recorder(Checker.load())
    config.stash[RECORDER] = recorder
    config.stash[TOTALS] = {"checked": 0, "mismatched": 0, "leftover": []}
    client.answer_observers.append(recorder)


def pytest_unconfigure(config: pytest.Config) -> None:
    recorder = config.stash.get(RECORDER, None)
    if recorder is not None and recorder in client.answer_observers:
        client.answer_observers.remove(recorder)


@pytest.fixture(autouse=True)
def _openapi_check(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fails the test whose admin answers (setup and teardown included) do not match."""
    recorder = request.config.stash[RECORDER]
    recorder.leftover += recorder.take()  # earlier ones (a session fixture's) are reported at the end
    yield
    mismatches = recorder.take()
    if mismatches:
        pytest.fail(report(mismatches), pytrace=False)


@pytest.hookimpl(optionalhook=True)  # type: ignore[misc]  # only with xdist
def pytest_testnodedown(node: Any, error: Any) -> None:
    """xdist's controller: adds up what a worker checked."""
    out = getattr(node, "workeroutput", {}).get("openapi_check")
    if out:
        totals = node.config.stash[TOTALS]
        for key in ("checked", "mismatched", "leftover"):
            totals[key] += out[key]


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    recorder, totals = config.stash[RECORDER], config.stash[TOTALS]
    # Mismatches outside any test's reach (a session fixture's setup or teardown).
    leftover = [str(m) for m in recorder.leftover + recorder.take()]
    out = {"checked": recorder.checked, "mismatched": len(recorder.mismatches), "leftover": leftover}
    workeroutput = getattr(config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: the controller judges
        workeroutput["openapi_check"] = out
        return
    for key in ("checked", "mismatched", "leftover"):
        totals[key] += out[key]
    if session.exitstatus == pytest.ExitCode.OK and (totals["leftover"] or totals["checked"] == 0):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    if getattr(config, "workeroutput", None) is not None:
        return
    totals = config.stash[TOTALS]
    checked, mismatched, leftover = totals["checked"], totals["mismatched"], totals["leftover"]
    if leftover:
        terminalreporter.write_line(
            f"openapi_check: {len(leftover)} admin answer(s) outside any test do not match {DOCUMENT.name}:", red=True
        )
        for text in leftover:
            terminalreporter.write_line(text)
    if checked == 0:
        terminalreporter.write_line(
            "openapi_check: no admin answer was checked: the tokenmock client's answers never reached "
            "tokenmock.client.answer_observers (is this tokenmock the one the tests import?)",
            red=True,
        )
    elif mismatched:
        terminalreporter.write_line(
            f"openapi_check: {checked} admin answers checked, {mismatched} do not match "
            f"{DOCUMENT.name} (listed above)",
            red=True,
        )
    else:
        terminalreporter.write_line(f"openapi_check: {checked} admin answers checked, all valid", green=True)
