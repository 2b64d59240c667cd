"""The iSolarCloud client's whole life against the mock: authorize, data calls, expiry, refresh, failures."""

from __future__ import annotations

import aiohttp
import pytest
from tokenmock import (
    ISOLAR_APP_KEY,
    ISOLAR_REDIRECT_URI,
    ISOLAR_SECRET_KEY,
    ISOLAR_STATIC_CODE,
    ISOLAR_USER,
    Session,
)

from clients.isolarcloud import AuthError, IsolarCloudClient, RateLimited, ReauthRequired, Tokens
from support import run

DEMO_PLANT = "700667048"  # the default user's first plant: points and two devices
PLANT_POWER, BATTERY_SOC = "83033", "83252"


def new_client(tokenmock: Session, http: aiohttp.ClientSession, *, secret_key: str = ISOLAR_SECRET_KEY,
               saved: list[Tokens] | None = None) -> IsolarCloudClient:
    """The client as the integration builds it from its config entry; ``saved`` collects stored tokens."""
    return IsolarCloudClient(tokenmock.base_url, http, ISOLAR_APP_KEY, secret_key, ISOLAR_REDIRECT_URI,
                             on_tokens=None if saved is None else saved.append)


def new_code(tokenmock: Session) -> str:
    """A single-use code, as the redirect after the owner's consent brings it."""
    return tokenmock.mint_code("isolar", appkey=ISOLAR_APP_KEY, user=ISOLAR_USER, redirect_uri=ISOLAR_REDIRECT_URI)


def failures(tokenmock: Session, endpoint: str) -> list[str]:
    """The journal's failure names of one endpoint, oldest first ("" for a success)."""
    return [entry["failure"] for entry in tokenmock.requests(endpoint=endpoint)]


def test_authorize_then_plants_and_points(tokenmock: Session) -> None:
    async def body(http: aiohttp.ClientSession) -> None:
        client = new_client(tokenmock, http)
        tokens = await client.authorize(new_code(tokenmock))
        assert tokens.access_token and tokens.refresh_token != tokens.access_token
        assert client.authorized_plants[0] == DEMO_PLANT and len(client.authorized_plants) == 9

        plants = await client.plants()
        assert plants[0].ps_id == DEMO_PLANT and plants[0].name == "Demo Plant 1"

        points = await client.plant_points([DEMO_PLANT], [PLANT_POWER, BATTERY_SOC])
        assert points == {DEMO_PLANT: {PLANT_POWER: "2150.0", BATTERY_SOC: "0.87"}}

        inverter = f"{DEMO_PLANT}_1_1_1"
        devices = await client.device_points([inverter], 1, ["24"])
        assert devices[inverter]["24"] == "2150.0"

    run(body)
    assert failures(tokenmock, "isolar.token") == [""]
    assert failures(tokenmock, "isolar.plants") == [""]
    assert tokenmock.requests(endpoint="isolar.refresh") == []


def test_expired_token_on_a_data_call_is_refreshed_and_the_call_retried(tokenmock: Session) -> None:
    saved: list[Tokens] = []

    async def body(http: aiohttp.ClientSession) -> tuple[Tokens, Tokens]:
        client = new_client(tokenmock, http, saved=saved)
        first = await client.authorize(ISOLAR_STATIC_CODE)
        assert await client.plants()
        tokenmock.expire_token(first.access_token)  # the session's clock jumps past its two days

        plants = await client.plants()  # E00003, refresh, retry
        assert plants[0].ps_id == DEMO_PLANT
        assert client.tokens is not None
        return first, client.tokens

    first, second = run(body)
    assert second.access_token != first.access_token
    assert second.refresh_token != first.refresh_token  # rotated: the integration must store it
    assert saved == [first, second]
    assert failures(tokenmock, "isolar.plants") == ["", "token_invalid", ""]
    assert failures(tokenmock, "isolar.refresh") == [""]
    assert tokenmock.introspect(second.access_token)["active"] is True

    async def stale(http: aiohttp.ClientSession) -> None:
        # A client that kept the pair before the refresh: its refresh token died with the rotation.
        client = IsolarCloudClient(tokenmock.base_url, http, ISOLAR_APP_KEY, ISOLAR_SECRET_KEY,
                                   ISOLAR_REDIRECT_URI, tokens=first)
        with pytest.raises(ReauthRequired) as refused:
            await client.refresh()
        assert refused.value.code == "5"

    run(stale)


def test_expired_refresh_token_needs_a_new_authorization(tokenmock: Session) -> None:
    async def body(http: aiohttp.ClientSession) -> None:
        client = new_client(tokenmock, http)
        first = await client.authorize(new_code(tokenmock))
        tokenmock.advance("721h")  # past the refresh token's 30 days as well

        with pytest.raises(ReauthRequired) as refused:
            await client.plants()
        assert refused.value.code == "-2"

        # Home Assistant's reauth flow: the owner consents again, a new code comes back.
        second = await client.authorize(new_code(tokenmock))
        assert second.access_token != first.access_token
        assert (await client.plants())[0].ps_id == DEMO_PLANT

    run(body)
    assert failures(tokenmock, "isolar.plants") == ["token_invalid", ""]
    assert failures(tokenmock, "isolar.refresh") == ["refresh_token_expired"]
    assert failures(tokenmock, "isolar.token") == ["", ""]


def test_short_lived_token_is_refreshed_before_the_data_call(tokenmock: Session) -> None:
    tokenmock.use_scenario("isolar-short-lived-token")  # tokens live 30 s: inside the client's margin

    async def body(http: aiohttp.ClientSession) -> None:
        client = new_client(tokenmock, http)
        first = await client.authorize(ISOLAR_STATIC_CODE)
        assert await client.plants()
        assert client.tokens is not None and client.tokens.access_token != first.access_token

    run(body)
    assert failures(tokenmock, "isolar.refresh") == [""]
    assert failures(tokenmock, "isolar.plants") == [""]  # never met E00003


def test_quota_exhausted_is_surfaced_without_a_refresh(tokenmock: Session) -> None:
    tokenmock.use_scenario("isolar-quota-exhausted")

    async def body(http: aiohttp.ClientSession) -> None:
        client = new_client(tokenmock, http)
        await client.authorize(ISOLAR_STATIC_CODE)
        with pytest.raises(RateLimited) as limited:
            await client.plants()
        assert limited.value.code == "E998"
        assert limited.value.message == "er_month_call_api_times_upper_limit"

    run(body)
    assert failures(tokenmock, "isolar.plants") == ["monthly_limit"]
    assert tokenmock.requests(endpoint="isolar.refresh") == []


def test_hourly_limit_from_a_yaml_rule(tokenmock: Session) -> None:
    tokenmock.use_scenario_yaml(
        "rules:\n"
        "  - when: {endpoint: isolar.plant_realtime}\n"
        "    after: 1\n"
        "    do: {error: hourly_limit}\n"
    )

    async def body(http: aiohttp.ClientSession) -> None:
        client = new_client(tokenmock, http)
        await client.authorize(ISOLAR_STATIC_CODE)
        assert await client.plant_points([DEMO_PLANT], [PLANT_POWER])  # the first poll works
        with pytest.raises(RateLimited) as limited:
            await client.plant_points([DEMO_PLANT], [PLANT_POWER])
        assert limited.value.code == "E999"

    run(body)
    assert failures(tokenmock, "isolar.plant_realtime") == ["", "hourly_limit"]


def test_wrong_secret_key_is_the_gateways_e912(tokenmock: Session) -> None:
    async def body(http: aiohttp.ClientSession) -> None:
        client = new_client(tokenmock, http, secret_key=ISOLAR_APP_KEY)  # the AppKey sent as the secret: a common slip
        with pytest.raises(AuthError) as refused:
            await client.authorize(ISOLAR_STATIC_CODE)
        assert (refused.value.code, refused.value.message) == ("E912", "Illegal x-access-key")
        assert client.tokens is None

    run(body)
    assert failures(tokenmock, "isolar.token") == ["illegal_access_key"]


def test_used_code_is_refused_with_result_code_2(tokenmock: Session) -> None:
    code = new_code(tokenmock)

    async def body(http: aiohttp.ClientSession) -> None:
        await new_client(tokenmock, http).authorize(code)
        with pytest.raises(AuthError) as refused:
            await new_client(tokenmock, http).authorize(code)  # codes are single-use
        assert refused.value.code == "2"
        assert refused.value.message == f"Invalid authorization code: {code}"

    run(body)
    assert failures(tokenmock, "isolar.token") == ["", "invalid_code"]
