"""A small async client of the DI open platform (Spring Security OAuth2 2.x), as a Home Assistant integration uses one.

Written against the real platform's rules: tokens come from ``POST /oauth/token``
(authorization code, then ``refresh_token`` grants; client id and secret in the form body),
live 7 days, and each refresh returns a new refresh token. The protected API takes the token
as the ``access_token`` parameter, as the platform's own client sends it, and answers
``{"errorCode":"000000",…}`` on success. A dead token is Spring's resource server answer:
HTTP 401 with ``WWW-Authenticate: Bearer …, error="invalid_token"``; the client refreshes
once and retries. A refused refresh means the user must authorize again.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp

_OK = "000000"
_CHALLENGE_ERROR = re.compile(r'error="([^"]*)"')


class DIError(Exception):
    """A failure answer; ``code`` is the OAuth ``error`` or the API's ``errorCode``."""

    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


class AuthError(DIError):
    """The token endpoint refused the client or the grant (invalid_client, invalid_grant, ...)."""


class ReauthRequired(AuthError):
    """The refresh token was refused, or a fresh token is refused too: authorize again."""


class RateLimited(DIError):
    """HTTP 429 or 503 with ``Retry-After``; ``retry_after`` in seconds when it was given."""

    def __init__(self, code: str, message: str, status: int, retry_after: int | None) -> None:
        super().__init__(code, message, status)
        self.retry_after = retry_after


class ApiError(DIError):
    """A business error of the API (``errorCode`` other than 000000) or an unexpected answer."""


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_at: float  # time.monotonic() seconds


@dataclass(frozen=True)
class SearchResult:
    total: int
    records: list[dict[str, Any]]


class DIClient:
    """One user's grant for one client, at ``base_url`` (the platform's host)."""

    def __init__(
        self,
        base_url: str,
        session: aiohttp.ClientSession,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        scope: str = "read_cn",
        *,
        on_tokens: Callable[[Tokens], None] | None = None,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._http = session
        self._client_id = client_id
        self._client_secret = client_secret
        self._redirect_uri = redirect_uri
        self._scope = scope
        self._on_tokens = on_tokens
        self.tokens: Tokens | None = None

    def authorize_url(self, state: str) -> str:
        """Where the config flow sends the user's browser."""
        query = {
            "client_id": self._client_id,
            "redirect_uri": self._redirect_uri,
            "response_type": "code",
            "scope": self._scope,
            "state": state,
        }
        return f"{self._base}/oauth/authorize?{urlencode(query)}"

    async def exchange_code(self, code: str) -> Tokens:
        return await self._token({"grant_type": "authorization_code", "code": code, "redirect_uri": self._redirect_uri})

    async def refresh(self) -> Tokens:
        if self.tokens is None:
            raise ReauthRequired("invalid_grant", "no refresh token: authorize first", 0)
        try:
            return await self._token({"grant_type": "refresh_token", "refresh_token": self.tokens.refresh_token})
        except AuthError as err:
            raise ReauthRequired(err.code, err.message, err.status) from err

    async def search(self, express: str, page: int = 1, page_row: int = 100) -> SearchResult:
        """``/api/patent/search/expression``: refresh and retry once when the token is refused."""
        if self.tokens is None:
            raise ReauthRequired("invalid_token", "not authorized", 0)
        params = {"client_id": self._client_id, "scope": self._scope, "express": express, "page": page, "page_row": page_row}
        status, data, challenge = await self._search(params)
        if status == 401 and challenge == "invalid_token":
            await self.refresh()
            status, data, challenge = await self._search(params)
            if status == 401:
                raise ReauthRequired(str(data.get("error")), str(data.get("error_description")), status)
        if status != 200:
            raise _http_error(status, data, None)
        if data.get("errorCode") != _OK:
            raise ApiError(str(data.get("errorCode")), str(data.get("errorDesc")), status)
        context = data.get("context")
        records = context.get("records", []) if isinstance(context, dict) else []
        return SearchResult(int(data.get("total") or 0), list(records))

    async def _search(self, params: dict[str, Any]) -> tuple[int, dict[str, Any], str | None]:
        assert self.tokens is not None
        query = {**params, "access_token": self.tokens.access_token}
        async with self._http.get(f"{self._base}/api/patent/search/expression", params=query) as resp:
            challenge = _CHALLENGE_ERROR.search(resp.headers.get("WWW-Authenticate", ""))
            return resp.status, await _json(resp), challenge.group(1) if challenge else None

    async def _token(self, form: dict[str, str]) -> Tokens:
        form = {**form, "client_id": self._client_id, "client_secret": self._client_secret}
        async with self._http.post(f"{self._base}/oauth/token", data=form) as resp:
            data = await _json(resp)
            if resp.status != 200 or not data.get("access_token"):
                raise _http_error(resp.status, data, resp.headers.get("Retry-After"))
        self.tokens = Tokens(
            access_token=str(data["access_token"]),
            refresh_token=str(data.get("refresh_token") or (self.tokens.refresh_token if self.tokens else "")),
            expires_at=time.monotonic() + int(data.get("expires_in") or 0),
        )
        if self._on_tokens is not None:
            self._on_tokens(self.tokens)
        return self.tokens


async def _json(resp: aiohttp.ClientResponse) -> dict[str, Any]:
    try:
        data = await resp.json(content_type=None)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _http_error(status: int, data: dict[str, Any], retry_after: str | None) -> DIError:
    code = str(data.get("error") or status)
    message = str(data.get("error_description") or data.get("message") or "")
    if status in (429, 503):
        seconds = int(retry_after) if retry_after and retry_after.isdigit() else None
        return RateLimited(code, message or "service unavailable", status, seconds)
    if status in (400, 401):
        return AuthError(code, message, status)
    return ApiError(code, message, status)
