"""Controlled vocabularies (IMAS terms). Stored as their string values."""

from __future__ import annotations

from enum import StrEnum


class ReviewStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"


class LocationKind(StrEnum):
    COUNTRY = "country"
    REGION = "region"
    DISTRICT = "district"
    SETTLEMENT = "settlement"
    LANDMARK = "landmark"


class OrganisationKind(StrEnum):
    NATIONAL_AUTHORITY = "national_authority"
    OPERATOR = "operator"
    MILITARY_UNIT = "military_unit"
    COMMERCIAL = "commercial"
    NGO = "ngo"
    DONOR = "donor"
    GOVERNMENT = "government"


class AssetKind(StrEnum):
    MANUAL_TEAM = "manual_team"
    MACHINE = "machine"
    MDD = "mdd"
    EOD_TEAM = "eod_team"
    SURVEY_TEAM = "survey_team"


class DeviceCategory(StrEnum):
    """Categories counted by ``stats`` (keys of its ``devices`` object)."""

    AP_MINE = "ap_mine"
    AT_MINE = "at_mine"
    UXO = "uxo"
    AXO = "axo"
    IED = "ied"
    SUBMUNITION = "submunition"


class HazardKind(StrEnum):
    SHA = "SHA"
    CHA = "CHA"


class HazardStatus(StrEnum):
    OPEN = "open"
    IN_WORK = "in_work"
    CLOSED = "closed"


class Contamination(StrEnum):
    MINED_AREA = "mined_area"
    BATTLE_AREA = "battle_area"
    MIXED = "mixed"


class Blockage(StrEnum):
    ROAD = "road"
    AGRICULTURE = "agriculture"
    HOUSING = "housing"
    WATER = "water"
    INFRASTRUCTURE = "infrastructure"


class ActivityKind(StrEnum):
    NTS = "nts"
    TS = "ts"
    CLEARANCE = "clearance"
    EOD = "eod"
    BAC = "bac"
    QA_QC = "qa_qc"
    HANDOVER = "handover"


class ReleaseResult(StrEnum):
    """What an activity did to the land it worked (IMAS 07.11)."""

    CANCELLED = "cancelled"
    REDUCED = "reduced"
    CLEARED = "cleared"
    NONE = "none"


class Method(StrEnum):
    MANUAL = "manual"
    MECHANICAL = "mechanical"
    MDD = "mdd"
    MIXED = "mixed"
    SURVEY = "survey"


class Disposal(StrEnum):
    DESTROYED_IN_SITU = "destroyed_in_situ"
    REMOVED = "removed"
    DETONATED = "detonated"
    RENDERED_SAFE = "rendered_safe"


class AccidentKind(StrEnum):
    """IMAS 10.60: an accident happens at a demining workplace, an incident anywhere else."""

    ACCIDENT = "accident"
    INCIDENT = "incident"


class DatePrecision(StrEnum):
    """How much of a date is known (as IMSMA records it): the day, only the month or the
    year, or nothing. A date known to its month or year is stored as the span's first day."""

    DAY = "day"
    MONTH = "month"
    YEAR = "year"
    UNKNOWN = "unknown"


class VictimStatus(StrEnum):
    CIVILIAN = "civilian"
    MILITARY = "military"
    DEMINER = "deminer"


class Outcome(StrEnum):
    KILLED = "killed"
    INJURED = "injured"


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    UNKNOWN = "unknown"


class AgeGroup(StrEnum):
    CHILD = "child"
    ADULT = "adult"
    UNKNOWN = "unknown"


class BearingType(StrEnum):
    TRUE = "true"
    MAGNETIC = "magnetic"
    GRID = "grid"


class TaskStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


RELIABILITY_GRADES = {
    1: "confirmed",
    2: "probably true",
    3: "possibly true",
    4: "doubtful",
    5: "improbable",
    6: "not evaluated",
}
SOURCE_GRADES = ("A", "B", "C", "D", "E", "F")


class VisitKind(StrEnum):
    """Why a monitoring visit (IMAS 07.40) was made."""

    ROUTINE = "routine"
    UNANNOUNCED = "unannounced"
    FOLLOW_UP = "follow_up"  # after a visit that asked for corrective action
    PRE_ACCREDITATION = "pre_accreditation"


class VisitResult(StrEnum):
    """What a monitoring visit concluded (``domain/monitoring.py`` ties it to the findings)."""

    SATISFACTORY = "satisfactory"
    CORRECTIVE_ACTION = "corrective_action"
    WORK_SUSPENDED = "work_suspended"
