"""Request bodies over a size limit are refused with 413 ``too_large`` before they are parsed.

:class:`BodyLimit` is a pure ASGI middleware around the whole app. Two classes of request:

- **imports**: ``multipart/form-data`` to ``/api/import/...``; at most the upload limit
  (``CLEARGROUND_UPLOAD_MAX_MB``, :attr:`clearground.intake.safety.Limits.upload_bytes`,
  default 512 MiB) plus :data:`FORM_SLACK_BYTES` for the mapping file, the form fields and the
  multipart framing. Starlette's form parser spools each file part to a temporary file past
  1 MiB, so an import is streamed to disk, never held in memory whole;
- **everything else** (JSON bodies of the API and the pages): at most
  ``CLEARGROUND_JSON_MAX_MB``, default :data:`JSON_MAX_MB` MiB.

A ``Content-Length`` over the limit is answered at once, without reading the body. A body
without one (chunked) is counted as it is read; once past the limit the app's reading stops
and the answer is 413, whatever the app would have said. The answer has the one JSON error
shape (``auth.error_body``) with the code ``too_large``.
"""

from __future__ import annotations

import json
from typing import Any

from clearground.domain.errors import BadInput
from clearground.intake.safety import MIB, Limits, env_number
from clearground.web.auth import error_body

JSON_ENV = "CLEARGROUND_JSON_MAX_MB"
JSON_MAX_MB = 8
"""The default limit of a body that is not an import, in MiB. The largest legitimate one is
the entry form's hazard outline: a polygon may have up to 100,000 vertices
(``CLEARGROUND_MAX_VERTICES``), which the browser sends as GeoJSON at about 39 bytes a vertex
(two 17-digit numbers, brackets and commas): about 3.9 MB, with the record's other fields
(a minefield record's rows of mines and lanes are tens of kB). 8 MiB leaves twice that, yet
refuses a body of tens of MB before it is read and parsed."""
FORM_SLACK_BYTES = 1 * MIB
"""Room in an import's body beyond the file's own limit: the mapping YAML, the form fields
(``dry_run``, ``skip_invalid``, ``background``) and the multipart boundaries and headers."""
IMPORT_PREFIX = "/api/import/"


class BodyTooLarge(Exception):
    """Raised from ``receive`` once a body is past its limit: the app's reading stops."""


def _path(scope: Any) -> str:
    path: str = scope.get("path", "")
    root: str = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    return path


def _header(scope: Any, name: bytes) -> str:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return ""


def limit_for(scope: Any) -> tuple[int, str]:
    """(the body limit in bytes, what it limits) for the request of ``scope``."""
    multipart = _header(scope, b"content-type").lower().startswith("multipart/form-data")
    if multipart and _path(scope).startswith(IMPORT_PREFIX):
        upload = Limits.from_env().upload_bytes
        return upload + FORM_SLACK_BYTES, f"the upload is larger than {upload // MIB} MiB"
    limit = env_number(JSON_ENV, JSON_MAX_MB, MIB)
    return limit, f"the request body is larger than {limit // MIB} MiB (set by {JSON_ENV})"


class BodyLimit:
    """ASGI middleware refusing a request body over its limit with 413 (see the module)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            limit, message = limit_for(scope)
        except BadInput as exc:  # a malformed setting: say so rather than take no limit
            await _answer(send, 500, error_body(exc.code, exc.message, exc.field))
            return
        declared = _header(scope, b"content-length").strip()
        if declared.isdigit() and int(declared) > limit:
            await _answer(send, 413, error_body("too_large", message))
            return
        seen = 0
        over = False
        started = False

        async def counted() -> Any:
            nonlocal seen, over
            got = await receive()
            if got["type"] == "http.request":
                seen += len(got.get("body", b""))
                if seen > limit:
                    over = True
                    raise BodyTooLarge(message)
            return got

        async def guarded(reply: Any) -> None:
            nonlocal started
            if over:
                return  # the app's answer to a cut-off body is replaced by the 413 below
            if reply["type"] == "http.response.start":
                started = True
            await send(reply)

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            if not over:
                raise
        if over and not started:
            await _answer(send, 413, error_body("too_large", message))


async def _answer(send: Any, status: int, body: dict[str, Any]) -> None:
    data = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(data)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})
