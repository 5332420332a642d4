"""Import fuzzing: malformed files of every kind, through the import functions the upload pages
and the commands call. The only exception allowed is the import's own refusal, and a refused file
has written nothing, not even a row flushed before the refusal.

The suite runs 2,000 files per kind; `make fuzz` (IMPORT_FUZZ_PROFILE=full) runs 10,000.
Each file is rolled back to a savepoint, so the database only ever holds the set-up rows.
"""

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.csvimport import ImportRefused
from app.import_history import DataImport
from app.mentoring.imports import import_mentoring
from app.mentoring.models import MentoringRelationship
from app.recruitment.imports import import_panels, import_recruitment
from app.recruitment.models import Applicant, Application, Panel, PanelMember, Vacancy
from app.survey.imports import import_survey
from app.survey.models import SurveyResult
from app.workforce import services as workforce
from app.workforce.models import Staff
from tests.conftest import EXAMPLES

_COMMON = {
    "deadline": None,
    "database": None,
    "derandomize": True,
    "suppress_health_check": [
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
}
# Each example is FILES files, so the engine's own work is shared: 400 examples are 2,000 files.
FILES = 5
settings.register_profile("import-fuzz-suite", max_examples=400, **_COMMON)
settings.register_profile("import-fuzz-full", max_examples=2000, **_COMMON)
settings.register_profile("import-fuzz-smoke", max_examples=40, **_COMMON)
PROFILE = settings.get_profile(f"import-fuzz-{os.environ.get('IMPORT_FUZZ_PROFILE', 'suite')}")

IMPORTS = {
    "staff": (workforce.import_staff, "staff.csv"),
    "recruitment": (import_recruitment, "recruitment.csv"),
    "panels": (import_panels, "panels.csv"),
    "mentoring": (import_mentoring, "mentoring.csv"),
    "survey": (import_survey, "survey.csv"),
    "staff-pay": (workforce.import_staff, "staff_pay.csv"),  # the pay gap's optional columns
}
WATCHED = (
    Staff,
    DataImport,
    Vacancy,
    Applicant,
    Application,
    Panel,
    PanelMember,
    MentoringRelationship,
    SurveyResult,
)

# Values an attacker or a broken export would put in a cell.
NASTY = st.sampled_from(
    [
        "",
        "\r\n",
        "V-1\r\nBcc: victim@example.org",
        "\x00",
        "a\x00b",
        "\x85",
        "\u2028",
        "²",
        "٣",
        "'",
        '"',
        '"unterminated',
        "=1+1",
        "<script>alert(1)</script>",
        "x" * 300,
        "9" * 40,
        "-1",
        "1e309",
        "2026-02-30",
        "31/12/9999",
        "00-Jan-0000",
        "\ufeff",
        "\ud7ff",
        "Y",
        "N",
        "Band 8a",
        "VSM",
        "A",
        "99",
        "chair",
        "interview",
        "shortlisting",
        "mentoring",
    ]
)
CELL = st.one_of(NASTY, st.text(max_size=40), st.text(alphabet=',"\r\n ', max_size=6))
RAW = st.binary(max_size=60)


@st.composite
def malformed(draw, example: bytes) -> bytes:
    """The example file, broken in a few of the ways real and hostile files are broken."""
    lines = example.split(b"\n")
    for _ in range(draw(st.integers(1, 4))):
        how = draw(st.sampled_from(["cell", "cell", "bytes", "cut", "line", "header", "huge"]))
        index = draw(st.integers(0, max(0, len(lines) - 1)))
        if how == "cell":
            cells = lines[index].split(b",")
            at = draw(st.integers(0, max(0, len(cells) - 1)))
            cells[at] = draw(CELL).encode("utf-8", "surrogatepass")
            lines[index] = b",".join(cells)
        elif how == "bytes":
            at = draw(st.integers(0, len(lines[index])))
            lines[index] = lines[index][:at] + draw(RAW) + lines[index][at:]
        elif how == "cut":
            joined = b"\n".join(lines)
            lines = joined[: draw(st.integers(0, len(joined)))].split(b"\n")
        elif how == "line":
            lines.insert(index, draw(st.sampled_from(lines)) if lines else b"")
        elif how == "header":
            cells = lines[0].split(b",")
            at = draw(st.integers(0, max(0, len(cells) - 1)))
            cells[at] = draw(st.sampled_from([b"", b"staff_number", b"stage", b"\x00", b'"']))
            lines[0] = b",".join(cells)
        else:
            lines.insert(index, b"x," + b'"' + b"y" * draw(st.sampled_from([150_000, 140_000])))
    return b"\n".join(lines)


# One query for every watched table: it runs after each refused file.
_COUNTS = select(*(select(func.count()).select_from(model).scalar_subquery() for model in WATCHED))


def _counts(db) -> tuple[int, ...]:
    return tuple(db.session.execute(_COUNTS).one())


def _fuzz(db, organisation, kind: str) -> int:
    apply, example_name = IMPORTS[kind]
    example = (EXAMPLES / example_name).read_bytes()
    # Files that refer to staff and vacancies need them there to refer to.
    for needed in {
        "staff": [],
        "staff-pay": [],
        "survey": [],
        "panels": ["staff", "recruitment"],
    }.get(kind, ["staff"]):
        IMPORTS[needed][0](
            organisation, (EXAMPLES / IMPORTS[needed][1]).read_bytes(), "setup.csv", "test"
        )
    db.session.commit()
    before = _counts(db)
    tried = []

    @PROFILE
    @given(st.lists(st.one_of(malformed(example), RAW), min_size=FILES, max_size=FILES))
    def check(files: list[bytes]) -> None:
        for data in files:
            tried.append(1)
            savepoint = db.session.begin_nested()
            try:
                apply(organisation, data, "fuzz.csv", "test")
            except ImportRefused as refused:
                assert refused.problems
                assert _counts(db) == before, "a refused file wrote rows"
            finally:
                savepoint.rollback()

    try:
        check()
    finally:
        db.session.rollback()
    assert _counts(db) == before
    return len(tried)


@pytest.mark.parametrize("kind", list(IMPORTS))
def test_malformed_files_are_refused_whole_never_crash(db, organisation, kind):
    assert _fuzz(db, organisation, kind) >= PROFILE.max_examples * FILES
