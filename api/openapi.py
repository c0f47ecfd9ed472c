"""The OpenAPI 3.1 document, built from the route table and the pydantic models."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from api.endpoint import JSON, Route
from api.inputs import MAX_BODY_BYTES
from api.schemas import Problem

_REF = "#/components/schemas/{model}"
# pydantic writes numeric bounds of Decimal-backed strings as non-standard keywords.
_NON_STANDARD = {"ge", "gt", "le", "lt"}

_PATH_PARAMS = {
    "account_id": "an account id, e.g. sip-aggressive",
    "card_id": "a card id, e.g. card-sip-aggressive-buyback-nse-ann-2026112007",
    "account": "an account id (or `desk`, the same as /desk/halt and /desk/resume)",
    "asset": "a file of the console, e.g. app.js",
    "session_id": "an intake session id, as POST /api/v1/intake answered it",
    "transfer_id": "a transfer id, e.g. transfer-0192f3c4...",
}

_PROBLEMS = {
    400: "malformed JSON, or a bad query parameter or header (named in `field`)",
    401: "no bearer token, or an unknown one",
    403: "the token's role is too low for this route",
    404: "no such account, card or route (named in `field`)",
    409: "the desk refused the command; `reason` says why",
    422: "body fails validation: wrong type, unknown or missing field (named in `field`); "
         "an intake answer that cannot be taken names the `question` and the `reason`",
    413: f"request body over {MAX_BODY_BYTES} bytes",
    415: "request body is not application/json",
    503: "not ready: the store does not answer or the read model lags the log",
}


def build(routes: tuple[Route, ...], title: str, version: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document for `routes`, with every model's JSON schema."""
    bodies = {r.body for r in routes if r.body is not None}
    answers = {r.response for r in routes if r.response is not None} | {Problem}
    _, defs = models_json_schema(
        [(m, "validation") for m in sorted(bodies, key=_name)]
        + [(m, "serialization") for m in sorted(answers, key=_name)],
        ref_template=_REF,
    )
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route)
    document: dict[str, Any] = _clean({
        "openapi": "3.1.0",
        "info": {
            "title": title, "version": version,
            "description": "Read the desk's books and decide on its cards. Reads need a "
            "viewer token, approve/reject an approver's, kill switches and halts an admin's. "
            "Money is a decimal string; times are ISO 8601 in IST, with the +05:30 offset.",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": defs.get("$defs", {}),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    })
    return document


def _operation(route: Route) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": route.name, "summary": route.summary, "tags": [route.tag],
        "parameters": [*_path_params(route), *_query_params(route.query),
                       *({"name": name, "in": "header", "required": False,
                          "description": text, "schema": {"type": "string"}}
                         for name, text in route.headers)],
        "responses": _responses(route),
    }
    if route.role is not None:
        op["security"] = [{"bearer": []}]
        op["x-required-role"] = route.role.label
    else:
        op["security"] = []
    if route.body is not None:
        op["requestBody"] = {"required": True, "content": {
            JSON: {"schema": {"$ref": _REF.format(model=_name(route.body))}}}}
    return op


def _path_params(route: Route) -> list[dict[str, Any]]:
    return [{"name": p, "in": "path", "required": True,
             "description": _PATH_PARAMS.get(p, p),
             "schema": {"type": "string", "minLength": 1}}
            for p in route.path_params]


def _query_params(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema()
    defs = schema.get("$defs", {})
    params = []
    for name, prop in schema.get("properties", {}).items():
        description = prop.pop("description", "")
        prop.pop("title", None)
        branches = [b for b in prop.pop("anyOf", []) if b.get("type") != "null"]
        if branches:
            prop.update(branches[0])
        if prop.get("default", 0) is None:
            del prop["default"]
        ref = prop.pop("$ref", None)
        if ref:  # a query parameter's enum is written in place
            prop.update({k: v for k, v in defs[ref.rsplit("/", 1)[-1]].items() if k != "title"})
        params.append({"name": name, "in": "query",
                       "required": name in schema.get("required", []),
                       "description": description, "schema": prop})
    return params


def _responses(route: Route) -> dict[str, Any]:
    if route.response is not None:
        content: dict[str, Any] = {route.media_type: {
            "schema": {"$ref": _REF.format(model=_name(route.response))}}}
    elif route.media_type == JSON:
        content = {JSON: {"schema": {"type": "object"}}}
    else:
        content = {route.media_type: {"schema": {"type": "string"}}}
    responses: dict[str, Any] = {"200": {"description": route.summary, "content": content}}
    statuses = {400, *route.errors}
    if route.role is not None:
        statuses |= {401, 403}
    if route.path_params:
        statuses.add(404)
    if route.body is not None:
        statuses |= {413, 415, 422}
    problem = {JSON: {"schema": {"$ref": _REF.format(model="Problem")}}}
    for status in sorted(statuses):
        responses[str(status)] = {"description": _PROBLEMS[status], "content": problem}
    return responses


def _name(model: type[BaseModel]) -> str:
    return model.__name__


def _clean(node: Any) -> Any:
    if isinstance(node, dict):
        schema = "type" in node
        return {k: _clean(v) for k, v in node.items() if not (schema and k in _NON_STANDARD)}
    if isinstance(node, list):
        return [_clean(v) for v in node]
    return node
