"""What a field form is: questions, groups and repeats, their leaves, labels in three languages.

Every question that records something names the model ``field`` it fills in the record kind
of its form (``Form.kind``) or, inside a repeat, of the repeat (``Question.kind``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

LANGUAGES = ("English (en)", "Azərbaycan (az)", "Русский (ru)")
"""Column suffixes of the translated columns (``label::English (en)``); English is default."""


class L(NamedTuple):
    """One text in the three languages of the forms."""

    en: str
    az: str
    ru: str


@dataclass(frozen=True)
class Question:
    """One row of the survey sheet; a ``group`` or ``repeat`` holds ``children``."""

    type: str
    name: str
    label: L | None = None
    hint: L | None = None
    required: bool = False
    constraint: str | None = None
    constraint_message: L | None = None
    relevant: str | None = None
    default: str | None = None
    appearance: str | None = None
    field: str | None = None
    """The model field (or reference name, e.g. ``location``) the answer fills."""
    kind: str | None = None
    """For a repeat: the record kind of each of its items (``finds``, ``victims``)."""
    children: tuple[Question, ...] = ()

    @property
    def list_name(self) -> str | None:
        """The choice list of a ``select_one``/``select_multiple`` question."""
        parts = self.type.split()
        return parts[1] if len(parts) == 2 and parts[0].startswith("select_") else None

    @property
    def base_type(self) -> str:
        return self.type.split()[0]


@dataclass(frozen=True)
class Leaf:
    """A question that holds a value, with where it stands in the form."""

    path: tuple[str, ...]
    """Names of the groups and repeats above it, then its own name."""
    question: Question
    repeat: Question | None = None
    """The repeat it belongs to, if any (then ``path`` starts with the repeat's path)."""

    @property
    def name(self) -> str:
        return self.question.name

    @property
    def inner_path(self) -> tuple[str, ...]:
        """The path below its repeat (the whole path outside repeats)."""
        if self.repeat is None:
            return self.path
        return self.path[self.path.index(self.repeat.name) + 1 :]


@dataclass(frozen=True)
class Form:
    form_id: str
    title: L
    kind: str
    """The record kind one submission makes."""
    version: str
    instance_name: str
    questions: tuple[Question, ...]
    children: tuple[str, ...] = field(default=())
    """Record kinds made by the repeats, in the order they are written."""

    def leaves(self) -> Iterator[Leaf]:
        """Every question holding a value, depth first, with its path."""

        def walk(
            questions: tuple[Question, ...], path: tuple[str, ...], repeat: Question | None
        ) -> Iterator[Leaf]:
            for q in questions:
                if q.base_type in ("group", "repeat"):
                    inner = q if q.base_type == "repeat" else repeat
                    yield from walk(q.children, (*path, q.name), inner)
                else:
                    yield Leaf((*path, q.name), q, repeat)

        return walk(self.questions, (), None)

    def repeats(self) -> list[tuple[tuple[str, ...], Question]]:
        """The repeats with their paths."""
        out: list[tuple[tuple[str, ...], Question]] = []

        def walk(questions: tuple[Question, ...], path: tuple[str, ...]) -> None:
            for q in questions:
                if q.base_type == "repeat":
                    out.append(((*path, q.name), q))
                if q.children:
                    walk(q.children, (*path, q.name))

        walk(self.questions, ())
        return out

    def list_names(self) -> list[str]:
        names = [leaf.question.list_name for leaf in self.leaves()]
        return list(dict.fromkeys(n for n in names if n))
