"""The WRES return (INTERFACES.md, "The WRES export"): a long CSV table, or an XLSX workbook laid
out for people, with disclosure control when it is for publication."""

import io
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, time

import pandas as pd

from app.exports import csv_bytes, safe_cell
from app.metrics import disclosure, queries, year_snapshots
from app.workforce.bands import SENIOR_BANDS, band_name
from app.workforce.bands import STAFF_GROUP_NAMES as SG_NAMES
from app.workforce.wres_year import WresYear

COLUMNS = [
    "organisation_code",
    "year",
    "indicator",
    "staff_group",
    "band",
    "measure",
    "white",
    "bme",
    "unknown",
]
GROUPS = ("white", "bme", "unknown")


def long_rows(organisation, year: int, figures: dict | None = None) -> list[dict]:
    """One row per figure: indicator 1 headcounts, indicator 2 shortlisted and appointed,
    indicator 9 board and workforce counts. Indicators 1 and 9 are the year's stored 31 March
    figures once it has closed (`year_snapshots.figures`)."""
    figures = figures or year_snapshots.figures(organisation.id, year)
    code = organisation.code
    rows = []

    def add(indicator, staff_group, band, measure, counts):
        rows.append(
            {
                "organisation_code": code,
                "year": year,
                "indicator": indicator,
                "staff_group": staff_group,
                "band": band,
                "measure": measure,
                **{g: counts[g] for g in GROUPS},
            }
        )

    one = figures["indicator1"]
    for row in one["rows"]:
        add(1, row["staff_group"], row["band"], "headcount", row)
    for row in one["staff_groups"]:
        add(1, row["staff_group"], "all", "headcount", row)
    add(1, "all", "all", "headcount", one["total"])

    for by, key in ((None, None), ("band", "band"), ("staff-group", "staff_group")):
        counts = queries.indicator2_counts(organisation.id, year, by)
        for value, c in sorted(counts.items(), key=lambda kv: str(kv[0])):
            staff_group = value if key == "staff_group" else "all"
            band = value if key == "band" else "all"
            add(2, staff_group, band, "shortlisted", c.shortlisted)
            add(2, staff_group, band, "appointed", c.appointed)
        if by is None and not counts:
            empty = dict.fromkeys(GROUPS, 0)
            add(2, "all", "all", "shortlisted", empty)
            add(2, "all", "all", "appointed", empty)

    nine = figures["indicator9"]
    for measure in ("board-voting", "board-executive", "workforce"):
        add(9, "all", "all", measure, nine[measure])
    return rows


def _groups(rows: list[dict]) -> list[list[tuple]]:
    """Cells that add up to a published total: bands to their staff group's "all" row, staff
    groups to the overall row, for each measure and column."""
    groups = []
    index: dict[tuple, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        index[(row["indicator"], row["measure"], row["staff_group"], "band")].append(i)
        index[(row["indicator"], row["measure"], row["band"], "staff_group")].append(i)
    for (*_key, along), members in index.items():
        total = [i for i in members if rows[i][along] == "all"]
        parts = [i for i in members if rows[i][along] != "all"]
        if total and parts:
            for g in GROUPS:
                groups.append([(i, g) for i in parts + total])
    return groups


def publishable(rows: list[dict], threshold: int) -> list[dict]:
    """Counts from 1 to the threshold become "*", and enough others that none can be derived."""
    cells = {(i, g): row[g] for i, row in enumerate(rows) for g in GROUPS}
    hidden = disclosure.suppress(cells, _groups(rows), threshold)
    shown = disclosure.apply(cells, hidden)
    return [{**row, **{g: shown[(i, g)] for g in GROUPS}} for i, row in enumerate(rows)]


def csv_export(organisation, year: int, publish: bool, threshold: int) -> bytes:
    rows = long_rows(organisation, year)
    if publish:
        rows = publishable(rows, threshold)
    return csv_bytes(COLUMNS, ([row[c] for c in COLUMNS] for row in rows))


def _share(bme, white):
    if isinstance(bme, str) or isinstance(white, str):
        return "*"
    return bme / (bme + white) if (bme + white) else None


def _sheet_frame(rows: Iterable[dict], label: str) -> pd.DataFrame:
    frame = pd.DataFrame(
        [
            {
                label: r["label"],
                "White": r["white"],
                "BME": r["bme"],
                "Unknown": r["unknown"],
                "BME share of known": _share(r["bme"], r["white"]),
            }
            for r in rows
        ]
    )
    return frame.map(safe_cell)


def xlsx_export(organisation, year: int, publish: bool, threshold: int) -> bytes:
    figures = year_snapshots.figures(organisation.id, year)
    rows = long_rows(organisation, year, figures)
    if publish:
        rows = publishable(rows, threshold)
    one = [r for r in rows if r["indicator"] == 1]
    two = [r for r in rows if r["indicator"] == 2]
    nine = [r for r in rows if r["indicator"] == 9]
    buffer = io.BytesIO()
    # XlsxWriter would turn any string starting with "=" into a live formula: switch it off.
    with pd.ExcelWriter(
        buffer, engine="xlsxwriter", engine_kwargs={"options": {"strings_to_formulas": False}}
    ) as writer:
        # Dated as at the year's snapshot, not when it was written: the same return, same bytes.
        writer.book.set_properties(
            {"created": datetime.combine(WresYear(year).snapshot, time(), tzinfo=UTC)}
        )
        _sheet_frame(
            (
                {
                    "label": f"{SG_NAMES.get(r['staff_group'], 'All staff')}: "
                    f"{'All bands' if r['band'] == 'all' else band_name(r['band'])}",
                    **r,
                }
                for r in one
            ),
            "Staff group and band",
        ).to_excel(writer, sheet_name="Indicator 1", index=False)
        indicator2 = queries.indicator2(organisation.id, year)
        two_rows = []
        for r in two:
            where = (
                "All"
                if r["band"] == "all" and r["staff_group"] == "all"
                else band_name(r["band"])
                if r["band"] != "all"
                else SG_NAMES.get(r["staff_group"], r["staff_group"])
            )
            two_rows.append({"label": f"{where}: {r['measure']}", **r})
        frame = _sheet_frame(two_rows, "Group and stage")
        frame.to_excel(writer, sheet_name="Indicator 2", index=False)
        value = indicator2["relative_likelihood"]
        summary = pd.DataFrame(
            [
                [
                    "Relative likelihood (white vs BME)",
                    "*"
                    if publish and _any_hidden(two[:2])
                    else (round(value, 2) if value is not None else "not available"),
                ],
                [
                    "95% interval",
                    ""
                    if indicator2["ci_low"] is None or (publish and _any_hidden(two[:2]))
                    else f"{indicator2['ci_low']:.2f} to {indicator2['ci_high']:.2f}",
                ],
                ["Classification", indicator2["classification"]],
                ["Note", indicator2["note"] or ""],
            ],
            columns=["Measure", "Value"],
        ).map(safe_cell)
        summary.to_excel(writer, sheet_name="Indicator 2", index=False, startrow=len(frame) + 2)
        _sheet_frame(({"label": r["measure"], **r} for r in nine), "Group").to_excel(
            writer, sheet_name="Indicator 9", index=False
        )
        nine_values = figures["indicator9"]
        pd.DataFrame(
            [
                [
                    "Voting board minus workforce (percentage points)",
                    _points(nine_values["voting_gap_points"], publish, nine),
                ],
                [
                    "Executive board minus workforce (percentage points)",
                    _points(nine_values["executive_gap_points"], publish, nine),
                ],
            ],
            columns=["Measure", "Value"],
        ).to_excel(writer, sheet_name="Indicator 9", index=False, startrow=len(nine) + 2)
        aspiration = figures["aspiration"]
        pd.DataFrame(
            [
                {
                    "Band": band_name(b["band"]) if b["band"] in SENIOR_BANDS else b["band"],
                    "Headcount": b["headcount"],
                    "BME share": b["bme_share"],
                    "Turnover": b["turnover"],
                    "Turnover source": b["turnover_source"],
                    "Required BME share of recruits": b["required_recruit_share"],
                    "BME recruits needed a year": b["required_bme_recruits_per_year"],
                    "Observed BME share of appointments": b["observed_recruit_share"],
                    "Status": b["status"],
                    "Note": b["note"] or "",
                }
                for b in aspiration["bands"]
            ]
        ).map(safe_cell).to_excel(writer, sheet_name="Leadership aspiration", index=False)
        for sheet in writer.sheets.values():
            sheet.set_column(0, 0, 45)
            sheet.set_column(1, 9, 16)
    return buffer.getvalue()


def _any_hidden(rows) -> bool:
    return any(isinstance(r[g], str) for r in rows for g in GROUPS)


def _points(value, publish, rows):
    if publish and _any_hidden(rows):
        return "*"
    return round(value, 1) if value is not None else "not available"
