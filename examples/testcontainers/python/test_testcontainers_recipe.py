"""The Testcontainers recipe for pytest: tokenmock in a container for the test run.

Needs `pip install "testcontainers>=4.13" ./python` (4.13 brought
HttpWaitStrategy) and a Docker engine (or podman's socket in DOCKER_HOST).

NOT RUN IN CI: the CI machine cannot reach PyPI, so `testcontainers` cannot be
installed there. CI runs test_docker_sdk_recipe.py (the same recipe on the
docker SDK) by naming that file, so this one is never collected.
"""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Iterator

import pytest
from testcontainers.core.container import DockerContainer
from testcontainers.core.wait_strategies import HttpWaitStrategy

from tokenmock import ISOLAR_APP_KEY, ISOLAR_REDIRECT_URI, ISOLAR_SECRET_KEY, ISOLAR_STATIC_CODE, Server, Session

IMAGE = os.environ.get("TOKENMOCK_IMAGE", "ghcr.io/tokenmock/tokenmock:latest")


@pytest.fixture(scope="session")
def tokenmock_url() -> Iterator[str]:
    """The base URL of a tokenmock container started for the test run."""
    container = (
        DockerContainer(IMAGE)
        .with_exposed_ports(8080)
        .waiting_for(HttpWaitStrategy(8080, "/_mock/health"))
    )
    with container:  # started here, removed at the end of the run
        yield f"http://{container.get_container_host_ip()}:{container.get_exposed_port(8080)}"


@pytest.fixture(scope="session")
def tokenmock_server(tokenmock_url: str) -> Server:
    """Replaces the plugin's fixture of the same name: the mock in the container."""
    return Server.connect(tokenmock_url)


def test_token_call(tokenmock: Session) -> None:
    # Each test gets its own session of the one container: point the client
    # under test at tokenmock.base_url.
    body = {
        "appkey": ISOLAR_APP_KEY,
        "grant_type": "authorization_code",
        "code": ISOLAR_STATIC_CODE,
        "redirect_uri": ISOLAR_REDIRECT_URI,
    }
    req = urllib.request.Request(
        tokenmock.base_url + "/openapi/apiManage/token",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "x-access-key": ISOLAR_SECRET_KEY},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert json.load(resp)["result_code"] == "1"
    assert len(tokenmock.requests(endpoint="isolar.token")) == 1
