"""A self-contained HTML page: bokeh charts with bokeh's JS inlined (works offline, no
request leaves the page), headline tables and a title. Every report page is built here."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from bokeh.embed import components
from bokeh.models import LayoutDOM
from bokeh.resources import Resources

# Only bokeh's core bundle: the pages use plots, not widgets or tables (1.3 MB inline).
_RESOURCES = Resources(mode="inline", components=["bokeh"])

_STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px auto; max-width: 1100px;
       color: #1d2733; }
h1 { font-size: 22px; margin-bottom: 2px; } h2 { font-size: 17px; margin-top: 28px; }
p.sub { color: #5b6b7c; margin-top: 0; }
table { border-collapse: collapse; margin: 8px 0; }
td, th { padding: 3px 10px; border-bottom: 1px solid #e3e8ee; text-align: right; }
th { background: #f4f6f9; } td:first-child, th:first-child { text-align: left; }
td { white-space: nowrap; } td:last-child { white-space: normal; }  /* only prose wraps */
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(250px, 1fr));
        gap: 0 24px; }
"""

Table = tuple[Sequence[str], Sequence[Sequence[object]]]  # header, rows


def table_html(table: Table) -> str:
    """An HTML table from a header and rows; every cell escaped."""
    header, rows = table
    head = "".join(f"<th>{escape(str(h))}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def page_html(title: str, subtitle: str, sections: Sequence[tuple[str, LayoutDOM | Table]]) -> str:
    """The whole page: each section a heading and a chart or a table."""
    charts = [(i, s) for i, (_, s) in enumerate(sections) if isinstance(s, LayoutDOM)]
    script, divs = components([c for _, c in charts]) if charts else ("", ())
    by_index = {i: div for (i, _), div in zip(charts, divs, strict=True)}
    parts = []
    for i, (heading, content) in enumerate(sections):
        body = by_index[i] if i in by_index else table_html(content)  # type: ignore[arg-type]
        parts.append(f"<h2>{escape(heading)}</h2>\n{body}")
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title><style>{_STYLE}</style>\n"
        f"{_RESOURCES.render_js()}\n{script}\n</head><body>\n"
        f"<h1>{escape(title)}</h1><p class='sub'>{escape(subtitle)}</p>\n"
        + "\n".join(parts)
        + "\n</body></html>\n"
    )
