"""A believable synthetic trust for `make run` and demonstrations.

The mix by band and ethnicity follows the shape of the national WRES picture: about 28% BME
overall, over 40% at band 5 and among doctors, falling to around 10% at VSM. Everything is made
up, and the same seed always makes the same trust. Staff go through the real import, so demo data
obeys the same rules as an ESR extract.
"""

import csv
import io
import random
from datetime import date, timedelta

from app.accounts import services as accounts
from app.accounts.roles import Role
from app.workforce import services
from app.workforce.ethnicity import WresGroup, group_of
from app.workforce.staff_file import COLUMNS

ORG_CODE = "DEMO1"
ORG_NAME = "Demo Valley NHS Foundation Trust"
REGION = "Midlands"
REGIONAL_TEAM = ("DEMOR", "NHS England Midlands regional team (demo)")
NEIGHBOURS = [
    ("DEMO2", "Demo Hills Community Health NHS Trust", 1800, 31),
    ("DEMO3", "Demo Coast Hospitals NHS Trust", 2600, 37),
]
PASSWORD = "demo-password-2026"  # noqa: S105 (demo trust only; printed by make run)
DOMAIN = "demo.nhs.uk"
LOGINS = [
    (f"hr@{DOMAIN}", Role.HR_ADMIN.value),
    (f"manager@{DOMAIN}", Role.RECRUITING_MANAGER.value),
    (f"chair@{DOMAIN}", Role.CHAIR.value),
    (f"leader@{DOMAIN}", Role.SENIOR_LEADER.value),
    (f"regional@{DOMAIN}", Role.REGIONAL_VIEWER.value),
    (f"national@{DOMAIN}", Role.NATIONAL_VIEWER.value),
]

# band: (share of the workforce, BME share of known ethnicities, staff group)
BAND_MIX = {
    "1": (0.005, 0.20, "non-clinical"),
    "2": (0.115, 0.25, None),
    "3": (0.13, 0.24, None),
    "4": (0.09, 0.22, "non-clinical"),
    "5": (0.195, 0.36, "clinical-non-medical"),
    "6": (0.165, 0.28, "clinical-non-medical"),
    "7": (0.105, 0.20, None),
    "8a": (0.046, 0.17, None),
    "8b": (0.021, 0.15, None),
    "8c": (0.010, 0.13, None),
    "8d": (0.005, 0.12, None),
    "9": (0.002, 0.11, "non-clinical"),
    "VSM": (0.0017, 0.10, "non-clinical"),
    "consultant": (0.049, 0.40, "medical-dental"),
    "non-consultant-career-grade": (0.015, 0.55, "medical-dental"),
    "trainee": (0.041, 0.42, "medical-dental"),
    "other-medical": (0.003, 0.35, "medical-dental"),
}
UNKNOWN_SHARE = 0.05
WHITE_CODES = ["A"] * 16 + ["B", "C", "CP"]
BME_CODES = ["H"] * 5 + ["N"] * 4 + ["J"] * 2 + ["M", "L", "L", "K", "P", "R", "S", "D", "F", "G"]
UNKNOWN_CODES = ["Z", "99", ""]
# Annual basic pay ranges (pounds, lowest to highest point), near the 2025/26 Agenda for Change
# and medical scales, for the demo's pay columns (the ethnicity pay gap).
PAY_RANGES = {
    "1": (24_465, 24_465),
    "2": (24_465, 24_465),
    "3": (24_937, 26_598),
    "4": (27_485, 30_162),
    "5": (31_049, 37_796),
    "6": (38_682, 46_580),
    "7": (47_810, 54_710),
    "8a": (55_690, 62_682),
    "8b": (64_455, 74_896),
    "8c": (76_965, 88_682),
    "8d": (91_342, 105_337),
    "9": (109_179, 125_637),
    "VSM": (130_000, 185_000),
    "consultant": (109_725, 145_478),
    "non-consultant-career-grade": (52_530, 82_400),
    "trainee": (38_831, 73_992),
    "other-medical": (50_000, 90_000),
}
PART_TIME_HOURS = ["22.5", "30", "15", "33.75"]

FIRST_NAMES = {
    WresGroup.WHITE: [
        "Emma",
        "James",
        "Sophie",
        "Oliver",
        "Claire",
        "Tom",
        "Helen",
        "Mark",
        "Sarah",
        "David",
        "Aoife",
        "Piotr",
        "Anna",
        "Rachel",
        "Gareth",
        "Lucy",
    ],
    WresGroup.BME: [
        "Asha",
        "Ifeoma",
        "Kwame",
        "Priya",
        "Imran",
        "Mei",
        "Chidi",
        "Fatima",
        "Ravi",
        "Grace",
        "Tariq",
        "Nadia",
        "Joseph",
        "Aisha",
        "Sanjay",
        "Lin",
    ],
    WresGroup.UNKNOWN: ["Sam", "Alex", "Jo", "Chris", "Jordan", "Robin", "Kim", "Taylor"],
}
LAST_NAMES = {
    WresGroup.WHITE: [
        "Smith",
        "Walsh",
        "Carter",
        "Evans",
        "Murphy",
        "Nowak",
        "Taylor",
        "Hughes",
        "Wright",
        "Green",
        "Kowalski",
        "Brennan",
    ],
    WresGroup.BME: [
        "Patel",
        "Mensah",
        "Okafor",
        "Khan",
        "Begum",
        "Chen",
        "Adeyemi",
        "Ali",
        "Sharma",
        "Obi",
        "Hussain",
        "Campbell",
        "Nwosu",
        "Wong",
    ],
    WresGroup.UNKNOWN: ["Lee", "Morgan", "Reid", "Ellis", "Quinn", "Parry"],
}


def _ethnic_code(rng: random.Random, bme_share: float) -> str:
    if rng.random() < UNKNOWN_SHARE:
        return rng.choice(UNKNOWN_CODES)
    return rng.choice(BME_CODES if rng.random() < bme_share else WHITE_CODES)


def _name(rng: random.Random, code: str) -> str:
    group = group_of(code or None)
    return f"{rng.choice(FIRST_NAMES[group])} {rng.choice(LAST_NAMES[group])}"


def _staff_group(rng: random.Random, fixed: str | None) -> str:
    if fixed:
        return fixed
    return "clinical-non-medical" if rng.random() < 0.55 else "non-clinical"


def _row(org, number, name, code, band, staff_group, start, leaving, **board) -> dict[str, str]:
    return {
        "staff_number": str(number),
        "organisation_code": org,
        "full_name": name,
        "email": "",
        "ethnic_category": code,
        "pay_band": band,
        "staff_group": staff_group,
        "board_member": board.get("board_member", ""),
        "board_voting": board.get("board_voting", ""),
        "start_date": start.isoformat(),
        "leaving_date": leaving,
    }


def _rows(staff_count: int, rng: random.Random, today: date, org: str) -> list[dict[str, str]]:
    rows = []
    number = 30_000_000
    for band, (share, bme_share, fixed_group) in BAND_MIX.items():
        for _ in range(max(1, round(share * staff_count))):
            number += 1
            code = _ethnic_code(rng, bme_share)
            start = today - timedelta(days=rng.randint(30, 25 * 365))
            leaving = ""
            if rng.random() < 0.09:  # about a year's leavers
                leaving = (today - timedelta(days=rng.randint(1, 364))).isoformat()
                if leaving <= start.isoformat():
                    leaving = ""
            rows.append(
                _row(
                    org,
                    number,
                    _name(rng, code),
                    code,
                    band,
                    _staff_group(rng, fixed_group),
                    start,
                    leaving,
                )
            )
    # The board: VSM executives (most voting), and non-executive directors with no band.
    vsm_rows = [r for r in rows if r["pay_band"] == "VSM" and not r["leaving_date"]]
    for index, row in enumerate(vsm_rows[:8]):
        row["board_member"], row["board_voting"] = "Executive", "Y" if index < 6 else "N"
    for index in range(7):
        number += 1
        code = rng.choice(BME_CODES) if index < 2 else rng.choice(WHITE_CODES)
        start = today - timedelta(days=rng.randint(200, 6 * 365))
        rows.append(
            _row(
                org,
                number,
                _name(rng, code),
                code,
                "",
                "non-clinical",
                start,
                "",
                board_member="Non-executive",
                board_voting="Y",
            )
        )
    return rows


def _add_pay(rows: list[dict[str, str]], rng: random.Random, today: date) -> None:
    """Pay columns for everyone with a band: a point in the band's range rising with service,
    full or part time, mostly as annual pay with contracted hours and some as an hourly rate.
    Synthetic: BME staff sit a little lower within their band on average, as many trusts'
    first pay gap reports found, so the demo's gap has something to show."""
    for row in rows:
        band = row["pay_band"]
        if not band:
            continue  # non-executive directors are not paid on a band
        low, high = PAY_RANGES[band]
        years = (today - date.fromisoformat(row["start_date"])).days / 365.25
        position = min(1.0, years / 8) * 0.8 + rng.random() * 0.2
        if group_of(row["ethnic_category"] or None) == WresGroup.BME:
            position = max(0.0, position - 0.08)
        annual = round(low + (high - low) * position, 2)
        hours = "37.5" if rng.random() < 0.8 else rng.choice(PART_TIME_HOURS)
        annual_for_hours = round(annual * float(hours) / 37.5, 2)
        if rng.random() < 0.1:
            row["hourly_rate"] = f"{annual / (37.5 * 52.143):.2f}"
        else:
            row["annual_basic_pay"] = f"{annual_for_hours:.2f}"
            row["contracted_hours"] = hours


def seed(
    staff_count: int = 6000,
    seed_value: int = 2028,
    code: str = ORG_CODE,
    name: str = ORG_NAME,
    logins: bool = True,
) -> dict:
    """A trust and its staff; with `logins`, the demo accounts for each trust role."""
    rng = random.Random(seed_value)
    today = date.today()
    organisation = services.create_organisation(code, name, REGION)
    rows = _rows(staff_count, rng, today, code)

    # Give the demo logins staff records: the chair is a non-executive, the leader a VSM.
    def first(predicate):
        return next(r for r in rows if predicate(r))

    people = (
        {}
        if not logins
        else {
            f"hr@{DOMAIN}": first(lambda r: r["pay_band"] == "8b" and not r["leaving_date"]),
            f"manager@{DOMAIN}": first(
                lambda r: (
                    r["pay_band"] == "7"
                    and r["staff_group"] == "clinical-non-medical"
                    and not r["leaving_date"]
                )
            ),
            f"chair@{DOMAIN}": first(lambda r: r["board_member"] == "Non-executive"),
            f"leader@{DOMAIN}": first(lambda r: r["board_member"] == "Executive"),
        }
    )
    for email, row in people.items():
        row["email"] = email
    # Its own random stream, so the staff and board drawn above stay as they were without pay.
    _add_pay(rows, random.Random(seed_value + 1), today)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    services.import_staff(
        organisation, buffer.getvalue().encode(), "demo-esr-extract.csv", "demo data"
    )
    for email, role in LOGINS if logins else []:
        row = people.get(email)
        if row is None:
            continue  # regional and national viewers belong to their teams, not a trust
        accounts.create_user(
            organisation.id,
            email,
            [Role(role)],
            row["full_name"],
            PASSWORD,
            staff_number=row["staff_number"],
        )
    groups = [group_of(r["ethnic_category"] or None) for r in rows]
    known = [g for g in groups if g != WresGroup.UNKNOWN]
    return {
        "organisation": organisation,
        "staff": len(rows),
        "bme_share": sum(g == WresGroup.BME for g in known) / max(1, len(known)),
    }
