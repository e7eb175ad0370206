"""schemathesis against the OpenAPI document: every operation, anonymous and as an admin.

Each operation in ``/openapi.json`` is called with data generated from its schema (valid and
invalid), both with parameters made up by schemathesis and with path parameters set to values
that exist in the database filled by ``tests.test_ogc.fill`` (collection ids, record kinds,
record ids), so the calls reach past the 404s. Every response must be no server error (no 5xx,
no exception), every error must have the one JSON error shape, and a response must fit the
schema its route declares. Anonymous calls carry a session cookie with its CSRF token, so
state-changing routes are reached; admin calls carry only ``Authorization: Bearer``.

The operations are read from the document at run time: routes added later are covered too.
Deterministic: Hypothesis is derandomised and keeps no example database.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import response_schema_conformance

from clearground.store import kinds
from clearground.store.database import Store
from clearground.web import ogc
from clearground.web.app import create_app
from tests.test_ogc import fill

EXAMPLES = int(os.environ.get("CLEARGROUND_FUZZ_EXAMPLES", "8"))
"""Examples per operation, per generation mode and per kind of path parameters (a deeper run:
``CLEARGROUND_FUZZ_EXAMPLES=200``)."""

# path parameters (by name) whose meaningful values are known; integer path parameters take
# the ids of the rows ``fill`` made
KNOWN_PATH_VALUES: dict[str, list[str]] = {
    "collection_id": list(ogc.COLLECTIONS),
    "kind": list(kinds.TABLES),
}


def error_shape(ctx: Any, response: Any, case: Any) -> bool | None:
    """An error response is ``{"error": {"code", "message", "field", ...}}`` and nothing else."""
    if response.status_code < 400:
        return None
    try:
        body = response.json()
    except ValueError:
        raise AssertionError(
            f"error {response.status_code} is not JSON: {response.text[:200]!r}"
        ) from None
    assert isinstance(body, dict) and set(body) == {"error"}, f"not the error shape: {body!r}"
    error = body["error"]
    assert isinstance(error, dict), body
    assert {"code", "message", "field"} <= set(error), f"error without code/message/field: {body}"
    assert isinstance(error["code"], str) and error["code"], body
    assert isinstance(error["message"], str), body
    assert error["field"] is None or isinstance(error["field"], str), body
    return True


CHECKS = [not_a_server_error, response_schema_conformance, error_shape]


def _path_parameters(document: dict[str, Any], method: str, path: str) -> list[dict[str, Any]]:
    operation = document["paths"][path][method.lower()]
    return [p for p in operation.get("parameters", []) if p.get("in") == "path"]


def _known_values(
    parameters: list[dict[str, Any]], ids: list[int]
) -> st.SearchStrategy[dict[str, Any]] | None:
    """Path parameters drawn from values that exist; None if none of them has such values."""
    fixed: dict[str, st.SearchStrategy[Any]] = {}
    for p in parameters:
        name = p["name"]
        if name in KNOWN_PATH_VALUES:
            fixed[name] = st.sampled_from(KNOWN_PATH_VALUES[name])
        elif p.get("schema", {}).get("type") == "integer":
            fixed[name] = st.sampled_from(ids)
    return st.fixed_dictionaries(fixed) if fixed else None


def fuzz(
    app: FastAPI, headers: dict[str, str], ids: list[int], only: set[str] | None = None
) -> tuple[list[str], set[str]]:
    """Run every operation of ``app``'s OpenAPI document (or those labelled in ``only``).

    Returns the failures and the labels (``METHOD /path``) of the operations run.
    """
    document = app.openapi()
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    ran: set[str] = set()
    for result in schema.get_all_operations():
        if isinstance(result, Err):  # the document itself is wrong for this operation
            failures.append(f"invalid operation in the schema: {result.err()}")
            continue
        operation = result.ok()
        if only is not None and operation.label not in only:
            continue
        ran.add(operation.label)
        parameters = _path_parameters(document, operation.method, operation.path)
        known = _known_values(parameters, ids)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategies = {"generated": operation.as_strategy(generation_mode=mode)}
            if known is not None:
                strategies["existing ids"] = known.flatmap(_with_path(operation, mode))
            for variant, strategy in strategies.items():
                problem = _run(strategy, headers)
                if problem:
                    failures.append(f"{operation.label} ({mode.value}, {variant}): {problem}")
    return failures, ran


def _with_path(
    operation: schemathesis.APIOperation, mode: GenerationMode
) -> Callable[[dict[str, Any]], st.SearchStrategy[Any]]:
    def strategy(values: dict[str, Any]) -> st.SearchStrategy[Any]:
        return operation.as_strategy(generation_mode=mode, path_parameters=values)

    return strategy


def _run(strategy: st.SearchStrategy[Any], headers: dict[str, str]) -> str | None:
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        print_blob=False,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure is told as found
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    try:
        run()
    except Unsatisfiable:
        return None  # no invalid input exists (an operation without parameters or body)
    except (Exception, BaseExceptionGroup) as exc:  # schemathesis groups its check failures
        return _describe(exc)
    return None


def _describe(exc: BaseException) -> str:
    if isinstance(exc, BaseExceptionGroup):
        return "\n".join(_describe(e) for e in exc.exceptions)
    return f"{type(exc).__name__}: {exc}"


def _operations(app: FastAPI) -> set[str]:
    document = app.openapi()
    return {f"{m.upper()} {path}" for path, item in document["paths"].items() for m in item}


@pytest.mark.parametrize("caller", ["anonymous", "admin"])
def test_every_operation_survives_generated_requests(store: Store, caller: str) -> None:
    made = fill(store)
    ids = sorted({v for v in made.values() if isinstance(v, int)})
    app = create_app(store.url)
    if caller == "admin":
        headers = {"Authorization": f"Bearer {made['tokens']['admin']}"}
    else:
        client = TestClient(app)
        csrf = client.get("/login").json()["csrf_token"]
        headers = {"X-CSRF-Token": csrf, "Cookie": f"session={client.cookies['session']}"}
        assert client.get("/api/me").json()["role"] == "public"
    failures, ran = fuzz(app, headers, ids)
    assert ran == _operations(app)
    # the parts there are now; whatever else the document has is run as well
    assert {
        "GET /api/me",
        "POST /login",
        "GET /ogc/collections/{collection_id}/items",
        "GET /ogc/collections/{collection_id}/items/{feature_id}",
    } <= ran
    assert failures == [], "\n\n".join(failures)


def _app_with(store: Store, route: Callable[[FastAPI], None]) -> FastAPI:
    app = create_app(store.url)
    route(app)
    return app


def test_the_fuzzing_finds_a_server_error_and_a_wrong_error_shape(store: Store) -> None:
    """The harness is not vacuous: a route that fails and one with another error shape."""
    fill(store)

    def add_routes(app: FastAPI) -> None:
        @app.get("/api/broken")
        def broken(n: int = 0) -> dict[str, int]:
            return {"inverse": 1 // n}  # 500 when n == 0 (the default)

        @app.get("/api/odd-error")
        def odd_error() -> JSONResponse:
            return JSONResponse({"detail": "not our shape"}, status_code=400)

    app = _app_with(store, add_routes)
    failures, ran = fuzz(app, {}, [1], only={"GET /api/broken", "GET /api/odd-error", "GET /ogc"})
    assert ran == {"GET /api/broken", "GET /api/odd-error", "GET /ogc"}
    broken = [f for f in failures if f.startswith("GET /api/broken ")]
    odd = [f for f in failures if f.startswith("GET /api/odd-error ")]
    assert broken and odd, failures
    assert "not the error shape" in odd[0]
    # nothing else fails
    assert all(f.startswith(("GET /api/broken ", "GET /api/odd-error ")) for f in failures), (
        failures
    )


def test_an_unexpected_error_is_answered_in_the_error_shape(store: Store) -> None:
    def add_route(app: FastAPI) -> None:
        @app.get("/api/broken")
        def broken() -> dict[str, int]:
            raise RuntimeError("secret detail")

    client = TestClient(_app_with(store, add_route), raise_server_exceptions=False)
    r = client.get("/api/broken")
    assert r.status_code == 500
    assert r.json() == {
        "error": {"code": "internal_error", "message": "internal server error", "field": None}
    }
    assert "secret" not in r.text


def test_out_of_range_ids_and_offsets_are_client_errors(store: Store) -> None:
    """Found by the fuzzing: ids and offsets past 64 (PostgreSQL: 32) bits gave a 500."""
    ids = fill(store)
    client = TestClient(create_app(store.url))
    for fid in (2**31, 2**63, 10**20, -(10**20)):
        r = client.get(f"/ogc/collections/hazards/items/{fid}")
        assert r.status_code == 404 and r.json()["error"]["field"] == "featureId", fid
    r = client.get("/ogc/collections/hazards/items", params={"offset": 10**20})
    assert r.status_code == 400 and r.json()["error"]["field"] == "offset"
    r = client.get("/ogc/collections/hazards/items", params={"offset": 2**31 - 1})
    assert r.status_code == 200 and r.json()["numberReturned"] == 0
    r = client.get(f"/ogc/collections/hazards/items/{ids['H1']}")
    assert r.status_code == 200


def test_text_with_nul_is_refused_not_an_error(store: Store) -> None:
    """Found by the fuzzing: PostgreSQL refuses text with NUL, which made ``POST /login``, record
    queries and edits answer 500; now such text is a 400 before it reaches the database."""
    ids = fill(store)
    client = TestClient(create_app(store.url))
    csrf = client.get("/login").json()["csrf_token"]
    for name in ("u_admin\x00", "\x00"):
        r = client.post(
            "/login",
            json={"name": name, "password": "pw-admin-1"},
            headers={"X-CSRF-Token": csrf},
        )
        assert r.status_code == 400 and r.json()["error"]["code"] == "bad_request"
        assert "NUL" in r.json()["error"]["message"]
    admin = {"Authorization": f"Bearer {ids['tokens']['admin']}"}
    for url in ("/api/records/hazards?q=%00", "/api/records/hazards?review_status=a%00b"):
        assert client.get(url, headers=admin).status_code == 400
    edit = client.put(
        f"/api/records/hazards/{ids['H1']}",
        json={"version": 1, "values": {"name": "a\x00b"}},
        headers=admin,
    )
    assert edit.status_code == 400 and edit.json()["error"]["code"] == "bad_request"
    r = client.post(
        "/login", json={"name": "u_admin", "password": "pw-admin-1"}, headers={"X-CSRF-Token": csrf}
    )
    assert r.status_code == 200 and r.json()["role"] == "admin"
