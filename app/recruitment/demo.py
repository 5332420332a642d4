"""Recruitment for the demo trust: three WRES years of vacancies, batches, applications and
panels, shaped like the national picture (white shortlisted applicants about 1.5 times as likely
to be appointed). Goes through the real imports, so the demo obeys the same rules."""

import csv
import io
import random
from datetime import date, timedelta

from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db
from app.recruitment import imports
from app.recruitment.files import PANEL_COLUMNS, RECRUITMENT_COLUMNS
from app.recruitment.models import Batch, PoolMember, Vacancy
from app.workforce.bands import SENIOR_BANDS
from app.workforce.ethnicity import WresGroup, group_of
from app.workforce.models import Staff

BAND_WEIGHTS = {
    "2": 8,
    "3": 10,
    "4": 8,
    "5": 22,
    "6": 18,
    "7": 12,
    "8a": 7,
    "8b": 4,
    "8c": 2,
    "8d": 1,
    "9": 0.5,
    "VSM": 0.5,
}
GROUP_BY_BAND = {"5": "clinical-non-medical", "6": "clinical-non-medical"}
# Job titles that fit the band of the post (a "Ward Sister" is band 7, never band 3).
TITLES = {
    "clinical-non-medical": {
        "2": ["Healthcare Assistant", "Theatre Support Worker"],
        "3": ["Senior Healthcare Assistant", "Phlebotomist", "Therapy Assistant"],
        "4": ["Assistant Practitioner", "Nursing Associate", "Pharmacy Technician"],
        "5": ["Staff Nurse", "Physiotherapist", "Radiographer", "Occupational Therapist"],
        "6": ["Senior Staff Nurse", "Specialist Physiotherapist", "Senior Radiographer"],
        "7": [
            "Ward Sister",
            "Advanced Clinical Practitioner",
            "Clinical Specialist Physiotherapist",
        ],
        "8a": ["Matron", "Lead Radiographer", "Consultant Practitioner"],
        "8b": ["Senior Matron", "Head of Therapies"],
        "8c": ["Head of Nursing", "Consultant Nurse"],
        "8d": ["Deputy Director of Nursing", "Divisional Director of Nursing"],
        "9": ["Director of Allied Health Professions", "Deputy Chief Nurse"],
        "VSM": ["Chief Nurse", "Director of Nursing and Quality"],
    },
    "non-clinical": {
        "2": ["Domestic Assistant", "Porter", "Housekeeper"],
        "3": ["Administrator", "Ward Clerk", "Receptionist"],
        "4": ["Medical Secretary", "Finance Officer", "Senior Administrator"],
        "5": ["HR Advisor", "Estates Officer", "Team Leader"],
        "6": ["Data Analyst", "Senior HR Advisor", "Project Officer"],
        "7": ["Project Manager", "Senior Data Analyst", "Estates Manager"],
        "8a": ["Finance Manager", "Service Manager", "Senior Project Manager"],
        "8b": ["Head of Finance", "Head of HR", "Senior Service Manager"],
        "8c": ["Head of Estates", "Associate Director of Operations"],
        "8d": ["Deputy Director of Finance", "Divisional Director of Operations"],
        "9": ["Director of Estates", "Deputy Chief Operating Officer"],
        "VSM": ["Director of Finance", "Chief Operating Officer", "Director of People"],
    },
}
APPOINT_CHANCE = {WresGroup.WHITE: 0.30, WresGroup.BME: 0.19, WresGroup.UNKNOWN: 0.25}
EXCEPTION_REASONS = [
    "The two trained BME panel members in the division were on leave for the only date the "
    "candidates could attend, and the post could not wait for a second round",
    "An external BME panel member agreed to join and withdrew on the morning of the "
    "interviews; the inclusion lead reviewed the scoring afterwards",
]


def _csv(columns, rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def _applicant_code(rng: random.Random, bme_share: float) -> str:
    roll = rng.random()
    if roll < 0.04:
        return "99"
    return (
        rng.choice(["H", "N", "J", "M", "L", "K", "R", "S"])
        if roll < 0.04 + bme_share
        else rng.choice(["A", "A", "A", "B", "C"])
    )


def seed(organisation, rng: random.Random, today: date, vacancies: int = 260) -> dict:
    staff = list(
        db.session.scalars(
            select(Staff).where(
                Staff.organisation_id == organisation.id,
                Staff.leaving_date.is_(None),
                Staff.pay_band.in_(["6", "7", *SENIOR_BANDS]),
            )
        )
    )
    # The demo's BME panel members joined the pool as such: managers' panel checks count only
    # what people gave for that purpose, never the staff record.
    bme_staff = [s for s in staff if group_of(s.ethnic_category) == WresGroup.BME]
    bme_staff = rng.sample(bme_staff, min(25, len(bme_staff)))
    other_staff = [s for s in staff if group_of(s.ethnic_category) != WresGroup.BME]
    start = date(today.year - 3 if today.month < 4 else today.year - 2, 4, 1)
    days = (today - start).days
    bands, weights = zip(*BAND_WEIGHTS.items(), strict=True)

    rows, panel_rows = [], []
    applicant_number = 0
    batch_number = 0
    vacancy_number = 0
    for index in range(vacancies):
        band = rng.choices(bands, weights)[0]
        group = GROUP_BY_BAND.get(band) or rng.choice(list(TITLES))
        decided = index >= 12
        decision = start + timedelta(days=rng.randint(0, days - 1)) if decided else None
        in_batch = band == "5" and rng.random() < 0.35
        batch_ref = ""
        vacancy_refs = []
        if in_batch:
            batch_number += 1
            batch_ref = f"DB-{batch_number:03d}"
            for _ in range(rng.randint(2, 4)):
                vacancy_number += 1
                vacancy_refs.append(f"DV-{vacancy_number:04d}")
        else:
            vacancy_number += 1
            vacancy_refs.append(f"DV-{vacancy_number:04d}")
        title = rng.choice(TITLES[group][band])
        international = in_batch and rng.random() < 0.4
        appointed_so_far = 0
        for _ in range(rng.randint(6, 16) * len(vacancy_refs)):
            applicant_number += 1
            code = _applicant_code(rng, 0.42 if band in ("5", "6") else 0.30)
            shortlisted = decided and rng.random() < 0.45
            interviewed = shortlisted and rng.random() < 0.8
            appointed = (
                interviewed
                and appointed_so_far < len(vacancy_refs)
                and rng.random() < APPOINT_CHANCE[group_of(code)] * 1.6
            )
            post = vacancy_refs[appointed_so_far] if appointed else ""
            appointed_so_far += appointed
            rows.append(
                {
                    "vacancy_reference": post if in_batch else vacancy_refs[0],
                    "batch_reference": batch_ref,
                    "job_title": title if not in_batch or post else "",
                    "pay_band": band,
                    "staff_group": group,
                    "applicant_reference": f"NJ-{applicant_number:05d}",
                    "ethnic_category": code,
                    "shortlisted": "Y" if shortlisted else "N",
                    "interviewed": "Y" if interviewed else "N",
                    "appointed": "Y" if appointed else "N",
                    "decision_date": decision.isoformat() if shortlisted else "",
                    "international_recruit": "Y" if international else "N",
                }
            )
        if in_batch:  # each vacancy of the batch is named on at least one row
            for ref in vacancy_refs:
                if not any(r["vacancy_reference"] == ref for r in rows):
                    applicant_number += 1
                    rows.append(
                        {
                            "vacancy_reference": ref,
                            "batch_reference": batch_ref,
                            "job_title": title,
                            "pay_band": band,
                            "staff_group": group,
                            "applicant_reference": f"NJ-{applicant_number:05d}",
                            "ethnic_category": _applicant_code(rng, 0.42),
                            "shortlisted": "N",
                            "interviewed": "N",
                            "appointed": "N",
                            "decision_date": "",
                            "international_recruit": "N",
                        }
                    )
        if decided:
            owner = {
                "vacancy_reference": "" if in_batch else vacancy_refs[0],
                "batch_reference": batch_ref,
            }
            for stage in ("shortlisting", "interview"):
                panel_rows.extend(_panel(rng, owner, stage, bme_staff, other_staff))

    imports.import_recruitment(
        organisation, _csv(RECRUITMENT_COLUMNS, rows), "demo-nhs-jobs-export.csv", "demo data"
    )
    imports.import_panels(
        organisation, _csv(PANEL_COLUMNS, panel_rows), "demo-panels.csv", "demo data"
    )
    for member in bme_staff:
        db.session.add(
            PoolMember(
                organisation_id=organisation.id,
                staff_id=member.id,
                training_date=today - timedelta(days=rng.randint(20, 500)),
                note="Inclusion ambassador",
                diverse_member=True,
            )
        )
    _assign_manager(organisation)
    db.session.flush()
    return {"applications": len(rows), "vacancies": vacancy_number, "batches": batch_number}


def _panel(rng, owner, stage, bme_staff, other_staff) -> list[dict]:
    roll = rng.random()
    members = rng.sample(other_staff, 2)
    reason = ""
    if roll < 0.86:
        members.append(rng.choice(bme_staff))
    elif roll < 0.95:
        members.append(rng.choice(other_staff))
        reason = rng.choice(EXCEPTION_REASONS)
    else:
        members.append(rng.choice(other_staff))
    unique = list({m.id: m for m in members}.values())
    return [
        {
            **owner,
            "stage": stage,
            "staff_number": m.staff_number,
            "external_name": "",
            "ethnic_category": "",
            "role": "chair" if i == 0 else "member",
            "exception_reason": reason,
        }
        for i, m in enumerate(unique)
    ]


def _assign_manager(organisation) -> None:
    """The demo manager runs the most recent vacancies, open ones included, and one batch."""
    manager = db.session.scalar(
        select(User).where(User.organisation_id == organisation.id, User.email.like("manager@%"))
    )
    if manager is None:
        return
    recent = list(
        db.session.scalars(
            select(Vacancy)
            .where(Vacancy.organisation_id == organisation.id, Vacancy.batch_id.is_(None))
            .order_by(Vacancy.decision_date.desc().nulls_first())
            .limit(15)
        )
    )
    for vacancy in recent:
        vacancy.recruiting_manager_id = manager.id
    batch = db.session.scalar(
        select(Batch)
        .where(Batch.organisation_id == organisation.id)
        .order_by(Batch.decision_date.desc())
        .limit(1)
    )
    if batch is not None:
        batch.recruiting_manager_id = manager.id
        for vacancy in batch.vacancies:
            vacancy.recruiting_manager_id = manager.id
