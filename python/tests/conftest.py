"""The plugin's tests need a mockserver binary: $TOKENMOCK_BINARY (python/ci.sh
builds one). Without it every test fails, saying so."""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import tokenmock as tm

pytest_plugins = ["pytester", "openapi_check"]  # openapi_check: every admin answer against the OpenAPI document

HELPERS = Path(__file__).with_name("helpers.py")


@pytest.fixture(scope="session", autouse=True)
def mockserver_binary() -> str:
    """The binary of $TOKENMOCK_BINARY; the test fails when there is none."""
    path = os.environ.get(tm.ENV_BINARY, "")
    if not path or not os.access(path, os.X_OK):
        pytest.fail(
            f"the plugin's tests need $TOKENMOCK_BINARY, a mockserver binary (got {path!r}): "
            "go build -o /tmp/mockserver ./cmd/mockserver && TOKENMOCK_BINARY=/tmp/mockserver pytest python/tests",
            pytrace=False,
        )
    return os.path.abspath(path)


@pytest.fixture(scope="session")
def shared_server(mockserver_binary: str) -> Iterator[tm.Server]:
    """One mock for the whole run, guarded by an admin token: what TOKENMOCK_URL names."""
    with tm.Server.start(mockserver_binary, admin_token="t-" + secrets.token_hex(8)) as server:
        yield server


@pytest.fixture
def inner(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """A pytester folder with helpers.py, and none of the plugin's variables set."""
    for name in (tm.ENV_URL, tm.ENV_ADMIN_TOKEN, tm.ENV_BINARY):
        monkeypatch.delenv(name, raising=False)
    shutil.copy(HELPERS, pytester.path / "helpers.py")
    return pytester


def use_url(monkeypatch: pytest.MonkeyPatch, server: tm.Server) -> None:
    """Points the plugin at server through TOKENMOCK_URL (and its admin token)."""
    monkeypatch.setenv(tm.ENV_URL, server.url)
    monkeypatch.setenv(tm.ENV_ADMIN_TOKEN, server.admin_token or "")
