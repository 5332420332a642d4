"""The staff survey results: the example imports cleanly twice, every bad file is refused whole
with line and column, and indicators 5 to 8 come out of `flask metrics survey` as computed by
hand, with zero respondents (not available, with the reason) and small numbers flagged."""

import io
import json

import pytest
from sqlalchemy import func, select

from app import audit
from app.audit import AuditEvent
from app.import_history import DataImport
from app.survey.models import SurveyResult
from app.timeutil import today_london

HEADER = "survey_year,indicator,white_percent,bme_percent,white_respondents,bme_respondents\n"


def _count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def _run(runner, *args):
    return runner.invoke(args=[*args, "--json"])


def _json(runner, *args):
    result = _run(runner, *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _import(runner, tmp_path, text, name="survey.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return _run(runner, "survey", "import", str(path))


def test_the_example_imports_cleanly_twice_and_the_second_changes_nothing(
    db, organisation, runner, examples
):
    path = str(examples / "survey.csv")
    first = _json(runner, "survey", "import", path)
    assert (first["added"], first["updated"], first["unchanged"]) == (4, 0, 0)
    before = [
        (r.id, r.updated_at, r.white_percent, r.bme_respondents)
        for r in db.session.scalars(select(SurveyResult).order_by(SurveyResult.id))
    ]
    second = _json(runner, "survey", "import", path)
    assert (second["added"], second["updated"], second["unchanged"]) == (0, 0, 4)
    after = [
        (r.id, r.updated_at, r.white_percent, r.bme_respondents)
        for r in db.session.scalars(select(SurveyResult).order_by(SurveyResult.id))
    ]
    assert after == before
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions.count("survey.imported") == 2


def test_a_corrected_file_updates_in_place_and_the_trail_keeps_before_and_after(
    db, organisation, runner, tmp_path
):
    assert _import(runner, tmp_path, HEADER + "2025,5,24.1,27.9,2210,1034\n").exit_code == 0
    result = _import(runner, tmp_path, HEADER + "2025,5,24.1,28.4,2210,1034\n")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["updated"] == 1
    (row,) = db.session.scalars(select(SurveyResult)).all()
    assert float(row.bme_percent) == 28.4
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "survey.imported").order_by(AuditEvent.id)
    ).all()[-1]
    assert audit.changes_of(event) == [
        {
            "survey_year": 2025,
            "indicator": 5,
            "bme_percent": {"before": "27.9000", "after": "28.4"},
        }
    ]


BAD_FILES = {
    "an indicator outside 5 to 8": (
        "2025,4,24.1,27.9,2210,1034\n2025,9,24.1,27.9,2210,1034\n",
        [(2, "indicator"), (3, "indicator")],
    ),
    "a percentage outside 0 to 100": (
        "2025,5,101,27.9,2210,1034\n2025,6,19.8,-0.5,2208,1031\n",
        [(2, "white_percent"), (3, "bme_percent")],
    ),
    "respondents below 0": ("2025,5,24.1,27.9,-1,1034\n", [(2, "white_respondents")]),
    "the same survey year and indicator twice": (
        "2025,5,24.1,27.9,2210,1034\n2025,6,19.8,26.3,2208,1031\n2025,5,24.0,27.0,2200,1000\n",
        [(4, "indicator")],
    ),
    "a survey year in the future": (
        f"{today_london().year + 1},5,24.1,27.9,2210,1034\n",
        [(2, "survey_year")],
    ),
    "words where numbers belong": (
        "twenty,5,about a quarter,27.9,2210,many\n",
        [(2, "survey_year"), (2, "white_percent"), (2, "bme_respondents")],
    ),
    "a percentage of no respondents, and none for some": (
        "2025,5,24.1,27.9,0,1034\n2025,6,,26.3,2208,1031\n",
        [(2, "white_percent"), (3, "white_percent")],
    ),
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_each_bad_file_is_refused_whole_with_line_and_column(
    name, db, organisation, runner, tmp_path
):
    rows, expected = BAD_FILES[name]
    # A good row first: nothing of it may be written either.
    result = _import(runner, tmp_path, HEADER + "2024,7,60.0,45.0,2100,990\n" + rows)
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    # Lines below count the first bad row as line 2, as if the good row were not there.
    found = [(p["line"] - 1, p["column"]) for p in document["problems"]]
    # Problems come sorted by line and column.
    assert found == sorted(expected), document["problems"]
    assert _count(db, SurveyResult) == 0
    assert _count(db, DataImport) == 0


def test_a_missing_column_is_refused_by_name(db, organisation, runner, tmp_path):
    result = _import(runner, tmp_path, "survey_year,indicator,white_percent\n2025,5,24.1\n")
    assert result.exit_code == 1
    columns = {p["column"] for p in json.loads(result.stdout)["problems"]}
    assert columns == {"bme_percent", "white_respondents", "bme_respondents"}


def test_indicators_5_to_8_with_gap_trend_zero_and_small_numbers(
    db, organisation, runner, tmp_path
):
    text = HEADER + (
        # 2024 survey: WRES year 2025
        "2024,5,25.0,30.5,2000,1000\n"
        "2024,7,60.0,45.25,2100,990\n"
        # 2025 survey: WRES year 2026
        "2025,5,24.1,27.9,2210,1034\n"
        "2025,6,19.8,,2208,0\n"  # no BME respondents
        "2025,7,58.6,44.2,2199,6\n"  # small numbers
    )
    assert _import(runner, tmp_path, text).exit_code == 0
    document = _json(runner, "metrics", "survey", "--year", "2026")
    assert (document["year"], document["survey_year"]) == (2026, 2025)
    by = {i["indicator"]: i for i in document["indicators"]}
    assert list(by) == [5, 6, 7, 8]

    five = by[5]
    assert five["white_percent"] == pytest.approx(24.1)
    assert five["bme_percent"] == pytest.approx(27.9)
    assert (five["white_respondents"], five["bme_respondents"]) == (2210, 1034)
    assert five["gap_points"] == pytest.approx(3.8)  # 27.9 - 24.1: BME staff fare worse
    assert five["bme_worse"] is True and five["note"] is None
    assert [(t["survey_year"], t["year"], t["gap_points"]) for t in five["trend"]] == [
        (2024, 2025, pytest.approx(5.5)),
        (2025, 2026, pytest.approx(3.8)),
    ]

    six = by[6]
    assert six["bme_percent"] is None and six["gap_points"] is None
    assert six["bme_worse"] is None
    assert six["note"] == "not available: no BME respondents"

    seven = by[7]  # higher is better: a negative gap means BME staff fare worse
    assert seven["gap_points"] == pytest.approx(44.2 - 58.6)
    assert seven["bme_worse"] is True
    assert seven["better"] == "higher"
    assert seven["note"].startswith("small numbers: fewer than 10 BME respondents")
    assert [t["gap_points"] for t in seven["trend"]] == [
        pytest.approx(-14.75),
        pytest.approx(-14.4),
    ]

    eight = by[8]
    assert eight["white_percent"] is None and eight["gap_points"] is None
    assert eight["note"].startswith("not available: no result")
    assert eight["trend"] == []

    # A year with no survey at all: every indicator not available, nothing invented.
    empty = _json(runner, "metrics", "survey", "--year", "2024")
    assert empty["survey_year"] == 2023
    assert all(i["gap_points"] is None for i in empty["indicators"])


def test_figures_page_and_upload_page(db, organisation, client, login_as, examples):
    login_as("hr-admin")
    page = client.get("/survey/imports")
    assert page.status_code == 200
    good = client.post(
        "/survey/imports",
        data={"file": (io.BytesIO((examples / "survey.csv").read_bytes()), "survey.csv")},
        content_type="multipart/form-data",
    )
    assert good.status_code == 302
    assert _count(db, SurveyResult) == 4
    refused = client.post(
        "/survey/imports",
        data={"file": (io.BytesIO((HEADER + "2025,9,1,1,1,1\n").encode()), "s.csv")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 400
    assert "is not a staff survey indicator" in refused.get_data(as_text=True)
    figures = client.get("/dashboard/staff-survey?year=2026")
    text = figures.get_data(as_text=True)
    assert figures.status_code == 200
    assert "+3.8 points" in text and "-14.4 points" in text and "58.6%" in text
    chart = client.get("/dashboard/staff-survey/trend.svg?year=2026")
    assert chart.status_code == 200 and chart.mimetype == "image/svg+xml"
