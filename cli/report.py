"""`desk report eod|monthly|compliance`: the reports people read, from the event log.

    desk report eod --date 2026-11-20 --out reports --pdf --store sqlite:///desk.db
    desk report monthly --month 2026-11 --account sip-aggressive --json
    desk report compliance --from 2026-11-01 --to 2026-11-30 --out reports

Without a date, the log's last IST day (its month). `--out DIR` writes STEM.json and
STEM.html (self-contained, works offline), and with `--pdf` STEM.pdf; `--json` prints the
figures. Exit 0 with the report, 1 when the PDF could not be printed (the rest is
written), 2 on bad input or an unwritable directory.

A report reads the report index saved beside the store (`streams.saved_index`), folds only
what the log added since it was saved, then the index plus the events of the days asked
for, and saves the index back: on a long log it does not re-read the whole log. The saved
index is used only while the log's chain at its position is unchanged; `--full-read`
reads the whole log instead (same JSON, slower).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from adapters.eventstore.store import DeskStore
from adapters.files.report_output import write_report
from adapters.files.saved_report_index import index_file_for
from adapters.reports.pdf import PdfUnavailable
from cli.options import add_store, existing_store
from projections.reports.monthly import month_of
from streams.report_index import build_indexed_report
from streams.reports import KINDS, BuiltReport, ReportRequest, build_report, file_stem
from streams.saved_index import load_index, save_index

# Each report's own options: (flag, dest, type, metavar, help).
_OPTIONS: dict[str, tuple[tuple[str, str, Callable[[str], date], str, str], ...]] = {
    "eod": (
        (
            "--date",
            "day",
            date.fromisoformat,
            "YYYY-MM-DD",
            "the IST day (default: the log's last day)",
        ),
    ),
    "monthly": (
        ("--month", "month", month_of, "YYYY-MM", "the month (default: the log's last month)"),
    ),
    "compliance": (
        (
            "--from",
            "start",
            date.fromisoformat,
            "YYYY-MM-DD",
            "first IST day of the range (default: --to)",
        ),
        (
            "--to",
            "end",
            date.fromisoformat,
            "YYYY-MM-DD",
            "last IST day of the range (default: the log's last day)",
        ),
    ),
}
_HELP = {
    "eod": "one day per account and desk: P&L after charges, positions, cards and why, "
    "kill switches",
    "monthly": "a month: returns by day, equity and drawdown, attribution, hit rate, costs",
    "compliance": "every order in a range: card, evidence, guardrails, review, approval, "
    "re-check, fills",
}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("report", help="EOD, monthly and compliance reports (JSON, HTML, PDF)")
    rsub = p.add_subparsers(dest="report_kind", required=True, metavar="REPORT")
    for kind in KINDS:
        r = rsub.add_parser(kind, help=_HELP[kind])
        for flag, dest, kind_type, metavar, text in _OPTIONS[kind]:
            r.add_argument(flag, dest=dest, type=_argument(kind_type), metavar=metavar, help=text)
        r.add_argument("--account", metavar="ID", help="one account only (default: every one)")
        r.add_argument(
            "--out",
            type=Path,
            metavar="DIR",
            help="write STEM.json and STEM.html (and STEM.pdf with --pdf) here",
        )
        r.add_argument(
            "--pdf",
            action="store_true",
            help="with --out, print the page to PDF (headless Chromium)",
        )
        r.add_argument(
            "--full-read",
            action="store_true",
            help="read the whole log, not the report index saved beside the store",
        )
        add_store(r)
        r.set_defaults(func=_run)


def _argument(parse: Callable[[str], date]) -> Callable[[str], date]:
    """`parse` with its ValueError as argparse's usage error (exit 2, the reason shown)."""

    def checked(text: str) -> date:
        try:
            return parse(text)
        except ValueError as e:
            raise argparse.ArgumentTypeError(str(e)) from None

    return checked


def _run(args: argparse.Namespace) -> int:
    name = f"desk report {args.report_kind}"
    request = ReportRequest(
        args.report_kind,
        day=getattr(args, "day", None),
        month=getattr(args, "month", None),
        start=getattr(args, "start", None),
        end=getattr(args, "end", None),
        account=args.account,
    )
    if args.pdf and args.out is None:
        print(f"{name}: --pdf needs --out DIR", file=sys.stderr)
        return 2
    store = existing_store(args)
    try:
        built = (
            build_report(request, store.read_all())
            if args.full_read
            else _indexed(name, store, request)
        )
    except ValueError as e:
        print(f"{name}: {e}", file=sys.stderr)
        return 2
    code = 0
    if args.out is not None:
        try:
            stem = file_stem(built.stem)
            for path in write_report(args.out, stem, built.data, built.html(), args.pdf):
                print(f"wrote {path}", file=sys.stderr)
        except OSError as e:
            print(f"{name}: cannot write {args.out}: {e.strerror}", file=sys.stderr)
            return 2
        except PdfUnavailable as e:
            print(f"{name}: no PDF: {e}", file=sys.stderr)
            code = 1
    if args.json:
        print(json.dumps(built.data, indent=2))
    else:
        print("\n".join(summary(built)))
    return code


def _indexed(name: str, store: DeskStore, request: ReportRequest) -> BuiltReport:
    """The report from the saved index caught up with the log; the index saved back."""
    path = index_file_for(store.url)
    warmed = load_index(store, path)
    if warmed.refused:
        print(
            f"{name}: saved report index not used ({warmed.refused}); folded the log "
            "from the start",
            file=sys.stderr,
        )
    built = build_indexed_report(request, warmed.index, store)
    if path is not None and (warmed.folded or warmed.refused):
        try:
            save_index(store, path, warmed.index)
        except OSError as e:  # the report stands; the next one folds the log again
            print(f"{name}: report index not saved to {path}: {e.strerror or e}", file=sys.stderr)
    return built


def _eod_lines(d: dict[str, Any]) -> list[str]:
    lines = [f"end of day {d['day']} (IST), log position {d['as_of_position']}"]
    for a in (*d["accounts"], d["desk"]):
        lines.append(
            f"{a['account_id']}: P&L after charges {a['realised_pnl']} (gross "
            f"{a['gross_pnl']}, charges {a['charges']}), unrealised {a['unrealised_pnl']}; "
            f"{a['closed_trades']} trades; cards proposed {a['cards_proposed']}, approved "
            f"{a['cards_approved']}, blocked {a['cards_blocked']}, rejected "
            f"{a['cards_rejected']}" + ("; HALTED" if a["halted"] else "")
        )
    lines += [f"kill switch {k['scope']} {k['action']}: {k['reason']}" for k in d["kill_switches"]]
    return lines


def _monthly_lines(d: dict[str, Any]) -> list[str]:
    return [
        f"month {d['month']}: P&L {d['pnl']}, return {d['return_pct']}%, max drawdown "
        f"{d['max_drawdown_pct']}%, {d['trades']} trades, hit rate {d['hit_rate_pct']}%, "
        f"charges {d['charges']}",
        *[
            f"  {a['key']}: {a['trades']} trades, P&L after charges {a['net_pnl']}"
            for a in d["by_strategy"]
        ],
    ]


def _compliance_lines(d: dict[str, Any]) -> list[str]:
    return [
        f"compliance {d['start']} to {d['end']}: {len(d['orders'])} orders, "
        f"{d['unreviewed']} without a review, {d['failed_rechecks']} with a failed "
        f"re-check at approval",
        *[
            f"  {o['order_id']}: approved by {o['approved_by']} at {o['approved_at']}; "
            f"{o['outcome']}"
            for o in d["orders"]
        ],
    ]


_SUMMARY: dict[str, Callable[[dict[str, Any]], list[str]]] = {
    "eod": _eod_lines,
    "monthly": _monthly_lines,
    "compliance": _compliance_lines,
}


def summary(built: BuiltReport) -> list[str]:
    """The report's headline as lines of text for a terminal."""
    return _SUMMARY[built.kind](built.data)
