"""Disclosure control for published figures (DOMAIN.md section 12). Pure: no Flask, no database.

The rule NHS Digital adopted in 2018: a count from 1 to the threshold is `*`, every other count is
rounded to the nearest 5 (0 stays 0). Rates, shares and ratios are computed from the unrounded
counts, so each is shown only when nothing could be pinned with it: `publish` runs an attacker
(`attack`) over everything it is about to publish, both formats of a year being built from the same
published figures, and withholds whatever would let it pin a hidden count to one value, first the
rates, shares and ratios near that count, then, only if rounding alone leaves it exposed, one more
count (a total minus rounded parts can still pin a hidden cell when the parts were all rounded the
same way).

When every count joined by sums to a pinned one is already `*` or 0, no rate or count is left to
withhold, yet the pattern of `*` itself can give the counts away: with a threshold of 7, a total
shown `*` over seven parts shown `*` is 7 ones, since each `*` is at least 1 (a trust of 7 staff, or
one withdrawal a band). Then a 0 joined to it by sums is shown `*` as well, so a reader can no
longer take every `*` there as 1 or more: in that connected set of sums every `*` small count is
from 0 to the threshold (`blurred`), which the attacker is told.
"""

import itertools
from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

Key = Hashable
MASK = "*"
ROUND_TO = 5
# The attacker enumerates the counts behind a rate only while there are this few possibilities.
MAX_COMBINATIONS = 20_000


def round_count(value: int) -> int:
    """To the nearest 5, halves up (12.5 cannot happen: counts are whole)."""
    return ROUND_TO * ((value + ROUND_TO // 2) // ROUND_TO)


@dataclass
class Derived:
    """A figure worked out from counts: its value, the counts it comes from, how an attacker can
    use it (`share`: sum of `numerator` over sum of `inputs`; `ratio`: (a_w/s_w)/(a_b/s_b) with
    inputs (a_w, s_w, a_b, s_b); `other`: not usable on its own, but it restates its `basis`), the
    places it is published to, and the other derived figures it restates (`basis`)."""

    value: object
    inputs: tuple = ()
    kind: str = "other"
    numerator: tuple = ()
    places: int = 3
    basis: tuple = ()


@dataclass
class Figures:
    """Everything one published output (both formats of a year) says, before disclosure control:
    counts, the sums that hold between them (total, parts), and derived figures."""

    counts: dict = field(default_factory=dict)
    sums: list = field(default_factory=list)
    derived: dict = field(default_factory=dict)

    def add_sum(self, total: Key, parts: Iterable[Key]) -> None:
        parts = tuple(parts)
        if parts:
            self.sums.append((total, parts))


@dataclass
class Published:
    counts: dict  # key -> "*" or a rounded count
    derived: dict  # key -> "*" or the value to publish (rounded to its places)
    primary: set  # counts hidden because they are 1..threshold
    secondary: set  # counts hidden so that a primary one cannot be pinned
    # Hidden zeros and the small counts joined to them by sums: each `*` there is 0 to threshold.
    blurred: set = field(default_factory=set)


def _bounds_of(
    shown, threshold: int, primary: set, secondary: set, blurred: Iterable = frozenset()
) -> dict:
    """What a published count says about the true one, as an interval. The attacker is told which
    `*` cells are small counts and which were hidden for their sake (stronger than any reader),
    and which `*` cells lie among hidden zeros (`blurred`), which only their sums connect."""
    bounds = {}
    blurred = set(blurred)
    for key, value in shown.items():
        if key in blurred:
            bounds[key] = (0, threshold)
        elif key in primary:
            bounds[key] = (1, threshold)
        elif key in secondary:
            bounds[key] = (threshold + 1, 10**9)
        elif value == 0:
            bounds[key] = (0, 0)
        else:
            bounds[key] = (max(value - 2, threshold + 1, 1), value + 2)
    return bounds


def _value_of(derived: Derived, values: dict):
    if derived.kind == "share":
        whole = sum(values[k] for k in derived.inputs)
        return None if whole == 0 else sum(values[k] for k in derived.numerator) / whole
    a_w, s_w, a_b, s_b = (values[k] for k in derived.inputs)
    if not (s_w and s_b and a_b):
        return None
    return (a_w / s_w) / (a_b / s_b)


def attack(
    figures: Figures,
    counts: dict,
    derived: dict,
    threshold: int,
    primary: set,
    secondary: set,
    rounds: int = 60,
    *,
    blurred: Iterable = frozenset(),
) -> dict:
    """Every count's possible true values as an interval, from everything published: each count
    itself, every total against its parts (totals minus visible cells), and every share or ratio
    against the counts it was computed from (shares times headcounts, ratios, rounding intervals).
    Sound: the true value always stays inside; a hidden count whose interval is one value is
    recovered."""
    bounds = _bounds_of(counts, threshold, primary, secondary, blurred)
    usable = [
        (d, derived[key])
        for key, d in figures.derived.items()
        if d.kind in ("share", "ratio") and derived.get(key) not in (MASK, None)
    ]
    for _ in range(rounds):
        changed = False
        for total, parts in figures.sums:
            lows = [bounds[p][0] for p in parts]
            highs = [bounds[p][1] for p in parts]
            low, high = bounds[total]
            new_total = (max(low, sum(lows)), min(high, sum(highs)))
            if new_total != bounds[total]:
                bounds[total], changed = new_total, True
            low, high = bounds[total]
            sum_low, sum_high = sum(lows), sum(highs)
            for part, part_low, part_high in zip(parts, lows, highs, strict=True):
                new = (
                    max(part_low, low - (sum_high - part_high)),
                    min(part_high, high - (sum_low - part_low)),
                )
                if new != bounds[part]:
                    bounds[part], changed = new, True
        for d, target in usable:
            keys = list(dict.fromkeys(d.inputs))
            ranges = [range(bounds[k][0], bounds[k][1] + 1) for k in keys]
            size = 1
            for r in ranges:
                size *= len(r)
            if size > MAX_COMBINATIONS:
                continue
            half = 0.5 * 10**-d.places
            support = defaultdict(set)
            for combination in itertools.product(*ranges):
                values = dict(zip(keys, combination, strict=True))
                value = _value_of(d, values)
                if value is not None and abs(value - target) <= half + 1e-12:
                    for k, v in values.items():
                        support[k].add(v)
            for k in keys:
                if support[k]:
                    new = (min(support[k]), max(support[k]))
                    if new != bounds[k]:
                        bounds[k], changed = new, True
        if not changed:
            break
    return bounds


def _rounded(value, places: int):
    if isinstance(value, float):
        return round(value, places)
    return value


def publish(figures: Figures, threshold: int) -> Published:
    """The published counts and derived figures, such that `attack` pins no hidden count."""
    primary = {k for k, v in figures.counts.items() if 1 <= v <= threshold}
    secondary: set = set()
    hidden_zeros: set = set()
    blurred: set = set()
    withheld: set = set()
    neighbours: dict = defaultdict(set)
    for total, parts in figures.sums:
        group = {total, *parts}
        for key in group:
            neighbours[key] |= group

    def shown_counts():
        return {
            k: (MASK if k in primary or k in secondary or k in hidden_zeros else round_count(v))
            for k, v in figures.counts.items()
        }

    def shown_derived(counts):
        result = {}
        for key, d in figures.derived.items():
            hidden_input = any(counts.get(k) == MASK for k in d.inputs)
            hidden_basis = any(result.get(b, MASK) == MASK for b in d.basis)
            if key in withheld or hidden_input or hidden_basis:
                result[key] = MASK
            else:
                result[key] = _rounded(d.value, d.places)
        return result

    while True:
        counts = shown_counts()
        derived = shown_derived(counts)
        bounds = attack(figures, counts, derived, threshold, primary, secondary, blurred=blurred)
        pinned = sorted((k for k in primary if bounds[k][0] == bounds[k][1]), key=str)
        if not pinned:
            return Published(counts, derived, primary, secondary, blurred)
        for key in pinned:
            # Widen the circle round the pinned count one sum at a time: first withhold the
            # rates nearest to it, and only when no rate is left hide one more count.
            layers = _layers(key, neighbours)
            near: set = set()
            culprits: list = []
            for layer in layers:
                near |= layer
                culprits = [
                    k
                    for k, d in figures.derived.items()
                    if derived[k] != MASK and d.kind in ("share", "ratio") and near & set(d.inputs)
                ]
                if culprits:
                    break
            if culprits:
                withheld.update(culprits)
                break
            candidates = []
            near = set()
            for layer in layers:
                near |= layer
                candidates = sorted(
                    (figures.counts[k], str(k), k)
                    for k in near
                    if counts[k] != MASK and figures.counts[k] > 0
                )
                if candidates:
                    break
            if candidates:
                secondary.add(candidates[0][2])
                break
            # Only `*` and 0 are joined to it: the `*` pattern pinned it (see the module's note).
            component = set().union(*layers)
            zeros = []
            for layer in layers:
                zeros = sorted(
                    (str(k), k) for k in layer if counts[k] == 0 and k not in hidden_zeros
                )
                if zeros:
                    break
            if zeros:
                hidden_zeros.add(zeros[0][1])
            elif component <= blurred:
                raise RuntimeError(f"cannot protect {key!r}")
            blurred |= {k for k in component if k in primary or k in hidden_zeros}
            break


def _layers(key, neighbours) -> list[set]:
    """The counts at each distance from `key` through the sums they share."""
    seen = {key}
    layers = [{key}]
    while True:
        following = {n for k in layers[-1] for n in neighbours[k]} - seen
        if not following:
            return layers
        seen |= following
        layers.append(following)
