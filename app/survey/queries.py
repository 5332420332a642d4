"""WRES indicators 5 to 8 from the staff survey results (DOMAIN.md section 13): each year's white
and BME percentages, the gap in points and the trend. Read-only; one query per call."""

from sqlalchemy import select

from app.extensions import db
from app.metrics.formulas import SMALL_NUMBERS
from app.survey.models import SurveyResult
from app.workforce.wres_year import WresYear

INDICATORS = {
    5: "Staff experiencing harassment, bullying or abuse from patients, relatives or the public "
    "in the last 12 months",
    6: "Staff experiencing harassment, bullying or abuse from staff in the last 12 months",
    7: "Staff believing that the organisation provides equal opportunities for career "
    "progression or promotion",
    8: "Staff who personally experienced discrimination at work from a manager, team leader or "
    "other colleagues in the last 12 months",
}
SHORT_NAMES = {
    5: "Harassment from patients and the public",
    6: "Harassment from staff",
    7: "Equal opportunities for progression",
    8: "Discrimination from managers or colleagues",
}
# For 5, 6 and 8 a lower percentage is better; for 7 a higher one.
HIGHER_IS_BETTER = {5: False, 6: False, 7: True, 8: False}


def survey_year_of(year: int) -> int:
    """The survey run in the autumn inside WRES year Y ran in calendar year Y - 1."""
    return WresYear(year).start.year


def _float(value) -> float | None:
    return None if value is None else float(value)


def figure(indicator: int, result: SurveyResult | None) -> dict:
    """One indicator's figure for a year: the percentages, respondents, gap in points (BME minus
    white) and whether BME staff fare worse, or None with the reason."""
    base = {
        "indicator": indicator,
        "name": INDICATORS[indicator],
        "better": "higher" if HIGHER_IS_BETTER[indicator] else "lower",
    }
    if result is None:
        return base | {
            "white_percent": None,
            "bme_percent": None,
            "white_respondents": None,
            "bme_respondents": None,
            "gap_points": None,
            "bme_worse": None,
            "note": "not available: no result for this indicator has been imported for the year",
        }
    white, bme = _float(result.white_percent), _float(result.bme_percent)
    missing = [
        name
        for name, respondents in (
            ("white", result.white_respondents),
            ("BME", result.bme_respondents),
        )
        if respondents == 0
    ]
    if missing:
        gap, worse = None, None
        note = f"not available: no {' or '.join(missing)} respondents"
    else:
        gap = float(result.bme_percent - result.white_percent)
        worse = (gap < 0) if HIGHER_IS_BETTER[indicator] else (gap > 0)
        small = [
            name
            for name, n in (("white", result.white_respondents), ("BME", result.bme_respondents))
            if n < SMALL_NUMBERS
        ]
        note = (
            f"small numbers: fewer than {SMALL_NUMBERS} {' and '.join(small)} respondents; "
            "read with care"
            if small
            else None
        )
    return base | {
        "white_percent": white,
        "bme_percent": bme,
        "white_respondents": result.white_respondents,
        "bme_respondents": result.bme_respondents,
        "gap_points": gap,
        "bme_worse": worse,
        "note": note,
    }


def _results(organisation_id: int, up_to_survey_year: int | None = None) -> list[SurveyResult]:
    query = select(SurveyResult).where(SurveyResult.organisation_id == organisation_id)
    if up_to_survey_year is not None:
        query = query.where(SurveyResult.survey_year <= up_to_survey_year)
    return list(
        db.session.scalars(query.order_by(SurveyResult.survey_year, SurveyResult.indicator))
    )


def survey(organisation_id: int, year: int) -> dict:
    """The JSON document of INTERFACES.md for WRES year `year`, with each indicator's trend over
    the survey years up to it."""
    survey_year = survey_year_of(year)
    results = _results(organisation_id, survey_year)
    this_year = {r.indicator: r for r in results if r.survey_year == survey_year}
    indicators = []
    for indicator in INDICATORS:
        item = figure(indicator, this_year.get(indicator))
        item["trend"] = [
            {"year": r.survey_year + 1, "survey_year": r.survey_year}
            | {
                k: v
                for k, v in figure(indicator, r).items()
                if k in ("white_percent", "bme_percent", "gap_points", "bme_worse")
            }
            for r in results
            if r.indicator == indicator
        ]
        indicators.append(item)
    return {"year": year, "survey_year": survey_year, "indicators": indicators}
