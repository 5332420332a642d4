"""`flask report board --publish` passes DOMAIN.md section 12's recovery test: everything the
published report shows (the WRES return's figures and the report's own: scenarios, goals'
progress, panels, justifications, mentoring), with the published WRES return of the same year
beside it, pins no hidden count. And the report shows the return's figures exactly as the
return publishes them, so neither undoes the other."""

from datetime import date

import pytest

from app.board_report import report
from app.goals import planning
from app.goals import services as goals
from app.metrics import disclosure, export
from app.timeutil import today_london
from tests import factories
from tests.metrics.conftest import _applications, _vacancy
from tests.metrics.test_publication_attack import _independent_attack

YEAR = 2026


def _trust(db, organisation, small: int):
    """Small cells everywhere a reader would look for them."""
    for band, white, bme, unknown in (
        ("5", 60, 25, 4),
        ("8a", 14, small, 1),
        ("8b", 9, 2, 0),
        ("8c", 6, 1, 2),
        ("VSM", 5, 1, 0),
    ):
        for category, n in (("A", white), ("N", bme), ("99", unknown)):
            for _ in range(n):
                factories.StaffFactory(
                    organisation=organisation,
                    pay_band=band,
                    ethnic_category=category,
                    staff_group="non-clinical",
                )
    for category in ("A", "A", "A", "H"):
        factories.StaffFactory(
            organisation=organisation,
            pay_band="VSM",
            ethnic_category=category,
            board_role="executive",
            board_voting=True,
            staff_group="non-clinical",
        )
    v1 = _vacancy(db, organisation, "V1", "5", "clinical-non-medical", date(2025, 6, 1))
    _applications(db, v1, "A", 30, 9)
    _applications(db, v1, "N", 12, small)
    v2 = _vacancy(db, organisation, "V2", "8a", "non-clinical", date(2025, 9, 1))
    _applications(db, v2, "A", 6, 2)
    _applications(db, v2, "N", small, 1)
    hr = factories.UserFactory(organisation=organisation, roles=("hr-admin",))
    goal_set = goals.propose(
        organisation.id,
        hr,
        base_year=YEAR - 1,
        target_year=2028,
        model_as_at=date(YEAR - 1, 3, 31),
        model_target_share=0.3,
        values={
            (m, y): 1.25 if m == planning.INDICATOR2 else 0.3
            for m in planning.MEASURES
            for y in planning.goal_years(YEAR - 1, 2028)
        },
        model_values={},
        note="",
    )
    goals.approve(goal_set, hr, goal_set.version)
    db.session.commit()


@pytest.mark.parametrize("small", [2, 5])
def test_the_published_board_report_gives_back_no_hidden_count(
    db, organisation, small, runner, tmp_path
):
    _trust(db, organisation, small)
    today = today_london()
    built = report.build(organisation, YEAR, today, publish=True, with_charts=False)
    ctx = built.context
    figures = ctx.figures
    threshold = ctx.threshold
    published = disclosure.publish(figures, threshold)
    assert published.primary, "the trust must have small counts to hide"

    # The report shows the return's figures exactly as the return publishes them.
    alone = export.build(organisation, YEAR, today)
    returned = disclosure.publish(alone.figures, threshold)
    for key, value in returned.counts.items():
        assert ctx.counts[key] == value, key
    for key, value in returned.derived.items():
        assert ctx.derived[key] == value, key

    # The attacker of the export, and each tactic on its own, over everything shown.
    bounds = disclosure.attack(
        figures,
        ctx.counts,
        ctx.derived,
        threshold,
        published.primary,
        published.secondary,
        blurred=published.blurred,
    )
    for key in published.primary:
        low, high = bounds[key]
        assert low <= figures.counts[key] <= high
        assert low < high, (key, figures.counts[key], bounds[key])
    for key, values in _independent_attack(figures, published, threshold).items():
        assert figures.counts[key] in values
        assert len(values) > 1, (key, figures.counts[key], values)
    # Every figure derived from a hidden count is withheld.
    for key, d in figures.derived.items():
        if any(ctx.counts.get(k) == disclosure.MASK for k in d.inputs):
            assert ctx.derived[key] == disclosure.MASK, key

    # The command writes what was checked: the BME appointed count is hidden in its table.
    out = tmp_path / "report.html"
    result = runner.invoke(
        args=[
            "report",
            "board",
            "--year",
            str(YEAR),
            "--format",
            "html",
            "--out",
            str(out),
            "--publish",
        ]
    )
    assert result.exit_code == 0, result.output
    html = out.read_text()
    assert "For publication" in html
    row = html.split("<th>BME</th>", 1)[1].split("</tr>", 1)[0]
    assert f"<td>{small}</td>" not in row and "<td>*</td>" in row
    raw = tmp_path / "raw.html"
    runner.invoke(
        args=["report", "board", "--year", str(YEAR), "--format", "html", "--out", str(raw)]
    )
    raw_row = raw.read_text().split("<th>BME</th>", 1)[1].split("</tr>", 1)[0]
    assert f"<td>{small + 1}</td>" in raw_row  # appointed: `small` at V1 and one at V2
