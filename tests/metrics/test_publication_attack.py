"""Published returns cannot be undone (DOMAIN.md section 12): generated organisations go through
the same function as the export (`export.figures_from`, then `disclosure.publish`), and attackers
try to pin every hidden count from everything the CSV and the workbook of that year show."""

import itertools
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.metrics import disclosure, export, formulas
from app.metrics.queries import Counts
from app.workforce.bands import SENIOR_BANDS, STAFF_GROUPS

GROUPS = ("white", "bme", "unknown")
BANDS = ("5", "6", "8a", "8b", "8c", "8d", "9", "VSM")
YEAR = 2026
AS_AT = date(2026, 3, 31)

count = st.one_of(st.integers(0, 9), st.integers(0, 9), st.integers(0, 80))


def _row(counts):
    known = counts["white"] + counts["bme"]
    return {
        **counts,
        "total": sum(counts.values()),
        "bme_share": formulas.share(counts["bme"], known),
    }


@st.composite
def organisations(draw):
    groups = draw(st.lists(st.sampled_from(STAFF_GROUPS), min_size=1, max_size=3, unique=True))
    bands = draw(st.lists(st.sampled_from(BANDS), min_size=1, max_size=6, unique=True))
    cells = {}
    for sg in groups:
        for band in bands:
            if draw(st.booleans()):
                cells[(sg, band)] = {g: draw(count) for g in GROUPS}
    if not cells:
        cells[(groups[0], bands[0])] = {g: draw(count) for g in GROUPS}
    rows = [
        {"staff_group": sg, "band": band, **_row(c)}
        for (sg, band), c in sorted(cells.items(), key=lambda kv: (kv[0][0], BANDS.index(kv[0][1])))
    ]
    sg_totals = {
        sg: {g: sum(c[g] for (s, _), c in cells.items() if s == sg) for g in GROUPS}
        for sg in groups
        if any(s == sg for s, _ in cells)
    }
    total = {g: sum(c[g] for c in cells.values()) for g in GROUPS}
    one = {
        "rows": rows,
        "staff_groups": [{"staff_group": sg, **_row(c)} for sg, c in sg_totals.items()],
        "total": _row(total),
    }

    # Applications by band and staff group; the export sees them by band, by group and in all.
    two = {None: Counts()}
    for sg, band in cells:
        if not draw(st.booleans()):
            continue
        c = Counts()
        for g in GROUPS:
            c.shortlisted[g] = draw(count)
            c.appointed[g] = draw(st.integers(0, c.shortlisted[g]))
            c.withdrawn[g] = draw(st.integers(0, 3))
        for key in (None, ("band", band), ("staff-group", sg)):
            target = two.setdefault(key, Counts())
            for stage in ("shortlisted", "appointed", "withdrawn"):
                for g in GROUPS:
                    getattr(target, stage)[g] += getattr(c, stage)[g]

    board_voting = {g: draw(st.integers(0, 9)) for g in GROUPS}
    board_executive = {g: draw(st.integers(0, 6)) for g in GROUPS}
    rows9 = {"board-voting": board_voting, "board-executive": board_executive, "workforce": total}
    nine = {name: _row(c) for name, c in rows9.items()}
    workforce_share = nine["workforce"]["bme_share"]
    for board, name in (("board-voting", "voting"), ("board-executive", "executive")):
        share = nine[board]["bme_share"]
        nine[f"{name}_gap_points"] = (
            None if share is None or workforce_share is None else 100 * (share - workforce_share)
        )

    band_counts = {
        b: {g: sum(c[g] for (_, band), c in cells.items() if band == b) for g in GROUPS}
        for b in SENIOR_BANDS
    }
    band_counts["8a+"] = {g: sum(band_counts[b][g] for b in SENIOR_BANDS) for g in GROUPS}
    band_counts["board"] = dict(board_voting)
    aspiration_rows = []
    for name in [*SENIOR_BANDS, "8a+", "board"]:
        c = band_counts[name]
        p0 = formulas.share(c["bme"], c["bme"] + c["white"])
        observed = draw(st.one_of(st.none(), st.floats(0, 1)))
        model = formulas.aspiration(sum(c.values()), p0, workforce_share, 0.1, 2, observed, 2028)
        aspiration_rows.append(
            {
                "band": name,
                **c,
                "headcount": sum(c.values()),
                "bme_share": p0,
                "turnover": 0.1,
                "turnover_source": "default",
                "required_recruit_share": model.required_recruit_share,
                "required_bme_recruits_per_year": model.required_bme_recruits_per_year,
                "additional_bme_recruits_per_year": model.additional_bme_recruits_per_year,
                "observed_recruit_share": observed,
                "status": model.status,
            }
        )
    aspiration = {
        "as_at": AS_AT.isoformat(),
        "target_year": 2028,
        "target_share": workforce_share,
        "workforce": _row(total),
        "bands": aspiration_rows,
    }

    # Indicators 3 and 4: people counted over staff in post, whose 31 March headcount is
    # usually indicator 1's whole workforce again (the sum the attacker is given), and the year
    # before for indicator 3's two-year figure.
    def year_counts(headcount):
        return {
            "headcount": headcount,
            "count": {g: draw(st.integers(0, min(headcount[g], 12))) for g in GROUPS},
        }

    def headcount_like(total):
        if draw(st.booleans()):
            return dict(total)
        return {g: draw(count) for g in GROUPS}

    three = {
        "previous": year_counts({g: draw(count) for g in GROUPS}),
        "current": year_counts(headcount_like(total)),
    }
    four = year_counts(headcount_like(total))
    threshold = draw(st.sampled_from([7, 7, 7, 5, 10]))
    return (
        export.figures_from(
            "RXX",
            YEAR,
            one,
            two,
            nine,
            aspiration,
            AS_AT,
            survey=draw(surveys()),
            pay_gap=draw(pay_gaps(cells)),
            three=three,
            four=four,
        ),
        threshold,
    )


gap = st.one_of(st.none(), st.floats(-30, 30, allow_nan=False))


@st.composite
def surveys(draw):
    """Staff survey results: respondents are counts, percentages rest on them."""
    indicators = []
    for indicator in (5, 6, 7, 8):
        if not draw(st.booleans()):
            indicators.append({"indicator": indicator, "white_respondents": None})
            continue
        item = {"indicator": indicator}
        for g in ("white", "bme"):
            n = draw(count)
            item[f"{g}_respondents"] = n
            item[f"{g}_percent"] = draw(st.floats(0, 100)) if n else None
        item["gap_points"] = (
            None
            if item["white_percent"] is None or item["bme_percent"] is None
            else item["bme_percent"] - item["white_percent"]
        )
        indicators.append(item)
    return {"year": YEAR, "survey_year": YEAR - 1, "indicators": indicators}


@st.composite
def pay_gaps(draw, cells):
    """Staff with pay by band and staff group (bands and groups add up to the whole), four
    quartiles that add up to the whole too, and gaps resting on the white and BME counts."""
    with_pay = {key: {g: draw(st.integers(0, c[g])) for g in GROUPS} for key, c in cells.items()}

    def row(counts):
        return {
            **{f"{g}_staff": counts[g] for g in GROUPS},
            "mean_gap_percent": draw(gap),
            "median_gap_percent": draw(gap),
        }

    def total(keys):
        return {g: sum(with_pay[k][g] for k in keys) for g in GROUPS}

    bands = sorted({b for _, b in with_pay}, key=BANDS.index)
    groups = sorted({sg for sg, _ in with_pay})
    whole = total(list(with_pay))
    quartiles = []
    left = dict(whole)
    for number in (1, 2, 3, 4):
        counts = {g: left[g] if number == 4 else draw(st.integers(0, left[g])) for g in GROUPS}
        for g in GROUPS:
            left[g] -= counts[g]
        known = counts["white"] + counts["bme"]
        quartiles.append(
            {
                "quartile": number,
                "staff": sum(counts.values()),
                **counts,
                "bme_share": counts["bme"] / known if known else None,
            }
        )
    return {
        **row(whole),
        "quartiles": quartiles,
        "bands": [{"band": b, **row(total([k for k in with_pay if k[1] == b]))} for b in bands],
        "staff_groups": [
            {"staff_group": sg, **row(total([k for k in with_pay if k[0] == sg]))} for sg in groups
        ],
    }


def _intervals(published, threshold):
    """What a reader of the files knows of each count, told which `*` are small counts."""
    return disclosure._bounds_of(
        published.counts, threshold, published.primary, published.secondary, published.blurred
    )


def _independent_attack(figures, published, threshold) -> dict:
    """Each tactic on its own, then all of them together, without propagation: totals minus
    visible cells (with their rounding intervals), shares times headcounts, ratios. Returns, for
    each small hidden count, the values every tactic leaves possible."""
    known = _intervals(published, threshold)
    possible = {k: set(range(known[k][0], known[k][1] + 1)) for k in published.primary}
    for total, parts in figures.sums:
        members = [total, *parts]
        hidden = [k for k in members if k in possible]
        if len(hidden) != 1:
            continue
        (target,) = hidden
        others = [k for k in members if k != target]
        low = high = 0
        for k in others:
            sign = 1 if k == total else -1
            a, b = known[k]
            low += min(sign * a, sign * b)
            high += max(sign * a, sign * b)
        if target == total:
            low, high = -high, -low
        possible[target] &= set(range(max(low, 1), min(high, threshold) + 1))
    for key, d in figures.derived.items():
        value = published.derived.get(key)
        if d.kind not in ("share", "ratio") or value in (disclosure.MASK, None):
            continue
        keys = list(dict.fromkeys(d.inputs))
        ranges = [range(known[k][0], known[k][1] + 1) for k in keys]
        if any(len(r) > 40 for r in ranges):
            continue
        support = {k: set() for k in keys}
        for combination in itertools.product(*ranges):
            values = dict(zip(keys, combination, strict=True))
            v = disclosure._value_of(d, values)
            if v is not None and abs(v - value) <= 0.5 * 10**-d.places + 1e-12:
                for k, x in values.items():
                    support[k].add(x)
        for k in keys:
            if k in possible:
                possible[k] &= support[k]
    return possible


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(organisations())
def test_no_published_organisation_gives_back_a_hidden_count(organisation):
    ret, threshold = organisation
    figures = ret.figures
    published = disclosure.publish(figures, threshold)
    # What the files show: every count hidden or a multiple of 5; small counts always hidden.
    for key, value in figures.counts.items():
        shown = published.counts[key]
        if 1 <= value <= threshold:
            assert shown == disclosure.MASK
        else:
            assert shown == disclosure.MASK or shown % 5 == 0
    # Both formats render these same published values (checked on the demo trust, below).
    bounds = disclosure.attack(
        figures,
        published.counts,
        published.derived,
        threshold,
        published.primary,
        published.secondary,
        blurred=published.blurred,
    )
    for key in published.blurred:
        assert bounds[key][0] <= figures.counts[key] <= bounds[key][1], key
    for key in published.primary:
        low, high = bounds[key]
        assert low <= figures.counts[key] <= high  # the attacker is sound
        assert low < high, (key, figures.counts[key], bounds[key])
    for key, values in _independent_attack(figures, published, threshold).items():
        assert figures.counts[key] in values
        assert len(values) > 1, (key, figures.counts[key], values)
    # Pay and survey figures about a hidden count are hidden with it (DOMAIN.md sections 12, 13):
    # a pay gap for a group of 1 to 7 white or BME staff would tell of a few people's pay.
    for key, d in figures.derived.items():
        if key[0] in ("pay-gap", "5", "6", "7", "8") and any(
            published.counts[k] == disclosure.MASK for k in d.inputs
        ):
            assert published.derived[key] == disclosure.MASK, key
