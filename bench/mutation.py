"""Mutation testing of Clearground's rules with cosmic-ray (driven by bench/mutation.sh).

Each *target* is one source file (optionally only some of its functions) or one package (all
its modules) and the test files that guard it: every mutant of the target is tested with
those files only (``pytest -x``), so a run stays affordable on a small machine. Mutants are
made in a copy of the checkout (``bench/out/mutation/tree``), never in the checkout itself.

Commands (run with any Python 3.11; only ``report`` reads cosmic-ray's session files, with
the standard library's sqlite3):

    python bench/mutation.py list                     the targets
    python bench/mutation.py config NAME TREE PYTHON  write TREE/../NAME.toml, print its path
    python bench/mutation.py report NAME...           score per target, surviving mutants
    python bench/mutation.py forget-survivors NAME    test the survivors again (RETEST=1)

Operators: a deliberately small set, the kinds of slip a person makes — comparison flips
(``<`` / ``<=``, ``==`` / ``!=``, ``is`` / ``is not``, an order reversed), ``+``/``-`` and
``*``/``/`` swapped, ``&``/``|`` swapped (NumPy masks), ``and``/``or`` swapped, a condition
negated (``AddNot``), ``True``/``False`` swapped, a number changed (``NumberReplacer``), a
unary minus or ``not`` removed, a ``for`` loop that runs zero times, ``break``/``continue``
swapped. The other operators of cosmic-ray (bit shifts, powers, modulo, ``is`` against an
ordering, removed decorators...) mostly make code that fails at once and would only inflate
the score.
"""

from __future__ import annotations

import ast
import json
import shlex
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "mutation"

KEEP = {
    "core/ReplaceComparisonOperator_Eq_NotEq",
    "core/ReplaceComparisonOperator_NotEq_Eq",
    "core/ReplaceComparisonOperator_Lt_LtE",
    "core/ReplaceComparisonOperator_LtE_Lt",
    "core/ReplaceComparisonOperator_Gt_GtE",
    "core/ReplaceComparisonOperator_GtE_Gt",
    "core/ReplaceComparisonOperator_Lt_GtE",
    "core/ReplaceComparisonOperator_LtE_Gt",
    "core/ReplaceComparisonOperator_Gt_LtE",
    "core/ReplaceComparisonOperator_GtE_Lt",
    "core/ReplaceComparisonOperator_Is_IsNot",
    "core/ReplaceComparisonOperator_IsNot_Is",
    "core/ReplaceBinaryOperator_Add_Sub",
    "core/ReplaceBinaryOperator_Sub_Add",
    "core/ReplaceBinaryOperator_Mul_Div",
    "core/ReplaceBinaryOperator_Div_Mul",
    "core/ReplaceBinaryOperator_BitAnd_BitOr",
    "core/ReplaceBinaryOperator_BitOr_BitAnd",
    "core/ReplaceAndWithOr",
    "core/ReplaceOrWithAnd",
    "core/AddNot",
    "core/ReplaceTrueWithFalse",
    "core/ReplaceFalseWithTrue",
    "core/NumberReplacer",
    "core/ReplaceUnaryOperator_USub_UAdd",
    "core/ReplaceUnaryOperator_Delete_Not",
    "core/ZeroIterationForLoop",
    "core/ReplaceBreakWithContinue",
    "core/ReplaceContinueWithBreak",
}


@dataclass(frozen=True)
class Target:
    module: str  # path from the repository root: a module, or a package (all its modules)
    tests: tuple[str, ...]  # pytest arguments: the test files (and -k) that guard it
    functions: tuple[str, ...] = ()  # only these functions (prefix* allowed); () = all
    timeout: float = 120.0  # seconds for one mutant's tests


TARGETS: dict[str, Target] = {
    "domain.land_release": Target(
        "src/clearground/domain/land_release.py", ("tests/test_land_release.py",)
    ),
    "domain.geometry": Target(
        "src/clearground/domain/geometry.py",
        ("tests/test_geometry.py", "tests/test_land_release.py", "tests/test_minefield_record.py"),
    ),
    "domain.minefield_record": Target(
        "src/clearground/domain/minefield_record.py", ("tests/test_minefield_record.py",)
    ),
    "domain.records": Target(
        "src/clearground/domain/records.py",
        ("tests/test_domain_messages.py", "tests/test_monitoring.py", "tests/test_kinds.py"),
    ),
    "domain.names": Target("src/clearground/domain/names.py", ("tests/test_domain_messages.py",)),
    "domain.monitoring": Target(
        "src/clearground/domain/monitoring.py", ("tests/test_monitoring.py",)
    ),
    "domain.catalogue": Target("src/clearground/domain/catalogue.py", ("tests/test_store.py",)),
    "domain.sameness": Target("src/clearground/domain/sameness.py", ("tests/test_sameness.py",)),
    "domain.plain": Target("src/clearground/domain/plain.py", ("tests/test_plain.py",)),
    "domain.errors": Target("src/clearground/domain/errors.py", ("tests/test_domain_messages.py",)),
    "analysis.statistics": Target(
        "src/clearground/analysis/statistics.py",
        ("tests/test_statistics.py", "-k", "frame"),  # the hand-made frames, not the demo
        timeout=60.0,
    ),
    "analysis.forecast": Target(
        "src/clearground/analysis/forecast", ("tests/test_forecast.py",), timeout=60.0
    ),
    "analysis.prioritisation": Target(
        "src/clearground/analysis/prioritisation.py", ("tests/test_prioritisation.py",)
    ),
    "analysis.accuracy": Target(
        "src/clearground/analysis/accuracy", ("tests/test_accuracy.py",), timeout=180.0
    ),
    "store.repository": Target(
        "src/clearground/store/repository",
        ("tests/test_store.py", "tests/test_land_release.py", "tests/test_server_set_fields.py"),
        timeout=180.0,
    ),
    # the permission code: who reads and writes which rows
    "web.records.permissions": Target(
        "src/clearground/web/records.py",
        ("tests/test_read_isolation.py", "tests/test_authorisation.py"),
        functions=(
            "check_kind",
            "may_read_kind",
            "load_readable",
            "check_may_write",
            "check_may_edit",
            "check_may_review",
        ),
        timeout=240.0,
    ),
    # who may change which rows: imports and writes of another organisation's records
    "web.records.ownership": Target(
        "src/clearground/web/records.py",
        ("tests/test_ownership.py", "tests/test_read_isolation.py"),
        functions=(
            "check_owned_write",
            "check_owned_import",
        ),
        timeout=240.0,
    ),
    # the row rules every read path uses, and whose a record is (moved here from
    # web/records.py read_filter / owning_organisation)
    "store.access": Target(
        "src/clearground/store/access.py",
        ("tests/test_read_isolation.py", "tests/test_authorisation.py", "tests/test_ownership.py"),
        timeout=240.0,
    ),
}


# Surviving mutants that change nothing a caller can observe: (target, operator, a part of
# the mutated line, why). ``report`` marks them; a survivor not here nor in an annotation is
# a gap in the tests, to be killed by a new test.
EQUIVALENT: tuple[tuple[str, str, str, str], ...] = (
    (
        "domain.geometry",
        "core/ReplaceBinaryOperator_BitAnd_BitOr",
        "(keys[:, 0] == key[0]) | (keys[:, 1] == key[1])",
        "a geometry then measured in the equal-area projection centred on a neighbouring whole "
        "degree: equal-area wherever its centre, it differs only by the straight-edge error "
        "(under one part in a million for areas a few km across)",
    ),
    (
        "domain.geometry",
        "core/NumberReplacer",
        "areas_m2([geometry])[ -1]",
        "the array has one element: [0] and [-1] are the same",
    ),
    (
        "domain.geometry",
        "core/NumberReplacer",
        "if count == -1:",
        "the shortcut for no mines: without it the general path returns the same (0, 2) array",
    ),
    (
        "domain.geometry",
        "core/NumberReplacer",
        "@lru_cache(maxsize=",
        "the size of the cache of projections changes how often one is rebuilt, not what it gives",
    ),
    (
        "domain.geometry",
        "core/NumberReplacer",
        "Transformer.from_crs( 4327,",
        "EPSG:4327 is WGS 84 as a 3D geographic CRS: for 2D longitudes and latitudes the same "
        "transformation as from EPSG:4326",
    ),
    (
        "domain.geometry",
        "core/NumberReplacer",
        "np.zeros( 1, bool)",
        "for no geometry at all: a mask of one False instead of none; present.any() is False "
        "either way and the empty result is returned",
    ),
    (
        "store.access",
        "core/NumberReplacer",
        '(r.get("version") or 0) <= 1',
        "a row without a version (never written so: the registry sets 1) counts as version 0 "
        "or 1, both <= 1",
    ),
    (
        "store.access",
        "core/NumberReplacer",
        "for start in range(0, len(keys), 499)",
        "chunks of 500 taken every 499 keys overlap by one: the same dict comes back",
    ),
    (
        "domain.minefield_record",
        "core/ReplaceComparisonOperator_LtE_Lt",
        "if closure < max(CLOSURE_TOLERANCE_M, 0.01 * length)",
        "differs only when a traverse misses its first turning point by exactly the tolerance "
        "(1 m, or 1 % of the perimeter) to the last bit of a geodesic computation: a tie of "
        "floating point no form gives (the tests close and open traverses 0.1 m to 10 m either "
        "side of it)",
    ),
    (
        "domain.sameness",
        "core/ReplaceComparisonOperator_LtE_Lt",
        "hausdorff_distance(a, b) < tol",
        "differs only at a Hausdorff distance of exactly 1e-9 degrees (a square root landing "
        "exactly on the tolerance, with both vertex-by-vertex tests failing): a tie of floating "
        "point that no geometry of a file gives; not equivalent in principle, not killable in "
        "practice",
    ),
    (
        "domain.land_release",
        "core/NumberReplacer",
        "[record])[ -1]",
        "the list has one element: [0] and [-1] are the same",
    ),
    (
        "domain.land_release",
        "core/ReplaceTrueWithFalse",
        "zip(pairs[0], pairs[1], strict=False)",
        "STRtree.query returns two index arrays of equal length: strict never fires",
    ),
    (
        "domain.land_release",
        "core/ReplaceComparisonOperator_Gt_GtE",
        "if outside >= TOLERANCE_M2",
        "an area outside of exactly 1.0 m² (float equality after a UTM projection) cannot "
        "be built from coordinates",
    ),
    (
        "domain.land_release",
        "core/ReplaceComparisonOperator_Gt_GtE",
        "if overlap >= TOLERANCE_M2",
        "an overlap of exactly 1.0 m² (float equality after a UTM projection) cannot be "
        "built from coordinates",
    ),
    (
        "analysis.statistics",
        "core/ReplaceTrueWithFalse",
        "idx if isinstance(idx, tuple) else (idx,), strict=False",
        "a group's index has one value per key: the lengths always agree",
    ),
    (
        "analysis.statistics",
        "core/NumberReplacer",
        "return frame.iloc[",
        "iloc[1:0] and iloc[-1:0] are empty like iloc[0:0], whatever the frame's length",
    ),
    (
        "analysis.statistics",
        "core/NumberReplacer",
        'activities["team_days"].fillna( -1) > 0',
        "a missing team-day count fails > 0 whether it is read as 0 or as -1",
    ),
    (
        "analysis.statistics",
        "core/NumberReplacer",
        '"released_total_m2": round(sum(rel.values()), 2)',
        "the total adds figures already rounded to 0.1 m²: rounding it to 0.01 gives the same",
    ),
)


def annotation_spans(path: Path) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """(start, end) positions of every annotation in a module: with ``from __future__ import
    annotations`` they are never evaluated, so a mutant inside one is equivalent."""
    spans = []
    for node in ast.walk(ast.parse(path.read_text())):
        notes: list[ast.expr | None] = []
        if isinstance(node, ast.arg):
            notes.append(node.annotation)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            notes.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            notes.append(node.annotation)
        for n in notes:
            if n is not None and n.end_lineno is not None and n.end_col_offset is not None:
                spans.append(((n.lineno, n.col_offset), (n.end_lineno, n.end_col_offset)))
    return spans


def why_equivalent(name: str, op: str, changed: str, at: tuple[int, int], module: Path) -> str:
    for target, operator, part, why in EQUIVALENT:
        if target == name and operator == op and part in changed:
            return why
    if module.exists() and any(a <= at < b for a, b in annotation_spans(module)):
        return "in an annotation (never evaluated: from __future__ import annotations)"
    return ""


def function_lines(path: Path, names: tuple[str, ...]) -> list[str]:
    """Line ranges ``"first-last"`` of the top-level functions matching ``names``."""
    tree = ast.parse(path.read_text())
    out = []
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if any(node.name == n or (n.endswith("*") and node.name.startswith(n[:-1])) for n in names):
            out.append(f"{node.lineno}-{node.end_lineno}")
    if not out:
        raise SystemExit(f"no function of {names} in {path}")
    return out


def operators(cosmic_ray: str) -> list[str]:
    listed = subprocess.run([cosmic_ray, "operators"], capture_output=True, text=True, check=True)
    return [name for name in listed.stdout.split() if name.startswith("core/")]


def _toml(value: object) -> str:
    return json.dumps(value)  # JSON strings and arrays are valid TOML


def config(name: str, tree: Path, python: str, cosmic_ray: str) -> Path:
    """Write the cosmic-ray configuration of target ``name`` for the copy at ``tree``."""
    target = TARGETS[name]
    test = [
        "env",
        f"PYTHONPATH={tree / 'src'}",
        "CLEARGROUND_TEST_BACKEND=sqlite",
        python,
        "-m",
        "pytest",
        "-x",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:randomly",
        *target.tests,
    ]
    excluded = sorted(set(operators(cosmic_ray)) - KEEP)
    lines = [
        "[cosmic-ray]",
        f"module-path = {_toml(str(tree / target.module))}",
        f"timeout = {target.timeout}",
        "excluded-modules = []",
        f"test-command = {_toml(shlex.join(test))}",
        "",
        "[cosmic-ray.distributor]",
        'name = "local"',
        "",
        "[cosmic-ray.filters.operators-filter]",
        f"exclude-operators = {_toml(['^' + e.replace('/', '/') + '$' for e in excluded])}",
    ]
    if target.functions:
        ranges = function_lines(tree / target.module, target.functions)
        lines += [
            "",
            "[cosmic-ray.filters.line-filter.lines]",
            f"{_toml(str(tree / target.module))} = {_toml(ranges)}",
        ]
    path = OUT / f"{name}.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


def counts(session: Path) -> dict[str, int]:
    """Mutants by outcome in a cosmic-ray session: killed, survived, incompetent, skipped,
    pending."""
    db = sqlite3.connect(session)
    try:
        rows = db.execute(
            "SELECT r.worker_outcome, r.test_outcome FROM work_items w "
            "LEFT JOIN work_results r ON r.job_id = w.job_id"
        ).fetchall()
    finally:
        db.close()
    out = dict.fromkeys(("killed", "survived", "incompetent", "skipped", "pending", "error"), 0)
    for worker, test in rows:
        if worker is None:
            out["pending"] += 1
        elif worker == "SKIPPED":
            out["skipped"] += 1
        elif worker != "NORMAL":
            out["error"] += 1
        elif test == "KILLED":
            out["killed"] += 1
        elif test == "SURVIVED":
            out["survived"] += 1
        else:
            out["incompetent"] += 1
    return out


def survivors(session: Path) -> list[tuple[str, str, int, int, str, str]]:
    """(module file, operator, line, column, function, diff) of each surviving mutant."""
    db = sqlite3.connect(session)
    try:
        rows = db.execute(
            "SELECT m.module_path, m.operator_name, m.start_pos_row, m.start_pos_col, "
            "m.definition_name, r.diff FROM mutation_specs m "
            "JOIN work_results r ON r.job_id = m.job_id "
            "WHERE r.worker_outcome = 'NORMAL' AND r.test_outcome = 'SURVIVED' "
            "ORDER BY m.module_path, m.start_pos_row, m.start_pos_col, m.operator_name"
        ).fetchall()
    finally:
        db.close()
    return [
        (str(p), str(a), int(b), int(c), str(d or ""), str(e or "")) for p, a, b, c, d, e in rows
    ]


def _changed(diff: str) -> str:
    added = [
        d[1:].strip() for d in diff.splitlines() if d.startswith("+") and not d.startswith("+++")
    ]
    return " / ".join(added)


def report(names: list[str]) -> int:
    """Score per target (killed / tested, equivalents left out of both) and the survivors."""
    print(
        "| target | mutants tested | killed | survived | of which equivalent "
        "| timeouts/incompetent | score (equivalents excluded) |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    details = []
    for name in names:
        session = OUT / f"{name}.sqlite"
        if not session.exists():
            print(f"| {name} | not run | | | | | |")
            continue
        c = counts(session)
        package = (OUT / "tree" / TARGETS[name].module).is_dir()
        found = []
        for path, op, line, col, func, diff in survivors(session):
            changed = _changed(diff)
            module = Path(path)
            found.append(
                (
                    f"{name} ({module.name})" if package else name,
                    op,
                    line,
                    func,
                    changed,
                    why_equivalent(name, op, changed, (line, col), module),
                )
            )
        equivalent = sum(1 for f in found if f[-1])
        tested = c["killed"] + c["survived"] + c["incompetent"] + c["error"]
        real = tested - equivalent
        score = f"{100 * (c['killed'] + c['incompetent']) / real:.1f} %" if real else "-"
        pending = f" ({c['pending']} pending)" if c["pending"] else ""
        print(
            f"| {name} | {tested}{pending} | {c['killed']} | {c['survived']} | {equivalent} "
            f"| {c['incompetent'] + c['error']} | {score} |"
        )
        details += found
    if details:
        print("\nSurviving mutants:\n")
        for name, op, line, func, changed, why in details:
            verdict = f"equivalent: {why}" if why else "NOT KILLED"
            print(f"- {name} line {line} ({func or 'module'}) {op}: `{changed[:140]}` — {verdict}")
    return 0


def forget_survivors(name: str) -> int:
    """Drop the results of the surviving mutants of ``name``'s session, so that ``cosmic-ray
    exec`` tests them again (with the tests as they are now)."""
    db = sqlite3.connect(OUT / f"{name}.sqlite")
    try:
        gone = db.execute(
            "DELETE FROM work_results WHERE worker_outcome = 'NORMAL' AND test_outcome = 'SURVIVED'"
        ).rowcount
        db.commit()
    finally:
        db.close()
    print(f"{name}: {gone} surviving mutants to test again")
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["list"]:
        for name, target in TARGETS.items():
            print(name, target.module, " ".join(target.tests))
        return 0
    if argv[:1] == ["config"] and len(argv) == 5:
        print(config(argv[1], Path(argv[2]), argv[3], argv[4]))
        return 0
    if argv[:1] == ["forget-survivors"] and len(argv) == 2:
        return forget_survivors(argv[1])
    if argv[:1] == ["report"]:
        return report(argv[1:] or list(TARGETS))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
