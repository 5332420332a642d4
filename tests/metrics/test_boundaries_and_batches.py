"""Issue 10: exact classification at the bounds, withdrawn applicants, batches across bands."""

import json
from datetime import date

import pytest

from app.recruitment.models import Applicant, Application, Batch
from tests.metrics.conftest import BME, WHITE, _applications, _vacancy


def _json(runner, *args):
    result = runner.invoke(args=[*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    ("white", "bme"),
    [
        ((20, 12), (20, 15)),  # 0.60 / 0.75 = 0.80 exactly; floats say 0.7999999999999999
        ((20, 15), (20, 12)),  # 1.25 exactly
        ((3, 2), (6, 5)),  # 2/3 vs 5/6 = 0.80
        ((6, 5), (3, 2)),  # 5/6 vs 2/3 = 1.25; floats say 1.2500000000000002
        ((2, 1), (8, 5)),  # 1/2 vs 5/8 = 0.80
        ((8, 5), (2, 1)),  # 5/8 vs 1/2 = 1.25
    ],
)
def test_exact_bounds_are_non_adverse(db, organisation, runner, white, bme):
    vacancy = _vacancy(db, organisation, "V-EDGE", "5", "non-clinical", date(2025, 6, 1))
    _applications(db, vacancy, WHITE, *white)
    _applications(db, vacancy, BME, *bme)
    db.session.commit()
    document = _json(runner, "metrics", "indicator2", "--year", "2026")
    assert document["classification"] == "non-adverse", document
    assert round(document["relative_likelihood"], 2) in (0.80, 1.25)


def test_withdrawn_applicants_are_in_neither_count_and_reported_beside(db, organisation, runner):
    vacancy = _vacancy(db, organisation, "V-W", "5", "non-clinical", date(2025, 6, 1))
    _applications(db, vacancy, WHITE, 10, 4, withdrawn=2)
    _applications(db, vacancy, BME, 10, 3, withdrawn=1)
    # A withdrawn applicant wrongly left marked appointed is still out of the appointed count.
    applicant = Applicant(organisation_id=organisation.id, reference="P-X", ethnic_category=BME)
    db.session.add(applicant)
    db.session.flush()
    db.session.add(
        Application(
            organisation_id=organisation.id,
            applicant_id=applicant.id,
            vacancy_id=vacancy.id,
            shortlisted=True,
            appointed=True,
            withdrawn=True,
        )
    )
    db.session.commit()
    document = _json(runner, "metrics", "indicator2", "--year", "2026")
    assert (document["white_shortlisted"], document["white_appointed"]) == (10, 4)
    assert (document["bme_shortlisted"], document["bme_appointed"]) == (10, 3)
    assert (document["white_withdrawn"], document["bme_withdrawn"]) == (2, 2)
    assert document["withdrawn"] == 4


BATCH_FILE = (
    "vacancy_reference,batch_reference,job_title,pay_band,staff_group,applicant_reference,"
    "ethnic_category,shortlisted,interviewed,appointed,decision_date\n"
    # appointed to the band 6 post: band 6
    "B-6,NURSES,Staff nurse,6,Clinical non-medical,A1,A,Y,Y,Y,2025-09-01\n"
    # appointed to the band 5 post: band 5
    "B-5,NURSES,Nurse,5,Clinical non-medical,A2,N,Y,Y,Y,2025-09-01\n"
    # not appointed, their row names the band 6 post: band 6 (the old code put them under 5,
    # the band of the batch's first vacancy)
    "B-6,NURSES,Staff nurse,6,Clinical non-medical,A3,N,Y,Y,N,2025-09-01\n"
    "B-6,NURSES,Staff nurse,6,Clinical non-medical,A4,N,Y,N,N,2025-09-01\n"
    # not appointed, no vacancy on the row but the band given: band 6
    ",NURSES,,6,Clinical non-medical,A5,A,Y,Y,N,2025-09-01\n"
)


def test_indicator2_by_band_for_a_batch_across_bands_5_and_6(db, organisation, runner, tmp_path):
    path = tmp_path / "batch.csv"
    path.write_text(BATCH_FILE)
    result = runner.invoke(args=["recruitment", "import", str(path)])
    assert result.exit_code == 0, result.output
    # Someone added to the batch on screen, with no band anywhere: a row of its own.
    batch = Batch.query.filter_by(reference="NURSES").one()
    applicant = Applicant(organisation_id=organisation.id, reference="A6", ethnic_category=BME)
    db.session.add(applicant)
    db.session.flush()
    db.session.add(
        Application(
            organisation_id=organisation.id,
            applicant_id=applicant.id,
            batch_id=batch.id,
            shortlisted=True,
            interviewed=True,
        )
    )
    db.session.commit()
    by_band = _json(runner, "metrics", "indicator2", "--year", "2026", "--by", "band")
    groups = {g["band"]: g for g in by_band["groups"]}
    assert list(groups) == ["5", "6", "batch-across-bands"]
    counts = {
        band: (
            g["white_shortlisted"],
            g["white_appointed"],
            g["bme_shortlisted"],
            g["bme_appointed"],
        )
        for band, g in groups.items()
    }
    assert counts == {
        "5": (0, 0, 1, 1),
        "6": (2, 1, 2, 0),
        "batch-across-bands": (0, 0, 1, 0),
    }
    whole = _json(runner, "metrics", "indicator2", "--year", "2026")
    assert (whole["white_shortlisted"], whole["bme_shortlisted"]) == (2, 4)  # one each
