"""Which news sources to poll, from a YAML file the operator edits:

    interval_seconds: 60          # between rounds
    timeout_seconds: 10           # per request
    rss:
      - {url: "https://example.com/markets/rss.xml", source: "Example Wire"}
    nse:
      base_url: "https://www.nseindia.com"   # or a local fake
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from adapters.files.yaml_file import parse_yaml
from adapters.news.poller import NsePoller, RssPoller


class NewsConfigError(ValueError):
    """The pollers file cannot be used (the message names the field)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RssFeed(_Strict):
    url: HttpUrl
    source: Annotated[str, Field(min_length=1, max_length=100,
                                 pattern=r"^[A-Za-z0-9][A-Za-z0-9 _.:/-]*$")]


class NseSource(_Strict):
    base_url: HttpUrl = HttpUrl("https://www.nseindia.com")


class PollersConfig(_Strict):
    interval_seconds: Annotated[float, Field(gt=0, le=86_400)] = 60.0
    timeout_seconds: Annotated[float, Field(gt=0, le=300)] = 10.0
    rss: list[RssFeed] = []
    nse: NseSource | None = None

    def sources(self) -> list[RssPoller | NsePoller]:
        """A poller per configured source (each holds its own connection pool)."""
        found: list[RssPoller | NsePoller] = [
            RssPoller(str(feed.url), feed.source, self.timeout_seconds) for feed in self.rss]
        if self.nse is not None:
            found.append(NsePoller(str(self.nse.base_url), self.timeout_seconds))
        return found


def load_pollers(path: Path) -> PollersConfig:
    """The pollers file at `path`; `NewsConfigError` naming the field that is wrong."""
    try:
        text = path.read_text()
    except OSError as e:
        raise NewsConfigError(f"{path}: {e.strerror}") from None
    return parse_yaml(text, str(path), PollersConfig, NewsConfigError)
