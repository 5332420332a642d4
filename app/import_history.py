"""The history of file imports, every kind in one table: who, when, which file, what changed."""

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, insert, update
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import FoundationModel, db
from app.timeutil import utcnow

IMPORT_KINDS = {
    "staff": "Staff (ESR)",
    "recruitment": "Recruitment outcomes",
    "panels": "Panel members",
    "mentoring": "Mentoring relationships",
    "survey": "Staff survey results",
    "disciplinary": "Disciplinary cases",
    "training": "Training records",
}


class _Counted:
    """What an import's counts say, for a DataImport and an ImportRecord alike."""

    @property
    def rows(self) -> int:
        return self.rows_added + self.rows_updated + self.rows_unchanged

    @property
    def summary(self) -> str:
        counts = (
            f"{self.rows} rows: {self.rows_added} added, {self.rows_updated} updated, "
            f"{self.rows_unchanged} unchanged"
        )
        return f"{counts}; {self.date_formats}" if self.date_formats else counts


class DataImport(_Counted, FoundationModel):
    __tablename__ = "data_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20), default="staff")
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    source: Mapped[str] = mapped_column(String(20))  # "upload", "command line", "demo data"
    filename: Mapped[str] = mapped_column(String(255))
    rows_added: Mapped[int] = mapped_column(Integer, default=0)
    rows_updated: Mapped[int] = mapped_column(Integer, default=0)
    rows_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    imported_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Staff extracts only: the date the extract describes, from which its changes take effect.
    as_at: Mapped[date | None] = mapped_column(Date)
    # How the file's dates were read ("dates read as DD/MM/YYYY (UK)"), so nobody has to guess
    # whether 01/09/2016 became September or January.
    date_formats: Mapped[str | None] = mapped_column(String(80))
    # Staff extracts only: BLAKE2 of the organisation's code and the file's bytes (migration
    # 0026_file_digest).
    file_digest: Mapped[str | None] = mapped_column(String(32))

    imported_by = relationship("User")


def finish_import(record: DataImport, actor, changes=None, **detail) -> DataImport:
    """Flush the import's changes and put it in the audit trail with its counts: one entry per
    import, with the per-row changes (an `audit.ChangeLog`) as its compressed attachment."""
    db.session.flush()
    _audit_import(record, actor, changes, detail, mapped=True)
    return record


def start_import(organisation_id: int, kind: str, filename: str, source: str, actor) -> DataImport:
    record = DataImport(
        organisation_id=organisation_id,
        kind=kind,
        filename=filename[:255],
        source=source,
        imported_by_id=getattr(actor, "id", None),
    )
    db.session.add(record)
    db.session.flush()
    return record


class ImportRecord(_Counted):
    """A data_import row written as SQL (`begin_import`), with the attributes of a DataImport
    an import's callers read. An import that uses it touches no mapped object: naming one sets
    up every model's mapper first, 0.05 s of a command that re-imports an unchanged file."""

    __slots__ = (
        "as_at",
        "date_formats",
        "file_digest",
        "filename",
        "id",
        "imported_at",
        "imported_by_id",
        "kind",
        "organisation_id",
        "rows_added",
        "rows_unchanged",
        "rows_updated",
        "source",
    )

    def __init__(self, **values):
        for name in self.__slots__:
            setattr(self, name, values.get(name))


def begin_import(
    organisation_id: int,
    kind: str,
    filename: str,
    source: str,
    actor,
    as_at: date | None = None,
    date_formats: str | None = None,
    file_digest: str | None = None,
) -> ImportRecord:
    """`start_import` as SQL: the row written, its id known, no mapped object."""
    record = ImportRecord(
        organisation_id=organisation_id,
        kind=kind,
        filename=filename[:255],
        source=source,
        imported_by_id=getattr(actor, "id", None),
        imported_at=utcnow(),
        as_at=as_at,
        date_formats=date_formats,
        file_digest=file_digest,
        rows_added=0,
        rows_updated=0,
        rows_unchanged=0,
    )
    values = {name: getattr(record, name) for name in ImportRecord.__slots__ if name != "id"}
    table = DataImport.__table__
    # Whatever the session holds is written first, as start_import's flush writes it (a flush
    # with nothing to write sets no mapper up).
    db.session.flush()
    record.id = db.session.execute(insert(table).values(values).returning(table.c.id)).scalar_one()
    return record


def end_import(record: ImportRecord, actor, changes=None, **detail) -> ImportRecord:
    """`finish_import` for an ImportRecord: its counts written, and the same audit entry."""
    table = DataImport.__table__
    db.session.flush()
    db.session.execute(
        update(table)
        .where(table.c.id == record.id)
        .values(
            rows_added=record.rows_added,
            rows_updated=record.rows_updated,
            rows_unchanged=record.rows_unchanged,
        )
    )
    _audit_import(record, actor, changes, detail, mapped=False)
    return record


def _audit_import(record, actor, changes, detail: dict, mapped: bool) -> None:
    """The import's one audit entry, with its change lines attached when it has any: as a
    mapped AuditEvent (`audit.record`) or as SQL (`audit.append`, for imports that touch no
    mapped object)."""
    from app import audit

    # Imports write with multi-row statements past the ORM: objects loaded before are stale.
    db.session.expire_all()
    entry = (record.organisation_id, actor, f"{record.kind}.imported", "data_import", record.id)
    summary = _audit_summary(record, detail)
    if changes is not None and changes.rows:
        attach = audit.record_with_changes if mapped else audit.append_with_changes
        attach(*entry, summary, changes)
    else:
        (audit.record if mapped else audit.append)(*entry, summary)


def _audit_summary(record, detail: dict) -> dict:
    return {
        "file": record.filename,
        "added": record.rows_added,
        "updated": record.rows_updated,
        "unchanged": record.rows_unchanged,
        **detail,
    }
