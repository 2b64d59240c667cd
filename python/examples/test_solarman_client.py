"""The SOLARMAN client's whole life against the mock: login, data calls, expiry, new login, failures."""

from __future__ import annotations

import aiohttp
import pytest
from tokenmock import (
    SOLARMAN_APP_ID,
    SOLARMAN_APP_SECRET,
    SOLARMAN_EMAIL,
    SOLARMAN_PASSWORD,
    SOLARMAN_STATION_ID,
    SOLARMAN_STATION_PASSWORD_DIGEST,
    SOLARMAN_STATION_USERNAME,
    Session,
    solarman_password_digest,
)

from clients.solarman import ApiError, AuthError, RateLimited, Reading, SolarmanClient, Station
from support import run

# The default fixtures' user who owns a station (cvwwb, station 100895); only its password's digest is known.
CVWWB = SOLARMAN_STATION_USERNAME
CVWWB_DIGEST = SOLARMAN_STATION_PASSWORD_DIGEST
STATION, INVERTER, COLLECTOR = SOLARMAN_STATION_ID, "2106123456", "4012345678"


def new_client(tokenmock: Session, http: aiohttp.ClientSession, *, app_secret: str = SOLARMAN_APP_SECRET,
               password_sha256: str = CVWWB_DIGEST) -> SolarmanClient:
    return SolarmanClient(tokenmock.base_url, http, SOLARMAN_APP_ID, app_secret,
                          username=CVWWB, password_sha256=password_sha256)


def failures(tokenmock: Session, endpoint: str) -> list[str]:
    """The journal's failure names of one endpoint, oldest first ("" for a success)."""
    return [entry["failure"] for entry in tokenmock.requests(endpoint=endpoint)]


def test_login_then_stations_devices_and_current_data(tokenmock: Session) -> None:
    async def body(http: aiohttp.ClientSession) -> None:
        client = new_client(tokenmock, http)
        token = await client.login()
        assert token.count(".") == 2  # an RS256 JWT

        assert await client.stations() == [Station(STATION, "Demo Home", 2196.0)]
        assert await client.station_devices(STATION) == [INVERTER, COLLECTOR]
        values = await client.current_data(INVERTER)
        assert values["APo_t1"] == Reading("2196", "W", "Total AC Output Power (Active)")
        assert values["Et_ge0"].unit == "kWh"

    run(body)
    assert failures(tokenmock, "solarman.token") == [""]
    assert failures(tokenmock, "solarman.device_current") == [""]


def test_email_login_with_the_documents_password(tokenmock: Session) -> None:
    async def body(http: aiohttp.ClientSession) -> None:
        client = SolarmanClient(tokenmock.base_url, http, SOLARMAN_APP_ID, SOLARMAN_APP_SECRET,
                                email=SOLARMAN_EMAIL, password_sha256=solarman_password_digest(SOLARMAN_PASSWORD))
        await client.login()
        assert await client.stations() == []  # this user owns no station: an empty list, not an error

    run(body)
    assert failures(tokenmock, "solarman.stations") == [""]


def test_expired_token_on_a_data_call_logs_in_again_and_retries(tokenmock: Session) -> None:
    async def body(http: aiohttp.ClientSession) -> tuple[str, str]:
        client = new_client(tokenmock, http)
        first = await client.login()
        assert await client.stations()
        tokenmock.expire_token(first)  # the session's clock jumps past its 60 days

        assert (await client.current_data(INVERTER))["SN1"].value == INVERTER  # 2101019, new login, retry
        assert client.access_token is not None
        return first, client.access_token

    first, second = run(body)
    assert second != first
    assert failures(tokenmock, "solarman.device_current") == ["token_invalid", ""]
    assert failures(tokenmock, "solarman.token") == ["", ""]
    assert tokenmock.introspect(first)["active"] is False
    assert tokenmock.introspect(second)["active"] is True


def test_new_login_refused_after_expiry_is_an_auth_error(tokenmock: Session) -> None:
    async def body(http: aiohttp.ClientSession) -> None:
        client = new_client(tokenmock, http)
        token = await client.login()
        tokenmock.expire_token(token)
        tokenmock.use_scenario("solarman-bad-password")  # the owner changed the password meanwhile
        with pytest.raises(AuthError) as refused:
            await client.stations()
        assert refused.value.code == "2101025"
        assert refused.value.reason == "AUTH_INVALID_USERNAME_OR_PASSWORD"

    run(body)
    assert failures(tokenmock, "solarman.stations") == ["token_invalid"]  # no second try with the dead token
    assert failures(tokenmock, "solarman.token") == ["", "invalid_password"]


def test_data_quota_exceeded_is_surfaced_without_a_new_login(tokenmock: Session) -> None:
    tokenmock.use_scenario("solarman-data-quota-exceeded")

    async def body(http: aiohttp.ClientSession) -> None:
        client = new_client(tokenmock, http)
        with pytest.raises(RateLimited) as limited:
            await client.stations()
        assert (limited.value.code, limited.value.message) == ("2101010", "appId insufficient allowance")

    run(body)
    assert failures(tokenmock, "solarman.token") == [""]
    assert failures(tokenmock, "solarman.stations") == ["quota_exceeded"]


def test_maintenance_is_an_api_error(tokenmock: Session) -> None:
    tokenmock.use_scenario("solarman-maintenance")

    async def body(http: aiohttp.ClientSession) -> None:
        with pytest.raises(ApiError) as down:
            await new_client(tokenmock, http).login()
        assert (down.value.code, down.value.message) == ("3201001", "Service Currently Unavailable")

    run(body)
    assert failures(tokenmock, "solarman.token") == ["service_unavailable"]


@pytest.mark.parametrize(
    ("password_sha256", "why"),
    [
        pytest.param(solarman_password_digest("not the password"), "a wrong password", id="wrong"),
        pytest.param("solarman123", "a plaintext password instead of its digest", id="plaintext"),
        pytest.param(CVWWB_DIGEST.upper(), "an upper-case digest", id="upper-case"),
    ],
)
def test_bad_password_is_2101025(tokenmock: Session, password_sha256: str, why: str) -> None:
    async def body(http: aiohttp.ClientSession) -> None:
        with pytest.raises(AuthError, match="2101025") as refused:
            await new_client(tokenmock, http, password_sha256=password_sha256).login()
        assert refused.value.reason == "AUTH_INVALID_USERNAME_OR_PASSWORD", why

    run(body)
    assert failures(tokenmock, "solarman.token") == ["invalid_password"]


def test_wrong_app_secret_is_refused_once_not_retried(tokenmock: Session) -> None:
    async def body(http: aiohttp.ClientSession) -> None:
        client = new_client(tokenmock, http, app_secret="not-the-secret")
        with pytest.raises(AuthError) as refused:
            await client.stations()  # the first data call logs in first
        assert (refused.value.code, refused.value.message) == ("2101019", "auth invalid token")

    run(body)
    assert failures(tokenmock, "solarman.token") == ["invalid_app_secret"]
    assert tokenmock.requests(endpoint="solarman.stations") == []


def test_unknown_device_is_an_api_error(tokenmock: Session) -> None:
    async def body(http: aiohttp.ClientSession) -> None:
        with pytest.raises(ApiError) as missing:
            await new_client(tokenmock, http).current_data("NOPE")
        assert missing.value.code == "2101008"

    run(body)
    assert failures(tokenmock, "solarman.device_current") == ["not_found"]
