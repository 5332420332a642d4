"""Server-rendered SVG charts (matplotlib). Every chart on a page has its data table beside it,
so nothing depends on seeing the picture."""

import io
from datetime import date

NHS_BLUE, NHS_DARK, NHS_GREY, NHS_RED = "#005eb8", "#003087", "#768692", "#d5281b"


def _figure(width=7.5, height=3.6):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(figsize=(width, height), dpi=100)
    axes.spines[["top", "right"]].set_visible(False)
    return pyplot, figure, axes


def _svg(pyplot, figure) -> bytes:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    pyplot.close(figure)
    return buffer.getvalue()


def indicator2_trend(trend: list[dict], low: float, high: float) -> bytes:
    pyplot, figure, axes = _figure()
    axes.axhspan(low, high, color="#e8edee", label=f"Non-adverse range ({low:.2f} to {high:.2f})")
    axes.axhline(1.0, color=NHS_GREY, linewidth=0.8)
    shown = [t for t in trend if t["relative_likelihood"] is not None]
    if shown:
        labels = [f"{t['year'] - 1}/{str(t['year'])[-2:]}" for t in shown]
        values = [t["relative_likelihood"] for t in shown]
        lower = [
            v - (t["ci_low"] if t["ci_low"] is not None else v)
            for v, t in zip(values, shown, strict=True)
        ]
        upper = [
            (t["ci_high"] if t["ci_high"] is not None else v) - v
            for v, t in zip(values, shown, strict=True)
        ]
        axes.errorbar(
            labels,
            values,
            yerr=[lower, upper],
            color=NHS_BLUE,
            marker="o",
            capsize=4,
            label="Relative likelihood, with 95% interval",
        )
    else:
        axes.text(0.5, 0.5, "No year has a figure yet", ha="center", transform=axes.transAxes)
    axes.set_ylabel("White vs BME likelihood")
    axes.legend(loc="upper left", fontsize=8, frameon=False)
    return _svg(pyplot, figure)


def band_shares(rows: list[dict], target: float | None) -> bytes:
    pyplot, figure, axes = _figure()
    labels = [r["label"] for r in rows]
    values = [100 * (r["bme_share"] or 0) for r in rows]
    axes.bar(labels, values, color=NHS_BLUE, label="BME share now")
    if target is not None:
        axes.axhline(
            100 * target,
            color=NHS_RED,
            linestyle="--",
            label=f"Target: workforce share {100 * target:.1f}%",
        )
    axes.set_ylabel("BME share of known ethnicities (%)")
    axes.legend(loc="upper right", fontsize=8, frameon=False)
    return _svg(pyplot, figure)


def trajectory(
    path: list[tuple[int, float]], actual: list[tuple[date, float]], target: float | None
) -> bytes:
    pyplot, figure, axes = _figure()
    if path:
        axes.plot(
            [y for y, _ in path],
            [100 * v for _, v in path],
            color=NHS_BLUE,
            marker="o",
            label="Required path",
        )
    if actual:
        axes.plot(
            [d.year for d, _ in actual],
            [100 * v for _, v in actual],
            color=NHS_DARK,
            marker="s",
            linestyle="none",
            label="Actual, at 31 March",
        )
    if target is not None:
        axes.axhline(100 * target, color=NHS_RED, linestyle="--", label="Target")
    axes.set_ylabel("BME share, 8a and above (%)")
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.legend(loc="upper left", fontsize=8, frameon=False)
    return _svg(pyplot, figure)


def survey_trend(indicators: list[dict], names: dict[int, str]) -> bytes:
    """Staff survey indicators 5 to 8: white and BME percentages by survey year, one small panel
    per indicator."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, grid = pyplot.subplots(2, 2, figsize=(7.5, 5.2), dpi=100, sharex=False)
    for axes, item in zip(grid.flat, indicators, strict=False):
        axes.spines[["top", "right"]].set_visible(False)
        points = [t for t in item["trend"] if t["white_percent"] is not None]
        bme = [t for t in item["trend"] if t["bme_percent"] is not None]
        if points:
            axes.plot(
                [t["survey_year"] for t in points],
                [t["white_percent"] for t in points],
                color=NHS_GREY,
                marker="o",
                label="White",
            )
        if bme:
            axes.plot(
                [t["survey_year"] for t in bme],
                [t["bme_percent"] for t in bme],
                color=NHS_BLUE,
                marker="s",
                label="BME",
            )
        if points or bme:
            axes.legend(fontsize=7, frameon=False)
        else:
            axes.text(0.5, 0.5, "No results yet", ha="center", transform=axes.transAxes)
        axes.set_title(
            f"{item['indicator']}: {names[item['indicator']]} ({item['better']} is better)",
            fontsize=8,
        )
        axes.set_ylabel("%", fontsize=8)
        axes.tick_params(labelsize=7)
        axes.xaxis.get_major_locator().set_params(integer=True)
    return _svg(pyplot, figure)


def pay_quartiles(quartiles: list[dict], workforce_share: float | None) -> bytes:
    """BME share of known ethnicities in each pay quartile, lowest paid first."""
    pyplot, figure, axes = _figure()
    labels = [f"Quartile {q['quartile']}" for q in quartiles]
    labels[0] += "\n(lowest paid)"
    labels[-1] += "\n(highest paid)"
    axes.bar(
        labels, [100 * (q["bme_share"] or 0) for q in quartiles], color=NHS_BLUE, label="BME share"
    )
    if workforce_share is not None:
        axes.axhline(
            100 * workforce_share,
            color=NHS_RED,
            linestyle="--",
            label=f"BME share of staff with pay recorded: {100 * workforce_share:.1f}%",
        )
    axes.set_ylabel("BME share of known ethnicities (%)")
    axes.legend(loc="upper right", fontsize=8, frameon=False)
    return _svg(pyplot, figure)


def pay_gaps(rows: list[dict]) -> bytes:
    """Mean and median hourly pay gap (%) for each row that has one; positive: BME paid less."""
    pyplot, figure, axes = _figure(height=max(3.0, 0.35 * len(rows) + 1.2))
    shown = [r for r in rows if r["mean_gap_percent"] is not None]
    if shown:
        positions = list(range(len(shown)))
        axes.barh(
            [p + 0.2 for p in positions],
            [r["mean_gap_percent"] for r in shown],
            height=0.4,
            color=NHS_BLUE,
            label="Mean gap",
        )
        axes.barh(
            [p - 0.2 for p in positions],
            [r["median_gap_percent"] or 0 for r in shown],
            height=0.4,
            color=NHS_DARK,
            label="Median gap",
        )
        axes.set_yticks(positions, [r["label"] for r in shown], fontsize=8)
        axes.axvline(0, color=NHS_GREY, linewidth=0.8)
        axes.invert_yaxis()
        axes.legend(loc="lower right", fontsize=8, frameon=False)
    else:
        axes.text(0.5, 0.5, "No group has a figure", ha="center", transform=axes.transAxes)
    axes.set_xlabel("Pay gap (%): positive means BME staff are paid less an hour")
    return _svg(pyplot, figure)
