// Beside each share the user types on the goals form: the BME recruits a year it implies at
// the row's turnover, from the step before it (today's share for the first year). The same
// sums as app/goals/planning.py: r = (T - p (1-t)^n) / (1 - (1-t)^n), recruits = ceil(r t H).
const form = document.getElementById("goals-form");

function impliedRecruits(start, goal, years, turnover, headcount) {
  if (start === null || goal === null || years <= 0 || headcount <= 0) return null;
  const remaining = Math.pow(1 - turnover, years);
  if (remaining >= 1) return null;
  const share = (goal - start * remaining) / (1 - remaining);
  return { recruits: Math.max(0, Math.ceil(Math.max(share, 0) * turnover * headcount - 1e-9)), share };
}

function update(row) {
  if (row.dataset.kind !== "share" || row.dataset.turnover === "") return;
  const turnover = parseFloat(row.dataset.turnover);
  const headcount = parseInt(row.dataset.headcount, 10);
  let previous = row.dataset.now === "" ? null : parseFloat(row.dataset.now);
  let previousYear = parseInt(row.dataset.asAtYear, 10);
  for (const cell of row.querySelectorAll("td[data-year]")) {
    const year = parseInt(cell.dataset.year, 10);
    const input = cell.querySelector("input");
    const out = cell.querySelector(".app-implied");
    const typed = input ? parseFloat(input.value) : NaN;
    const goal = Number.isFinite(typed) ? typed / 100 : null;
    if (out) {
      const step = impliedRecruits(previous, goal, year - previousYear, turnover, headcount);
      out.textContent = step === null ? "" :
        `${step.recruits} BME recruits a year${step.share > 1 ? " (more than every recruit)" : ""}`;
    }
    if (goal !== null) { previous = goal; previousYear = year; }
  }
}

if (form) {
  form.addEventListener("input", (event) => {
    const row = event.target.closest("tr[data-measure]");
    if (row) update(row);
  });
}
