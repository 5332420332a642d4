"""The append-only audit trail, and the means to show nobody rewrote it.

Each entry carries an HMAC, keyed by AUDIT_KEY, over its id, its content and the HMAC of the entry
before it in the same organisation. The key is configuration, never stored in the database, so
someone who can write to the database but does not hold the key cannot edit, forge, move or
renumber an entry and recompute the chain: `verify_all()` names the first entry that does not fit.

A chain cannot show entries removed from its end, or all of it. So signed checkpoints (an
organisation's number of entries and its newest HMAC, at a moment) are written to their own table
and appended to a file outside the database, on every `flask audit verify` and every night, and the
trail must still contain exactly what each checkpoint recorded. Entries written after the newest
checkpoint are protected by the chain but not yet against removal from the end.

The database refuses UPDATE, DELETE, TRUNCATE and INSERT OR REPLACE on both tables (migrations
0001 and 0007); the HMAC and the checkpoints are for someone who gets past that.
"""

import gzip
import hashlib
import hmac
import io
import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from flask import current_app
from sqlalchemy import (
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import bulk
from app.extensions import FoundationModel, db
from app.timeutil import to_london, utcnow

GENESIS = "0" * 64
CHECKPOINT_FILE = "audit-checkpoints.jsonl"


class AuditTrailBroken(RuntimeError):
    """verify found a problem, so no checkpoint may be signed over what is there now."""


class AuditEvent(FoundationModel):
    __tablename__ = "audit_event"
    # Every entry reads the head of its organisation's chain (the latest id): on PostgreSQL an
    # index on organisation_id alone sorts the whole chain for that, once per entry.
    __table_args__ = (Index("ix_audit_event_org_chain", "organisation_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Looked up through ix_audit_event_org_chain, which leads with it.
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor_label: Mapped[str] = mapped_column(String(254))  # kept if the user is later removed
    action: Mapped[str] = mapped_column(String(80), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(Text, default="{}")  # JSON
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))  # HMAC-SHA256 (hex) keyed by AUDIT_KEY

    actor = relationship("User")

    @property
    def detail_dict(self) -> dict[str, Any]:
        return json.loads(self.detail)


class AuditCheckpoint(FoundationModel):
    """A signed statement: at `created_at` this organisation's trail had `entries` entries, the
    newest with HMAC `head`. No foreign key: the statement must outlive whatever it is about."""

    __tablename__ = "audit_checkpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(Integer, index=True)
    entries: Mapped[int] = mapped_column(Integer)
    head: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    mac: Mapped[str] = mapped_column(String(64))


class AuditAttachment(FoundationModel):
    """The per-row changes of one audited operation (an import), compressed: gzip of one JSON
    object per line. Its SHA-256 is in the detail of the entry it belongs to, which the chain
    signs, so the attachment cannot be edited or swapped without `verify_all` saying so."""

    __tablename__ = "audit_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign key to the entry: like the trail's own tables, an attachment must stand (and
    # be checked) on its own, and a key would change how TRUNCATE of the trail is refused.
    audit_event_id: Mapped[int] = mapped_column(Integer, unique=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    rows: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))


def _line_encoder():
    """json.JSONEncoder(default=str, separators=(",", ":")).encode, with the C encoder made
    once rather than once a line (which costs more than the line)."""
    encoder = json.JSONEncoder(default=str, separators=(",", ":"))
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return encoder.encode
    encode = make(
        {},
        encoder.default,
        json.encoder.encode_basestring_ascii,
        None,
        encoder.key_separator,
        encoder.item_separator,
        False,
        False,
        True,
    )
    return lambda change: "".join(encode(change, 0))


class ChangeLog:
    """Per-row changes written straight into a compressed buffer, so a million rows cost a few
    megabytes however many there are."""

    BLOCK = 5000

    def __init__(self) -> None:
        self.rows = 0
        self._pending: list[dict[str, Any]] = []
        self._buffer = io.BytesIO()
        self._gzip = gzip.GzipFile(fileobj=self._buffer, mode="wb", compresslevel=1, mtime=0)
        self._encode = _line_encoder()

    def add(self, change: dict[str, Any]) -> None:
        self._pending.append(change)
        self.rows += 1
        if len(self._pending) >= self.BLOCK:
            self._write()

    def _write(self) -> None:
        if self._pending:
            encode = self._encode
            self._gzip.write(("\n".join(map(encode, self._pending)) + "\n").encode())
            self._pending.clear()

    def close(self) -> bytes:
        self._write()
        self._gzip.close()
        return self._buffer.getvalue()


def record_with_changes(
    organisation_id: int,
    actor,
    action: str,
    object_type: str,
    object_id: int | None,
    detail: dict[str, Any],
    changes: ChangeLog,
) -> AuditEvent:
    """One entry for a whole operation, with its per-row changes as one compressed attachment
    whose hash the entry carries (and the chain signs)."""
    content, detail = _with_changes(detail, changes)
    event = record(organisation_id, actor, action, object_type, object_id, detail)
    _attach(event.id, organisation_id, changes.rows, content, detail["changes"]["sha256"])
    return event


def append_with_changes(
    organisation_id: int,
    actor,
    action: str,
    object_type: str,
    object_id: int | None,
    detail: dict[str, Any],
    changes: ChangeLog,
) -> int:
    """`record_with_changes` as SQL, with no mapped object (see `append`). Returns the id."""
    content, detail = _with_changes(detail, changes)
    event_id = append(organisation_id, actor, action, object_type, object_id, detail)
    _attach(event_id, organisation_id, changes.rows, content, detail["changes"]["sha256"])
    return event_id


def _with_changes(detail: dict[str, Any], changes: ChangeLog) -> tuple[bytes, dict[str, Any]]:
    content = changes.close()
    digest = hashlib.sha256(content).hexdigest()
    return content, {
        **detail,
        "changes": {"rows": changes.rows, "sha256": digest, "format": "gzip jsonl"},
    }


def _attach(event_id: int, organisation_id: int, rows: int, content: bytes, digest: str) -> None:
    db.session.execute(
        insert(AuditAttachment.__table__).values(
            audit_event_id=event_id,
            organisation_id=organisation_id,
            rows=rows,
            content=content,
            sha256=digest,
        )
    )


def changes_of(event: AuditEvent) -> list[dict[str, Any]]:
    """The per-row changes attached to an entry (empty when it has none)."""
    attachment = db.session.scalar(
        select(AuditAttachment).where(AuditAttachment.audit_event_id == event.id)
    )
    if attachment is None:
        return []
    return [json.loads(line) for line in gzip.decompress(attachment.content).splitlines()]


def _attachment_problems(organisation_id: int) -> list[str]:
    """Attachments whose content no longer hashes to what their signed entry says."""
    problems = []
    found = db.session.execute(
        select(AuditEvent.id, AuditEvent.detail, AuditAttachment.content)
        .join(AuditAttachment, AuditAttachment.audit_event_id == AuditEvent.id)
        .where(AuditEvent.organisation_id == organisation_id)
        .execution_options(yield_per=10)
    )
    for event_id, detail, content in found:
        signed = (json.loads(detail).get("changes") or {}).get("sha256")
        if signed != hashlib.sha256(content).hexdigest():
            problems.append(
                f"the changes attached to audit entry {event_id} are not the ones it recorded: "
                "they were edited or replaced."
            )
    return problems


def _key() -> bytes:
    return current_app.config["AUDIT_KEY"].encode()


def _sign(parts: list) -> str:
    payload = json.dumps(parts, separators=(",", ":"))
    return hmac.new(_key(), payload.encode(), hashlib.sha256).hexdigest()


def _mac(event: AuditEvent) -> str:
    return _sign(
        [
            event.id,
            event.prev_hash,
            event.organisation_id,
            event.actor_id,
            event.actor_label,
            event.action,
            event.object_type,
            event.object_id,
            event.detail,
            event.reason,
            event.created_at.isoformat(timespec="microseconds"),
        ]
    )


def _checkpoint_mac(organisation_id: int, entries: int, head: str, created_at: datetime) -> str:
    moment = created_at.isoformat(timespec="microseconds")
    return _sign(["checkpoint", organisation_id, entries, head, moment])


def lock_chain(organisation_id: int) -> None:
    """Serialise appends per organisation so two transactions never fork the chain.

    SQLite already serialises writers (BEGIN IMMEDIATE); PostgreSQL takes an advisory lock that
    ends with the transaction. Versioned saves take it before their row (app/versioning.py), so
    every transaction takes this lock first and row locks after, and none wait on each other in
    a circle.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            text("SELECT pg_advisory_xact_lock(:space, :key)"),
            {"space": 7_201, "key": organisation_id},
        )


def _next_id() -> int:
    """The entry's id before it is inserted, because the id is part of what is signed.

    Taken after the chain's lock, so ids rise along each organisation's chain.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        return db.session.scalar(
            text("SELECT nextval(pg_get_serial_sequence('audit_event', 'id'))")
        )
    # SQLite: this transaction began with BEGIN IMMEDIATE, so no other writer can take it first.
    return (db.session.scalar(select(func.max(_EVENTS.c.id))) or 0) + 1


# The trail's table, for reading and writing as SQL: a statement naming a mapped class's
# attribute sets SQLAlchemy's mappers up first, every model's (0.05 s of a command that
# otherwise touches no mapped object, such as re-importing an unchanged staff file).
_EVENTS = AuditEvent.__table__


def _head(organisation_id: int) -> str:
    """The HMAC of the organisation's newest entry, or GENESIS."""
    return (
        db.session.scalar(
            select(_EVENTS.c.hash)
            .where(_EVENTS.c.organisation_id == organisation_id)
            .order_by(_EVENTS.c.id.desc())
            .limit(1)
        )
        or GENESIS
    )


def _entry(
    organisation_id: int,
    actor,
    action: str,
    object_type: str,
    object_id: int | None,
    detail: dict[str, Any] | None,
    reason: str | None,
) -> SimpleNamespace:
    """The next entry of the organisation's chain, signed, with the values an AuditEvent holds
    (the chain's lock taken)."""
    lock_chain(organisation_id)
    event = SimpleNamespace(
        id=None,
        organisation_id=organisation_id,
        actor_id=getattr(actor, "id", None),
        actor_label=getattr(actor, "email", None) or "command line",
        action=action,
        object_type=object_type,
        object_id=object_id,
        detail=json.dumps(detail or {}, sort_keys=True, default=str),
        reason=reason,
        created_at=None,
        prev_hash=_head(organisation_id),
    )
    event.id = _next_id()
    event.created_at = utcnow()
    event.hash = _mac(event)
    return event


def record(
    organisation_id: int,
    actor,
    action: str,
    object_type: str,
    object_id: int | None = None,
    detail: dict[str, Any] | None = None,
    reason: str | None = None,
) -> AuditEvent:
    """Append an entry. `actor` is a User, or None for the command line and scheduled jobs."""
    event = AuditEvent(
        **vars(_entry(organisation_id, actor, action, object_type, object_id, detail, reason))
    )
    db.session.add(event)
    db.session.flush()
    return event


def append(
    organisation_id: int,
    actor,
    action: str,
    object_type: str,
    object_id: int | None = None,
    detail: dict[str, Any] | None = None,
    reason: str | None = None,
) -> int:
    """`record` as SQL, with no mapped object: the same entry, chained and signed the same way.
    Returns its id. For commands that touch no mapped object otherwise (see _EVENTS)."""
    event = _entry(organisation_id, actor, action, object_type, object_id, detail, reason)
    db.session.execute(insert(_EVENTS).values(vars(event)))
    return event.id


def record_many(
    organisation_id: int, actor, entries: list[tuple[str, str, int | None, dict, str | None]]
) -> int:
    """Append many entries at once, chained exactly as `record` chains them: (action,
    object_type, object_id, detail, reason) each. One lock, one look at the chain's head, one
    block of ids and one multi-row INSERT, so an import that touches thousands of panels
    audits them in a moment. Returns how many were written."""
    if not entries:
        return 0
    lock_chain(organisation_id)
    previous = _head(organisation_id)
    if db.session.get_bind().dialect.name == "postgresql":
        ids = list(
            db.session.scalars(
                text(
                    "SELECT nextval(pg_get_serial_sequence('audit_event', 'id')) "
                    "FROM generate_series(1, :n)"
                ),
                {"n": len(entries)},
            )
        )
    else:
        first = _next_id()
        ids = list(range(first, first + len(entries)))
    actor_id = getattr(actor, "id", None)
    actor_label = getattr(actor, "email", None) or "command line"
    now = utcnow()
    columns = (
        "id",
        "organisation_id",
        "actor_id",
        "actor_label",
        "action",
        "object_type",
        "object_id",
        "detail",
        "reason",
        "created_at",
        "prev_hash",
        "hash",
    )
    rows = []
    for event_id, (action, object_type, object_id, detail, reason) in zip(
        sorted(ids), entries, strict=True
    ):
        # The values an AuditEvent would hold, signed as `record` signs them; a mapped object
        # per entry costs more than the entry.
        event = SimpleNamespace(
            id=event_id,
            organisation_id=organisation_id,
            actor_id=actor_id,
            actor_label=actor_label,
            action=action,
            object_type=object_type,
            object_id=object_id,
            detail=json.dumps(detail or {}, sort_keys=True, default=str),
            reason=reason,
            created_at=now,
            prev_hash=previous,
        )
        previous = event.hash = _mac(event)
        rows.append({column: getattr(event, column) for column in columns})
    db.session.flush()
    bulk.insert_rows(AuditEvent.__table__, rows)
    return len(rows)


# Verifying


@dataclass
class Trail:
    """What one organisation's trail holds now."""

    organisation_id: int
    entries: int = 0
    head: str = GENESIS
    first_bad: int | None = None  # id of the first entry that does not fit the chain
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Checkpoint:
    organisation_id: int
    entries: int
    head: str
    created_at: datetime
    mac: str

    @property
    def signed(self) -> bool:
        expected = _checkpoint_mac(self.organisation_id, self.entries, self.head, self.created_at)
        return hmac.compare_digest(expected, self.mac)

    def as_line(self) -> str:
        return json.dumps(
            {
                "organisation_id": self.organisation_id,
                "entries": self.entries,
                "head": self.head,
                "created_at": self.created_at.isoformat(timespec="microseconds"),
                "mac": self.mac,
            },
            separators=(",", ":"),
        )


@dataclass
class Report:
    trails: dict[int, Trail]
    problems: list[str]  # about the checkpoints themselves
    checkpoints: list[Checkpoint]

    @property
    def intact(self) -> bool:
        return not self.problems and not any(t.problems for t in self.trails.values())


def checkpoint_path() -> Path:
    return Path(current_app.config["AUDIT_CHECKPOINT_DIR"]) / CHECKPOINT_FILE


def _walk(organisation_id: int, positions: set[int]) -> tuple[Trail, dict[int, str]]:
    """Check every entry's HMAC and link; note the HMAC at each position a checkpoint names."""
    trail = Trail(organisation_id)
    at: dict[int, str] = {}
    expected_prev = GENESIS
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.organisation_id == organisation_id)
        .order_by(AuditEvent.id)
        .execution_options(yield_per=1000)
    )
    with events:
        for event in events:
            trail.entries += 1
            if trail.first_bad is None and (
                event.prev_hash != expected_prev
                or not hmac.compare_digest(_mac(event), event.hash or "")
            ):
                trail.first_bad = event.id
            expected_prev = trail.head = event.hash
            if trail.entries in positions:
                at[trail.entries] = event.hash
    return trail, at


def verify_chain(organisation_id: int) -> int | None:
    """The id of the first entry that does not fit the chain, or None when it is intact."""
    return _walk(organisation_id, set())[0].first_bad


def _when(moment: datetime) -> str:
    return f"{to_london(moment):%d %B %Y %H:%M}"


def _file_checkpoints(problems: list[str]) -> list[Checkpoint]:
    path = checkpoint_path()
    if not path.exists():
        return []
    found = []
    with path.open(encoding="utf-8", errors="replace") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
                found.append(
                    Checkpoint(
                        int(raw["organisation_id"]),
                        int(raw["entries"]),
                        str(raw["head"]),
                        datetime.fromisoformat(raw["created_at"]),
                        str(raw["mac"]),
                    )
                )
            except (ValueError, KeyError, TypeError):
                problems.append(f"Line {number} of the checkpoint file {path} cannot be read.")
    return found


def _table_checkpoints() -> list[Checkpoint]:
    return [
        Checkpoint(row.organisation_id, row.entries, row.head, row.created_at, row.mac)
        for row in db.session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id))
    ]


def verify_all() -> Report:
    """Every organisation's chain, held to every signed checkpoint in the table and the file."""
    problems: list[str] = []
    in_file = _file_checkpoints(problems)
    in_table = _table_checkpoints()
    file_set = set(in_file)
    missing_from_file = [c for c in in_table if c not in file_set]
    if missing_from_file:
        problems.append(
            f"The checkpoint file {checkpoint_path()} lacks {len(missing_from_file)} "
            f"checkpoint(s) the database holds (the newest from "
            f"{_when(missing_from_file[-1].created_at)}): the file was edited, replaced or "
            "removed, or AUDIT_CHECKPOINT_DIR points somewhere else."
        )
    checkpoints = []
    for checkpoint in dict.fromkeys(in_file + in_table):
        if checkpoint.signed:
            checkpoints.append(checkpoint)
        else:
            problems.append(
                f"A checkpoint dated {_when(checkpoint.created_at)} for organisation "
                f"#{checkpoint.organisation_id} has a signature that does not match: it was "
                "forged or edited (or AUDIT_KEY has changed)."
            )

    organisation_ids = set(db.session.scalars(text("SELECT id FROM organisation")).all()) | set(
        db.session.scalars(select(AuditEvent.organisation_id).distinct()).all()
    )
    organisation_ids |= {c.organisation_id for c in checkpoints}
    trails = {}
    for organisation_id in sorted(organisation_ids):
        mine = [c for c in checkpoints if c.organisation_id == organisation_id]
        trail, at = _walk(organisation_id, {c.entries for c in mine})
        if trail.first_bad is not None:
            trail.problems.append(
                f"audit entry {trail.first_bad} has been changed, forged, moved or renumbered, "
                "or an entry before it removed; the chain is broken from there."
            )
        trail.problems += _attachment_problems(organisation_id)
        longest = max(mine, key=lambda c: c.entries, default=None)
        if longest is not None and trail.entries < longest.entries:
            trail.problems.append(
                f"The trail has {trail.entries} entries but the checkpoint of "
                f"{_when(longest.created_at)} recorded {longest.entries}: entries were removed."
            )
        rewritten = sorted(
            (c for c in mine if c.entries in at and at[c.entries] != c.head),
            key=lambda c: c.entries,
        )
        if rewritten:
            trail.problems.append(
                f"Entry number {rewritten[0].entries} is not the one the checkpoint of "
                f"{_when(rewritten[0].created_at)} recorded: the trail was rewritten."
            )
        trails[organisation_id] = trail
    return Report(trails, problems, checkpoints)


def write_checkpoints(report: Report) -> int:
    """Sign what an intact trail holds now: to the file first, then the table (the caller
    commits). A failed commit leaves a true statement in the file, which does no harm."""
    if not report.intact:
        raise AuditTrailBroken("The audit trail is not intact; no checkpoint was written.")
    newest = {}
    for checkpoint in report.checkpoints:
        newest[checkpoint.organisation_id] = max(
            newest.get(checkpoint.organisation_id, checkpoint),
            checkpoint,
            key=lambda c: c.entries,
        )
    now = utcnow()
    new = []
    for trail in report.trails.values():
        last = newest.get(trail.organisation_id)
        unchanged = last is not None and (last.entries, last.head) == (trail.entries, trail.head)
        if trail.entries == 0 or unchanged:
            continue  # nothing new to vouch for
        mac = _checkpoint_mac(trail.organisation_id, trail.entries, trail.head, now)
        new.append(Checkpoint(trail.organisation_id, trail.entries, trail.head, now, mac))
    if not new:
        return 0
    path = checkpoint_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(descriptor, "a", encoding="utf-8") as out:
        out.write("".join(c.as_line() + "\n" for c in new))
        out.flush()
        os.fsync(out.fileno())
    for c in new:
        db.session.add(
            AuditCheckpoint(
                organisation_id=c.organisation_id,
                entries=c.entries,
                head=c.head,
                created_at=c.created_at,
                mac=c.mac,
            )
        )
    db.session.flush()
    return len(new)


def checkpoint_job() -> dict[str, int]:
    """Nightly, beside the metric snapshots: verify, then sign what is there. A broken trail
    fails the job (logged) rather than being signed."""
    report = verify_all()
    if not report.intact:
        details = report.problems + [p for t in report.trails.values() for p in t.problems]
        raise AuditTrailBroken("The audit trail is not intact: " + " ".join(details))
    return {"checkpoints": write_checkpoints(report)}
