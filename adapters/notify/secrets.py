"""Secrets of the notifications file: from an environment variable or an owner-only file
(`<what>_env` / `<what>_file` keys of a section); never echoed in an error."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any


class NotifyConfigError(ValueError):
    """The notifications file cannot be used (the message never contains a secret)."""


def read_secret(section: dict[str, Any], what: str, label: str) -> str:
    """The secret `what` of section `label`: its `<what>_file` (must be 0600) or the
    variable its `<what>_env` names."""
    env, file = section.get(f"{what}_env"), section.get(f"{what}_file")
    if file:
        path = Path(str(file))
        try:
            mode = path.stat().st_mode
        except OSError:
            raise NotifyConfigError(f"{label} {what}_file {path} cannot be read") from None
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise NotifyConfigError(f"{label} {what}_file {path} must be owner-only (0600)")
        return path.read_text().strip()
    value = os.environ.get(str(env), "") if env else ""
    if not value:
        raise NotifyConfigError(f"{label} {what}: set {what}_env to a set variable, or {what}_file")
    return value
