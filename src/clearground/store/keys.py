"""The key that signs session cookies: never in a table, where a reader of the data could
reach it, but in ``CLEARGROUND_SECRET``, or a file of mode 0600 that only the server's user
reads.

Where the file is: ``CLEARGROUND_SECRET_FILE`` if set; for a SQLite database, beside it
(``clearground.db.key``); for a server database, ``CLEARGROUND_SECRET_DIR`` (default
``~/.config/clearground``) holding one file per database. ``clearground rotate-key`` writes a
new key: every signed-in user must sign in again (servers read the key when they start).
"""

from __future__ import annotations

import hashlib
import os
import secrets
import time
from pathlib import Path

from sqlalchemy.engine import make_url

ENV = "CLEARGROUND_SECRET"


def key_path(url: str) -> Path:
    """The key file for the database at ``url`` (see the module docstring)."""
    given = os.environ.get("CLEARGROUND_SECRET_FILE")
    if given:
        return Path(given).expanduser()
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        db = Path(parsed.database or "")
        return db.with_name(db.name + ".key")
    folder = Path(
        os.environ.get("CLEARGROUND_SECRET_DIR") or Path.home() / ".config" / "clearground"
    ).expanduser()
    plain = parsed.set(password=None).render_as_string(hide_password=False)
    digest = hashlib.sha256(plain.encode()).hexdigest()[:20]
    return folder / f"{parsed.database or 'database'}-{digest}.key"


def _write(path: Path, key: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(key + "\n")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)  # atomic: a reader sees the old key or the new one


def session_key(url: str) -> str:
    """The key for ``url``: ``CLEARGROUND_SECRET``, else the key file, made on first use."""
    env = os.environ.get(ENV)
    if env:
        return env
    path = key_path(url)
    for _ in range(50):
        try:
            key = path.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            key = ""
        if len(key) >= 32:
            return key
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:  # the first process to create the file writes the key; the others read it
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            if key == "" and path.stat().st_size == 0:
                time.sleep(0.05)  # being written by another process
                continue
            _write(path, secrets.token_urlsafe(32))  # a damaged or short key: replaced
            continue
        key = secrets.token_urlsafe(32)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(key + "\n")
        return key
    raise RuntimeError(f"cannot read or make the session key in {path}")


def rotate_key(url: str) -> Path:
    """Write a new key for ``url``; returns the file. Sessions signed with the old key end."""
    path = key_path(url)
    _write(path, secrets.token_urlsafe(32))
    return path
