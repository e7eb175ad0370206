"""Write the field forms of ``forms/`` as XLSForms (survey, choices, settings sheets).

The ``.xlsx`` files beside this script are its output, committed so that they can be
reviewed and downloaded; regenerate them after changing ``forms/``::

    python -m clearground.intake.fieldforms.build

``clearground forms export DIR`` writes the same files for upload to ODK Central or
KoboToolbox.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from clearground.intake.fieldforms.forms import CHOICES, FORMS, LANGUAGES, Form, L, Question

HERE = Path(__file__).parent
FIXED_TIME = dt.datetime(2025, 1, 1)
"""Stamped as the workbooks' creation time, so that regenerating them changes nothing."""

SURVEY_COLUMNS = [
    "type",
    "name",
    *(f"label::{lang}" for lang in LANGUAGES),
    *(f"hint::{lang}" for lang in LANGUAGES),
    "required",
    "constraint",
    *(f"constraint_message::{lang}" for lang in LANGUAGES),
    "relevant",
    "default",
    "appearance",
]
CHOICE_COLUMNS = ["list_name", "name", *(f"label::{lang}" for lang in LANGUAGES)]
SETTINGS_COLUMNS = ["form_id", "form_title", "version", "default_language", "instance_name"]


def _texts(text: L | None) -> list[str | None]:
    return list(text) if text is not None else [None] * len(LANGUAGES)


def survey_rows(form: Form) -> list[list[Any]]:
    """The survey sheet's rows (without the header)."""
    rows: list[list[Any]] = []

    def add(q: Question) -> None:
        kind = q.base_type
        if kind in ("group", "repeat"):
            rows.append(
                [f"begin_{kind}", q.name, *_texts(q.label), *_texts(q.hint)]
                + [None, None, *_texts(None), q.relevant, None, q.appearance]
            )
            for child in q.children:
                add(child)
            rows.append([f"end_{kind}"] + [None] * (len(SURVEY_COLUMNS) - 1))
            return
        rows.append(
            [q.type, q.name, *_texts(q.label), *_texts(q.hint)]
            + ["yes" if q.required else None, q.constraint, *_texts(q.constraint_message)]
            + [q.relevant, q.default, q.appearance]
        )

    for question in form.questions:
        add(question)
    return rows


def choice_rows(form: Form) -> list[list[Any]]:
    """The choices sheet's rows: every list the form uses."""
    return [
        [list_name, name, *label]
        for list_name in form.list_names()
        for name, label in CHOICES[list_name]
    ]


def settings_row(form: Form) -> list[Any]:
    return [form.form_id, form.title.en, form.version, LANGUAGES[0], form.instance_name]


def workbook(form: Form) -> Workbook:
    """The XLSForm of ``form`` as an openpyxl workbook."""
    book = Workbook()
    sheets = [
        ("survey", SURVEY_COLUMNS, survey_rows(form)),
        ("choices", CHOICE_COLUMNS, choice_rows(form)),
        ("settings", SETTINGS_COLUMNS, [settings_row(form)]),
    ]
    book.remove(book.active)  # type: ignore[arg-type]
    for title, header, rows in sheets:
        sheet = book.create_sheet(title)
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(row)
        sheet.freeze_panes = "A2"
        for column, name in zip(sheet.columns, header, strict=True):
            letter = column[0].column_letter
            width = max(len(str(c.value or "")) for c in column)
            sheet.column_dimensions[letter].width = min(max(width, len(name)) + 2, 60)
    book.properties.creator = "Clearground"
    book.properties.created = FIXED_TIME
    book.properties.modified = FIXED_TIME
    return book


def write_forms(directory: Path, form_ids: list[str] | None = None) -> list[Path]:
    """Write the XLSForms (all, or those named) into ``directory``; returns their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    out = []
    for form_id in form_ids or list(FORMS):
        path = directory / f"{form_id}.xlsx"
        workbook(FORMS[form_id]).save(path)
        out.append(path)
    return out


if __name__ == "__main__":
    for written in write_forms(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE):
        print(written)
