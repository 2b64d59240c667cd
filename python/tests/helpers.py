"""Vendor calls the plugin's tests make (copied into pytester's folders too)."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import tokenmock as tm


def call(method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    """One vendor call: its status and decoded JSON body (also for a 4xx/5xx)."""
    req = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            status, raw = resp.status, resp.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    return status, json.loads(raw or b"null")


def isolar_exchange(base_url: str, code: str = tm.ISOLAR_STATIC_CODE, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """iSolarCloud's token call with the default app; the answer's JSON."""
    body = {"appkey": tm.ISOLAR_APP_KEY, "grant_type": "authorization_code", "code": code, "redirect_uri": tm.ISOLAR_REDIRECT_URI}
    h = {"x-access-key": tm.ISOLAR_SECRET_KEY, "Content-Type": "application/json", **(headers or {})}
    status, answer = call("POST", base_url + "/openapi/apiManage/token", json.dumps(body).encode(), h)
    assert status == 200, answer
    return dict(answer)


def oauth_exchange(base_url: str, code: str) -> tuple[int, dict[str, Any]]:
    """The DI platform's token call with the default client."""
    query = urllib.parse.urlencode({
        "client_id": tm.DI_CLIENT_ID, "client_secret": tm.DI_CLIENT_SECRET, "grant_type": "authorization_code",
        "redirect_uri": tm.DI_REDIRECT_URI, "code": code,
    })
    status, answer = call("POST", base_url + "/oauth/token?" + query)
    return status, dict(answer)


def active_scenarios(server: tm.Server) -> dict[str, str]:
    """GET /_mock/scenarios' "active": each live session's scenario (through the
    client's own admin call: its token, its answer observers, AdminError)."""
    answer = tm.client._call("GET", server.url + "/_mock/scenarios", token=server.admin_token)
    return dict(answer["active"])
