"""Disciplinary cases and training records for the demo trust, over the WRES years the demo's
recruitment covers, so its dashboard section and its return have indicators 3 and 4. They go in
through the same imports HR uses, as files, so they show in the import history too.

BME staff are somewhat more likely to enter a formal investigation and somewhat less likely to get
non-mandatory training, as in most trusts' returns."""

import csv
import io
import random
from datetime import date, timedelta

from sqlalchemy import select

from app.extensions import db
from app.workforce.ethnicity import WresGroup, group_of
from app.workforce.models import Staff
from app.workforce.wres_year import WresYear, year_containing
from app.wres_return.imports import import_disciplinary, import_training

YEARS = 3
# Chance a year of entering a formal disciplinary investigation, and of a non-mandatory course.
INVESTIGATION = {WresGroup.WHITE: 0.008, WresGroup.BME: 0.013, WresGroup.UNKNOWN: 0.010}
TRAINING = {WresGroup.WHITE: 0.42, WresGroup.BME: 0.35, WresGroup.UNKNOWN: 0.30}
COURSES = [
    "Leading Change in Health and Care",
    "Mary Seacole Programme",
    "Coaching Skills for Managers",
    "Quality Improvement Foundations",
    "Advanced Clinical Practice module",
]
MANDATORY_CHANCE = 0.3
MANDATORY = ["Information Governance", "Fire Safety", "Safeguarding Adults Level 2"]


def _csv(header: list[str], rows: list[list]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([header, *rows])
    return buffer.getvalue().encode()


def seed(organisation, rng: random.Random, today: date) -> dict:
    staff = db.session.execute(
        select(
            Staff.staff_number, Staff.ethnic_category, Staff.start_date, Staff.leaving_date
        ).where(Staff.organisation_id == organisation.id, Staff.pay_band.is_not(None))
    ).all()
    current = year_containing(today).year
    cases, courses = [], []
    for year in range(current - YEARS + 1, current + 1):
        wres_year = WresYear(year)
        days = (min(wres_year.end, today) - wres_year.start).days
        for number, category, started, left in staff:
            group = group_of(category)
            for kind, chance in (
                ("case", INVESTIGATION[group]),
                ("N", TRAINING[group]),
                ("Y", MANDATORY_CHANCE),
            ):
                if rng.random() >= chance:
                    continue
                day = wres_year.start + timedelta(days=rng.randint(0, days))
                if not ((started is None or started <= day) and (left is None or left > day)):
                    continue  # not in post that day
                if kind == "case":
                    cases.append([f"ER-{year}-{len(cases) + 1:05d}", number, day.isoformat()])
                else:
                    course = rng.choice(COURSES if kind == "N" else MANDATORY)
                    courses.append([number, course, day.isoformat(), kind])
    import_disciplinary(
        organisation,
        _csv(["case_reference", "staff_number", "investigation_start_date"], cases),
        "demo-disciplinary.csv",
        "demo data",
    )
    # The same person, course and day twice is one record.
    unique = list({(r[0], r[1], r[2]): r for r in courses}.values())
    import_training(
        organisation,
        _csv(["staff_number", "course", "start_date", "mandatory"], unique),
        "demo-training.csv",
        "demo data",
    )
    return {"disciplinary_cases": len(cases), "training_records": len(unique)}
