"""`make bench`: how long the heavy paths take at the size of a large trust, and how they scale.

Builds a throwaway database (SQLite in a temporary folder, or BENCH_DATABASE_URL), imports a large
ESR extract and a large recruitment export through the real import paths, then times the figures
and the dashboard at two sizes and prints the ratio: a page that aggregates in SQL should grow far
more slowly than its data. Prints figures; asserts nothing.
"""

import csv
import io
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

STAFF = int(os.environ.get("BENCH_STAFF", "20000"))
SMALL, LARGE = 5_000, int(os.environ.get("BENCH_APPLICATIONS", "50000"))


def staff_csv(n: int, rng: random.Random) -> bytes:
    bands = ["2", "3", "4", "5", "6", "7", "8a", "8b", "8c", "8d", "9", "VSM"]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "staff_number",
            "full_name",
            "ethnic_category",
            "pay_band",
            "staff_group",
            "start_date",
            "leaving_date",
        ]
    )
    for i in range(n):
        leaving = (
            (date(2025, 4, 1) + timedelta(days=rng.randint(0, 500))).isoformat()
            if rng.random() < 0.1
            else ""
        )
        writer.writerow(
            [
                40_000_000 + i,
                f"Person {i}",
                rng.choice("AAABCHJNMLS99"[:12]),
                rng.choices(bands, [8, 10, 8, 22, 18, 12, 7, 4, 2, 1, 0.5, 0.5])[0],
                rng.choice(["Non-clinical", "Clinical non-medical"]),
                "2015-01-01",
                leaving,
            ]
        )
    return buffer.getvalue().encode()


def recruitment_csv(n: int, offset: int, rng: random.Random) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
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
    per_vacancy = 12
    for i in range(n):
        vacancy = (offset + i) // per_vacancy
        band = ["5", "6", "7", "8a", "8b"][vacancy % 5]
        decided = date(2024, 4, 1) + timedelta(days=(vacancy * 7) % 900)
        shortlisted = rng.random() < 0.4
        appointed = shortlisted and (offset + i) % per_vacancy == 0
        writer.writerow(
            [
                f"BV-{vacancy}",
                "Post",
                band,
                "Clinical non-medical",
                f"BA-{offset + i}",
                rng.choice("AAABNHMJL99"),
                "Y" if shortlisted else "N",
                "Y" if shortlisted else "N",
                "Y" if appointed else "N",
                decided.isoformat() if shortlisted else "",
            ]
        )
    return buffer.getvalue().encode()


def timed(function, repeat: int = 3) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def main() -> None:
    folder = tempfile.mkdtemp(prefix="wres-bench-")
    os.environ.setdefault(
        "DATABASE_URL", os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{folder}/bench.sqlite3")
    )
    os.environ["MAIL_BACKEND"] = "log"
    import flask_migrate

    from app import create_app
    from app.accounts.roles import Role
    from app.accounts.services import create_user
    from app.extensions import db
    from app.metrics import queries
    from app.recruitment.imports import import_recruitment
    from app.workforce.services import create_organisation, import_staff

    app = create_app("development")
    app.config.update(WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False)
    rng = random.Random(7)
    with app.app_context():
        flask_migrate.upgrade(directory=str(Path(app.root_path).parent / "migrations"))
        organisation = create_organisation("BENCH", "Bench NHS Trust")
        create_user(
            organisation.id, "hr@bench.nhs.uk", [Role.HR_ADMIN], "HR", "bench-password-2026"
        )
        db.session.commit()
        data = staff_csv(STAFF, rng)
        start = time.perf_counter()
        import_staff(organisation, data, "staff.csv", "bench")
        db.session.commit()
        staff_import = time.perf_counter() - start
        start = time.perf_counter()
        import_staff(organisation, data, "staff.csv", "bench")
        db.session.rollback()
        staff_reimport = time.perf_counter() - start
        print(
            f"Staff import, {STAFF:,} rows: {staff_import:.2f} s "
            f"({STAFF / staff_import:,.0f} rows/s); the same file again: "
            f"{staff_reimport:.2f} s"
        )

        client = app.test_client()
        client.post(
            "/sign-in", data={"email": "hr@bench.nhs.uk", "password": "bench-password-2026"}
        )
        results = {}
        loaded = 0
        for size in (SMALL, LARGE):
            start = time.perf_counter()
            import_recruitment(
                organisation,
                recruitment_csv(size - loaded, loaded, rng),
                "recruitment.csv",
                "bench",
            )
            db.session.commit()
            print(
                f"Recruitment import, {size - loaded:,} rows: {time.perf_counter() - start:.2f} s"
            )
            loaded = size
            results[size] = {
                "indicator 2": timed(lambda: queries.indicator2(organisation.id, 2026)),
                "indicator 2 by band": timed(
                    lambda: queries.indicator2(organisation.id, 2026, "band")
                ),
                "indicator 2 trend": timed(lambda: queries.indicator2_trend(organisation.id)),
                "aspiration": timed(lambda: queries.aspiration(organisation.id, date(2026, 3, 31))),
                "dashboard page": timed(lambda: client.get("/dashboard?year=2026"), 2),
            }
        print(
            f"\n{'figure':24} {SMALL:>10,} apps {LARGE:>10,} apps   ratio "
            f"(data grew {LARGE / SMALL:.0f}x)"
        )
        for name in results[SMALL]:
            small, large = results[SMALL][name], results[LARGE][name]
            print(
                f"{name:24} {1000 * small:>12.1f} ms {1000 * large:>12.1f} ms {large / small:>7.2f}"
            )


if __name__ == "__main__":
    main()
