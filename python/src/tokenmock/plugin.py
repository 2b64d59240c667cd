"""The pytest plugin: the fixtures tokenmock_server and tokenmock.

Where the mock comes from, first match wins:
1. --tokenmock-url, else $TOKENMOCK_URL: a running mock (admin token from
   $TOKENMOCK_ADMIN_TOKEN), checked with GET /_mock/health;
2. --tokenmock-binary, else $TOKENMOCK_BINARY, else `mockserver` on PATH:
   started on a free loopback port for the test run and stopped after it.
A command-line option wins over its environment variable.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from .client import ENV_ADMIN_TOKEN, ENV_BINARY, ENV_URL, Server, Session, find_binary, session_name

HOW_TO_GET_ONE = (
    "tokenmock: no mock server to use. Either\n"
    "  - install the binary: go install github.com/tokenmock/tokenmock/cmd/mockserver@latest\n"
    "    (then `mockserver` on PATH is found), or point $TOKENMOCK_BINARY (--tokenmock-binary) at one; or\n"
    "  - run the container image, docker run --rm -p 127.0.0.1:8080:8080 ghcr.io/tokenmock/tokenmock,\n"
    "    and set TOKENMOCK_URL=http://127.0.0.1:8080 (--tokenmock-url)."
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("tokenmock")
    group.addoption(
        "--tokenmock-url",
        metavar="URL",
        help=f"a running tokenmock to use (wins over ${ENV_URL}; admin token from ${ENV_ADMIN_TOKEN})",
    )
    group.addoption(
        "--tokenmock-binary",
        metavar="PATH",
        help=f"the mockserver binary to start when no URL is given (wins over ${ENV_BINARY}, then PATH)",
    )


def open_server(config: pytest.Config) -> Server:
    """The Server the options and environment name (see the module's doc)."""
    option = config.getoption("tokenmock_url")
    url = option or os.environ.get(ENV_URL)
    if url:
        try:
            return Server.connect(url, os.environ.get(ENV_ADMIN_TOKEN) or None)
        except ConnectionError as e:
            source = "--tokenmock-url" if option else "$" + ENV_URL
            pytest.fail(f"{e}\n(the URL came from {source})", pytrace=False)
    try:
        binary = find_binary(config.getoption("tokenmock_binary"))
    except FileNotFoundError as e:
        pytest.fail(str(e), pytrace=False)
    if binary is None:
        pytest.fail(HOW_TO_GET_ONE, pytrace=False)
    try:
        return Server.start(binary)
    except (OSError, RuntimeError) as e:
        pytest.fail(f"tokenmock: could not start {binary}: {e}", pytrace=False)


@pytest.fixture(scope="session")
def tokenmock_server(pytestconfig: pytest.Config) -> Iterator[Server]:
    """The mock of this test run: a running one (--tokenmock-url, $TOKENMOCK_URL) or
    one started from a binary (--tokenmock-binary, $TOKENMOCK_BINARY, PATH)."""
    server = open_server(pytestconfig)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def tokenmock(tokenmock_server: Server, request: pytest.FixtureRequest) -> Iterator[Session]:
    """This test's own mock session, named after its node id and the server's tag;
    reset and its journal cleared when the test ends."""
    session = tokenmock_server.session(session_name(request.node.nodeid, tokenmock_server.tag))
    yield session
    session.reset()
    session.clear_requests()
