"""Made-up organisations' published figures, for the demo's wider region and for `make bench`:
plain counts shaped like an NHS trust's (the national WRES picture: about 28% BME, falling to
about 10% at VSM) go through the same publication as real ones (`export.figures_from`, then
disclosure control), so what is stored is what a real trust would publish. Pure: no database."""

import random
from dataclasses import dataclass
from datetime import date

from app.benchmarking import publication
from app.metrics import export, formulas
from app.metrics.queries import Counts
from app.workforce.bands import SENIOR_BANDS
from app.workforce.wres_year import WresYear

GROUPS = ("white", "bme", "unknown")
# band: (share of the workforce, BME share relative to the whole workforce's)
BANDS = {
    "2": (0.15, 0.9),
    "5": (0.35, 1.3),
    "6": (0.25, 1.0),
    "7": (0.16, 0.75),
    "8a": (0.05, 0.6),
    "8b": (0.022, 0.52),
    "8c": (0.01, 0.45),
    "8d": (0.005, 0.42),
    "9": (0.002, 0.4),
    "VSM": (0.002, 0.36),
}
STAFF_GROUP = "clinical-non-medical"


@dataclass
class Trust:
    """What makes one made-up organisation differ from another."""

    headcount: int
    bme_share: float
    likelihood: float  # its underlying indicator 2
    shortlisted_per_head: float


def trust(rng: random.Random) -> Trust:
    return Trust(
        headcount=int(rng.lognormvariate(8.3, 0.55)),
        bme_share=min(0.7, max(0.04, rng.gauss(0.26, 0.12))),
        likelihood=rng.lognormvariate(0.4, 0.3),
        shortlisted_per_head=rng.uniform(0.08, 0.3),
    )


def _split(rng: random.Random, total: int, bme_share: float) -> dict:
    unknown = int(total * rng.uniform(0.02, 0.08))
    bme = round((total - unknown) * min(0.95, bme_share))
    return {"white": total - unknown - bme, "bme": bme, "unknown": unknown}


def _row(counts: dict) -> dict:
    return {
        **counts,
        "total": sum(counts[g] for g in GROUPS),
        "bme_share": formulas.share(counts["bme"], counts["white"] + counts["bme"]),
    }


def plain_counts(rng: random.Random, t: Trust, year: int, drift: float = 0.0) -> tuple:
    """(one, two, nine, aspiration, operational) for one year, as the queries return them."""
    share = min(0.8, t.bme_share + drift)
    cells = {
        band: _split(rng, max(1, int(t.headcount * part)), share * factor)
        for band, (part, factor) in BANDS.items()
    }
    total = {g: sum(c[g] for c in cells.values()) for g in GROUPS}
    one = {
        "rows": [{"staff_group": STAFF_GROUP, "band": b, **_row(c)} for b, c in cells.items()],
        "staff_groups": [{"staff_group": STAFF_GROUP, **_row(total)}],
        "total": _row(total),
    }
    shortlisted = _split(rng, int(t.headcount * t.shortlisted_per_head), share * 1.2)
    white_rate = rng.uniform(0.2, 0.4)
    bme_rate = white_rate / t.likelihood
    counts = Counts()
    for g, rate in (("white", white_rate), ("bme", bme_rate), ("unknown", white_rate)):
        counts.shortlisted[g] = shortlisted[g]
        counts.appointed[g] = sum(rng.random() < rate for _ in range(shortlisted[g]))
    two = {None: counts}
    board = _split(rng, rng.randint(9, 14), share * 0.7)
    executive = _split(rng, rng.randint(5, 8), share * 0.5)
    nine = {
        "board-voting": _row(board),
        "board-executive": _row(executive),
        "workforce": _row(total),
    }
    workforce_share = nine["workforce"]["bme_share"]
    for name, key in (("voting", "board-voting"), ("executive", "board-executive")):
        board_share = nine[key]["bme_share"]
        nine[f"{name}_gap_points"] = (
            None if board_share is None else 100 * (board_share - workforce_share)
        )
    bands = {b: cells[b] for b in SENIOR_BANDS}
    bands["8a+"] = {g: sum(cells[b][g] for b in SENIOR_BANDS) for g in GROUPS}
    bands["board"] = board
    as_at = WresYear(year).snapshot
    rows = []
    for name, c in bands.items():
        p0 = formulas.share(c["bme"], c["bme"] + c["white"])
        observed = min(1.0, max(0.0, rng.gauss((p0 or 0) * 1.3, 0.08)))
        model = formulas.aspiration(
            sum(c.values()), p0, workforce_share, 0.1, 2028 - year, observed, 2028
        )
        rows.append(
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
        "as_at": as_at.isoformat(),
        "target_year": 2028,
        "target_share": workforce_share,
        "workforce": _row(total),
        "bands": rows,
    }
    panels = rng.randint(20, 400)
    due = rng.randint(0, 60)
    leaders = rng.randint(8, 25)
    operational = {
        "panels_total": panels,
        "panels_compliant": int(panels * rng.uniform(0.6, 1.0)),
        "justifications_due": due,
        "justifications_on_time": int(due * rng.uniform(0.4, 1.0)),
        "justification_median_days": round(rng.uniform(4, 20), 1) if due else None,
        "leaders_total": leaders,
        "leaders_met": int(leaders * rng.uniform(0.3, 1.0)),
    }
    return one, two, nine, aspiration, operational


def published(code: str, year: int, plain: tuple, threshold: int = 7) -> dict:
    """The published document for plain counts, exactly as a real organisation's is made."""
    one, two, nine, aspiration, operational = plain
    as_at = date.fromisoformat(aspiration["as_at"])
    ret = export.figures_from(code, year, one, two, nine, aspiration, as_at)
    return publication.publish(ret, operational, threshold)
