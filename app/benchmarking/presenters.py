"""Published figures shaped for the benchmarking pages and downloads."""

import json
from dataclasses import dataclass
from functools import cached_property

from flask import url_for

from app.benchmarking import charts, publication
from app.benchmarking.models import PublishedFigures
from app.metrics.export import ASPIRATION_ROWS, CLASSIFICATIONS, STATUSES
from app.workforce import peer_groups
from app.workforce.models import Organisation
from app.workforce.wres_year import WresYear

POSITIONS = {
    "outside": "Interval wholly outside the non-adverse range",
    "above": "Interval wholly above the range (adverse to BME applicants)",
    "below": "Interval wholly below the range (adverse to white applicants)",
    "overlaps": "Interval overlaps the range",
}
FILTER_ARGS = ("year", "region", "type", "size", "position", "sort", "band")


@dataclass
class Row:
    """One organisation's published year. The sortable columns are always there; the whole
    document only for rows a page shows (`with_documents`) or a download writes."""

    organisation: Organisation
    figures: PublishedFigures
    previous_ratio: float | None
    document: dict | None = None

    @property
    def year(self) -> int:
        return self.figures.year

    @property
    def doc(self) -> dict:
        if self.document is None:
            self.document = self.figures.data
        return self.document

    @property
    def two(self) -> dict:
        return self.doc["indicator2"]

    @cached_property
    def position(self) -> str | None:
        return publication.interval_position(self.figures.ci_low, self.figures.ci_high)

    @property
    def year_label(self) -> str:
        return WresYear(self.year).label

    @property
    def classification(self) -> str:
        value = self.two["classification"]
        return CLASSIFICATIONS.get(value, value) if value else "Not available"

    def band(self, band: str) -> dict:
        return self.doc["aspiration"]["bands"][band]

    def status(self, band: str) -> str:
        value = self.band(band)["status"]
        return STATUSES.get(value, value) if value else "Not available"

    @property
    def change(self) -> float | None:
        """Indicator 2 against the year before (both published and available)."""
        now = self.figures.relative_likelihood
        if self.previous_ratio is None or now is None:
            return None
        return now - self.previous_ratio


def row(figures: PublishedFigures, organisation: Organisation, previous: dict) -> Row:
    return Row(organisation, figures, previous.get(organisation.id))


def with_documents(rows: list[Row], documents: dict[int, str]) -> list[Row]:
    for r in rows:
        r.document = json.loads(documents[r.figures.id])
    return rows


def with_position(rows: list[Row], position: str) -> list[Row]:
    if not position:
        return rows
    wanted = {"above", "below"} if position == "outside" else {position}
    return [r for r in rows if r.position in wanted]


def marked(rows: list[Row]) -> dict[str, list[Row]]:
    return {side: [r for r in rows if r.position == side] for side in ("above", "below")}


def pooled(rows: list[Row]) -> tuple[float | None, float | None]:
    """The appointment rate and BME share of shortlisted applicants of all the organisations
    shown, from their published (rounded) counts: where the funnel is drawn."""
    appointed = shortlisted = bme = 0
    for r in rows:
        f = r.figures
        if None not in (f.shortlisted, f.bme_shortlisted, f.appointed):
            shortlisted += f.shortlisted
            bme += f.bme_shortlisted
            appointed += f.appointed
    if not shortlisted:
        return None, None
    return appointed / shortlisted, bme / shortlisted


def _point(r: Row, label: str, x: float) -> charts.Point:
    f = r.figures
    return charts.Point(
        r.organisation.id,
        r.organisation.code,
        r.organisation.name,
        label,
        x,
        f.relative_likelihood,
        f.ci_low,
        f.ci_high,
        r.position,
    )


def funnel_points(rows: list[Row]) -> list[charts.Point]:
    return [
        _point(r, f"{r.figures.shortlisted:,}", r.figures.shortlisted)
        for r in rows
        if r.figures.relative_likelihood is not None and r.figures.shortlisted is not None
    ]


def trend_points(history: list[Row]) -> list[charts.Point]:
    return [
        _point(r, r.year_label, r.year)
        for r in history
        if r.figures.relative_likelihood is not None
    ]


def filters(selection: dict, scope) -> dict:
    options = selection["options"]
    return {
        "regions": sorted({o[0] for o in options if o[0]}) if scope.national else [],
        "types": [
            (code, peer_groups.type_name(code))
            for code in peer_groups.ORGANISATION_TYPES
            if code in {o[1] for o in options}
        ],
        "sizes": [
            (code, peer_groups.size_name(code))
            for code in peer_groups.SIZE_BANDS
            if code in {o[2] for o in options}
        ],
    }


def query_args(selection: dict) -> dict:
    """The year and filters chosen, to carry into links (drill-down, download, pages)."""
    return {k: selection[k] for k in FILTER_ARGS if selection.get(k)}


def back_url(args) -> str:
    """The benchmarking page as the viewer left it (only its own filter names are carried)."""
    return url_for("benchmarking.index", **{k: args[k] for k in FILTER_ARGS if args.get(k)})


# The download: one row per organisation and year, every figure as published.

_COUNTS = (
    ("workforce_headcount", ("workforce", "headcount")),
    ("workforce_bme", ("workforce", "bme")),
    ("workforce_bme_share_of_known", ("workforce", "bme-share-of-known")),
    ("white_shortlisted", ("indicator2", "white-shortlisted")),
    ("bme_shortlisted", ("indicator2", "bme-shortlisted")),
    ("unknown_shortlisted", ("indicator2", "unknown-shortlisted")),
    ("white_appointed", ("indicator2", "white-appointed")),
    ("bme_appointed", ("indicator2", "bme-appointed")),
    ("indicator2_relative_likelihood", ("indicator2", "relative-likelihood")),
    ("indicator2_ci_low", ("indicator2", "ci-low")),
    ("indicator2_ci_high", ("indicator2", "ci-high")),
    ("indicator2_classification", ("indicator2", "classification")),
    ("indicator2_interval_position", ("indicator2", "position")),
    ("panels_total", ("panels", "total")),
    ("panels_compliant", ("panels", "compliant")),
    ("panels_compliant_share", ("panels", "share")),
    ("justifications_due", ("justifications", "total")),
    ("justifications_on_time", ("justifications", "on-time")),
    ("justifications_on_time_share", ("justifications", "share")),
    ("justification_median_days_to_submit", ("justifications", "median-days")),
    ("leaders_total", ("leaders", "total")),
    ("leaders_met_mentoring_commitment", ("leaders", "met")),
    ("mentoring_coverage_share", ("leaders", "share")),
    ("aspiration_target_share", ("aspiration", "target-share")),
    ("aspiration_target_year", ("aspiration", "target-year")),
)
_BAND_MEASURES = (
    "headcount",
    "bme-share-of-known",
    "required-recruit-share",
    "bme-recruits-needed-per-year",
    "observed-recruit-share",
    "status",
)
CSV_COLUMNS = [
    "organisation_code",
    "organisation_name",
    "region",
    "organisation_type",
    "size_band",
    "year",
    "suppression_threshold",
    *(name for name, _ in _COUNTS),
    *(
        f"aspiration_{band.lower().replace('+', '_and_above')}_{m.replace('-', '_')}"
        for band in ASPIRATION_ROWS
        for m in _BAND_MEASURES
    ),
]


def _cell(value):
    """As published: `*` stays `*`, not available is blank."""
    return "" if value is None else value


def csv_rows(rows: list[Row]):
    for r in rows:
        o = r.organisation
        yield [
            o.code,
            o.name,
            o.region,
            o.organisation_type,
            o.size_band,
            r.year,
            r.doc["threshold"],
            *(_cell(r.doc[group][key]) for _, (group, key) in _COUNTS),
            *(_cell(r.band(band)[m]) for band in ASPIRATION_ROWS for m in _BAND_MEASURES),
        ]
