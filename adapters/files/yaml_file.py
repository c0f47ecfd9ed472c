"""A YAML file an operator edits, validated by a pydantic model with errors that name the
field: `strategies.momentum.stop_atr: Input should be greater than 0`."""

from __future__ import annotations

from typing import Any, TypeVar

import yaml  # type: ignore[import-untyped]
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


def parse_yaml(text: str, source: str, model: type[M], error: type[ValueError]) -> M:
    """`model` from YAML `text`; any problem raises `error` naming `source` and the field."""
    try:
        document: Any = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise error(f"{source}: not valid YAML: {e}") from None
    if not isinstance(document, dict):
        raise error(f"{source}: expected a mapping at the top level")
    try:
        return model.model_validate(document)
    except ValidationError as e:
        problems = "; ".join(problem(err["loc"], err["msg"]) for err in e.errors())
        raise error(f"{source}: {problems}") from None


def problem(loc: tuple[int | str, ...], msg: str) -> str:
    """'field.path: message'; checks across fields name their own path in the message."""
    message = msg.removeprefix("Value error, ")
    return f"{'.'.join(str(p) for p in loc)}: {message}" if loc else message
