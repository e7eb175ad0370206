"""(being written: the maps part of the web interface)"""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
