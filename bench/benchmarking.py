"""How long the benchmarking page takes with every NHS organisation in it (issue 13: about 220
trusts and five years of history; the target is a median under 300 ms on this machine).

Builds a throwaway database (SQLite in a temporary folder, or BENCH_DATABASE_URL), makes 220
organisations across seven regions, seven types and four size bands, and publishes five WRES
years for each through the real publication (`export.figures_from`, disclosure control, then the
stored row), then asks for the pages through the test client, signed in as a national and a
regional viewer. `run(database_url)` returns the figures for `make bench`; `main()` prints them.
Asserts nothing.
"""

import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ORGANISATIONS = int(os.environ.get("BENCH_ORGANISATIONS", "220"))
YEARS = int(os.environ.get("BENCH_YEARS", "5"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "21"))
LAST_YEAR = 2026
REGIONS = [
    "East of England",
    "London",
    "Midlands",
    "North East and Yorkshire",
    "North West",
    "South East",
    "South West",
]
PASSWORD = "bench-password-2026"


def _median_ms(client, url: str, repeat: int = REPEAT) -> dict:
    client.get(url)  # warm: templates compiled, connections open
    times, cpu = [], []
    size = 0
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        times.append(1000 * (time.perf_counter() - start))
        cpu.append(1000 * (time.process_time() - start_cpu))
        assert response.status_code == 200, (url, response.status_code)
        size = len(response.data)
    times.sort()
    return {
        "median_ms": round(statistics.median(times), 1),
        "p90_ms": round(times[int(0.9 * (len(times) - 1))], 1),
        # CPU time of this process: what the page costs, whatever else the machine is doing
        "median_cpu_ms": round(statistics.median(cpu), 1),
        "bytes": size,
    }


def run(database_url: str | None = None) -> dict:
    """Build the organisations and time the pages; the figures as a dict."""
    if database_url is None:
        folder = tempfile.mkdtemp(prefix="wres-bench-benchmarking-")
        database_url = f"sqlite:///{folder}/benchmarking.sqlite3"
    os.environ["DATABASE_URL"] = database_url
    os.environ["MAIL_BACKEND"] = "log"
    import flask_migrate

    from app import create_app
    from app.accounts.roles import Role
    from app.accounts.services import create_user
    from app.benchmarking import services, synthetic
    from app.extensions import db
    from app.workforce import peer_groups
    from app.workforce.services import create_organisation, set_peer_group
    from app.workforce.wres_year import WresYear

    app = create_app("development")
    app.config.update(WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False)
    rng = random.Random(2028)
    types = list(peer_groups.ORGANISATION_TYPES)
    with app.app_context():
        flask_migrate.upgrade(directory=str(Path(app.root_path).parent / "migrations"))
        start = time.perf_counter()
        first_id = None
        for n in range(ORGANISATIONS):
            code = f"B{n:03d}"
            organisation = create_organisation(
                code, f"Bench {n:03d} NHS Trust", REGIONS[n % len(REGIONS)]
            )
            first_id = first_id or organisation.id
            trust = synthetic.trust(rng)
            set_peer_group(
                organisation,
                types[n % len(types)],
                peer_groups.size_band_for(trust.headcount),
                None,
            )
            for offset, year in enumerate(range(LAST_YEAR - YEARS + 1, LAST_YEAR + 1)):
                plain = synthetic.plain_counts(rng, trust, year, drift=0.01 * offset)
                doc = synthetic.published(code, year, plain)
                services.store(organisation, year, WresYear(year).snapshot, doc)
            db.session.commit()
        publish_seconds = time.perf_counter() - start
        national_team = create_organisation("BNAT", "Bench national team")
        regional_team = create_organisation("BREG", "Bench regional team", "Midlands")
        for team, email, role in (
            (national_team, "national@bench.nhs.uk", Role.NATIONAL_VIEWER),
            (regional_team, "regional@bench.nhs.uk", Role.REGIONAL_VIEWER),
        ):
            create_user(team.id, email, [role], "Viewer", PASSWORD)
        db.session.commit()

    # Each request in its own application context, as a server gives it.
    national, regional = app.test_client(), app.test_client()
    for client, email in (
        (national, "national@bench.nhs.uk"),
        (regional, "regional@bench.nhs.uk"),
    ):
        response = client.post("/sign-in", data={"email": email, "password": PASSWORD})
        assert response.status_code == 302, response.status_code
    figures = {
        "organisations": ORGANISATIONS,
        "years": YEARS,
        "published_rows": ORGANISATIONS * YEARS,
        "publish_seconds": round(publish_seconds, 1),
        "benchmarking_page": _median_ms(national, "/benchmarking"),
        "benchmarking_page_filtered": _median_ms(
            national, "/benchmarking?region=London&sort=name&position=outside&page=1"
        ),
        "benchmarking_page_last_page": _median_ms(national, "/benchmarking?page=9"),
        "regional_page": _median_ms(regional, "/benchmarking"),
        "organisation_page": _median_ms(national, f"/benchmarking/organisations/{first_id}"),
        "csv_download": _median_ms(national, "/benchmarking/export.csv"),
        "measured_on": date.today().isoformat(),
        # how busy the machine was: wall times on a shared machine grow with it
        "load_average": round(os.getloadavg()[0], 1),
        "cpus": os.cpu_count(),
    }
    return figures


def main() -> None:
    figures = run(os.environ.get("BENCH_DATABASE_URL"))
    print(
        f"Benchmarking: {figures['organisations']} organisations x {figures['years']} years "
        f"published ({figures['published_rows']:,} rows) in {figures['publish_seconds']} s"
    )
    for name in (
        "benchmarking_page",
        "benchmarking_page_filtered",
        "benchmarking_page_last_page",
        "regional_page",
        "organisation_page",
        "csv_download",
    ):
        f = figures[name]
        print(
            f"  {name.replace('_', ' ')}: median {f['median_ms']} ms "
            f"(CPU {f['median_cpu_ms']} ms), 90th percentile {f['p90_ms']} ms, "
            f"{f['bytes'] / 1024:,.0f} KB"
        )
    page = figures["benchmarking_page"]["median_ms"]
    print(
        f"  target: the benchmarking page under 300 ms at the median: {page} ms "
        f"(load average {figures['load_average']} on {figures['cpus']} CPUs)"
    )


if __name__ == "__main__":
    main()
