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
