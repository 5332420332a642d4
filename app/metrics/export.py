"""The WRES return (INTERFACES.md, "The WRES export"): a long CSV table, or an XLSX workbook laid
out for people, both rendered from one set of figures. For publication the figures go through
`disclosure.publish` once, and both formats show exactly what it returns, so nothing one format
shows can undo what the other hides.

`figures_from` is pure: it turns plain counts (what `queries` returns) into the figures, the sums
that hold between them and the rates worked out from them, so the disclosure property test can
publish generated organisations through the same function without a database.
"""

import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from fractions import Fraction

from sqlalchemy import func, select

from app.exports import csv_bytes, safe_cell
from app.extensions import db
from app.import_history import DataImport
from app.metrics import disclosure, formulas, queries, year_snapshots
from app.metrics.disclosure import Derived, Figures
from app.paygap import queries as paygap_queries
from app.survey import queries as survey_queries
from app.workforce import history
from app.workforce.bands import SENIOR_BANDS, band_name
from app.workforce.bands import STAFF_GROUP_NAMES as SG_NAMES
from app.workforce.wres_year import WresYear
from app.wres_return import formulas as return_formulas
from app.wres_return import queries as return_queries

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
    "value",
    "as_at",
]
GROUPS = ("white", "bme", "unknown")
ASPIRATION_ROWS = [*SENIOR_BANDS, "8a+", "board"]
WORKFORCE_TOTAL = ("1", "all", "all", "headcount", "total")
NON_ADVERSE_LOW, NON_ADVERSE_HIGH = Fraction(4, 5), Fraction(5, 4)
DEFINITIONS = [
    (
        "BME",
        "Black and minority ethnic: every ethnic category except White British, White Irish and "
        "any other White background. Unknown: not stated or not known",
    ),
    (
        "BME share of known ethnicities",
        "BME / (White + BME): the board paper's basis, and the aspiration model's",
    ),
    (
        "BME share of whole headcount",
        "BME / (White + BME + Unknown): the national WRES return's basis",
    ),
    (
        "Indicator 2",
        "Relative likelihood of white shortlisted applicants being appointed compared with BME "
        "shortlisted applicants: (white appointed / white shortlisted) / (BME appointed / BME "
        "shortlisted). 0.80 to 1.25 inclusive is the non-adverse range, decided on exact values "
        "and shown to 2 decimal places. Applicants who withdrew after shortlisting are in neither "
        "count. A batch applicant counts under the band of the post they were appointed to, else "
        "the band on their own row, else under 'Batch across bands'",
    ),
    (
        "Indicator 3",
        "Relative likelihood of BME staff entering a formal disciplinary investigation compared "
        "with white staff: (BME people who entered one / BME staff in post on 31 March) / (white "
        "people who entered one / white staff in post on 31 March). The return's figure covers "
        "two WRES years, over the sum of their two 31 March headcounts; a person counts once a "
        "year however many cases they have. Above 1.25 is adverse to BME staff",
    ),
    (
        "Indicator 4",
        "Relative likelihood of white staff accessing non-mandatory training and CPD compared "
        "with BME staff: (white people who started at least one non-mandatory course in the "
        "year / white staff in post on 31 March) / (the same for BME staff). Above 1.25 is "
        "adverse to BME staff",
    ),
    (
        "Staff in post (indicators 3 and 4)",
        "Staff in post on 31 March with a pay band, from the staff records as they stood that "
        "day; non-executive directors are left out",
    ),
    ("95% interval", "Log method for a ratio of two proportions"),
    (
        "Indicator 9",
        "Board BME share minus workforce BME share (known ethnicities), in percentage points; "
        "negative means the board under-represents BME staff",
    ),
    (
        "Indicators 5 to 8",
        "From the NHS Staff Survey run in the autumn inside the WRES year: the percentage of white "
        "and of BME respondents, and the gap, BME minus white, in percentage points. For 5, 6 and "
        "8 a lower percentage is better; for 7 a higher one",
    ),
    (
        "Ethnicity pay gap",
        "Basic hourly pay (the rate given, or annual basic pay / (contracted weekly hours x "
        "52.143)) of staff in post on 31 March with a pay band, as their records stood that day. "
        "Mean (or median) gap = (white - BME) / white x 100; positive means BME staff are paid "
        "less. Quartiles: everyone with pay, ordered by hourly pay, in four groups as equal as "
        "possible; the BME share of each is over known ethnicities",
    ),
    (
        "Turnover",
        "Leavers in the 12 months to the as-at date over the average headcount; the "
        f"organisation's default where a row averages fewer than "
        f"{queries.MIN_HEADCOUNT_FOR_TURNOVER} staff or had no leavers; 8a and above uses the "
        "headcount-weighted mean of the turnovers its bands use",
    ),
    (
        "BME share of recruits needed",
        "r* = (T - p0 (1-t)^N) / (1 - (1-t)^N), with T the whole workforce's share, p0 the row's "
        "share, t its turnover and N the years to the target year",
    ),
]
SUPPRESSION_RULE = (
    "Counts from 1 to {threshold} are shown as *; every other count is rounded to the nearest 5 "
    "(0 stays 0). A share, rate, ratio, interval or figure worked out from them is shown only "
    "when no hidden count could be worked out from it with anything else in this file or the "
    "CSV for the same year; otherwise it is *. Shares and ratios are computed from the unrounded "
    "counts. A * can also mark a count hidden so that a small one cannot be worked out, a 0 "
    "among them, so a * beside other * in a total or its parts may be 0"
)
CLASSIFICATIONS = {
    "adverse-to-bme": "Adverse to BME applicants",
    "non-adverse": "Within the non-adverse range",
    "adverse-to-white": "Adverse to white applicants",
    "not-available": "Not available",
}
STATUSES = {
    "on-track": "On track",
    "behind": "Behind",
    "target-met": "Target met",
    "unreachable": "Not reachable by the target year",
    "not-available": "Not available",
}
TURNOVER_SOURCES = {
    "measured": "Measured",
    "default": "Organisation default",
    "override": "Override",
    "weighted-mean-of-bands": "Weighted mean of its bands",
}


@dataclass
class Line:
    """One row of the long table: counts (white, bme, unknown) or one value."""

    indicator: str
    staff_group: str
    band: str
    measure: str
    as_at: str
    value_key: tuple | None = None  # a derived figure; else the row's counts
    groups: tuple = GROUPS  # the groups a count row has (the staff survey has no Unknown)

    @property
    def key(self) -> tuple:
        return (self.indicator, self.staff_group, self.band, self.measure)


@dataclass
class Return:
    code: str
    year: int
    as_at: date  # the aspiration's as-at date
    figures: Figures
    lines: list = field(default_factory=list)
    words: dict = field(default_factory=dict)  # derived key -> words for codes
    sources: list = field(default_factory=list)  # (import kind, date of the latest)


def _share(figures, key, counts_key, known_only: bool):
    """BME share of a row, over known ethnicities or over the whole headcount."""
    counts = [(*counts_key, g) for g in GROUPS]
    white, bme, unknown = (figures.counts[k] for k in counts)
    inputs = tuple(counts[:2] if known_only else counts)
    value = formulas.share(bme, white + bme + (0 if known_only else unknown))
    figures.derived[key] = Derived(value, inputs, "share", numerator=(counts[1],))


def _count_line(ret, figures, indicator, sg, band, measure, counts, as_at, groups=GROUPS):
    for g in groups:
        figures.counts[(indicator, sg, band, measure, g)] = int(counts[g])
    ret.lines.append(Line(indicator, sg, band, measure, as_at, groups=groups))


def _value_line(ret, indicator, sg, band, measure, as_at, derived: Derived, words=None):
    key = (indicator, sg, band, measure)
    ret.figures.derived[key] = derived
    ret.lines.append(Line(indicator, sg, band, measure, as_at, key))
    if words is not None:
        ret.words[key] = words


def share_measure(measure: str, basis: str) -> str:
    prefix = "" if measure == "headcount" else f"{measure}-"
    return f"{prefix}bme-share-of-{basis}"


def _shares(ret, indicator, sg, band, measure, as_at):
    counts_key = (indicator, sg, band, measure)
    for known_only, basis in ((True, "known"), (False, "headcount")):
        name = share_measure(measure, basis)
        key = (indicator, sg, band, name)
        _share(ret.figures, key, counts_key, known_only)
        ret.lines.append(Line(indicator, sg, band, name, as_at, key))


def figures_from(
    code: str,
    year: int,
    one: dict,
    two: dict,
    nine: dict,
    aspiration: dict,
    as_at: date,
    low=NON_ADVERSE_LOW,
    high=NON_ADVERSE_HIGH,
    *,
    survey: dict | None = None,
    pay_gap: dict | None = None,
    three: dict | None = None,
    four: dict | None = None,
) -> Return:
    """The whole return from plain counts. `two` maps None (all), ("band", b) and
    ("staff-group", g) to objects with `shortlisted`, `appointed` and `withdrawn` per group.
    `survey` and `pay_gap` are the documents of `flask metrics survey` and `pay-gap`.
    `three` holds indicator 3's counts of the year before (`previous`) and the year
    (`current`), `four` indicator 4's, each {"headcount": {group: n}, "count": {group: n}}."""
    figures = Figures()
    ret = Return(code, year, as_at, figures)
    snapshot = WresYear(year).snapshot.isoformat()
    period_end = WresYear(year).end.isoformat()

    # Indicator 1: bands add up to their staff group, staff groups to the whole workforce.
    by_group: dict = {}
    for row in one["rows"]:
        _count_line(ret, figures, "1", row["staff_group"], row["band"], "headcount", row, snapshot)
        _shares(ret, "1", row["staff_group"], row["band"], "headcount", snapshot)
        by_group.setdefault(row["staff_group"], []).append(row["band"])
    for row in one["staff_groups"]:
        sg = row["staff_group"]
        _count_line(ret, figures, "1", sg, "all", "headcount", row, snapshot)
        _shares(ret, "1", sg, "all", "headcount", snapshot)
        for g in GROUPS:
            figures.add_sum(
                ("1", sg, "all", "headcount", g),
                [("1", sg, b, "headcount", g) for b in by_group.get(sg, [])],
            )
    _count_line(ret, figures, "1", "all", "all", "headcount", one["total"], snapshot)
    _shares(ret, "1", "all", "all", "headcount", snapshot)
    # The whole headcount, which the regional view shows beside each organisation.
    figures.counts[WORKFORCE_TOTAL] = sum(one["total"][g] for g in GROUPS)
    figures.add_sum(WORKFORCE_TOTAL, [("1", "all", "all", "headcount", g) for g in GROUPS])
    for g in GROUPS:
        figures.add_sum(
            ("1", "all", "all", "headcount", g),
            [("1", r["staff_group"], "all", "headcount", g) for r in one["staff_groups"]],
        )

    # Indicator 2: bands add up to the total, and so do staff groups.
    for measure in ("shortlisted", "appointed", "withdrawn"):
        for key in [None, *sorted((k for k in two if k), key=lambda k: (k[0], str(k[1])))]:
            sg = key[1] if key and key[0] == "staff-group" else "all"
            band = key[1] if key and key[0] == "band" else "all"
            _count_line(
                ret, figures, "2", sg, band, measure, getattr(two[key], measure), period_end
            )
    for along in ("band", "staff-group"):
        parts = [k for k in two if k and k[0] == along]
        for measure in ("shortlisted", "appointed", "withdrawn"):
            for g in GROUPS:
                figures.add_sum(
                    ("2", "all", "all", measure, g),
                    [
                        (
                            "2",
                            k[1] if along == "staff-group" else "all",
                            k[1] if along == "band" else "all",
                            measure,
                            g,
                        )
                        for k in parts
                    ],
                )
    for key in [None, *sorted((k for k in two if k), key=lambda k: (k[0], str(k[1])))]:
        sg = key[1] if key and key[0] == "staff-group" else "all"
        band = key[1] if key and key[0] == "band" else "all"
        c = two[key]
        result = formulas.indicator2(
            c.shortlisted["white"],
            c.appointed["white"],
            c.shortlisted["bme"],
            c.appointed["bme"],
            low=low,
            high=high,
        )
        inputs = tuple(
            ("2", sg, band, measure, g)
            for g in ("white", "bme")
            for measure in ("appointed", "shortlisted")
        )
        ratio_key = ("2", sg, band, "relative-likelihood")
        _value_line(
            ret,
            "2",
            sg,
            band,
            "relative-likelihood",
            period_end,
            Derived(result.relative_likelihood, inputs, "ratio", places=2),
        )
        for name, value in (("ci-low", result.ci_low), ("ci-high", result.ci_high)):
            _value_line(
                ret,
                "2",
                sg,
                band,
                name,
                period_end,
                Derived(value, inputs, places=2, basis=(ratio_key,)),
            )
        _value_line(
            ret,
            "2",
            sg,
            band,
            "classification",
            period_end,
            Derived(result.classification, inputs, basis=(ratio_key,)),
            CLASSIFICATIONS[result.classification],
        )

    if three is not None:
        _indicator3(ret, one, three, low, high)
    if four is not None:
        _indicator4(ret, one, four, low, high)

    # Indicator 9: the workforce is indicator 1's whole workforce, counted again.
    for measure in ("board-voting", "board-executive", "workforce"):
        _count_line(ret, figures, "9", "all", "all", measure, nine[measure], snapshot)
        _shares(ret, "9", "all", "all", measure, snapshot)
    for g in GROUPS:
        figures.add_sum(("9", "all", "all", "workforce", g), [("1", "all", "all", "headcount", g)])
    for board, name in (("board-voting", "voting"), ("board-executive", "executive")):
        basis = tuple(("9", "all", "all", share_measure(m, "known")) for m in (board, "workforce"))
        _value_line(
            ret,
            "9",
            "all",
            "all",
            f"{board}-gap-points",
            snapshot,
            Derived(nine[f"{name}_gap_points"], places=1, basis=basis),
        )

    # The leadership aspiration, as at its one date: band counts are indicator 1's cells again.
    asp_at = aspiration["as_at"]
    bands = {b["band"]: b for b in aspiration["bands"]}
    for name in ASPIRATION_ROWS:
        b = bands[name]
        _count_line(ret, figures, "aspiration", "all", name, "headcount", b, asp_at)
        _shares(ret, "aspiration", "all", name, "headcount", asp_at)
    _count_line(
        ret, figures, "aspiration", "all", "all", "workforce", aspiration["workforce"], asp_at
    )
    _shares(ret, "aspiration", "all", "all", "workforce", asp_at)
    for g in GROUPS:
        figures.add_sum(
            ("aspiration", "all", "8a+", "headcount", g),
            [("aspiration", "all", b, "headcount", g) for b in SENIOR_BANDS],
        )
    if asp_at == snapshot:  # the same day as indicators 1 and 9: the same people
        for g in GROUPS:
            figures.add_sum(
                ("aspiration", "all", "all", "workforce", g), [("1", "all", "all", "headcount", g)]
            )
            figures.add_sum(
                ("aspiration", "all", "board", "headcount", g),
                [("9", "all", "all", "board-voting", g)],
            )
            for band in SENIOR_BANDS:
                figures.add_sum(
                    ("aspiration", "all", band, "headcount", g),
                    [("1", sg, band, "headcount", g) for sg in by_group if band in by_group[sg]],
                )
    target_key = ("aspiration", "all", "all", "workforce-bme-share-of-known")
    _value_line(
        ret, "aspiration", "all", "all", "target-year", asp_at, Derived(aspiration["target_year"])
    )
    for name in ASPIRATION_ROWS:
        b = bands[name]
        share_key = ("aspiration", "all", name, "bme-share-of-known")
        # What each figure is worked out from. Turnover divides by the whole headcount, and the
        # share of recruits needed gives the turnover back, so both go with the whole headcount;
        # the observed share of appointments only with the known-ethnicity counts.
        everyone = tuple(("aspiration", "all", name, "headcount", g) for g in GROUPS)
        known = everyone[:2]
        model = (share_key, target_key)
        for measure, value, inputs, basis in (
            ("turnover", b["turnover"], everyone, (share_key,)),
            ("turnover-source", b["turnover_source"], everyone, (share_key,)),
            ("required-recruit-share", b["required_recruit_share"], everyone, model),
            ("bme-recruits-needed-per-year", b["required_bme_recruits_per_year"], everyone, model),
            (
                "additional-bme-recruits-per-year",
                b["additional_bme_recruits_per_year"],
                everyone,
                model,
            ),
            ("observed-recruit-share", b["observed_recruit_share"], known, model),
            ("status", b["status"], everyone, model),
        ):
            words = {"turnover-source": TURNOVER_SOURCES, "status": STATUSES}.get(measure)
            _value_line(
                ret,
                "aspiration",
                "all",
                name,
                measure,
                asp_at,
                Derived(value, inputs, places=3, basis=basis),
                None if words is None else words.get(value, value),
            )
    if survey is not None:
        _survey_lines(ret, survey, period_end)
    if pay_gap is not None:
        _pay_gap_lines(ret, pay_gap, snapshot)
    return ret


def _survey_lines(ret: Return, survey: dict, as_at: str) -> None:
    """Indicators 5 to 8: respondents as counts (white and BME), each percentage resting on its
    group's respondents, the gap on both, so a hidden respondent count hides what rests on it."""
    for item in survey["indicators"]:
        if item["white_respondents"] is None:
            continue  # no result imported for the year: nothing to publish
        ind = str(item["indicator"])
        respondents = {"white": item["white_respondents"], "bme": item["bme_respondents"]}
        _count_line(
            ret, ret.figures, ind, "all", "all", "respondents", respondents, as_at, ("white", "bme")
        )
        base = (ind, "all", "all")
        _value_line(ret, ind, "all", "all", "survey-year", as_at, Derived(survey["survey_year"]))
        for g in ("white", "bme"):
            _value_line(
                ret,
                ind,
                "all",
                "all",
                f"{g}-percent",
                as_at,
                Derived(item[f"{g}_percent"], ((*base, "respondents", g),), places=2),
            )
        _value_line(
            ret,
            ind,
            "all",
            "all",
            "gap-points",
            as_at,
            Derived(
                item["gap_points"],
                tuple((*base, "respondents", g) for g in ("white", "bme")),
                places=2,
                basis=((*base, "white-percent"), (*base, "bme-percent")),
            ),
        )


def _pay_gap_lines(ret: Return, gap: dict, as_at: str) -> None:
    """The ethnicity pay gap: staff with pay as counts (bands and staff groups each add up to the
    whole, and so do the quartiles); each gap rests on its row's white and BME counts, so a pay
    figure about a small group is hidden with its count."""
    figures = ret.figures
    rows = [("all", "all", gap)]
    rows += [("all", b["band"], b) for b in gap["bands"]]
    rows += [(r["staff_group"], "all", r) for r in gap["staff_groups"]]
    for sg, band, r in rows:
        counts = {g: r[f"{g}_staff"] for g in GROUPS}
        _count_line(ret, figures, "pay-gap", sg, band, "staff-with-pay", counts, as_at)
        inputs = tuple(("pay-gap", sg, band, "staff-with-pay", g) for g in ("white", "bme"))
        for measure in ("mean-gap-percent", "median-gap-percent"):
            value = r[measure.replace("-", "_")]
            _value_line(ret, "pay-gap", sg, band, measure, as_at, Derived(value, inputs, places=1))
    whole = ("pay-gap", "all", "all", "staff-with-pay")
    for g in GROUPS:
        figures.add_sum(
            (*whole, g), [("pay-gap", "all", b["band"], "staff-with-pay", g) for b in gap["bands"]]
        )
        figures.add_sum(
            (*whole, g),
            [
                ("pay-gap", r["staff_group"], "all", "staff-with-pay", g)
                for r in gap["staff_groups"]
            ],
        )
    for q in gap["quartiles"]:
        measure = f"quartile-{q['quartile']}"
        _count_line(ret, figures, "pay-gap", "all", "all", measure, q, as_at)
        _shares(ret, "pay-gap", "all", "all", measure, as_at)
    for g in GROUPS:
        figures.add_sum(
            (*whole, g),
            [("pay-gap", "all", "all", f"quartile-{q['quartile']}", g) for q in gap["quartiles"]],
        )


# Indicators 3 and 4 (DOMAIN.md section 13)

STAFF_CLASSIFICATIONS = {
    key: words.replace("applicants", "staff") for key, words in CLASSIFICATIONS.items()
}
COUNTED = {"3": "entered-investigation", "4": "accessed-training"}


def _same_people_as_indicator1(ret, one, indicator, measure, headcount) -> None:
    """Staff in post on 31 March with a pay band are indicator 1's workforce (a non-executive
    director is never in either, unless given a band): declare the sum where the two agree,
    so the attacker uses it."""
    if all(headcount[g] == one["total"][g] for g in GROUPS):
        for g in GROUPS:
            ret.figures.add_sum(
                (indicator, "all", "all", measure, g), [("1", "all", "all", "headcount", g)]
            )


def _likelihood_lines(ret, indicator, prefix, counts, as_at, low, high) -> None:
    """Relative likelihood, interval and classification from a pair of count lines."""
    top, bottom = ("bme", "white") if indicator == "3" else ("white", "bme")
    result = return_formulas.relative_likelihood(
        int(indicator),
        counts["headcount"]["white"],
        counts["count"]["white"],
        counts["headcount"]["bme"],
        counts["count"]["bme"],
        low=low,
        high=high,
    )
    counted = f"{prefix}{COUNTED[indicator]}"
    heads = f"{prefix}headcount"
    inputs = tuple(
        (indicator, "all", "all", measure, g) for g in (top, bottom) for measure in (counted, heads)
    )
    ratio_key = (indicator, "all", "all", f"{prefix}relative-likelihood")
    _value_line(
        ret,
        indicator,
        "all",
        "all",
        f"{prefix}relative-likelihood",
        as_at,
        Derived(result.relative_likelihood, inputs, "ratio", places=2),
    )
    for name, value in (("ci-low", result.ci_low), ("ci-high", result.ci_high)):
        _value_line(
            ret,
            indicator,
            "all",
            "all",
            f"{prefix}{name}",
            as_at,
            Derived(value, inputs, places=2, basis=(ratio_key,)),
        )
    _value_line(
        ret,
        indicator,
        "all",
        "all",
        f"{prefix}classification",
        as_at,
        Derived(result.classification, inputs, basis=(ratio_key,)),
        STAFF_CLASSIFICATIONS[result.classification],
    )


def _indicator3(ret, one, three, low, high) -> None:
    """The year, the year before, and the two together (the return's rolling figure)."""
    year = ret.year
    end, previous_end = WresYear(year).end.isoformat(), WresYear(year - 1).end.isoformat()
    both = {
        m: {g: three["previous"][m][g] + three["current"][m][g] for g in GROUPS}
        for m in ("headcount", "count")
    }
    for prefix, counts, as_at in (
        ("", three["current"], end),
        ("previous-year-", three["previous"], previous_end),
        ("two-year-", both, end),
    ):
        for measure, key in (("headcount", "headcount"), (COUNTED["3"], "count")):
            _count_line(
                ret, ret.figures, "3", "all", "all", f"{prefix}{measure}", counts[key], as_at
            )
    for measure in ("headcount", COUNTED["3"]):
        for g in GROUPS:
            ret.figures.add_sum(
                ("3", "all", "all", f"two-year-{measure}", g),
                [("3", "all", "all", f"{p}{measure}", g) for p in ("", "previous-year-")],
            )
    _same_people_as_indicator1(ret, one, "3", "headcount", three["current"]["headcount"])
    _likelihood_lines(ret, "3", "", three["current"], end, low, high)
    _likelihood_lines(ret, "3", "two-year-", both, end, low, high)


def _indicator4(ret, one, four, low, high) -> None:
    end = WresYear(ret.year).end.isoformat()
    _count_line(ret, ret.figures, "4", "all", "all", "headcount", four["headcount"], end)
    _count_line(ret, ret.figures, "4", "all", "all", COUNTED["4"], four["count"], end)
    _same_people_as_indicator1(ret, one, "4", "headcount", four["headcount"])
    _likelihood_lines(ret, "4", "", four, end, low, high)


# From the database


def build(organisation, year: int, today: date) -> Return:
    settings = queries._settings(organisation.id)
    as_at = queries.aspiration_as_at(year, today)
    two = queries.indicator2_breakdowns(organisation.id, year)
    stored = year_snapshots.stored(organisation.id, year)
    # Who was in post on 31 March, read once: indicators 1 and 9, the headcounts of indicators
    # 3 and 4 and the pay gap's staff without pay each sum it their own way.
    in_post = history.in_post_counts(organisation.id, WresYear(year).snapshot)
    headcounts = return_queries.headcount_from(in_post)
    if stored is not None:
        # A closed year publishes its stored 31 March figures (DOMAIN.md section 6): a later
        # import never changes them, nor the file.
        data = stored.data
        one, nine, aspiration = data["indicator1"], data["indicator9"], data["aspiration"]
    else:
        one = queries.indicator1(organisation.id, year, in_post)
        nine = queries.indicator9(organisation.id, year, in_post)
        aspiration = queries.aspiration(organisation.id, as_at)
    ret = figures_from(
        organisation.code,
        year,
        one,
        two,
        nine,
        aspiration,
        as_at,
        settings.non_adverse_low,
        settings.non_adverse_high,
        survey=survey_queries.survey(organisation.id, year),
        pay_gap=paygap_queries.pay_gap(organisation.id, year, in_post),
        three={
            "previous": return_queries.year_counts(organisation.id, 3, year - 1),
            "current": return_queries.year_counts(organisation.id, 3, year, headcounts),
        },
        four=return_queries.year_counts(organisation.id, 4, year, headcounts),
    )
    ret.sources = _sources(organisation.id, None if stored is None else stored.created_at)
    return ret


def _sources(organisation_id: int, until: datetime | None) -> list[tuple[str, str]]:
    """Each kind of data imported, with the date of its latest import, for the notes sheet; for
    a closed year, only imports made before its figures were stored, so a later one leaves the
    file as it was."""
    query = select(DataImport.kind, func.max(DataImport.imported_at)).where(
        DataImport.organisation_id == organisation_id
    )
    if until is not None:
        query = query.where(DataImport.imported_at <= until)
    return [
        (kind, latest.date().isoformat())
        for kind, latest in db.session.execute(
            query.group_by(DataImport.kind).order_by(DataImport.kind)
        )
    ]


def values(ret: Return, publish: bool, threshold: int) -> tuple[dict, dict]:
    """(counts, derived) as the output shows them: published, or exactly as computed."""
    if publish:
        published = disclosure.publish(ret.figures, threshold)
        return published.counts, published.derived
    return dict(ret.figures.counts), {k: d.value for k, d in ret.figures.derived.items()}


# The long CSV


def long_rows(ret: Return, counts: dict, derived: dict) -> list[dict]:
    rows = []
    for line in ret.lines:
        row = {
            "organisation_code": ret.code,
            "year": ret.year,
            "indicator": line.indicator,
            "staff_group": line.staff_group,
            "band": line.band,
            "measure": line.measure,
            "as_at": line.as_at,
        }
        if line.value_key is None:
            row |= {g: counts[(*line.key, g)] if g in line.groups else "" for g in GROUPS}
            row["value"] = ""
        else:
            value = derived[line.value_key]
            row |= dict.fromkeys(GROUPS, "") | {"value": "" if value is None else value}
        rows.append(row)
    return rows


def csv_export(organisation, year: int, publish: bool, threshold: int, today: date) -> bytes:
    ret = build(organisation, year, today)
    counts, derived = values(ret, publish, threshold)
    rows = long_rows(ret, counts, derived)
    return csv_bytes(COLUMNS, ([row[c] for c in COLUMNS] for row in rows))


# The workbook

SURVEY_NAMES = {
    "5": "5: harassment, bullying or abuse from patients, relatives, the public (lower is better)",
    "6": "6: harassment, bullying or abuse from staff (lower is better)",
    "7": "7: equal opportunities for career progression or promotion (higher is better)",
    "8": "8: discrimination from a manager, team leader or colleagues (lower is better)",
}


class _Sheet:
    """Writes rows with the formats a return needs; every text cell through safe_cell."""

    def __init__(self, book, formats, name: str, title: str):
        self.sheet = book.add_worksheet(name)
        self.formats = formats
        self.row = 0
        self.sheet.write_string(0, 0, title, formats["title"])
        self.row = 2

    def line(self, text: str) -> None:
        self.sheet.write_string(self.row, 0, safe_cell(text))
        self.row += 1

    def header(self, names: list[str], freeze: bool = False) -> None:
        for column, name in enumerate(names):
            self.sheet.write_string(self.row, column, name, self.formats["header"])
        if freeze:
            self.sheet.freeze_panes(self.row + 1, 1)
        self.row += 1

    def cells(self, values: list[tuple]) -> None:
        """values: (value, kind) with kind "text", "count", "percent", "ratio", "points"."""
        for column, (value, kind) in enumerate(values):
            if value is None:
                self.sheet.write_string(self.row, column, "not available")
            elif isinstance(value, str):
                self.sheet.write_string(
                    self.row,
                    column,
                    safe_cell(value),
                    self.formats["right"] if value == disclosure.MASK else None,
                )
            elif isinstance(value, bool):
                self.sheet.write_string(self.row, column, "Yes" if value else "No")
            else:
                self.sheet.write_number(self.row, column, value, self.formats.get(kind))
        self.row += 1

    def widths(self, widths: list[int]) -> None:
        for column, width in enumerate(widths):
            self.sheet.set_column(column, column, width)


def _survey_sheet(book, formats, ret, counts, derived, label, note) -> None:
    s = _Sheet(book, formats, "Indicators 5 to 8", f"Indicators 5 to 8: the staff survey, {label}")
    years = {derived[k] for k in derived if k[3] == "survey-year"}
    survey_year = f"the survey run in the autumn of {years.pop()}" if years else "the staff survey"
    s.line(
        f"From {survey_year}: the percentage of each group's respondents, and the gap, BME "
        f"minus white, in percentage points.{note}"
    )
    s.row += 1
    s.header(
        [
            "Indicator",
            "White respondents",
            "BME respondents",
            "White %",
            "BME %",
            "Gap (points, BME minus white)",
        ],
        freeze=True,
    )
    shown = [line for line in ret.lines if line.measure == "respondents"]
    for line in shown:
        base = line.key[:3]
        s.cells(
            [(SURVEY_NAMES[line.indicator], "text")]
            + [(counts[(*line.key, g)], "count") for g in ("white", "bme")]
            + [
                (derived[(*base, "white-percent")], "ratio"),
                (derived[(*base, "bme-percent")], "ratio"),
                (derived[(*base, "gap-points")], "points"),
            ]
        )
    if not shown:
        s.line("No staff survey results have been imported for this year.")
    s.widths([70, 14, 14, 10, 10, 18])


def _pay_gap_sheet(book, formats, ret, counts, derived, label, note) -> None:
    s = _Sheet(book, formats, "Pay gap", f"The ethnicity pay gap, {label}")
    snapshot = WresYear(ret.year).snapshot.isoformat()
    s.line(
        f"Basic hourly pay of staff in post on {snapshot} with a pay band and pay recorded. Gap = "
        "(white - BME) / white, in per cent: positive means BME staff are paid less an hour."
        f"{note}"
    )
    s.row += 1
    s.header(
        ["Group", "White", "BME", "Unknown", "Mean gap %", "Median gap %"],
        freeze=True,
    )
    rows = [
        line
        for line in ret.lines
        if line.indicator == "pay-gap" and line.measure == "staff-with-pay"
    ]
    for line in rows:
        base = line.key[:3]
        s.cells(
            [(_group_name(line.staff_group, line.band), "text")]
            + [(counts[(*line.key, g)], "count") for g in GROUPS]
            + [
                (derived[(*base, "mean-gap-percent")], "ratio"),
                (derived[(*base, "median-gap-percent")], "ratio"),
            ]
        )
    s.row += 1
    s.header(
        [
            "Pay quartile (1: lowest paid)",
            "White",
            "BME",
            "Unknown",
            "BME share of known ethnicities",
            "BME share of whole headcount",
        ]
    )
    for line in ret.lines:
        if (
            line.indicator == "pay-gap"
            and line.measure.startswith("quartile-")
            and (line.value_key is None)
        ):
            s.cells(
                [(line.measure.replace("quartile-", "Quartile "), "text")]
                + [(counts[(*line.key, g)], "count") for g in GROUPS]
                + [
                    (
                        derived[("pay-gap", "all", "all", f"{line.measure}-bme-share-of-known")],
                        "percent",
                    ),
                    (
                        derived[
                            ("pay-gap", "all", "all", f"{line.measure}-bme-share-of-headcount")
                        ],
                        "percent",
                    ),
                ]
            )
    s.widths([34, 11, 11, 11, 16, 16])


def _group_name(sg: str, band: str) -> str:
    if sg == "all" and band == "all":
        return "All"
    if band != "all":
        return band_name(band)
    return SG_NAMES.get(sg, "Staff group not recorded")


def _row_name(band: str) -> str:
    return {"8a+": "8a and above", "board": "Voting board"}.get(band) or band_name(band)


def xlsx_export(organisation, year: int, publish: bool, threshold: int, today: date) -> bytes:
    ret = build(organisation, year, today)
    counts, derived = values(ret, publish, threshold)
    wres_year = WresYear(year)
    buffer = io.BytesIO()
    import xlsxwriter  # only an XLSX download needs it; every command would pay for it at start

    # XlsxWriter would turn any string starting with "=" into a live formula: switch it off.
    book = xlsxwriter.Workbook(buffer, {"strings_to_formulas": False, "in_memory": True})
    # The file's own creation date is the year's 31 March, so the same figures give the same
    # bytes whenever the return is made.
    book.set_properties({"created": datetime.combine(wres_year.snapshot, time(), tzinfo=UTC)})
    formats = {
        "title": book.add_format({"bold": True, "font_size": 14}),
        "header": book.add_format({"bold": True, "bottom": 1, "text_wrap": True, "valign": "top"}),
        "count": book.add_format({"num_format": "#,##0"}),
        "whole": book.add_format({"num_format": "0"}),  # modelled numbers of people, not counts
        "percent": book.add_format({"num_format": "0.0%"}),
        "ratio": book.add_format({"num_format": "0.00"}),
        "points": book.add_format({"num_format": "+0.0;-0.0;0.0"}),
        "right": book.add_format({"align": "right"}),
    }
    label = f"{organisation.name} ({ret.code}), WRES {wres_year.label}"
    note = " Published: see the notes for the suppression rule." if publish else ""

    def c(key, g):
        return counts[(*key, g)], "count"

    def d(key, kind="percent"):
        return derived[key], kind

    # Indicator 1
    s = _Sheet(book, formats, "Indicator 1", f"Indicator 1: the workforce, {label}")
    s.line(f"Staff in post on {wres_year.snapshot.isoformat()} by staff group and band.{note}")
    s.row += 1
    s.header(
        [
            "Staff group",
            "Band",
            "White",
            "BME",
            "Unknown",
            "BME share of known ethnicities",
            "BME share of whole headcount",
        ],
        freeze=True,
    )
    for line in ret.lines:
        if line.indicator == "1" and line.value_key is None:
            key = line.key
            sg = (
                "All staff"
                if line.staff_group == "all"
                else SG_NAMES.get(line.staff_group, line.staff_group)
            )
            s.cells(
                [
                    (sg, "text"),
                    ("All bands" if line.band == "all" else band_name(line.band), "text"),
                ]
                + [c(key, g) for g in GROUPS]
                + [
                    d(("1", line.staff_group, line.band, "bme-share-of-known")),
                    d(("1", line.staff_group, line.band, "bme-share-of-headcount")),
                ]
            )
    s.widths([26, 16, 11, 11, 11, 18, 18])

    # Indicator 2
    s = _Sheet(book, formats, "Indicator 2", f"Indicator 2: appointment from shortlisting, {label}")
    s.line(
        f"Decisions from {wres_year.start.isoformat()} to {wres_year.end.isoformat()}. Applicants "
        f"who withdrew after shortlisting are in neither count and shown beside them.{note}"
    )
    s.row += 1
    s.header(["Group", "Stage", "White", "BME", "Unknown"], freeze=True)
    groups = [line for line in ret.lines if line.indicator == "2" and line.measure == "shortlisted"]
    stage_names = {
        "shortlisted": "Shortlisted",
        "appointed": "Appointed",
        "withdrawn": "Withdrawn after shortlisting",
    }
    for g_line in groups:
        for measure, stage in stage_names.items():
            key = (g_line.indicator, g_line.staff_group, g_line.band, measure)
            s.cells(
                [(_group_name(g_line.staff_group, g_line.band), "text"), (stage, "text")]
                + [c(key, g) for g in GROUPS]
            )
    s.row += 1
    s.header(
        [
            "Group",
            "Relative likelihood (white vs BME)",
            "95% interval from",
            "95% interval to",
            "Classification",
        ]
    )
    for g_line in groups:
        base = ("2", g_line.staff_group, g_line.band)
        words = ret.words[(*base, "classification")]
        classification = derived[(*base, "classification")]
        s.cells(
            [
                (_group_name(g_line.staff_group, g_line.band), "text"),
                d((*base, "relative-likelihood"), "ratio"),
                d((*base, "ci-low"), "ratio"),
                d((*base, "ci-high"), "ratio"),
                (words if classification != disclosure.MASK else disclosure.MASK, "text"),
            ]
        )
    s.widths([30, 26, 14, 14, 30])

    _xlsx_indicators_3_and_4(book, formats, ret, counts, derived, label, note)

    # Indicator 9
    s = _Sheet(book, formats, "Indicator 9", f"Indicator 9: the board, {label}")
    s.line(f"Board members and the workforce in post on {wres_year.snapshot.isoformat()}.{note}")
    s.row += 1
    s.header(
        [
            "Group",
            "White",
            "BME",
            "Unknown",
            "BME share of known ethnicities",
            "BME share of whole headcount",
        ],
        freeze=True,
    )
    names = {
        "board-voting": "Voting board",
        "board-executive": "Executive board members",
        "workforce": "Workforce",
    }
    for measure, name in names.items():
        key = ("9", "all", "all", measure)
        s.cells(
            [(name, "text")]
            + [c(key, g) for g in GROUPS]
            + [
                d(("9", "all", "all", f"{measure}-bme-share-of-known")),
                d(("9", "all", "all", f"{measure}-bme-share-of-headcount")),
            ]
        )
    s.row += 1
    s.header(["Measure", "Percentage points (board minus workforce, known ethnicities)"])
    for measure, name in (
        ("board-voting", "Voting board"),
        ("board-executive", "Executive board members"),
    ):
        s.cells([(name, "text"), d(("9", "all", "all", f"{measure}-gap-points"), "points")])
    s.widths([30, 14, 14, 14, 18, 18])

    # Leadership aspiration
    asp = ret.as_at.isoformat()
    target_year = derived[("aspiration", "all", "all", "target-year")]
    s = _Sheet(book, formats, "Leadership aspiration", f"The leadership aspiration, {label}")
    s.line(
        f"As at {asp} (31 March of the year, or the day the return was made while the year is "
        "open). Target: the BME share of known ethnicities of the whole workforce, by "
        f"{target_year}.{note}"
    )
    s.row += 1
    s.header(
        [
            "Band",
            "White",
            "BME",
            "Unknown",
            "BME share of known ethnicities",
            "BME share of whole headcount",
            "Turnover",
            "Turnover from",
            "BME share of recruits needed",
            "BME recruits needed a year",
            "More BME recruits a year than now",
            "Observed BME share of appointments",
            "Status",
        ],
        freeze=True,
    )
    for band in ASPIRATION_ROWS:
        base = ("aspiration", "all", band)
        key = (*base, "headcount")
        source = derived[(*base, "turnover-source")]
        status = derived[(*base, "status")]
        s.cells(
            [(_row_name(band), "text")]
            + [c(key, g) for g in GROUPS]
            + [
                d((*base, "bme-share-of-known")),
                d((*base, "bme-share-of-headcount")),
                d((*base, "turnover")),
                (
                    ret.words[(*base, "turnover-source")] if source != disclosure.MASK else source,
                    "text",
                ),
                d((*base, "required-recruit-share")),
                d((*base, "bme-recruits-needed-per-year"), "whole"),
                d((*base, "additional-bme-recruits-per-year"), "whole"),
                d((*base, "observed-recruit-share")),
                (ret.words[(*base, "status")] if status != disclosure.MASK else status, "text"),
            ]
        )
    key = ("aspiration", "all", "all", "workforce")
    s.cells(
        [("Whole workforce (the target)", "text")]
        + [c(key, g) for g in GROUPS]
        + [
            d(("aspiration", "all", "all", "workforce-bme-share-of-known")),
            d(("aspiration", "all", "all", "workforce-bme-share-of-headcount")),
        ]
    )
    s.widths([28, 11, 11, 11, 16, 16, 11, 22, 16, 14, 16, 18, 28])

    _survey_sheet(book, formats, ret, counts, derived, label, note)
    _pay_gap_sheet(book, formats, ret, counts, derived, label, note)

    # Notes
    s = _Sheet(book, formats, "Notes", f"Notes, {label}")
    rows = [
        (
            "WRES year",
            f"{wres_year.label}: {wres_year.start.isoformat()} to {wres_year.end.isoformat()}",
        ),
        ("Indicators 1 and 9 as at", wres_year.snapshot.isoformat()),
        ("Leadership aspiration as at", asp),
        *DEFINITIONS,
    ]
    if publish:
        rows.append(
            (
                "Suppression rule",
                SUPPRESSION_RULE.format(threshold=threshold),
            )
        )
    else:
        rows.append(("Suppression", "None: this return is not for publication. Counts are exact."))
    for kind, day in getattr(ret, "sources", []):
        rows.append((f"Data source: {kind} import", f"last imported {day}"))
    s.header(["Item", "Meaning"])
    for name, text in rows:
        s.cells([(name, "text"), (text, "text")])
    s.widths([34, 120])
    book.close()
    return buffer.getvalue()


def _xlsx_indicators_3_and_4(book, formats, ret, counts, derived, label, note) -> None:
    """Sheets for indicators 3 and 4: counts White / BME / Unknown across, then the figures."""
    if not any(line.indicator in ("3", "4") for line in ret.lines):
        return
    wres_year = WresYear(ret.year)
    previous = WresYear(ret.year - 1)
    layouts = {
        "3": (
            "Indicator 3: entering a formal disciplinary investigation",
            f"People who entered a formal disciplinary investigation, and staff in post on "
            f"31 March. The return's figure covers {previous.start.isoformat()} to "
            f"{wres_year.end.isoformat()}.{note}",
            [
                ("headcount", f"Staff in post on {wres_year.snapshot.isoformat()}"),
                ("entered-investigation", f"Entered an investigation, {wres_year.label}"),
                ("previous-year-headcount", f"Staff in post on {previous.snapshot.isoformat()}"),
                (
                    "previous-year-entered-investigation",
                    f"Entered an investigation, {previous.label}",
                ),
                ("two-year-headcount", "Staff in post, both 31 Marches added"),
                ("two-year-entered-investigation", "Entered an investigation, both years"),
            ],
            [
                ("two-year-", f"{previous.label} and {wres_year.label} (the return's figure)"),
                ("", f"{wres_year.label} alone"),
            ],
            "Relative likelihood (BME vs white)",
        ),
        "4": (
            "Indicator 4: non-mandatory training and CPD",
            f"People who started at least one non-mandatory course from "
            f"{wres_year.start.isoformat()} to {wres_year.end.isoformat()}, and staff in post "
            f"on {wres_year.snapshot.isoformat()}.{note}",
            [
                ("headcount", f"Staff in post on {wres_year.snapshot.isoformat()}"),
                ("accessed-training", "Accessed non-mandatory training"),
            ],
            [("", wres_year.label)],
            "Relative likelihood (white vs BME)",
        ),
    }
    for indicator, (title, intro, count_rows, figure_rows, ratio_name) in layouts.items():
        s = _Sheet(book, formats, f"Indicator {indicator}", f"{title}, {label}")
        s.line(intro)
        s.row += 1
        s.header(["Measure", "White", "BME", "Unknown"], freeze=True)
        for measure, name in count_rows:
            key = (indicator, "all", "all", measure)
            s.cells([(name, "text")] + [(counts[(*key, g)], "count") for g in GROUPS])
        s.row += 1
        s.header(["Period", ratio_name, "95% interval from", "95% interval to", "Classification"])
        for prefix, period in figure_rows:
            base = (indicator, "all", "all")
            classification = derived[(*base, f"{prefix}classification")]
            words = ret.words[(*base, f"{prefix}classification")]
            s.cells(
                [
                    (period, "text"),
                    (derived[(*base, f"{prefix}relative-likelihood")], "ratio"),
                    (derived[(*base, f"{prefix}ci-low")], "ratio"),
                    (derived[(*base, f"{prefix}ci-high")], "ratio"),
                    (words if classification != disclosure.MASK else disclosure.MASK, "text"),
                ]
            )
        s.widths([44, 26, 14, 14, 34])
