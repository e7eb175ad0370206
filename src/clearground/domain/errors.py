"""Errors of the domain and store layers, each carrying what a field officer needs to act."""

from __future__ import annotations


class ClearGroundError(Exception):
    """Base of every error Clearground raises on purpose.

    ``exit_code`` is what the command line returns: 2 for bad input, 1 for internal errors.
    """

    exit_code = 1
    code = "internal_error"


class BadInput(ClearGroundError):
    """Input that cannot be accepted; nothing was written."""

    exit_code = 2
    code = "bad_input"

    def __init__(
        self,
        reason: str,
        *,
        field: str | None = None,
        value: object = None,
        fix: str | None = None,
        record: str | None = None,
        source: str | None = None,
        row: int | None = None,
    ) -> None:
        self.reason = reason
        self.field = field
        self.value = value
        self.fix = fix
        self.record = record
        self.source = source
        self.row = row
        super().__init__(self.message)

    @property
    def message(self) -> str:
        where = []
        if self.source:
            where.append(f"file {self.source}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.record:
            where.append(f"record {self.record}")
        if self.field:
            where.append(f"field '{self.field}'")
        text = ", ".join(where)
        text = f"{text}: {self.reason}" if text else self.reason
        if self.value is not None:
            shown = repr(self.value)
            if len(shown) > 80:
                shown = shown[:77] + "..."
            text += f" (value: {shown})"
        if self.fix:
            text += f". {self.fix}"
        return text

    def __reduce__(self) -> tuple[object, ...]:
        # keyword-only fields survive pickling (an upload is read in a child process)
        return (_rebuild, (type(self), dict(self.__dict__)))

    def to_dict(self) -> dict[str, object]:
        """The error as the JSON error shape used by the CLI and the API."""
        return {
            "code": self.code,
            "message": self.message,
            "field": self.field,
            "record": self.record,
            "row": self.row,
            "fix": self.fix,
        }


def _rebuild(cls: type[BadInput], state: dict[str, object]) -> BadInput:
    exc = cls.__new__(cls)
    exc.__dict__.update(state)
    Exception.__init__(exc, exc.message)
    return exc


class TooLarge(BadInput):
    """An input beyond a size limit (bytes, rows, vertices, memory or time to read it)."""

    code = "too_large"


class WrongStatus(BadInput):
    """A review step the state machine does not have (approving a draft, say)."""

    code = "wrong_status"


class NotFound(BadInput):
    """A record that was referred to does not exist."""

    code = "not_found"


class StaleVersion(BadInput):
    """An edit was based on a version that is no longer the current one."""

    code = "stale_version"
