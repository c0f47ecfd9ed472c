"""`desk instruments`: load a broker's daily instrument file into the versioned master, and
show the master in force on a day (with ADV from the ingested bars). `load` changes the
desk: it needs an admin's token (`$DESK_TOKEN` or `--token-file`, see `cli.identity`)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from adapters.files.instrument_master import PARSERS, InstrumentFileError
from api.tokens import Role
from cli.identity import add_identity, operator
from cli.options import add_store, existing_store, store_url
from domain.session import IST
from streams.bootstrap import bootstrap, wall_clock
from streams.instrument_master import load_file, master_of_day


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("instruments", help="the instrument master: load broker files, show")
    commands = p.add_subparsers(dest="instruments_command", required=True, metavar="COMMAND")
    load = commands.add_parser("load", help="load Upstox's JSON or Kite's CSV instrument file")
    load.add_argument("file", type=Path, help="the daily file (gzipped or not)")
    load.add_argument("--format", required=True, choices=sorted(PARSERS))
    load.add_argument("--date", type=date.fromisoformat, default=None,
                      help="the day the file takes effect (default: today, IST)")
    add_identity(load)
    add_store(load)
    load.set_defaults(func=_load)
    show = commands.add_parser("show", help="the master in force on a day, with ADV")
    show.add_argument("--date", type=date.fromisoformat, default=None,
                      help="the day (default: today, IST)")
    add_store(show)
    show.set_defaults(func=_show)


def _today() -> date:
    return wall_clock().astimezone(IST).date()


def _load(args: argparse.Namespace) -> int:
    actor = operator(args, Role.ADMIN, "loading an instrument file").actor
    day = args.date or _today()
    try:
        parsed = PARSERS[args.format](args.file.read_bytes(),
                                      day, f"{args.format}:{args.file.name}")
    except (OSError, InstrumentFileError) as e:
        print(f"desk instruments: {args.file}: {e}", file=sys.stderr)
        return 2
    desk = bootstrap(store_url(args), {}, clock=wall_clock)
    try:
        loaded = load_file(desk.store, desk.runtime, parsed, day, actor)
    finally:
        desk.store.close()
    print(json.dumps({"file": str(args.file), "effective_from": day.isoformat(),
                      "listed": loaded.listed, "unchanged": loaded.unchanged,
                      "rejected": loaded.rejected, "skipped": loaded.skipped}))
    return 0


def _show(args: argparse.Namespace) -> int:
    store = existing_store(args)
    try:
        master = master_of_day(store, args.date or _today())
    finally:
        store.close()
    for symbol in sorted(master):
        i = master[symbol]
        print(json.dumps({"symbol": symbol, "isin": i.isin, "name": i.name, "sector": i.sector,
                          "lot_size": i.lot_size, "tick_size": str(i.tick_size),
                          "adv": str(i.adv_value) if i.adv_value is not None else None}))
    return 0
