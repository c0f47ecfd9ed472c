"""A fake live feed playing a bars file, for showing `desk run` without a broker account:

    uv run python -m devtools.feeds --venue upstox --config /tmp/feeds.yaml [--pace 60]

It serves the venue's wire format on 127.0.0.1, writes the feeds file pointing at itself
(every symbol of the sample instruments), prints the environment `desk run` needs (a token
made up for this run), and plays the file once a client subscribes: a minute per `--pace`
wall seconds, stamped from the current minute on.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import secrets
import time
from collections.abc import Callable
from pathlib import Path

from adapters.files.sample import SAMPLE_DIR, load_instruments
from devtools.feeds.servers import FakeFeed, FakeKiteTicker, FakeUpstoxFeed
from devtools.feeds.tape import play, tape
from devtools.feeds.wire import Print, kite_frame, upstox_frame


async def main(args: argparse.Namespace) -> None:
    token = secrets.token_urlsafe(16)
    instruments = load_instruments(SAMPLE_DIR / "instruments.csv")
    fake: FakeFeed
    if args.venue == "upstox":
        fake = FakeUpstoxFeed(token)
        keys = {s: f"NSE_EQ|{i.isin}" for s, i in instruments.items()}
        await fake.start()
        entry: dict[str, object] = {"venue": "upstox", "mode": "full", "api_host": fake.base_url}
        env = f"export UPSTOX_ACCESS_TOKEN={token}"
        encode: Callable[[list[Print]], bytes] = upstox_frame
    else:
        fake = FakeKiteTicker("demo-key", token)
        keys = {s: str(((n + 1) << 8) | 1) for n, s in enumerate(sorted(instruments))}
        await fake.start()
        entry = {"venue": "kite", "mode": "full", "ws_url": fake.ws_url}
        env = f"export KITE_API_KEY=demo-key KITE_ACCESS_TOKEN={token}"
        encode = kite_frame
    entry["instruments"] = {key: symbol for symbol, key in keys.items()}
    Path(args.config).write_text(json.dumps({"feeds": [entry]}, indent=2))
    print(f"fake {args.venue} feed on {fake.base_url}; feeds file {args.config}")
    print(env, flush=True)
    await fake.connected.wait()
    start_ms = int(time.time() // 60 * 60_000)
    sent = await play(fake, tape(Path(args.bars), keys, start_ms), encode, args.pace)
    print(f"played {sent} frames; serving until interrupted", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="devtools.feeds", description=__doc__.splitlines()[0])
    parser.add_argument("--venue", choices=("upstox", "kite"), default="upstox")
    parser.add_argument("--config", default="feeds.yaml", help="the feeds file to write")
    parser.add_argument("--bars", default=str(SAMPLE_DIR / "bars.csv"))
    parser.add_argument("--pace", type=float, default=60.0,
                        help="wall seconds per minute of the file (60: real speed)")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main(parser.parse_args()))
