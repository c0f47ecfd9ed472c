"""Store URLs (`sqlite:///path`, `postgresql://user:pass@host:port/db`) to library settings."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlparse

DEFAULT_STORE = "sqlite:///.desk/desk.db"
STORE_ENV = "DESK_STORE"  # how child processes are given the store URL (never on argv)
_RECORDERS = "adapters.eventstore.recorders"


class StoreUrlError(ValueError):
    """A store URL this desk cannot use."""


def default_store_url() -> str:
    """`$DESK_STORE`, else an SQLite file in the local `.desk/` data folder."""
    return os.environ.get(STORE_ENV) or DEFAULT_STORE


def store_settings(url: str) -> dict[str, str]:
    """The event-sourcing library environment for a store URL."""
    parsed = urlparse(url)
    common = {"ORIGINATOR_ID_TYPE": "text", "CREATE_TABLE": "y"}
    if parsed.scheme == "sqlite":
        path = unquote(url[len("sqlite:///"):]) if url.startswith("sqlite:///") else ""
        if not path:
            raise StoreUrlError(
                f"{redact(url)!r}: expected sqlite:///relative/path or sqlite:////abs/path")
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        return {
            **common,
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": path,
            "SQLITE_LOCK_TIMEOUT": "30",
            "PROCESS_RECORDER_TOPIC": f"{_RECORDERS}:ChainedSQLiteRecorder",
        }
    if parsed.scheme in ("postgresql", "postgres"):
        if not parsed.path.strip("/"):
            raise StoreUrlError(f"{redact(url)!r}: no database name")
        return {
            **common,
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": unquote(parsed.path.strip("/")),
            "POSTGRES_HOST": parsed.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(parsed.port or 5432),
            "POSTGRES_USER": unquote(parsed.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(parsed.password or ""),
            "POSTGRES_POOL_SIZE": "4",
            "PROCESS_RECORDER_TOPIC": f"{_RECORDERS}:ChainedPostgresRecorder",
        }
    raise StoreUrlError(
        f"{redact(url)!r}: store URL must start with sqlite:/// or postgresql://")


def redact(url: str) -> str:
    """The URL without its password, for logs and output (also when the URL is malformed)."""
    try:
        password = urlparse(url).password
    except ValueError:  # an unparseable netloc (a bad port): hide everything before the @
        password = None
        if "@" in url and "://" in url:
            scheme, rest = url.split("://", 1)
            return f"{scheme}://***@{rest.rsplit('@', 1)[1]}"
    if password:
        return url.replace(f":{password}@", ":***@")
    return url


def missing_store(url: str) -> str | None:
    """Why the store at `url` cannot be read without creating it, or None when it exists.

    Read-only commands check this first: opening a store creates its file, folder and
    tables, which would turn a mistyped path into an empty log that "verifies" fine.
    """
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = unquote(url[len("sqlite:///"):]) if url.startswith("sqlite:///") else ""
        if not path or path == ":memory:":
            return None if path else f"{redact(url)!r}: expected sqlite:///relative/path"
        return None if Path(path).is_file() else f"no event store at {path} (no such file)"
    if parsed.scheme in ("postgresql", "postgres"):
        return _missing_postgres(url)
    return f"{redact(url)!r}: store URL must start with sqlite:/// or postgresql://"


def _missing_postgres(url: str) -> str | None:
    import psycopg  # only PostgreSQL stores need the driver here

    try:
        with psycopg.connect(url, connect_timeout=5) as conn:
            # The library names the table after the application on PostgreSQL
            # (`desk_events`), and `stored_events` elsewhere: either means a store exists.
            row = conn.execute("SELECT to_regclass('desk_events') IS NOT NULL "
                               "OR to_regclass('stored_events') IS NOT NULL").fetchone()
    except psycopg.Error as e:
        message = str(e)
        password = urlparse(url).password
        if password:
            message = message.replace(password, "***")
        return f"cannot open the event store {redact(url)}: {message.strip()}"
    return None if row and row[0] else f"no event store in {redact(url)} (no event table)"


def store_label(url: str) -> str:
    """How checkpoints name a store: an SQLite file by its absolute path, else the URL
    without its password."""
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        return f"sqlite:///{Path(unquote(url[len('sqlite:///'):])).resolve()}"
    return redact(url)
