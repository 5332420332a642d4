"""Counts pinned by the pattern of `*` alone (DOMAIN.md section 12): every count joined by sums to a
small one is `*` or 0, so there is no rate to withhold nor a count to hide for its sake, yet a total
shown `*` over as many `*` parts as the threshold is that many ones. Publishing must neither give
up nor leave it so."""

from datetime import date

from app.metrics import disclosure, export

WITHDRAWN = ("2", "all", "all", "withdrawn", "unknown")


def _band(band):
    return ("2", "all", band, "withdrawn", "unknown")


def _attacked(figures, threshold):
    published = disclosure.publish(figures, threshold)
    bounds = disclosure.attack(
        figures,
        published.counts,
        published.derived,
        threshold,
        published.primary,
        published.secondary,
        blurred=published.blurred,
    )
    return published, bounds


def test_five_bands_of_one_withdrawal_under_a_threshold_of_five_are_not_given_away():
    # The shape hypothesis found once figures for indicators 3, 4, the survey and the pay gap
    # were drawn too: one withdrawal of unknown ethnicity in each of five bands, threshold 5.
    bands = ("5", "6", "8a", "8b", "9")
    figures = disclosure.Figures(counts={WITHDRAWN: 5, _band("VSM"): 0})
    figures.counts.update({_band(b): 1 for b in bands})
    figures.add_sum(WITHDRAWN, [*(_band(b) for b in bands), _band("VSM")])

    # The `*` pattern alone pins every cell without the zero hidden.
    naive = disclosure.attack(
        figures,
        {k: disclosure.MASK if v else 0 for k, v in figures.counts.items()},
        {},
        5,
        {k for k, v in figures.counts.items() if v},
        set(),
    )
    assert naive[_band("5")] == (1, 1) and naive[WITHDRAWN] == (5, 5)

    published, bounds = _attacked(figures, 5)
    assert set(published.counts.values()) == {disclosure.MASK}  # the 0 is hidden with them
    assert published.blurred == set(figures.counts)
    for key, value in figures.counts.items():
        low, high = bounds[key]
        assert low <= value <= high and low < high, (key, bounds[key])


def test_a_pattern_with_no_zero_to_hide_is_still_not_given_away():
    # Every band had a withdrawal: no 0 can be hidden, but a reader cannot tell that from a
    # hidden 0 either, so the stars there are still read as 0 to the threshold.
    bands = ("5", "6", "8a", "8b", "9")
    figures = disclosure.Figures(counts={WITHDRAWN: 5, **{_band(b): 1 for b in bands}})
    figures.add_sum(WITHDRAWN, [_band(b) for b in bands])
    published, bounds = _attacked(figures, 5)
    assert set(published.counts.values()) == {disclosure.MASK}
    assert all(bounds[k][0] < bounds[k][1] for k in figures.counts)


def test_the_seven_staff_example_trust_publishes(db, organisation, runner, examples, tmp_path):
    """tests/data/staff.csv alone: 7 staff in post on 31 March 2026 (2 white, 3 BME, 2 unknown),
    each `*`, whose bands and staff groups add up to a `*` total of 7: publishing once gave up with
    "cannot protect ('1', 'all', 'all', 'headcount', 'bme')"."""
    result = runner.invoke(args=["staff", "import", str(examples / "staff.csv"), "--org", "RAB"])
    assert result.exit_code == 0, result.output
    for fmt in ("csv", "xlsx"):
        out = tmp_path / f"published.{fmt}"
        args = ["export", "wres", "--year", "2026", "--format", fmt, "--out", str(out)]
        result = runner.invoke(args=[*args, "--publish"])
        assert result.exit_code == 0, (result.output, result.exception)
        assert out.stat().st_size > 0

    figures = export.build(organisation, 2026, date(2026, 4, 2)).figures
    assert figures.counts[export.WORKFORCE_TOTAL] == 7
    published, bounds = _attacked(figures, 7)
    assert published.counts[("1", "all", "all", "headcount", "bme")] == disclosure.MASK
    for key in published.blurred:
        assert bounds[key][0] <= figures.counts[key] <= bounds[key][1], key  # sound
    for key in published.primary:
        low, high = bounds[key]
        assert low <= figures.counts[key] <= high and low < high, (key, bounds[key])
