"""Every figure of DOMAIN.md sections 5-7 from a small, hand-computed trust, through the
commands, on whichever database the suite runs on."""

import json
import math

import pytest

from tests import factories
from tests.metrics.conftest import BME, WHITE


def _json(runner, *args):
    result = runner.invoke(args=[*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_indicator2_with_every_field(trust, runner):
    document = _json(runner, "metrics", "indicator2", "--year", "2026")
    white_rate, bme_rate = 4 / 11, 3 / 14
    ratio = white_rate / bme_rate
    se = math.sqrt(1 / 4 - 1 / 11 + 1 / 3 - 1 / 14)
    assert document == {
        "year": 2026,
        "period_start": "2025-04-01",
        "period_end": "2026-03-31",
        "white_shortlisted": 11,
        "white_appointed": 4,
        "bme_shortlisted": 14,
        "bme_appointed": 3,
        "unknown_shortlisted": 2,
        "unknown_appointed": 1,
        "white_rate": pytest.approx(white_rate),
        "bme_rate": pytest.approx(bme_rate),
        "relative_likelihood": pytest.approx(ratio),
        "ci_low": pytest.approx(math.exp(math.log(ratio) - 1.96 * se)),
        "ci_high": pytest.approx(math.exp(math.log(ratio) + 1.96 * se)),
        "classification": "adverse-to-bme",
        "note": None,
        "white_withdrawn": 0,
        "bme_withdrawn": 1,
        "unknown_withdrawn": 0,
        "withdrawn": 1,
    }
    assert round(document["relative_likelihood"], 2) == 1.70


def test_indicator2_excluding_international_and_by_band(trust, runner):
    domestic = _json(runner, "metrics", "indicator2", "--year", "2026", "--exclude-international")
    assert (domestic["bme_shortlisted"], domestic["bme_appointed"]) == (13, 2)
    assert domestic["relative_likelihood"] == pytest.approx((4 / 11) / (2 / 13))
    by_band = _json(runner, "metrics", "indicator2", "--year", "2026", "--by", "band")
    groups = {g["band"]: g for g in by_band["groups"]}
    assert list(groups) == ["5", "8a"]
    assert groups["5"]["relative_likelihood"] == pytest.approx((3 / 10) / (3 / 13))
    assert groups["8a"]["relative_likelihood"] is None
    assert groups["8a"]["classification"] == "adverse-to-bme"
    assert groups["8a"]["note"].startswith("No BME applicant appointed")
    by_group = _json(runner, "metrics", "indicator2", "--year", "2026", "--by", "staff-group")
    assert {g["staff_group"] for g in by_group["groups"]} == {
        "clinical-non-medical",
        "non-clinical",
    }


def test_a_year_with_no_bme_shortlisted_and_a_year_with_no_data(trust, runner):
    last = _json(runner, "metrics", "indicator2", "--year", "2025")
    assert (last["white_shortlisted"], last["classification"]) == (4, "not-available")
    assert "no BME applicants were shortlisted" in last["note"]
    empty = _json(runner, "metrics", "indicator2", "--year", "2020")
    assert empty["white_shortlisted"] == 0 and empty["relative_likelihood"] is None
    assert empty["classification"] == "not-available"


def test_indicators_1_and_9(trust, app):
    from app.metrics import queries

    one = queries.indicator1(trust.id, 2026)
    assert one["total"] == {
        "white": 9,
        "bme": 6,
        "unknown": 1,
        "total": 16,
        "bme_share": pytest.approx(6 / 15),
        "bme_share_of_headcount": pytest.approx(6 / 16),
    }
    eight_a = next(r for r in one["rows"] if r["band"] == "8a")
    assert (eight_a["white"], eight_a["bme"], eight_a["unknown"]) == (3, 1, 1)
    nine = queries.indicator9(trust.id, 2026)
    assert nine["board-voting"]["bme_share"] == pytest.approx(1 / 4)
    assert nine["voting_gap_points"] == pytest.approx(100 * (1 / 4 - 6 / 15))
    assert nine["executive_gap_points"] == pytest.approx(100 * (1 / 3 - 6 / 15))


def test_aspiration_by_hand(trust, runner):
    document = _json(
        runner, "metrics", "aspiration", "--as-at", "2026-03-31", "--target-year", "2028"
    )
    assert document["as_at"] == "2026-03-31" and document["target_year"] == 2028
    target = 6 / 15
    assert document["target_share"] == pytest.approx(target)
    rows = {b["band"]: b for b in document["bands"]}
    assert list(rows) == ["8a", "8b", "8c", "8d", "9", "VSM", "8a+", "board"]
    assert set(rows["8a"]) == {
        "band",
        "headcount",
        "bme",
        "white",
        "unknown",
        "bme_share",
        "turnover",
        "turnover_source",
        "years",
        "required_recruit_share",
        "required_bme_recruits_per_year",
        "observed_recruit_share",
        "on_track",
        "status",
        "note",
        "bme_share_of_headcount",
    }
    a = rows["8a"]
    # One leaver over an average headcount of 5.5 is too few staff to measure: the default.
    turnover = 0.10
    remaining = (1 - turnover) ** 2
    required = (target - 0.25 * remaining) / (1 - remaining)
    assert (a["headcount"], a["bme"], a["white"], a["unknown"]) == (5, 1, 3, 1)
    assert a["turnover_source"] == "default"
    assert a["turnover"] == pytest.approx(turnover)
    assert a["required_recruit_share"] == pytest.approx(required)
    assert a["required_bme_recruits_per_year"] == math.ceil(required * turnover * 5)
    assert a["observed_recruit_share"] == 0.0
    # (0.4 - 0.25 * 0.81) / 0.19 = 1.04: unreachable at the default turnover
    assert (a["status"], a["on_track"]) == ("unreachable", False)
    assert rows["8b"]["status"] == "not-available" and "No staff" in rows["8b"]["note"]
    vsm = rows["VSM"]
    assert vsm["turnover_source"] == "default" and vsm["turnover"] == pytest.approx(0.10)
    assert vsm["required_recruit_share"] == pytest.approx((target - (1 / 3) * 0.81) / 0.19)
    assert vsm["observed_recruit_share"] is None and vsm["status"] == "behind"
    board = rows["board"]
    assert board["headcount"] == 4 and board["bme_share"] == pytest.approx(0.25)
    assert board["required_recruit_share"] == pytest.approx((target - 0.25 * 0.81) / 0.19)
    assert board["status"] == "unreachable"  # 104% of recruits: shown, not clamped
    assert "even if every recruit were BME" in board["note"]
    pipeline = rows["8a+"]
    assert (pipeline["headcount"], pipeline["bme"]) == (8, 2)
    assert pipeline["turnover_source"] == "weighted-mean-of-bands"
    assert pipeline["turnover"] == pytest.approx(0.10)


def test_aspiration_override_met_past_and_unknown(trust, runner, db, organisation):
    override = _json(
        runner,
        "metrics",
        "aspiration",
        "--as-at",
        "2026-03-31",
        "--target-year",
        "2028",
        "--turnover",
        "0.15",
    )
    eight_a = override["bands"][0]
    assert eight_a["turnover_source"] == "override"
    assert eight_a["required_recruit_share"] == pytest.approx(
        (6 / 15 - 0.25 * 0.85**2) / (1 - 0.85**2)
    )
    past = _json(runner, "metrics", "aspiration", "--as-at", "2026-03-31", "--target-year", "2023")
    assert {b["status"] for b in past["bands"]} <= {"behind", "target-met", "not-available"}
    assert past["bands"][0]["required_recruit_share"] is None
    assert "has passed" in past["bands"][0]["note"]


def test_every_ethnicity_unknown(runner, db, organisation):
    for band in ("8a", "5"):
        factories.StaffFactory(organisation=organisation, pay_band=band, ethnic_category="99")
    db.session.commit()
    document = _json(runner, "metrics", "aspiration", "--as-at", "2026-03-31")
    assert document["target_share"] is None
    assert document["bands"][0]["status"] == "not-available"
    assert "unknown" in document["bands"][0]["note"]


def test_target_met(runner, db, organisation):
    for band, category in [("8a", BME), ("8a", BME), ("5", WHITE), ("5", BME)]:
        factories.StaffFactory(organisation=organisation, pay_band=band, ethnic_category=category)
    db.session.commit()
    document = _json(runner, "metrics", "aspiration", "--as-at", "2026-03-31")
    eight_a = document["bands"][0]
    assert eight_a["status"] == "target-met"
    assert eight_a["required_recruit_share"] == pytest.approx(document["target_share"])
