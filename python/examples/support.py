"""What every example test shares: running an async test body with an aiohttp session, bounded in time."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import aiohttp

T = TypeVar("T")

# One HTTP call never waits longer than this, a whole test body never longer than RUN_TIMEOUT_S.
HTTP_TIMEOUT = aiohttp.ClientTimeout(total=10)
RUN_TIMEOUT_S = 60


def run(body: Callable[[aiohttp.ClientSession], Awaitable[T]]) -> T:
    """Run ``body(http)`` in a fresh event loop, as Home Assistant hands its session to a client."""

    async def main() -> T:
        async with aiohttp.ClientSession(timeout=HTTP_TIMEOUT) as http:
            return await asyncio.wait_for(body(http), RUN_TIMEOUT_S)

    return asyncio.run(main())
