"""The Testcontainers recipe for pytest, written with the docker SDK alone.

test_testcontainers_recipe.py does the same with the `testcontainers` package;
this file needs only `docker` (the SDK testcontainers is built on) and the
pytest-tokenmock plugin. CI runs this one (examples/testcontainers/ci.sh), as

    TOKENMOCK_IMAGE=localhost/tokenmock:test python3 -m pytest -p tokenmock.plugin test_docker_sdk_recipe.py

The container starts once for the test run; every test still gets its own
mock session (the plugin's `tokenmock` fixture), so tests never see each
other's codes, scenarios, clocks or journals.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import docker
import pytest
from docker.models.containers import Container

from tokenmock import ISOLAR_APP_KEY, ISOLAR_REDIRECT_URI, ISOLAR_SECRET_KEY, ISOLAR_STATIC_CODE, Server, Session

IMAGE = os.environ.get("TOKENMOCK_IMAGE", "ghcr.io/tokenmock/tokenmock:latest")
STARTUP_TIMEOUT = 60.0  # seconds


def wait_for_health(url: str, container: Container) -> None:
    """Polls url/_mock/health until it answers 200; raises with the container's
    log if the container stops first or STARTUP_TIMEOUT passes."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    last = ""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/_mock/health", timeout=2) as resp:
                if resp.status == 200:
                    return
                last = f"HTTP {resp.status}"
        except (urllib.error.URLError, OSError) as e:
            last = str(e)
        container.reload()
        if container.status not in ("created", "running"):
            break
        time.sleep(0.2)
    log = container.logs().decode("utf-8", "replace")
    raise RuntimeError(f"{IMAGE} ({container.status}) not healthy at {url} (last: {last}); its log:\n{log}")


@pytest.fixture(scope="session")
def tokenmock_url() -> Iterator[str]:
    """The base URL of a tokenmock container started for the test run."""
    client = docker.from_env()  # DOCKER_HOST, or the default socket
    # Port 8080 published on a free host port (None: the engine picks one);
    # the label Testcontainers puts on its containers, so that a clean-up
    # after a crash (`docker rm -f $(docker ps -aq -f label=org.testcontainers=true)`)
    # finds this one too.
    container = client.containers.run(
        IMAGE, detach=True, ports={"8080/tcp": None}, labels={"org.testcontainers": "true"}
    )
    try:
        container.reload()
        host_port = container.ports["8080/tcp"][0]["HostPort"]
        # The engine on this machine (a unix socket) publishes on the host's
        # interfaces; for a remote engine use its host name instead.
        url = f"http://127.0.0.1:{host_port}"
        wait_for_health(url, container)
        yield url
    finally:
        container.remove(force=True)
        client.close()


@pytest.fixture(scope="session")
def tokenmock_server(tokenmock_url: str) -> Server:
    """Replaces the plugin's fixture of the same name: the mock in the container."""
    return Server.connect(tokenmock_url)


def isolar_token(base_url: str) -> dict[str, Any]:
    """iSolarCloud's token exchange, as the client under test would call it."""
    body = {
        "appkey": ISOLAR_APP_KEY,
        "grant_type": "authorization_code",
        "code": ISOLAR_STATIC_CODE,
        "redirect_uri": ISOLAR_REDIRECT_URI,
    }
    req = urllib.request.Request(
        base_url + "/openapi/apiManage/token",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "x-access-key": ISOLAR_SECRET_KEY},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        answer: dict[str, Any] = json.load(resp)
    return answer


def test_token_scenario_and_journal(tokenmock: Session) -> None:
    answer = isolar_token(tokenmock.base_url)
    assert answer["result_code"] == "1"
    assert answer["result_data"]["access_token"]

    # A scenario from the library: the gateway refuses the next calls.
    tokenmock.use_scenario("isolar-gateway-rate-limited")
    assert isolar_token(tokenmock.base_url)["result_code"] == "E999"

    rules = [r["rule"] for r in tokenmock.requests(endpoint="isolar.token")]
    assert rules == ["", "isolar-gateway-rate-limited/hourly-limit"]


def test_each_test_has_its_own_session(tokenmock: Session) -> None:
    # Same container, fresh session: no scenario, an empty journal.
    assert tokenmock.requests() == []
    assert isolar_token(tokenmock.base_url)["result_code"] == "1"
