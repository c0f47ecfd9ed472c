"""Who runs a state-changing command: the operator behind a token, as over the API.

A command that changes the desk takes the caller's token from `$DESK_TOKEN` or
`--token-file FILE` (owner-only) and checks it against the same tokens and roles the API
uses (`--tokens FILE` or `$DESK_API_TOKENS`). The actor recorded is the token's operator,
so the four-eyes rules (another admin approves a transfer) hold on the CLI as they do over
HTTP: a name typed on the command line proves nothing.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from api import tokens as api_tokens
from api.tokens import Operator, Role

TOKEN_ENV = "DESK_TOKEN"


class IdentityError(Exception):
    """The command cannot say who runs it, or that operator may not run it (exit 2)."""


def add_identity(parser: argparse.ArgumentParser) -> None:
    """The options naming the operator: their token, and the tokens the desk knows."""
    parser.add_argument(
        "--token-file", type=Path, default=None, metavar="FILE",
        help=f"your operator token, in an owner-only file (default: ${TOKEN_ENV})")
    parser.add_argument(
        "--tokens", type=Path, default=None, metavar="FILE",
        help="the desk's tokens, 'name:role:token' a line, as `desk serve` takes them "
        f"(default: ${api_tokens.ENV_VAR})")


def operator(args: argparse.Namespace, needs: Role, doing: str) -> Operator:
    """The operator behind the presented token, allowed to do `doing` (needs role `needs`)."""
    try:
        known = api_tokens.load(args.tokens)
        presented = _presented(args.token_file)
    except (api_tokens.TokenConfigError, OSError) as e:
        raise IdentityError(str(e)) from None
    if known is None:
        raise IdentityError(
            f"{doing} changes the desk and needs an operator token: give the desk's tokens "
            f"(--tokens FILE or ${api_tokens.ENV_VAR}) and yours (${TOKEN_ENV} or "
            "--token-file FILE); nothing was changed")
    if not presented:
        raise IdentityError(f"{doing} needs your operator token: set ${TOKEN_ENV} or give "
                            "--token-file FILE; nothing was changed")
    found = known.verify(presented)
    if found is None:
        raise IdentityError("unknown or revoked operator token; nothing was changed")
    if found.role < needs:
        raise IdentityError(f"{found.name} (role {found.role.label}) may not: {doing} needs "
                            f"{needs.label}; nothing was changed")
    return found


def _presented(path: Path | None) -> str:
    if path is None:
        return os.environ.get(TOKEN_ENV, "").strip()
    api_tokens.check_private(path)
    return path.read_text().strip()
