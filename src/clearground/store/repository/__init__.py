"""Writing and reading records: validation, derived columns, versions, history, revert.

Every write goes through ``Registry``. It checks a record against the domain's rules, derives
what must not be typed in (areas in m², bounding boxes, minefield-record geometry), and keeps
each version of the record whole in ``record_version``. An edit names the version it was
based on; if someone else saved in between, it is refused (``StaleVersion``) and nothing is
written.

One idea a module: ``registry`` (:class:`Registry`: checked, versioned writes and reads),
``columns`` (record kinds, their tables and columns, what only the registry sets, the
references), ``values`` (input text as column values), ``review`` (the review state machine),
``snapshots`` (versions as JSON and back), ``invariants`` (what a batch must respect together:
local ids, land release), ``bulk`` (COPY and executemany inserts).
"""

from clearground.store.repository.columns import (
    BBOX,
    DERIVED,
    REFERENCES,
    SERVER_SET,
    SYSTEM_COLUMNS,
    columns_of,
    kind_of,
    table_of,
)
from clearground.store.repository.invariants import RELEASING
from clearground.store.repository.registry import Registry, count
from clearground.store.repository.review import REVIEW_STEPS, review_step
from clearground.store.repository.snapshots import from_json_value, snapshot, to_json_value

__all__ = [
    "BBOX",
    "DERIVED",
    "REFERENCES",
    "RELEASING",
    "REVIEW_STEPS",
    "SERVER_SET",
    "SYSTEM_COLUMNS",
    "Registry",
    "columns_of",
    "count",
    "from_json_value",
    "kind_of",
    "review_step",
    "snapshot",
    "table_of",
    "to_json_value",
]
