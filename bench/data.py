"""Realistic generated extracts for `make bench`: staff, recruitment, panels, mentoring.

Deterministic (a seeded generator), written straight to CSV files in the formats of
INTERFACES.md, so the same size gives the same files on every run and every database.
"""

import csv
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

ORG = "BENCH"
# Shares roughly as in a large English trust: most staff in bands 2 to 7, a few VSMs.
BANDS = ["2", "3", "4", "5", "6", "7", "8a", "8b", "8c", "8d", "9", "VSM"]
BAND_WEIGHTS = [8, 10, 8, 22, 18, 12, 7, 4, 2, 1, 0.5, 0.5]
# Categories as ESR spells them: white A-C, BME D-S, not stated Z, not known 99.
ETHNIC = ["A", "A", "A", "A", "A", "B", "C", "D", "H", "J", "K", "L", "M", "N", "R", "S", "Z"]
GROUPS = ["Non-clinical", "Clinical non-medical", "Medical and dental"]
APPLICATIONS_PER_VACANCY = 12
BOARD = 20


@dataclass(frozen=True)
class Size:
    name: str
    staff: int
    applications: int
    panel_rows: int
    mentoring: int


SIZES = {
    # A quick check that the bench itself works (`make bench SIZE=smoke`), not a measure.
    "smoke": Size("smoke", 2_000, 6_000, 4_500, 100),
    "trust": Size("trust", 20_000, 59_360, 44_560, 1_080),
    "mid": Size("mid", 32_048, 95_108, 71_410, 1_731),
    "national": Size("national", 320_408, 951_136, 714_010, 17_310),
}


@dataclass
class Files:
    staff: Path
    recruitment: Path
    panels: Path
    mentoring: Path
    rows: dict


def staff_number(i: int) -> str:
    return str(40_000_000 + i)


def generate(size: Size, folder: Path) -> Files:
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(size.staff)
    files = Files(
        folder / "staff.csv",
        folder / "recruitment.csv",
        folder / "panels.csv",
        folder / "mentoring.csv",
        {},
    )
    bands, categories = [], []
    with files.staff.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(
            [
                "staff_number",
                "organisation_code",
                "full_name",
                "ethnic_category",
                "pay_band",
                "staff_group",
                "board_member",
                "board_voting",
                "start_date",
                "leaving_date",
            ]
        )
        for i in range(size.staff):
            band = rng.choices(BANDS, BAND_WEIGHTS)[0]
            board = ""
            if i < BOARD:
                band, board = ("VSM", "Executive") if i % 2 else ("", "Non-executive")
            category = rng.choice(ETHNIC)
            started = date(2005, 1, 1) + timedelta(days=rng.randint(0, 7000))
            leaving = ""
            if rng.random() < 0.08 and i >= BOARD:
                leaving = (date(2025, 4, 1) + timedelta(days=rng.randint(0, 500))).isoformat()
            bands.append(band)
            categories.append(category)
            writer.writerow(
                [
                    staff_number(i),
                    ORG,
                    f"{rng.choice(_FIRST)} {rng.choice(_LAST)} {i}",
                    category,
                    band,
                    GROUPS[0] if board else rng.choice(GROUPS),
                    board,
                    "Y" if board else "",
                    started.isoformat(),
                    leaving,
                ]
            )
    files.rows["staff"] = size.staff

    vacancies = -(-size.applications // APPLICATIONS_PER_VACANCY)
    with files.recruitment.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(
            [
                "vacancy_reference",
                "job_title",
                "pay_band",
                "staff_group",
                "applicant_reference",
                "ethnic_category",
                "shortlisted",
                "interviewed",
                "appointed",
                "decision_date",
            ]
        )
        for i in range(size.applications):
            vacancy = i // APPLICATIONS_PER_VACANCY
            band = ["4", "5", "6", "7", "8a", "8b", "8c"][vacancy % 7]
            decided = date(2024, 4, 1) + timedelta(days=(vacancy * 7) % 900)
            shortlisted = i % APPLICATIONS_PER_VACANCY < 5 or rng.random() < 0.1
            appointed = i % APPLICATIONS_PER_VACANCY == 0
            writer.writerow(
                [
                    f"BV-{vacancy:07d}",
                    "Staff nurse" if vacancy % 3 else "Team leader",
                    band,
                    GROUPS[vacancy % 3],
                    f"BA-{i:08d}",
                    rng.choice(ETHNIC),
                    "Y" if shortlisted else "N",
                    "Y" if shortlisted else "N",
                    "Y" if appointed else "N",
                    decided.isoformat(),
                ]
            )
    files.rows["recruitment"] = size.applications
    files.rows["vacancies"] = vacancies

    written = 0
    with files.panels.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(
            [
                "vacancy_reference",
                "stage",
                "staff_number",
                "external_name",
                "ethnic_category",
                "role",
                "exception_reason",
            ]
        )
        panel = 0
        while written < size.panel_rows:
            vacancy, stage = divmod(panel, 2)
            if vacancy >= vacancies:
                break
            members = min(rng.choice([4, 4, 5, 5, 4]), size.panel_rows - written)
            reason = "No BME colleague was free that week" if panel % 29 == 0 else ""
            chosen = rng.sample(range(BOARD, size.staff), members)
            for m in range(members):
                external = m == members - 1 and panel % 5 == 0
                writer.writerow(
                    [
                        f"BV-{vacancy:07d}",
                        "interview" if stage else "shortlisting",
                        "" if external else staff_number(chosen[m]),
                        f"External member {panel}" if external else "",
                        rng.choice(ETHNIC) if external else "",
                        "chair" if m == 0 else ("independent" if external else "member"),
                        reason,
                    ]
                )
            written += members
            panel += 1
    files.rows["panels"] = written

    leaders = [i for i in range(size.staff) if bands[i] == "VSM" or i < BOARD]
    colleagues = [
        i
        for i in range(BOARD, size.staff)
        if categories[i] not in "ABCZ" and bands[i] not in ("9", "VSM")
    ]
    pairs = set()
    with files.mentoring.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(
            [
                "mentor_staff_number",
                "mentee_staff_number",
                "type",
                "start_date",
                "end_date",
                "last_session_date",
            ]
        )
        while len(pairs) < min(size.mentoring, len(leaders) * len(colleagues)):
            pair = (rng.choice(leaders), rng.choice(colleagues))
            if pair in pairs:
                continue
            pairs.add(pair)
            started = date(2024, 5, 1) + timedelta(days=rng.randint(0, 540))
            writer.writerow(
                [
                    staff_number(pair[0]),
                    staff_number(pair[1]),
                    ["mentoring", "reverse-mentoring", "sponsorship"][len(pairs) % 3],
                    started.isoformat(),
                    "",
                    (started + timedelta(days=30)).isoformat(),
                ]
            )
    files.rows["mentoring"] = len(pairs)
    return files


_FIRST = ["Asha", "Tom", "Grace", "Farah", "Olu", "Mei", "Sam", "Priya", "Kofi", "Ewa", "Jon"]
_LAST = ["Patel", "Walsh", "Mensah", "Khan", "Adeyemi", "Chen", "Jones", "Nowak", "Smith"]
