"""Keyset pagination of the long lists: every row once, stable under inserts, hostile cursors."""

import base64
import html
import json
import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import event, insert

from app import pagination
from app.extensions import db as _db
from app.justifications.models import Justification
from app.recruitment.models import Vacancy
from app.timeutil import today_london
from app.workforce.models import Staff

START = datetime(2026, 1, 1, 9, 0)


def _vacancies(db, organisation, count, first=0, start=START):
    db.session.execute(
        insert(Vacancy),
        [
            {
                "organisation_id": organisation.id,
                "reference": f"V-{first + i:06d}",
                "title": "Post",
                "pay_band": "5",
                "status": "open",
                # Every fifth pair shares a creation time, so the id must break ties.
                "created_at": start + timedelta(minutes=(first + i) // 2),
            }
            for i in range(count)
        ],
    )
    db.session.commit()


def _references(page_html: str) -> list[str]:
    return re.findall(r">(V-\d{6})<", page_html)


def _link(page_html: str, rel: str) -> str | None:
    found = re.search(rf'href="(/vacancies\?{rel}=[^"]+)"', page_html)
    return html.unescape(found.group(1)) if found else None


def _walk(client, start="/vacancies"):
    pages, url = [], start
    while url:
        body = client.get(url).get_data(as_text=True)
        pages.append((url, body))
        url = _link(body, "after")
    return pages


def test_next_and_previous_visit_every_vacancy_once_in_order(client, db, organisation, login_as):
    login_as("hr-admin")
    _vacancies(db, organisation, 47)
    pages = _walk(client)
    assert len(pages) == 3  # 20 + 20 + 7
    seen = [ref for _url, body in pages for ref in _references(body)]
    expected = sorted(
        (f"V-{i:06d}" for i in range(47)),
        key=lambda ref: (START + timedelta(minutes=int(ref[2:]) // 2), int(ref[2:])),
        reverse=True,
    )
    assert seen == expected
    assert "Showing 21 to 40 of 47 vacancies" in pages[1][1]
    assert "Showing 41 to 47 of 47 vacancies" in pages[2][1]
    assert _link(pages[0][1], "before") is None
    # Back from the last page gives the middle page exactly, then the first.
    middle = client.get(_link(pages[2][1], "before")).get_data(as_text=True)
    assert _references(middle) == _references(pages[1][1])
    assert "Showing 21 to 40 of 47 vacancies" in middle
    first = client.get(_link(middle, "before")).get_data(as_text=True)
    assert _references(first) == _references(pages[0][1])
    assert _link(first, "before") is None


def test_the_next_page_is_stable_when_rows_are_added_meanwhile(client, db, organisation, login_as):
    login_as("hr-admin")
    _vacancies(db, organisation, 45)
    first = client.get("/vacancies").get_data(as_text=True)
    second_before = client.get(_link(first, "after")).get_data(as_text=True)
    # Newer vacancies go to the top of the list; with OFFSET they would push rows onto page 2.
    _vacancies(db, organisation, 10, first=100, start=START + timedelta(days=30))
    second_after = client.get(_link(first, "after")).get_data(as_text=True)
    assert _references(second_after) == _references(second_before)
    assert "of 55 vacancies" in second_after


def test_filters_survive_the_cursor(client, db, organisation, login_as):
    login_as("hr-admin")
    _vacancies(db, organisation, 30)
    body = client.get("/vacancies?band=5&status=open").get_data(as_text=True)
    following = _link(body, "band=5&amp;status=open&amp;after") or re.search(
        r'href="(/vacancies\?[^"]*after=[^"]+)"', body
    ).group(1)
    following = html.unescape(following)
    assert "band=5" in following and "status=open" in following
    assert len(_references(client.get(following).get_data(as_text=True))) == 10


def _cursor(payload) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


HOSTILE = [
    "x",
    "!!!!",
    "A" * 5000,
    base64.urlsafe_b64encode(b"\xff\xfe not json").decode(),
    _cursor({"a": 1}),
    _cursor([20]),
    _cursor([20, ["2026-01-01T09:00:00"]]),  # too few keys
    _cursor([20, ["2026-01-01T09:00:00", 5, 6]]),  # too many
    _cursor([20, ["not a date", 5]]),
    _cursor([20, ["2026-01-01T09:00:00", "5"]]),  # id as text
    _cursor([20, ["2026-01-01T09:00:00", True]]),
    _cursor([20, ["2026-01-01T09:00:00", 2**31]]),  # beyond an id column
    _cursor([20, ["2026-01-01T09:00:00", -(2**63) - 1]]),
    _cursor([20, ["2026-01-01T09:00:00", 1.5]]),
    _cursor([20, [None, 5]]),
    _cursor([-1, ["2026-01-01T09:00:00", 5]]),
    _cursor([2**70, ["2026-01-01T09:00:00", 5]]),
    _cursor(["1", ["2026-01-01T09:00:00", 5]]),
    _cursor([20, ["2026-01-01T09:00:00\x00", 5]]),
    _cursor([20, [{"$gt": ""}, 5]]),
    base64.urlsafe_b64encode(b'[20, ["\\ud800", 5]]').decode(),
    "%00",
    "\u0663\u0663",
]


@pytest.mark.parametrize("direction", ["after", "before"])
@pytest.mark.parametrize("cursor", HOSTILE)
def test_a_hostile_cursor_gives_the_first_page_never_an_error(
    client, db, organisation, login_as, direction, cursor
):
    login_as("hr-admin")
    _vacancies(db, organisation, 25)
    response = client.get("/vacancies", query_string={direction: cursor})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Showing 1 to 20 of 25 vacancies" in body
    assert _references(body)[0] == "V-000024"


def test_a_cursor_past_either_end_shows_an_empty_page_not_an_error(
    client, db, organisation, login_as
):
    login_as("hr-admin")
    _vacancies(db, organisation, 5)
    for values in (["1900-01-01T00:00:00", 1], ["2999-01-01T00:00:00", 2**31 - 1]):
        for direction in ("after", "before"):
            response = client.get("/vacancies", query_string={direction: _cursor([40, values])})
            assert response.status_code == 200


def test_cursor_values_are_checked_against_the_list_keys():
    keys = (pagination.SortKey(Staff.full_name), pagination.SortKey(Staff.staff_number))
    good = pagination.encode_cursor(50, ["Ada", "100"])
    assert pagination.decode_cursor(good, keys) == (50, ["Ada", "100"])
    assert pagination.decode_cursor(pagination.encode_cursor(50, ["Ada", 100]), keys) is None
    dated = (pagination.SortKey(Justification.due_date), pagination.SortKey(Justification.id))
    cursor = pagination.encode_cursor(0, [date(2026, 3, 31), 7])
    assert pagination.decode_cursor(cursor, dated) == (0, [date(2026, 3, 31), 7])


def test_a_long_list_counts_no_further_than_the_cap(
    client, db, organisation, login_as, monkeypatch
):
    monkeypatch.setattr(pagination, "COUNT_CAP", 30)
    login_as("hr-admin")
    _vacancies(db, organisation, 45)
    body = client.get("/vacancies").get_data(as_text=True)
    assert "Showing 1 to 20 of more than 30 vacancies" in body
    last = _walk(client)[-1][1]
    assert "Showing 41 to 45" in last and _link(last, "after") is None


def _staff(db, organisation, count, first=0):
    db.session.execute(
        insert(Staff),
        [
            {
                "organisation_id": organisation.id,
                "staff_number": f"{first + i:08d}",
                "full_name": f"Person {first + i:06d}",
                "ethnic_category": "A",
                "pay_band": "5",
                "staff_group": "clinical-non-medical",
            }
            for i in range(count)
        ],
    )
    db.session.commit()


def _justifications(db, organisation, count):
    vacancy_ids = [
        v.id
        for v in _db.session.scalars(
            _db.select(Vacancy).where(Vacancy.organisation_id == organisation.id)
        )
    ][:count]
    db.session.execute(
        insert(Justification),
        [
            {
                "organisation_id": organisation.id,
                "vacancy_id": vacancy_id,
                "status": "due",
                "decision_date": date(2026, 1, 5),
                "due_date": date(2026, 1, 19) + timedelta(days=i % 30),
            }
            for i, vacancy_id in enumerate(vacancy_ids)
        ],
    )
    db.session.commit()


@pytest.mark.parametrize(
    "path", ["/vacancies", "deep /vacancies", "/staff", "deep /staff", "/justifications", "/"]
)
def test_long_lists_issue_the_same_number_of_queries_at_every_size(
    client, db, organisation, login_as, path
):
    login_as("hr-admin")
    deep = path.startswith("deep ")
    path = path.removeprefix("deep ")
    counts = []
    for size in (60, 600):  # 60 then 660 rows
        first = 0 if not counts else 60
        _vacancies(db, organisation, size, first=first)
        _staff(db, organisation, size, first=first)
        if path == "/justifications" and not counts:
            _justifications(db, organisation, 60)
        url = path
        if deep:
            body = client.get(path).get_data(as_text=True)
            url = html.unescape(re.search(rf'href="({path}\?after=[^"]+)"', body).group(1))
        statements = []

        def count(*_args, statements=statements):
            statements.append(1)

        event.listen(_db.engine, "before_cursor_execute", count)
        try:
            assert client.get(url).status_code == 200
        finally:
            event.remove(_db.engine, "before_cursor_execute", count)
        counts.append(len(statements))
    assert counts[0] == counts[1], counts


def _plans(db, client, url) -> list[tuple[str, str]]:
    """Each statement a request issued, with SQLite's plan for it."""
    issued = []

    def capture(_conn, _cursor, statement, parameters, *_args):
        issued.append((statement, parameters))

    event.listen(_db.engine, "before_cursor_execute", capture)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(_db.engine, "before_cursor_execute", capture)
    with _db.engine.connect() as connection:
        return [
            (
                statement,
                " / ".join(
                    row[-1]
                    for row in connection.exec_driver_sql(
                        "EXPLAIN QUERY PLAN " + statement, parameters
                    )
                ),
            )
            for statement, parameters in issued
            if statement.lstrip().startswith("SELECT")
        ]


def test_the_staff_and_justification_lists_read_their_page_and_counts_from_indexes(
    client, db, organisation, login_as
):
    if _db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's plans; PostgreSQL chooses by its statistics")
    login_as("hr-admin")
    _vacancies(db, organisation, 60)
    _staff(db, organisation, 60)
    _justifications(db, organisation, 60)
    staff = dict(_plans(db, client, "/staff"))
    (count_plan,) = [plan for sql, plan in staff.items() if "FROM staff" in sql and "count" in sql]
    # "In post" without ORs: counted from the covering index, never from the rows.
    assert "COVERING INDEX ix_staff_org_in_post" in count_plan, count_plan
    queue = _plans(db, client, "/justifications")
    (page_plan,) = [plan for sql, plan in queue if "ORDER BY CASE" in sql]
    # The queue's order is the index's: no sort of every justification.
    assert "ix_justification_queue" in page_plan and "TEMP B-TREE" not in page_plan, page_plan
    (buckets_plan,) = [plan for sql, plan in queue if "bucket_0" in sql]
    # Each bucket, and the ranges all is summed from, is a range of the index, counted without
    # reading a row.
    assert buckets_plan.count("COVERING INDEX ix_justification_org_status_due") == 9, buckets_plan
    assert buckets_plan.count("SEARCH") == 9, buckets_plan


def test_a_page_after_rows_sharing_a_creation_time_seeks_to_its_first_row(
    client, db, organisation, login_as
):
    """A bulk import gives every vacancy one creation time: a page deep into them starts
    reading at its cursor's id, not at the first row with that time."""
    if _db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's plans; PostgreSQL chooses by its statistics")
    login_as("hr-admin")
    _vacancies(db, organisation, 120, start=START)
    db.session.execute(Vacancy.__table__.update().values(created_at=START))
    db.session.commit()
    first = client.get("/vacancies").get_data(as_text=True)
    second = _link(first, "after")
    page = _plans(db, client, second)
    (plan,) = [plan for sql, plan in page if "LIMIT" in sql and "count" not in sql]
    assert "created_at=? AND id<?" in plan, plan
    # Going back seeks the same way, from the other side.
    back = _plans(db, client, _link(client.get(second).get_data(as_text=True), "before"))
    (plan,) = [plan for sql, plan in back if "LIMIT" in sql and "count" not in sql]
    assert "created_at=? AND id>?" in plan, plan
    # And the rows are those the ORs gave: every vacancy once, newest id first.
    pages = _walk(client)
    seen = [reference for _url, body in pages for reference in _references(body)]
    assert seen == [f"V-{i:06d}" for i in range(119, -1, -1)]


def test_the_queue_lists_open_justifications_first_then_by_due_date(
    client, db, organisation, login_as
):
    login_as("hr-admin")
    _vacancies(db, organisation, 4)
    vacancy_ids = list(
        _db.session.scalars(
            _db.select(Vacancy.id)
            .where(Vacancy.organisation_id == organisation.id)
            .order_by(Vacancy.reference)
        )
    )
    rows = [  # (status, due date), by vacancy V-000000 to V-000003
        ("accepted", date(2026, 1, 1)),
        ("more-information-requested", date(2026, 3, 1)),
        ("submitted", date(2026, 1, 2)),
        ("due", date(2026, 2, 1)),
    ]
    db.session.execute(
        insert(Justification),
        [
            {
                "organisation_id": organisation.id,
                "vacancy_id": vacancy_id,
                "status": status,
                "decision_date": date(2025, 12, 20),
                "due_date": due,
            }
            for vacancy_id, (status, due) in zip(vacancy_ids, rows, strict=True)
        ],
    )
    db.session.commit()
    body = client.get("/justifications").get_data(as_text=True)
    shown = re.findall(r"V-\d{6}", body.split('id="queue"')[1])
    assert shown == ["V-000003", "V-000001", "V-000000", "V-000002"], shown


def test_the_staff_list_shows_who_is_in_post_today(client, db, organisation, login_as):
    login_as("hr-admin")
    today = today_london()
    people = {  # name: (start date, leaving date)
        "Person A never dated": (None, None),
        "Person B started today": (today, None),
        "Person C starts tomorrow": (today + timedelta(days=1), None),
        "Person D leaves tomorrow": (None, today + timedelta(days=1)),
        "Person E left today": (date(2020, 1, 1), today),
    }
    db.session.execute(
        insert(Staff),
        [
            {
                "organisation_id": organisation.id,
                "staff_number": f"{i:08d}",
                "full_name": name,
                "ethnic_category": "A",
                "pay_band": "5",
                "staff_group": "clinical-non-medical",
                "start_date": start,
                "leaving_date": leaving,
            }
            for i, (name, (start, leaving)) in enumerate(people.items())
        ],
    )
    db.session.commit()
    body = client.get("/staff").get_data(as_text=True)
    shown = sorted(name for name in people if name in body)
    assert shown == ["Person A never dated", "Person B started today", "Person D leaves tomorrow"]
    assert "Showing 1 to 3 of 3 people" in body


def test_the_justification_list_is_not_counted_twice(client, db, organisation, login_as):
    login_as("hr-admin")
    _vacancies(db, organisation, 30)
    _justifications(db, organisation, 25)
    issued = []

    def capture(_conn, _cursor, statement, *_args):
        issued.append(statement)

    event.listen(_db.engine, "before_cursor_execute", capture)
    try:
        body = client.get("/justifications?status=overdue").get_data(as_text=True)
    finally:
        event.remove(_db.engine, "before_cursor_execute", capture)
    # The bucket counts give the list's total; no capped count of the list follows them.
    capped = [sql for sql in issued if sql.startswith("SELECT count(*)") and "justification" in sql]
    assert capped == [], capped
    assert "Showing 1 to 20 of 25 justifications" in body
    assert "Overdue: 25" in body
