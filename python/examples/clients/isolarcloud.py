"""A small async client of the iSolarCloud OpenAPI (Sungrow), as a Home Assistant integration uses one.

Written against the real platform's rules: the gateway wants the app's Secret Key in the
``x-access-key`` header and its AppKey in every body; every answer is HTTP 200 with a
``result_code`` string ("1" is success). A token comes from an OAuth authorization code,
lives two days and is refreshed with a refresh token that rotates (the old one is dead
afterwards, so the new pair must be stored). An expired, refreshed-away or unknown token
gets ``E00003`` on a data call: the client refreshes once and retries. A failed refresh
(``result_data.code`` other than "1") means the plant owner must authorize again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp

# Gateway and grant codes that no retry can cure: the app's keys or the grant are wrong.
_AUTH_CODES = {"E911", "E912", "001", "E00000", "E914", "E900", "E919", "2", "3", "4", "5", "6"}
# Limits: wait, then try again.
_RATE_CODES = {"E901", "E916", "E998", "E999"}
_TOKEN_INVALID = "E00003"
# A token this close to its end is refreshed before the call (the platform's clock may run ahead).
_REFRESH_MARGIN_S = 60


class IsolarCloudError(Exception):
    """An answer of the platform that is not a success; ``code`` is its ``result_code``."""

    def __init__(self, code: str, message: str, serial: str | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.serial = serial


class AuthError(IsolarCloudError):
    """The app's keys, the code or the grant were refused: the user has to act (reauth)."""


class ReauthRequired(AuthError):
    """The refresh token was refused (``result_data.code``): only a new authorization helps."""


class RateLimited(IsolarCloudError):
    """A call or quota limit of the app (E901, E916, E998, E999)."""


class ApiError(IsolarCloudError):
    """Any other failure, including an answer that is not the platform's JSON."""


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_at: float  # time.monotonic() seconds

    def expiring(self) -> bool:
        return time.monotonic() >= self.expires_at - _REFRESH_MARGIN_S


@dataclass(frozen=True)
class Plant:
    ps_id: str
    name: str


class IsolarCloudClient:
    """One authorized user of one app, reached at ``base_url`` (the gateway)."""

    def __init__(
        self,
        base_url: str,
        session: aiohttp.ClientSession,
        appkey: str,
        secret_key: str,
        redirect_uri: str,
        *,
        tokens: Tokens | None = None,
        on_tokens: Callable[[Tokens], None] | None = None,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._http = session
        self._appkey = appkey
        self._secret_key = secret_key
        self._redirect_uri = redirect_uri
        self.tokens = tokens
        self._on_tokens = on_tokens
        self.authorized_plants: list[str] = []

    async def authorize(self, code: str) -> Tokens:
        """Exchange an authorization code (from the redirect after the owner's consent)."""
        data = await self._post(
            "/openapi/apiManage/token",
            {"grant_type": "authorization_code", "code": code, "redirect_uri": self._redirect_uri},
        )
        result = _success(data)
        self.authorized_plants = [str(p) for p in result.get("auth_ps_list") or []]
        return self._store(result)

    async def refresh(self) -> Tokens:
        """Trade the refresh token for a new pair; raises ReauthRequired when it is refused."""
        if self.tokens is None:
            raise ReauthRequired("4", "no refresh token: authorize first")
        data = await self._post("/openapi/apiManage/refreshToken", {"refresh_token": self.tokens.refresh_token})
        result = _success(data)
        refresh_code = str(result.get("code", "1"))
        if refresh_code != "1" or not result.get("access_token"):
            raise ReauthRequired(refresh_code, _REFRESH_CODES.get(refresh_code, "refresh failed"), data.get("req_serial_num"))
        return self._store(result)

    async def plants(self) -> list[Plant]:
        """The plants the owner granted (``queryPowerStationList``)."""
        result = await self._call("/openapi/platform/queryPowerStationList", {"page": 1, "size": 100})
        return [Plant(str(p["ps_id"]), str(p["ps_name"])) for p in result.get("pageList") or []]

    async def plant_points(self, ps_ids: Sequence[str], points: Sequence[str]) -> dict[str, dict[str, str | None]]:
        """Measuring points of plants (``getPowerStationRealTimeData``): ps_id -> point id -> value."""
        result = await self._call(
            "/openapi/platform/getPowerStationRealTimeData",
            {"ps_id_list": list(ps_ids), "point_id_list": list(points), "is_get_point_dict": "1"},
        )
        values: dict[str, dict[str, str | None]] = {}
        for entry in result.get("device_point_list") or []:
            values[str(entry["ps_id"])] = {key[1:]: value for key, value in entry.items() if _is_point(key)}
        return values

    async def device_points(self, ps_keys: Sequence[str], device_type: int, points: Sequence[str]) -> dict[str, dict[str, str | None]]:
        """Measuring points of devices (``getDeviceRealTimeData``): ps_key -> point id -> value."""
        result = await self._call(
            "/openapi/platform/getDeviceRealTimeData",
            {"ps_key_list": list(ps_keys), "point_id_list": list(points), "device_type": str(device_type)},
        )
        values: dict[str, dict[str, str | None]] = {}
        for entry in result.get("device_point_list") or []:
            point = entry.get("device_point", entry)
            values[str(point["ps_key"])] = {key[1:]: value for key, value in point.items() if _is_point(key)}
        return values

    async def _call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """A data call with the bearer token: refresh first when it is due, and once more on E00003."""
        if self.tokens is None:
            raise AuthError(_TOKEN_INVALID, "not authorized")
        if self.tokens.expiring():
            await self.refresh()
        data = await self._post(path, body, bearer=True)
        if data.get("result_code") == _TOKEN_INVALID:
            await self.refresh()
            data = await self._post(path, body, bearer=True)
        return _success(data)

    async def _post(self, path: str, body: dict[str, Any], *, bearer: bool = False) -> dict[str, Any]:
        headers = {"x-access-key": self._secret_key}
        if bearer and self.tokens is not None:
            headers["Authorization"] = f"Bearer {self.tokens.access_token}"
        payload = {**body, "appkey": self._appkey, "lang": "_en_US"}
        async with self._http.post(self._base + path, json=payload, headers=headers) as resp:
            try:
                data = await resp.json(content_type=None)
            except ValueError as err:
                raise ApiError(str(resp.status), f"not JSON: {err}") from err
        if not isinstance(data, dict):
            raise ApiError(str(resp.status), "not a JSON object")
        return data

    def _store(self, result: dict[str, Any]) -> Tokens:
        self.tokens = Tokens(
            access_token=str(result["access_token"]),
            refresh_token=str(result["refresh_token"]),
            expires_at=time.monotonic() + int(result["expires_in"]),
        )
        if self._on_tokens is not None:
            self._on_tokens(self.tokens)
        return self.tokens


_REFRESH_CODES = {
    "2": "no authorization information",
    "-1": "refresh failed",
    "-2": "refresh token expired",
    "4": "invalid request",
    "5": "invalid refresh token",
}


def _is_point(key: str) -> bool:
    return len(key) > 1 and key[0] == "p" and key[1:].isdigit()


def _success(data: dict[str, Any]) -> dict[str, Any]:
    """result_data of a success, or the exception the answer's result_code stands for."""
    code = str(data.get("result_code"))
    message = str(data.get("error_description") or data.get("result_msg") or "")
    serial = data.get("req_serial_num")
    if code == "1" and isinstance(data.get("result_data"), dict):
        return data["result_data"]
    if code in _AUTH_CODES or code == _TOKEN_INVALID:
        raise AuthError(code, message, serial)
    if code in _RATE_CODES:
        raise RateLimited(code, message, serial)
    raise ApiError(code, message, serial)
