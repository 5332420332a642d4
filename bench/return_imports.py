"""The disciplinary and training imports at a 20,000-staff trust (WRES indicators 3 and 4).

`run(database_url, staff=20000)` builds the trust in that database (its own organisation, so it
can share a database with bench.py's), imports a staff extract, then times each import on a
fresh file and again on the same file (which changes nothing), and returns
(name, rows, seconds, rows_per_second) rows. A year of training records at this size is about
200,000 rows. Prints nothing unless run as a script; asserts nothing.
"""

import csv
import io
import os
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TRAINING_PER_PERSON = 10
CASES_PER_100_STAFF = 2  # two WRES years of formal investigations
ORGANISATION = "RBENCH34"
STAFF_NUMBER_BASE = 50_000_000


def _csv(header: list[str], rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def staff_file(staff: int, rng: random.Random) -> bytes:
    return _csv(
        ["staff_number", "ethnic_category", "pay_band", "staff_group", "start_date"],
        (
            [
                STAFF_NUMBER_BASE + i,
                rng.choice("AAABCHJNMLS99"),
                rng.choice(["3", "4", "5", "6", "7", "8a"]),
                "Clinical non-medical",
                "2015-01-01",
            ]
            for i in range(staff)
        ),
    )


def disciplinary_file(staff: int, rng: random.Random) -> bytes:
    cases = staff * CASES_PER_100_STAFF // 100
    first = date(2024, 4, 1)
    return _csv(
        ["case_reference", "staff_number", "investigation_start_date"],
        (
            [
                f"ER-{i:06d}",
                STAFF_NUMBER_BASE + rng.randrange(staff),
                (first + timedelta(days=rng.randrange(730))).strftime("%d/%m/%Y"),
            ]
            for i in range(cases)
        ),
    )


def training_file(staff: int, rng: random.Random) -> bytes:
    """About TRAINING_PER_PERSON courses a person in one WRES year, in no particular order."""
    courses = [f"Course {n:03d}" for n in range(400)]
    rows = {}
    target = staff * TRAINING_PER_PERSON
    while len(rows) < target:
        number = STAFF_NUMBER_BASE + rng.randrange(staff)
        course = rng.choice(courses)
        day = date(2025, 4, 1) + timedelta(days=rng.randrange(365))
        rows[(number, course, day)] = "Y" if rng.random() < 0.6 else "N"
    return _csv(
        ["staff_number", "course", "start_date", "mandatory"],
        ([n, c, d.isoformat(), m] for (n, c, d), m in rows.items()),
    )


def _rows(data: bytes) -> int:
    return data.count(b"\n") - 1


def run(database_url: str, staff: int = 20000) -> list[tuple[str, int, float, float]]:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("MAIL_BACKEND", "log")
    import flask_migrate
    from sqlalchemy import select

    from app import create_app
    from app.extensions import db
    from app.workforce.models import Organisation
    from app.workforce.services import create_organisation, import_staff
    from app.wres_return.imports import import_disciplinary, import_training

    app = create_app("development")
    rng = random.Random(34)
    results = []
    with app.app_context():
        flask_migrate.upgrade(directory=str(Path(app.root_path).parent / "migrations"))
        organisation = db.session.scalar(
            select(Organisation).where(Organisation.code == ORGANISATION)
        )
        if organisation is None:
            organisation = create_organisation(ORGANISATION, "Return bench NHS Trust")
            import_staff(organisation, staff_file(staff, rng), "staff.csv", "bench")
            db.session.commit()
        for name, build, apply in (
            ("disciplinary", disciplinary_file, import_disciplinary),
            ("training", training_file, import_training),
        ):
            data = build(staff, rng)
            for label in (f"{name} import", f"{name} import again (unchanged)"):
                start = time.perf_counter()
                apply(organisation, data, f"{name}.csv", "bench")
                db.session.commit()
                seconds = time.perf_counter() - start
                rows = _rows(data)
                results.append((label, rows, seconds, rows / seconds))
            # The next run starts from an empty table again: a fresh file each time.
            from app.wres_return.models import DisciplinaryCase, TrainingRecord

            model = DisciplinaryCase if name == "disciplinary" else TrainingRecord
            db.session.execute(
                model.__table__.delete().where(model.organisation_id == organisation.id)
            )
            db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return results


if __name__ == "__main__":
    import tempfile

    url = (
        sys.argv[1]
        if len(sys.argv) > 1
        else (f"sqlite:///{tempfile.mkdtemp(prefix='wres-bench-')}/bench.sqlite3")
    )
    staff_count = int(os.environ.get("BENCH_STAFF", "20000"))
    for name, rows, seconds, per_second in run(url, staff_count):
        print(f"{name:40} {rows:>9,} rows {seconds:>8.2f} s {per_second:>10,.0f} rows/s")
