"""`desk tax report --fy 2025-26 --account ID`: an account's capital gains for a financial
year from every trade on record (the desk's fills and imported tradebooks).

FIFO is the method the law requires for demat holdings; `--method lifo|specific` are
analysis views and say so. `--fmv FILE` (CSV symbol,fmv) gives 31 Jan 2018 prices for
grandfathered lots; `--picks FILE` (JSON {"sale key": ["lot key", ...]}) names the lots a
specific-identification sale takes first. Exit 0 with the report, 2 on bad input.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path

from adapters.eventstore.store import DeskStore
from api.tax_report import tax_report_resource
from cli.gc_pause import collection_paused
from cli.imports import tax_book
from cli.options import add_store, store_url
from domain.intake.parsers import format_inr
from domain.tax import Method, TaxReport, financial_year


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("tax", help="capital gains from tax lots")
    tsub = p.add_subparsers(dest="tax_command", required=True, metavar="WHAT")
    r = tsub.add_parser("report", help="an account's gains for a financial year")
    r.add_argument("--fy", required=True, help="financial year, e.g. 2025-26")
    r.add_argument("--account", required=True, metavar="ID")
    r.add_argument("--method", choices=[m.value for m in Method], default=Method.FIFO.value,
                   help="fifo (default; the law for demat holdings) or lifo/specific "
                   "(analysis views only)")
    r.add_argument("--fmv", type=Path, metavar="FILE",
                   help="CSV symbol,fmv: highest price on 31 Jan 2018, for grandfathering")
    r.add_argument("--picks", type=Path, metavar="FILE",
                   help='JSON {"sale key": ["lot key", ...]} for --method specific')
    add_store(r)
    r.set_defaults(func=_report)


def _report(args: argparse.Namespace) -> int:
    try:
        fy = financial_year(args.fy)
        fmv = _fmv(args.fmv) if args.fmv else {}
        picks = _picks(args.picks) if args.picks else {}
        book = tax_book(DeskStore(store_url(args)))
        with collection_paused():
            report = book.report(args.account, fy, Method(args.method), fmv, picks)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.json:
        # Serialised by pydantic: json.dumps with an indent runs its pure-Python encoder,
        # seconds for a year of 100,000 trades.
        print(tax_report_resource(report).model_dump_json(indent=2))
    else:
        print("\n".join(render(report)))
    return 0


def render(r: TaxReport) -> list[str]:
    """The report as lines of text, money in Indian grouping."""
    out = [f"capital gains of {r.account_id}, FY {r.fy.label}",
           f"method: {r.method.label}",
           f"short-term gains:   {format_inr(r.short_term_gains)}",
           f"long-term gains:    {format_inr(r.long_term_gains)} (exempt "
           f"{format_inr(r.long_term_exempt)} of {format_inr(r.long_term_exemption)}; taxable "
           f"{format_inr(r.long_term_taxable)})",
           f"speculative income: {format_inr(r.speculative_income)} (intraday)",
           f"STT paid:           {format_inr(r.stt_paid)}"]
    for line in r.sales:
        s = line.sale
        out.append(f"sale {s.key}: {s.sold} {s.quantity} {s.symbol} for "
                   f"{format_inr(s.sale_value)} less {format_inr(s.expenses)}: gain "
                   f"{format_inr(line.gain)}")
        for x in line.lots:
            basis = (f", basis {format_inr(x.cost_basis)} (grandfathered)"
                     if x.grandfathered else "")
            out.append(f"  lot {x.lot_key}: acquired {x.acquired}, {x.quantity} shares, cost "
                       f"{format_inr(x.cost)}{basis}, proceeds "
                       f"{format_inr(x.sale_value - x.expenses)}, held {x.days_held} days, "
                       f"{x.term} term, gain {format_inr(x.gain)}")
    for i in r.intraday:
        out.append(f"intraday {i.day} {i.symbol}: {i.quantity} shares bought "
                   f"{format_inr(i.buy_value)}, sold {format_inr(i.sell_value)}, charges "
                   f"{format_inr(i.charges)}, STT {format_inr(i.stt)}: income "
                   f"{format_inr(i.income)}")
    out.extend(f"note: {n}" for n in r.notes[1:])
    return out


def _fmv(path: Path) -> dict[str, Decimal]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as e:
        raise ValueError(f"cannot read {path}: {e.strerror or e}") from None
    prices: dict[str, Decimal] = {}
    for n, row in enumerate(rows, start=2):
        try:
            price = Decimal((row.get("fmv") or "").strip())
        except InvalidOperation:
            raise ValueError(f"{path}:{n}: fmv is not a number") from None
        symbol = (row.get("symbol") or "").strip().upper()
        if not symbol or not price.is_finite() or price <= 0:
            raise ValueError(f"{path}:{n}: need a symbol and a positive fmv")
        prices[symbol] = price
    return prices


def _picks(path: Path) -> dict[str, list[str]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ValueError(f"cannot read picks {path}: {e}") from None
    if not isinstance(data, dict) or not all(
            isinstance(v, list) and all(isinstance(k, str) for k in v) for v in data.values()):
        raise ValueError(f"{path}: expected {{\"sale key\": [\"lot key\", ...]}}")
    return {str(k): list(v) for k, v in data.items()}
