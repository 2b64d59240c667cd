"""A small async client of the SOLARMAN OpenAPI (v1.0), as a Home Assistant integration uses one.

Written against the real platform's rules: the token call takes ``appId`` in the query and
``appSecret``, one identity (e-mail, user name or mobile) and the password as the lowercase
hex SHA-256 of the plaintext in the body; every answer is HTTP 200 and only ``success``
tells. A token lives 60 days and v1.0 has no refresh: when a data call answers
``2101017``/``2101019`` (token missing or invalid) the client logs in again, once, and
retries. Integrations keep the digest, not the plaintext (see ``password_digest``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import aiohttp

_TOKEN_CODES = {"2101017", "2101019"}  # auth token not found, auth invalid token
# Refusals of the login itself: a wrong app id, app secret (answered 2101019), password or orgId.
_LOGIN_AUTH_CODES = {"2101018", "2101019", "2101020", "2101021", "2101025"}
_RATE_CODES = {"2101002", "2101010"}  # too frequently, appId insufficient allowance


def password_digest(password: str) -> str:
    """What the token call takes as ``password``."""
    return hashlib.sha256(password.encode()).hexdigest()


class SolarmanError(Exception):
    """A ``success: false`` answer; ``code`` is the platform's code (a string)."""

    def __init__(self, code: str, message: str, request_id: str | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.request_id = request_id


class AuthError(SolarmanError):
    """The login was refused (app id, app secret, password, orgId), or a new token was refused too.

    ``reason`` is the inner code of a 2101025 (``AUTH_INVALID_USERNAME_OR_PASSWORD``) when there is one.
    """

    def __init__(self, code: str, message: str, request_id: str | None = None) -> None:
        super().__init__(code, message, request_id)
        self.reason = _inner_code(message)


class RateLimited(SolarmanError):
    """The app called too often (2101002) or used up its allowance (2101010)."""


class ApiError(SolarmanError):
    """Any other failure: maintenance (3201001), unknown device (2101008), not JSON, ..."""


@dataclass(frozen=True)
class Station:
    id: int
    name: str
    generation_power: float | None


@dataclass(frozen=True)
class Reading:
    value: str
    unit: str | None
    name: str


class SolarmanClient:
    """One account of one app, reached at ``base_url`` (``https://globalapi.solarmanpv.com``)."""

    def __init__(
        self,
        base_url: str,
        session: aiohttp.ClientSession,
        app_id: str,
        app_secret: str,
        *,
        password_sha256: str,
        email: str | None = None,
        username: str | None = None,
    ) -> None:
        if (email is None) == (username is None):
            raise ValueError("give exactly one of email and username")
        self._base = base_url.rstrip("/")
        self._http = session
        self._app_id = app_id
        self._app_secret = app_secret
        self._identity = {"email": email} if email is not None else {"username": username}
        self._password = password_sha256
        self.access_token: str | None = None

    async def login(self) -> str:
        """A new token (``POST /account/v1.0/token``); raises AuthError when the login is refused."""
        body = {"appSecret": self._app_secret, **self._identity, "password": self._password}
        data = await self._post("/account/v1.0/token", body, query={"appId": self._app_id, "language": "en"}, auth=False)
        if data.get("success") is not True or not data.get("access_token"):
            raise _error(data, login=True)
        self.access_token = str(data["access_token"])
        return self.access_token

    async def stations(self) -> list[Station]:
        data = await self._call("/station/v1.0/list", {"page": 1, "size": 20})
        return [
            Station(int(s["id"]), str(s["name"]), s.get("generationPower"))
            for s in data.get("stationList") or []
        ]

    async def station_devices(self, station_id: int) -> list[str]:
        """Serial numbers of the station's devices (``POST /station/v1.0/device``)."""
        data = await self._call("/station/v1.0/device", {"stationId": station_id, "page": 1, "size": 20})
        return [str(d["deviceSn"]) for d in data.get("deviceListItems") or []]

    async def current_data(self, device_sn: str) -> dict[str, Reading]:
        """The device's latest values by key (``POST /device/v1.0/currentData``)."""
        data = await self._call("/device/v1.0/currentData", {"deviceSn": device_sn})
        return {
            str(item["key"]): Reading(str(item["value"]), item.get("unit"), str(item["name"]))
            for item in data.get("dataList") or []
        }

    async def _call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """A data call; on a token error, one new login and one retry."""
        if self.access_token is None:
            await self.login()
        data = await self._post(path, body, query={"language": "en"}, auth=True)
        if data.get("success") is not True and str(data.get("code")) in _TOKEN_CODES:
            await self.login()
            data = await self._post(path, body, query={"language": "en"}, auth=True)
        if data.get("success") is not True:
            raise _error(data, login=False)
        return data

    async def _post(self, path: str, body: dict[str, Any], *, query: dict[str, str], auth: bool) -> dict[str, Any]:
        headers = {"Authorization": f"bearer {self.access_token}"} if auth else {}
        async with self._http.post(self._base + path, params=query, json=body, headers=headers) as resp:
            try:
                data = await resp.json(content_type=None)
            except ValueError as err:
                raise ApiError(str(resp.status), f"not JSON: {err}") from err
        if not isinstance(data, dict):
            raise ApiError(str(resp.status), "not a JSON object")
        return data


def _error(data: dict[str, Any], *, login: bool) -> SolarmanError:
    code = str(data.get("code"))
    message = str(data.get("msg") or "")
    request_id = data.get("requestId")
    if code in _TOKEN_CODES and not login:
        return AuthError(code, message, request_id)  # refused even after a new login
    if login and code in _LOGIN_AUTH_CODES:
        return AuthError(code, message, request_id)
    if code in _RATE_CODES:
        return RateLimited(code, message, request_id)
    return ApiError(code, message, request_id)


def _inner_code(message: str) -> str | None:
    """2101025's msg is itself JSON: {"error":…,"error_description":…,"code":"AUTH_…","param":null}."""
    try:
        inner = json.loads(message)
    except ValueError:
        return None
    return str(inner["code"]) if isinstance(inner, dict) and inner.get("code") else None
