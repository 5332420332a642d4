"""The audit trail against someone with database access: every tampering is refused by the
database or reported by `flask audit verify` with a non-zero exit.

The attacker here can lift the database's guards (replica mode on PostgreSQL, dropping the
triggers on SQLite) but does not hold AUDIT_KEY, and cannot rewrite the checkpoint file.
"""

import gzip
import hashlib
import json
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app import audit
from app.audit import AuditCheckpoint, AuditEvent
from tests import factories

ENTRIES = 5


@pytest.fixture
def other(db):
    organisation = factories.OrganisationFactory(code="RXX", name="Other NHS Trust")
    db.session.commit()
    return organisation


@pytest.fixture
def trail(db, runner, organisation, other):
    """Five entries in each of two organisations, verified once (which signs a checkpoint)."""
    for number in range(1, ENTRIES + 1):
        for org in (organisation, other):
            audit.record(org.id, None, "test.entry", "thing", number, {"n": number})
    db.session.commit()
    first = runner.invoke(args=["audit", "verify"])
    assert first.exit_code == 0, first.output
    return {
        org.code: [e.id for e in AuditEvent.query.filter_by(organisation_id=org.id).order_by("id")]
        for org in (organisation, other)
    }


def _postgres(db) -> bool:
    return db.engine.dialect.name == "postgresql"


@contextmanager
def behind_the_products_back(app, db):
    """Lift the database's guards, as a database administrator could, for one transaction."""
    if _postgres(db):
        db.session.execute(text("SET LOCAL session_replication_role = replica"))
        yield
    else:
        guards = [
            (name, sql)
            for name, sql in app.config["TEST_SQLITE_TRIGGERS"]
            if name.startswith(("audit_event", "audit_checkpoint"))
        ]
        for name, _sql in guards:
            db.session.execute(text(f"DROP TRIGGER {name}"))
        yield
        for _name, sql in guards:
            db.session.execute(text(sql))
    db.session.commit()
    db.session.expire_all()


def _refused(runner, *expected):
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1, result.output
    for words in expected:
        assert words in result.stderr, result.stderr
    assert "no checkpoint was written" in result.stderr
    return result


def _sha(event: AuditEvent, prev_hash: str) -> str:
    """What an attacker without the key can compute: the plain hash the trail used to carry."""
    payload = json.dumps(
        [
            prev_hash,
            event.organisation_id,
            event.actor_id,
            event.actor_label,
            event.action,
            event.object_type,
            event.object_id,
            event.detail,
            event.reason,
            event.created_at.isoformat(timespec="microseconds"),
        ],
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def test_an_intact_trail_verifies_and_is_signed_in_the_table_and_the_file(
    app, db, runner, trail, organisation, other
):
    checkpoints = AuditCheckpoint.query.all()
    assert sorted((c.organisation_id, c.entries) for c in checkpoints) == sorted(
        [(organisation.id, ENTRIES), (other.id, ENTRIES)]
    )
    lines = audit.checkpoint_path().read_text().splitlines()
    assert len(lines) == 2
    again = runner.invoke(args=["audit", "verify"])
    assert again.exit_code == 0
    assert "0 checkpoint(s) written" in again.output  # nothing new to vouch for


# The thirteen tamperings


def test_1_editing_one_entry(app, db, runner, trail):
    target = trail["RAB"][2]
    with behind_the_products_back(app, db):
        db.session.execute(
            text("UPDATE audit_event SET detail = '{\"n\": 99}' WHERE id = :id"), {"id": target}
        )
    _refused(runner, f"RAB: audit entry {target} has been changed")


def test_2_editing_an_entry_and_recomputing_every_later_hash(app, db, runner, trail):
    ids = trail["RAB"]
    with behind_the_products_back(app, db):
        db.session.execute(
            text("UPDATE audit_event SET reason = 'quietly edited' WHERE id = :id"), {"id": ids[1]}
        )
        prev = db.session.get(AuditEvent, ids[0]).hash
        for event_id in ids[1:]:
            event = db.session.get(AuditEvent, event_id)
            db.session.expire(event)
            new = _sha(event, prev)
            db.session.execute(
                text("UPDATE audit_event SET prev_hash = :p, hash = :h WHERE id = :id"),
                {"p": prev, "h": new, "id": event_id},
            )
            prev = new
    _refused(runner, f"RAB: audit entry {ids[1]} has been changed")


def test_3_deleting_the_newest_entry(app, db, runner, trail):
    with behind_the_products_back(app, db):
        db.session.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": trail["RAB"][-1]})
    _refused(runner, f"RAB: The trail has {ENTRIES - 1} entries but the checkpoint")


def test_4_deleting_the_newest_entries(app, db, runner, trail):
    with behind_the_products_back(app, db):
        for event_id in trail["RAB"][-3:]:
            db.session.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": event_id})
    _refused(runner, f"RAB: The trail has {ENTRIES - 3} entries", "entries were removed")


def test_5_deleting_an_entry_in_the_middle(app, db, runner, trail):
    ids = trail["RAB"]
    with behind_the_products_back(app, db):
        db.session.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": ids[2]})
    _refused(runner, f"RAB: audit entry {ids[3]} has been changed")


def test_6_deleting_one_organisations_whole_trail(app, db, runner, trail, other):
    with behind_the_products_back(app, db):
        db.session.execute(
            text("DELETE FROM audit_event WHERE organisation_id = :o"), {"o": other.id}
        )
    result = _refused(runner, "RXX: The trail has 0 entries but the checkpoint")
    assert "RAB: audit trail intact" in result.output


def test_7_truncate_is_refused_and_reported_when_forced(app, db, runner, trail):
    if not _postgres(db):
        pytest.skip("SQLite has no TRUNCATE; its DELETE without WHERE is refused (test_foundation)")
    for statement in (
        "TRUNCATE audit_event",
        "TRUNCATE audit_checkpoint",
        "TRUNCATE organisation CASCADE",  # reaches the trail through its foreign key
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()
    with behind_the_products_back(app, db):
        db.session.execute(text("TRUNCATE audit_event, audit_checkpoint"))
    _refused(runner, "RAB: The trail has 0 entries", "RXX: The trail has 0 entries")


def test_8_insert_or_replace_is_refused(app, db, runner, trail):
    target = trail["RAB"][1]
    columns = (
        "id, organisation_id, actor_id, actor_label, action, object_type, object_id, detail, "
        "reason, created_at, prev_hash, hash"
    )
    copy = columns.replace("detail,", "'{\"n\": 42}',")
    replace = (
        f"INSERT INTO audit_event ({columns}) SELECT {copy} FROM audit_event WHERE id = :id "  # noqa: S608
        "ON CONFLICT (id) DO UPDATE SET detail = excluded.detail"
        if _postgres(db)
        else f"INSERT OR REPLACE INTO audit_event ({columns}) "  # noqa: S608
        f"SELECT {copy} FROM audit_event WHERE id = :id"
    )
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text(replace), {"id": target})
    db.session.rollback()
    if not _postgres(db):
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(
                text(
                    "REPLACE INTO audit_checkpoint (id, organisation_id, entries, head, "
                    "created_at, mac) SELECT id, organisation_id, 0, head, created_at, mac "
                    "FROM audit_checkpoint"
                )
            )
        db.session.rollback()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def test_9_appending_a_forged_entry_with_a_recomputed_hash(app, db, runner, trail, organisation):
    head = db.session.get(AuditEvent, trail["RAB"][-1])
    forged = AuditEvent(
        organisation_id=organisation.id,
        actor_label="hr@example.nhs.uk",
        action="justification.accepted",
        object_type="justification",
        object_id=1,
        detail="{}",
        created_at=head.created_at,
        prev_hash=head.hash,
    )
    forged.hash = _sha(forged, head.hash)
    db.session.add(forged)  # appending needs no guard lifted: the table accepts INSERT
    db.session.commit()
    _refused(runner, f"RAB: audit entry {forged.id} has been changed, forged")


@pytest.mark.parametrize("how", ["renumber the newest", "swap two"])
def test_10_reordering_or_renumbering_ids(app, db, runner, trail, how):
    ids = trail["RAB"]
    with behind_the_products_back(app, db):
        if how == "renumber the newest":
            db.session.execute(
                text("UPDATE audit_event SET id = :new WHERE id = :id"),
                {"new": ids[-1] + 1000, "id": ids[-1]},
            )
        else:
            for old, new in ((ids[1], -1), (ids[2], ids[1]), (-1, ids[2])):
                db.session.execute(
                    text("UPDATE audit_event SET id = :new WHERE id = :id"), {"new": new, "id": old}
                )
    expected = ids[-1] + 1000 if how == "renumber the newest" else ids[1]
    _refused(runner, f"RAB: audit entry {expected} has been changed")


def test_11_changing_when_an_entry_was_made(app, db, runner, trail):
    target = trail["RAB"][3]
    with behind_the_products_back(app, db):
        event = db.session.get(AuditEvent, target)
        earlier = event.created_at.replace(year=event.created_at.year - 1)
        db.session.execute(
            text("UPDATE audit_event SET created_at = :at WHERE id = :id"),
            {"at": earlier, "id": target},
        )
    _refused(runner, f"RAB: audit entry {target} has been changed")


def test_12_moving_an_entry_to_another_organisation(app, db, runner, trail, other):
    target = trail["RAB"][-1]
    with behind_the_products_back(app, db):
        db.session.execute(
            text("UPDATE audit_event SET organisation_id = :o WHERE id = :id"),
            {"o": other.id, "id": target},
        )
    _refused(runner, "RAB: The trail has 4 entries", f"RXX: audit entry {target} has been changed")


def test_13_deleting_entries_and_the_checkpoint_rows_too(app, db, runner, trail):
    with behind_the_products_back(app, db):
        db.session.execute(text("DELETE FROM audit_checkpoint"))
        for event_id in trail["RAB"][-2:]:
            db.session.execute(text("DELETE FROM audit_event WHERE id = :id"), {"id": event_id})
    _refused(runner, f"RAB: The trail has {ENTRIES - 2} entries but the checkpoint")


# The checkpoints themselves


def test_a_checkpoint_file_that_lost_lines_is_reported(app, db, runner, trail):
    path = audit.checkpoint_path()
    path.write_text(path.read_text().splitlines(keepends=True)[0])
    _refused(runner, f"The checkpoint file {path} lacks 1 checkpoint(s)")


def test_a_forged_checkpoint_is_reported(app, db, runner, trail, organisation):
    newest = db.session.get(AuditEvent, trail["RAB"][-1])
    db.session.add(
        AuditCheckpoint(
            organisation_id=organisation.id,
            entries=ENTRIES + 50,
            head=newest.hash,
            created_at=newest.created_at,
            mac="0" * 64,
        )
    )
    db.session.commit()
    with Path(audit.checkpoint_path()).open("a") as out:
        out.write("not a checkpoint\n")
    _refused(runner, "signature that does not match", "cannot be read")


def test_the_nightly_job_signs_an_intact_trail_and_refuses_a_broken_one(
    app, db, runner, organisation
):
    audit.record(organisation.id, None, "test.entry", "thing", 1)
    db.session.commit()
    assert audit.checkpoint_job() == {"checkpoints": 1}
    db.session.commit()
    assert AuditCheckpoint.query.count() == 1
    with behind_the_products_back(app, db):
        db.session.execute(text("DELETE FROM audit_event"))
    with pytest.raises(audit.AuditTrailBroken, match="entries were removed"):
        audit.checkpoint_job()
    db.session.rollback()
    assert AuditCheckpoint.query.count() == 1


# The upgrade from the unkeyed chain


def _legacy_trail(connection, tampered: bool) -> None:
    connection.execute(
        text(
            "INSERT INTO organisation (id, code, name, created_at, region) "
            "VALUES (1, 'RAB', 'Example NHS Trust', '2026-01-01 00:00:00', '')"
        )
    )
    prev = audit.GENESIS
    for number in range(1, 4):
        event = AuditEvent(
            id=number,
            organisation_id=1,
            actor_id=None,
            actor_label="command line",
            action="test.entry",
            object_type="thing",
            object_id=number,
            detail=json.dumps({"n": number}),
            reason=None,
            created_at=datetime(2026, 1, number, 9, 0),
            prev_hash=prev,
        )
        digest = _sha(event, prev)
        if tampered and number == 2:
            event.detail = json.dumps({"n": 20})  # edited before the upgrade, hash left as it was
        connection.execute(
            text(
                "INSERT INTO audit_event (id, organisation_id, actor_id, actor_label, action, "
                "object_type, object_id, detail, reason, created_at, prev_hash, hash) VALUES "
                "(:id, 1, NULL, 'command line', 'test.entry', 'thing', :id, :detail, NULL, "
                ":created_at, :prev, :hash)"
            ),
            {
                "id": number,
                "detail": event.detail,
                "created_at": event.created_at,
                "prev": prev,
                "hash": digest,
            },
        )
        prev = digest


@pytest.mark.parametrize("tampered", [False, True])
def test_the_upgrade_re_signs_existing_entries_and_keeps_a_break_on_record(
    tmp_path, monkeypatch, tampered
):
    import flask_migrate

    from app import create_app
    from app.extensions import db as _db

    migrations = str(Path(__file__).resolve().parents[1] / "migrations")
    monkeypatch.setenv("TEST_DATABASE_URL", f"sqlite:///{tmp_path / 'upgrade.sqlite3'}")
    app = create_app("testing")
    app.config["AUDIT_CHECKPOINT_DIR"] = str(tmp_path)
    with app.app_context():
        flask_migrate.upgrade(directory=migrations, revision="0005_metrics")
        with _db.engine.begin() as connection:
            _legacy_trail(connection, tampered)
        flask_migrate.upgrade(directory=migrations)
        report = audit.verify_all()
        assert report.intact
        rechained = AuditEvent.query.filter_by(action="audit.rechained").one()
        assert rechained.detail_dict == {
            "entries": 3,
            "earlier_chain_intact": not tampered,
            "first_entry_not_fitting": 2 if tampered else None,
        }
        _db.session.remove()
        flask_migrate.downgrade(directory=migrations, revision="0005_metrics")
        with _db.engine.connect() as connection:
            rows = connection.execute(text("SELECT * FROM audit_event ORDER BY id")).all()
            assert (
                connection.execute(
                    text("SELECT count(*) FROM sqlite_master WHERE name = 'audit_checkpoint'")
                ).scalar()
                == 0
            )
        prev = audit.GENESIS
        for row in rows:  # the unkeyed chain is back, so the previous release can verify it
            event = AuditEvent(**{k: v for k, v in row._mapping.items()})
            event.created_at = datetime.fromisoformat(str(row.created_at))
            assert row.prev_hash == prev
            prev = _sha(event, prev)
            assert row.hash == prev
        _db.engine.dispose()


def test_an_import_is_one_entry_with_its_row_changes_attached_and_signed(db, organisation):
    from app.audit import AuditAttachment, changes_of, verify_all
    from app.recruitment.imports import import_recruitment

    header = "vacancy_reference,pay_band,applicant_reference,shortlisted,decision_date\n"
    rows = "".join(f"AV-{n // 5},5,AA-{n},{'Y' if n % 2 else 'N'},2025-06-01\n" for n in range(50))
    import_recruitment(organisation, (header + rows).encode(), "a.csv", "test")
    db.session.commit()
    entries = AuditEvent.query.filter_by(action="recruitment.imported").all()
    assert len(entries) == 1
    changes = changes_of(entries[0])
    assert len(changes) == 50 and entries[0].detail_dict["changes"]["rows"] == 50
    assert changes[0]["change"] == "added" and changes[0]["applicant_reference"] == "AA-0"
    assert verify_all().intact

    changed = rows.replace("AA-3,Y", "AA-3,N")
    import_recruitment(organisation, (header + changed).encode(), "b.csv", "test")
    db.session.commit()
    second = AuditEvent.query.filter_by(action="recruitment.imported").order_by(AuditEvent.id)
    assert changes_of(second.all()[1]) == [
        {
            "applicant_reference": "AA-3",
            "vacancy_reference": "AV-0",
            "batch_reference": "",
            "change": "updated",
            "fields": {"shortlisted": [True, False]},
        }
    ]

    # Someone with the database but not the key swaps the attachment: verify says so.
    attachment_id = AuditAttachment.query.first().id
    db.session.rollback()
    forged = gzip.compress(b'{"change": "nothing to see"}\n')
    with db.engine.begin() as connection:
        if db.engine.dialect.name == "postgresql":
            connection.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            connection.execute(text("DROP TRIGGER audit_attachment_no_update"))
        connection.execute(
            text("UPDATE audit_attachment SET content = :c WHERE id = :i"),
            {"c": forged, "i": attachment_id},
        )
    problems = [p for trail in verify_all().trails.values() for p in trail.problems]
    assert any("were edited or replaced" in p for p in problems)
