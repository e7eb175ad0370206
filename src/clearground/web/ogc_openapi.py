"""The OpenAPI 3.0 document of OGC API Features (``/ogc/api``, conformance class ``oas30``).

FastAPI writes OpenAPI 3.1; the OGC API Features standard (part 1, requirement class
``oas30``) and the clients that follow it (GDAL's OAPIF driver, QGIS) read 3.0. This module
rewrites the ``/ogc`` paths of the app's 3.1 document the 3.0 way: schemas (``schema_30``),
this API's error answers, the GeoJSON media type of items.
"""

from __future__ import annotations

from typing import Any

OPENAPI30 = "application/vnd.oai.openapi+json;version=3.0"
"""Media type of the OpenAPI 3.0 document at ``/ogc/api`` (conformance class ``oas30``)."""

_NOT_IN_30 = ("$schema", "$id", "$defs", "contentMediaType", "contentEncoding", "examples")


def schema_30(schema: Any) -> Any:
    """A JSON Schema of OpenAPI 3.1 written the OpenAPI 3.0 way.

    ``null`` as a type (``anyOf: [X, {"type": "null"}]`` or ``type: [X, "null"]``) becomes
    ``nullable: true``; ``const`` becomes a one-value ``enum``; numeric ``exclusiveMinimum``
    and ``exclusiveMaximum`` become ``minimum``/``maximum`` with the boolean flag; ``examples``
    becomes ``example``; a ``$ref`` with other keys is wrapped in ``allOf``; keywords that 3.0
    does not have are dropped.
    """
    if isinstance(schema, list):
        return [schema_30(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    nullable = False
    for key, value in schema.items():
        if key in ("anyOf", "oneOf") and isinstance(value, list):
            kept = [v for v in value if v != {"type": "null"}]
            nullable = nullable or len(kept) < len(value)
            if len(kept) == 1:
                out.update(schema_30(kept[0]))
            elif kept:
                out[key] = schema_30(kept)
        elif key == "type" and isinstance(value, list):
            types = [v for v in value if v != "null"]
            nullable = nullable or len(types) < len(value)
            if len(types) == 1:
                out["type"] = types[0]
            elif types:
                out["anyOf"] = [{"type": v} for v in types]
        elif key == "type" and value == "null":
            out["nullable"] = True  # the value is null or nothing: an enum of null
            out["enum"] = [None]
        elif key == "const":
            out["enum"] = [value]
        elif key in ("exclusiveMinimum", "exclusiveMaximum") and not isinstance(value, bool):
            out["minimum" if key == "exclusiveMinimum" else "maximum"] = value
            out[key] = True
        elif key == "examples" and isinstance(value, list) and value:
            out["example"] = value[0]
        elif key in _NOT_IN_30:
            continue
        elif key in ("properties", "patternProperties") and isinstance(value, dict):
            out[key] = {name: schema_30(v) for name, v in value.items()}
        elif key in ("items", "additionalProperties", "not", "allOf"):
            out[key] = schema_30(value)
        else:
            out[key] = value
    if nullable:
        out["nullable"] = True
    if "$ref" in out and len(out) > 1:
        ref = out.pop("$ref")
        out = {**out, "allOf": [{"$ref": ref}]}
    return out


def _refs(node: Any) -> set[str]:
    """The component schema names that ``node`` refers to (directly)."""
    if isinstance(node, dict):
        found = set()
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            found.add(ref.rsplit("/", 1)[1])
        for value in node.values():
            found |= _refs(value)
        return found
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node)) if node else set()
    return set()


_ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "field"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "field": {"type": "string", "nullable": True},
            },
        }
    },
}


def _operation_30(path: str, operation: dict[str, Any], geojson: str) -> dict[str, Any]:
    op = {k: v for k, v in operation.items() if k not in ("parameters", "responses")}
    if "parameters" in operation:
        op["parameters"] = [
            {**p, "schema": schema_30(p["schema"])} if "schema" in p else p
            for p in operation["parameters"]
        ]
    if "requestBody" in operation:
        op["requestBody"] = _content_30(operation["requestBody"])
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    responses: dict[str, Any] = {}
    for status, response in operation.get("responses", {}).items():
        if status == "422":  # FastAPI's; this API answers bad parameters with 400
            responses["400"] = {"description": "Bad request (a parameter)", **error}
            continue
        response = _content_30(response)
        if status == "200" and path.startswith("/ogc/collections/{collection_id}/items"):
            response = {**response, "content": {geojson: {"schema": {"type": "object"}}}}
        responses[status] = response
    if "{" in path:
        responses["404"] = {"description": "No such collection or feature", **error}
    if path.startswith("/ogc/collections"):  # the ones that ask who
        responses["401"] = {"description": "Unknown or revoked API token", **error}
    op["responses"] = responses
    return op


def _content_30(part: dict[str, Any]) -> dict[str, Any]:
    if "content" not in part:
        return part
    return {
        **part,
        "content": {
            media: {**body, "schema": schema_30(body["schema"])} if "schema" in body else body
            for media, body in part["content"].items()
        },
    }


def openapi_30(
    document: dict[str, Any], geojson: str = "application/geo+json", prefix: str = "/ogc"
) -> dict[str, Any]:
    """The OpenAPI 3.0 document of the paths under ``prefix`` of a (FastAPI) 3.1 document.

    Schemas are rewritten by ``schema_30``; FastAPI's 422 answers become the 400 this API
    gives, with 401 and (for paths with parameters) 404 added, all in the error shape
    (``components/schemas/Error``); items are ``geojson`` (``application/geo+json``). Only
    the component schemas that the kept paths use are kept.
    """
    paths = {
        path: {method: _operation_30(path, op, geojson) for method, op in item.items()}
        for path, item in document.get("paths", {}).items()
        if path == prefix or path.startswith(prefix + "/")
    }
    source = document.get("components", {}).get("schemas", {})
    schemas: dict[str, Any] = {"Error": _ERROR_SCHEMA}
    todo = _refs(paths) - set(schemas)
    while todo:
        name = todo.pop()
        if name in source and name not in schemas:
            schemas[name] = schema_30(source[name])
            todo |= _refs(schemas[name]) - set(schemas)
    info = {k: v for k, v in document.get("info", {}).items() if k != "summary"}
    info["title"] = f"{info.get('title', 'API')} OGC API Features"
    return {"openapi": "3.0.3", "info": info, "paths": paths, "components": {"schemas": schemas}}
