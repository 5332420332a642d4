"""The rules between rows of recruitment and panel files, as the imports read them: a first
reading keeps only what those rules compare (an applicant seen once is packed into a number),
and each problem still names the earlier line it disagrees with."""

import pytest

from app.csvimport import ImportRefused, reporting_progress
from app.recruitment import imports
from tests.recruitment.test_imports import HEADER, PANEL_HEADER


def _problems(importer, organisation, text: str) -> list[tuple]:
    with pytest.raises(ImportRefused) as refused:
        importer(organisation, text.encode(), "bad.csv", "test")
    return [(p.line, p.column, p.message) for p in refused.value.problems]


def test_applicants_seen_again_rows_later_are_compared_with_their_first_rows(db, organisation):
    rows = [
        "V-1,,Nurse,Band 5,,A-1,99,N,N,N,,N",  # 2: A-1, no ethnic category yet
        "V-2,,Porter,Band 2,,A-2,A,N,N,N,,N",  # 3
        "V-2,,Porter,Band 2,,A-3,A,N,N,N,,N",  # 4
        "V-3,,Clerk,Band 3,,A-1,B,N,N,N,,N",  # 5: A-1's first ethnic category
        "V-4,,Clerk,Band 3,,A-1,C,N,N,N,,N",  # 6
        "V-2,,Porter,Band 2,,A-2,A,N,N,N,,N",  # 7
        ",B-1,,Band 4,,A-4,A,Y,Y,Y,2025-01-06,N",  # 8
        "V-5,B-1,Admin,Band 4,,A-5,A,Y,Y,Y,2025-01-06,N",  # 9
        "V-6,B-1,Admin,Band 4,,A-5,A,Y,Y,Y,2025-01-06,N",  # 10
        "V-2,,Porter,Band 3,,A-6,A,N,N,N,,N",  # 11
    ]
    problems = _problems(imports.import_recruitment, organisation, HEADER + "\n".join(rows))
    assert problems == [
        (6, "ethnic_category", "applicant A-1 has 'C' here but 'B' on line 5: expected the same"),
        (
            7,
            "applicant_reference",
            "A-2 appears twice for vacancy V-2 (also on line 3): expected one row per application",
        ),
        (
            8,
            "vacancy_reference",
            "is blank for an appointed batch applicant: expected the vacancy they were "
            "appointed to",
        ),
        (
            10,
            "applicant_reference",
            "A-5 is appointed to two vacancies of batch B-1 (also on line 9): expected at most one",
        ),
        (11, "pay_band", "vacancy V-2 has '3' here but '2' on line 3: expected the same"),
    ]


def test_a_member_named_twice_is_still_checked_against_the_database(db, organisation):
    rows = [
        "V-404,,interview,,Ann Smith,A,chair,Reason one",
        "V-404,,interview,,ann smith,A,member,Reason two",
    ]
    problems = _problems(imports.import_panels, organisation, PANEL_HEADER + "\n".join(rows))
    missing = "there is no vacancy V-404 in RAB: import the recruitment file first"
    assert problems == [
        (2, "vacancy_reference", missing),
        (
            3,
            "exception_reason",
            "differs from the reason on line 2 for the same panel: expected one reason per panel",
        ),
        (
            3,
            "external_name",
            "this member is already on this panel on line 2: expected each member once",
        ),
        (3, "vacancy_reference", missing),
    ]


def test_progress_counts_each_row_once_though_the_file_is_read_twice(db, organisation):
    rows = ["V-1,,Nurse,Band 5,,A-1,A,N,N,N,,N", "V-1,,Nurse,Band 5,,A-2,A,N,N,N,,N"]
    lines: list[int] = []
    with reporting_progress(lines.append):
        imports.import_recruitment(
            organisation, (HEADER + "\n".join(rows)).encode(), "ok.csv", "test"
        )
    assert lines == [2, 3]
