"""The demo trust, every year: one aspiration figure on the dashboard, from the command, in the
CSV and in the workbook; and its published files show no count from 1 to 7 and nothing that is
not a multiple of 5, the same in both formats."""

import csv
import io
import json
import random
import re
from datetime import date
from html import unescape

from openpyxl import load_workbook

from app import demo
from app.metrics import export, queries
from app.timeutil import today_london
from app.workforce import demo as workforce_demo
from app.workforce.wres_year import year_containing
from tests.conftest import sign_in

NAMES = {"8a and above": "8a+", "Voting board": "board"}


def _pct(value) -> str:
    if value in (None, "", "not available"):
        return "not available"
    return f"{100 * float(value):.1f}%"


def _key(band, headcount, known, whole, turnover, required, recruits, observed, status):
    return (
        band,
        int(headcount),
        _pct(known),
        _pct(whole),
        _pct(turnover),
        _pct(required),
        "" if recruits in (None, "", "not available") else int(recruits),
        _pct(observed),
        status,
    )


def _dashboard(client, year):
    page = client.get(f"/dashboard?year={year}").get_data(as_text=True)
    table = page.split('<table class="nhsuk-table" id="aspiration">')[1].split("</table>")[0]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody")[1], re.S):
        cells = [
            unescape(re.sub(r"<[^>]+>", "\n", c)).strip()
            for c in re.findall(r"<td>(.*?)</td>", row, re.S)
        ]
        band = NAMES.get(cells[0], cells[0].removeprefix("Band "))
        status = cells[8].split("\n")[0]
        rows.append(
            (
                band,
                int(cells[1]),
                cells[2],
                cells[3],
                cells[4].split(" (")[0],
                cells[5],
                int(cells[6].split(" ")[0]) if cells[6] else "",
                cells[7],
                status,
            )
        )
    as_at = re.search(r'id="aspiration-as-at">As at ([^.(]+)', page).group(1).strip()
    return rows, as_at


def _command(runner, as_at):
    result = runner.invoke(args=["metrics", "aspiration", "--as-at", as_at, "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    return [
        _key(
            b["band"],
            b["headcount"],
            b["bme_share"],
            b["bme_share_of_headcount"],
            b["turnover"],
            b["required_recruit_share"],
            b["required_bme_recruits_per_year"],
            b["observed_recruit_share"],
            export.STATUSES[b["status"]],
        )
        for b in document["bands"]
    ], document["as_at"]


def _export(runner, tmp_path, year, fmt, publish=False):
    out = tmp_path / f"{year}-{publish}.{fmt}"
    args = ["export", "wres", "--year", str(year), "--format", fmt, "--out", str(out)]
    result = runner.invoke(args=args + (["--publish"] if publish else []))
    assert result.exit_code == 0, result.output
    return out


def _csv(path):
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def _csv_aspiration(rows):
    by = {}
    for r in rows:
        if r["indicator"] == "aspiration":
            by[(r["band"], r["measure"])] = r
    result = []
    for band in export.ASPIRATION_ROWS:
        counts = by[(band, "headcount")]

        def v(measure, band=band):
            return by[(band, measure)]["value"]

        result.append(
            _key(
                band,
                sum(int(counts[g]) for g in ("white", "bme", "unknown")),
                v("bme-share-of-known"),
                v("bme-share-of-headcount"),
                v("turnover"),
                v("required-recruit-share"),
                v("bme-recruits-needed-per-year"),
                v("observed-recruit-share"),
                export.STATUSES[v("status")],
            )
        )
    return result, {r["as_at"] for r in rows if r["indicator"] == "aspiration"}


def _xlsx_aspiration(path):
    sheet = load_workbook(path)["Leadership aspiration"]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows.index(next(r for r in rows if r[0] == "Band"))
    result = []
    for r in rows[header + 1 : header + 1 + len(export.ASPIRATION_ROWS)]:
        band = NAMES.get(r[0], r[0].removeprefix("Band "))
        result.append(_key(band, r[1] + r[2] + r[3], r[4], r[5], r[6], r[8], r[9], r[11], r[12]))
    stated = re.search(r"As at (\d{4}-\d\d-\d\d)", rows[2][0]).group(1)
    return result, stated


def _published_counts_ok(csv_rows, xlsx_path):
    counts = []
    for r in csv_rows:
        for g in ("white", "bme", "unknown"):
            if r[g] != "":
                counts.append(r[g])
    book = load_workbook(xlsx_path)
    xlsx_counts = [
        c.value
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for c in row
        if c.number_format == "#,##0"
    ]
    for value in counts + xlsx_counts:
        if value == "*":
            continue
        number = int(value)
        assert number % 5 == 0 and not 1 <= number <= 7, value
    return counts


def test_demo_trust_gives_one_aspiration_everywhere_and_publishes_safely(
    app, db, client, runner, tmp_path
):
    # The demo trust as `flask seed-demo --staff 800` makes it, without the neighbouring trusts.
    organisation = workforce_demo.seed(800)["organisation"]
    demo._records(organisation, random.Random(2019), date.today(), 260)
    db.session.commit()
    sign_in(client, f"hr@{workforce_demo.DOMAIN}", workforce_demo.PASSWORD)
    today = today_london()
    years = sorted(
        {t["year"] for t in queries.indicator2_trend(organisation.id)}
        | {year_containing(today).year}
    )
    assert len(years) >= 3
    for year in years:
        as_at = queries.aspiration_as_at(year, today)
        dashboard, stated = _dashboard(client, year)
        command, command_at = _command(runner, as_at.isoformat())
        csv_rows = _csv(_export(runner, tmp_path, year, "csv"))
        from_csv, csv_at = _csv_aspiration(csv_rows)
        from_xlsx, xlsx_at = _xlsx_aspiration(_export(runner, tmp_path, year, "xlsx"))
        assert dashboard == command == from_csv == from_xlsx, year
        assert command_at == xlsx_at == as_at.isoformat() and csv_at == {as_at.isoformat()}
        assert stated == f"{as_at.day} {as_at:%B %Y}"
        published_csv = _csv(_export(runner, tmp_path, year, "csv", publish=True))
        xlsx = _export(runner, tmp_path, year, "xlsx", publish=True)
        assert "*" in _published_counts_ok(published_csv, xlsx)
        # The staff survey (its autumn inside the year, when it has run) and the pay gap, in
        # both formats, published too.
        indicators = {r["indicator"] for r in csv_rows}
        survey_ran = date(year - 1, 12, 31) < today
        assert ({"5", "6", "7", "8"} <= indicators) == survey_ran, year
        gap = next(
            r
            for r in published_csv
            if r["indicator"] == "pay-gap"
            and r["band"] == "all"
            and r["staff_group"] == "all"
            and r["measure"] == "mean-gap-percent"
        )
        assert gap["value"] not in ("", "*")
        assert {"Indicators 5 to 8", "Pay gap"} <= set(load_workbook(xlsx).sheetnames)
