"""What an import found: issues per row and field, and the totals by reason."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Issue:
    """One problem with one row (``row`` is the file's line or feature number)."""

    row: int | None
    field: str | None
    reason: str
    check: str
    value: Any = None
    fix: str | None = None
    severity: str = "error"  # "error" refuses the row; "warning" lets it in
    record: str | None = None
    column: str | None = None  # the file's column the field was read from, where it differs

    def __post_init__(self) -> None:
        if self.column == self.field:
            self.column = None

    def describe(self, unit: str = "row") -> str:
        where = f"{unit} {self.row}" if self.row is not None else "file"
        if self.record:
            where += f" ({self.record})"
        if self.field:
            where += f", field '{self.field}'"
            if self.column:
                where += f" (column '{self.column}')"
        text = f"{where}: {self.reason}"
        if self.value is not None and self.value != "":
            shown = repr(self.value)
            text += f" (value: {shown[:60] + '...' if len(shown) > 60 else shown})"
        if self.fix:
            text += f". {self.fix}"
        return text


@dataclass
class ImportReport:
    """The outcome of ``clearground import``; ``written`` is False for refusals and dry runs."""

    source: str
    kind: str
    unit: str = "row"
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    issues: list[Issue] = field(default_factory=list)
    dry_run: bool = False
    written: bool = False
    reject_file: str | None = None
    outside_districts: int = 0  # new records with a geometry that lies in no district

    @property
    def rejected_rows(self) -> list[int]:
        return sorted({i.row for i in self.issues if i.severity == "error" and i.row is not None})

    @property
    def file_errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error" and i.row is None]

    @property
    def warned_rows(self) -> list[int]:
        return sorted({i.row for i in self.issues if i.severity == "warning" and i.row is not None})

    @property
    def accepted(self) -> int:
        return 0 if self.file_errors else self.rows - len(self.rejected_rows)

    @property
    def ok(self) -> bool:
        return not self.rejected_rows and not self.file_errors

    def by_reason(self, severity: str) -> dict[str, int]:
        return dict(Counter(i.check for i in self.issues if i.severity == severity))

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "kind": self.kind,
            "rows": self.rows,
            "accepted": self.accepted,
            "rejected": len(self.rejected_rows),
            "warned": len(self.warned_rows),
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "dry_run": self.dry_run,
            "written": self.written,
            "reject_file": self.reject_file,
            "outside_districts": self.outside_districts,
            "rejected_by_reason": self.by_reason("error"),
            "warned_by_reason": self.by_reason("warning"),
            "issues": [asdict(i) | {"message": i.describe(self.unit)} for i in self.issues],
        }
