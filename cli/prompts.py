"""`desk prompts list|show|publish|promote`: the judge's prompt registry.

Prompts are events (`PromptVersionPublished`, `PromptPromoted`); the table folds the log
for each version's reviews, failures, latency, tokens, cost (prices from the judge's
config file), agreement with human decisions and the realised outcome by verdict.
`publish` and `promote` change what the judge runs: they need an admin's token
(`$DESK_TOKEN` or `--token-file`, see `cli.identity`), whose operator is recorded.
"""

from __future__ import annotations

import argparse
import json
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path

from adapters.eventstore.store import DeskStore
from adapters.llm.config import DEFAULT_PROMPT_NAME, JudgeConfigError, load_judge_config
from api.tokens import Role
from cli.identity import add_identity, operator
from cli.options import add_store, existing_store, store_url
from domain.aggregates import Cause, DomainError, Prompt, StaleWrite
from domain.ids import prompt_stream
from projections.desk import DeskView, apply
from projections.prompt_table import figures_json, prompt_table
from streams.bootstrap import wall_clock

USAGE, FAILED = 2, 1


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    prompts = sub.add_parser("prompts", help="the judge's prompt registry: versions and "
                             "how each performs")
    psub = prompts.add_subparsers(dest="prompts_command", required=True, metavar="ACTION")
    p = psub.add_parser("list", help="every prompt version with its figures")
    add_store(p)
    p.set_defaults(func=_list)
    p = psub.add_parser("show", help="one version's text and figures")
    p.add_argument("version", type=int)
    p.add_argument("--name", default=DEFAULT_PROMPT_NAME)
    add_store(p)
    p.set_defaults(func=_show)
    p = psub.add_parser("publish", help="publish a new version (a candidate by default)")
    p.add_argument("--name", default=DEFAULT_PROMPT_NAME)
    p.add_argument("--system-file", required=True, type=Path)
    p.add_argument("--template-file", required=True, type=Path,
                   help="the user message; {card} and {news} are filled in as JSON data")
    p.add_argument("--label", choices=("candidate", "production"), default="candidate")
    p.add_argument("--share", default="0.5",
                   help="the share of cards a candidate reviews, 0-1 (by a hash of the card)")
    p.add_argument("--notes", default="")
    add_identity(p)
    add_store(p)
    p.set_defaults(func=_publish)
    p = psub.add_parser("promote", help="make a version production")
    p.add_argument("version", type=int)
    p.add_argument("--name", default=DEFAULT_PROMPT_NAME)
    add_identity(p)
    add_store(p)
    p.set_defaults(func=_promote)


def _view(store: DeskStore) -> DeskView:
    view = DeskView()
    for r in store.read_all():
        apply(view, r.event, r.position)
    return view


def _table(store: DeskStore) -> list[dict[str, object]]:
    try:
        prices = {m: (p.input_per_million, p.output_per_million)
                  for m, p in load_judge_config().prices.items()}
    except JudgeConfigError as e:
        print(f"desk: {e}; costs left at 0", file=sys.stderr)
        prices = {}
    return [figures_json(r) for r in prompt_table(_view(store), prices)]


def _list(args: argparse.Namespace) -> int:
    rows = _table(existing_store(args))
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print("no prompt versions and no reviews yet (`desk demo` reviews the sample day)")
        return 0
    print(f"{'prompt':<14}{'v':>3} {'label':<11}{'reviews':>8}{'failed':>7}{'p50 ms':>9}"
          f"{'p95 ms':>9}{'tokens':>9}{'cost':>9}{'agree':>7}  outcome by verdict")
    for r in rows:
        outcomes = "; ".join(
            f"{v}: {o['trades']} trades, hit {o['hit_rate']}, mean R {o['mean_r']}, "
            f"P&L {o['pnl']}"
            for v, o in r["outcomes"].items()  # type: ignore[attr-defined]
        ) or "-"
        print(f"{r['name']!s:<14}{r['version']!s:>3} {r['label']!s:<11}{r['reviews']!s:>8}"
              f"{r['failures']!s:>7}{r['latency_ms_p50'] or '-'!s:>9}"
              f"{r['latency_ms_p95'] or '-'!s:>9}"
              f"{int(r['tokens_in']) + int(r['tokens_out']):>9}"  # type: ignore[call-overload]
              f"{r['cost']!s:>9}{r['agreement'] or '-'!s:>7}  {outcomes}")
    return 0


def _show(args: argparse.Namespace) -> int:
    store = existing_store(args)
    view = _view(store)
    prompt = view.reviews.prompts.get(args.name)
    version = prompt.versions.get(args.version) if prompt else None
    if version is None:
        print(f"desk: prompt {args.name} has no version {args.version}", file=sys.stderr)
        return FAILED
    figures = next((r for r in _table(store)
                    if r["name"] == args.name and r["version"] == args.version), {})
    data = {"name": args.name, "version": version.version, "label": version.label,
            "sha256": version.sha256, "candidate_share": str(version.candidate_share),
            "notes": version.notes, "system": version.system,
            "user_template": version.user_template, "figures": figures}
    if args.json:
        print(json.dumps(data, indent=2))
        return 0
    print(f"{args.name} v{version.version} [{version.label}] sha256 {version.sha256}")
    print(f"notes: {version.notes or '-'}; candidate share {version.candidate_share}")
    print(f"\n--- system ---\n{version.system}\n--- user template ---\n{version.user_template}")
    print(f"\nfigures: {json.dumps(figures)}")
    return 0


def _publish(args: argparse.Namespace) -> int:
    actor = operator(args, Role.ADMIN, "publishing a prompt version").actor
    try:
        system = args.system_file.read_text().strip()
        template = args.template_file.read_text().strip()
        share = Decimal(args.share)
    except (OSError, InvalidOperation) as e:
        print(f"desk: {e}", file=sys.stderr)
        return USAGE
    if not Decimal(0) <= share <= Decimal(1):
        print("desk: --share must be between 0 and 1", file=sys.stderr)
        return USAGE
    store = DeskStore(store_url(args))
    prompt = store.load(Prompt, prompt_stream(args.name))
    now = wall_clock()
    try:
        version = prompt.publish(system, template, args.label, share, args.notes,
                                 Cause(now, now, actor, f"prompt-{args.name}"))
        store.commit(prompt)
    except (DomainError, StaleWrite) as e:
        print(f"desk: {e}", file=sys.stderr)
        return FAILED
    label = prompt.versions[version].label
    print(json.dumps({"name": args.name, "version": version, "label": label})
          if args.json else f"published {args.name} v{version} as {label}")
    return 0


def _promote(args: argparse.Namespace) -> int:
    actor = operator(args, Role.ADMIN, "promoting a prompt version").actor
    store = existing_store(args)
    prompt = store.load(Prompt, prompt_stream(args.name))
    now = wall_clock()
    try:
        prompt.promote(args.version, Cause(now, now, actor, f"prompt-{args.name}"))
        store.commit(prompt)
    except (DomainError, StaleWrite) as e:
        print(f"desk: {e}", file=sys.stderr)
        return FAILED
    print(json.dumps({"name": args.name, "production": args.version})
          if args.json else f"{args.name} v{args.version} is production")
    return 0
