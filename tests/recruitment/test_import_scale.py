"""A recruitment file naming 100,000 people: once it crashed PostgreSQL with one IN list of
every reference (more than its 65,535 bind parameters). Lookups now go a chunk at a time."""

import pytest
from sqlalchemy import func, select

from app.recruitment.imports import import_recruitment
from app.recruitment.models import Applicant, Application, Vacancy

ROWS = 100_000


def _file(rows: int) -> bytes:
    lines = [
        "vacancy_reference,pay_band,applicant_reference,ethnic_category,shortlisted,"
        "interviewed,appointed,decision_date\n"
    ]
    for n in range(rows):
        shortlisted = n % 3 == 0
        lines.append(
            f"SV-{n // 10},{5 + n // 10 % 3},SA-{n},{'AN'[n % 2]},{'Y' if shortlisted else 'N'},"
            f"{'Y' if shortlisted else 'N'},{'Y' if n % 30 == 0 else 'N'},"
            "2025-06-01\n"
        )
    return "".join(lines).encode()


@pytest.mark.postgres
def test_a_file_of_100000_distinct_references_imports_on_postgresql(db, organisation):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the bind parameter limit is PostgreSQL's")
    data = _file(ROWS)
    record = import_recruitment(organisation, data, "national.csv", "test")
    db.session.commit()
    assert record.rows_added == ROWS

    def count(model):
        return db.session.scalar(select(func.count()).select_from(model))

    assert (count(Applicant), count(Application), count(Vacancy)) == (ROWS, ROWS, ROWS // 10)
    again = import_recruitment(organisation, data, "national.csv", "test")
    assert (again.rows_added, again.rows_updated, again.rows_unchanged) == (0, 0, ROWS)
    db.session.rollback()
