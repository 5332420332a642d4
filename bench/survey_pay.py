"""Timing the staff survey import and a staff extract with pay columns at a large trust's size,
through the real import services, and the pay gap figure they feed.

`run(database_url, staff=20000)` returns rows of (name, rows, seconds, rows_per_second) for
`make bench` to print beside its own; `python bench/survey_pay.py` runs it on a throwaway SQLite
database (or BENCH_DATABASE_URL) and prints them. Asserts nothing.
"""

import csv
import io
import os
import random
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

BANDS = ["2", "3", "4", "5", "6", "7", "8a", "8b", "8c", "8d", "9", "VSM"]
BAND_WEIGHTS = [8, 10, 8, 22, 18, 12, 7, 4, 2, 1, 0.5, 0.5]
HOURLY = dict(
    zip(
        BANDS, [12.5, 13.2, 14.8, 17.2, 21.6, 26.4, 30.8, 36.1, 43.0, 51.0, 60.5, 80.0], strict=True
    )
)
SURVEY_YEARS = range(2003, 2026)  # every national survey a file could hold: 92 rows


def staff_with_pay_csv(n: int, rng: random.Random, raise_share: float = 0.0) -> bytes:
    """An ESR extract of n people with pay: most as annual pay and weekly hours, some as an
    hourly rate; `raise_share` of them paid 3% more (a later extract that changes pay)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "staff_number",
            "ethnic_category",
            "pay_band",
            "staff_group",
            "start_date",
            "hourly_rate",
            "annual_basic_pay",
            "contracted_hours",
        ]
    )
    for i in range(n):
        band = rng.choices(BANDS, BAND_WEIGHTS)[0]
        hourly = HOURLY[band] * rng.uniform(0.95, 1.1)
        if rng.random() < raise_share:
            hourly *= 1.03
        hours = rng.choice(["37.5", "37.5", "37.5", "30", "22.5"])
        by_rate = rng.random() < 0.15
        writer.writerow(
            [
                50_000_000 + i,
                rng.choice("AAABCHJNMLS9"),
                band,
                rng.choice(["Non-clinical", "Clinical non-medical"]),
                "2015-01-01",
                f"{hourly:.2f}" if by_rate else "",
                "" if by_rate else f"{hourly * float(hours) * 52.143:.2f}",
                "" if by_rate else hours,
            ]
        )
    return buffer.getvalue().encode()


def survey_csv(rng: random.Random) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "survey_year",
            "indicator",
            "white_percent",
            "bme_percent",
            "white_respondents",
            "bme_respondents",
        ]
    )
    for year in SURVEY_YEARS:
        for indicator in (5, 6, 7, 8):
            writer.writerow(
                [
                    year,
                    indicator,
                    f"{rng.uniform(5, 60):.1f}",
                    f"{rng.uniform(5, 60):.1f}",
                    rng.randint(3000, 6000),
                    rng.randint(1000, 3000),
                ]
            )
    return buffer.getvalue().encode()


def _row(name: str, rows: int, seconds: float) -> tuple[str, int, float, float]:
    return (name, rows, seconds, rows / seconds if seconds else float("inf"))


def run(database_url: str, staff: int = 20000) -> list[tuple[str, int, float, float]]:
    """Time the imports on the database at `database_url` (migrated here; a fresh organisation
    is made for the run). Returns (name, rows, seconds, rows_per_second) rows."""
    previous = {k: os.environ.get(k) for k in ("DATABASE_URL", "MAIL_BACKEND")}
    os.environ["DATABASE_URL"], os.environ["MAIL_BACKEND"] = database_url, "log"
    try:
        return _run(staff)
    finally:
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _run(staff: int) -> list[tuple[str, int, float, float]]:
    import flask_migrate
    from sqlalchemy import select

    from app import create_app
    from app.extensions import db
    from app.paygap import queries as paygap
    from app.survey.imports import import_survey
    from app.workforce.models import Organisation
    from app.workforce.services import create_organisation, import_staff

    app = create_app("development")
    rng = random.Random(13)
    rows = []
    with app.app_context():
        flask_migrate.upgrade(directory=str(Path(app.root_path).parent / "migrations"))
        code = "BPAY"
        n = 1
        while db.session.scalar(select(Organisation.id).where(Organisation.code == code)):
            n += 1
            code = f"BPAY{n}"
        organisation = create_organisation(code, "Bench pay and survey NHS Trust")
        db.session.commit()

        def timed(name, count, action, commit=True):
            start = time.perf_counter()
            action()
            if commit:
                db.session.commit()
            else:
                db.session.rollback()
            rows.append(_row(name, count, time.perf_counter() - start))

        first = staff_with_pay_csv(staff, random.Random(1))
        timed(
            "staff import with pay columns",
            staff,
            lambda: import_staff(organisation, first, "pay.csv", "bench", as_at=date(2026, 3, 31)),
        )
        timed(
            "the same extract again (nothing changes)",
            staff,
            lambda: import_staff(organisation, first, "pay.csv", "bench", as_at=date(2026, 3, 31)),
            commit=False,
        )
        later = staff_with_pay_csv(staff, random.Random(1), raise_share=0.1)
        timed(
            "a later extract, 10% with new pay (history)",
            staff,
            lambda: import_staff(organisation, later, "pay-2.csv", "bench", as_at=date(2026, 6, 1)),
        )
        survey = survey_csv(rng)
        survey_rows = len(SURVEY_YEARS) * 4
        timed(
            "staff survey import",
            survey_rows,
            lambda: import_survey(organisation, survey, "survey.csv", "bench"),
        )
        timed(
            "the same survey file again",
            survey_rows,
            lambda: import_survey(organisation, survey, "survey.csv", "bench"),
        )
        timed(
            "pay gap figure as at 31 March (staff)",
            staff,
            lambda: paygap.pay_gap(organisation.id, 2026),
            commit=False,
        )
    return rows


def main() -> None:
    folder = tempfile.mkdtemp(prefix="wres-bench-pay-")
    url = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{folder}/bench.sqlite3")
    staff = int(os.environ.get("BENCH_STAFF", "20000"))
    print(f"{'what':46} {'rows':>8} {'seconds':>9} {'rows/s':>10}")
    for name, count, seconds, per_second in run(url, staff):
        print(f"{name:46} {count:>8,} {seconds:>9.2f} {per_second:>10,.0f}")


if __name__ == "__main__":
    main()
