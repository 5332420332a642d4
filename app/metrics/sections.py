"""The dashboard's sections, in reading order: each has its own page, and the overview lists
them all with one headline figure each.

A new section (indicators 3 to 8, the pay gap, goals) is one more entry in SECTIONS: its slug
(the page's address, /dashboard/<slug>), its title, a line for the contents list, the template
that renders it, and the figures it needs, each a function of the request's `Dashboard` computed
only when the template first reads it. The template defines three macros, each given the
`Dashboard` and the section's figures:

- `as_at(d, f)`: the one sentence saying which dates the section's figures describe;
- `headline(d, f)`: one or two sentences for the overview (read only cheap figures here);
- `body(d, f)`: the section's page.

The figures are the same queries the WRES return and the commands use (app/metrics/queries.py);
only their composition into pages lives here.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

from app import figure_cache
from app.extensions import db
from app.metrics import queries
from app.recruitment import queries as recruitment_queries
from app.workforce.models import OrganisationSettings
from app.workforce.wres_year import WresYear

# The board paper's three scenarios (DOMAIN.md section 7); past years drop out of the table.
SCENARIO_YEARS = (2023, 2028, 2033)


@dataclass
class Dashboard:
    """What every section shares: the organisation, the year and its dates, the settings."""

    organisation_id: int
    year: WresYear
    today: date
    turnover_override: float | None = None
    turnover_raw: str = ""
    turnover_error: str | None = None

    @cached_property
    def settings(self) -> OrganisationSettings:
        return db.session.get(OrganisationSettings, self.organisation_id)

    @property
    def is_open(self) -> bool:
        """The year has not ended: its 31 March figures come from today's records."""
        return self.today < self.year.end

    @property
    def aspiration_as_at(self) -> date:
        return queries.aspiration_as_at(self.year.year, self.today)

    @cached_property
    def aspiration_facts(self) -> tuple:
        """The headcounts and leavers every scenario and the target year share: read once."""
        return queries.aspiration_facts(self.organisation_id, self.aspiration_as_at)


class Figures:
    """A section's figures, each computed the first time a template reads it, and kept until
    the data changes (app/figure_cache.py) unless it is marked `live` or the request asks what
    another turnover would do."""

    def __init__(
        self, slug: str, makers: dict[str, Callable[[Dashboard], Any]], dashboard: Dashboard
    ):
        self._slug = slug
        self._makers = makers
        self._dashboard = dashboard
        self._values: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name not in self._makers:
            raise AttributeError(name)
        if name not in self._values:
            maker, d = self._makers[name], self._dashboard
            if getattr(maker, "live", False) or d.turnover_override is not None:
                self._values[name] = maker(d)
            else:
                self._values[name] = figure_cache.cached(
                    d.organisation_id,
                    f"dashboard.{self._slug}.{name}",
                    (d.year.year,),
                    lambda: maker(d),
                )
        return self._values[name]

    def __getitem__(self, name: str) -> Any:
        try:
            return getattr(self, name)
        except AttributeError:
            raise KeyError(name) from None


@dataclass(frozen=True)
class Section:
    slug: str
    title: str
    summary: str
    template: str | None = None
    figures: dict[str, Callable[[Dashboard], Any]] = field(default_factory=dict)
    # A section whose page belongs to its own feature (indicators 3 to 8, the pay gap), at
    # /dashboard/<slug> too: the contents link there, with its summary in place of a headline.
    endpoint: str | None = None

    def figures_for(self, dashboard: Dashboard) -> Figures:
        return Figures(self.slug, self.figures, dashboard)


def _indicator2(d: Dashboard, **kwargs):
    return queries.indicator2(d.organisation_id, d.year.year, **kwargs)


def _shares(d: Dashboard) -> dict:
    trend = queries.indicator2_trend(d.organisation_id)
    return next(
        (t["shares"] for t in trend if t["year"] == d.year.year),
        queries.shares_2e(queries.Counts()),
    )


def _scenarios(d: Dashboard) -> dict[int, dict]:
    """The target year and every board-paper scenario still ahead of the as-at date."""
    as_at = d.aspiration_as_at
    years = {t for t in SCENARIO_YEARS if t > as_at.year} | {d.settings.target_year}
    return {
        target: queries.aspiration(
            d.organisation_id, as_at, target, d.turnover_override, d.aspiration_facts
        )
        for target in sorted(years)
    }


def _aspiration(d: Dashboard) -> dict:
    return queries.aspiration(
        d.organisation_id,
        d.aspiration_as_at,
        d.settings.target_year,
        d.turnover_override,
        d.aspiration_facts,
    )


def _compliance(d: Dashboard) -> dict:
    """Every breach and exception of the year with its vacancy or batch (for its link, manager
    and decision date): the report is kept, the vacancies and batches read for this request."""
    report = figure_cache.cached(
        d.organisation_id,
        "panel_compliance",
        (d.year.year,),
        lambda: recruitment_queries.panel_compliance(d.organisation_id, d.year.year, d.today),
    )
    owners = recruitment_queries.compliance_owners(d.organisation_id, report)
    return {
        "breaches": [(e, recruitment_queries.compliance_owner(owners, e)) for e in report.breaches],
        "exceptions": [
            (e, recruitment_queries.compliance_owner(owners, e)) for e in report.exceptions
        ],
    }


_compliance.live = True  # its own parts are kept; the model instances are not

SECTIONS: list[Section] = [
    Section(
        "indicator-2",
        "Indicator 2: appointment from shortlisting",
        "How likely shortlisted white applicants were to be appointed compared with BME "
        "applicants, with the trend and a breakdown by band and staff group.",
        "metrics/sections/indicator2.html",
        {
            "indicator2": _indicator2,
            "by_band": lambda d: _indicator2(d, by="band"),
            "by_group": lambda d: _indicator2(d, by="staff-group"),
            "domestic": lambda d: _indicator2(d, exclude_international=True),
            "shares": _shares,
            "trend": lambda d: queries.indicator2_trend(d.organisation_id),
        },
    ),
    Section(
        "indicator-1",
        "Indicator 1: the workforce by band",
        "Staff in post by staff group and pay band, white, BME and ethnicity unknown.",
        "metrics/sections/indicator1.html",
        {"indicator1": lambda d: queries.indicator1(d.organisation_id, d.year.year)},
    ),
    Section(
        "disciplinary-and-training",
        "Indicators 3 and 4: disciplinary investigations and training",
        "How likely BME staff are to enter a formal disciplinary investigation compared with "
        "white staff, and how likely white staff are to access non-mandatory training compared "
        "with BME staff.",
        endpoint="wres_return.section",
    ),
    Section(
        "staff-survey",
        "Indicators 5 to 8: the NHS Staff Survey",
        "Harassment, bullying and abuse, belief in equal opportunities for career progression "
        "and discrimination, as white and BME staff answered the survey, with the trend.",
        endpoint="survey.dashboard",
    ),
    Section(
        "pay-gap",
        "The ethnicity pay gap",
        "The mean and median hourly pay gap between white and BME staff, by band and staff "
        "group, and the BME share of each pay quartile.",
        endpoint="paygap.dashboard",
    ),
    Section(
        "indicator-9",
        "Indicator 9: the board",
        "The BME share of the board against the whole workforce's.",
        "metrics/sections/indicator9.html",
        {"indicator9": lambda d: queries.indicator9(d.organisation_id, d.year.year)},
    ),
    Section(
        "aspiration",
        "The leadership aspiration",
        "How many BME recruits each senior band needs for its leadership to be as diverse as "
        "the workforce by the target year, and whether recruitment is on track.",
        "metrics/sections/aspiration.html",
        {"aspiration": _aspiration, "scenarios": _scenarios},
    ),
    Section(
        "commitments",
        "The commitments in practice",
        "Panels that met the rule (with every breach and exception), justifications sent on "
        "time, and senior leaders meeting the mentoring commitment.",
        "metrics/sections/commitments.html",
        {
            "operational": lambda d: queries.operational(d.organisation_id, d.year.year, d.today),
            "compliance": _compliance,
        },
    ),
]


def find(slug: str) -> Section | None:
    return next((s for s in SECTIONS if s.slug == slug), None)
