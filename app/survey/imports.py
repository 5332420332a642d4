"""Applying a staff survey results file: all rows or none. Rows are matched on survey year and
indicator and updated in place, so importing the same file again changes nothing."""

from sqlalchemy import select

from app import audit
from app.csvimport import ImportRefused
from app.extensions import db
from app.import_history import DataImport, finish_import, start_import
from app.survey.files import parse_survey_file
from app.survey.models import SurveyResult
from app.timeutil import today_london

FIELDS = ("white_percent", "bme_percent", "white_respondents", "bme_respondents")


def _plain(value):
    return None if value is None else str(value)


def import_survey(organisation, data: bytes, filename: str, source: str, actor=None) -> DataImport:
    rows, problems = parse_survey_file(data, today_london().year)
    if problems:
        raise ImportRefused(problems)
    existing = {
        (r.survey_year, r.indicator): r
        for r in db.session.scalars(
            select(SurveyResult).where(SurveyResult.organisation_id == organisation.id)
        )
    }
    record = start_import(organisation.id, "survey", filename, source, actor)
    changes = audit.ChangeLog()
    for row in rows:
        values = {name: getattr(row, name) for name in FIELDS}
        result = existing.get((row.survey_year, row.indicator))
        if result is None:
            db.session.add(
                SurveyResult(
                    organisation_id=organisation.id,
                    survey_year=row.survey_year,
                    indicator=row.indicator,
                    data_import_id=record.id,
                    **values,
                )
            )
            record.rows_added += 1
            continue
        changed = {
            name: {"before": _plain(getattr(result, name)), "after": _plain(value)}
            for name, value in values.items()
            if getattr(result, name) != value
        }
        if not changed:
            record.rows_unchanged += 1
            continue
        for name, value in values.items():
            setattr(result, name, value)
        result.data_import_id = record.id
        record.rows_updated += 1
        changes.add({"survey_year": row.survey_year, "indicator": row.indicator, **changed})
    # Results replaced by a later file stay visible in the trail, before and after, attached to
    # the import's one entry.
    return finish_import(record, actor, changes)
