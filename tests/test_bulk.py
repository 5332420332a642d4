"""Set-based reads and writes (app/bulk.py): values that mean something in an array's text form
go in and come back as they were."""

from datetime import date

from app import bulk
from app.extensions import db
from app.recruitment.models import Applicant

AWKWARD = [
    'say "hello"',
    "back\\slash",
    "a,b",
    "{braces}",
    "NULL",
    "",
    " padded ",
    "trailing\\",
    "Zoë",
]


def test_array_text_quotes_what_the_array_form_would_misread():
    assert bulk._array_text([1, 22, -3]) == "{1,22,-3}"
    assert bulk._array_text(['a"b', "c\\d", "e,f"]) == '{"a\\"b","c\\\\d","e,f"}'
    assert bulk._array_text([None, "NULL", 7]) == '{NULL,"NULL",7}'
    assert bulk._array_text([]) == "{}"


def test_array_text_leaves_other_values_to_the_driver():
    assert bulk._array_text([date(2026, 1, 1)]) is None
    assert bulk._array_text([True, False]) is None


def test_references_with_awkward_characters_are_written_and_found_as_they_are(organisation):
    table = Applicant.__table__
    rows = [
        {"organisation_id": organisation.id, "reference": reference, "ethnic_category": "A"}
        for reference in AWKWARD
    ]
    ids = bulk.insert_returning(
        table, rows, "reference", table.c.organisation_id == organisation.id
    )
    assert sorted(ids) == sorted(AWKWARD)
    found = dict(
        bulk.select_among(
            (table.c.reference, table.c.id),
            table.c.reference,
            AWKWARD,
            table.c.organisation_id == organisation.id,
        )
    )
    assert found == ids
    stored = db.session.execute(db.select(table.c.id, table.c.reference)).all()
    assert {reference: id_ for id_, reference in stored} == ids
    bulk.update_column(table, "reference", {ids["a,b"]: 'now "quoted"'})
    assert db.session.get(Applicant, ids["a,b"]).reference == 'now "quoted"'
