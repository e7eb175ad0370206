"""Field forms: XLSForms for ODK Collect / KoboToolbox and the import of their submissions.

``forms/`` defines the forms (questions, choices, labels in English, Azerbaijani and
Russian), ``build.py`` writes them as XLSForms, ``submissions.py`` reads ODK Central's and
KoboToolbox's CSV and JSON exports, ``importer.py`` turns submissions into records through
the shared checks. See docs/INTAKE.md, "Field forms".
"""

FORM_IDS = ("hazard_survey", "progress_report", "accident_report")
"""The forms' ids, also KINDs of ``clearground import`` (kept here so that checking a KIND
imports nothing else)."""
