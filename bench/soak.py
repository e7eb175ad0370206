"""Soak run: the memory of ``clearground serve`` under a long mix of requests must level off.

A centre's server runs for weeks. This runs ``clearground serve`` (one process, as the README
starts it) on the scale-N demo (SQLite) and sends it, from ``--clients`` threads for
``--minutes``, a mix of what users and QGIS ask for: the overview and dashboard pages and
their JSON, OGC items pages of up to 10,000 features at random offsets (exact, with an
``im_officer`` token, and coarse, anonymous), bbox views, record lists, a record's history,
and a GeoJSON export now and then. The server's resident memory (``VmRSS`` of its process,
from /proc) is sampled every ``--sample`` seconds.

Printed: a row per sample (minute, RSS MiB, answers so far, errors), then the floor of each
quarter of the run (its lowest sample: a heavy request lifts RSS for a while, the floor is
what the server keeps between them), the ratio of the last quarter's floor to the first's
(the baseline) and the growth of the floor over the second half as a share of the baseline.
Levelled off: under 5 %.

    python bench/soak.py [--scale 5] [--minutes 60] [--sample 60] [--clients 8] [--db FILE]

The demo is built once into ``bench/out/soak/demo-<scale>.db`` (``--db`` to use another).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "soak"
LEVEL = 0.05
"""Second-half growth below this share of the baseline counts as levelled off."""


def _cli(*args: str, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "clearground", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"clearground {' '.join(args)} failed:\n{proc.stderr[-2000:]}")
    return proc.stdout


def _demo(scale: float, given: str | None) -> Path:
    if given:
        return Path(given)
    OUT.mkdir(parents=True, exist_ok=True)
    db = OUT / f"demo-{scale:g}.db"
    if not db.exists():
        print(f"building the scale-{scale:g} demo into {db} ...", flush=True)
        _cli("demo", "--db", str(db), "--scale", str(scale), "--no-serve")
    return db


def _token(db: Path) -> str:
    name = f"soak-{os.getpid()}"
    out = _cli("user", "add", name, "--role", "im_officer", "--token", "--db", str(db))
    match = re.search(r"API token for \S+: (\S+)", out)
    if not match:
        raise SystemExit("no API token printed by 'clearground user add --token'")
    return match.group(1)


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Load:
    """Client threads sending the request mix until ``stop`` is set; counts answers."""

    def __init__(self, base: str, token: str, hazards: int, seed: int) -> None:
        self.base = base
        self.token = token
        self.hazards = max(hazards, 1)
        self.rng = random.Random(seed)
        self.answers = 0
        self.errors = 0
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def paths(self, rng: random.Random) -> list[tuple[str, bool]]:
        """One round of the mix: (path, with the token)."""
        off = rng.randrange(0, self.hazards)
        lon, lat = rng.uniform(46.4, 47.4), rng.uniform(39.4, 40.4)
        bbox = f"{lon:.3f},{lat:.3f},{lon + 0.3:.3f},{lat + 0.15:.3f}"
        return [
            ("/", False),
            ("/api/summary", False),
            ("/dashboard", False),
            ("/api/dashboard", True),
            (f"/ogc/collections/hazards/items?limit=10000&offset={off}", True),
            (f"/ogc/collections/hazards/items?limit=10000&offset={off}", False),
            (f"/ogc/collections/finds/items?bbox={bbox}&limit=1000", True),
            (f"/ogc/collections/hazards/items?bbox={bbox}&limit=100", False),
            (f"/api/records/hazards?limit=100&offset={off % 1000}", True),
            (f"/api/records/hazards/{1 + off}/history", True),
            ("/map", False),
        ]

    def fetch(self, path: str, auth: bool) -> None:
        req = urllib.request.Request(self.base + path)
        if auth:
            req.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(req, timeout=300) as answer:
                answer.read()
                ok = answer.status < 400
        except urllib.error.HTTPError as exc:
            exc.read()
            ok = exc.code == 404  # a history of an id that is not a hazard: fine
        except (urllib.error.URLError, OSError):
            ok = False
        with self.lock:
            self.answers += 1
            self.errors += 0 if ok else 1

    def run(self, seed: int) -> None:
        rng = random.Random(seed)
        rounds = 0
        while not self.stop.is_set():
            for path, auth in self.paths(rng):
                if self.stop.is_set():
                    return
                self.fetch(path, auth)
            rounds += 1
            if rounds % 20 == 0:  # now and then a whole export
                self.fetch("/api/export/hazards?format=geojson", True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=5.0)
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--sample", type=float, default=60.0, help="seconds between samples")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--db", default=None, help="an existing demo SQLite file")
    args = ap.parse_args()

    db = _demo(args.scale, args.db)
    token = _token(db)
    stats = json.loads(_cli("stats", "--db", str(db), "--json"))
    hazards = int(stats.get("hazards", {}).get("count", 0) or 0) or 3000
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "clearground", "serve", "--db", str(db), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 600
        while True:  # up when it serves a static file; the first figures take longer
            try:
                urllib.request.urlopen(base + "/static/cg.js", timeout=10).read()
                break
            except (urllib.error.URLError, OSError):
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("the server did not start within 600 s") from None
                time.sleep(0.5)
        load = Load(base, token, hazards, seed=2020)
        for path, auth in load.paths(random.Random(1)):  # warm-up: every request once
            load.fetch(path, auth)
        threads = [
            threading.Thread(target=load.run, args=(i,), daemon=True) for i in range(args.clients)
        ]
        for th in threads:
            th.start()
        print(
            f"soak: scale {args.scale:g} demo ({db.name}), {args.clients} clients, "
            f"{args.minutes:g} min, RSS every {args.sample:g} s",
            flush=True,
        )
        print(f"{'minute':>7} {'RSS MiB':>9} {'answers':>9} {'errors':>7}", flush=True)
        samples: list[float] = []
        start = time.monotonic()
        while time.monotonic() - start < args.minutes * 60:
            time.sleep(min(args.sample, max(0.0, args.minutes * 60 - (time.monotonic() - start))))
            rss = _rss_mib(server.pid)
            samples.append(rss)
            minute = (time.monotonic() - start) / 60
            print(f"{minute:7.1f} {rss:9.0f} {load.answers:9d} {load.errors:7d}", flush=True)
        load.stop.set()
        for th in threads:
            th.join(330)
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(30)
    if len(samples) < 3:
        raise SystemExit("too few samples: run longer or sample more often")
    print(verdict(samples))


def verdict(samples: list[float]) -> str:
    """The summary of a run's RSS samples (MiB). A heavy request lifts RSS for a while, so the
    floor of each quarter (its lowest sample: what the server holds between such requests) is
    what must level off; the baseline is the first quarter's floor."""
    n = len(samples)
    quarters = [samples[i * n // 4 : (i + 1) * n // 4] or samples[-1:] for i in range(4)]
    floors = [min(q) for q in quarters]
    baseline = floors[0]
    growth = (floors[3] - floors[1]) / baseline
    return "\n".join(
        [
            "floor (lowest RSS) per quarter, MiB: " + ", ".join(f"{f:.0f}" for f in floors),
            f"peak {max(samples):.0f} MiB; final {samples[-1]:.0f} MiB",
            f"ratio last quarter's floor / first quarter's floor (baseline): "
            f"{floors[3] / baseline:.2f}",
            f"growth of the floor over the second half: {growth:+.1%} of the baseline "
            f"({'levelled off' if growth < LEVEL else 'STILL GROWING'}; aim under {LEVEL:.0%})",
        ]
    )


if __name__ == "__main__":
    main()
