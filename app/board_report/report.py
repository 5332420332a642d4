"""The board report for a WRES year: one document, HTML or PDF, built from a list of sections.

Each section adds the figures it shows to one `disclosure.Figures` (the WRES return's figures,
extended) and returns what its template needs. When the report is for publication the whole
set is published once through `disclosure.publish`, so every count and rate in any section is
shown only as the attacker in `disclosure.attack` cannot undo, with the WRES return of the same
year (whose figures are the same set's first part) beside it. Later sections (indicators 3 to 8,
the pay gap) are added by appending to SECTIONS.
"""

import base64
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

from flask import render_template
from sqlalchemy import func, select

from app.extensions import db
from app.goals import planning
from app.goals import queries as goal_queries
from app.goals import services as goal_services
from app.justifications.models import STATUSES as JUSTIFICATION_STATUSES
from app.justifications.models import Justification
from app.mentoring.queries import coverage
from app.metrics import charts, disclosure, export, formulas, queries
from app.metrics.disclosure import Derived
from app.workforce.bands import SENIOR_BANDS
from app.workforce.models import OrganisationSettings
from app.workforce.wres_year import WresYear

SCENARIO_YEARS = (2023, 2028, 2033)
MASK = disclosure.MASK


class PdfUnavailable(RuntimeError):
    """WeasyPrint or the system libraries it needs (Pango) are missing."""


@dataclass
class Context:
    organisation: object
    year: int
    today: date
    publish: bool
    threshold: int
    settings: OrganisationSettings
    ret: export.Return
    as_at: date  # the aspiration's (and the goals' progress) as-at date
    counts: dict = field(default_factory=dict)  # after publish: what the report shows
    derived: dict = field(default_factory=dict)

    @property
    def figures(self) -> disclosure.Figures:
        return self.ret.figures

    def count(self, key):
        return self.counts[key]

    def value(self, key):
        return self.derived[key]


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    build: Callable[[Context], dict]
    template: str


def _count(ctx: Context, key: tuple, value: int) -> tuple:
    ctx.figures.counts[key] = int(value)
    return key


def _derived(ctx: Context, key: tuple, derived: Derived) -> tuple:
    ctx.figures.derived[key] = derived
    return key


# Sections


def _indicator2(ctx: Context) -> dict:
    groups = ("white", "bme", "unknown")
    base = ("2", "all", "all")
    return {
        "rows": [
            {
                "group": g,
                "shortlisted": (*base, "shortlisted", g),
                "appointed": (*base, "appointed", g),
                "withdrawn": (*base, "withdrawn", g),
            }
            for g in groups
        ],
        "ratio": (*base, "relative-likelihood"),
        "ci_low": (*base, "ci-low"),
        "ci_high": (*base, "ci-high"),
        "classification": (*base, "classification"),
        "words": export.CLASSIFICATIONS,
        "low": float(ctx.settings.non_adverse_low),
        "high": float(ctx.settings.non_adverse_high),
        "note": queries.indicator2(ctx.organisation.id, ctx.year)["note"]
        if not ctx.publish
        else None,
    }


def _indicators_1_9(ctx: Context) -> dict:
    return {
        "staff_groups": [
            line.staff_group
            for line in ctx.ret.lines
            if line.indicator == "1"
            and line.band == "all"
            and line.measure == "headcount"
            and line.value_key is None
        ],
        "board": ("board-voting", "board-executive", "workforce"),
    }


def _aspiration(ctx: Context) -> dict:
    """The board paper's Table 3: per band, the workforce's BME share (the target), the band's,
    and the BME recruits a year that reaching equality by the target year needs."""
    return {
        "rows": export.ASPIRATION_ROWS,
        "target_key": ("aspiration", "all", "all", "workforce-bme-share-of-known"),
        "target_year": ctx.figures.derived[("aspiration", "all", "all", "target-year")].value,
        "statuses": export.STATUSES,
    }


def _scenarios(ctx: Context) -> dict:
    """2023, 2028 and 2033 (and the organisation's own target year) side by side, each figure
    worked out from the same counts as the return's aspiration rows."""
    years = sorted({*SCENARIO_YEARS, ctx.settings.target_year})
    for target_year in years:
        aspiration = queries.aspiration(ctx.organisation.id, ctx.as_at, target_year)
        for row in aspiration["bands"]:
            band = row["band"]
            everyone = tuple(("aspiration", "all", band, "headcount", g) for g in export.GROUPS)
            basis = (
                ("aspiration", "all", band, "bme-share-of-known"),
                ("aspiration", "all", "all", "workforce-bme-share-of-known"),
            )
            for measure, value in (
                ("required-recruit-share", row["required_recruit_share"]),
                ("bme-recruits-needed-per-year", row["required_bme_recruits_per_year"]),
                ("status", row["status"]),
            ):
                _derived(
                    ctx,
                    ("scenario", str(target_year), band, measure),
                    Derived(value, everyone, places=3, basis=basis),
                )
    return {"years": years, "rows": export.ASPIRATION_ROWS, "statuses": export.STATUSES}


def _goals(ctx: Context) -> dict:
    goal_set = goal_services.current(ctx.organisation.id)
    if goal_set is None:
        return {"goal_set": None, "proposed": goal_services.pending(ctx.organisation.id)}
    m = goal_queries.for_goal_set(goal_set, ctx.as_at)
    cells = {}
    for row in m.rows:
        for year in m.years:
            progress = row.progress.get(year)
            if progress is None:
                continue
            if row.measure in planning.SHARE_ROWS:
                inputs = tuple(
                    ("aspiration", "all", row.measure, "headcount", g) for g in export.GROUPS
                )
                basis = (("aspiration", "all", row.measure, "bme-share-of-known"),)
            elif row.measure == planning.INDICATOR2:
                inputs = tuple(
                    ("2", "all", "all", stage, g)
                    for g in ("white", "bme")
                    for stage in ("appointed", "shortlisted")
                )
                basis = (("2", "all", "all", "relative-likelihood"),)
            else:
                inputs = (("report", "mentoring", "all", "leaders-met", "n"),)
                basis = (("report", "mentoring", "all", "coverage"),)
            # A closed year before this one rests on that year's own figures, not this
            # report's: published, its gaps are withheld rather than risk a mismatch.
            earlier = year < ctx.year
            # The verdict too says which side of the goal a share lies: it is shown only where
            # the counts behind it are.
            for name, value in (
                ("status", progress.status),
                ("actual", progress.actual),
                ("gap-points", progress.gap_points),
                ("gap-people", progress.gap_people),
            ):
                key = ("goal", row.measure, str(year), name)
                _derived(
                    ctx,
                    key,
                    Derived(
                        MASK if ctx.publish and earlier else value,
                        inputs,
                        places=4 if name == "actual" else 2,
                        basis=basis,
                    ),
                )
            cells[(row.measure, year)] = ("goal", row.measure, str(year), "status")
    return {"goal_set": goal_set, "m": m, "status": cells}


def _panels(ctx: Context) -> dict:
    o = queries.operational(ctx.organisation.id, ctx.year, ctx.today)
    key = {}
    for measure, value in (
        ("total", o["panels_total"]),
        ("compliant", o["panels_compliant"]),
        ("exceptions", o["panel_exceptions"]),
        ("breaches", o["panel_breaches"]),
    ):
        key[measure] = _count(ctx, ("report", "panels", "all", measure, "n"), value)
    parts = [key["compliant"], key["exceptions"], key["breaches"]]
    if o["panels_compliant"] + o["panel_exceptions"] + o["panel_breaches"] == o["panels_total"]:
        ctx.figures.add_sum(key["total"], parts)
    key["share"] = _derived(
        ctx,
        ("report", "panels", "all", "compliance"),
        Derived(
            formulas.share(o["panels_compliant"], o["panels_total"]),
            tuple(parts),
            "share",
            numerator=(key["compliant"],),
        ),
    )
    return {"keys": key}


def _justifications(ctx: Context) -> dict:
    wres_year = WresYear(ctx.year)
    by_status = dict(
        db.session.execute(
            select(Justification.status, func.count())
            .where(
                Justification.organisation_id == ctx.organisation.id,
                Justification.status != "not-needed",
                Justification.due_date.between(wres_year.start, wres_year.end),
            )
            .group_by(Justification.status)
        ).all()
    )
    o = queries.operational(ctx.organisation.id, ctx.year, ctx.today)
    statuses = [s for s in JUSTIFICATION_STATUSES if s != "not-needed"]
    keys = {
        s: _count(ctx, ("report", "justifications", "all", s, "n"), by_status.get(s, 0))
        for s in statuses
    }
    total = _count(ctx, ("report", "justifications", "all", "total", "n"), sum(by_status.values()))
    ctx.figures.add_sum(total, list(keys.values()))
    on_time = o["justifications_on_time"]
    due = o["justifications_due"]
    timing = {
        "on-time": _count(ctx, ("report", "justifications", "timing", "on-time", "n"), on_time),
        "late-or-waiting": _count(
            ctx, ("report", "justifications", "timing", "late-or-waiting", "n"), due - on_time
        ),
    }
    timing_total = _count(ctx, ("report", "justifications", "timing", "total", "n"), due)
    ctx.figures.add_sum(timing_total, list(timing.values()))
    share = _derived(
        ctx,
        ("report", "justifications", "timing", "on-time-share"),
        Derived(
            formulas.share(on_time, due),
            tuple(timing.values()),
            "share",
            numerator=(timing["on-time"],),
        ),
    )
    median = _derived(
        ctx,
        ("report", "justifications", "timing", "median-days"),
        Derived(o["justification_median_days"], tuple(timing.values()), places=1),
    )
    return {
        "statuses": [(s, JUSTIFICATION_STATUSES[s], keys[s]) for s in statuses],
        "total": total,
        "timing": timing,
        "timing_total": timing_total,
        "share": share,
        "median": median,
        "due_days": ctx.settings.justification_due_working_days,
    }


def _mentoring(ctx: Context) -> dict:
    cover = coverage(ctx.organisation.id, ctx.year)
    leaders = len(cover.leaders)
    met = _count(ctx, ("report", "mentoring", "all", "leaders-met", "n"), cover.leaders_met)
    not_met = _count(
        ctx, ("report", "mentoring", "all", "leaders-not-met", "n"), leaders - cover.leaders_met
    )
    total = _count(ctx, ("report", "mentoring", "all", "leaders", "n"), leaders)
    ctx.figures.add_sum(total, [met, not_met])
    share = _derived(
        ctx,
        ("report", "mentoring", "all", "coverage"),
        Derived(
            formulas.share(cover.leaders_met, leaders), (met, not_met), "share", numerator=(met,)
        ),
    )
    return {"met": met, "not_met": not_met, "total": total, "share": share}


def _rest_of_return(ctx: Context) -> dict:
    """Indicators 3 to 8 and the pay gap, as the WRES return already holds them (and publishes
    them): the report only chooses which of its figures to show, so nothing new needs hiding."""
    derived = ctx.figures.derived

    def likelihood(indicator: str, prefix: str, counted: str) -> dict | None:
        base = (indicator, "all", "all")
        if (*base, f"{prefix}relative-likelihood") not in derived:
            return None
        return {
            "rows": [
                (g, (*base, f"{prefix}headcount", g), (*base, f"{prefix}{counted}", g))
                for g in ("white", "bme", "unknown")
            ],
            "ratio": (*base, f"{prefix}relative-likelihood"),
            "ci_low": (*base, f"{prefix}ci-low"),
            "ci_high": (*base, f"{prefix}ci-high"),
            "classification": (*base, f"{prefix}classification"),
        }

    survey = [
        {
            "indicator": ind,
            "respondents": [(ind, "all", "all", "respondents", g) for g in ("white", "bme")],
            "white": (ind, "all", "all", "white-percent"),
            "bme": (ind, "all", "all", "bme-percent"),
            "gap": (ind, "all", "all", "gap-points"),
        }
        for ind in ("5", "6", "7", "8")
        if (ind, "all", "all", "gap-points") in derived
    ]
    whole = ("pay-gap", "all", "all")
    pay = None
    if (*whole, "mean-gap-percent") in derived:
        pay = {
            "staff": [(*whole, "staff-with-pay", g) for g in ("white", "bme", "unknown")],
            "mean": (*whole, "mean-gap-percent"),
            "median": (*whole, "median-gap-percent"),
        }
    return {
        "three": likelihood("3", "two-year-", "entered-investigation"),
        "four": likelihood("4", "", "accessed-training"),
        "survey": survey,
        "survey_names": export.SURVEY_NAMES,
        "pay": pay,
        "words": export.STAFF_CLASSIFICATIONS,
    }


def _actions(ctx: Context) -> dict:
    return {
        "actions": goal_queries.actions(ctx.organisation.id),
        "counts": goal_queries.action_counts(ctx.organisation.id, ctx.today),
        "statuses": planning.ACTION_STATUSES,
        "serves": planning.SERVES,
        "today": ctx.today,
    }


def _notes(ctx: Context) -> dict:
    wres_year = WresYear(ctx.year)
    return {
        "definitions": export.DEFINITIONS,
        "period": (wres_year.start, wres_year.end),
        "snapshot": wres_year.snapshot,
        "as_at": ctx.as_at,
        "sources": ctx.ret.sources,
        "rule": export.SUPPRESSION_RULE.format(threshold=ctx.threshold) if ctx.publish else None,
    }


SECTIONS: list[Section] = [
    Section("indicator2", "Indicator 2: appointment from shortlisting", _indicator2, "indicator2"),
    Section(
        "indicators-1-9",
        "Indicators 1 and 9: the workforce and the board",
        _indicators_1_9,
        "indicators_1_9",
    ),
    Section("aspiration", "The leadership aspiration (Table 3)", _aspiration, "aspiration"),
    Section(
        "scenarios", "Three scenarios: equality by 2023, 2028 or 2033", _scenarios, "scenarios"
    ),
    Section(
        "rest-of-return",
        "Indicators 3 to 8 and the ethnicity pay gap",
        _rest_of_return,
        "rest_of_return",
    ),
    Section("goals", "Our goals and progress", _goals, "goals"),
    Section("panels", "Panel compliance", _panels, "panels"),
    Section("justifications", "Justifications to the chair", _justifications, "justifications"),
    Section("mentoring", "Mentoring coverage", _mentoring, "mentoring"),
    Section("actions", "The action plan", _actions, "actions"),
    Section("notes", "Notes on definitions and data dates", _notes, "notes"),
]


@dataclass
class Report:
    context: Context
    sections: list[tuple[Section, dict]]
    charts: dict


def build(organisation, year: int, today: date, publish: bool, with_charts: bool = True) -> Report:
    """The report's sections and figures; `with_charts=False` leaves the pictures out (they
    only redraw what the tables show) for checks that read the figures alone."""
    settings = db.session.get(OrganisationSettings, organisation.id)
    ret = export.build(organisation, year, today)
    ctx = Context(
        organisation,
        year,
        today,
        publish,
        settings.suppression_threshold,
        settings,
        ret,
        queries.aspiration_as_at(year, today),
    )
    built = [(section, section.build(ctx)) for section in SECTIONS]
    ctx.counts, ctx.derived = export.values(ret, publish, ctx.threshold)
    return Report(ctx, built, _charts(ctx) if with_charts else {})


def figures_for_attack(report: Report) -> disclosure.Figures:
    return report.context.figures


# Charts, from the values the report shows


def _data_uri(svg: bytes) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()


def _published_trend(ctx: Context) -> list[dict]:
    trend = queries.indicator2_trend(ctx.organisation.id)
    trend = [t for t in trend if t["year"] <= ctx.year][-5:]
    if not ctx.publish:
        return trend
    shown = []
    for t in trend:
        if t["year"] == ctx.year:
            derived = ctx.derived
        else:
            ret = export.build(ctx.organisation, t["year"], ctx.today)
            derived = disclosure.publish(ret.figures, ctx.threshold).derived
        values = [
            derived.get(("2", "all", "all", m))
            for m in ("relative-likelihood", "ci-low", "ci-high")
        ]
        ratio, low, high = (None if v == MASK else v for v in values)
        shown.append(
            {"year": t["year"], "relative_likelihood": ratio, "ci_low": low, "ci_high": high}
        )
    return shown


def _charts(ctx: Context) -> dict:
    rows = []
    for band in export.ASPIRATION_ROWS:
        share = ctx.derived.get(("aspiration", "all", band, "bme-share-of-known"))
        rows.append(
            {
                "label": {"8a+": "8a+", "board": "Board"}.get(band, band),
                "bme_share": None if share == MASK else share,
            }
        )
    target = ctx.derived.get(("aspiration", "all", "all", "workforce-bme-share-of-known"))
    target = None if target == MASK else target
    pipeline_share = ctx.derived.get(("aspiration", "all", "8a+", "bme-share-of-known"))
    recruit = ctx.derived.get(("aspiration", "all", "8a+", "required-recruit-share"))
    turnover = ctx.derived.get(("aspiration", "all", "8a+", "turnover"))
    target_year = ctx.derived.get(("aspiration", "all", "all", "target-year"))
    path = []
    if MASK not in (pipeline_share, recruit, turnover) and None not in (
        pipeline_share,
        recruit,
        turnover,
    ):
        steps = formulas.trajectory(pipeline_share, recruit, turnover, target_year - ctx.as_at.year)
        path = [(ctx.as_at.year + n, v) for n, v in enumerate(steps)]
    actual = []
    if pipeline_share not in (None, MASK):
        actual = [(ctx.as_at, pipeline_share)]
    return {
        "indicator2": _data_uri(
            charts.indicator2_trend(
                _published_trend(ctx),
                float(ctx.settings.non_adverse_low),
                float(ctx.settings.non_adverse_high),
            )
        ),
        "bands": _data_uri(charts.band_shares(rows, target)),
        "trajectory": _data_uri(charts.trajectory(path, actual, target)),
    }


# Rendering


def render_html(report: Report, inline_css: bool) -> str:
    css = None
    if inline_css:
        from pathlib import Path

        css = (Path(__file__).resolve().parent.parent / "static" / "board-report.css").read_text()
    ctx = report.context
    return render_template(
        "board_report/report.html",
        report=report,
        ctx=ctx,
        year=WresYear(ctx.year),
        css=css,
        senior=SENIOR_BANDS,
        band_label=_band_label,
        show=_shown,
    )


def _band_label(band: str) -> str:
    return {"8a+": "8a and above", "board": "Voting board", "VSM": "VSM"}.get(band, f"Band {band}")


def _shown(value, kind: str = "count") -> str:
    """A figure as the report prints it: '*' where disclosure control withheld it."""
    if value is None:
        return "not available"
    if value == MASK:
        return MASK
    if kind == "percent":
        return f"{100 * value:.1f}%"
    if kind == "ratio":
        return f"{value:.2f}"
    if kind == "points":
        return f"{value:+.1f}"
    if kind == "pct":  # already a percentage (survey answers, pay gaps)
        return f"{value:.1f}%"
    if kind == "days":
        return f"{value:.1f}"
    if kind == "people":
        return str(math.ceil(value)) if isinstance(value, float | Fraction) else str(value)
    return f"{value:,}" if isinstance(value, int) else str(value)


def render_pdf(html: str) -> bytes:
    """The same HTML typeset by WeasyPrint. Imported here, not at start-up: it loads Pango."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:
        raise PdfUnavailable(
            "The PDF cannot be made: WeasyPrint or the Pango libraries it needs are missing "
            f"({exc}). Run `make install` (it installs libpango-1.0-0 and libpangoft2-1.0-0 on "
            "Debian or Ubuntu), or use --format html."
        ) from exc
    return HTML(string=html).write_pdf()
