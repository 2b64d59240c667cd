"""The Session's admin calls against a real mock, through the plugin's fixtures."""

from __future__ import annotations

import datetime
import json

import pytest
from helpers import active_scenarios, call, isolar_exchange, oauth_exchange

import tokenmock as tm

UTC = datetime.timezone.utc
AT = datetime.datetime(2026, 1, 2, 15, 4, 5, tzinfo=UTC)


def test_admin_error_unknown_scenario(tokenmock: tm.Session) -> None:
    with pytest.raises(tm.AdminError) as info:
        tokenmock.use_scenario("no-such-scenario")
    e = info.value
    assert (e.status, e.error, e.details) == (400, 'unknown scenario "no-such-scenario"', [])
    assert str(e) == f'PUT /_mock/scenario (session {tokenmock.name}): 400 unknown scenario "no-such-scenario"'


def test_admin_error_bad_clock_body(tokenmock: tm.Session) -> None:
    with pytest.raises(tm.AdminError) as info:
        tokenmock.advance("two days")
    assert info.value.status == 400
    assert info.value.error == 'advance: want a non-negative Go duration such as "49h", got "two days"'


def test_admin_error_carries_details(tokenmock: tm.Session) -> None:
    with pytest.raises(tm.AdminError) as info:
        tokenmock.mint_code("isolar")
    e = info.value
    assert (e.status, e.error) == (400, "invalid code request")
    assert len(e.details) == 1 and e.details[0].startswith("appkey: required")
    assert str(e).endswith("400 invalid code request (" + e.details[0] + ")")


def test_admin_error_of_a_bad_yaml_scenario(tokenmock: tm.Session) -> None:
    with pytest.raises(tm.AdminError) as info:
        tokenmock.use_scenario_yaml("name: broken\nrules:\n  - match: {endpoint: no.such}\n")
    e = info.value
    assert (e.status, e.error) == (400, "invalid scenario")
    assert len(e.details) > 1, e  # every problem, each with its line
    assert all(d.startswith("inline:3: rules[0]") for d in e.details), e.details


def test_scenario_yaml_and_clear(tokenmock: tm.Session) -> None:
    tokenmock.use_scenario("isolar-code-reused")
    assert active_scenarios(tokenmock.server)[tokenmock.name] == "isolar-code-reused"
    isolar_exchange(tokenmock.base_url)
    assert isolar_exchange(tokenmock.base_url)["result_code"] == "2"  # the scenario: a reused code
    tokenmock.clear_scenario()
    assert tokenmock.name not in active_scenarios(tokenmock.server)
    assert isolar_exchange(tokenmock.base_url)["result_code"] == "1"


def test_clock_set_freeze_advance(tokenmock: tm.Session) -> None:
    clock = tokenmock.set_clock(AT, freeze=True)
    assert clock == tm.Clock(session=tokenmock.name, now=AT, offset=clock.offset, frozen=True)
    assert tokenmock.clock().now == AT  # frozen: exactly that time
    assert tokenmock.advance("49h").now == AT + datetime.timedelta(hours=49)
    assert tokenmock.advance(datetime.timedelta(minutes=30, microseconds=5)).now == AT + datetime.timedelta(hours=49, minutes=30, microseconds=5)
    assert tokenmock.advance(90).now == AT + datetime.timedelta(hours=49, minutes=31, seconds=30, microseconds=5)
    assert tokenmock.advance(0.5).now == AT + datetime.timedelta(hours=49, minutes=31, seconds=30, microseconds=500005)
    assert tokenmock.set_clock("2030-06-01T00:00:00+02:00").now == datetime.datetime(2030, 5, 31, 22, tzinfo=UTC)
    assert tokenmock.unfreeze_clock().frozen is False
    assert tokenmock.freeze_clock().frozen is True
    reset = tokenmock.reset_clock()
    assert (reset.frozen, reset.offset) == (False, "0s")


def test_clock_bad_arguments(tokenmock: tm.Session) -> None:
    with pytest.raises(ValueError, match="has no time zone"):
        tokenmock.set_clock(datetime.datetime(2026, 1, 2))
    with pytest.raises(TypeError, match="got a bool"):
        tokenmock.advance(True)
    with pytest.raises(TypeError, match="got list"):
        tokenmock.advance([1])  # type: ignore[arg-type]


def test_expire_token(tokenmock: tm.Session) -> None:
    token = isolar_exchange(tokenmock.base_url)["access_token"]
    info = tokenmock.introspect(token)
    assert info["active"] is True and info["vendor"] == "isolar" and info["user"] == tm.ISOLAR_USER
    clock = tokenmock.expire_token(token)
    expires = datetime.datetime.fromisoformat(info["expires_at"])
    assert clock.now > expires
    assert tokenmock.introspect(token)["active"] is False
    assert tokenmock.expire_token(token).now >= clock.now  # already expired: the clock stays
    with pytest.raises(ValueError, match="has no token 'nope' that expires"):
        tokenmock.expire_token("nope")


def test_expire_token_on_a_frozen_clock(tokenmock: tm.Session) -> None:
    tokenmock.set_clock(AT, freeze=True)
    token = isolar_exchange(tokenmock.base_url)["access_token"]
    expires = datetime.datetime.fromisoformat(tokenmock.introspect(token)["expires_at"])
    assert tokenmock.expire_token(token).now == expires + datetime.timedelta(seconds=1)


def test_mint_code_isolar(tokenmock: tm.Session) -> None:
    code = tokenmock.mint_code("isolar", appkey=tm.ISOLAR_APP_KEY, user=tm.ISOLAR_USER, redirect_uri=tm.ISOLAR_REDIRECT_URI)
    answer = isolar_exchange(tokenmock.base_url, code)
    assert answer["result_code"] == "1" and answer["result_data"]["auth_user"] == tm.ISOLAR_USER_ID
    assert isolar_exchange(tokenmock.base_url, code)["result_code"] == "2"  # single use
    assert tokenmock.mint_code("isolar", appkey=tm.ISOLAR_APP_KEY, code="my-code.1") == "my-code.1"


def test_mint_code_oauth(tokenmock: tm.Session) -> None:
    code = tokenmock.mint_code("oauth", client_id=tm.DI_CLIENT_ID, redirect_uri=tm.DI_REDIRECT_URI, scope=tm.DI_SCOPE)
    status, answer = oauth_exchange(tokenmock.base_url, code)
    assert status == 200, answer
    info = tokenmock.introspect(answer["access_token"])
    assert (info["active"], info["vendor"], info["user"]) == (True, "oauth", tm.DI_USER)


def test_requests(tokenmock: tm.Session) -> None:
    first = isolar_exchange(tokenmock.base_url)
    isolar_exchange(tokenmock.base_url, "wrong-code")
    status, _ = call("POST", tokenmock.base_url + "/openapi/apiManage/refreshToken",
                     ('{"appkey":"%s","refresh_token":"%s"}' % (tm.ISOLAR_APP_KEY, first["refresh_token"])).encode(),
                     {"x-access-key": tm.ISOLAR_SECRET_KEY, "Content-Type": "application/json"})
    assert status == 200
    all_ = tokenmock.requests()
    assert [r["endpoint"] for r in all_] == ["isolar.token", "isolar.token", "isolar.refresh"]
    assert {r["session"] for r in all_} == {tokenmock.name}
    assert [r["failure"] for r in all_][:2] == ["", "invalid_code"]
    assert [r["id"] for r in tokenmock.requests(endpoint="isolar.token")] == [r["id"] for r in all_[:2]]
    assert tokenmock.requests(endpoint="isolar.refresh") == all_[2:]
    assert tokenmock.requests(endpoint="solarman.token") == []
    assert tokenmock.requests(limit=1) == all_[2:]  # the newest
    with pytest.raises(tm.AdminError) as info:
        tokenmock.requests(endpoint="isolar.nope")
    assert info.value.status == 400 and 'unknown id "isolar.nope"' in info.value.error
    tokenmock.clear_requests()
    assert tokenmock.requests() == []


def test_headers_name_the_session(tokenmock: tm.Session) -> None:
    isolar_exchange(tokenmock.url, headers=tokenmock.headers)  # the mock's root, the session in a header
    assert [r["endpoint"] for r in tokenmock.requests()] == ["isolar.token"]


def test_reset(tokenmock: tm.Session) -> None:
    tokenmock.use_scenario("isolar-code-reused")
    tokenmock.set_clock(AT, freeze=True)
    tokenmock.reset()
    clock = tokenmock.clock()
    assert (clock.frozen, clock.offset) == (False, "0s")
    assert tokenmock.name not in active_scenarios(tokenmock.server)


def test_health(tokenmock_server: tm.Server) -> None:
    health = tokenmock_server.health()
    assert health["status"] == "ok" and "version" in health


def test_solarman_station_user_constants(tokenmock: tm.Session) -> None:
    body = {"appSecret": tm.SOLARMAN_APP_SECRET, "username": tm.SOLARMAN_STATION_USERNAME,
            "password": tm.SOLARMAN_STATION_PASSWORD_DIGEST}
    status, answer = call("POST", f"{tokenmock.base_url}/account/v1.0/token?appId={tm.SOLARMAN_APP_ID}&language=en",
                          json.dumps(body).encode(), {"Content-Type": "application/json"})
    assert status == 200 and answer["success"] is True and answer["uid"] == tm.SOLARMAN_STATION_USER_ID, answer
    status, stations = call("POST", f"{tokenmock.base_url}/station/v1.0/list?language=en", b"{}",
                            {"Content-Type": "application/json", "Authorization": "bearer " + answer["access_token"]})
    assert status == 200 and [s["id"] for s in stations["stationList"]] == [tm.SOLARMAN_STATION_ID], stations


def test_solarman_digest_and_constants(tokenmock: tm.Session) -> None:
    digest = tm.solarman_password_digest(tm.SOLARMAN_PASSWORD)
    assert digest == "b6fb8971000faab81a3d6c6f4739f1240055d04af96816d68c9f7d89d1691918"
    for identity in ({"email": tm.SOLARMAN_EMAIL}, {"username": tm.SOLARMAN_USERNAME},
                     {"mobile": tm.SOLARMAN_MOBILE, "countryCode": tm.SOLARMAN_COUNTRY_CODE}):
        body = {"appSecret": tm.SOLARMAN_APP_SECRET, "password": digest, **identity}
        status, answer = call("POST", f"{tokenmock.base_url}/account/v1.0/token?appId={tm.SOLARMAN_APP_ID}&language=en",
                              json.dumps(body).encode(), {"Content-Type": "application/json"})
        assert status == 200 and answer["success"] is True and answer["uid"] == tm.SOLARMAN_USER_ID, (identity, answer)
