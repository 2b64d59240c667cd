"""A client of tokenmock's admin API (standard library only).

Server is a running mock: one this module started from a ``mockserver``
binary (Server.start) or one that already runs (Server.connect). Session is
one mock session of it, with a method per admin call; a call the mock
refuses raises AdminError with the mock's error and details.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import string
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import IO, Any

# The default fixtures (fixtures/default.yaml; mocktest/fixtures.go holds
# the same values).
ISOLAR_APP_KEY = "B968E49385CBD8C74587A374E7B1D21A"  # the body's "appkey"
ISOLAR_SECRET_KEY = "MOCKSECRETKEY0123456789ABCDEFGHI"  # the header "x-access-key"
ISOLAR_REDIRECT_URI = "https://web3.isolarcloud.com.cn"  # registered for the app
ISOLAR_STATIC_CODE = "rFrnww"  # bound to ISOLAR_REDIRECT_URI, reusable, never expires
ISOLAR_USER = "demo@example.com"
ISOLAR_PASSWORD = "demo1234"
ISOLAR_USER_ID = 408056

SOLARMAN_APP_ID = "201911067156002"  # the query's "appId"
SOLARMAN_APP_SECRET = "1q3e2ee5w5w20ww"  # the body's "appSecret"
SOLARMAN_EMAIL = "13255@qq.com"
SOLARMAN_USERNAME = "sunsun"
SOLARMAN_MOBILE = "13255200000"
SOLARMAN_COUNTRY_CODE = "86"
SOLARMAN_PASSWORD = "solarman123"  # sent as solarman_password_digest(SOLARMAN_PASSWORD)
SOLARMAN_USER_ID = 7702
# The SOLARMAN user who owns a station (the user above owns none), for tests
# of the data calls; only its password's digest is known: send
# SOLARMAN_STATION_PASSWORD_DIGEST as "password" with SOLARMAN_STATION_USERNAME.
SOLARMAN_STATION_USERNAME = "cvwwb"
SOLARMAN_STATION_PASSWORD_DIGEST = "472bbe83616e93d3c09a79103ae47d8f71e3d35a966d6e8b22f743218d04171d"
SOLARMAN_STATION_USER_ID = 6681
SOLARMAN_STATION_ID = 100895  # its station, "Demo Home"

DI_CLIENT_ID = "2aeb5a5eac1100043817950ada19e0f5"
DI_CLIENT_SECRET = "ew3c6b0eac111239342wecf26736439"
DI_REDIRECT_URI = "http://localhost:8080"  # the client's first registered redirect
DI_SCOPE = "read_cn"
DI_USER = "demo"
DI_PASSWORD = "demo"

MAX_NAME_LEN = 64  # the longest session name the mock takes
ENV_URL = "TOKENMOCK_URL"
ENV_ADMIN_TOKEN = "TOKENMOCK_ADMIN_TOKEN"
ENV_BINARY = "TOKENMOCK_BINARY"
BINARY_NAME = "mockserver"

_VALID_NAME = re.compile(r"[A-Za-z0-9._~-]{1,64}")
_SAFE = frozenset(string.ascii_letters + string.digits + "._~-")
_TIMEOUT = 60.0  # seconds, for each admin call

AnswerObserver = Callable[[str, str, int, str, bytes], None]
"""observer(method, path, status, content_type, body): see answer_observers."""

answer_observers: list[AnswerObserver] = []
"""Callables every admin answer this client receives is passed to, in order,
before it is decoded: observer(method, path, status, content_type, body), with
the request's method, its URL path as sent (an /s/{session} prefix included,
no query), the answer's status, Content-Type header ("" when absent) and body
bytes. For recording or checking answers in tests (python/tests/openapi_check.py
checks them against the admin API's OpenAPI document); append to add one,
remove to stop. An observer's exception propagates to the admin call."""


def _observe(method: str, url: str, status: int, content_type: str | None, body: bytes) -> None:
    path = urllib.parse.urlsplit(url).path
    for observer in list(answer_observers):
        observer(method, path, status, content_type or "", body)


def solarman_password_digest(password: str) -> str:
    """What SOLARMAN's token call takes as "password": the lowercase hex SHA-256."""
    return hashlib.sha256(password.encode()).hexdigest()


class AdminError(Exception):
    """An admin call the mock answered with a non-2xx status."""

    def __init__(self, status: int, error: str, details: list[str], call: str = "") -> None:
        self.status = status
        self.error = error
        self.details = list(details)
        self.call = call  # e.g. "PUT /_mock/scenario (session x)"
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"{self.call}: " if self.call else ""
        text += f"{self.status} {self.error}"
        if self.details:
            text += " (" + "; ".join(self.details) + ")"
        return text


@dataclasses.dataclass(frozen=True)
class Clock:
    """A session's clock as the mock answers it."""

    session: str
    now: datetime.datetime  # timezone-aware
    offset: str  # from the real time, a Go duration such as "49h0m0s"
    frozen: bool

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Clock:
        return cls(
            session=str(data.get("session", "")),
            now=parse_time(str(data["now"])),
            offset=str(data.get("offset", "")),
            frozen=bool(data.get("frozen", False)),
        )


def parse_time(text: str) -> datetime.datetime:
    """An RFC 3339 time of the mock (nanoseconds are cut to microseconds)."""
    return datetime.datetime.fromisoformat(text)


def go_duration(duration: str | datetime.timedelta | int | float) -> str:
    """A Go duration string: a str is kept, a timedelta or seconds converted."""
    if isinstance(duration, str):
        return duration
    if isinstance(duration, bool):
        raise TypeError("duration: want a str such as '49h', a timedelta or seconds, got a bool")
    if isinstance(duration, datetime.timedelta):
        micros = (duration.days * 86400 + duration.seconds) * 1_000_000 + duration.microseconds
    elif isinstance(duration, (int, float)):
        micros = round(duration * 1_000_000)
    else:
        raise TypeError(f"duration: want a str such as '49h', a timedelta or seconds, got {type(duration).__name__}")
    return f"{micros}us"


def session_name(node_id: str, tag: str = "") -> str:
    """The session name of a test: its node id made safe, then "-" + tag.

    "/" becomes "." and "::" becomes "..", any other character outside
    [A-Za-z0-9._~-] becomes "_". When a character was replaced (other than
    "::"), the node id holds "..", or the name is too long, a hash of the
    node id is added (cutting the name to fit), like mocktest's
    sessionName, so that two tests never share a session. With a tag, the
    whole name is at most 64 characters.
    """
    room = MAX_NAME_LEN - (len(tag) + 1 if tag else 0)
    if room < 10:
        raise ValueError(f"session tag {tag!r} is too long")
    changed = ".." in node_id
    out: list[str] = []
    i = 0
    while i < len(node_id):
        if node_id.startswith("::", i):
            out.append("..")
            i += 2
            continue
        c = node_id[i]
        if c in _SAFE:
            out.append(c)
        else:
            out.append("." if c == "/" else "_")
            changed = True
        i += 1
    name = "".join(out)
    if changed or len(name) > room or name.strip(".") == "":
        suffix = "-" + hashlib.sha256(node_id.encode()).hexdigest()[:8]
        name = name[: max(room - len(suffix), 0)] + suffix
    return name + ("-" + tag if tag else "")


def check_name(name: str) -> None:
    """Raises ValueError for a name the mock would refuse."""
    if not _VALID_NAME.fullmatch(name) or name.strip(".") == "":
        raise ValueError(
            f"session name {name!r}: want 1 to 64 of [A-Za-z0-9._~-], not made only of dots"
        )


def new_tag() -> str:
    """6 random characters of [a-z0-9]."""
    alphabet = string.ascii_lowercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(6))


def _call(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    content_type: str | None = None,
    token: str | None = None,
    label: str = "",
    timeout: float = _TIMEOUT,
) -> Any:
    """One HTTP call; the decoded JSON answer (None when empty); AdminError on a non-2xx."""
    headers = {"Accept": "application/json"}
    if body is not None:
        headers["Content-Type"] = content_type or "application/json"
    if token:
        headers["Authorization"] = "Bearer " + token
    req = urllib.request.Request(url, data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read()
            status, content_type = resp.status, resp.headers.get("Content-Type")
    except urllib.error.HTTPError as e:
        raw = e.read()
        _observe(method, url, e.code, e.headers.get("Content-Type"), raw)
        error, details = raw.decode("utf-8", "replace").strip(), []
        try:
            data = json.loads(raw)
            if isinstance(data, dict) and "error" in data:
                error = str(data["error"])
                details = [str(d) for d in data.get("details") or []]
        except ValueError:
            pass
        raise AdminError(e.code, error, details, label) from None
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", e)
        raise ConnectionError(f"tokenmock: {label or method + ' ' + url}: {reason}") from None
    _observe(method, url, status, content_type, raw)
    return json.loads(raw) if raw.strip() else None


class Session:
    """One mock session: its own codes, tokens, clock, scenario and journal."""

    def __init__(self, server: Server, name: str) -> None:
        check_name(name)
        self.server = server
        self.name = name
        self.url = server.url
        self.base_url = f"{server.url}/s/{name}"
        self.headers = {"X-Mock-Session": name}

    def __repr__(self) -> str:
        return f"Session({self.base_url!r})"

    def _admin(self, method: str, path: str, body: Any = None, *, yaml: str | None = None) -> Any:
        data: bytes | None = None
        content_type = None
        if yaml is not None:
            data, content_type = yaml.encode(), "application/yaml"
        elif body is not None:
            data = json.dumps(body).encode()
        label = f"{method} /_mock{path.split('?')[0]} (session {self.name})"
        return _call(
            method,
            f"{self.base_url}/_mock{path}",
            body=data,
            content_type=content_type,
            token=self.server.admin_token,
            label=label,
        )

    # scenarios

    def use_scenario(self, name: str) -> None:
        """Activates a library scenario for the session, with fresh counters."""
        self._admin("PUT", "/scenario", {"name": name})

    def use_scenario_yaml(self, text: str) -> None:
        """Activates a whole scenario given as YAML (AdminError lists every problem's line)."""
        self._admin("PUT", "/scenario", yaml=text)

    def clear_scenario(self) -> None:
        """Deactivates the session's scenario."""
        self._admin("DELETE", "/scenario")

    # the clock

    def _clock(self, body: dict[str, Any]) -> Clock:
        return Clock.from_json(self._admin("POST", "/clock", body))

    def clock(self) -> Clock:
        """Reads the session's clock."""
        return Clock.from_json(self._admin("GET", "/clock"))

    def advance(self, duration: str | datetime.timedelta | int | float) -> Clock:
        """Moves the clock forward: "49h", a timedelta, or seconds."""
        return self._clock({"advance": go_duration(duration)})

    def set_clock(self, at: datetime.datetime | str, freeze: bool | None = None) -> Clock:
        """Sets the clock (an aware datetime or RFC 3339 text); freeze=True also stops it."""
        if isinstance(at, datetime.datetime):
            if at.tzinfo is None or at.utcoffset() is None:
                raise ValueError(f"set_clock: {at!r} has no time zone; give one (datetime.timezone.utc)")
            at = at.isoformat()
        body: dict[str, Any] = {"set": at}
        if freeze is not None:
            body["freeze"] = freeze
        return self._clock(body)

    def freeze_clock(self) -> Clock:
        """Stops the clock where it is, until moved, unfrozen or reset."""
        return self._clock({"freeze": True})

    def unfreeze_clock(self) -> Clock:
        """Lets the clock run on from the time it shows."""
        return self._clock({"freeze": False})

    def reset_clock(self) -> Clock:
        """Puts the clock back to the real time, running."""
        return self._clock({"reset": True})

    def expire_token(self, token: str) -> Clock:
        """Moves the clock one second past the token's expiry (ValueError for a token
        the session does not know or that never expires)."""
        info = self.introspect(token)
        expires = info.get("expires_at")  # absent for an unknown token or one that never expires
        if not expires:
            raise ValueError(f"expire_token: session {self.name} has no token {token!r} that expires")
        left = parse_time(expires) - self.clock().now
        if left >= datetime.timedelta(0):
            return self.advance(left + datetime.timedelta(seconds=1))
        return self.clock()

    # codes, tokens, the journal

    def mint_code(self, vendor: str, **fields: str) -> str:
        """Mints a code as the consent page would: vendor "isolar" (appkey=…) or
        "oauth" (client_id=…), optional user, redirect_uri, scope, code."""
        return str(self._admin("POST", "/codes", {"vendor": vendor, **fields})["code"])

    def introspect(self, token: str) -> dict[str, Any]:
        """{"active": …, "vendor", "kind", "client", "user", "expires_at"}; {"active": False} if unknown."""
        result: dict[str, Any] = self._admin("POST", "/introspect", {"token": token})
        return result

    def requests(self, endpoint: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        """The session's journalled vendor requests, oldest first: every one kept
        (limit None) or the newest limit; endpoint (e.g. "isolar.token") filters."""
        query: dict[str, str] = {"limit": "0" if limit is None else str(int(limit))}
        if endpoint is not None:
            query["endpoint"] = endpoint
        out = self._admin("GET", "/requests?" + urllib.parse.urlencode(query))
        return list(out.get("requests") or [])

    def clear_requests(self) -> None:
        """Forgets the session's journalled requests (other sessions' stay)."""
        self._admin("DELETE", "/requests")

    def reset(self) -> None:
        """Puts the session's clock (running), scenario and counters back."""
        self._admin("POST", "/reset")


class Server:
    """A running mock: started from a binary (start) or already running (connect)."""

    def __init__(self, url: str, admin_token: str | None = None) -> None:
        self.url = url.rstrip("/")
        self.admin_token = admin_token or None
        self.tag = new_tag()
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: collections.deque[str] = collections.deque(maxlen=200)
        self._drain: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"Server({self.url!r})"

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @classmethod
    def connect(cls, url: str, admin_token: str | None = None, timeout: float = 10.0) -> Server:
        """The mock running at url; ConnectionError when its health check does not answer."""
        server = cls(url, admin_token)
        try:
            health = server.health(timeout)
        except (ConnectionError, AdminError) as e:
            raise ConnectionError(f"tokenmock: no mock at {server.url}: GET /_mock/health: {e}") from None
        if not isinstance(health, dict) or health.get("status") != "ok":
            raise ConnectionError(f"tokenmock: no mock at {server.url}: GET /_mock/health answered {health!r}")
        return server

    @classmethod
    def start(
        cls,
        binary: str,
        args: list[str] | None = None,
        admin_token: str | None = None,
        timeout: float = 30.0,
    ) -> Server:
        """Starts `binary serve --addr 127.0.0.1:0 --log-format json [args]` and reads
        its address from its log; RuntimeError with its log if it does not start."""
        cmd = [binary, "serve", "--addr", "127.0.0.1:0", "--log-format", "json", *(args or [])]
        if admin_token:
            cmd += ["--admin-token", admin_token]
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        server = cls("http://unstarted", admin_token)
        server._proc = proc
        found = threading.Event()
        addr: list[str] = []
        assert proc.stderr is not None
        server._drain = threading.Thread(
            target=server._read_log, args=(proc.stderr, addr, found), name="tokenmock-log", daemon=True
        )
        server._drain.start()
        deadline = time.monotonic() + timeout
        while not found.wait(0.05):
            if proc.poll() is not None:
                server._drain.join(5)
                raise RuntimeError(
                    f"tokenmock: {' '.join(cmd)} exited with status {proc.returncode}:\n{server.log_text()}"
                )
            if time.monotonic() > deadline:
                server.close()
                raise RuntimeError(
                    f"tokenmock: {' '.join(cmd)} logged no address within {timeout:g}s:\n{server.log_text()}"
                )
        server.url = "http://" + addr[0]
        return server

    def _read_log(self, stream: IO[bytes], addr: list[str], found: threading.Event) -> None:
        # Reads the mock's stderr to its end, so that the pipe never fills.
        for raw in stream:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self._log.append(line)
            if not found.is_set():
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                if isinstance(record, dict) and record.get("msg") == "listening" and record.get("addr"):
                    addr.append(str(record["addr"]))
                    found.set()
        stream.close()

    def log_text(self) -> str:
        """The last 200 lines the started mock logged ("" for a connected one)."""
        return "\n".join(self._log)

    @property
    def started(self) -> bool:
        """Whether this Server started the mock (and close stops it)."""
        return self._proc is not None

    def health(self, timeout: float = _TIMEOUT) -> dict[str, Any]:
        """GET /_mock/health: {"status": "ok", "version": …}."""
        result: dict[str, Any] = _call(
            "GET", self.url + "/_mock/health", label="GET /_mock/health", timeout=timeout
        )
        return result

    def session(self, name: str) -> Session:
        """The session name (created on first use); ValueError for a name the mock refuses."""
        return Session(self, name)

    def close(self, timeout: float = 10.0) -> None:
        """Stops a mock this Server started (SIGTERM, then kill after timeout); nothing otherwise."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout)
        if self._drain is not None:
            self._drain.join(timeout)


def find_binary(binary: str | None = None) -> str | None:
    """The mockserver to start: binary when given, else $TOKENMOCK_BINARY, else
    `mockserver` on PATH (None when there is none). A given path that is not an
    executable file raises FileNotFoundError."""
    source = "the given binary"
    if not binary:
        binary, source = os.environ.get(ENV_BINARY) or None, "$" + ENV_BINARY
    if binary:
        path = shutil.which(binary) if os.sep not in binary else binary
        if not path or not os.path.isfile(path) or not os.access(path, os.X_OK):
            raise FileNotFoundError(f"tokenmock: {source} {binary!r} is not an executable file")
        return os.path.abspath(path)
    return shutil.which(BINARY_NAME)
