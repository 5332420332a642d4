"""Staff survey results for the demo trust: the last four surveys, near the national WRES
picture (BME staff report more harassment and discrimination and less belief in equal
opportunities), with respondents about 45% of each group's staff, through the real import."""

import csv
import io
import random
from datetime import date

from sqlalchemy import func, select

from app.extensions import db
from app.survey.files import COLUMNS
from app.survey.imports import import_survey
from app.workforce.ethnicity import sql_group
from app.workforce.models import Staff

# indicator: (white %, BME %, yearly drift of the BME figure in points)
NATIONAL = {
    5: (26.0, 29.0, -0.3),
    6: (23.5, 28.0, -0.2),
    7: (58.5, 45.0, 0.6),
    8: (6.5, 16.5, -0.2),
}
RESPONSE_RATE = 0.45


def seed(organisation, rng: random.Random, today: date) -> dict:
    staff = dict(
        db.session.execute(
            select(sql_group(Staff.ethnic_category), func.count())
            .where(Staff.organisation_id == organisation.id, Staff.pay_band.is_not(None))
            .group_by(sql_group(Staff.ethnic_category))
        ).all()
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    years = range(today.year - 4, today.year)
    for step, survey_year in enumerate(years):
        for indicator, (white, bme, drift) in NATIONAL.items():
            white_n = round(staff.get("white", 0) * RESPONSE_RATE * rng.uniform(0.9, 1.1))
            bme_n = round(staff.get("bme", 0) * RESPONSE_RATE * rng.uniform(0.85, 1.05))
            writer.writerow(
                [
                    survey_year,
                    indicator,
                    f"{white + rng.uniform(-1, 1):.1f}" if white_n else "",
                    f"{bme + drift * step + rng.uniform(-1.2, 1.2):.1f}" if bme_n else "",
                    white_n,
                    bme_n,
                ]
            )
    record = import_survey(
        organisation, buffer.getvalue().encode(), "demo-staff-survey.csv", "demo data"
    )
    return {"survey_results": record.rows_added}
