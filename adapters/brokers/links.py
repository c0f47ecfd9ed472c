"""An account's broker connection as `desk broker add` records it, turned into the adapter's
own settings: which credentials each broker needs, where each is read from (an environment
variable's name or an owner-only file's path, never the value), and the plain settings an
operator may change (hosts, so an account can point at a local fake or the real service).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from adapters.brokers.credentials import CredentialError, read_secret

# Broker -> the credentials its adapter reads (by the names its own loaders use).
CREDENTIALS: dict[str, tuple[str, ...]] = {
    "paper": (),
    "upstox": ("UPSTOX_API_KEY", "UPSTOX_API_SECRET", "UPSTOX_REDIRECT_URI"),
    "zerodha": ("KITE_API_KEY", "KITE_API_SECRET"),
    "ibkr": (),  # the Client Portal gateway holds the login; the desk holds no secret
}
# Broker -> the plain settings an operator may give (`--set KEY=VALUE`).
SETTINGS: dict[str, tuple[str, ...]] = {
    "paper": (),
    "upstox": ("api_host", "order_host", "instruments_url", "algo_name"),
    "zerodha": ("api_url", "ticker_url"),
    "ibkr": ("base_url", "account_id"),
}
_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]{0,99}$")


class LinkError(ValueError):
    """A broker setting that cannot be recorded or used; says which and why."""


def credential_refs(broker: str, given: Mapping[str, str]) -> dict[str, str]:
    """Where each of the broker's credentials is read from: `env:VAR` or `file:/abs/path`
    as given, else `env:` the adapter's own variable name. A value that looks like a
    secret rather than a place is refused (the secret must never reach the log)."""
    if broker not in CREDENTIALS:
        raise LinkError(f"unknown broker {broker!r}: one of {', '.join(CREDENTIALS)}")
    unknown = set(given) - set(CREDENTIALS[broker])
    if unknown:
        raise LinkError(f"{broker} takes no credential {', '.join(sorted(unknown))} (it reads "
                        f"{', '.join(CREDENTIALS[broker]) or 'none'})")
    refs = {name: given.get(name, f"env:{name}") for name in CREDENTIALS[broker]}
    for name, ref in refs.items():
        kind, _, where = ref.partition(":")
        if kind == "env" and _ENV_NAME.match(where):
            continue
        if kind == "file" and Path(where).is_absolute():
            continue
        raise LinkError(f"{name}: give env:VARIABLE_NAME or file:/absolute/path, not the "
                        "secret itself")
    return refs


def plain_settings(broker: str, given: Mapping[str, str]) -> dict[str, str]:
    """The operator's plain settings for `broker`, refusing keys it does not take."""
    allowed = (*SETTINGS.get(broker, ()), "state_dir")  # every broker keeps session state
    unknown = set(given) - set(allowed)
    if unknown:
        raise LinkError(f"{broker} takes no setting {', '.join(sorted(unknown))} (it takes "
                        f"{', '.join(allowed)})")
    return dict(given)


def environ_for(refs: Mapping[str, str],
                environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """The environment the adapter's own loaders expect: each credential under its
    canonical name, or as NAME_FILE pointing at its file (read owner-only by them)."""
    resolved: dict[str, str] = {}
    for name, ref in refs.items():
        kind, _, where = ref.partition(":")
        if kind == "file":
            resolved[f"{name}_FILE"] = where
        elif environ.get(where, "").strip():
            resolved[name] = environ[where]
    return resolved


@dataclass(frozen=True)
class CredentialState:
    name: str
    ref: str
    problem: str  # "" when the credential can be read


def check_credentials(refs: Mapping[str, str],
                      environ: Mapping[str, str] = os.environ) -> list[CredentialState]:
    """Whether each credential can be read now (the value is read and dropped, never shown)."""
    resolved = environ_for(refs, environ)
    states = []
    for name, ref in refs.items():
        try:
            read_secret(name, resolved)
            problem = ""
        except CredentialError as e:
            problem = (str(e) if ref.startswith("file:")
                       else f"{ref.removeprefix('env:')} is not set")
        states.append(CredentialState(name, ref, problem))
    return states


def state_dir(account_id: str, settings: Mapping[str, str], home: Path | None = None) -> Path:
    """Where the account's session state (tokens, journals) is kept, owner-only."""
    base = home if home is not None else Path.home()
    return Path(settings.get("state_dir") or base / ".eventdesk" / "brokers" / account_id)
