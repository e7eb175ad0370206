"""How names are compared: district, organisation and place names from different sources
(files, forms, the boundary data) spelled with or without accents and in any case."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lower-case, accents removed (Azerbaijani ``ə`` as ``a``), outer spaces trimmed."""
    nfkd = unicodedata.normalize("NFKD", text.replace("ə", "a").replace("Ə", "A"))
    return "".join(c for c in nfkd if not unicodedata.combining(c)).lower().strip()
