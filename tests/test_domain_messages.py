"""What a user reads when input is refused (domain/errors.py), the check of a controlled value
(domain/records.py check_choice) and how names are compared (domain/names.py): small, fast
tests, written so that the mutation run of those modules (bench/mutation.sh domain.errors,
domain.records, domain.names) has tests that notice a changed word, order or limit.
"""

from __future__ import annotations

import dataclasses
import pickle
from enum import StrEnum

import pytest

from clearground.domain.errors import (
    BadInput,
    ClearGroundError,
    NotFound,
    StaleVersion,
    TooLarge,
    WrongStatus,
)
from clearground.domain.names import fold
from clearground.domain.records import KindSpec, check_choice


def test_the_message_names_file_row_record_field_value_and_fix_in_that_order() -> None:
    err = BadInput(
        "not a date",
        field="info_date",
        value="31/02/2021",
        fix="Write dates as YYYY-MM-DD",
        record="HAZ-1",
        source="hazards.csv",
        row=7,
    )
    assert err.message == (
        "file hazards.csv, row 7, record HAZ-1, field 'info_date': not a date "
        "(value: '31/02/2021'). Write dates as YYYY-MM-DD"
    )
    assert str(err) == err.message


def test_the_message_leaves_out_what_is_not_known() -> None:
    assert BadInput("no rows").message == "no rows"
    assert BadInput("empty", row=0).message == "row 0: empty"  # row 0 is a row
    assert BadInput("bad", field="kind").message == "field 'kind': bad"
    assert BadInput("bad", value=0).message == "bad (value: 0)"  # 0 is a value
    assert BadInput("bad", value="").message == "bad (value: '')"
    assert BadInput("bad", value=None).message == "bad"
    assert BadInput("bad", fix="Do this").message == "bad. Do this"
    assert BadInput("bad", source="a.gpkg", record="R").message == "file a.gpkg, record R: bad"


def test_a_long_value_is_cut_to_80_characters() -> None:
    exact = "x" * 78  # repr adds two quotes: 80 characters, shown whole
    assert BadInput("bad", value=exact).message == f"bad (value: '{exact}')"
    longer = "x" * 79  # 81 with its quotes: 77 of them and three dots
    shown = repr(longer)[:77] + "..."
    assert len(shown) == 80
    assert BadInput("bad", value=longer).message == f"bad (value: {shown})"


def test_the_error_shape_and_exit_codes() -> None:
    err = NotFound("no such hazard", field="hazard", record="ACT-1", row=3, fix="Import it")
    assert err.to_dict() == {
        "code": "not_found",
        "message": "row 3, record ACT-1, field 'hazard': no such hazard. Import it",
        "field": "hazard",
        "record": "ACT-1",
        "row": 3,
        "fix": "Import it",
    }
    codes = {
        cls: (cls.code, cls.exit_code)
        for cls in (ClearGroundError, BadInput, TooLarge, WrongStatus, NotFound, StaleVersion)
    }
    assert codes == {
        ClearGroundError: ("internal_error", 1),
        BadInput: ("bad_input", 2),
        TooLarge: ("too_large", 2),
        WrongStatus: ("wrong_status", 2),
        NotFound: ("not_found", 2),
        StaleVersion: ("stale_version", 2),
    }
    assert issubclass(TooLarge, BadInput) and issubclass(BadInput, ClearGroundError)


def test_an_error_survives_pickling_whole() -> None:
    """An upload is read in a child process; its error must come back with every field."""
    err = TooLarge("too many rows", field="file", value=10, fix="Split it", source="a.csv", row=2)
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is TooLarge
    assert back.__dict__ == err.__dict__
    assert (
        str(back)
        == str(err)
        == "file a.csv, row 2, field 'file': too many rows (value: 10)" + (". Split it")
    )


class Colour(StrEnum):
    RED = "red"
    GREEN = "green"
    BLUE = "blue"


def test_a_controlled_value_is_kept_or_refused_with_the_nearest() -> None:
    assert check_choice("green", Colour, "colour") == "green"
    assert check_choice(Colour.BLUE, Colour, "colour") == "blue"
    assert check_choice("b", ("a", "b"), "letter") == "b"
    with pytest.raises(BadInput) as err:
        check_choice("Gren", Colour, "colour", "REC-1")
    e = err.value
    assert (e.field, e.value, e.record) == ("colour", "Gren", "REC-1")
    assert e.reason == "unknown value for colour"
    # difflib's ratio 2M/T of "gren": green 8/9, red 4/7 (both over the 0.4 cut-off, best
    # first), blue 2/8 (under it)
    assert e.fix == "Did you mean 'green' or 'red'? Allowed: red, green, blue"


def test_a_value_far_from_every_choice_gets_the_list_only() -> None:
    with pytest.raises(BadInput) as err:
        check_choice("zzzz", Colour, "colour")
    assert err.value.fix == "Allowed: red, green, blue"
    assert err.value.record is None


def test_several_near_choices_are_all_named() -> None:
    with pytest.raises(BadInput) as err:
        check_choice("mine", ("mined", "mines", "mine_area", "road", "minefield"), "kind")
    # ratios: mined and mines 8/9 (a tie, the later in sort order first), mine_area 8/13,
    # minefield 8/13 too but only three are named; road 0
    assert err.value.fix == "Did you mean 'mines' or 'mined' or 'minefield'? " + (
        "Allowed: mined, mines, mine_area, road, minefield"
    )


def test_a_choice_is_matched_exactly_but_suggested_case_blind() -> None:
    with pytest.raises(BadInput) as err:
        check_choice("RED", Colour, "colour")  # values are exact: "RED" is not "red"
    # suggested from "red": red 1, green 4/8 ("re"), blue 2/7 (under the cut-off)
    assert err.value.fix == "Did you mean 'red' or 'green'? Allowed: red, green, blue"


@pytest.mark.parametrize(
    ("given", "folded"),
    [
        ("Ağdam", "agdam"),
        ("  Füzuli ", "fuzuli"),
        ("Şuşa", "susa"),
        ("Cəbrayıl", "cabrayıl"),  # dotless ı is its own letter, not an i with a mark
        ("ƏLİ", "ali"),  # İ (U+0130) is I + U+0307 under NFKD: the mark goes
        ("Xocavənd\t", "xocavand"),
    ],
)
def test_names_fold_accents_case_and_schwa(given: str, folded: str) -> None:
    assert fold(given) == folded


def test_the_rules_of_a_kind_cannot_be_changed_in_place() -> None:
    """One ``KindSpec`` serves every request of the process (it is in the kind's descriptor):
    a caller changing it would change the rules for everyone."""
    spec = KindSpec(required=("name",))
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.required = ()  # type: ignore[misc]
    assert spec.required == ("name",)


def test_the_details_of_an_error_are_named_never_placed() -> None:
    """Only the reason comes by position; a field, value or fix passed by position (which
    could silently swap them) is a TypeError."""
    with pytest.raises(TypeError):
        BadInput("bad", "field")  # type: ignore[misc]
    assert BadInput("bad", field="f").field == "f"
