"""A later ESR extract never rewrites an earlier date (DOMAIN.md sections 6, 7 and 11).

The trust below imports its 31 March 2026 extract, closes the 2025/26 year (the nightly job
stores its figures), then imports a September extract in which people were promoted (one 8a to
8b, a mentee from 8d to 9), left (one of them before 31 March but reported late), started (one
of them before 31 March but reported late), changed their recorded ethnicity and left the board.
Every figure for the earlier date, and the year's return in both formats, must be byte-for-byte
what it was; the September figures must show the changes.
"""

import csv
import io
import json
from datetime import date

from sqlalchemy import select

from app.extensions import db as _db
from app.mentoring import services as mentoring_services
from app.mentoring.models import MentoringRelationship
from app.metrics import jobs, queries, year_snapshots
from app.metrics.models import WresYearSnapshot
from app.workforce.models import Staff

HEADER = [
    "staff_number",
    "full_name",
    "ethnic_category",
    "pay_band",
    "staff_group",
    "board_member",
    "board_voting",
    "start_date",
    "leaving_date",
]
MARCH = [
    # number, name, ethnicity, band, group, board, voting, start, leaving
    ("1", "White 8a one", "A", "8a", "Non-clinical", "", "", "2015-01-01", ""),
    ("2", "White 8a two", "A", "8a", "Non-clinical", "", "", "2016-01-01", ""),
    ("3", "BME 8a", "N", "8a", "Non-clinical", "", "", "2017-01-01", ""),
    ("4", "Mentee 8d", "H", "8d", "Clinical non-medical", "", "", "2014-01-01", ""),
    ("5", "Nurse 5", "H", "5", "Clinical non-medical", "", "", "2019-01-01", ""),
    ("6", "Nurse 5 two", "A", "5", "Clinical non-medical", "", "", "2019-01-01", ""),
    ("7", "Not stated 6", "Z", "6", "Clinical non-medical", "", "", "2020-01-01", ""),
    ("8", "Chief executive", "A", "VSM", "Non-clinical", "Executive", "Y", "2018-01-01", ""),
    ("9", "Director", "M", "VSM", "Non-clinical", "Executive", "Y", "2018-06-01", ""),
    ("10", "Chair", "A", "", "Non-clinical", "Non-executive", "Y", "2020-01-01", ""),
    ("11", "Consultant", "R", "Consultant", "Medical and dental", "", "", "2012-01-01", ""),
    ("12", "White 8b", "B", "8b", "Non-clinical", "", "", "2013-01-01", ""),
]
SEPTEMBER = [
    ("1", "White 8a one", "A", "8b", "Non-clinical", "", "", "2015-01-01", ""),  # promoted
    ("2", "White 8a two", "A", "8a", "Non-clinical", "", "", "2016-01-01", ""),
    ("3", "BME 8a", "N", "8a", "Non-clinical", "", "", "2017-01-01", "2026-05-31"),  # left
    ("4", "Mentee 8d", "H", "9", "Clinical non-medical", "", "", "2014-01-01", ""),  # promoted
    ("5", "Nurse 5", "H", "5", "Clinical non-medical", "", "", "2019-01-01", "2026-02-28"),  # late
    ("6", "Nurse 5 two", "A", "6", "Clinical non-medical", "", "", "2019-01-01", ""),
    ("7", "Not stated 6", "K", "6", "Clinical non-medical", "", "", "2020-01-01", ""),  # stated
    ("8", "Chief executive", "A", "VSM", "Non-clinical", "Executive", "Y", "2018-01-01", ""),
    ("9", "Director", "M", "8d", "Non-clinical", "", "", "2018-06-01", ""),  # no longer senior
    ("10", "Chair", "A", "", "Non-clinical", "Non-executive", "Y", "2020-01-01", ""),
    ("11", "Consultant", "C", "Consultant", "Medical and dental", "", "", "2012-01-01", ""),
    ("12", "White 8b", "B", "8b", "Non-clinical", "", "", "2013-01-01", ""),
    ("13", "New 8a", "J", "8a", "Non-clinical", "", "", "2026-06-01", ""),  # new starter
    ("14", "Late starter", "A", "7", "Non-clinical", "", "", "2026-03-01", ""),  # reported late
]
MENTORING = (
    "mentor_staff_number,mentee_staff_number,type,start_date,end_date,last_session_date\n"
    "8,4,mentoring,2025-06-01,,2025-11-20\n"
    "9,5,sponsorship,2025-07-01,,2025-12-01\n"
)


def _csv(rows) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue()


def _ok(result):
    assert result.exit_code == 0, result.output
    return result


def _import(runner, tmp_path, name, rows, as_at):
    path = tmp_path / name
    path.write_text(_csv(rows))
    return runner.invoke(
        args=["staff", "import", str(path), "--org", "RAB", "--as-at", as_at, "--json"]
    )


def _earlier_figures(runner, organisation, tmp_path, tag):
    """Everything the 2025/26 year shows: the figures, and the return's bytes."""
    files = {}
    for fmt in ("csv", "xlsx"):
        for publish in ([], ["--publish"]):
            out = tmp_path / f"{tag}-{fmt}{'-publish' if publish else ''}.{fmt}"
            _ok(
                runner.invoke(
                    args=[
                        "export",
                        "wres",
                        "--year",
                        "2026",
                        "--format",
                        fmt,
                        "--out",
                        str(out),
                        *publish,
                    ]
                )
            )
            files[out.name.split("-", 1)[1]] = out.read_bytes()
    aspiration = _ok(
        runner.invoke(args=["metrics", "aspiration", "--as-at", "2026-03-31", "--json"])
    ).stdout
    coverage = _ok(runner.invoke(args=["mentoring", "coverage", "--year", "2026", "--json"]))
    return {
        "indicator1": queries.indicator1(organisation.id, 2026),
        "indicator9": queries.indicator9(organisation.id, 2026),
        "aspiration": json.loads(aspiration),
        "aspiration_model": queries.aspiration(organisation.id, date(2026, 3, 31)),
        "coverage": json.loads(coverage.stdout),
        "files": files,
    }


def _row(indicator1, staff_group, band):
    return next(
        r for r in indicator1["rows"] if r["staff_group"] == staff_group and r["band"] == band
    )


def test_a_later_extract_never_changes_the_earlier_year(runner, organisation, tmp_path):
    _ok(_import(runner, tmp_path, "march.csv", MARCH, "2026-03-31"))
    mentoring = tmp_path / "mentoring.csv"
    mentoring.write_text(MENTORING)
    _ok(runner.invoke(args=["mentoring", "import", str(mentoring), "--org", "RAB"]))

    # The year has closed: the nightly job stores its figures once.
    assert jobs.take_snapshots(date(2026, 4, 1))["years_closed"] == 1
    assert jobs.take_snapshots(date(2026, 4, 2))["years_closed"] == 0
    before = _earlier_figures(runner, organisation, tmp_path, "before")
    assert _row(before["indicator1"], "non-clinical", "8a")["white"] == 2
    assert before["coverage"]["leaders_met"] == 2  # the chief executive and the director

    result = _ok(_import(runner, tmp_path, "september.csv", SEPTEMBER, "2026-09-30"))
    assert json.loads(result.stdout)["updated"] == 8
    after = _earlier_figures(runner, organisation, tmp_path, "after")

    for name in ("indicator1", "indicator9", "aspiration", "aspiration_model", "coverage"):
        assert after[name] == before[name], name
    for name, data in before["files"].items():
        assert after["files"][name] == data, name

    # Recomputing the closed year from the history gives exactly what was stored.
    stored = _db.session.scalar(select(WresYearSnapshot)).data
    assert year_snapshots.compute(organisation.id, 2026) == stored
    assert stored["indicator1"] == json.loads(json.dumps(before["indicator1"]))
    assert stored["staff_extract_as_at"] == "2026-03-31"

    # The September extract did take effect from its own date.
    september = queries.aspiration(organisation.id, date(2026, 9, 30))
    bands = {b["band"]: b for b in september["bands"]}
    assert (bands["8a"]["white"], bands["8a"]["bme"]) == (1, 1)  # one promoted, one left, one new
    assert (bands["8b"]["white"], bands["9"]["bme"]) == (2, 1)
    assert bands["board"]["headcount"] == 2  # the director has left the board
    assert (bands["8d"]["bme"], bands["VSM"]["headcount"]) == (1, 1)
    assert september["workforce"]["unknown"] == 0  # "not stated" is now recorded as K

    # In the new year the mentee, now band 9, still counts for the chief executive: the
    # promotion is the outcome the programme wants. The director is no longer a senior leader.
    relationship = _db.session.scalar(
        select(MentoringRelationship)
        .join(Staff, Staff.id == MentoringRelationship.leader_id)
        .where(Staff.staff_number == "8")
    )
    mentoring_services.log_session(
        relationship, None, held_on=date(2026, 10, 15), minutes=60, format="video"
    )
    _db.session.commit()
    later = json.loads(
        _ok(runner.invoke(args=["mentoring", "coverage", "--year", "2027", "--json"])).stdout
    )
    assert {(leader["staff_number"], leader["met"]) for leader in later["leaders"]} == {
        ("8", True),
        ("10", False),
    }
