"""The exchange's trading calendar from its yearly data files (`data/calendar/*.yaml`):
holidays and special sessions, validated with errors that name the field."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path
from types import MappingProxyType
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from adapters.files.yaml_file import parse_yaml
from domain.calendar import NORMAL, Session, TradingCalendar

CALENDAR_DIR = Path(__file__).resolve().parents[2] / "data" / "calendar"


class CalendarError(ValueError):
    """A calendar file cannot be used (the message names the file and the field)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Session(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=100)] = "normal"
    open: time
    close: time
    entry_cutoff: time | None = None

    @model_validator(mode="after")
    def _ordered(self) -> _Session:
        cutoff = self.entry_cutoff or self.close
        if not self.open < self.close or not self.open < cutoff <= self.close:
            raise ValueError("need open < entry_cutoff <= close")
        return self


class _Year(_Strict):
    exchange: str
    year: int
    normal_session: _Session
    holidays: dict[date, Annotated[str, Field(min_length=1)]] = {}
    special_sessions: dict[date, _Session] = {}

    @model_validator(mode="after")
    def _in_year(self) -> _Year:
        stray = [d for d in [*self.holidays, *self.special_sessions] if d.year != self.year]
        if stray:
            raise ValueError(f"dates outside {self.year}: {', '.join(map(str, stray))}")
        both = sorted(set(self.holidays) & set(self.special_sessions))
        if both:
            raise ValueError(f"both a holiday and a special session: {both}")
        normal = self.normal_session
        if (normal.open, normal.close, normal.entry_cutoff) != (
                NORMAL.open, NORMAL.close, NORMAL.entry_cutoff):
            raise ValueError("normal_session differs from the desk's session times "
                             "(domain/session.py); change both together")
        return self


def _session(s: _Session) -> Session:
    return Session(s.name, s.open, s.close, s.entry_cutoff or s.close)


def load_calendar(directory: Path = CALENDAR_DIR, exchange: str = "NSE") -> TradingCalendar:
    """Every year's table for `exchange` in `directory`, as one calendar."""
    holidays: dict[date, str] = {}
    special: dict[date, Session] = {}
    years: set[int] = set()
    for path in sorted(directory.glob(f"{exchange.lower()}-*.yaml")):
        table = parse_yaml(path.read_text(), str(path), _Year, CalendarError)
        if table.year in years:
            raise CalendarError(f"{path}: year {table.year} given twice")
        years.add(table.year)
        holidays.update(table.holidays)
        special.update({d: _session(s) for d, s in table.special_sessions.items()})
    return TradingCalendar(MappingProxyType(holidays), MappingProxyType(special),
                           frozenset(years))
