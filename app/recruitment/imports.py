"""Applying recruitment outcome and panel member files: all rows or none, matched on their
references so a second import of the same file changes nothing."""

from collections import defaultdict

from sqlalchemy import delete, func, select

from app import audit, bulk
from app.audit import lock_chain
from app.csvimport import (
    ImportRefused,
    Problem,
    describe_date_formats,
    noting_date_formats,
    reporting_progress,
)
from app.extensions import db
from app.import_history import (
    DataImport,
    ImportRecord,
    begin_import,
    end_import,
    finish_import,
    start_import,
)
from app.recruitment import events, files
from app.recruitment.models import Applicant, Application, Batch, Panel, PanelMember, Vacancy
from app.timeutil import today_london, utcnow
from app.workforce.models import Staff


def _by_reference(model, organisation_id: int, references: set[str]) -> dict:
    """ORM rows by reference, for the few lookups that need objects (panels' owners)."""
    found = {}
    for chunk in bulk.chunks(references):
        for row in db.session.scalars(
            select(model).where(
                model.organisation_id == organisation_id, bulk.among(model.reference, chunk)
            )
        ):
            found[row.reference] = row
    return found


def _rows_by_reference(table, organisation_id: int, references, columns) -> dict:
    """Plain rows (reference, id and `columns`) by reference, chunk by chunk."""
    return {
        row[0]: row
        for row in bulk.select_among(
            (table.c.reference, table.c.id, *(table.c[name] for name in columns)),
            table.c.reference,
            references,
            table.c.organisation_id == organisation_id,
        )
    }


def _insert_returning_ids(table, rows: list[dict]) -> dict[str, int]:
    """Insert rows that each have a reference; their new ids by reference."""
    if not rows:
        return {}
    return bulk.insert_returning(
        table, rows, "reference", table.c.organisation_id == rows[0]["organisation_id"]
    )


def _update_many(table, key: str, rows: list[dict]) -> None:
    bulk.update_rows(table, rows, key)


_OUTCOME = (
    "shortlisted",
    "interviewed",
    "appointed",
    "international_recruit",
    "appointed_vacancy_id",
    "pay_band",
    "staff_group",
)

# A new application's columns, as _apply_applications gives them.
_NEW_APPLICATION = (
    "organisation_id",
    "applicant_id",
    "vacancy_id",
    "batch_id",
    "withdrawn",
    "created_at",
    *_OUTCOME,
)


def import_recruitment(
    organisation, data: bytes, filename: str, source: str, actor=None
) -> DataImport:
    """Apply a recruitment outcomes file, all or nothing, in set-based chunks: references are
    looked up a chunk at a time, new rows inserted and changed rows updated with multi-row
    statements, and an application whose outcome is as the file says is left alone."""
    # First reading: every problem in the file, and what it says of each batch and vacancy
    # (in file order; validated consistent). Nothing is written unless there are none.
    file = files.RecruitmentFile(data, today_london())
    problems: list[Problem] = []
    checks = files.RecruitmentChecks(problems)
    batch_decisions: dict[str, object] = {}
    posts: dict[str, dict] = {}
    last = None
    with noting_date_formats() as formats:
        for row in file.rows(problems):
            checks.check(row)
            # What a row says of its batch and vacancy, again, changes nothing.
            post = (
                row.vacancy_reference,
                row.batch_reference,
                row.pay_band,
                row.job_title,
                row.staff_group,
                row.decision_date,
            )
            if post == last:
                continue
            last = post
            if row.batch_reference:
                if row.decision_date:
                    batch_decisions[row.batch_reference] = row.decision_date
                else:
                    batch_decisions.setdefault(row.batch_reference, None)
            if row.vacancy_reference:
                wanted = posts.setdefault(row.vacancy_reference, {"line": row.line})
                wanted["pay_band"] = row.pay_band
                if row.job_title:
                    wanted["title"] = row.job_title
                if row.staff_group:
                    wanted["staff_group"] = row.staff_group
                if row.batch_reference:
                    wanted["batch"] = row.batch_reference
                if row.decision_date:
                    wanted["decision_date"] = row.decision_date
    checks.finish()
    if problems:
        raise ImportRefused(problems)
    org_id = organisation.id
    record = start_import(org_id, "recruitment", filename, source, actor)
    record.date_formats = describe_date_formats(formats)
    db.session.flush()
    batch_t, vacancy_t = Batch.__table__, Vacancy.__table__

    batches = _rows_by_reference(batch_t, org_id, batch_decisions, ("status", "decision_date"))
    batch_ids = {ref: row.id for ref, row in batches.items()}
    batch_ids |= _insert_returning_ids(
        batch_t,
        [
            {
                "organisation_id": org_id,
                "reference": ref,
                "name": "",
                # A new owner's decision is written with it (_record_decisions then only notes it).
                "status": "decided" if day else "open",
                "decision_date": day,
                "version": 1,
                "created_at": utcnow(),
            }
            for ref, day in batch_decisions.items()
            if ref not in batch_ids
        ],
    )
    vacancies = _rows_by_reference(
        vacancy_t,
        org_id,
        posts,
        ("pay_band", "title", "staff_group", "batch_id", "status", "decision_date", "posts"),
    )
    vacancy_ids = {ref: row.id for ref, row in vacancies.items()}
    now = utcnow()
    vacancy_ids |= _insert_returning_ids(
        vacancy_t,
        [
            {
                "organisation_id": org_id,
                "reference": ref,
                "title": wanted.get("title", ""),
                "pay_band": wanted["pay_band"],
                "staff_group": wanted.get("staff_group"),
                "department": "",
                "status": "decided" if wanted.get("decision_date") else "open",
                "decision_date": wanted.get("decision_date"),
                "international_recruitment": False,
                "posts": 1,
                "batch_id": batch_ids.get(wanted.get("batch")),
                "version": 1,
                "created_at": now,
            }
            for ref, wanted in posts.items()
            if ref not in vacancy_ids
        ],
    )
    # A row whose vacancy this import changes counts as updated (the vacancy's first row).
    changed_lines: set[int] = set()
    vacancy_updates = []
    for ref, wanted in posts.items():
        current = vacancies.get(ref)
        if current is None:
            continue
        values = {"pay_band": wanted["pay_band"]}
        for name in ("title", "staff_group"):
            if name in wanted:
                values[name] = wanted[name]
        if "batch" in wanted:
            values["batch_id"] = batch_ids[wanted["batch"]]
        changes = {name: v for name, v in values.items() if getattr(current, name) != v}
        if changes:
            vacancy_updates.append({"_id": current.id, **changes})
            changed_lines.add(wanted["line"])
    _update_many(vacancy_t, "id", vacancy_updates)

    # Every applicant the file names, found or added (in the order the file first names them)
    # before the applications: then the applications of people new to the organisation, all a
    # first import's, go to the database in one stream as the file is read again.
    applications = _Applications(
        org_id, batch_ids, vacancy_ids, record, changed_lines, _applicants(org_id, checks)
    )
    del checks
    # Second reading: the applications, a chunk at a time (the file is known to be valid).
    # Progress was the first reading's: the page's count of rows read must not start again.
    with reporting_progress(lambda _line: None):
        applications.apply(bulk.chunks(file.rows([])))
    touched_vacancies, touched_batches = (
        applications.touched_vacancies,
        applications.touched_batches,
    )
    change_log = applications.change_log
    del applications

    # Decisions: a decision date in the file is the decision, and opens the justification check.
    decided_vacancies = {
        vacancy_ids[ref]: wanted["decision_date"]
        for ref, wanted in posts.items()
        if wanted.get("decision_date")
    }
    decided_batches = {
        batch_ids[ref]: day for ref, day in batch_decisions.items() if day is not None
    }
    _record_decisions(vacancy_t, vacancies.values(), decided_vacancies, touched_vacancies)
    _record_decisions(batch_t, batches.values(), decided_batches, touched_batches)
    db.session.flush()
    _fit_posts(org_id, list(vacancy_ids.values()))
    finish_import(record, actor, change_log)
    events.decisions_imported(
        org_id,
        sorted(v for v in touched_vacancies if v in decided_vacancies),
        sorted(b for b in touched_batches if b in decided_batches),
        actor,
    )
    return record


def _record_decisions(table, current_rows, decided: dict, touched: set[int]) -> None:
    """Set decision dates (and "decided" on open ones); a changed decision is a touched owner."""
    current = {row.id: row for row in current_rows}
    updates = []
    for owner_id, day in decided.items():
        row = current.get(owner_id)
        if row is None:  # new in this import, inserted decided
            touched.add(owner_id)
        elif row.decision_date != day or row.status == "open":
            status = "decided" if row.status == "open" else row.status
            updates.append({"_id": owner_id, "decision_date": day, "status": status})
            touched.add(owner_id)
    _update_many(table, "id", updates)


def _applicants(org_id: int, checks: files.RecruitmentChecks) -> tuple[dict, set, set]:
    """The id of every applicant the file names, by reference, adding those the organisation
    has not got (ids in the order the file first names them, with the first ethnic category
    the file gives them); the references of those it had already; and of those, the ones whose
    ethnic category the file changes (updated here: each of their rows counts as updated).
    The ids take the place of what the checks kept, in the checks' own table."""
    applicant_t = Applicant.__table__
    ids = checks.applicants()
    known: set[str] = set()
    changed: set[str] = set()
    for chunk in bulk.chunks(ids.items()):
        found = _rows_by_reference(
            applicant_t, org_id, [ref for ref, _ in chunk], ("ethnic_category",)
        )
        new, updates = [], []
        for ref, kept in chunk:
            ethnic = checks.first_ethnicity(kept)
            row = found.get(ref)
            if row is None:
                new.append(
                    {"organisation_id": org_id, "reference": ref, "ethnic_category": ethnic or "99"}
                )
                continue
            # A value replaced, none added: the table may change as it is read.
            ids[ref] = row.id
            known.add(ref)
            if ethnic and ethnic != row.ethnic_category:
                updates.append({"_id": row.id, "ethnic_category": ethnic})
                changed.add(ref)
        _update_many(applicant_t, "id", updates)
        for ref, applicant_id in _insert_returning_ids(applicant_t, new).items():
            ids[ref] = applicant_id
    return ids, known, changed


class _Applications:
    """The second reading's applications, a chunk of rows at a time. A chunk naming only
    people new to the organisation has no application to compare: its new applications join
    one COPY that runs on while the file is read, so the database writes them while the rest
    are read and worked out. A chunk naming someone the organisation had already closes it: its
    applications and their current outcomes are read first (the updates wait for a moment
    with no COPY open)."""

    def __init__(self, org_id, batch_ids, vacancy_ids, record, changed_lines, applicants):
        self.org_id, self.batch_ids, self.vacancy_ids = org_id, batch_ids, vacancy_ids
        self.record, self.changed_lines = record, changed_lines
        self.ids, self.known, self.ethnicity_changed = applicants
        self.touched_vacancies: set[int] = set()
        self.touched_batches: set[int] = set()
        self.change_log = audit.ChangeLog()
        self.outcome_updates: list[dict] = []
        # Of the chunk being applied: its applications that exist, by (applicant, vacancy,
        # batch).
        self.existing: dict[tuple, tuple] = {}
        self.now = utcnow()

    def apply(self, chunks) -> None:
        chunk = next(chunks, None)
        while chunk is not None:
            self._write_updates()
            self._look_up(chunk)

            def new_rows():
                nonlocal chunk
                while True:
                    yield from self._new_applications(chunk)
                    chunk = next(chunks, None)
                    if chunk is None or self._knows_someone(chunk):
                        return
                    self.existing = {}

            bulk.insert_values(Application.__table__, _NEW_APPLICATION, new_rows())
        self._write_updates()

    def _knows_someone(self, rows) -> bool:
        known = self.known
        return bool(known) and any(row.applicant_reference in known for row in rows)

    def _look_up(self, rows) -> None:
        """The applications of the chunk's applicants who were there before."""
        self.existing = {}
        if not self._knows_someone(rows):
            return
        application_t = Application.__table__
        ids, known = self.ids, self.known
        people = {ids[row.applicant_reference] for row in rows if row.applicant_reference in known}
        for found in bulk.select_among(
            (
                application_t.c.applicant_id,
                application_t.c.vacancy_id,
                application_t.c.batch_id,
                application_t.c.id,
                *(application_t.c[name] for name in _OUTCOME),
            ),
            application_t.c.applicant_id,
            sorted(people),
        ):
            self.existing[(found[0], found[1], found[2])] = found

    def _write_updates(self) -> None:
        _update_many(Application.__table__, "id", self.outcome_updates)
        self.outcome_updates = []

    def _new_applications(self, rows):
        """The chunk's new applications as rows to insert, noting every row's outcome as it
        goes."""
        batch_ids, vacancy_ids, ids = self.batch_ids, self.vacancy_ids, self.ids
        existing, ethnicity_changed = self.existing, self.ethnicity_changed
        changed_lines, change_log = self.changed_lines, self.change_log
        touched_batches, touched_vacancies = self.touched_batches, self.touched_vacancies
        org_id, now = self.org_id, self.now
        added = updated = unchanged = 0
        for row in rows:
            batch_id = batch_ids.get(row.batch_reference) if row.batch_reference else None
            vacancy_id = vacancy_ids.get(row.vacancy_reference) if row.vacancy_reference else None
            applicant_id = ids[row.applicant_reference]
            key = (applicant_id, None if batch_id is not None else vacancy_id, batch_id)
            # In _OUTCOME's order.
            outcome = (
                row.shortlisted,
                row.interviewed,
                row.appointed,
                row.international_recruit,
                vacancy_id if (batch_id is not None and row.appointed) else None,
                row.pay_band or None,
                row.staff_group,
            )
            found = existing.get(key)
            if found is None:
                yield (org_id, applicant_id, key[1], batch_id, False, now, *outcome)
                added += 1
                change_log.add(
                    {
                        "applicant_reference": row.applicant_reference,
                        "vacancy_reference": row.vacancy_reference,
                        "batch_reference": row.batch_reference,
                        "change": "added",
                        "values": dict(zip(_OUTCOME, outcome, strict=True)),
                    }
                )
            else:
                before = found[4:]
                if before == outcome:
                    if row.line in changed_lines or row.applicant_reference in ethnicity_changed:
                        updated += 1
                    else:
                        unchanged += 1
                        continue
                else:
                    changes = {
                        name: (old, new)
                        for name, old, new in zip(_OUTCOME, before, outcome, strict=True)
                        if old != new
                    }
                    self.outcome_updates.append(
                        {"_id": found.id, **{name: new for name, (_old, new) in changes.items()}}
                    )
                    change_log.add(
                        {
                            **_application_reference(row),
                            "change": "updated",
                            "fields": {name: list(pair) for name, pair in changes.items()},
                        }
                    )
                    updated += 1
            if batch_id is not None:
                touched_batches.add(batch_id)
            elif vacancy_id is not None:
                touched_vacancies.add(vacancy_id)
        self.record.rows_added += added
        self.record.rows_updated += updated
        self.record.rows_unchanged += unchanged


def _application_reference(row) -> dict:
    return {
        "applicant_reference": row.applicant_reference,
        "vacancy_reference": row.vacancy_reference,
        "batch_reference": row.batch_reference,
    }


def _fit_posts(org_id: int, vacancy_ids: list[int]) -> None:
    """A vacancy has at least as many posts as it has appointments. The organisation's
    appointments are counted in one grouped read of its appointed applications (about one in
    twelve, by index): counting them a chunk of the file's vacancies at a time read every
    application of each, 48 statements for a national file."""
    vacancy_t, application_t = Vacancy.__table__, Application.__table__
    # An appointment is to a vacancy, or to a batch with the vacancy it was to (never both).
    post = func.coalesce(application_t.c.appointed_vacancy_id, application_t.c.vacancy_id)
    appointed = bulk.mapping(
        post,
        func.count(),
        application_t.c.organisation_id == org_id,
        application_t.c.appointed,
        group_by=post,
    )
    mine = set(vacancy_ids)
    more = {vacancy_id: n for vacancy_id, n in appointed.items() if vacancy_id in mine and n > 1}
    if not more:
        return
    posts = bulk.mapping(vacancy_t.c.id, vacancy_t.c.posts, vacancy_t.c.organisation_id == org_id)
    _update_many(
        vacancy_t,
        "id",
        [
            {"_id": vacancy_id, "posts": count}
            for vacancy_id, count in more.items()
            if count > posts.get(vacancy_id, 1)
        ],
    )


def import_panels(
    organisation, data: bytes, filename: str, source: str, actor=None
) -> ImportRecord:
    """Each panel named in the file gets exactly the members the file lists, confirmed as held.
    Set-based: owners, staff, panels and their members are read a chunk at a time; only panels
    whose members, status or reason differ are rewritten, with multi-row statements."""
    found, problems = files.read_panel_file(data)
    org_id = organisation.id
    vacancy_t, batch_t, staff_t = Vacancy.__table__, Batch.__table__, Staff.__table__
    panel_t, member_t = Panel.__table__, PanelMember.__table__
    vacancies = {
        ref: row.id
        for ref, row in _rows_by_reference(
            vacancy_t, org_id, {key[0] for key in found.panels if key[0]}, ()
        ).items()
    }
    batches = {
        ref: row.id
        for ref, row in _rows_by_reference(
            batch_t, org_id, {key[1] for key in found.panels if key[1]}, ()
        ).items()
    }
    staff = dict(
        bulk.select_among(
            (staff_t.c.staff_number, staff_t.c.id),
            staff_t.c.staff_number,
            {member.staff_number for _key, member in found.rows() if member.staff_number},
            staff_t.c.organisation_id == org_id,
        )
    )
    for (vacancy_reference, batch_reference, _stage), member in found.rows():
        if vacancy_reference and vacancy_reference not in vacancies:
            problems.append(
                Problem(
                    member.line,
                    "vacancy_reference",
                    f"there is no vacancy {vacancy_reference} in "
                    f"{organisation.code}: import the recruitment file first",
                )
            )
        if batch_reference and batch_reference not in batches:
            problems.append(
                Problem(
                    member.line,
                    "batch_reference",
                    f"there is no batch {batch_reference} in "
                    f"{organisation.code}: import the recruitment file first",
                )
            )
        if member.staff_number and member.staff_number not in staff:
            problems.append(
                Problem(
                    member.line,
                    "staff_number",
                    f"there is no staff member {member.staff_number} in "
                    f"{organisation.code}: expected a staff number from the "
                    "staff records",
                )
            )
    if problems:
        raise ImportRefused(problems)

    # As SQL, as everything this import does: it touches no mapped object, so its command never
    # sets up the mappers (import_history.ImportRecord).
    record = begin_import(org_id, "panels", filename, source, actor)
    # (kind, owner id, stage) -> the panel as the file gives it, and the owner's reference
    wanted: dict[tuple, files.FilePanel] = {}
    references: dict[tuple, str] = {}
    for (vacancy_reference, batch_reference, stage), panel in found.panels.items():
        if vacancy_reference:
            key = ("vacancy", vacancies[vacancy_reference], stage)
            references[key] = vacancy_reference
        else:
            key = ("batch", batches[batch_reference], stage)
            references[key] = batch_reference
        wanted[key] = panel
    del found

    panels = _panels_of(wanted)
    _insert_rows_for_new_panels(org_id, wanted, panels)
    panels = _panels_of(wanted) if any(key not in panels for key in wanted) else panels
    members: dict[int, list[tuple]] = defaultdict(list)
    for panel_id, *member in bulk.select_among(
        (
            member_t.c.panel_id,
            member_t.c.staff_id,
            member_t.c.external_name,
            member_t.c.external_ethnic_category,
            member_t.c.role,
        ),
        member_t.c.panel_id,
        [found.id for found in panels.values()],
    ):
        members[panel_id].append(_member_key_of(*member))

    # Rewritten panels' members go out and in a few thousand at a time, so a national file's
    # members never all sit in memory as rows to insert.
    rewritten, new_members, panel_updates, entries = [], [], [], []

    def write_members() -> None:
        for chunk in bulk.chunks(rewritten):
            db.session.execute(delete(member_t).where(bulk.among(member_t.c.panel_id, chunk)))
        bulk.insert_rows(member_t, new_members)
        rewritten.clear()
        new_members.clear()

    for key, file_panel in wanted.items():
        panel = panels[key]
        reason = file_panel.reason
        panel_rows = list(file_panel.member_rows())
        listed = [
            {
                "panel_id": panel.id,
                "staff_id": staff[r.staff_number] if r.staff_number else None,
                "external_name": r.external_name or None,
                "external_ethnic_category": r.ethnic_category,
                "role": r.role,
            }
            for r in panel_rows
        ]
        before = members.get(panel.id, [])
        same = (
            sorted(before, key=str)
            == sorted(
                (
                    _member_key_of(
                        m["staff_id"], m["external_name"], m["external_ethnic_category"], m["role"]
                    )
                    for m in listed
                ),
                key=str,
            )
            and panel.status == "confirmed"
            and panel.exception_reason == reason
        )
        if same:
            record.rows_unchanged += len(panel_rows)
            continue
        if before or panel.status == "confirmed":
            record.rows_updated += len(panel_rows)
        else:
            record.rows_added += len(panel_rows)
        if not panel_updates:
            lock_chain(org_id)  # versioned rows change after the chain's lock (app/versioning.py)
        rewritten.append(panel.id)
        new_members += listed
        if len(new_members) >= bulk.CHUNK:
            write_members()
        panel_updates.append(
            {
                "_id": panel.id,
                "status": "confirmed",
                "exception_reason": reason,
                "version": panel.version + 1,
            }
        )
        entries.append(
            (
                "panel.imported",
                "panel",
                panel.id,
                {"reference": references[key], "stage": key[2], "members": len(panel_rows)},
                reason,
            )
        )
        # Chained in blocks: a national file's entries, signed and ready to insert, would
        # be a hundred megabytes at once.
        if len(entries) >= bulk.CHUNK:
            audit.record_many(org_id, actor, entries)
            entries.clear()
    write_members()
    bulk.update_rows(panel_t, panel_updates)
    audit.record_many(org_id, actor, entries)
    end_import(record, actor)
    return record


def _member_key_of(staff_id, external_name, external_ethnic_category, role) -> tuple:
    return (staff_id, (external_name or "").lower(), external_ethnic_category, role)


def _panels_of(wanted: dict) -> dict:
    """The existing panels of the owners and stages in the file, by (kind, owner id, stage)."""
    panel_t = Panel.__table__
    found = {}
    for kind in ("vacancy", "batch"):
        owner_ids = {owner_id for k, owner_id, _stage in wanted if k == kind}
        column = panel_t.c[f"{kind}_id"]
        for panel in bulk.select_among(
            (
                panel_t.c.id,
                column.label("owner_id"),
                panel_t.c.stage,
                panel_t.c.status,
                panel_t.c.exception_reason,
                panel_t.c.version,
            ),
            column,
            owner_ids,
        ):
            found[(kind, panel.owner_id, panel.stage)] = panel
    return found


def _insert_rows_for_new_panels(org_id: int, wanted: dict, panels: dict) -> None:
    bulk.insert_rows(
        Panel.__table__,
        [
            {
                "organisation_id": org_id,
                "vacancy_id": owner_id if kind == "vacancy" else None,
                "batch_id": owner_id if kind == "batch" else None,
                "stage": stage,
                "status": "draft",
                "method": "",
                "assessment": "",
                "version": 1,
            }
            for kind, owner_id, stage in wanted
            if (kind, owner_id, stage) not in panels
        ],
    )
