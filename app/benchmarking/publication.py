"""What an organisation's published figures say, in the shape the benchmarking pages read. Pure:
no Flask, no database.

The figures come from the year's WRES return published exactly as `flask export wres --publish`
publishes it (so the benchmarking pages and the organisation's own published files never
disagree), plus panel compliance, justification timeliness and mentoring coverage, which are not
in the return and go through the same disclosure control on their own.
"""

from fractions import Fraction

from app.metrics import disclosure, formulas
from app.metrics.disclosure import MASK, Derived, Figures, Published
from app.metrics.export import ASPIRATION_ROWS, WORKFORCE_TOTAL, Return

# Benchmarking compares every organisation against one range: NHS England's non-adverse range
# (the four-fifths rule, DOMAIN.md section 5), whatever range an organisation set for itself.
NON_ADVERSE_LOW, NON_ADVERSE_HIGH = Fraction(4, 5), Fraction(5, 4)

# (group, the count that meets the measure, the count that does not)
OPERATIONAL = {
    "panels": ("compliant", "not-compliant"),
    "justifications": ("on-time", "not-on-time"),
    "leaders": ("met", "not-met"),
}


def operational_figures(operational: dict) -> Figures:
    """Panel compliance, justifications submitted on time, mentoring coverage as counts, sums and
    shares, for disclosure control. Few leaders means few people: "9 of 10 met" names one."""
    met = {
        "panels": (operational["panels_compliant"], operational["panels_total"]),
        "justifications": (
            operational["justifications_on_time"],
            operational["justifications_due"],
        ),
        "leaders": (operational["leaders_met"], operational["leaders_total"]),
    }
    figures = Figures()
    for group, (yes, no) in OPERATIONAL.items():
        count, total = met[group]
        figures.counts[(group, yes)] = int(count)
        figures.counts[(group, no)] = int(total - count)
        figures.counts[(group, "total")] = int(total)
        figures.add_sum((group, "total"), [(group, yes), (group, no)])
        figures.derived[(group, "share")] = Derived(
            formulas.share(int(count), int(total)),
            ((group, yes), (group, no)),
            "share",
            numerator=((group, yes),),
        )
    # The median days to submit says something about each justification: hidden with its counts.
    figures.derived[("justifications", "median-days")] = Derived(
        operational["justification_median_days"],
        (("justifications", "on-time"), ("justifications", "not-on-time")),
        places=1,
    )
    return figures


def _number(value) -> float | None:
    return None if value in (MASK, None) or isinstance(value, str) else float(value)


def interval_position(ci_low, ci_high, low=NON_ADVERSE_LOW, high=NON_ADVERSE_HIGH) -> str | None:
    """Where a published 95% interval lies against the non-adverse range: "above" (wholly above
    it: adverse to BME applicants beyond chance), "below" (wholly below it), "overlaps", or None
    when the interval is withheld or not available. Decided on the published values, the ones
    people see (bounds inclusive, as the range is), so a mark never contradicts its numbers."""
    if _number(ci_low) is None or _number(ci_high) is None:
        return None
    lower, upper = Fraction(str(ci_low)), Fraction(str(ci_high))
    if lower > high:
        return "above"
    if upper < low:
        return "below"
    return "overlaps"


def document(ret: Return, published: Published, operational: Published, threshold: int) -> dict:
    """Everything the benchmarking pages show for one organisation and year, published."""
    counts, derived = published.counts, published.derived

    def two(measure, group):
        return counts[("2", "all", "all", measure, group)]

    ci_low = derived[("2", "all", "all", "ci-low")]
    ci_high = derived[("2", "all", "all", "ci-high")]
    white, bme = two("shortlisted", "white"), two("shortlisted", "bme")
    aspiration = {}
    for band in ASPIRATION_ROWS:
        row = {
            measure: derived[("aspiration", "all", band, measure)]
            for measure in (
                "bme-share-of-known",
                "required-recruit-share",
                "bme-recruits-needed-per-year",
                "observed-recruit-share",
                "status",
            )
        }
        row["headcount"] = _headcount(counts, ("aspiration", "all", band, "headcount"))
        aspiration[band] = row
    ops = {}
    for group, (yes, no) in OPERATIONAL.items():
        ops[group] = {
            yes: operational.counts[(group, yes)],
            no: operational.counts[(group, no)],
            "total": operational.counts[(group, "total")],
            "share": operational.derived[(group, "share")],
        }
    ops["justifications"]["median-days"] = operational.derived[("justifications", "median-days")]
    return {
        "code": ret.code,
        "year": ret.year,
        "threshold": threshold,
        "workforce": {
            "headcount": counts[WORKFORCE_TOTAL],
            "bme": counts[("1", "all", "all", "headcount", "bme")],
            "bme-share-of-known": derived[("1", "all", "all", "bme-share-of-known")],
        },
        "indicator2": {
            "white-shortlisted": white,
            "bme-shortlisted": bme,
            "white-appointed": two("appointed", "white"),
            "bme-appointed": two("appointed", "bme"),
            "unknown-shortlisted": two("shortlisted", "unknown"),
            "shortlisted": None if MASK in (white, bme) else white + bme,
            "relative-likelihood": derived[("2", "all", "all", "relative-likelihood")],
            "ci-low": ci_low,
            "ci-high": ci_high,
            "classification": derived[("2", "all", "all", "classification")],
            "position": interval_position(ci_low, ci_high),
        },
        "aspiration": {
            "as-at": ret.as_at.isoformat(),
            "target-share": derived[("aspiration", "all", "all", "workforce-bme-share-of-known")],
            "target-year": derived[("aspiration", "all", "all", "target-year")],
            "bands": aspiration,
        },
        **ops,
    }


def _headcount(counts: dict, row: tuple):
    cells = [counts[(*row, g)] for g in ("white", "bme", "unknown")]
    return MASK if MASK in cells else sum(cells)


def _count(value) -> int | None:
    return None if value == MASK else value


def columns(doc: dict) -> dict:
    """The sortable columns of a published document (None where `*` or not available)."""
    two = doc["indicator2"]
    return {
        "relative_likelihood": _number(two["relative-likelihood"]),
        "ci_low": _number(two["ci-low"]),
        "ci_high": _number(two["ci-high"]),
        "shortlisted": two["shortlisted"],
        "bme_shortlisted": _count(two["bme-shortlisted"]),
        "appointed": None
        if MASK in (two["white-appointed"], two["bme-appointed"])
        else two["white-appointed"] + two["bme-appointed"],
        "workforce_bme_share": _number(doc["workforce"]["bme-share-of-known"]),
        "senior_bme_share": _number(doc["aspiration"]["bands"]["8a+"]["bme-share-of-known"]),
        "panel_compliance": _number(doc["panels"]["share"]),
        "justifications_on_time": _number(doc["justifications"]["share"]),
        "mentoring_coverage": _number(doc["leaders"]["share"]),
    }


def publish(ret: Return, operational: dict, threshold: int) -> dict:
    """The published document for a return and the year's operational figures."""
    return document(
        ret,
        disclosure.publish(ret.figures, threshold),
        disclosure.publish(operational_figures(operational), threshold),
        threshold,
    )
