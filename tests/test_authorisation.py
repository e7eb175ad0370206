"""Every route x every role against a hand-written table of what each role may do.

A route of the app missing from the table (or a table row whose route is gone) fails.
Values: ``allow`` (2xx), ``deny`` (401 or 403), and for routes returning positions ``exact``
(2xx with the exact geometry) or ``coarse`` (2xx with points on the 0.1° grid only).
"""

from __future__ import annotations

import io
import itertools
import json
from collections.abc import Callable, Iterator
from typing import Any

from fastapi.testclient import TestClient
from shapely.geometry import box, mapping, shape
from starlette.routing import Mount

from clearground.store import tables as t
from clearground.store.database import Store
from clearground.store.repository import Registry
from clearground.web.app import create_app
from tests.test_ogc import FIND_A, H1, H2, H3, H_DRAFT, fill

COLUMNS = ("admin", "im_officer", "operator", "manager", "donor", "public", "anonymous")
ALL = dict.fromkeys(COLUMNS, "allow")
POSITIONS = {
    "admin": "exact",
    "im_officer": "exact",
    "operator": "exact",  # the find asked for is its own organisation's
    "manager": "exact",
    "donor": "coarse",
    "public": "coarse",
    "anonymous": "coarse",
}

NOBODY = dict.fromkeys(COLUMNS, "deny")
STAFF = {**NOBODY, "admin": "allow", "im_officer": "allow", "operator": "allow", "manager": "allow"}
ENTRY = {**NOBODY, "admin": "allow", "im_officer": "allow", "operator": "allow"}
REVIEW = {**NOBODY, "admin": "allow", "im_officer": "allow"}

TABLE: dict[tuple[str, str], dict[str, str]] = {
    ("GET", "/"): ALL,
    ("GET", "/api/summary"): ALL,
    ("GET", "/api/districts"): ALL,
    ("GET", "/dashboard"): ALL,  # the prioritised list only for READERS (test_dashboard)
    ("GET", "/api/dashboard"): ALL,
    ("GET", "/openapi.json"): ALL,
    ("GET", "/docs"): ALL,
    ("GET", "/docs/oauth2-redirect"): ALL,
    ("GET", "/redoc"): ALL,
    ("MOUNT", "/static"): ALL,
    ("GET", "/login"): ALL,
    ("GET", "/signin"): ALL,
    ("POST", "/login"): {**ALL, "anonymous": "deny"},  # anonymous has no password
    ("POST", "/logout"): ALL,
    ("GET", "/api/me"): ALL,
    ("GET", "/api/users"): {**dict.fromkeys(COLUMNS, "deny"), "admin": "allow"},
    ("GET", "/records"): {**STAFF, "donor": "allow"},  # donors: their funding
    ("GET", "/records/{kind}/new"): ENTRY,
    ("GET", "/api/local-id/{kind}"): ENTRY,  # the form's proposed local id
    ("POST", "/api/records/{kind}/check"): ENTRY,  # the form's checks before saving
    ("GET", "/records/{kind}/{record_id}"): STAFF,
    ("GET", "/records/{kind}/{record_id}/edit"): REVIEW,  # H1 is approved: locked for operators
    ("GET", "/review"): STAFF,
    ("GET", "/import"): ENTRY,
    ("GET", "/api/records/{kind}"): STAFF,
    ("GET", "/api/records/{kind}/{record_id}"): STAFF,
    ("GET", "/api/records/{kind}/{record_id}/history"): STAFF,
    ("GET", "/api/records/{kind}/{record_id}/diff"): STAFF,
    ("POST", "/api/records/{kind}"): ENTRY,
    ("PUT", "/api/records/{kind}/{record_id}"): ENTRY,
    ("POST", "/api/records/{kind}/{record_id}/submit"): ENTRY,
    ("POST", "/api/records/{kind}/{record_id}/approve"): REVIEW,
    ("POST", "/api/records/{kind}/{record_id}/reject"): REVIEW,
    ("POST", "/api/records/{kind}/{record_id}/revert"): REVIEW,
    ("GET", "/api/review"): STAFF,
    ("POST", "/api/review/{kind}/{step}"): REVIEW,  # approve by selection (hazards here)
    ("GET", "/api/export/{kind}"): STAFF,
    ("POST", "/api/import/{kind}"): ENTRY,
    ("GET", "/api/import/jobs/{job_id}"): {**NOBODY, "admin": "allow", "operator": "allow"},
    ("GET", "/ogc"): ALL,
    ("GET", "/ogc/conformance"): ALL,
    ("GET", "/ogc/api"): ALL,
    ("GET", "/ogc/collections"): ALL,
    ("GET", "/ogc/collections/{collection_id}"): ALL,
    ("GET", "/ogc/collections/{collection_id}/items"): POSITIONS,
    ("GET", "/ogc/collections/{collection_id}/items/{feature_id}"): POSITIONS,
    ("GET", "/map"): ALL,
    ("GET", "/api/map/{layer}"): ALL,  # positions by role: tests/test_map.py
}


PAGES = {
    "/records",
    "/records/{kind}/new",
    "/records/{kind}/{record_id}",
    "/records/{kind}/{record_id}/edit",
    "/review",
    "/import",
}
"""HTML pages: a refusal is a page saying so (the API answers the JSON error shape)."""

# the URL called for a route with path parameters ({FA1} etc. are ids made by ``fill``)
EXAMPLES: dict[tuple[str, str], str] = {
    ("GET", "/api/map/{layer}"): "/api/map/hazards?bbox=46,39,49,41&zoom=10",
    ("GET", "/records/{kind}/new"): "/records/hazards/new",
    ("GET", "/api/local-id/{kind}"): "/api/local-id/hazards?district=Aghdam",
    ("GET", "/records/{kind}/{record_id}"): "/records/hazards/{H1}",
    ("GET", "/records/{kind}/{record_id}/edit"): "/records/hazards/{H1}/edit",
    ("GET", "/api/records/{kind}"): "/api/records/hazards",
    ("GET", "/api/records/{kind}/{record_id}"): "/api/records/hazards/{H1}",
    ("GET", "/api/records/{kind}/{record_id}/history"): "/api/records/hazards/{H1}/history",
    ("GET", "/api/records/{kind}/{record_id}/diff"): "/api/records/hazards/{H1}/diff?from=1",
    ("GET", "/api/export/{kind}"): "/api/export/hazards?format=geojson",
    ("GET", "/ogc/collections/{collection_id}"): "/ogc/collections/hazards",
    ("GET", "/ogc/collections/{collection_id}/items"): "/ogc/collections/hazards/items",
    ("GET", "/ogc/collections/{collection_id}/items/{feature_id}"): (
        "/ogc/collections/finds/items/{FA1}"
    ),
}


def _flatten(routes: list[Any]) -> Iterator[Any]:
    """Routes, descending into routers that FastAPI keeps as included wholes."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _flatten(inner.routes)
        else:
            yield route


def app_routes(app: Any) -> set[tuple[str, str]]:
    found = set()
    for route in _flatten(app.routes):
        if isinstance(route, Mount):
            found.add(("MOUNT", route.path))
            continue
        for method in route.methods - {"HEAD"}:
            found.add((method, route.path))
    return found


def _call(
    app: Any, method: str, path: str, role: str, token: str | None, ids: dict[str, Any]
) -> Any:
    client = TestClient(app)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if method == "MOUNT":
        return client.get(f"{path}/vendor/leaflet/leaflet.js", headers=headers)
    if (method, path) in (("POST", "/login"), ("POST", "/logout")):
        csrf = client.get("/login").json()["csrf_token"]
        name = f"u_{role}" if token else "nobody"
        body = {"name": name, "password": f"pw-{role}-1"}
        return client.post(path, json=body, headers={"X-CSRF-Token": csrf})
    if (method, path) in WRITES:
        url, body = WRITES[(method, path)](ids["store"], role)
        if "import" in url and method == "POST":
            upload = {"file": ("h.geojson", io.BytesIO(json.dumps(body).encode()))}
            return client.post(url, files=upload, headers=headers)
        return client.request(method, url, json=body, headers=headers)
    url = EXAMPLES.get((method, path), path).format(**ids)
    assert "{" not in url, f"no value for a parameter of {path}"
    return client.request(method, url, headers=headers, follow_redirects=False)


_fresh = itertools.count(1)


def _hazard(store: Store, status: str) -> int:
    """A new hazard created by the operator's user (organisation Alpha) in ``status``."""
    n = next(_fresh)
    with store.session() as session:
        return Registry(session, user="u_operator").add(
            "hazards",
            {"local_id": f"AUTH-{n}", "kind": "SHA", "geometry": box(47.1, 40.1, 47.11, 40.105)},
            status=status,
        )


def _job(store: Store) -> int:
    """A finished import job started by the operator's user."""
    with store.session() as session:
        job = t.ImportJob(user_name="u_operator", kind="hazards", source="h.geojson")
        job.state, job.done, job.total = "done", 0, 0
        session.add(job)
        session.flush()
        return int(job.id)


def _new_values(role: str) -> dict[str, Any]:
    n = next(_fresh)
    return {
        "local_id": f"NEW-{role}-{n}",
        "kind": "SHA",
        "geometry": mapping(box(47.2, 40.1, 47.21, 40.105)),
    }


WRITES: dict[tuple[str, str], Callable[[Store, str], tuple[str, Any]]] = {
    ("POST", "/api/records/{kind}"): lambda store, role: (
        "/api/records/hazards",
        {"values": _new_values(role)},
    ),
    ("PUT", "/api/records/{kind}/{record_id}"): lambda store, role: (
        f"/api/records/hazards/{_hazard(store, 'draft')}",
        {"version": 1, "values": {"name": "renamed"}},
    ),
    ("POST", "/api/records/{kind}/{record_id}/submit"): lambda store, role: (
        f"/api/records/hazards/{_hazard(store, 'draft')}/submit",
        {"version": 1},
    ),
    ("POST", "/api/records/{kind}/{record_id}/approve"): lambda store, role: (
        f"/api/records/hazards/{_hazard(store, 'submitted')}/approve",
        {"version": 1},
    ),
    ("POST", "/api/records/{kind}/{record_id}/reject"): lambda store, role: (
        f"/api/records/hazards/{_hazard(store, 'submitted')}/reject",
        {"version": 1, "reason": "redraw the polygon"},
    ),
    ("POST", "/api/records/{kind}/check"): lambda store, role: (
        "/api/records/hazards/check",
        {"values": _new_values(role)},
    ),
    ("POST", "/api/review/{kind}/{step}"): lambda store, role: (
        "/api/review/hazards/approve",  # a dry run: counts, writes nothing
        {"dry_run": True, "district": "Aghdam"},
    ),
    ("POST", "/api/records/{kind}/{record_id}/revert"): lambda store, role: (
        f"/api/records/hazards/{_hazard(store, 'draft')}/revert",
        {"version": 1, "to_version": 1},
    ),
    ("GET", "/api/import/jobs/{job_id}"): lambda store, role: (  # a job of u_operator's
        f"/api/import/jobs/{_job(store)}",
        None,
    ),
    ("POST", "/api/import/{kind}"): lambda store, role: (
        "/api/import/hazards",
        {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "geometry": v.pop("geometry"), "properties": v}
                for v in [_new_values(role)]
            ],
        },
    ),
}


def _on_grid(geometry: dict[str, Any]) -> bool:
    if geometry["type"] != "Point":
        return False
    x, y = geometry["coordinates"]
    return round(x, 1) == x and round(y, 1) == y


def _judge(expected: str, response: Any, path: str) -> str | None:
    code = response.status_code
    if expected == "deny":
        to_signin = code == 303 and response.headers["location"].startswith("/signin")
        return None if code in (401, 403) or to_signin else f"expected 401/403, got {code}"
    if not 200 <= code < 300:
        return f"expected success, got {code}: {response.text[:200]}"
    if expected == "allow":
        return None
    body = response.json()
    features = body.get("features", [body])
    geoms = [shape(f["geometry"]) for f in features]
    if path.endswith("{feature_id}"):
        exact_ok = len(geoms) == 1 and geoms[0].equals_exact(FIND_A, 1e-9)
    else:
        truth = [H1, H2, H3, H_DRAFT]
        exact_ok = len(geoms) == 4 and all(
            g.equals_exact(h, 1e-9) for g, h in zip(geoms, truth, strict=True)
        )
    if expected == "exact":
        return None if exact_ok else "expected the exact geometry"
    if features and all(_on_grid(f["geometry"]) for f in features):
        return None
    return f"expected coarse points only, got {[f['geometry'] for f in features]}"


def test_the_table_names_every_route(store: Store) -> None:
    app = create_app(store.url)
    routes = app_routes(app)
    assert routes - set(TABLE) == set(), "routes missing from the authorisation table"
    assert set(TABLE) - routes == set(), "table rows for routes the app no longer has"
    for row in TABLE.values():
        assert set(row) == set(COLUMNS)


def test_every_route_for_every_role(store: Store) -> None:
    ids = fill(store)  # one user per role, each with a real API token
    ids["store"] = store
    app = create_app(store.url)
    failures = []
    for (method, path), row in sorted(TABLE.items()):
        for role in COLUMNS:
            token = None if role == "anonymous" else ids["tokens"][role]
            response = _call(app, method, path, role, token, ids)
            problem = _judge(row[role], response, path)
            if problem:
                failures.append(f"{method} {path} as {role}: {problem}")
            if response.status_code >= 400:  # pages answer an HTML page, the API the shape
                if response.headers["content-type"].startswith("text/html"):
                    assert path in PAGES, (method, path, role)
                else:
                    assert set(response.json()) == {"error"}, (method, path, role)
    assert failures == []


def test_the_judge_can_fail(store: Store) -> None:
    """The checks above are not vacuous: a coarse answer is not accepted as exact."""
    ids = fill(store)
    app = create_app(store.url)
    path = "/ogc/collections/{collection_id}/items"
    anonymous = _call(app, "GET", path, "anonymous", None, ids)
    assert _judge("exact", anonymous, path) is not None
    admin = _call(app, "GET", path, "admin", ids["tokens"]["admin"], ids)
    assert _judge("coarse", admin, path) is not None
    users = _call(app, "GET", "/api/users", "donor", ids["tokens"]["donor"], ids)
    assert _judge("allow", users, "/api/users") is not None
