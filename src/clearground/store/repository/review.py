"""The review state machine: which review steps a record may take, and what a step sets."""

from __future__ import annotations

from typing import Any

from clearground.domain.errors import BadInput, WrongStatus
from clearground.domain.records import REVIEW_STATUSES, check_choice

REVIEW_STEPS: dict[str, frozenset[str]] = {
    "draft": frozenset({"submitted"}),
    "submitted": frozenset({"approved", "rejected"}),
    "approved": frozenset({"rejected", "submitted"}),  # submitted: changed by a re-import
    "rejected": frozenset({"draft", "submitted"}),  # draft: corrected by its author
}
"""The review state machine: draft -> submitted -> approved | rejected -> corrected (draft)
-> submitted. New records start as drafts (entry) or submitted (imports)."""


def review_step(
    current: str, new: str, reason: str | None = None, record: str | None = None
) -> dict[str, Any]:
    """The columns a review step from ``current`` to ``new`` sets; ``WrongStatus`` if
    :data:`REVIEW_STEPS` does not allow it. Staying in a status is not a step (a changed
    submitted record stays submitted)."""
    new = check_choice(new, REVIEW_STATUSES, "review_status", record)
    if new != current and new not in REVIEW_STEPS.get(current, frozenset()):
        allowed = sorted(REVIEW_STEPS.get(current, frozenset()))
        raise WrongStatus(
            f"a {current} record cannot become {new}",
            field="review_status",
            record=record,
            fix=f"From {current} it can become {' or '.join(allowed) or 'nothing else'}",
        )
    if new == "rejected" and not (reason or "").strip():
        raise BadInput(
            "a rejection needs a reason", field="rejection_reason", fix="Say what must be corrected"
        )
    return {"review_status": new, "rejection_reason": reason if new == "rejected" else None}
