"""The WRES return in both formats, publication, the pages, and bounded queries."""

import csv
import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, insert

from app.benchmarking import services as benchmarking
from app.extensions import db as _db
from app.metrics import year_snapshots
from app.metrics.sections import SECTIONS
from app.recruitment.models import Applicant, Application, Vacancy
from tests import factories
from tests.conftest import sign_in

COLUMNS = [
    "organisation_code",
    "year",
    "indicator",
    "staff_group",
    "band",
    "measure",
    "white",
    "bme",
    "unknown",
    "value",
    "as_at",
]


def _rows(path):
    text = path.read_text(encoding="utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_export_is_the_long_table(trust, runner, tmp_path):
    out = tmp_path / "wres.csv"
    result = runner.invoke(
        args=["export", "wres", "--year", "2026", "--format", "csv", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    rows = _rows(out)
    assert list(rows[0]) == COLUMNS
    # No survey imported: no indicator 5 to 8 rows; the pay gap is there, with no one paid.
    assert {r["indicator"] for r in rows} == {"1", "2", "3", "4", "9", "aspiration", "pay-gap"}
    whole = next(r for r in rows if r["indicator"] == "pay-gap" and r["band"] == "all")
    assert (whole["measure"], whole["white"], whole["bme"], whole["unknown"]) == (
        "staff-with-pay",
        "0",
        "0",
        "0",
    )
    total = next(r for r in rows if r["indicator"] == "1" and r["staff_group"] == "all")
    assert (total["band"], total["measure"], total["white"], total["bme"], total["unknown"]) == (
        "all",
        "headcount",
        "9",
        "6",
        "1",
    )
    shortlisted = next(
        r
        for r in rows
        if r["indicator"] == "2"
        and r["band"] == "all"
        and r["staff_group"] == "all"
        and r["measure"] == "shortlisted"
    )
    assert (shortlisted["white"], shortlisted["bme"], shortlisted["unknown"]) == ("11", "14", "2")
    measures = {r["measure"] for r in rows if r["indicator"] == "9" and r["white"] != ""}
    assert measures == {"board-voting", "board-executive", "workforce"}


def test_published_export_hides_small_counts_and_what_reveals_them(
    trust,
    runner,
    tmp_path,
):
    out = tmp_path / "published.csv"
    runner.invoke(
        args=["export", "wres", "--year", "2026", "--format", "csv", "--out", str(out), "--publish"]
    )
    rows = _rows(out)
    for row in rows:
        for column in ("white", "bme", "unknown"):
            if row[column] != "":
                assert row[column] == "*" or int(row[column]) % 5 == 0, row
    # Within each staff group, bands add up to the "all" row: never exactly one hidden cell.
    for row in (
        r
        for r in rows
        if r["indicator"] == "1" and r["band"] == "all" and r["staff_group"] != "all"
    ):
        if row["measure"] != "headcount":
            continue
        parts = [
            r
            for r in rows
            if r["indicator"] == "1"
            and r["staff_group"] == row["staff_group"]
            and r["band"] != "all"
            and r["measure"] == "headcount"
        ]
        for column in ("white", "bme", "unknown"):
            hidden = sum(r[column] == "*" for r in [*parts, row])
            assert hidden != 1


def test_xlsx_export_has_a_sheet_per_indicator_and_no_formulas(
    trust,
    runner,
    tmp_path,
):
    out = tmp_path / "wres.xlsx"
    result = runner.invoke(
        args=["export", "wres", "--year", "2026", "--format", "xlsx", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    book = load_workbook(out)
    assert book.sheetnames == [
        "Indicator 1",
        "Indicator 2",
        "Indicator 3",
        "Indicator 4",
        "Indicator 9",
        "Leadership aspiration",
        "Indicators 5 to 8",
        "Pay gap",
        "Notes",
    ]
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    values = [c.value for row in book["Indicator 2"].iter_rows() for c in row]
    assert "Relative likelihood (white vs BME)" in values
    ratios = [
        c
        for row in book["Indicator 2"].iter_rows()
        for c in row
        if isinstance(c.value, float) and c.number_format == "0.00"
    ]
    assert ratios[0].value == pytest.approx((4 / 11) / (3 / 14))  # shown as 1.70


def test_cells_that_spreadsheets_read_as_formulas_are_escaped():
    from app.exports import safe_cell

    for text in ("=1+1", "+cmd", "-2", "@SUM(A1)", "\tx"):
        assert safe_cell(text).startswith("'")
    assert safe_cell("Band 5") == "Band 5" and safe_cell(5) == 5


def test_dashboard_for_hr_and_chair_and_not_for_managers(
    app,
    client,
    db,
    trust,
    login_as,
):
    login_as("chair")
    page = client.get("/dashboard?year=2026").get_data(as_text=True)
    assert "1.70 times" in page and "Adverse to BME applicants" in page
    for section in SECTIONS:  # the contents list
        assert f'href="/dashboard/{section.slug}?year=2026"' in page
    sections = {
        s.slug: client.get(f"/dashboard/{s.slug}?year=2026").get_data(as_text=True)
        for s in SECTIONS
    }
    for chart, slug in (
        ("indicator2-trend", "indicator-2"),
        ("senior-shares", "aspiration"),
        ("trajectory", "aspiration"),
    ):
        response = client.get(f"/dashboard/charts/{chart}.svg?year=2026")
        assert response.mimetype == "image/svg+xml"
        assert response.get_data(as_text=True).lstrip().startswith("<?xml")
        assert f"charts/{chart}.svg" in sections[slug]
    assert 'id="indicator2-trend"' in sections["indicator-2"]
    assert 'id="aspiration"' in sections["aspiration"]  # the tables
    assert client.get("/dashboard/no-such-section").status_code == 404
    xlsx = client.get("/dashboard/export.xlsx?year=2026")
    assert xlsx.headers["Content-Disposition"].endswith("wres-RAB-2026.xlsx")
    bad = client.get("/dashboard/aspiration?year=2026&turnover=abc").get_data(as_text=True)
    assert "Enter turnover as a percentage" in bad
    manager = app.test_client()
    user = factories.UserFactory(organisation=trust, roles=("recruiting-manager",))
    db.session.commit()
    sign_in(manager, user.email)
    assert manager.get("/dashboard").status_code == 403
    assert manager.get("/dashboard/export.csv").status_code == 403


def test_regional_view_shows_published_figures_with_small_counts_hidden(app, client, db, trust):
    trust.region = "London"
    team = factories.OrganisationFactory(code="Y56", region="London")
    viewer = factories.UserFactory(organisation=team, roles=("regional-viewer",))
    elsewhere = factories.OrganisationFactory(code="RZZ", name="Elsewhere Trust", region="North")
    factories.StaffFactory(organisation=elsewhere)
    year_snapshots.store(trust.id, 2026)
    benchmarking.publish_year(trust, 2026, date(2026, 4, 2))
    db.session.commit()
    sign_in(client, viewer.email)
    page = client.get(client.get("/regional?year=2026").headers["Location"]).get_data(as_text=True)
    assert trust.name in page and "Elsewhere Trust" not in page
    download = client.get("/benchmarking/export.csv?year=2026").get_data(as_text=True)
    row = next(csv.DictReader(io.StringIO(download.lstrip("\ufeff"))))
    assert row["workforce_bme"] == "*"  # 6 BME staff: a count from 1 to 7
    assert client.get("/dashboard").status_code == 403


def _bulk_applications(db, organisation, count: int) -> None:
    vacancy = Vacancy(
        organisation_id=organisation.id,
        reference=f"BULK-{count}",
        title="Bulk",
        pay_band="5",
        staff_group="clinical-non-medical",
        decision_date=date(2025, 10, 1),
        status="decided",
        posts=count,
    )
    db.session.add(vacancy)
    db.session.flush()
    start = db.session.query(Applicant).count()
    db.session.execute(
        insert(Applicant),
        [
            {
                "organisation_id": organisation.id,
                "reference": f"B-{start + i}",
                "ethnic_category": "AN"[i % 2] if i % 3 else "H",
            }
            for i in range(count)
        ],
    )
    ids = [
        a.id
        for a in db.session.query(Applicant.id)
        .filter(Applicant.reference.like("B-%"))
        .order_by(Applicant.id)
    ][-count:]
    db.session.execute(
        insert(Application),
        [
            {
                "organisation_id": organisation.id,
                "applicant_id": applicant_id,
                "vacancy_id": vacancy.id,
                "shortlisted": i % 2 == 0,
                "interviewed": i % 2 == 0,
                "appointed": i % 10 == 0,
                "withdrawn": False,
                "international_recruit": False,
            }
            for i, applicant_id in enumerate(ids)
        ],
    )
    db.session.commit()


@pytest.mark.parametrize(
    "path",
    ["/dashboard?year=2026", "/", *[f"/dashboard/{s.slug}?year=2026" for s in SECTIONS]],
)
def test_the_dashboard_issues_a_bounded_number_of_queries(
    client, db, organisation, login_as, path, monkeypatch
):
    # The session's "last seen" is written once a minute whatever the data: on a loaded machine
    # the bulk inserts below can take that long, and that one UPDATE was read as growth (12
    # statements against 11, once in CI).
    monkeypatch.setattr("app.accounts.routes.LAST_SEEN_EVERY", timedelta(days=1))
    login_as("hr-admin")
    # A first request before counting, so work done once per process (the figure cache looking
    # for its table) is not taken for a cost that grows with the data.
    assert client.get(path).status_code == 200
    counts = []
    for size in (1_000, 9_000):  # 1,000 then 10,000 applications in all
        _bulk_applications(db, organisation, size)
        statements = []

        def count(*_args, statements=statements):
            statements.append(1)

        event.listen(_db.engine, "before_cursor_execute", count)
        try:
            assert client.get(path).status_code == 200
        finally:
            event.remove(_db.engine, "before_cursor_execute", count)
        counts.append(len(statements))
    assert counts[0] == counts[1], counts


def test_operational_figures_with_justifications_due_but_none_submitted(db, organisation):
    from app.justifications.models import Justification
    from app.metrics import queries

    vacancy = Vacancy(
        organisation_id=organisation.id,
        reference="V-J",
        title="J",
        pay_band="5",
        decision_date=date(2025, 6, 2),
        status="decided",
    )
    db.session.add(vacancy)
    db.session.flush()
    db.session.add(
        Justification(
            organisation_id=organisation.id,
            vacancy_id=vacancy.id,
            status="due",
            decision_date=date(2025, 6, 2),
            due_date=date(2025, 6, 16),
        )
    )
    db.session.commit()
    figures = queries.operational(organisation.id, 2026, date(2026, 11, 27))
    assert figures["justifications_due"] == 1
    assert figures["justifications_on_time"] == 0
    assert figures["justification_median_days"] is None
    assert figures["justifications_overdue_now"] == 1
