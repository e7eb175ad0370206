"""Languages of the web interface: English, Azerbaijani, Russian.

Messages live in ``locale/*.yaml``, one file per part of the interface, each key holding its
text in every language (``{en: ..., az: ..., ru: ...}``). The language of a request comes
from ``?lang=xx`` (remembered in the ``lang`` cookie), then the cookie, then the browser's
``Accept-Language``; English otherwise. A key missing in a language falls back to English;
a test checks that none is missing. The names of the record kinds (``kind.NAME``) are their
descriptors' labels.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from importlib import resources

import yaml
from starlette.requests import Request

from clearground.store import kinds

KIND_PREFIX = "kind."
"""Messages ``kind.NAME`` are the kinds' labels, from their descriptors (``store/kinds.py``)."""
LAYER_PREFIX = "map.layer."
"""Messages ``map.layer.NAME`` missing here are a map layer's label (or its kind's)."""
FIELD_PREFIX = "field."
"""Messages ``field.NAME`` missing here are a kind's own field labels, from its descriptor."""
LANGUAGES: dict[str, str] = {"en": "English", "az": "Azərbaycanca", "ru": "Русский"}
DEFAULT = "en"


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """Every message: key -> language -> text."""
    merged: dict[str, dict[str, str]] = {}
    folder = resources.files("clearground") / "web" / "locale"
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if not entry.name.endswith(".yaml"):
            continue
        data = yaml.safe_load(entry.read_text(encoding="utf-8")) or {}
        for key, texts in data.items():
            if key in merged:
                raise ValueError(f"message '{key}' is defined twice (again in {entry.name})")
            merged[str(key)] = {str(k): str(v) for k, v in texts.items()}
    return merged


def language_of(request: Request) -> str:
    """The language to answer ``request`` in."""
    asked = request.query_params.get("lang") or request.cookies.get("lang")
    if asked in LANGUAGES:
        return asked
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return DEFAULT


def translator(lang: str) -> Callable[..., str]:
    """``_(key, **values)``: the message in ``lang`` with ``{name}`` fields filled in."""
    messages = catalogue()

    def _(key: str, **values: object) -> str:
        if key not in messages:
            if key.startswith(KIND_PREFIX):
                return kinds.label(key[len(KIND_PREFIX) :], lang) or key
            if key.startswith(FIELD_PREFIX):
                return kinds.field_label(key[len(FIELD_PREFIX) :], lang) or key
            if key.startswith(LAYER_PREFIX):
                return kinds.layer_label(key[len(LAYER_PREFIX) :], lang) or key
        texts: Mapping[str, str] = messages.get(key, {})
        text = texts.get(lang) or texts.get(DEFAULT) or key
        return text.format(**values) if values else text

    return _
