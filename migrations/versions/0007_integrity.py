"""audit trail keyed by AUDIT_KEY, signed checkpoints, TRUNCATE and INSERT OR REPLACE refused

Existing entries are re-chained: their unkeyed SHA-256 chain is checked first, then every entry
gets an HMAC (keyed by the application's AUDIT_KEY) over its id, content and the HMAC before it,
and each organisation's trail gets one more entry, `audit.rechained`, recording how many entries
were re-signed and whether the old chain was intact (and if not, the first entry that did not
fit). So a trail that had already been tampered with is not quietly laundered: the break stays
on record, inside the trail, signed. The downgrade puts the unkeyed chain back.

The digests are written out here rather than imported from app.audit, so this migration keeps
doing what it did when the application's code moves on.

Revision ID: 0007_integrity
Revises: 0005_metrics
Create Date: 2026-11-28 17:50:00

"""
import hashlib
import hmac
import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0007_integrity'
down_revision = '0006_sessions'
branch_labels = None
depends_on = None

GENESIS = "0" * 64
REFUSED = "the audit trail is append-only"

_events = sa.table(
    "audit_event",
    sa.column("id", sa.Integer),
    sa.column("organisation_id", sa.Integer),
    sa.column("actor_id", sa.Integer),
    sa.column("actor_label", sa.String),
    sa.column("action", sa.String),
    sa.column("object_type", sa.String),
    sa.column("object_id", sa.Integer),
    sa.column("detail", sa.Text),
    sa.column("reason", sa.Text),
    sa.column("created_at", sa.DateTime),
    sa.column("prev_hash", sa.String),
    sa.column("hash", sa.String),
)


def _content(row, prev_hash):
    return [
        prev_hash,
        row.organisation_id,
        row.actor_id,
        row.actor_label,
        row.action,
        row.object_type,
        row.object_id,
        row.detail,
        row.reason,
        row.created_at.isoformat(timespec="microseconds"),
    ]


def _sha(row, prev_hash):
    """The unkeyed digest of revisions 0001 to 0005."""
    payload = json.dumps(_content(row, prev_hash), separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def _hmac_signer():
    from flask import current_app

    key = current_app.config["AUDIT_KEY"].encode()

    def sign(row, prev_hash):
        payload = json.dumps([row.id, *_content(row, prev_hash)], separators=(",", ":"))
        return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()

    return sign


def _rows_by_organisation(bind):
    trails = {}
    for row in bind.execute(sa.select(_events).order_by(_events.c.organisation_id, _events.c.id)):
        trails.setdefault(row.organisation_id, []).append(row)
    return trails


def _lift_guard(bind):
    if bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_update")


def _restore_guard(bind):
    if bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only")
    else:
        op.execute(
            "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
            f"BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END"
        )


def _rewrite(bind, trails, sign):
    for rows in trails.values():
        prev = GENESIS
        for row in rows:
            new = sign(row, prev)
            bind.execute(
                _events.update()
                .where(_events.c.id == row.id)
                .values(prev_hash=prev, hash=new)
            )
            prev = new


def _next_id(bind):
    if bind.dialect.name == "postgresql":
        return bind.scalar(sa.text("SELECT nextval(pg_get_serial_sequence('audit_event', 'id'))"))
    return (bind.scalar(sa.select(sa.func.max(_events.c.id))) or 0) + 1


def _rechain_with_hmac(bind):
    trails = _rows_by_organisation(bind)
    if not trails:
        return
    sign = _hmac_signer()
    findings = {}
    for organisation_id, rows in trails.items():
        prev, first_bad = GENESIS, None
        for row in rows:
            if row.prev_hash != prev or _sha(row, prev) != row.hash:
                first_bad = row.id
                break
            prev = row.hash
        findings[organisation_id] = (len(rows), first_bad)
    _lift_guard(bind)
    _rewrite(bind, trails, sign)
    _restore_guard(bind)
    now = datetime.now(UTC).replace(tzinfo=None)
    for organisation_id, rows in trails.items():
        entries, first_bad = findings[organisation_id]
        prev = bind.scalar(
            sa.select(_events.c.hash)
            .where(_events.c.organisation_id == organisation_id)
            .order_by(_events.c.id.desc())
            .limit(1)
        )
        values = {
            "id": _next_id(bind),
            "organisation_id": organisation_id,
            "actor_id": None,
            "actor_label": "migration 0007_integrity",
            "action": "audit.rechained",
            "object_type": "audit_trail",
            "object_id": None,
            "detail": json.dumps(
                {
                    "entries": entries,
                    "earlier_chain_intact": first_bad is None,
                    "first_entry_not_fitting": first_bad,
                },
                sort_keys=True,
            ),
            "reason": "Entries re-signed with the audit key (HMAC) instead of a plain hash",
            "created_at": now,
            "prev_hash": prev,
        }
        values["hash"] = sign(_Values(values), prev)
        bind.execute(_events.insert().values(**values))


class _Values:
    """Attribute access to a dict, so a new entry is signed like a row read back."""

    def __init__(self, values):
        self.__dict__.update(values)


def _rechain_with_sha(bind):
    trails = _rows_by_organisation(bind)
    if not trails:
        return
    _lift_guard(bind)
    _rewrite(bind, trails, _sha)
    _restore_guard(bind)


def upgrade():
    op.create_table('audit_checkpoint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('entries', sa.Integer(), nullable=False),
    sa.Column('head', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('mac', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_checkpoint'))
    )
    with op.batch_alter_table('audit_checkpoint', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_checkpoint_organisation_id'), ['organisation_id'], unique=False)

    bind = op.get_bind()
    _rechain_with_hmac(bind)
    if bind.dialect.name == "postgresql":
        # The function from 0001 refuses whatever fires it; a statement trigger covers TRUNCATE,
        # including a TRUNCATE ... CASCADE that starts at another table.
        for table in ("audit_event", "audit_checkpoint"):
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()"
            )
        op.execute(
            "CREATE TRIGGER audit_checkpoint_append_only BEFORE UPDATE OR DELETE ON "
            "audit_checkpoint FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()"
        )
    else:
        # INSERT OR REPLACE deletes the row it collides with without firing DELETE triggers;
        # refusing an id that is already there stops it before that.
        for table in ("audit_event", "audit_checkpoint"):
            op.execute(
                f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} "
                f"WHEN EXISTS (SELECT 1 FROM {table} WHERE id = NEW.id) "
                f"BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END"
            )
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_checkpoint_no_{event.lower()} BEFORE {event} ON "
                f"audit_checkpoint BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END"
            )


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for table in ("audit_event", "audit_checkpoint"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP TRIGGER IF EXISTS audit_checkpoint_append_only ON audit_checkpoint")
    else:
        for name in (
            "audit_event_no_replace",
            "audit_checkpoint_no_replace",
            "audit_checkpoint_no_update",
            "audit_checkpoint_no_delete",
        ):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    _rechain_with_sha(bind)
    with op.batch_alter_table('audit_checkpoint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_checkpoint_organisation_id'))

    op.drop_table('audit_checkpoint')
