"""The ethnicity pay gap: pay columns in the ESR extract (refused whole with line and column when
wrong), kept in the staff history, and `flask metrics pay-gap` against a trust computed by hand,
with unknown ethnicity, groups with no one (not available, with the reason) and small numbers."""

import json
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.import_history import DataImport
from app.paygap import rules
from app.workforce.models import Staff, StaffHistory

HEADER = (
    "staff_number,ethnic_category,pay_band,staff_group,board_member,start_date,leaving_date,"
    "hourly_rate,annual_basic_pay,contracted_hours\n"
)
# As at 31 March 2026. Hourly pay (£): white 12, 14, 16 (annual 31,285.80 at 37.5 hours:
# 31285.80 / (37.5 x 52.143) = 16.0000 exactly), 20, 50; BME 11, 13, 18, 18; unknown 18.
TRUST = HEADER + (
    "W1,A,Band 5,Clinical non-medical,,2015-01-01,,12.00,,\n"
    "W2,B,Band 5,Clinical non-medical,,2015-01-01,,14,,\n"
    "W3,C,Band 5,Clinical non-medical,,2015-01-01,,,31285.80,37.5\n"
    "B1,N,Band 5,Clinical non-medical,,2015-01-01,,11.00,,\n"
    "B2,H,Band 5,Clinical non-medical,,2015-01-01,,£13.00,,\n"
    "W4,A,Band 6,Non-clinical,,2015-01-01,,20.00,,\n"
    "B3,M,Band 6,Non-clinical,,2015-01-01,,18.00,,\n"
    "B4,S,Band 6,Non-clinical,,2015-01-01,,18.00,,\n"
    "U1,Z,Band 6,Non-clinical,,2015-01-01,,18.00,,\n"
    "W5,A,Consultant,Medical and dental,,2015-01-01,,50.00,,\n"
    # Not in the figures: a leaver before 31 March, a non-executive director, no pay recorded.
    "W6,A,Band 8a,Non-clinical,,2015-01-01,2026-01-01,100.00,,\n"
    "B5,N,,Non-clinical,Non-executive,2015-01-01,,40.00,,\n"
    "W7,A,Band 7,Non-clinical,,2015-01-01,,,,\n"
)


def _count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def _invoke(runner, *args):
    return runner.invoke(args=[*args, "--json"])


def _json(runner, *args):
    result = _invoke(runner, *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _import(runner, tmp_path, text, as_at="2026-03-31"):
    path = tmp_path / "staff.csv"
    path.write_text(text, encoding="utf-8")
    return _invoke(runner, "staff", "import", str(path), "--as-at", as_at)


@pytest.fixture
def trust(db, organisation, runner, tmp_path):
    result = _import(runner, tmp_path, TRUST)
    assert result.exit_code == 0, result.output
    return organisation


def test_the_pay_gap_as_computed_by_hand(trust, runner):
    document = _json(runner, "metrics", "pay-gap", "--year", "2026")
    white_mean, bme_mean = (12 + 14 + 16 + 20 + 50) / 5, (11 + 13 + 18 + 18) / 4  # 22.4, 15
    white_median, bme_median = 16, (13 + 18) / 2
    assert document["year"] == 2026 and document["as_at"] == "2026-03-31"
    assert (document["white_staff"], document["bme_staff"], document["unknown_staff"]) == (5, 4, 1)
    assert document["staff_without_pay"] == 1
    assert document["white_mean_hourly"] == pytest.approx(white_mean)
    assert document["bme_mean_hourly"] == pytest.approx(bme_mean)
    assert document["white_median_hourly"] == pytest.approx(white_median)
    assert document["bme_median_hourly"] == pytest.approx(bme_median)
    assert document["mean_gap_percent"] == pytest.approx((22.4 - 15) / 22.4 * 100)  # 33.04
    assert document["median_gap_percent"] == pytest.approx((16 - 15.5) / 16 * 100)  # 3.125
    assert document["note"].startswith("small numbers: fewer than 10 white and BME staff")

    # Ten people with pay: quartiles of 2, 3, 2 and 3. The three on £18 (BME, BME, unknown)
    # straddle the boundary between quartiles 3 and 4, spread evenly: BME, unknown | BME.
    assert [
        (q["quartile"], q["staff"], q["white"], q["bme"], q["unknown"])
        for q in document["quartiles"]
    ] == [(1, 2, 1, 1, 0), (2, 3, 2, 1, 0), (3, 2, 0, 1, 1), (4, 3, 2, 1, 0)]
    assert [q["bme_share"] for q in document["quartiles"]] == [
        pytest.approx(1 / 2),
        pytest.approx(1 / 3),
        pytest.approx(1.0),
        pytest.approx(1 / 3),
    ]

    bands = {b["band"]: b for b in document["bands"]}
    assert list(bands) == ["5", "6", "consultant"]
    assert bands["5"]["mean_gap_percent"] == pytest.approx((14 - 12) / 14 * 100)
    assert bands["5"]["median_gap_percent"] == pytest.approx((14 - 12) / 14 * 100)
    assert (bands["6"]["white_staff"], bands["6"]["bme_staff"], bands["6"]["unknown_staff"]) == (
        1,
        2,
        1,
    )
    assert bands["6"]["mean_gap_percent"] == pytest.approx(10.0)
    assert bands["consultant"]["mean_gap_percent"] is None
    assert bands["consultant"]["median_gap_percent"] is None
    assert bands["consultant"]["note"] == "not available: no BME staff with pay recorded"
    groups = {g["staff_group"]: g for g in document["staff_groups"]}
    assert list(groups) == ["non-clinical", "clinical-non-medical", "medical-dental"]
    assert groups["clinical-non-medical"]["mean_gap_percent"] == pytest.approx(100 / 7)
    assert groups["non-clinical"]["median_gap_percent"] == pytest.approx(10.0)
    assert groups["medical-dental"]["mean_gap_percent"] is None


def test_the_example_with_pay_imports_twice_and_the_second_changes_nothing(
    db, organisation, runner, examples
):
    path = str(examples / "staff_pay.csv")
    first = _json(runner, "staff", "import", path, "--as-at", "2026-03-31")
    assert (first["added"], first["updated"], first["unchanged"]) == (9, 0, 0)
    versions = _count(db, StaffHistory)
    second = _json(runner, "staff", "import", path, "--as-at", "2026-03-31")
    assert (second["added"], second["updated"], second["unchanged"]) == (0, 0, 9)
    assert _count(db, StaffHistory) == versions
    pay = {s.staff_number: s.hourly_pay for s in db.session.scalars(select(Staff))}
    assert float(pay["20000001"]) == 16.42
    assert float(pay["20000002"]) == round(58000 / (37.5 * 52.143), 4)
    assert float(pay["20000005"]) == round(31049 / (22.5 * 52.143), 4)
    assert pay["20000006"] is None and pay["20000009"] is None


def test_no_one_with_pay_is_not_available_with_the_reason(db, organisation, runner, tmp_path):
    assert (
        _import(runner, tmp_path, HEADER + "W1,A,5,Non-clinical,,2015-01-01,,,,\n").exit_code == 0
    )
    document = _json(runner, "metrics", "pay-gap", "--year", "2026")
    assert document["mean_gap_percent"] is None and document["median_gap_percent"] is None
    assert document["note"] == "not available: no white or BME staff with pay recorded"
    assert document["staff_without_pay"] == 1
    assert [q["staff"] for q in document["quartiles"]] == [0, 0, 0, 0]
    assert all(q["bme_share"] is None for q in document["quartiles"])
    assert document["bands"] == []


def test_pay_is_history_so_a_later_extract_never_changes_31_march(trust, db, runner, tmp_path):
    before = _json(runner, "metrics", "pay-gap", "--year", "2026")
    # In June B1 is paid £30 and W1 leaves; figures as at 31 March 2026 stay as they were.
    later = TRUST.replace(
        "B1,N,Band 5,Clinical non-medical,,2015-01-01,,11.00",
        "B1,N,Band 5,Clinical non-medical,,2015-01-01,,30.00",
    )
    later = later.replace(
        "W1,A,Band 5,Clinical non-medical,,2015-01-01,,",
        "W1,A,Band 5,Clinical non-medical,,2015-01-01,2026-06-30,",
    )
    result = _import(runner, tmp_path, later, as_at="2026-07-01")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["updated"] == 2
    assert _json(runner, "metrics", "pay-gap", "--year", "2026") == before
    later_versions = db.session.scalars(
        select(StaffHistory).where(StaffHistory.valid_from == date(2026, 7, 1))
    )
    changed = {v.changed for v in later_versions}
    assert changed == {"hourly_pay", "leaving_date"}


def test_an_extract_without_pay_columns_leaves_pay_as_it_was(trust, db, runner, tmp_path):
    versions = _count(db, StaffHistory)
    no_pay = "\n".join(",".join(line.split(",")[:7]) for line in TRUST.strip().splitlines())
    result = _import(runner, tmp_path, no_pay + "\n", as_at="2026-07-01")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["unchanged"] == 13
    assert _count(db, StaffHistory) == versions
    w3 = db.session.scalar(select(Staff).where(Staff.staff_number == "W3"))
    assert float(w3.hourly_pay) == 16.0


def test_importing_the_same_extract_with_pay_twice_changes_nothing(trust, db, runner, tmp_path):
    versions = _count(db, StaffHistory)
    result = _import(runner, tmp_path, TRUST)
    assert json.loads(result.stdout)["unchanged"] == 13
    assert _count(db, StaffHistory) == versions


BAD_PAY = {
    "not a number": ("X1,A,5,Non-clinical,,,,about 15,,\n", [(2, "hourly_rate")]),
    "zero or below": (
        "X1,A,5,Non-clinical,,,,0,,\nX2,A,5,Non-clinical,,,,,-30000,37.5\n",
        [(2, "hourly_rate"), (3, "annual_basic_pay")],
    ),
    "annual pay without hours": ("X1,A,5,Non-clinical,,,,,31000,\n", [(2, "contracted_hours")]),
    "hours without annual pay": ("X1,A,5,Non-clinical,,,,,,37.5\n", [(2, "annual_basic_pay")]),
    "more hours than a week has": (
        "X1,A,5,Non-clinical,,,,,31000,200\n",
        [(2, "contracted_hours")],
    ),
    "annual pay in the hourly column": ("X1,A,5,Non-clinical,,,,31000,,\n", [(2, "hourly_rate")]),
}


@pytest.mark.parametrize("name", BAD_PAY)
def test_bad_pay_is_refused_whole_with_line_and_column(name, db, organisation, runner, tmp_path):
    rows, expected = BAD_PAY[name]
    result = _import(runner, tmp_path, HEADER + rows + "OK1,A,5,Non-clinical,,,,15,,\n")
    assert result.exit_code == 1
    problems = json.loads(result.stdout)["problems"]
    assert [(p["line"], p["column"]) for p in problems] == expected, problems
    assert _count(db, Staff) == 0
    assert _count(db, DataImport) == 0


def test_pay_gap_page_hides_small_groups_and_shows_units(trust, client, login_as):
    login_as("chair")
    page = client.get("/dashboard/pay-gap?year=2026")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "33.0%" in text and "3.1%" in text  # the whole workforce's mean and median gap
    assert "£22.40" in text and "£15.00" in text
    # Every band and staff group here has 7 or fewer white or BME staff: no gap is shown.
    assert text.count("Not shown: 7 or fewer white or BME staff with pay recorded") == 6
    for name in ("quartiles", "breakdown"):
        chart = client.get(f"/dashboard/pay-gap/{name}.svg?year=2026")
        assert chart.status_code == 200 and chart.mimetype == "image/svg+xml"
    assert client.get("/dashboard/pay-gap/other.svg").status_code == 404


# The arithmetic on its own


def test_median_and_gap():
    assert rules.median([]) is None
    assert rules.median([3]) == 3
    assert rules.median([1, 2, 4, 10]) == 3
    assert rules.gap_percent(20, 15) == pytest.approx(25.0)
    assert rules.gap_percent(None, 15) is None
    assert rules.gap_percent(15, 20) == pytest.approx(-100 / 3)


def test_quartile_sizes_are_as_equal_as_possible():
    assert [e - s for s, e in rules.quartile_bounds(10)] == [2, 3, 2, 3]
    assert [e - s for s, e in rules.quartile_bounds(3)] == [0, 1, 1, 1]
    assert [e - s for s, e in rules.quartile_bounds(8)] == [2, 2, 2, 2]


PEOPLE = st.lists(
    st.tuples(st.integers(10, 14), st.sampled_from(["white", "bme", "unknown"])), max_size=40
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(PEOPLE)
def test_quartiles_keep_everyone_in_pay_order(people):
    quartiles = rules.quartiles(people)
    assert sum(q["staff"] for q in quartiles) == len(people)
    sizes = [q["staff"] for q in quartiles]
    assert max(sizes) - min(sizes) <= 1
    for group in ("white", "bme", "unknown"):
        assert sum(q[group] for q in quartiles) == sum(1 for _, g in people if g == group)
    # Nobody lower paid sits in a higher quartile than someone better paid.
    ordered = rules.spread_ties(people)
    assert [p for p, _ in ordered] == sorted(p for p, _ in people)
    # The order never depends on the order people were given in.
    assert rules.spread_ties(list(reversed(people))) == ordered


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(["white", "bme", "unknown"]), min_size=1, max_size=40))
def test_people_on_the_same_pay_are_split_across_quartiles_in_proportion(groups):
    quartiles = rules.quartiles([(15, g) for g in groups])
    for group in ("white", "bme", "unknown"):
        share = groups.count(group) / len(groups)
        # At every quartile boundary each group is within one person of its share.
        below = staff = 0
        for q in quartiles:
            below, staff = below + q[group], staff + q["staff"]
            assert abs(below - staff * share) < 1, (group, quartiles)
