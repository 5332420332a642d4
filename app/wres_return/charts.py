"""The trend charts of indicators 3 and 4, drawn like indicator 2's (app/metrics/charts.py), each
shown beside a table of the same figures."""

from app.metrics.charts import NHS_BLUE, NHS_DARK, NHS_GREY, _figure, _svg

AXIS = {
    3: "BME vs white likelihood of a\nformal disciplinary investigation",
    4: "White vs BME likelihood of\nnon-mandatory training",
}


def _series(axes, documents, colour, marker, label, offset):
    shown = [(i, d) for i, d in enumerate(documents) if d["relative_likelihood"] is not None]
    if not shown:
        return False
    xs = [i + offset for i, _ in shown]
    values = [d["relative_likelihood"] for _, d in shown]
    lower = [
        v - (d["ci_low"] if d["ci_low"] is not None else v)
        for v, (_, d) in zip(values, shown, strict=True)
    ]
    upper = [
        (d["ci_high"] if d["ci_high"] is not None else v) - v
        for v, (_, d) in zip(values, shown, strict=True)
    ]
    axes.errorbar(
        xs, values, yerr=[lower, upper], color=colour, marker=marker, capsize=4, label=label
    )
    return True


def trend(rows: list[dict], indicator: int, low: float = 0.8, high: float = 1.25) -> bytes:
    pyplot, figure, axes = _figure()
    axes.axhspan(low, high, color="#e8edee", label=f"Non-adverse range ({low:.2f} to {high:.2f})")
    axes.axhline(1.0, color=NHS_GREY, linewidth=0.8)
    labels = [f"{r['single']['year'] - 1}/{str(r['single']['year'])[-2:]}" for r in rows]
    drawn = _series(
        axes, [r["single"] for r in rows], NHS_BLUE, "o", "Each year, with 95% interval", 0
    )
    if indicator == 3:
        drawn |= _series(
            axes,
            [r["two_year"] for r in rows],
            NHS_DARK,
            "s",
            "Two years to that year (the return's figure)",
            0.15,
        )
    if not drawn:
        axes.text(0.5, 0.5, "No year has a figure yet", ha="center", transform=axes.transAxes)
    axes.set_xticks(range(len(labels)), labels)
    axes.set_ylabel(AXIS[indicator])
    axes.legend(loc="upper left", fontsize=8, frameon=False)
    return _svg(pyplot, figure)
