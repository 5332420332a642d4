"""The example files (tests/data, copies of the README's examples) import into a freshly seeded
demo trust, as a newcomer following the README would try them; and the demo's vacancies have
job titles that fit their band."""

import random
from datetime import date

from sqlalchemy import func, select

from app import demo
from app.import_jobs import IMPORTERS, _resolve
from app.recruitment.demo import TITLES
from app.recruitment.models import Vacancy
from app.workforce import demo as workforce_demo
from app.workforce.models import Staff
from tests.conftest import EXAMPLES

# Staff first: every other example names people from the staff example.
ORDER = ["staff", "recruitment", "panels", "mentoring"]


def test_every_example_file_imports_into_the_demo_trust(db):
    seeded = workforce_demo.seed(400)
    organisation = seeded["organisation"]
    demo._records(organisation, random.Random(2019), date.today(), 20)
    db.session.commit()
    staff_before = db.session.scalar(select(func.count()).select_from(Staff))

    kinds = ORDER + sorted(k for k in IMPORTERS if k not in ORDER)
    imported = []
    for kind in kinds:
        example = EXAMPLES / f"{kind}.csv"
        if not example.exists():
            continue
        record = _resolve(IMPORTERS[kind])(
            organisation, example.read_bytes(), example.name, "upload", None
        )
        db.session.commit()
        # Accepted whole: the demo already has survey results, which the example updates.
        assert record.rows_added + record.rows_updated + record.rows_unchanged > 0, kind
        imported.append(kind)
    assert imported[:4] == ORDER
    assert db.session.scalar(select(func.count()).select_from(Staff)) > staff_before


def test_the_demo_trust_has_the_example_files_organisation_code():
    staff_example = (EXAMPLES / "staff.csv").read_text(encoding="utf-8-sig").splitlines()
    header = [h.strip().lower() for h in staff_example[0].split(",")]
    codes = {line.split(",")[header.index("organisation_code")] for line in staff_example[1:]}
    assert codes == {workforce_demo.ORG_CODE}


def test_demo_vacancy_titles_fit_their_band(db):
    organisation = workforce_demo.seed(400)["organisation"]
    demo._records(organisation, random.Random(2019), date.today(), 60)
    db.session.commit()
    fits = {
        band: {title for group in TITLES.values() for title in group[band]}
        for band in next(iter(TITLES.values()))
    }
    vacancies = db.session.execute(select(Vacancy.title, Vacancy.pay_band)).all()
    assert vacancies
    for title, band in vacancies:
        assert title in fits[band], (title, band)
    assert "Ward Sister" not in fits["3"] and "Physiotherapist" not in fits["VSM"]
