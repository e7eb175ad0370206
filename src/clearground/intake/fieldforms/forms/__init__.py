"""The field forms as data: questions, choice lists and labels in English, Azerbaijani, Russian.

``build.py`` writes each form as an XLSForm (survey, choices and settings sheets) for ODK
Central or KoboToolbox; ``submissions.py`` reads the exports of the submissions. Both work
from the definitions here, so the forms, their exports and the import cannot drift apart.

Every question that records something names the model ``field`` it fills in the record kind
of its form (``Form.kind``) or, inside a repeat, of the repeat (``Question.kind``). Choice
lists of controlled fields are the model's vocabularies (``domain.enums``) value for value,
and the ordnance list is the catalogue (``domain.catalogue``) code for code: a vocabulary that
changes without its labels here fails at import time.

One idea a module: ``model`` (what a form is: questions, leaves, labels), ``choices`` (the
choice lists), ``shared`` (texts and questions the forms share), and one module per form:
``hazard_survey``, ``progress_report``, ``accident_report``.
"""

from clearground.intake.fieldforms.forms.accident_report import ACCIDENT_REPORT
from clearground.intake.fieldforms.forms.choices import (
    CHOICES,
    DISTRICT_NAMES,
    DISTRICTS,
    ORDNANCE_LABELS,
    OTHER,
    YES_NO,
)
from clearground.intake.fieldforms.forms.hazard_survey import HAZARD_SURVEY
from clearground.intake.fieldforms.forms.model import LANGUAGES, Form, L, Leaf, Question
from clearground.intake.fieldforms.forms.progress_report import PROGRESS_REPORT

FORMS: dict[str, Form] = {f.form_id: f for f in (HAZARD_SURVEY, PROGRESS_REPORT, ACCIDENT_REPORT)}
"""The field forms by their form id (also the KIND of ``clearground import``)."""

__all__ = [
    "ACCIDENT_REPORT",
    "CHOICES",
    "DISTRICTS",
    "DISTRICT_NAMES",
    "FORMS",
    "HAZARD_SURVEY",
    "LANGUAGES",
    "ORDNANCE_LABELS",
    "OTHER",
    "PROGRESS_REPORT",
    "YES_NO",
    "Form",
    "L",
    "Leaf",
    "Question",
]
