"""`make bench`: imports, figures and pages beside their bare baselines, one table.

For each size (`SIZE=trust,mid` by default; `SIZE=national` for 320,408 staff and 951,136
applications) and each database (SQLite in a temporary folder always; PostgreSQL too when
BENCH_DATABASE_URL or DATABASE_URL names one whose database name contains "bench", which is
emptied first), it

- generates the four extracts (bench/data.py) and imports them through the `flask` commands
  HR uses, then the staff file again unchanged; each beside a bare load of the same file
  (bench/bare.py: executemany on SQLite, COPY on PostgreSQL), with wall time and peak memory
  of the process (`flask` start-up included: it is timed on its own too);
- times each figure (median of 3, in one process) beside bare SQL GROUP BYs computing the same
  numbers, with its query count, and prints the plan of the slowest statements of the slowest
  figures (EXPLAIN QUERY PLAN / EXPLAIN ANALYZE);
- at the largest size of the run, serves the product and a bare Flask + SQLAlchemy app each
  under gunicorn (2 workers) and loads every page with `wrk` at 20 connections (a Python load
  generator when wrk is missing), beside the bare 50-row page; queries per page are counted
  with the test client.

"speed" is the bare baseline's time divided by the product's (pages: the product's requests a
second divided by the bare page's), so 1.00 is as fast as bare and 0.50 half as fast.
Prints figures; asserts nothing (tests never assert timings).
"""

import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import date
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import data  # noqa: E402  (bench/data.py, beside this file)

BIN = Path(sys.executable).parent
FLASK = str(BIN / "flask")
GUNICORN = str(BIN / "gunicorn")
YEAR = 2026  # the WRES year April 2025 to March 2026: closed, with decisions in the data
PAGE_SECONDS = float(os.environ.get("BENCH_PAGE_SECONDS", "5"))
IMPORT_TIMEOUT = float(os.environ.get("BENCH_IMPORT_TIMEOUT", "900"))
PORT = int(os.environ.get("BENCH_PORT", "5220"))
PARTS = ("imports", "figures", "pages", "extras")
PASSWORD = "bench-password-2026"
EMAIL = "hr@bench.nhs.uk"


@dataclass
class Row:
    database: str
    size: str
    kind: str
    work: str
    product: str = ""
    bare: str = ""
    speed: float | None = None
    rows_per_second: float | None = None
    # Imports: the rows imported and the wall seconds, for rows/s after `flask` start-up.
    rows: int | None = None
    seconds: float | None = None
    peak_mb: float | None = None
    queries: str = ""
    note: str = ""


@dataclass
class Run:
    rows: list[Row] = field(default_factory=list)
    plans: list[str] = field(default_factory=list)


# Processes


def timed_process(args, env, timeout=IMPORT_TIMEOUT, cwd=ROOT):
    """Wall seconds, peak resident MB, exit status, stdout and stderr of one command.

    The wait blocks until the process ends (a timer kills it at the timeout), so the time is
    the process's own: polling every 20 ms added 10 ms on average to every figure."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(args, env=env, cwd=cwd, stdout=out, stderr=err)
        killer = threading.Timer(timeout, process.kill)
        killer.start()
        try:
            _, raw, usage = os.wait4(process.pid, 0)
        finally:
            killer.cancel()
        seconds = time.perf_counter() - start
        process.returncode = 0  # reaped above; keep Popen from waiting again
        status = "timeout" if seconds >= timeout else os.waitstatus_to_exitcode(raw)
        out.seek(0)
        err.seek(0)
        return seconds, usage.ru_maxrss / 1024, status, out.read().decode(), err.read().decode()


def environment(url: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "FLASK_APP": "wsgi_dev.py",
        "APP_ENV": "development",
        "MAIL_BACKEND": "log",
        "SECRET_KEY": "bench-secret-key-not-for-production-0123456789",
        "AUDIT_KEY": "bench-audit-key-not-for-production-9876543210",
    }


def flask_startup(url: str) -> tuple[float, float]:
    runs = [timed_process([FLASK, "--help"], environment(url))[0] for _ in range(3)]
    cpu = []
    for _ in range(3):
        before = os.times()
        subprocess.run([FLASK, "--help"], env=environment(url), capture_output=True, check=True)
        after = os.times()
        cpu.append(
            after.children_user
            - before.children_user
            + after.children_system
            - before.children_system
        )
    return statistics.median(runs), statistics.median(cpu)


# Databases


def databases(folder: Path, size: str) -> list[tuple[str, str]]:
    found = [("SQLite", f"sqlite:///{folder}/{size}.sqlite3")]
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL", "")
    if url.startswith("postgresql"):
        name = urllib.parse.urlparse(url).path.lstrip("/")
        if "bench" not in name:
            print(
                f"Not benchmarking PostgreSQL: the bench empties its database, and {name!r} "
                "has no 'bench' in its name (createdb bench_wres, then "
                "BENCH_DATABASE_URL=postgresql+psycopg://.../bench_wres).",
                file=sys.stderr,
            )
        else:
            found.append(("PostgreSQL", url.replace("postgresql://", "postgresql+psycopg://")))
    # BENCH_DATABASES=PostgreSQL measures one database alone (a national run takes long enough).
    chosen = {d.strip().lower() for d in os.environ.get("BENCH_DATABASES", "").split(",") if d}
    return [(name, url) for name, url in found if not chosen or name.lower() in chosen]


def empty_database(url: str) -> None:
    if url.startswith("sqlite"):
        Path(url.split("///", 1)[1]).unlink(missing_ok=True)
        return
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as pg:
        pg.execute("DROP SCHEMA public CASCADE")
        pg.execute("CREATE SCHEMA public")


def prepare(url: str) -> None:
    env = environment(url)
    for args in (
        [FLASK, "db", "upgrade"],
        [FLASK, "orgs", "add", data.ORG, "--name", "Bench NHS Trust"],
    ):
        _seconds, _, status, _out, err = timed_process(args, env)
        if status != 0:
            raise SystemExit(f"{' '.join(args[1:])} failed:\n{err[-2000:]}")


def analyse(url: str) -> None:
    """Fresh planner statistics, as autovacuum (PostgreSQL) or `ANALYZE` would leave them after a
    big import: without them PostgreSQL guessed one panel where there were hundreds and joined
    the compliance figure's member counts once per panel (960 ms instead of tens)."""
    if url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(url.split("///", 1)[1]) as connection:
            connection.execute("ANALYZE")
        return
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as pg:
        pg.execute("ANALYZE")


# Imports


IMPORTS = [
    ("staff import", "staff", "staff"),
    ("recruitment import", "recruitment", "recruitment"),
    ("panels import", "panels", "panels"),
    ("mentoring import", "mentoring", "mentoring"),
    ("staff re-import, unchanged", "staff", "staff"),
]


def bench_imports(run: Run, database: str, size: str, url: str, files, folder: Path) -> None:
    env = environment(url)
    bare_url = url if database == "PostgreSQL" else f"sqlite:///{folder}/bare-{size}.sqlite3"
    for work, command, kind in IMPORTS:
        path = getattr(files, kind)
        rows = files.rows[kind]
        args = [FLASK, command, "import", str(path), "--org", data.ORG, "--json"]
        seconds, peak, status, _out, err = timed_process(args, env)
        _, bare_peak, bare_status, bare_out, _err = timed_process(
            [sys.executable, str(ROOT / "bench" / "bare.py"), "import", str(path), bare_url],
            env,
        )
        bare_seconds = float(bare_out.strip()) if bare_status == 0 else None
        row = Row(database, size, "import", f"{work}, {rows:,} rows")
        if status == 0:
            row.product = f"{seconds:.2f} s"
            row.rows_per_second = rows / seconds
            row.rows, row.seconds = rows, seconds
            row.speed = bare_seconds / seconds if bare_seconds else None
        else:
            last = (err.strip().splitlines() or ["no message"])[-1][:90]
            row.product = "timed out" if status == "timeout" else f"FAILED (exit {status})"
            row.note = f"{seconds:.0f} s: {last}"
        row.peak_mb = peak
        row.bare = f"{bare_seconds:.2f} s, {bare_peak:.0f} MB" if bare_seconds else "failed"
        run.rows.append(row)
        print(f"  {database} {size}: {row.work}: {row.product} {row.note}", file=sys.stderr)


# Figures


def median_time(function, repeat: int = 3) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


GROUP_SQL = """CASE WHEN {c} IS NULL OR {c} IN ('', '99', 'Z') THEN 'unknown'
    WHEN substr({c}, 1, 1) IN ('A', 'B', 'C') THEN 'white' ELSE 'bme' END"""

INDICATOR2_SQL = """
SELECT {group} AS grp, {key} AS key,
       SUM(CASE WHEN ap.shortlisted AND NOT ap.withdrawn THEN 1 ELSE 0 END),
       SUM(CASE WHEN ap.appointed AND NOT ap.withdrawn THEN 1 ELSE 0 END)
FROM application ap JOIN applicant a ON a.id = ap.applicant_id
LEFT JOIN vacancy v ON v.id = ap.vacancy_id LEFT JOIN batch b ON b.id = ap.batch_id
WHERE ap.organisation_id = :org
  AND COALESCE(v.decision_date, b.decision_date) BETWEEN :start AND :end
GROUP BY 1, 2"""

IN_POST_SQL = """
SELECT {group} AS grp, h.pay_band, h.staff_group, COUNT(*)
FROM staff_history h
WHERE h.organisation_id = :org AND h.valid_from <= :day
  AND (h.valid_to IS NULL OR h.valid_to > :day)
  AND (h.start_date IS NULL OR h.start_date <= :day)
  AND (h.leaving_date IS NULL OR h.leaving_date > :day)
GROUP BY 1, 2, 3"""

LEAVERS_SQL = """
SELECT h.pay_band, COUNT(*) FROM staff_history h
WHERE h.organisation_id = :org AND h.valid_to IS NULL
  AND h.leaving_date > :start AND h.leaving_date <= :day
GROUP BY 1"""

# The recruits of the last 12 months by band and group: the aspiration's observed recruit share.
OBSERVED_SQL = """
SELECT COALESCE(av.pay_band, v.pay_band, ap.pay_band, 'batch-across-bands') AS band,
       {group} AS grp, COUNT(*)
FROM application ap JOIN applicant a ON a.id = ap.applicant_id
LEFT JOIN vacancy v ON v.id = ap.vacancy_id LEFT JOIN batch b ON b.id = ap.batch_id
LEFT JOIN vacancy av ON av.id = ap.appointed_vacancy_id
WHERE ap.organisation_id = :org AND ap.appointed AND NOT ap.withdrawn
  AND COALESCE(v.decision_date, b.decision_date) > :start
  AND COALESCE(v.decision_date, b.decision_date) <= :day
GROUP BY 1, 2"""

COMPLIANCE_SQL = """
SELECT p.id, p.stage, p.exception_reason, v.reference, b.reference, v.pay_band,
       m.bme, m.independent
FROM panel p
LEFT JOIN vacancy v ON v.id = p.vacancy_id LEFT JOIN batch b ON b.id = p.batch_id
LEFT JOIN (
  SELECT pm.panel_id,
         SUM(CASE WHEN {group} = 'bme' THEN 1 ELSE 0 END) AS bme,
         SUM(CASE WHEN pm.role = 'independent' THEN 1 ELSE 0 END) AS independent
  FROM panel_member pm JOIN panel q ON q.id = pm.panel_id
  LEFT JOIN staff s ON s.id = pm.staff_id
  WHERE q.organisation_id = :org AND q.status = 'confirmed'
  GROUP BY pm.panel_id
) m ON m.panel_id = p.id
WHERE p.organisation_id = :org AND p.status = 'confirmed'
  AND COALESCE(v.decision_date, b.decision_date) BETWEEN :start AND :end
ORDER BY p.id"""

# Coverage's numbers by hand (DOMAIN.md section 11): each relationship active in the year judged
# on both people's records in force when it started (or their first record, when their history
# starts later), each session of the year on the leader's record that day, summed per VSM or
# board member in post at the year's end. {later} is the dialect's two-argument maximum.
COVERAGE_SQL = """
WITH judged AS MATERIALIZED (
  SELECT r.id, r.leader_id, r.colleague_id, r.kind,
         {later}(r.start_date, (SELECT MIN(f.valid_from) FROM staff_history f
                                WHERE f.staff_id = r.colleague_id)) AS colleague_day,
         {later}(r.start_date, (SELECT MIN(f.valid_from) FROM staff_history f
                                WHERE f.staff_id = r.leader_id)) AS leader_day
  FROM mentoring_relationship r
  WHERE r.organisation_id = :org AND r.start_date <= :end
    AND (r.end_date IS NULL OR r.end_date >= :start)
), relationships AS (
  SELECT j.id, j.leader_id,
         CASE WHEN j.kind IN ('mentoring', 'reverse-mentoring', 'sponsorship')
               AND c.pay_band IN ({bands})
               AND c.ethnic_category <> '99' AND substr(c.ethnic_category, 1, 1) IN ({bme})
               AND (l.pay_band = 'VSM' OR l.board_role IS NOT NULL)
              THEN 1 ELSE 0 END AS counts
  FROM judged j
  JOIN staff_history c ON c.staff_id = j.colleague_id AND c.valid_from <= j.colleague_day
   AND (c.valid_to IS NULL OR c.valid_to > j.colleague_day)
  JOIN staff_history l ON l.staff_id = j.leader_id AND l.valid_from <= j.leader_day
   AND (l.valid_to IS NULL OR l.valid_to > j.leader_day)
), held AS MATERIALIZED (
  SELECT s.relationship_id, s.held_on, r.leader_id,
         {later}(s.held_on, (SELECT MIN(f.valid_from) FROM staff_history f
                             WHERE f.staff_id = r.leader_id)) AS day
  FROM mentoring_session s JOIN mentoring_relationship r ON r.id = s.relationship_id
  WHERE r.organisation_id = :org AND s.held_on BETWEEN :start AND :end
), sessions AS (
  SELECT h.relationship_id, COUNT(*) AS n
  FROM held h JOIN staff_history l ON l.staff_id = h.leader_id AND l.valid_from <= h.day
   AND (l.valid_to IS NULL OR l.valid_to > h.day)
  WHERE (l.pay_band = 'VSM' OR l.board_role IS NOT NULL)
    AND (l.start_date IS NULL OR l.start_date <= h.held_on)
    AND (l.leaving_date IS NULL OR l.leaving_date > h.held_on)
  GROUP BY h.relationship_id
), per_leader AS (
  SELECT r.leader_id, COUNT(*) AS relationships, SUM(r.counts) AS counting,
         COALESCE(SUM(CASE WHEN r.counts = 1 THEN s.n END), 0) AS sessions
  FROM relationships r LEFT JOIN sessions s ON s.relationship_id = r.id
  GROUP BY r.leader_id
)
SELECT v.staff_id, COALESCE(p.relationships - p.counting, 0), COALESCE(p.counting, 0),
       COALESCE(p.sessions, 0)
FROM staff_history v LEFT JOIN per_leader p ON p.leader_id = v.staff_id
WHERE v.organisation_id = :org AND v.valid_from <= :end
  AND (v.valid_to IS NULL OR v.valid_to > :end)
  AND (v.start_date IS NULL OR v.start_date <= :end)
  AND (v.leaving_date IS NULL OR v.leaving_date > :end)
  AND (pay_band = 'VSM' OR board_role IS NOT NULL)"""


def coverage_sql(dialect: str, include_ncg: bool) -> str:
    bands = ["under-1", "1", "2", "3", "4", "5", "6", "7", "8a", "8b", "8c", "8d"]
    if include_ncg:  # the organisation's setting: non-consultant medical grades count too
        bands.append("non-consultant-career-grade")
    return COVERAGE_SQL.format(
        later="GREATEST" if dialect == "postgresql" else "MAX",
        bands=", ".join(f"'{band}'" for band in bands),
        bme=", ".join(f"'{code}'" for code in "DEFGHJKLMNPRS"),
    )


def bench_figures(run: Run, database: str, size: str, url: str) -> None:
    os.environ.update(environment(url))
    from sqlalchemy import event, text

    from app import create_app
    from app.extensions import db
    from app.mentoring.queries import coverage
    from app.metrics import export, queries
    from app.recruitment.queries import panel_compliance
    from app.workforce.models import Organisation, OrganisationSettings
    from app.workforce.wres_year import WresYear

    app = create_app("development")
    wres_year = WresYear(YEAR)
    today = date(2026, 11, 28)
    with app.app_context():
        organisation = db.session.scalar(db.select(Organisation).filter_by(code=data.ORG))
        org = organisation.id
        group_a = GROUP_SQL.format(c="a.ethnic_category")
        group_h = GROUP_SQL.format(c="h.ethnic_category")
        group_m = GROUP_SQL.format(c="COALESCE(s.ethnic_category, pm.external_ethnic_category)")
        window = {"org": org, "start": wres_year.start, "end": wres_year.end}
        as_at = queries.aspiration_as_at(YEAR, today)
        day = {"org": org, "day": as_at, "start": date(as_at.year - 1, as_at.month, as_at.day)}

        def bare(*statements):
            def go():
                for sql, params in statements:
                    db.session.execute(text(sql), params).all()

            return go

        include_ncg = db.session.get(
            OrganisationSettings, org
        ).mentoring_counts_non_consultant_medical
        coverage_bare = (coverage_sql(db.engine.dialect.name, include_ncg), window)

        def coverage_check() -> str:
            # A bare query that computed other numbers would make the ratio meaningless.
            figure = {
                (x.staff_id, x.other_relationships, x.counting_relationships, x.sessions_in_year)
                for x in coverage(org, YEAR).leaders
            }
            by_hand = {tuple(r) for r in db.session.execute(text(coverage_bare[0]), window)}
            if figure == by_hand:
                return f"same numbers as the bare query ({len(figure)} leaders)"
            return f"MISMATCH: {len(figure ^ by_hand)} leader rows differ from the bare query"

        indicator2_bare = [
            (INDICATOR2_SQL.format(group=group_a, key=key), window)
            for key in ("'all'", "COALESCE(v.pay_band, ap.pay_band)", "ap.staff_group")
        ]
        figures = [
            (
                "indicator 2 with breakdowns (band, staff group)",
                lambda: [
                    queries.indicator2(org, YEAR),
                    queries.indicator2(org, YEAR, "band"),
                    queries.indicator2(org, YEAR, "staff-group"),
                ],
                bare(*indicator2_bare),
            ),
            (
                "aspiration (8a..VSM, board)",
                lambda: queries.aspiration(org, as_at),
                # Headcounts now and a year ago (turnover's average), leavers, and the recruits
                # of the year (the observed share): every number the model reads.
                bare(
                    (IN_POST_SQL.format(group=group_h), day),
                    (IN_POST_SQL.format(group=group_h), {**day, "day": day["start"]}),
                    (LEAVERS_SQL, day),
                    (OBSERVED_SQL.format(group=group_a), day),
                ),
            ),
            (
                "panel compliance (listed)",
                lambda: panel_compliance(org, YEAR, today),
                bare((COMPLIANCE_SQL.format(group=group_m), window)),
            ),
            (
                "mentoring coverage",
                lambda: coverage(org, YEAR),
                bare(coverage_bare),
                coverage_check,
            ),
            (
                "WRES return, XLSX",
                lambda: export.xlsx_export(organisation, YEAR, False, 8, today),
                bare(
                    *indicator2_bare,
                    (IN_POST_SQL.format(group=group_h), {**day, "day": wres_year.end}),
                    (IN_POST_SQL.format(group=group_h), day),
                    (LEAVERS_SQL, day),
                ),
            ),
        ]
        timings = []
        for work, product, baseline, *check in figures:
            note = check[0]() if check else ""
            product()  # warm the caches both sides get
            baseline()
            seconds = median_time(product)
            bare_seconds = median_time(baseline)
            statements: list[tuple[float, str, object]] = []
            started: list[float] = []

            def before(*_args, started=started):
                started.append(time.perf_counter())

            def after(_c, _cur, statement, parameters, *_rest, started=started, out=statements):
                out.append((time.perf_counter() - started.pop(), statement, parameters))

            event.listen(db.engine, "before_cursor_execute", before)
            event.listen(db.engine, "after_cursor_execute", after)
            try:
                product()
            finally:
                event.remove(db.engine, "before_cursor_execute", before)
                event.remove(db.engine, "after_cursor_execute", after)
            db.session.rollback()
            run.rows.append(
                Row(
                    database,
                    size,
                    "figure",
                    work,
                    f"{seconds * 1000:.0f} ms",
                    f"{bare_seconds * 1000:.0f} ms",
                    bare_seconds / seconds if seconds else None,
                    queries=str(len(statements)),
                    note=note,
                )
            )
            timings.append((seconds, work, statements))
            print(f"  {database} {size}: {work}: {seconds * 1000:.0f} ms", file=sys.stderr)
        for seconds, work, statements in sorted(timings, reverse=True)[:2]:
            slowest = max(statements, default=None)
            if slowest:
                run.plans.append(_plan(database, size, work, seconds, slowest))
        db.session.remove()
        db.engine.dispose()


def _plan(database, size, work, seconds, slowest) -> str:
    from app.extensions import db

    statement_seconds, statement, parameters = slowest
    explain = "EXPLAIN QUERY PLAN " if database == "SQLite" else "EXPLAIN ANALYZE "
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(explain + statement, parameters)
        lines = [" | ".join(str(part) for part in row) for row in cursor.fetchall()]
    finally:
        connection.close()
    return (
        f"{database}, {size}: {work}: {seconds * 1000:.0f} ms; its slowest statement took "
        f"{statement_seconds * 1000:.0f} ms:\n    "
        + " ".join(statement.split())[:600]
        + "\n  "
        + explain.strip()
        + ":\n    "
        + "\n    ".join(lines)
    )


# Pages


def wait_for(port: int, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit(f"nothing answered on port {port}")


def serve(app: str, port: int, env: dict) -> subprocess.Popen:
    process = subprocess.Popen(
        [GUNICORN, "--workers", "2", "--bind", f"127.0.0.1:{port}", "--log-level", "warning", app],
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    wait_for(port)
    # gunicorn listens before its workers have imported the app: wait for real answers.
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            connection = HTTPConnection("127.0.0.1", port, timeout=60)
            connection.request("GET", "/hello" if app.startswith("bare") else "/sign-in")
            if connection.getresponse().status == 200:
                break
        except OSError:
            time.sleep(0.5)
    for _ in range(4):  # both workers, a request or two each
        connection = HTTPConnection("127.0.0.1", port, timeout=60)
        connection.request("GET", "/hello" if app.startswith("bare") else "/sign-in")
        connection.getresponse().read()
    return process


def stop(process: subprocess.Popen) -> float:
    """Stop a gunicorn and return its workers' peak resident memory, MB."""
    peak = 0.0
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    for child in children.read_text().split() if children.exists() else []:
        status = Path(f"/proc/{child}/status")
        found = re.search(r"VmHWM:\s+(\d+) kB", status.read_text()) if status.exists() else None
        if found:
            peak = max(peak, int(found.group(1)) / 1024)
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)
    return peak


def sign_in(port: int) -> str:
    connection = HTTPConnection("127.0.0.1", port)
    connection.request("GET", "/sign-in")
    response = connection.getresponse()
    page = response.read().decode()
    cookie = "; ".join(re.findall(r"(?:^|, )([\w-]+=[^;]*)", response.getheader("Set-Cookie", "")))
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"csrf_token": token, "email": EMAIL, "password": PASSWORD})
    connection.request(
        "POST",
        "/sign-in",
        body,
        {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    response = connection.getresponse()
    response.read()
    if response.status != 302:
        raise SystemExit(f"signing in to the product answered {response.status}")
    return re.search(r"wres_session=[^;]+", response.getheader("Set-Cookie")).group(0)


def load(port: int, path: str, cookie: str = "") -> tuple[float, float, float, int]:
    """Requests a second, median and p99 latency (ms), and non-2xx answers, at 20 connections."""
    url = f"http://127.0.0.1:{port}{path}"
    for _ in range(2):  # each worker renders the page once before it is timed
        connection = HTTPConnection("127.0.0.1", port, timeout=120)
        connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        connection.getresponse().read()
    if shutil.which("wrk"):
        args = ["wrk", "-t2", "-c20", f"-d{PAGE_SECONDS:g}s", "--timeout", "30s", "--latency", url]
        if cookie:
            args[1:1] = ["-H", f"Cookie: {cookie}"]
        out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
        rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        p50 = _wrk_ms(re.search(r"50%\s+([\d.]+\w+)", out).group(1))
        p99 = _wrk_ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1))
        bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
        return rate, p50, p99, int(bad.group(1)) if bad else 0
    return _python_load(port, path, cookie)


def _wrk_ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def _python_load(port: int, path: str, cookie: str) -> tuple[float, float, float, int]:
    latencies: list[float] = []
    bad = [0]
    deadline = time.perf_counter() + PAGE_SECONDS

    def worker():
        connection = HTTPConnection("127.0.0.1", port, timeout=60)
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
            response = connection.getresponse()
            response.read()
            latencies.append((time.perf_counter() - start) * 1000)
            bad[0] += response.status >= 400

    threads = [threading.Thread(target=worker) for _ in range(20)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()
    return (
        len(latencies) / (time.perf_counter() - start),
        latencies[len(latencies) // 2],
        latencies[int(len(latencies) * 0.99)],
        bad[0],
    )


def bench_pages(run: Run, database: str, size: str, url: str) -> None:
    os.environ.update(environment(url))
    from sqlalchemy import event

    from app import create_app
    from app.accounts.models import User
    from app.accounts.roles import Role
    from app.accounts.services import create_user
    from app.extensions import db
    from app.pagination import encode_cursor
    from app.recruitment.models import Vacancy
    from app.recruitment.queries import VACANCY_ORDER
    from app.workforce.models import Organisation

    app = create_app("development")
    app.config.update(WTF_CSRF_ENABLED=False)
    size_per_page = app.config["PAGE_SIZE"]
    with app.app_context():
        organisation = db.session.scalar(db.select(Organisation).filter_by(code=data.ORG))
        org = organisation.id
        # A kept database (BENCH_KEEP) already has the bench's HR user from an earlier run.
        if db.session.scalar(db.select(User.id).filter_by(email=EMAIL)) is None:
            create_user(org, EMAIL, [Role.HR_ADMIN], "Bench HR", PASSWORD)
            db.session.commit()
        vacancies = db.session.scalar(
            db.select(db.func.count()).select_from(Vacancy).where(Vacancy.organisation_id == org)
        )
        deep = min(500, max(1, -(-vacancies // size_per_page)))
        # The address page `deep` has when reached by "next" from the first page.
        keys = [key.expression for key in VACANCY_ORDER]
        before_deep = db.session.execute(
            db.select(*keys)
            .where(Vacancy.organisation_id == org)
            .order_by(*(key.clause() for key in VACANCY_ORDER))
            .offset((deep - 1) * size_per_page - 1)
            .limit(1)
        ).one_or_none()
        deep_path = (
            "/vacancies?after=" + encode_cursor((deep - 1) * size_per_page, list(before_deep))
            if before_deep and deep > 1
            else "/vacancies"
        )
        bare_deep = db.session.scalar(
            db.select(Vacancy.id)
            .where(Vacancy.organisation_id == org)
            .order_by(Vacancy.id)
            .offset((deep - 1) * 50 - 1)
            .limit(1)
        )
        pages = [
            ("home page", "/"),
            (f"dashboard, {YEAR}", f"/dashboard?year={YEAR}"),
            ("vacancy list, first page", "/vacancies"),
            (f"vacancy list, page {deep}", deep_path),
            ("staff list, first page", "/staff"),
            ("justification list, first page", "/justifications"),
        ]
        engine = db.engine
    # Requests go outside the app context above: a request inside it would share its `g`.
    counts = {}
    client = app.test_client()
    client.post("/sign-in", data={"email": EMAIL, "password": PASSWORD})
    for work, path in pages:
        statements = []

        def count(*_args, statements=statements):
            statements.append(1)

        event.listen(engine, "before_cursor_execute", count)
        try:
            status = client.get(path).status_code
        finally:
            event.remove(engine, "before_cursor_execute", count)
        counts[work] = f"{len(statements)}" + ("" if status == 200 else f" ({status})")
    engine.dispose()

    env = environment(url)
    bare_env = {**env, "BENCH_ORG_ID": str(org), "PYTHONPATH": str(ROOT / "bench")}
    bare = serve("bare:app", PORT + 1, bare_env)
    try:
        baseline = {
            "hello": load(PORT + 1, "/hello"),
            "first": load(PORT + 1, "/list"),
            "deep": load(PORT + 1, f"/list?after={bare_deep or 0}"),
        }
    finally:
        bare_peak = stop(bare)
    product = serve("wsgi_dev:app", PORT, env)
    try:
        cookie = sign_in(PORT)
        measured = {work: load(PORT, path, cookie) for work, path in pages}
    finally:
        product_peak = stop(product)
    hello = baseline["hello"]
    run.rows.append(
        Row(
            database,
            size,
            "page",
            "bare Flask 'hello' (for scale)",
            "",
            f"{hello[0]:.0f} req/s, p50 {hello[1]:.0f} / p99 {hello[2]:.0f} ms",
            peak_mb=bare_peak,
        )
    )
    for work, _path in pages:
        rate, p50, p99, bad = measured[work]
        base = baseline["deep" if work.startswith("vacancy list, page") else "first"]
        run.rows.append(
            Row(
                database,
                size,
                "page",
                work,
                f"{rate:.0f} req/s, p50 {p50:.0f} / p99 {p99:.0f} ms",
                f"{base[0]:.0f} req/s, p50 {base[1]:.0f} / p99 {base[2]:.0f} ms",
                rate / base[0] if base[0] else None,
                peak_mb=product_peak,
                queries=counts[work],
                note=f"{bad} errors" if bad else "",
            )
        )
        print(f"  {database} {size}: {work}: {rate:.0f} req/s", file=sys.stderr)


# The table


# The newer parts, each measured by its own module in its own process on an empty database:
# the two WRES return imports and the survey and pay imports at a 20,000-staff trust, and the
# benchmarking page over 220 organisations with five published years each.

_EXTRA = """
import json, sys
sys.path.insert(0, {bench!r})
import {module} as bench
result = bench.run({url!r}{args})
print("BENCH-RESULT " + json.dumps(result, default=str))
"""


def _extra(module: str, url: str, args: str = "") -> object:
    code = _EXTRA.format(bench=str(ROOT / "bench"), module=module, url=url, args=args)
    _seconds, peak, status, out, err = timed_process([sys.executable, "-c", code], environment(url))
    if status != 0:
        raise RuntimeError(err.strip().splitlines()[-1] if err.strip() else f"exit {status}")
    line = next(x for x in out.splitlines() if x.startswith("BENCH-RESULT "))
    return json.loads(line.removeprefix("BENCH-RESULT ")), peak


def bench_extras(run: Run, database: str, url: str) -> None:
    staff = int(os.environ.get("BENCH_EXTRA_STAFF", "20000"))
    for module, kind in (("return_imports", "import"), ("survey_pay", "import")):
        empty_database(url)
        try:
            rows, peak = _extra(module, url, f", staff={staff}")
        except (RuntimeError, StopIteration) as failure:
            run.rows.append(Row(database, f"{staff:,} staff", kind, module, note=str(failure)))
            continue
        for name, count, seconds, per_second in rows:
            run.rows.append(
                Row(
                    database,
                    f"{staff:,} staff",
                    kind,
                    f"{name} ({count:,} rows)",
                    product=f"{seconds:.2f} s",
                    rows_per_second=per_second,
                    peak_mb=peak,
                    note="no bare baseline: see the core imports above",
                )
            )
    empty_database(url)
    try:
        figures, _peak = _extra("benchmarking", url)
    except (RuntimeError, StopIteration) as failure:
        run.rows.append(Row(database, "220 orgs", "page", "benchmarking", note=str(failure)))
        return
    shape = f"{figures['organisations']} orgs x {figures['years']} years"
    for name in ("benchmarking_page", "benchmarking_page_filtered", "organisation_page"):
        f = figures[name]
        run.rows.append(
            Row(
                database,
                shape,
                "page",
                name.replace("_", " ") + " (test client)",
                product=f"median {f['median_ms']} ms, p90 {f['p90_ms']} ms",
                note=f"CPU {f['median_cpu_ms']} ms; target median under 300 ms",
            )
        )


def _after_startup(row: Row, startup: dict) -> str:
    """An import's rows over its wall time less the same run's `flask --help` start-up on the
    same database: the import's own rate, which start-up time does not hide."""
    if not row.rows or row.seconds is None or row.database not in startup:
        return ""
    own = row.seconds - startup[row.database][0]
    return f"{row.rows / own:,.0f}" if own > 0 else "under start-up"


def print_table(run: Run, startup: dict) -> None:
    header = ["database", "size", "work", "this product", "bare baseline", "speed", "rows/s"]
    header += ["rows/s after start-up", "peak MB", "queries", "note"]
    lines = [
        [
            row.database,
            row.size,
            row.work,
            row.product,
            row.bare,
            f"{row.speed:.2f}" if row.speed is not None else "",
            f"{row.rows_per_second:,.0f}" if row.rows_per_second else "",
            _after_startup(row, startup),
            f"{row.peak_mb:.0f}" if row.peak_mb else "",
            row.queries,
            row.note,
        ]
        for row in run.rows
    ]
    for database, (wall, cpu) in startup.items():
        lines.append(
            [database, "", "`flask --help` start-up", f"{wall:.2f} s ({cpu:.2f} s CPU)"] + [""] * 7
        )
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for line in lines:
        print("| " + " | ".join(cell.replace("|", "/") for cell in line) + " |")
    if run.plans:
        print("\nPlans of the slowest figures' slowest statements:\n")
        for plan in run.plans:
            print(plan + "\n")


def main() -> None:
    chosen = [s.strip() for s in os.environ.get("SIZE", "trust,mid").split(",") if s.strip()]
    unknown = [s for s in chosen if s not in data.SIZES]
    if unknown:
        raise SystemExit(f"SIZE must be among {', '.join(data.SIZES)}; not {', '.join(unknown)}")
    parts = {p.strip() for p in os.environ.get("BENCH_PARTS", ",".join(PARTS)).split(",")}
    if parts - set(PARTS):
        raise SystemExit(f"BENCH_PARTS must be among {', '.join(PARTS)}")
    # BENCH_KEEP=folder keeps the extracts and the SQLite databases there, so a later run with
    # BENCH_PARTS=figures,pages measures the same imported data without importing it again.
    keep = os.environ.get("BENCH_KEEP")
    folder = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="wres-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    run = Run()
    startup = {}
    started = time.perf_counter()
    try:
        largest = max(chosen, key=lambda s: data.SIZES[s].staff)
        for size in chosen:
            print(f"Generating the {size} extracts...", file=sys.stderr)
            files = data.generate(data.SIZES[size], folder / size)
            for database, url in databases(folder, size):
                if "imports" in parts:
                    empty_database(url)
                    prepare(url)
                if database not in startup:
                    startup[database] = flask_startup(url)
                if "imports" in parts:
                    bench_imports(run, database, size, url, files, folder)
                    analyse(url)
                if "figures" in parts:
                    bench_figures(run, database, size, url)
                if size == largest and "pages" in parts:
                    bench_pages(run, database, size, url)
                # The extras empty the database: never on data kept for a later run.
                extras = "extras" in parts and not keep and not os.environ.get("BENCH_SKIP_EXTRAS")
                if size == largest and extras:
                    bench_extras(run, database, url)
                if database == "SQLite" and not keep:
                    Path(url.split("///", 1)[1]).unlink(missing_ok=True)
    finally:
        print(
            f"\nmake bench, {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, "
            f"{time.perf_counter() - started:.0f} s; load generator: "
            f"{'wrk' if shutil.which('wrk') else 'Python threads'}, 20 connections, "
            f"{PAGE_SECONDS:g} s a page\n"
        )
        print_table(run, startup)
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)
    if os.environ.get("BENCH_JSON"):
        Path(os.environ["BENCH_JSON"]).write_text(
            json.dumps([row.__dict__ for row in run.rows], indent=1, default=str)
        )


if __name__ == "__main__":
    main()
