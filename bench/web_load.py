"""Benchmark: web load on the scale-N demo, against pygeoapi serving the same PostGIS table.

Three servers, in one run, with the same requests:

- Clearground on the SQLite demo (``clearground serve --workers W --threads T``, uvicorn),
- Clearground on the PostGIS demo (the same command),
- pygeoapi (the reference OGC API Features server, a bench-only dependency installed into its
  own virtual environment here) with its PostgreSQL provider serving Clearground's ``hazard``
  table of the same PostGIS database, run by gunicorn with W (sync) workers, its documented
  way.

Requests, from ``--clients`` concurrent connections (default 50) made by ``wrk`` (Debian's
package, installed here with apt-get when missing): random map views of a 1280 x 800 pixel
screen at zoom 11 to 14 (about 0.9 x 0.4 degrees down to 0.11 x 0.05 degrees), each centred
near (within a quarter of the view) a randomly chosen hazard of the demo,

- items: ``GET /ogc/collections/hazards/items?bbox=...&limit=100`` (pygeoapi:
  ``/collections/hazards/items?bbox=...&limit=100&f=json``), with the API token of an
  ``im_officer`` on Clearground so that both return exact geometries and the same properties;
- map layer: ``GET /api/map/hazards?bbox=...&zoom=...`` (Clearground only; skipped with a note
  when the route does not exist).

All servers are started together; the measurements alternate between them for ``--rounds``
rounds (default 3), so that other work on the machine weighs on each alike. Each measurement
is a warm-up (``--warmup`` seconds, other views) followed by ``--duration`` seconds; printed:
successful answers per second, p50 and p95 latency, errors (non-2xx answers, socket errors and
timeouts), mean answer size, CPU time of the server's own processes per answer, and the
ratio of throughput to pygeoapi's (above 1: faster); the table gives the median round.
Before loading, a sample of views is fetched once from every server to check that they serve
the same data (numberMatched must agree).

The demos are built once and cached (``--cache``, default ``bench/out/web_load``): the SQLite
file, and for PostGIS the database ``cg_web_load_<scale x 10>`` on the server of
CLEARGROUND_TEST_PG_URL plus a ``pg_dump`` of it in the cache folder, restored when the
server is a fresh one (as with bench/run.sh); ``--rebuild`` builds both again.

    python bench/web_load.py [--scale 5] [--clients 50] [--workers 2] [--threads 4]
                             [--rounds 3] [--duration 15] [--warmup 3] [--cache DIR]
                             [--rebuild] [--sqlite-only]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from clearground.store.database import Store
from clearground.web.ogc import COLLECTIONS

ROOT = Path(__file__).resolve().parents[1]
PYGEOAPI = ["pygeoapi==0.21.0", "gunicorn", "psycopg2-binary", "geoalchemy2"]
SCREEN_PX = (1280, 800)  # width, height of the map view
ZOOMS = (11, 12, 13, 14)
LIMIT = 100
VIEWS = 4000  # distinct views per request list (the list is cycled through)
CHECK_VIEWS = 30  # views fetched once from each server to check they agree


# ----------------------------------------------------------------------------- set-up


def find_wrk() -> str:
    """The path of ``wrk``, installed with apt-get when missing (needs root)."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("installing wrk (apt-get) ...", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "wrk"],
            env=env,
            check=False,
            stdout=subprocess.DEVNULL,
        )
        if not shutil.which("wrk"):
            subprocess.run(["apt-get", "update", "-qq"], env=env, check=True)
            subprocess.run(
                ["apt-get", "install", "-y", "-qq", "wrk"],
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            )
        found = shutil.which("wrk")
    if not found:
        raise SystemExit("this benchmark needs wrk: install it (Debian: apt-get install wrk)")
    return found


def pygeoapi_venv(cache: Path) -> Path:
    """A virtual environment with pygeoapi, gunicorn and the PostgreSQL driver (bench only)."""
    venv = cache / "venv-pygeoapi"
    py = venv / "bin" / "python"
    probe = [str(py), "-c", "import pygeoapi, gunicorn, psycopg2, geoalchemy2"]
    if py.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return venv
    print(f"installing {', '.join(PYGEOAPI)} into {venv} ...", flush=True)
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = subprocess.run(
        [str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check", *PYGEOAPI],
        capture_output=True,
        text=True,
    )
    if pip.returncode != 0:
        raise SystemExit(f"pip install failed:\n{pip.stdout}{pip.stderr}")
    return venv


def run_demo(db: str, scale: float, cache: Path) -> None:
    """Build the demo into ``db`` unless it already holds this one (``clearground demo``)."""
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "clearground",
            "demo",
            "--db",
            db,
            "--no-serve",
            "--scale",
            f"{scale:g}",
            "--truth",
            str(cache / "truth.gpkg"),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(f"  demo ready in {time.perf_counter() - started:.0f} s", flush=True)


def demo_scale(url: str) -> float | None:
    """The scale of the demo held in the database at ``url``, if it holds one."""
    store = Store(url)
    try:
        with store.engine.connect() as conn:
            value = conn.execute(
                text("SELECT value FROM setting WHERE key = 'demo_scale'")
            ).scalar()
    except Exception:  # no such table: not a Clearground database yet
        value = None
    finally:
        store.dispose()
    return float(value) if value is not None else None


def sqlite_demo(cache: Path, scale: float, rebuild: bool) -> str:
    path = cache / f"demo-{scale:g}.db"
    if rebuild:
        for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            p.unlink(missing_ok=True)
    print(f"SQLite demo at scale {scale:g}: {path}", flush=True)
    run_demo(str(path), scale, cache)
    return str(path)


def pg_bin(tool: str) -> str:
    found = shutil.which(tool)
    if found:
        return found
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/" + tool))
    if not versions:
        raise SystemExit(f"{tool} not found (PostgreSQL client tools)")
    return str(versions[-1])


def pg_demo(cache: Path, scale: float, rebuild: bool) -> str:
    """The URL of a PostGIS database holding the demo: reused, restored from the cached
    dump, or built (and then dumped for the next run)."""
    base = os.environ.get("CLEARGROUND_TEST_PG_URL")
    if not base:
        raise SystemExit(
            "set CLEARGROUND_TEST_PG_URL (bench/run.sh starts a server) or use --sqlite-only"
        )
    name = f"cg_web_load_{int(round(scale * 10))}"
    url = make_url(base).set(database=name)
    url_s = url.render_as_string(hide_password=False)
    dump = cache / f"demo-{scale:g}.pgdump"
    admin = create_engine(make_url(base).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        ).scalar()
        if rebuild or (exists and demo_scale(url_s) != scale):
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            exists = None
        if rebuild:
            dump.unlink(missing_ok=True)
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    print(f"PostGIS demo at scale {scale:g}: database {name}", flush=True)
    env = {**os.environ, "PGPASSWORD": url.password or ""}
    conn_args = [
        "-h",
        url.host or "127.0.0.1",
        "-p",
        str(url.port or 5432),
        "-U",
        url.username or "postgres",
    ]
    if not exists and dump.exists():
        started = time.perf_counter()
        subprocess.run(
            [pg_bin("pg_restore"), *conn_args, "-d", name, "--no-owner", "-j", "2", str(dump)],
            env=env,
            check=True,
        )
        print(f"  restored from {dump} in {time.perf_counter() - started:.0f} s", flush=True)
    if demo_scale(url_s) != scale:
        run_demo(url_s, scale, cache)
    if not dump.exists():
        subprocess.run(
            [pg_bin("pg_dump"), *conn_args, "-Fc", "-Z", "1", "-f", str(dump), name],
            env=env,
            check=True,
        )
    return url_s


def add_token(db: str) -> str:
    """A new ``im_officer`` user with an API token (reads exact geometries)."""
    name = f"bench-web-{os.getpid()}-{int(time.time())}"
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "clearground",
            "user",
            "add",
            name,
            "--role",
            "im_officer",
            "--token",
            "--db",
            db,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return out.strip().splitlines()[-1].split()[-1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ----------------------------------------------------------------------------- requests


def hazard_centres(db: str, n: int, seed: int) -> list[tuple[float, float]]:
    """Centres of the bounding boxes of ``n`` hazards drawn at random (degrees)."""
    url = db if "://" in db else f"sqlite:///{db}"
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT (min_x + max_x) / 2, (min_y + max_y) / 2 FROM hazard ORDER BY id")
        ).all()
    engine.dispose()
    rng = random.Random(seed)
    return [(float(x), float(y)) for x, y in rng.choices(rows, k=n)]


def view(centre: tuple[float, float], zoom: int, rng: random.Random) -> tuple[float, ...]:
    """The bbox (degrees) of a web-mercator map view of SCREEN_PX pixels at ``zoom``, its
    centre moved by up to a quarter of the view from ``centre``."""
    w = SCREEN_PX[0] * 360.0 / (256 * 2**zoom)
    h = SCREEN_PX[1] * 360.0 / (256 * 2**zoom) * math.cos(math.radians(centre[1]))
    x = centre[0] + rng.uniform(-0.25, 0.25) * w
    y = centre[1] + rng.uniform(-0.25, 0.25) * h
    return (round(x - w / 2, 5), round(y - h / 2, 5), round(x + w / 2, 5), round(y + h / 2, 5))


@dataclass(frozen=True)
class Views:
    boxes: list[tuple[float, ...]]
    zooms: list[int]

    def items(self, prefix: str, extra: str = "") -> list[str]:
        return [
            f"{prefix}?bbox={','.join(f'{v:g}' for v in b)}&limit={LIMIT}{extra}"
            for b in self.boxes
        ]

    def map_layer(self) -> list[str]:
        return [
            f"/api/map/hazards?bbox={','.join(f'{v:g}' for v in b)}&zoom={z}"
            for b, z in zip(self.boxes, self.zooms, strict=True)
        ]


def make_views(db: str, n: int, seed: int) -> Views:
    rng = random.Random(seed)
    centres = hazard_centres(db, n, seed)
    zooms = [rng.choice(ZOOMS) for _ in range(n)]
    return Views([view(c, z, rng) for c, z in zip(centres, zooms, strict=True)], zooms)


# ----------------------------------------------------------------------------- servers


@dataclass
class Server:
    name: str
    base: str  # http://host:port
    items_prefix: str
    items_extra: str
    headers: dict[str, str]
    proc: subprocess.Popen[bytes]
    has_map: bool = True


def wait_ready(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(
                f"server exited ({proc.returncode}); see {log}:\n" + log.read_text()[-3000:]
            )
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise SystemExit(f"server at {url} not ready after {timeout:.0f} s; see {log}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a server started here (its own process group: the master and its workers)."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@contextlib.contextmanager
def clearground(
    name: str, db: str, workers: int, threads: int, token: str, logs: Path
) -> Iterator[Server]:
    port = free_port()
    log = logs / f"{name}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "clearground",
                "serve",
                "--db",
                db,
                "--port",
                str(port),
                "--workers",
                str(workers),
                "--threads",
                str(threads),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            # the dashboard's start-up computation would compete with the first measurement
            env={**os.environ, "CLEARGROUND_DASHBOARD_WARMUP": "0"},
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(f"{base}/ogc", proc, log)
        yield Server(
            name,
            base,
            "/ogc/collections/hazards/items",
            "",
            {"Authorization": f"Bearer {token}"},
            proc,
        )
    finally:
        stop(proc)


def pygeoapi_config(pg_url: str, port: int, extent: tuple[float, ...]) -> dict[str, Any]:
    """A pygeoapi configuration publishing the ``hazard`` table as the collection hazards,
    with the properties Clearground gives an im_officer."""
    url = make_url(pg_url)
    data = {
        "host": url.host or "127.0.0.1",
        "port": url.port or 5432,
        "dbname": url.database,
        "user": url.username or "postgres",
        "search_path": ["public"],
    }
    if url.password:
        data["password"] = url.password
    return {
        "server": {
            "bind": {"host": "127.0.0.1", "port": port},
            "url": f"http://127.0.0.1:{port}",
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "language": "en-US",
            "cors": False,
            "pretty_print": False,
            "limits": {"default_items": LIMIT, "max_items": 10000},
            "map": {
                "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                "attribution": "OpenStreetMap",
            },
        },
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {
                "title": "Clearground benchmark",
                "description": "web load",
                "keywords": ["bench"],
                "keywords_type": "theme",
                "terms_of_service": "",
                "url": "http://localhost",
            },
            "license": {"name": "CC-BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"},
            "provider": {"name": "bench", "url": "http://localhost"},
            "contact": {"name": "bench"},
        },
        "resources": {
            "hazards": {
                "type": "collection",
                "title": "Hazards",
                "description": "Clearground hazard table",
                "keywords": ["hazards"],
                "extents": {
                    "spatial": {
                        "bbox": list(extent),
                        "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
                    }
                },
                "providers": [
                    {
                        "type": "feature",
                        "name": "PostgreSQL",
                        "data": data,
                        "id_field": "id",
                        "table": "hazard",
                        "geom_field": "geometry",
                        "properties": list(COLLECTIONS["hazards"].properties),
                    }
                ],
            }
        },
    }


@contextlib.contextmanager
def pygeoapi(
    pg_url: str, workers: int, cache: Path, logs: Path, extent: tuple[float, ...]
) -> Iterator[Server]:
    import yaml

    venv = pygeoapi_venv(cache)
    port = free_port()
    cfg = logs / "pygeoapi-config.yml"
    cfg.write_text(yaml.safe_dump(pygeoapi_config(pg_url, port, extent), sort_keys=False))
    openapi = logs / "pygeoapi-openapi.yml"
    env = {**os.environ, "PYGEOAPI_CONFIG": str(cfg), "PYGEOAPI_OPENAPI": str(openapi)}
    made = subprocess.run(
        [
            str(venv / "bin" / "pygeoapi"),
            "openapi",
            "generate",
            str(cfg),
            "--output-file",
            str(openapi),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    if made.returncode != 0:
        raise SystemExit(f"pygeoapi openapi generate failed ({cfg}):\n{made.stderr[-3000:]}")
    log = logs / "pygeoapi.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                str(venv / "bin" / "gunicorn"),
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{port}",
                "--timeout",
                "120",
                "pygeoapi.flask_app:APP",
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(f"{base}/collections/hazards?f=json", proc, log)
        yield Server(
            "pygeoapi-postgis",
            base,
            "/collections/hazards/items",
            "&f=json",
            {},
            proc,
            has_map=False,
        )
    finally:
        stop(proc)


# ----------------------------------------------------------------------------- load


@dataclass(frozen=True)
class Result:
    """One measurement: wrk's counts (``requests``: answers received, of which ``failed``
    were not 2xx/3xx; ``socket_errors``: connect, read, write errors and timeouts) and the CPU
    seconds used meanwhile by the server's own processes (not PostgreSQL's)."""

    requests: int
    seconds: float
    failed: int
    socket_errors: int
    p50_ms: float
    p95_ms: float
    bytes: int
    cpu_s: float = 0.0

    @property
    def rate(self) -> float:
        """Successful answers per second."""
        return (self.requests - self.failed) / self.seconds

    @property
    def errors(self) -> int:
        return self.failed + self.socket_errors

    @property
    def mean_kib(self) -> float:
        return self.bytes / max(self.requests, 1) / 1024

    @property
    def cpu_ms(self) -> float:
        """Server CPU milliseconds per answer."""
        return self.cpu_s * 1000 / max(self.requests, 1)


LUA = """
local paths = {%s}
local i = 0
request = function()
  i = i + 1
  if i > #paths then i = 1 end
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%d %%d %%d %%d %%d\\n", summary.requests,
    summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95), summary.bytes))
end
"""


def cpu_s(server: Server) -> float:
    """CPU seconds (user + system) used so far by the live processes of the server (its
    process group: the master and its workers; PostgreSQL's are not counted)."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:  # the process has gone
            continue
        if int(fields[2]) == server.proc.pid:  # fields after the name: state, ppid, pgrp
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def wrk_run(
    wrk: str, server: Server, paths: list[str], clients: int, seconds: float, folder: Path
) -> Result:
    script = folder / "paths.lua"
    script.write_text(LUA % ",".join(json.dumps(p) for p in paths))
    cmd = [
        wrk,
        "-t1",
        f"-c{clients}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "60s",
        "-s",
        str(script),
    ]
    for k, v in server.headers.items():
        cmd += ["-H", f"{k}: {v}"]
    cpu = cpu_s(server)
    out = subprocess.run([*cmd, server.base], capture_output=True, text=True, check=True).stdout
    cpu = cpu_s(server) - cpu
    found = re.search(r"^RESULT (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)$", out, re.M)
    if not found:
        raise SystemExit(f"cannot read wrk's output:\n{out}")
    n, us, failed, sock, p50, p95, size = (int(v) for v in found.groups())
    return Result(n, us / 1e6, failed, sock, p50 / 1000, p95 / 1000, size, cpu)


def fetch(server: Server, path: str) -> tuple[int, dict[str, Any] | None]:
    req = urllib.request.Request(server.base + path, headers=server.headers)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, None


def check_same(servers: dict[str, Server], views: Views) -> None:
    """Fetch a few views from every server: numberMatched must agree."""
    matched: dict[str, list[int]] = {}
    returned: dict[str, list[int]] = {}
    for name, s in servers.items():
        matched[name], returned[name] = [], []
        for path in views.items(s.items_prefix, s.items_extra)[:CHECK_VIEWS]:
            status, doc = fetch(s, path)
            if status != 200 or doc is None:
                raise SystemExit(f"{name}: GET {path} answered {status}")
            matched[name].append(int(doc.get("numberMatched", -1)))
            returned[name].append(len(doc["features"]))
    names = list(servers)
    agree = sum(len({matched[n][i] for n in names}) == 1 for i in range(CHECK_VIEWS))
    first = names[0]
    print(
        f"check on {CHECK_VIEWS} views: numberMatched agrees on {agree}/{CHECK_VIEWS} "
        f"across {', '.join(names)}; mean features returned "
        f"{sum(returned[first]) / CHECK_VIEWS:.1f}, mean matched "
        f"{sum(matched[first]) / CHECK_VIEWS:.1f}",
        flush=True,
    )
    if agree != CHECK_VIEWS:
        for i in range(CHECK_VIEWS):
            print("  view", i, {n: matched[n][i] for n in names})


KINDS = ("items", "map layer")


def paths_of(server: Server, kind: str, views: Views) -> list[str] | None:
    """The request paths of ``kind`` for ``server``; None where it has no such request."""
    if kind == "items":
        return views.items(server.items_prefix, server.items_extra)
    return views.map_layer() if server.has_map else None


def median(results: list[Result]) -> Result:
    """The measurement of median throughput (the lower middle one of an even number)."""
    ranked = sorted(results, key=lambda r: r.rate)
    return ranked[(len(ranked) - 1) // 2]


def table(results: dict[tuple[str, str], list[Result]], names: list[str]) -> None:
    base = "pygeoapi-postgis"
    rounds = max((len(v) for v in results.values()), default=0)
    print(
        f"\nmedian of {rounds} rounds (by ok/s); errors: all rounds; CPU: milliseconds per "
        "answer of the server's own processes (not PostgreSQL's)"
    )
    print(
        f"{'server':19} {'request':9} {'ok/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'errors':>6} "
        f"{'KiB/ans':>7} {'CPU ms':>6} {'x pygeoapi':>10}"
    )
    for kind in KINDS:
        ref = median(results[(base, kind)]) if results.get((base, kind)) else None
        for name in names:
            runs = results.get((name, kind))
            if not runs:
                print(f"{name:19} {kind:9} {'(none)':>7}")
                continue
            r = median(runs)
            errors = sum(x.errors for x in runs)
            ratio = f"{r.rate / ref.rate:10.2f}" if ref else f"{'-':>10}"
            print(
                f"{name:19} {kind:9} {r.rate:7.1f} {r.p50_ms:7.0f} {r.p95_ms:7.0f} {errors:6d} "
                f"{r.mean_kib:7.1f} {r.cpu_ms:6.1f} {ratio}"
            )


# ----------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2, help="server processes, each server")
    parser.add_argument(
        "--threads", type=int, default=4, help="Clearground's handler threads per process"
    )
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per measurement")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds before each")
    parser.add_argument("--rounds", type=int, default=3, help="measurements of each, alternated")
    parser.add_argument(
        "--cache",
        type=Path,
        default=ROOT / "bench" / "out" / "web_load",
        help="where the demos, pg_dump and pygeoapi's venv are kept",
    )
    parser.add_argument("--rebuild", action="store_true", help="build the demos again")
    parser.add_argument(
        "--sqlite-only",
        action="store_true",
        help="Clearground on SQLite only (no PostGIS, no pygeoapi)",
    )
    args = parser.parse_args()
    cache: Path = args.cache.resolve()
    logs = cache / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    wrk = find_wrk()

    sqlite_db = sqlite_demo(cache, args.scale, args.rebuild)
    pg_db = None if args.sqlite_only else pg_demo(cache, args.scale, args.rebuild)
    warm = make_views(sqlite_db, VIEWS, seed=1)
    views = make_views(sqlite_db, VIEWS, seed=2)
    xs = [c for b in views.boxes for c in (b[0], b[2])]
    ys = [c for b in views.boxes for c in (b[1], b[3])]
    extent = (min(xs), min(ys), max(xs), max(ys))
    print(
        f"input: scale-{args.scale:g} demo, "
        f"{len(views.boxes):,} map views of {SCREEN_PX[0]}x{SCREEN_PX[1]} px at zoom "
        f"{ZOOMS[0]}-{ZOOMS[-1]} over {extent[2] - extent[0]:.2f} x {extent[3] - extent[1]:.2f} "
        f"degrees; {args.clients} clients (wrk), {args.workers} worker processes per server "
        f"({args.threads} handler threads each for Clearground), "
        f"{args.warmup:g} s warm-up + {args.duration:g} s per measurement; "
        f"{os.cpu_count()} CPU cores shared by servers, database and load generator",
        flush=True,
    )
    names = ["clearground-sqlite"]
    if pg_db is not None:
        names += ["clearground-postgis", "pygeoapi-postgis"]
    tokens = {db: add_token(db) for db in (sqlite_db, pg_db) if db is not None}
    results: dict[tuple[str, str], list[Result]] = {}
    with contextlib.ExitStack() as stack:
        # all servers are up together (idle but one at a time), and the rounds alternate
        # between them, so that other work on the machine weighs on each alike
        up = [
            stack.enter_context(
                clearground(
                    names[0], sqlite_db, args.workers, args.threads, tokens[sqlite_db], logs
                )
            )
        ]
        if pg_db is not None:
            up.append(
                stack.enter_context(
                    clearground(names[1], pg_db, args.workers, args.threads, tokens[pg_db], logs)
                )
            )
            up.append(stack.enter_context(pygeoapi(pg_db, args.workers, cache, logs, extent)))
            check_same({s.name: s for s in up}, views)
        for s in up:
            if s.has_map and fetch(s, views.map_layer()[0])[0] == 404:
                print(f"{s.name}: /api/map/hazards answered 404 (not there yet): skipped")
                s.has_map = False
        plan = [
            (s, kind, paths_of(s, kind, views), paths_of(s, kind, warm))
            for kind in KINDS
            for s in up
        ]
        for server, _kind, _, warm_paths in plan:  # the first requests build caches
            if warm_paths is not None:
                wrk_run(wrk, server, warm_paths, args.clients, 2 * args.warmup, logs)
        for n in range(args.rounds):
            print(f"round {n + 1}/{args.rounds}", flush=True)
            for i in range(len(plan)):
                server, kind, paths, warm_paths = plan[(i + n) % len(plan)]
                if paths is None or warm_paths is None:
                    continue
                wrk_run(wrk, server, warm_paths, args.clients, args.warmup, logs)
                res = wrk_run(wrk, server, paths, args.clients, args.duration, logs)
                results.setdefault((server.name, kind), []).append(res)
                print(
                    f"  {server.name:19} {kind:9} {res.rate:7.1f} ok/s  p50 {res.p50_ms:6.0f} ms"
                    f"  p95 {res.p95_ms:6.0f} ms  errors {res.errors}  CPU "
                    f"{res.cpu_ms:.1f} ms/answer",
                    flush=True,
                )
    table(results, names)
    return 0


if __name__ == "__main__":
    sys.exit(main())
