"""The DI open platform client's whole life against the mock: code exchange, API calls, expiry, refresh, failures."""

from __future__ import annotations

import aiohttp
import pytest
from tokenmock import DI_CLIENT_ID, DI_CLIENT_SECRET, DI_REDIRECT_URI, DI_SCOPE, DI_USER, Session

from clients.di import ApiError, AuthError, DIClient, RateLimited, ReauthRequired, Tokens
from support import run


def new_client(tokenmock: Session, http: aiohttp.ClientSession, *, client_secret: str = DI_CLIENT_SECRET) -> DIClient:
    return DIClient(tokenmock.base_url, http, DI_CLIENT_ID, client_secret, DI_REDIRECT_URI, DI_SCOPE)


def new_code(tokenmock: Session) -> str:
    """A single-use code, as the redirect after the user's approval brings it."""
    return tokenmock.mint_code("oauth", client_id=DI_CLIENT_ID, user=DI_USER, redirect_uri=DI_REDIRECT_URI, scope=DI_SCOPE)


def failures(tokenmock: Session, endpoint: str) -> list[str]:
    """The journal's failure names of one endpoint, oldest first ("" for a success)."""
    return [entry["failure"] for entry in tokenmock.requests(endpoint=endpoint)]


def test_code_exchange_then_search(tokenmock: Session) -> None:
    async def body(http: aiohttp.ClientSession) -> None:
        client = new_client(tokenmock, http)
        assert client.authorize_url("xyz").startswith(f"{tokenmock.base_url}/oauth/authorize?client_id={DI_CLIENT_ID}")
        tokens = await client.exchange_code(new_code(tokenmock))
        assert tokens.access_token != tokens.refresh_token

        result = await client.search("申请人=X")
        assert result.total == 2
        assert [r["pid"] for r in result.records] == ["CN000001", "CN000002"]

    run(body)
    assert failures(tokenmock, "oauth.token") == [""]
    assert failures(tokenmock, "oauth.resource") == [""]


def test_expired_token_on_a_search_is_refreshed_and_the_call_retried(tokenmock: Session) -> None:
    saved: list[Tokens] = []

    async def body(http: aiohttp.ClientSession) -> tuple[Tokens, Tokens]:
        client = DIClient(tokenmock.base_url, http, DI_CLIENT_ID, DI_CLIENT_SECRET, DI_REDIRECT_URI, DI_SCOPE,
                          on_tokens=saved.append)
        first = await client.exchange_code(new_code(tokenmock))
        assert (await client.search("x")).total == 2
        tokenmock.expire_token(first.access_token)  # the session's clock jumps past its 7 days

        assert (await client.search("x")).total == 2  # 401 invalid_token, refresh, retry
        assert client.tokens is not None
        return first, client.tokens

    first, second = run(body)
    assert second.access_token != first.access_token
    assert second.refresh_token != first.refresh_token  # each refresh returns a new one
    assert saved == [first, second]
    assert failures(tokenmock, "oauth.resource") == ["", "resource_expired_token", ""]
    assert failures(tokenmock, "oauth.token") == ["", ""]
    assert tokenmock.introspect(first.access_token)["active"] is False

    async def stale(http: aiohttp.ClientSession) -> None:
        client = new_client(tokenmock, http)
        client.tokens = first  # a copy that missed the refresh: its refresh token is dead
        with pytest.raises(ReauthRequired) as refused:
            await client.refresh()
        assert (refused.value.status, refused.value.code) == (400, "invalid_grant")
        assert refused.value.message == f"Invalid refresh token: {first.refresh_token}"

    run(stale)


def test_expired_refresh_token_needs_a_new_authorization(tokenmock: Session) -> None:
    async def body(http: aiohttp.ClientSession) -> None:
        client = new_client(tokenmock, http)
        first = await client.exchange_code(new_code(tokenmock))
        tokenmock.advance("721h")  # past the refresh token's 30 days as well

        with pytest.raises(ReauthRequired) as refused:
            await client.search("x")
        assert (refused.value.status, refused.value.code) == (401, "invalid_token")
        assert refused.value.message == f"Invalid refresh token (expired): {first.refresh_token}"

        # Home Assistant's reauth flow: the user approves again, a new code comes back.
        second = await client.exchange_code(new_code(tokenmock))
        assert second.access_token != first.access_token
        assert (await client.search("x")).total == 2

    run(body)
    assert failures(tokenmock, "oauth.resource") == ["resource_expired_token", ""]
    assert failures(tokenmock, "oauth.token") == ["", "token_refresh_expired", ""]


def test_query_error_is_an_api_error_without_a_refresh(tokenmock: Session) -> None:
    tokenmock.use_scenario("oauth-resource-query-error")

    async def body(http: aiohttp.ClientSession) -> None:
        client = new_client(tokenmock, http)
        await client.exchange_code(new_code(tokenmock))
        with pytest.raises(ApiError) as failed:
            await client.search("x", page=200, page_row=100)
        assert failed.value.code == "000016"
        assert "10000" in failed.value.message

    run(body)
    assert failures(tokenmock, "oauth.resource") == ["resource_result_limit"]
    assert failures(tokenmock, "oauth.token") == [""]


def test_gateway_outage_is_rate_limited_with_retry_after(tokenmock: Session) -> None:
    tokenmock.use_scenario("oauth-server-error-503")  # the first two token calls get a plain-text 503
    code = new_code(tokenmock)

    async def body(http: aiohttp.ClientSession) -> None:
        client = new_client(tokenmock, http)
        for _ in range(2):
            with pytest.raises(RateLimited) as outage:
                await client.exchange_code(code)
            assert (outage.value.status, outage.value.retry_after) == (503, 5)
        assert await client.exchange_code(code)  # the outage never reached the code: it still works

    run(body)
    assert len(tokenmock.requests(endpoint="oauth.token")) == 3


def test_wrong_client_secret_is_invalid_client(tokenmock: Session) -> None:
    async def body(http: aiohttp.ClientSession) -> None:
        with pytest.raises(AuthError) as refused:
            await new_client(tokenmock, http, client_secret="wrong").exchange_code(new_code(tokenmock))
        assert (refused.value.status, refused.value.code, refused.value.message) == (
            401, "invalid_client", "Bad client credentials")

    run(body)
    assert failures(tokenmock, "oauth.token") == ["token_bad_client_credentials"]


def test_used_code_is_invalid_grant(tokenmock: Session) -> None:
    code = new_code(tokenmock)

    async def body(http: aiohttp.ClientSession) -> None:
        await new_client(tokenmock, http).exchange_code(code)
        with pytest.raises(AuthError) as refused:
            await new_client(tokenmock, http).exchange_code(code)
        assert (refused.value.status, refused.value.code) == (400, "invalid_grant")
        assert refused.value.message == f"Invalid authorization code: {code}"

    run(body)
    assert failures(tokenmock, "oauth.token") == ["", "token_invalid_code"]
