"""The API reference as one self-contained HTML page, rendered from the OpenAPI document.

No scripts and nothing fetched from elsewhere: routes grouped by tag with their role,
parameters, body and answers, then every schema with its fields.
"""

from __future__ import annotations

import base64
import hashlib
from html import escape
from typing import Any

_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:70rem;color:#1d2330}
h1{margin-bottom:.2rem} h2{border-bottom:2px solid #dde;padding-bottom:.2rem;margin-top:2rem}
.op{border:1px solid #dde;border-radius:6px;padding:.5rem .8rem;margin:.6rem 0}
.m{font:600 12px monospace;padding:2px 6px;border-radius:4px;color:#fff;background:#2b6cb0}
.m.post{background:#2f855a} code{font-size:13px} .role{float:right;color:#666}
table{border-collapse:collapse;margin:.3rem 0} td,th{border:1px solid #e3e3ea;padding:2px 8px;
text-align:left;vertical-align:top} th{background:#f5f5fa} .muted{color:#666}
"""

# For the Content Security Policy: the one inline style block this page carries.
INLINE_STYLE_HASH = "sha256-" + base64.b64encode(
    hashlib.sha256(_STYLE.encode()).digest()).decode()


def render_docs(spec: dict[str, Any]) -> str:
    """The human-readable API reference page, rendered from the OpenAPI document."""
    info = spec.get("info", {})
    parts = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        f"<title>{escape(info.get('title', 'API'))}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{escape(info.get('title', 'API'))} <small class=muted>"
        f"{escape(info.get('version', ''))}</small></h1>",
        f"<p>{escape(info.get('description', ''))}</p>",
        "<p class=muted>Machine-readable: <a href='/openapi.json'>/openapi.json</a> "
        f"(OpenAPI {escape(spec.get('openapi', ''))}).</p>",
    ]
    by_tag: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for path, methods in spec.get("paths", {}).items():
        for method, op in methods.items():
            by_tag.setdefault(op.get("tags", ["other"])[0], []).append((method, path, op))
    for tag, ops in by_tag.items():
        parts.append(f"<h2>{escape(tag)}</h2>")
        parts += [_operation(method, path, op) for method, path, op in ops]
    parts.append("<h2>Schemas</h2>")
    for name, schema in spec.get("components", {}).get("schemas", {}).items():
        parts.append(_schema(name, schema))
    parts.append("</body></html>")
    return "\n".join(parts)


def _operation(method: str, path: str, op: dict[str, Any]) -> str:
    role = op.get("x-required-role", "public")
    out = [f"<div class=op id='{escape(op.get('operationId', ''))}'>",
           f"<span class='m {method}'>{method.upper()}</span> <code>{escape(path)}</code>",
           f"<span class=role>role: {escape(role)}</span>",
           f"<div>{escape(op.get('summary', ''))}</div>"]
    params = op.get("parameters", [])
    if params:
        out.append("<table><tr><th>parameter</th><th>in</th><th>type</th><th>about</th></tr>")
        for p in params:
            out.append(f"<tr><td><code>{escape(p['name'])}</code>"
                       f"{' *' if p.get('required') else ''}</td><td>{escape(p['in'])}</td>"
                       f"<td>{escape(_type(p.get('schema', {})))}</td>"
                       f"<td>{escape(p.get('description', ''))}</td></tr>")
        out.append("</table>")
    body = op.get("requestBody", {}).get("content", {})
    for media, content in body.items():
        out.append(f"<div>body ({escape(media)}): {_link(content.get('schema', {}))}</div>")
    answers = []
    for status, response in op.get("responses", {}).items():
        schemas = [_link(c.get("schema", {})) for c in response.get("content", {}).values()]
        answers.append(f"<tr><td>{escape(status)}</td><td>{', '.join(schemas)}</td>"
                       f"<td>{escape(response.get('description', ''))}</td></tr>")
    out.append("<table><tr><th>status</th><th>answer</th><th>when</th></tr>"
               + "".join(answers) + "</table></div>")
    return "\n".join(out)


def _schema(name: str, schema: dict[str, Any]) -> str:
    out = [f"<div class=op id='schema-{escape(name)}'><b>{escape(name)}</b>"]
    if schema.get("description"):
        out.append(f"<div class=muted>{escape(schema['description'])}</div>")
    if "enum" in schema:
        out.append(f"<div>one of: {escape(', '.join(map(str, schema['enum'])))}</div>")
    required = set(schema.get("required", []))
    props = schema.get("properties", {})
    if props:
        out.append("<table><tr><th>field</th><th>type</th></tr>")
        for field, prop in props.items():
            out.append(f"<tr><td><code>{escape(field)}</code>{' *' if field in required else ''}"
                       f"</td><td>{_link(prop)}</td></tr>")
        out.append("</table>")
    out.append("</div>")
    return "\n".join(out)


def _link(schema: dict[str, Any]) -> str:
    """A schema's type, with references as links to their schema."""
    ref = schema.get("$ref")
    if ref:
        name = ref.rsplit("/", 1)[-1]
        return f"<a href='#schema-{escape(name)}'>{escape(name)}</a>"
    if "anyOf" in schema:
        return " | ".join(_link(s) for s in schema["anyOf"])
    if schema.get("type") == "array":
        return f"array of {_link(schema.get('items', {}))}"
    return escape(_type(schema))


def _type(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "enum" in schema:
        return " | ".join(map(str, schema["enum"]))
    kind = str(schema.get("type", "any"))
    return f"{kind} ({schema['format']})" if "format" in schema else kind
