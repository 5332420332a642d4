"""Benchmarking: published figures only, scoped to the viewer, the funnel plot's marks, the
download, and a page whose query count does not grow with the number of organisations."""

import csv
import io
import random
import re
from datetime import date

import pytest
from sqlalchemy import event, func, select

from app.audit import AuditEvent
from app.benchmarking import publication, services, synthetic
from app.benchmarking.models import PublishedFigures
from app.extensions import db as _db
from app.metrics import export, jobs, year_snapshots
from app.metrics.disclosure import MASK
from tests import factories
from tests.conftest import sign_in
from tests.metrics.conftest import trust  # noqa: F401  (a fixture)

YEAR = 2026
MARK = re.compile(r'<g class="app-mark" data-code="([^"]+)" data-position="([^"]+)">')


def _organisation(code, region="Midlands", name=None, kind="", size=""):
    return factories.OrganisationFactory(
        code=code,
        name=name or f"{code} NHS Trust",
        region=region,
        organisation_type=kind,
        size_band=size,
    )


def _publish(organisation, year=YEAR, white=(400, 100), bme=(400, 100), seed=1):
    """Store published figures built from constructed counts, through the real publication:
    indicator 2 from `white` and `bme` (shortlisted, appointed), the rest made up."""
    rng = random.Random(seed)
    one, two, nine, aspiration, operational = synthetic.plain_counts(
        rng, synthetic.trust(rng), year
    )
    counts = two[None]
    for group, (shortlisted, appointed) in (("white", white), ("bme", bme), ("unknown", (0, 0))):
        counts.shortlisted[group], counts.appointed[group] = shortlisted, appointed
    doc = synthetic.published(organisation.code, year, (one, two, nine, aspiration, operational))
    return services.store(organisation, year, date(year, 3, 31), doc)


def _viewer(role, region="Midlands"):
    team = factories.OrganisationFactory(region=region if role == "regional-viewer" else "")
    return factories.UserFactory(organisation=team, roles=(role,))


def _page(client, url="/benchmarking") -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_interval_position_is_decided_on_the_published_bounds_inclusive():
    assert publication.interval_position(1.26, 2.0) == "above"
    assert publication.interval_position(1.25, 2.0) == "overlaps"  # touching the range
    assert publication.interval_position(0.5, 0.79) == "below"
    assert publication.interval_position(0.5, 0.8) == "overlaps"
    assert publication.interval_position(0.9, 1.1) == "overlaps"
    assert publication.interval_position(MASK, MASK) is None
    assert publication.interval_position(None, None) is None


def test_funnel_plot_marks_exactly_the_organisations_whose_interval_is_outside(client, db):
    organisations = {
        # white 40% appointed against BME 20%: 2.00, interval about 1.6 to 2.5
        "RAB": ((400, 160), (400, 80)),
        # the reverse: 0.50, about 0.38 to 0.66
        "RBC": ((400, 60), (400, 120)),
        # equal rates: 1.00
        "RCD": ((400, 100), (400, 100)),
        # 1.50, above the range, but an interval of about 0.81 to 2.78 reaches into it
        "RDE": ((30, 15), (30, 10)),
        # BME appointed 5: a small count, so the ratio and interval are withheld
        "REF": ((400, 100), (400, 5)),
    }
    for seed, (code, (white, bme)) in enumerate(organisations.items()):
        _publish(_organisation(code), white=white, bme=bme, seed=seed)
    viewer = _viewer("national-viewer")
    db.session.commit()
    sign_in(client, viewer.email)
    page = _page(client)
    marks = dict(MARK.findall(page))
    assert marks == {"RAB": "above", "RBC": "below", "RCD": "overlaps", "RDE": "overlaps"}
    # The same set from the stored published intervals, worked out independently here.
    outside = {
        code
        for code, low, high in db.session.execute(
            select(
                factories.Organisation.code, PublishedFigures.ci_low, PublishedFigures.ci_high
            ).join(PublishedFigures.organisation)
        )
        if low is not None and (low > 1.25 or high < 0.80)
    }
    assert {c for c, p in marks.items() if p in ("above", "below")} == outside == {"RAB", "RBC"}
    # The lists under the plot and the filter name the same organisations.
    assert "RAB NHS Trust</a>: 2.00" in page and "RBC NHS Trust</a>: 0.50" in page
    only_outside = _page(client, "/benchmarking?position=outside")
    table = only_outside.split('id="benchmarking"')[1]
    assert set(re.findall(r'<tr class="nhsuk-table__row" data-code="([^"]+)"', table)) == {
        "RAB",
        "RBC",
    }


def test_regional_viewer_sees_only_its_region_and_only_published_figures(client, db):
    midlands = _organisation("RMA", name="Midlands Acute NHS Trust")
    london = _organisation("RLA", "London", name="London Acute NHS Trust")
    unpublished = _organisation("RUN", name="Unpublished NHS Trust")
    factories.StaffFactory(organisation=unpublished)  # live records, never published
    for seed, organisation in enumerate((midlands, london)):
        _publish(organisation, seed=seed)
        _publish(organisation, year=YEAR - 1, seed=seed + 10)
    viewer = _viewer("regional-viewer")
    db.session.commit()
    sign_in(client, viewer.email)
    page = _page(client)
    assert "Midlands Acute NHS Trust" in page
    assert "London Acute NHS Trust" not in page and "Unpublished NHS Trust" not in page
    assert client.get(f"/benchmarking/organisations/{midlands.id}").status_code == 200
    assert client.get(f"/benchmarking/organisations/{london.id}").status_code == 404
    assert client.get(f"/benchmarking/organisations/{unpublished.id}").status_code == 404
    assert client.get(f"/benchmarking/organisations/{london.id}/export.csv").status_code == 404
    download = client.get("/benchmarking/export.csv").get_data(as_text=True)
    codes = {
        row["organisation_code"] for row in csv.DictReader(io.StringIO(download.lstrip("\ufeff")))
    }
    assert codes == {"RMA"}
    # The old address still leads there.
    assert client.get("/regional?year=2026").headers["Location"].endswith("/benchmarking?year=2026")
    # Never an organisation's own pages, never a person.
    for url in ("/dashboard", "/staff", "/vacancies", "/justifications", "/settings"):
        assert client.get(url).status_code == 403, url


def test_national_viewer_sees_every_region_filters_peer_groups_and_pages(client, db):
    for n in range(30):
        organisation = _organisation(
            f"RN{n:02d}",
            ("Midlands", "London", "North West")[n % 3],
            kind="acute" if n % 2 else "community",
            size="large" if n < 10 else "small",
        )
        _publish(organisation, seed=n)
    viewer = _viewer("national-viewer")
    db.session.commit()
    sign_in(client, viewer.email)
    first = _page(client, "/benchmarking?sort=name")
    assert "Showing 1 to 25 of 30 organisations" in first
    second = _page(client, "/benchmarking?sort=name&page=2")
    assert "Showing 26 to 30 of 30 organisations" in second and "RN29 NHS Trust" in second
    london_acute = _page(client, "/benchmarking?region=London&type=acute&sort=name")
    table = london_acute.split('id="benchmarking"')[1]
    shown = set(re.findall(r'data-code="([^"]+)"', table))
    assert shown == {f"RN{n:02d}" for n in range(30) if n % 3 == 1 and n % 2}
    small = _page(client, "/benchmarking?size=small")
    assert "Showing 1 to 20 of 20 organisations" in small
    for url in ("/dashboard", "/staff", "/mentoring/coverage", "/justifications/register.csv"):
        assert client.get(url).status_code == 403, url


def test_drill_down_shows_the_trend_and_downloads_every_year(client, db):
    organisation = _organisation("RTR", name="Trend NHS Trust")
    for offset in range(5):
        _publish(organisation, year=YEAR - offset, seed=offset)
    viewer = _viewer("national-viewer")
    db.session.commit()
    sign_in(client, viewer.email)
    page = _page(client, f"/benchmarking/organisations/{organisation.id}?sort=name&region=x")
    for year in range(YEAR - 4, YEAR + 1):
        assert f"{year - 1}/{str(year)[-2:]}" in page
    assert len(MARK.findall(page.split('id="trend"')[1].split("</svg>")[0])) == 5
    # The way back keeps the viewer's choices (only the page's own names are carried).
    assert 'href="/benchmarking?region=x&amp;sort=name"' in page
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get(f"/benchmarking/organisations/{organisation.id}/export.csv")
                .get_data(as_text=True)
                .lstrip("\ufeff")
            )
        )
    )
    assert [int(r["year"]) for r in rows] == list(range(YEAR - 4, YEAR + 1))


def test_download_neutralises_formulas_in_names(client, db):
    organisation = _organisation("RFX", region="=cmd|' /C calc'!A0", name='=HYPERLINK("x")')
    _publish(organisation)
    viewer = _viewer("national-viewer")
    db.session.commit()
    sign_in(client, viewer.email)
    response = client.get(f"/benchmarking/export.csv?year={YEAR}")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    row = next(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert row["organisation_name"] == '\'=HYPERLINK("x")'
    assert row["region"] == "'=cmd|' /C calc'!A0"
    assert row["indicator2_relative_likelihood"] == "1.0"


_BOOKKEEPING = {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"}


def _statements(client, url: str) -> int:
    """Statements the page runs, leaving out the session's own bookkeeping (a sign-in session
    is touched now and then, whatever the page)."""
    seen = []

    def count(_conn, _cursor, statement, *_args):
        if "user_session" not in statement and statement.split()[0] not in _BOOKKEEPING:
            seen.append(statement)

    _db.session.expunge_all()  # each request starts cold, as it would in its own session
    engine = _db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_query_count_does_not_grow_with_the_number_of_organisations(client, db):
    viewer = _viewer("national-viewer")
    first = _organisation("RQ00")
    for year in (YEAR - 1, YEAR):
        _publish(first, year=year)
    db.session.commit()
    first_id = first.id
    sign_in(client, viewer.email)
    few = _statements(client, "/benchmarking")
    few_csv = _statements(client, "/benchmarking/export.csv")
    few_detail = _statements(client, f"/benchmarking/organisations/{first_id}")
    for n in range(1, 40):
        organisation = _organisation(f"RQ{n:02d}")
        for year in (YEAR - 1, YEAR):
            _publish(organisation, year=year, seed=n)
    db.session.commit()
    assert _statements(client, "/benchmarking") == few
    assert _statements(client, "/benchmarking?page=2") == few
    assert _statements(client, "/benchmarking/export.csv") == few_csv
    assert _statements(client, f"/benchmarking/organisations/{first_id}") == few_detail


def test_publishing_a_stored_year_matches_the_published_return(db, trust):  # noqa: F811
    year_snapshots.store(trust.id, YEAR)
    db.session.commit()
    assert jobs.take_snapshots(date(2026, 4, 2))["years_published"] == 1
    assert jobs.take_snapshots(date(2026, 4, 3))["years_published"] == 0
    row = db.session.scalar(select(PublishedFigures))
    doc = row.data
    data = export.csv_export(trust, YEAR, True, 7, date(2026, 4, 2)).decode("utf-8-sig")
    published = {
        (r["indicator"], r["staff_group"], r["band"], r["measure"]): r
        for r in csv.DictReader(io.StringIO(data))
    }
    ratio = published[("2", "all", "all", "relative-likelihood")]["value"]
    assert str(doc["indicator2"]["relative-likelihood"]) == ratio
    shortlisted = published[("2", "all", "all", "shortlisted")]
    assert str(doc["indicator2"]["bme-shortlisted"]) == shortlisted["bme"]
    assert str(doc["workforce"]["bme"]) == published[("1", "all", "all", "headcount")]["bme"]
    # 6 BME staff in post at 31 March: a count from 1 to 7, so hidden
    assert doc["workforce"]["bme"] == MASK
    # The trust's 16 leaders and panels are counts like any other: small ones hidden.
    assert doc["leaders"]["total"] in (MASK, 0) or doc["leaders"]["total"] % 5 == 0


@pytest.mark.parametrize("role", ["hr-admin", "chair", "recruiting-manager", "senior-leader"])
def test_trust_roles_do_not_reach_benchmarking(client, db, organisation, role):
    user = factories.UserFactory(organisation=organisation, roles=(role,))
    db.session.commit()
    sign_in(client, user.email)
    assert client.get("/benchmarking").status_code == 403
    assert client.get("/benchmarking/export.csv").status_code == 403


def test_hr_sets_the_peer_group_and_the_change_is_audited(client, db, login_as, organisation):
    from tests.workforce.test_organisations import _settings_form

    login_as("hr-admin")
    response = client.post(
        "/settings", data=_settings_form(organisation_type="acute", size_band="large")
    )
    assert response.status_code == 302
    db.session.refresh(organisation)
    assert (organisation.organisation_type, organisation.size_band) == ("acute", "large")
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "organisation.peer_group_changed")
    )
    assert event.detail_dict["size_band"] == {"from": "", "to": "large"}
    refused = client.post("/settings", data=_settings_form(size_band="huge"))
    assert refused.status_code == 400


def test_orgs_commands_set_the_peer_group(runner, db):
    result = runner.invoke(
        args=[
            "orgs",
            "add",
            "RXY",
            "--name",
            "X Trust",
            "--type",
            "ambulance",
            "--size-band",
            "small",
        ]
    )
    assert result.exit_code == 0, result.output
    bad = runner.invoke(args=["orgs", "set", "RXY", "--type", "hospital"])
    assert bad.exit_code != 0 and "not an organisation type" in bad.output
    changed = runner.invoke(
        args=["orgs", "set", "RXY", "--size-band", "medium", "--region", "London"]
    )
    assert changed.exit_code == 0, changed.output
    listed = runner.invoke(args=["orgs", "list", "--json"])
    assert '"size_band": "medium"' in listed.stdout and '"type": "ambulance"' in listed.stdout
    assert '"region": "London"' in listed.stdout


def test_benchmark_publish_command_publishes_stored_years_once(runner, db, trust):  # noqa: F811
    year_snapshots.store(trust.id, YEAR)
    db.session.commit()
    first = runner.invoke(args=["benchmark", "publish", "--json"])
    assert first.exit_code == 0, first.output
    assert '"organisation_code": "RAB"' in first.stdout and '"year": 2026' in first.stdout
    again = runner.invoke(args=["benchmark", "publish", "--json"])
    assert again.exit_code == 0 and '"published": []' in again.stdout
    assert db.session.scalar(select(func.count()).select_from(PublishedFigures)) == 1
