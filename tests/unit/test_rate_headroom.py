"""The order-rate headroom `desk broker status` works out from the request times a running
desk recorded: windows roll on as time passes, and a garbled record never crashes it."""

from __future__ import annotations

import asyncio

from adapters.brokers.ratelimit import RateLimiter, Window, headroom_at


def test_headroom_when_read_later_then_only_the_windows_still_holding_requests_are_short() -> None:
    now = [1000.0]
    limiter = RateLimiter(Window(10, 1), Window(500, 60), clock=lambda: now[0], margin=0.0)

    async def send(n: int) -> None:
        for _ in range(n):
            await limiter.acquire()

    asyncio.run(send(4))
    usage = limiter.usage()
    sent = max(usage["sent_at"])

    assert headroom_at(usage, sent + 0.5) == {"10/1s": 6, "500/60s": 496}
    assert headroom_at(usage, sent + 2) == {"10/1s": 10, "500/60s": 496}
    assert headroom_at(usage, sent + 61) == {"10/1s": 10, "500/60s": 500}


def test_headroom_when_the_record_is_garbled_then_unreadable_windows_show_none_left() -> None:
    usage = {
        "windows": {"10/1s": {"limit": "ten"}, "500/60s": {"limit": 500, "held_seconds": 60}},
        "sent_at": "yesterday",
    }

    assert headroom_at(usage, 0.0) == {"10/1s": 0, "500/60s": 500}
