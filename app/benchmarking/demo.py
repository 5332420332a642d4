"""Benchmarking for `make run`: the demo trusts' closed years stored and published as the nightly
job would, more made-up organisations across England with five published years each, and a
national team with the national viewer's login."""

import random
from datetime import date

from app.accounts import services as accounts
from app.accounts.roles import Role
from app.benchmarking import services, synthetic
from app.metrics import year_snapshots
from app.workforce import peer_groups
from app.workforce import services as workforce
from app.workforce.wres_year import WresYear, year_containing

NATIONAL_TEAM = ("DEMON", "NHS England national WRES team (demo)")
# code, name, region, type; made up, like everything in the demo
OTHERS = [
    ("DEMO4", "Demo Forest Mental Health NHS Trust", "Midlands", "mental-health"),
    ("DEMO5", "Demo Moor Ambulance Service NHS Trust", "Midlands", "ambulance"),
    ("DEMO6", "Demo River University Hospitals NHS Trust", "London", "acute"),
    ("DEMO7", "Demo Heath Community Services NHS Trust", "London", "community"),
    (
        "DEMO8",
        "Demo Dales Teaching Hospitals NHS Foundation Trust",
        "North East and Yorkshire",
        "acute",
    ),
    ("DEMO9", "Demo Bay Partnership NHS Foundation Trust", "North West", "mental-health-community"),
    ("DEMP1", "Demo Downs Hospitals NHS Trust", "South East", "acute-community"),
    (
        "DEMP2",
        "Demo Vale Children's Hospital NHS Foundation Trust",
        "South West",
        "acute-specialist",
    ),
    ("DEMP3", "Demo Fens Acute NHS Trust", "East of England", "acute"),
]
DEMO_TYPES = {"DEMO1": "acute-community", "DEMO2": "community", "DEMO3": "acute"}
YEARS = 5


def seed(trusts: list, password: str, domain: str, today: date | None = None) -> dict:
    """`trusts`: (organisation, staff headcount) of the demo trusts made from staff records."""
    today = today or date.today()
    last = year_containing(today).year - 1
    for organisation, headcount in trusts:
        workforce.set_peer_group(
            organisation,
            DEMO_TYPES.get(organisation.code, ""),
            peer_groups.size_band_for(headcount),
            None,
        )
        # The demo's recruitment covers three WRES years: store and publish each as it closes.
        for year in range(last - 2, last + 1):
            if year_snapshots.stored(organisation.id, year) is None:
                year_snapshots.store(organisation.id, year)
            services.publish_year(organisation, year, today)
    rng = random.Random(2018)
    for code, name, region, kind in OTHERS:
        organisation = workforce.create_organisation(code, name, region)
        trust = synthetic.trust(rng)
        workforce.set_peer_group(
            organisation, kind, peer_groups.size_band_for(trust.headcount), None
        )
        for offset, year in enumerate(range(last - YEARS + 1, last + 1)):
            plain = synthetic.plain_counts(rng, trust, year, drift=0.01 * offset)
            doc = synthetic.published(code, year, plain)
            services.store(organisation, year, WresYear(year).snapshot, doc)
    code, name = NATIONAL_TEAM
    team = workforce.create_organisation(code, name)
    accounts.create_user(
        team.id, f"national@{domain}", [Role.NATIONAL_VIEWER], "National Analyst", password
    )
    return {"published_organisations": len(trusts) + len(OTHERS)}
