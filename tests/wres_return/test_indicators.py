"""Indicators 3 and 4 through their commands, against trusts whose figures are worked out by
hand here; the example files; every bad file refused whole with line and column."""

import io
import json
import math
from datetime import date

import pytest
from sqlalchemy import func, select

from app.audit import AuditEvent
from app.import_history import DataImport
from app.workforce import services as workforce
from app.wres_return import formulas
from app.wres_return.models import DisciplinaryCase, TrainingRecord
from tests import factories

WHITE, BME, UNKNOWN = "A", "N", "99"
SINCE = date(2020, 1, 1)


def _json(runner, *args):
    result = runner.invoke(args=[*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def _interval(a_top, n_top, a_bottom, n_bottom):
    """The log method, written out: exp(ln(ratio) +/- 1.96 se)."""
    ratio = (a_top / n_top) / (a_bottom / n_bottom)
    se = math.sqrt(1 / a_top - 1 / n_top + 1 / a_bottom - 1 / n_bottom)
    return math.exp(math.log(ratio) - 1.96 * se), math.exp(math.log(ratio) + 1.96 * se)


# The example files


@pytest.fixture
def example_trust(db, organisation, examples):
    workforce.import_staff(
        organisation,
        (examples / "staff.csv").read_bytes(),
        "staff.csv",
        "test",
        as_at=date(2026, 3, 31),
    )
    db.session.commit()
    return organisation


def test_example_files_import_cleanly_twice(runner, db, example_trust, examples):
    for name, kind, rows in (
        ("disciplinary.csv", "disciplinary", 3),
        ("training.csv", "training", 5),
    ):
        first = _json(runner, kind, "import", str(examples / name))
        assert (first["added"], first["updated"], first["unchanged"]) == (rows, 0, 0)
        again = _json(runner, kind, "import", str(examples / name))
        assert (again["added"], again["updated"], again["unchanged"]) == (0, 0, rows)
    assert _count(db, DisciplinaryCase) == 3
    assert _count(db, TrainingRecord) == 5
    # One audit entry per import, with its counts.
    actions = [
        e.action
        for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("%.imported")))
    ]
    assert actions.count("disciplinary.imported") == 2
    assert actions.count("training.imported") == 2


def test_example_figures_by_hand(runner, db, example_trust, examples):
    """staff.csv on 31 March 2026 (with a pay band, the non-executive left out): white 20000002
    and 20000005; BME 20000001, 20000003, 20000007; unknown 20000006 (Z) and 20000008 (blank).
    On 31 March 2025 also 20000004 (CP, white), who left in October 2025."""
    _json(runner, "disciplinary", "import", str(examples / "disciplinary.csv"))
    _json(runner, "training", "import", str(examples / "training.csv"))
    # Indicator 4, 2025/26: non-mandatory courses by 20000001 (BME), 20000002 (white, an ESR
    # date) and 20000003 (BME); Information Governance is mandatory and does not count.
    four = _json(runner, "metrics", "indicator4", "--year", "2026")
    assert (four["white_headcount"], four["bme_headcount"], four["unknown_headcount"]) == (2, 3, 2)
    assert (four["white_count"], four["bme_count"], four["unknown_count"]) == (1, 2, 0)
    assert four["relative_likelihood"] == pytest.approx((1 / 2) / (2 / 3))  # 0.75
    assert four["classification"] == "adverse-to-white"
    assert four["note"].startswith("Small numbers")
    # Indicator 3, two years to 2025/26: 20000001 (BME, a UK date) and 20000006 (unknown);
    # 20000001's second case is in 2026/27. No white person: the ratio has no upper bound.
    three = _json(runner, "metrics", "indicator3", "--year", "2026")
    assert (three["period_start"], three["period_end"]) == ("2024-04-01", "2026-03-31")
    assert (three["white_headcount"], three["bme_headcount"], three["unknown_headcount"]) == (
        3 + 2,
        3 + 3,
        2 + 2,
    )
    assert (three["white_count"], three["bme_count"], three["unknown_count"]) == (0, 1, 1)
    assert three["relative_likelihood"] is None
    assert three["classification"] == "adverse-to-bme"
    assert "no upper bound" in three["note"]


# Bad files


def _refused(runner, db, kind, tmp_path, text, line, column, words):
    path = tmp_path / f"{kind}.csv"
    path.write_text(text)
    result = runner.invoke(args=[kind, "import", str(path), "--json"])
    assert result.exit_code == 1
    problems = json.loads(result.stdout)["problems"]
    assert any(
        p["line"] == line and p["column"] == column and words in p["message"] for p in problems
    ), problems
    assert _count(db, DisciplinaryCase) == 0
    assert _count(db, TrainingRecord) == 0
    assert _count(db, DataImport) == 1  # the staff extract only
    return problems


CASES = "case_reference,staff_number,investigation_start_date\n"
TRAINING = "staff_number,course,start_date,mandatory\n"


@pytest.mark.parametrize(
    "kind, text, line, column, words",
    [
        (
            "disciplinary",
            CASES + "ER-1,20000001,2025-05-01\nER-2,99999999,2025-05-01\n",
            3,
            "staff_number",
            "no staff member 99999999",
        ),
        (
            "disciplinary",
            CASES + "ER-1,20000001,2025-05-01\nER-2,20000002,2999-01-01\n",
            3,
            "investigation_start_date",
            "in the future",
        ),
        (
            "disciplinary",
            CASES + "ER-1,20000001,2025-05-01\nER-1,20000002,2025-06-01\n",
            3,
            "case_reference",
            "also on line 2",
        ),
        (
            "disciplinary",
            CASES + "ER-1,20000001,31/02/2025\n",
            2,
            "investigation_start_date",
            "not a date",
        ),
        (
            "disciplinary",
            "case_reference,staff_number\nER-1,20000001\n",
            1,
            "investigation_start_date",
            "missing",
        ),
        (
            "training",
            TRAINING + "20000001,Coaching,2025-05-01,N\n20000077,Coaching,2025-05-01,N\n",
            3,
            "staff_number",
            "no staff member 20000077",
        ),
        (
            "training",
            TRAINING + "20000001,Coaching,2999-05-01,N\n",
            2,
            "start_date",
            "in the future",
        ),
        (
            "training",
            TRAINING + "20000001,Coaching,2025-05-01,N\n20000001,Coaching,01/05/2025,Y\n",
            3,
            "course",
            "also on line 2",
        ),
        ("training", TRAINING + "20000001,Coaching,2025-05-01,\n", 2, "mandatory", "is blank"),
        (
            "training",
            TRAINING + "20000001,Coaching,2025-05-01,maybe\n",
            2,
            "mandatory",
            "yes or no",
        ),
    ],
)
def test_bad_files_are_refused_whole(
    runner, db, example_trust, tmp_path, kind, text, line, column, words
):
    _refused(runner, db, kind, tmp_path, text, line, column, words)


def test_every_problem_is_listed_not_only_the_first(runner, db, example_trust, tmp_path):
    problems = _refused(
        runner,
        db,
        "training",
        tmp_path,
        TRAINING + "20000001,A,2025-05-01,N\n20000099,B,2025-05-01,N\n20000001,C,2999-01-01,N\n",
        3,
        "staff_number",
        "no staff member",
    )
    assert {(p["line"], p["column"]) for p in problems} == {(3, "staff_number"), (4, "start_date")}


def test_a_changed_row_updates_in_place(runner, db, example_trust, tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text(CASES + "ER-1,20000001,2025-05-01\n")
    _json(runner, "disciplinary", "import", str(path))
    path.write_text(CASES + "ER-1,20000003,2025-05-02\n")
    again = _json(runner, "disciplinary", "import", str(path))
    assert (again["added"], again["updated"], again["unchanged"]) == (0, 1, 0)
    case = db.session.scalars(select(DisciplinaryCase)).one()
    assert case.investigation_start_date == date(2025, 5, 2)
    path = tmp_path / "training.csv"
    path.write_text(TRAINING + "20000001,Coaching,2025-05-01,N\n")
    _json(runner, "training", "import", str(path))
    path.write_text(TRAINING + "20000001,Coaching,2025-05-01,Y\n")
    again = _json(runner, "training", "import", str(path))
    assert (again["added"], again["updated"], again["unchanged"]) == (0, 1, 0)


# A trust computed by hand


def _staff(org, category, n, **kwargs):
    return [
        factories.StaffFactory(
            organisation=org, ethnic_category=category, start_date=SINCE, **kwargs
        )
        for _ in range(n)
    ]


@pytest.fixture
def trust(db, organisation):
    """40 white (one leaves on 30 June 2025), 20 BME and 5 unknown staff in post since 2020,
    and a BME non-executive director with no band, who is never in a headcount."""
    people = {
        "white": _staff(organisation, WHITE, 39),
        "bme": _staff(organisation, BME, 20),
        "unknown": _staff(organisation, UNKNOWN, 5),
    }
    people["white"] += _staff(organisation, WHITE, 1, leaving_date=date(2025, 6, 30))
    _staff(organisation, "H", 1, pay_band=None, board_role="non-executive", board_voting=True)
    db.session.commit()
    return organisation, people


def _case(db, org, person, day):
    db.session.add(
        DisciplinaryCase(
            organisation_id=org.id,
            case_reference=f"ER-{person.id}-{day.isoformat()}",
            staff_id=person.id,
            investigation_start_date=day,
        )
    )


def test_indicator3_two_years_across_the_boundary_by_hand(runner, db, trust):
    org, people = trust
    w, b, u = people["white"], people["bme"], people["unknown"]
    # 2024/25: white w0 (two cases: counts once) and w1; BME b0 (on 31 March 2025) and b1.
    for person, day in (
        (w[0], date(2024, 6, 1)),
        (w[0], date(2024, 9, 1)),
        (w[1], date(2024, 7, 1)),
        (b[0], date(2025, 3, 31)),
        (b[1], date(2024, 4, 1)),
    ):
        _case(db, org, person, day)
    # 2025/26: white w2 and the leaver (before leaving); BME b0 again (1 April 2025: the next
    # year, so b0 counts once in each), b2, b3; unknown u0.
    for person, day in (
        (w[2], date(2025, 10, 1)),
        (w[-1], date(2025, 5, 1)),
        (b[0], date(2025, 4, 1)),
        (b[2], date(2026, 3, 31)),
        (b[3], date(2025, 12, 1)),
        (u[0], date(2026, 1, 5)),
    ):
        _case(db, org, person, day)
    # 2026/27: not in either figure.
    _case(db, org, b[4], date(2026, 4, 1))
    db.session.commit()

    # Headcounts: 31 March 2025 white 40, BME 20, unknown 5; 31 March 2026 white 39 (the
    # leaver has gone), BME 20, unknown 5. The non-executive is in neither.
    two = _json(runner, "metrics", "indicator3", "--year", "2026")
    assert (two["period_start"], two["period_end"]) == ("2024-04-01", "2026-03-31")
    assert (two["white_headcount"], two["bme_headcount"], two["unknown_headcount"]) == (79, 40, 10)
    assert (two["white_count"], two["bme_count"], two["unknown_count"]) == (4, 5, 1)
    assert two["white_likelihood"] == pytest.approx(4 / 79)
    assert two["bme_likelihood"] == pytest.approx(5 / 40)
    assert two["relative_likelihood"] == pytest.approx((5 / 40) / (4 / 79))  # 2.46875
    low, high = _interval(5, 40, 4, 79)
    assert (two["ci_low"], two["ci_high"]) == (pytest.approx(low), pytest.approx(high))
    assert two["classification"] == "adverse-to-bme"
    assert two["note"].startswith("Small numbers")

    single = _json(runner, "metrics", "indicator3", "--year", "2026", "--single-year")
    assert (single["period_start"], single["period_end"]) == ("2025-04-01", "2026-03-31")
    assert (single["white_headcount"], single["white_count"]) == (39, 2)
    assert (single["bme_headcount"], single["bme_count"]) == (20, 3)
    assert single["relative_likelihood"] == pytest.approx((3 / 20) / (2 / 39))

    earlier = _json(runner, "metrics", "indicator3", "--year", "2025", "--single-year")
    assert (earlier["white_count"], earlier["bme_count"], earlier["unknown_count"]) == (2, 2, 0)
    assert earlier["relative_likelihood"] == pytest.approx((2 / 20) / (2 / 40))  # 2.0

    # The next two-year figure drops 2024/25 and adds 2026/27.
    later = _json(runner, "metrics", "indicator3", "--year", "2027")
    assert (later["white_count"], later["bme_count"], later["unknown_count"]) == (2, 4, 1)
    assert later["white_headcount"] == 39 + 39


def test_indicator3_with_no_cases_is_not_available(runner, db, trust):
    result = _json(runner, "metrics", "indicator3", "--year", "2026")
    assert result["relative_likelihood"] is None
    assert result["classification"] == "not-available"
    assert result["note"] == (
        "Not available: neither white nor BME staff entered a formal disciplinary investigation"
    )


def _course(db, org, person, day, mandatory=False, course="Coaching"):
    db.session.add(
        TrainingRecord(
            organisation_id=org.id,
            staff_id=person.id,
            course=course,
            start_date=day,
            mandatory=mandatory,
        )
    )


def test_indicator4_exactly_at_the_lower_bound_by_hand(runner, db, trust):
    org, people = trust
    day = date(2025, 9, 1)
    # White: 8 of 39 in post on 31 March 2026, one of them on two courses.
    for person in people["white"][:8]:
        _course(db, org, person, day)
    _course(db, org, people["white"][0], date(2025, 10, 1), course="Leadership")
    # BME: 5 of 20; mandatory courses and last year's never count.
    for person in people["bme"][:5]:
        _course(db, org, person, day)
    for person in people["bme"][5:15]:
        _course(db, org, person, day, mandatory=True, course="Fire safety")
        _course(db, org, person, date(2025, 3, 1))
    _course(db, org, people["unknown"][0], day)
    db.session.commit()

    four = _json(runner, "metrics", "indicator4", "--year", "2026")
    assert (four["white_headcount"], four["bme_headcount"], four["unknown_headcount"]) == (
        39,
        20,
        5,
    )
    assert (four["white_count"], four["bme_count"], four["unknown_count"]) == (8, 5, 1)
    assert four["relative_likelihood"] == pytest.approx((8 / 39) / (5 / 20))
    low, high = _interval(8, 39, 5, 20)
    assert (four["ci_low"], four["ci_high"]) == (pytest.approx(low), pytest.approx(high))
    # 0.8205...: non-adverse. With 40 white staff (as at 31 March 2025) it is exactly 0.80.
    assert four["classification"] == "non-adverse"
    exact = formulas.relative_likelihood(4, 40, 8, 20, 5)
    assert exact.relative_likelihood == pytest.approx(0.8)
    assert exact.classification == "non-adverse"
    assert formulas.relative_likelihood(4, 40, 8, 20, 6).classification == "adverse-to-white"


def test_indicator4_zero_counts_and_headcounts(runner, db, organisation):
    nobody = _json(runner, "metrics", "indicator4", "--year", "2026")
    assert nobody["classification"] == "not-available"
    assert nobody["note"] == "Not available: no white or BME staff were in post on 31 March"
    _staff(organisation, WHITE, 3)
    bme = _staff(organisation, BME, 2)
    _course(db, organisation, bme[0], date(2025, 5, 1))
    db.session.commit()
    only_bme = _json(runner, "metrics", "indicator4", "--year", "2026")
    # No white person trained: white over BME is 0, adverse to white staff, no interval.
    assert only_bme["relative_likelihood"] == 0
    assert only_bme["classification"] == "adverse-to-white"
    assert only_bme["ci_low"] is None
    assert "No white staff accessed non-mandatory training" in only_bme["note"]
    assert "Small numbers" in only_bme["note"]


def test_unbounded_and_undefined_cases_of_the_formula():
    unbounded = formulas.relative_likelihood(3, 100, 0, 50, 3)
    assert unbounded.relative_likelihood is None
    assert unbounded.classification == "adverse-to-bme"
    assert "No white staff entered" in unbounded.note
    assert formulas.relative_likelihood(3, 0, 0, 50, 3).note == (
        "Not available: no white staff were in post on 31 March"
    )
    large = formulas.relative_likelihood(4, 1000, 200, 500, 100)
    assert large.relative_likelihood == pytest.approx(1.0)
    assert large.note is None
    # More people than headcount (leavers in a tiny group): no interval, never an error.
    assert formulas.interval(3, 2, 1, 1, 1.5) == (None, None)


# Pages


def test_section_page_and_dashboard_link(client, db, login_as, trust):
    login_as("chair")
    page = client.get("/dashboard/disciplinary-and-training?year=2026")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Indicator 3" in body and "Indicator 4" in body
    assert "/disciplinary/imports" not in body  # the chair does not import
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert 'href="/dashboard/disciplinary-and-training?year=' in dashboard  # in the contents
    for name in ("indicator3-trend", "indicator4-trend"):
        chart = client.get(f"/dashboard/disciplinary-and-training/charts/{name}.svg")
        assert chart.status_code == 200 and chart.mimetype == "image/svg+xml"


def test_hr_upload_refused_then_accepted(client, db, login_as, example_trust, examples):
    login_as("hr-admin")
    bad = client.post(
        "/disciplinary/imports",
        data={"file": (io.BytesIO(f"{CASES}ER-1,31415926,2025-05-01\n".encode()), "cases.csv")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 400
    assert "<td>2</td><td>staff_number</td><td>there is no staff member 31415926" in (
        bad.get_data(as_text=True)
    )
    assert _count(db, DisciplinaryCase) == 0
    good = client.post(
        "/training/imports",
        data={"file": ((examples / "training.csv").open("rb"), "training.csv")},
        content_type="multipart/form-data",
    )
    assert good.status_code == 302
    assert _count(db, TrainingRecord) == 5


# Publication


def _with_indicator1(total):
    from app.metrics import disclosure, export

    ret = export.Return("RXX", 2026, date(2026, 3, 31), disclosure.Figures())
    for g, n in total.items():
        ret.figures.counts[("1", "all", "all", "headcount", g)] = n
    return ret


def test_a_published_ratio_never_gives_back_a_hidden_count():
    """3 BME people of 500 against 20 white of 1,000: the ratio 0.30 to two places would pin
    the hidden 3 (2 gives 0.18 to 0.22, 4 gives 0.36 to 0.44), so it is withheld."""
    from app.metrics import disclosure, export
    from tests.metrics.test_publication_attack import _independent_attack

    total = {"white": 1000, "bme": 500, "unknown": 40}
    one = {"rows": [], "staff_groups": [], "total": {**total, "total": 1540}}
    current = {"headcount": total, "count": {"white": 20, "bme": 3, "unknown": 0}}
    ret = _with_indicator1(total)
    export._indicator4(ret, one, current, export.NON_ADVERSE_LOW, export.NON_ADVERSE_HIGH)
    export._indicator3(
        ret,
        one,
        {"previous": current, "current": current},
        export.NON_ADVERSE_LOW,
        export.NON_ADVERSE_HIGH,
    )
    published = disclosure.publish(ret.figures, 7)
    assert published.counts[("4", "all", "all", "accessed-training", "bme")] == "*"
    assert published.derived[("4", "all", "all", "relative-likelihood")] == "*"
    assert published.derived[("3", "all", "all", "relative-likelihood")] == "*"
    # The two-year figure's 6 BME people are hidden too, and its parts cannot give them back.
    assert published.counts[("3", "all", "all", "two-year-entered-investigation", "bme")] == "*"
    for key, values in _independent_attack(ret.figures, published, 7).items():
        assert len(values) > 1, key
    # Large counts are published rounded, with their ratio.
    big = {"headcount": total, "count": {"white": 200, "bme": 120, "unknown": 9}}
    ret = _with_indicator1(total)
    export._indicator4(ret, one, big, export.NON_ADVERSE_LOW, export.NON_ADVERSE_HIGH)
    published = disclosure.publish(ret.figures, 7)
    assert published.derived[("4", "all", "all", "relative-likelihood")] == round(
        (200 / 1000) / (120 / 500), 2
    )
    assert published.counts[("4", "all", "all", "accessed-training", "unknown")] == 10


def test_the_return_carries_indicators_3_and_4(runner, db, example_trust, examples, tmp_path):
    import csv

    from openpyxl import load_workbook

    _json(runner, "disciplinary", "import", str(examples / "disciplinary.csv"))
    _json(runner, "training", "import", str(examples / "training.csv"))
    out = tmp_path / "wres.csv"
    args = ["export", "wres", "--year", "2026", "--format", "csv", "--out", str(out)]
    assert runner.invoke(args=args).exit_code == 0
    rows = {
        (r["indicator"], r["measure"]): r
        for r in csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig")))
        if r["indicator"] in ("3", "4")
    }
    two_year = rows[("3", "two-year-entered-investigation")]
    assert (two_year["white"], two_year["bme"], two_year["unknown"]) == ("0", "1", "1")
    assert rows[("3", "two-year-headcount")]["white"] == "5"
    assert rows[("3", "two-year-classification")]["value"] == "adverse-to-bme"
    assert float(rows[("4", "relative-likelihood")]["value"]) == pytest.approx(0.75)
    assert rows[("4", "relative-likelihood")]["as_at"] == "2026-03-31"
    xlsx = tmp_path / "wres.xlsx"
    args = ["export", "wres", "--year", "2026", "--format", "xlsx", "--out", str(xlsx)]
    assert runner.invoke(args=args).exit_code == 0
    rows = [[c.value for c in row] for row in load_workbook(xlsx)["Indicator 4"].iter_rows()]
    assert ["Accessed non-mandatory training", 1, 2, 0, None] in rows
    assert next(r for r in rows if r[0] == "2025/26")[:2] == ["2025/26", 0.75]
    three = [[c.value for c in row] for row in load_workbook(xlsx)["Indicator 3"].iter_rows()]
    assert ["Entered an investigation, both years", 0, 1, 1, None] in three


def test_demo_trust_has_indicators_3_and_4(runner, db, tmp_path):
    import random

    from openpyxl import load_workbook

    from app.workforce import demo as workforce_demo
    from app.wres_return import demo

    organisation = workforce_demo.seed(800)["organisation"]
    today = date.today()
    summary = demo.seed(organisation, random.Random(2019), today)
    db.session.commit()
    assert summary["disciplinary_cases"] > 0 and summary["training_records"] > 0
    year = str(today.year + 1 if today.month >= 4 else today.year)
    four = _json(runner, "metrics", "indicator4", "--year", year, "--org", organisation.code)
    assert four["relative_likelihood"] is not None
    three = _json(runner, "metrics", "indicator3", "--year", year, "--org", organisation.code)
    assert three["bme_count"] + three["white_count"] > 0
    out = tmp_path / "demo.xlsx"
    args = ["export", "wres", "--year", year, "--format", "xlsx", "--out", str(out)]
    assert runner.invoke(args=[*args, "--org", organisation.code, "--publish"]).exit_code == 0
    assert {"Indicator 3", "Indicator 4"} <= set(load_workbook(out).sheetnames)


# Big files: chunks, the background worker, all or nothing


def _training_file(staff_numbers, rows, bad_line=None):
    lines = [
        f"{staff_numbers[n % len(staff_numbers)]},Course {n},2025-06-01,"
        f"{'maybe' if n + 2 == bad_line else 'N'}\n"
        for n in range(rows)
    ]
    return (TRAINING + "".join(lines)).encode()


@pytest.fixture
def small_chunks(app):
    saved = app.config["BACKGROUND_IMPORT_ROWS"]
    app.config["BACKGROUND_IMPORT_ROWS"] = 100
    yield
    app.config["BACKGROUND_IMPORT_ROWS"] = saved


def test_a_big_training_upload_is_imported_in_the_background_in_chunks(
    client, db, runner, login_as, example_trust, small_chunks
):
    from app.import_jobs import ImportJob

    login_as("hr-admin")
    numbers = ["20000001", "20000002", "20000003", "20000007"]
    page = client.post(
        "/training/imports",
        data={"file": (io.BytesIO(_training_file(numbers, 1000)), "lms.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "will be imported in the background" in page
    assert runner.invoke(args=["imports", "run-pending"]).exit_code == 0
    db.session.rollback()
    assert _count(db, TrainingRecord) == 1000
    assert ImportJob.query.one().status == "done"
    four = _json(runner, "metrics", "indicator4", "--year", "2026")
    assert (four["white_count"], four["bme_count"]) == (1, 3)  # people, not courses

    # A problem on the last line, after nine chunks were written: nothing is kept.
    bad = _training_file(numbers, 1000, bad_line=1001).replace(b"Course", b"Other")
    client.post(
        "/training/imports",
        data={"file": (io.BytesIO(bad), "lms2.csv")},
        content_type="multipart/form-data",
    )
    assert runner.invoke(args=["imports", "run-pending"]).exit_code == 0
    db.session.rollback()
    job = ImportJob.query.order_by(ImportJob.id.desc()).first()
    assert job.status == "failed"
    assert [(p.line, p.column) for p in job.problems] == [(1001, "mandatory")]
    assert _count(db, TrainingRecord) == 1000
