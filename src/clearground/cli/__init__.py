"""The command line (a stable contract: see DESIGN.md), one module per command group.

``options`` holds the app and what every command shares; each command module registers its
commands on the app when imported here, and none imports another command module.
"""

from __future__ import annotations

# the core commands first, then each group's, in the order ``--help`` lists them
from clearground.cli import core  # noqa: F401
from clearground.cli import accuracy, forms, planning, records, review, users  # noqa: F401
from clearground.cli.core import main, web_app_from_env
from clearground.cli.options import app

__all__ = ["app", "main", "web_app_from_env"]
