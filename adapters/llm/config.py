"""The judge's settings: the standard OpenAI variables, `DESK_JUDGE_MODEL`, and an optional
TOML file (`DESK_JUDGE_CONFIG`) for timeout, retries, concurrency and the price table.

The API key comes only from `OPENAI_API_KEY` or an owner-only file named by
`OPENAI_API_KEY_FILE`; it is never printed (`JudgeConfig.__repr__` hides it).
"""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

DEFAULT_MODEL = "gpt-4o-mini"
DEFAULT_PROMPT_NAME = "card-review"


class JudgeConfigError(ValueError):
    """The judge's configuration cannot be used (a bad file, an unsafe key file)."""


@dataclass(frozen=True)
class Price:
    """What a model costs per million tokens, in and out (in the table's currency)."""

    input_per_million: Decimal
    output_per_million: Decimal

    def cost(self, tokens_in: int, tokens_out: int) -> Decimal:
        return (
            self.input_per_million * tokens_in + self.output_per_million * tokens_out
        ) / Decimal(1_000_000)


@dataclass(frozen=True)
class JudgeConfig:
    """Where the model is and how the desk calls it."""

    base_url: str = ""
    api_key: str = field(default="", repr=False)
    model: str = DEFAULT_MODEL
    timeout_seconds: float = 20.0
    max_retries: int = 2
    backoff_seconds: float = 0.25
    concurrency: int = 8
    prompt_name: str = DEFAULT_PROMPT_NAME
    prices: Mapping[str, Price] = field(default_factory=dict)

    @property
    def llm_configured(self) -> bool:
        """True when a model endpoint is named (by base URL, or a key for the default)."""
        return bool(self.base_url or self.api_key)


def load_judge_config(env: Mapping[str, str] | None = None) -> JudgeConfig:
    """The settings from `env` (the process environment by default) and its config file."""
    env = os.environ if env is None else env
    data: dict[str, object] = {}
    path = env.get("DESK_JUDGE_CONFIG", "")
    if path:
        try:
            data = tomllib.loads(Path(path).read_text())
        except (OSError, tomllib.TOMLDecodeError) as e:
            raise JudgeConfigError(f"judge config {path}: {e}") from None
    prices = {
        model: Price(Decimal(str(p["input_per_million"])), Decimal(str(p["output_per_million"])))
        for model, p in dict(data.get("prices", {})).items()  # type: ignore[call-overload]
    }
    try:
        return JudgeConfig(
            base_url=env.get("OPENAI_BASE_URL", str(data.get("base_url", ""))),
            api_key=_api_key(env),
            model=env.get("DESK_JUDGE_MODEL", str(data.get("model", DEFAULT_MODEL))),
            timeout_seconds=float(str(data.get("timeout_seconds", 20.0))),
            max_retries=int(str(data.get("max_retries", 2))),
            backoff_seconds=float(str(data.get("backoff_seconds", 0.25))),
            concurrency=int(str(data.get("concurrency", 8))),
            prompt_name=str(data.get("prompt_name", DEFAULT_PROMPT_NAME)),
            prices=prices,
        )
    except ValueError as e:
        raise JudgeConfigError(f"judge config {path}: {e}") from None


def _api_key(env: Mapping[str, str]) -> str:
    key = env.get("OPENAI_API_KEY", "")
    key_file = env.get("OPENAI_API_KEY_FILE", "")
    if key or not key_file:
        return key
    mode = os.stat(key_file).st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise JudgeConfigError(f"{key_file} is readable by others: chmod 600 it")
    return Path(key_file).read_text().strip()
