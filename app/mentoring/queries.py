"""Coverage, appraisal evidence and outcomes, aggregated in the database."""

import functools
import gzip
import json
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Date, and_, bindparam, case, func, literal_column, or_, select, true
from sqlalchemy.orm import aliased

from app.audit import AuditAttachment, AuditEvent
from app.extensions import db
from app.mentoring.eligibility import (
    COUNTING_AFC_BANDS,
    TYPES,
    Verdict,
    active_during,
    counts_at_start,
    leader_role,
)
from app.mentoring.models import MentoringGoal, MentoringRelationship, MentoringSession
from app.workforce import history
from app.workforce.bands import band_order
from app.workforce.ethnicity import BME_CODES, WresGroup, group_of, sql_group
from app.workforce.models import BandChange, OrganisationSettings, Staff, in_post_clause
from app.workforce.models import StaffHistory as Version
from app.workforce.wres_year import WresYear


def _settings(organisation_id: int) -> OrganisationSettings:
    return db.session.get(OrganisationSettings, organisation_id)


@dataclass
class LeaderCoverage:
    staff_id: int
    staff_number: str
    name: str
    role: str
    counting_relationships: int = 0
    other_relationships: int = 0
    sessions_in_year: int = 0

    @property
    def met(self) -> bool:
        return self.counting_relationships > 0 and self.sessions_in_year > 0

    def as_json(self) -> dict:
        return {
            "staff_number": self.staff_number,
            "name": self.name,
            "role": self.role,
            "counting_relationships": self.counting_relationships,
            "sessions_in_year": self.sessions_in_year,
            "met": self.met,
        }


@dataclass
class Coverage:
    year: int
    leaders: list[LeaderCoverage] = field(default_factory=list)

    @property
    def leaders_met(self) -> int:
        return sum(leader.met for leader in self.leaders)

    def as_json(self) -> dict:
        return {
            "year": self.year,
            "leaders_total": len(self.leaders),
            "leaders_met": self.leaders_met,
            "leaders": [leader.as_json() for leader in self.leaders],
        }


def _senior(version):
    # 'VSM' written into the SQL, as the partial index says it (models.SENIOR_SQL).
    return or_(version.pay_band == literal_column("'VSM'"), version.board_role.is_not(None))


def _judged_day(staff_id, day, later):
    """SQL: the day a person's record is judged on for `day` (history.judged_on): that day, or
    their first record's when the history starts after it. `later` is the dialect's two-argument
    maximum: one seek for the first record, where a CASE made two. A person with no history gets
    NULL on SQLite and `day` on PostgreSQL, and no version either way, as with judged_on."""
    earliest = aliased(Version)
    first = (
        select(func.min(earliest.valid_from))
        .where(earliest.staff_id == staff_id)
        .correlate_except(earliest)
        .scalar_subquery()
    )
    return later(day, first)


def _version_on(staff_id, day, dialect: str) -> tuple:
    """(FROM clause, ON clause): the person's version in force on `day` (a column). On
    PostgreSQL a LATERAL subquery, one index seek per row: as a join, its planner hashed every
    version of the organisation for a couple of thousand relationships."""
    version = Version.__table__.alias()
    in_force = and_(version.c.staff_id == staff_id, history.in_force(day, version.c))
    if dialect != "postgresql":
        return version, in_force
    return select(version).where(in_force).limit(1).lateral(), true()


def _counts_sql(kind, colleague, leader, include_ncg: bool):
    """SQL: 1 when a relationship counts, judged on the colleague's and the leader's versions
    when it started (eligibility.counts_at_start, from the same constants), else 0. Constants
    are written into the SQL, so the planner sees what a literal list holds."""

    def literals(values):
        return [literal_column(f"'{value}'") for value in values]

    bands = list(COUNTING_AFC_BANDS)
    if include_ncg:
        bands.append("non-consultant-career-grade")
    return case(
        (
            and_(
                kind.in_(literals(TYPES)),
                colleague.pay_band.in_(literals(bands)),
                sql_group(colleague.ethnic_category) == literal_column(f"'{WresGroup.BME.value}'"),
                _senior(leader),
            ),
            literal_column("1"),
        ),
        else_=literal_column("0"),
    )


@functools.cache
def _coverage_statement(dialect: str, include_ncg: bool):
    """Coverage as one grouped statement, built once per dialect and setting (building it cost
    more than running it): each senior leader with their relationships counted, split by
    whether each counts, and the sessions of the counting ones. The organisation and the year
    are bound parameters."""
    later = func.greatest if dialect == "postgresql" else func.max
    org, start, end = bindparam("org"), bindparam("start", type_=Date), bindparam("end", type_=Date)
    # The day each person's record is judged on is worked out once per relationship (and per
    # session), in a materialised CTE: written into the join, it was worked out again for every
    # version the join looked at.
    relationship = MentoringRelationship
    active = (
        select(
            relationship.id,
            relationship.leader_id,
            relationship.colleague_id,
            relationship.kind,
            _judged_day(relationship.colleague_id, relationship.start_date, later).label(
                "colleague_day"
            ),
            _judged_day(relationship.leader_id, relationship.start_date, later).label("leader_day"),
        )
        .where(
            relationship.organisation_id == org,
            relationship.start_date <= end,
            or_(relationship.end_date.is_(None), relationship.end_date >= start),
        )
        .cte("active")
        .prefix_with("MATERIALIZED")
    )
    colleague, colleague_on = _version_on(active.c.colleague_id, active.c.colleague_day, dialect)
    leader, leader_on = _version_on(active.c.leader_id, active.c.leader_day, dialect)
    # Inner joins: a relationship with no record for either person is in neither count.
    relationships = (
        select(
            active.c.id,
            active.c.leader_id,
            _counts_sql(active.c.kind, colleague.c, leader.c, include_ncg).label("counts"),
        )
        .select_from(active)
        .join(colleague, colleague_on)
        .join(leader, leader_on)
        .cte("relationships")
    )
    # Credit stops from the day the leader stops being a VSM or board member.
    held = (
        select(
            MentoringSession.relationship_id,
            MentoringSession.held_on,
            relationship.leader_id,
            _judged_day(relationship.leader_id, MentoringSession.held_on, later).label("day"),
        )
        .join(relationship)
        .where(
            relationship.organisation_id == org,
            MentoringSession.held_on.between(start, end),
        )
        .cte("held")
        .prefix_with("MATERIALIZED")
    )
    leader, leader_on = _version_on(held.c.leader_id, held.c.day, dialect)
    sessions = (
        select(held.c.relationship_id, func.count().label("n"))
        .select_from(held)
        .join(leader, leader_on)
        .where(_senior(leader.c), history.in_post(held.c.held_on, leader.c))
        .group_by(held.c.relationship_id)
        .cte("sessions")
    )
    counting = func.sum(relationships.c.counts)
    counts = relationships.c.counts == literal_column("1")
    per_leader = (
        select(
            relationships.c.leader_id,
            func.count().label("relationships"),
            counting.label("counting"),
            func.sum(case((counts, sessions.c.n))).label("sessions"),
        )
        .select_from(relationships)
        .outerjoin(sessions, sessions.c.relationship_id == relationships.c.id)
        .group_by(relationships.c.leader_id)
        .cte("per_leader")
    )
    # Each leader's name and number by a lookup per leader: joined, PostgreSQL read every staff
    # row to hash them for a couple of hundred leaders.
    person = [
        select(column).where(Staff.id == Version.staff_id).scalar_subquery().label(column.key)
        for column in (Staff.staff_number, Staff.full_name)
    ]
    zero = literal_column("0")
    return (
        select(
            Version.staff_id.label("id"),
            *person,
            Version.pay_band,
            Version.board_role,
            func.coalesce(per_leader.c.counting, zero).label("counting"),
            func.coalesce(per_leader.c.relationships - per_leader.c.counting, zero).label("other"),
            func.coalesce(per_leader.c.sessions, zero).label("sessions"),
        )
        .outerjoin(per_leader, per_leader.c.leader_id == Version.staff_id)
        .where(*history.in_post_as_at(org, end, Version), _senior(Version))
        .order_by(person[1], person[0])
    )


def coverage(organisation_id: int, year: int) -> Coverage:
    """Each VSM and board member in post at the year's end, as the staff records stood then,
    with their relationships and sessions counted in the database: one grouped query, any size.
    A relationship counts when the colleague was BME at band 8d or below, and the leader a VSM
    or board member, when it started (DOMAIN.md section 11); a session counts while the leader
    is still a VSM or board member."""
    wres_year = WresYear(year)
    include_ncg = _settings(organisation_id).mentoring_counts_non_consultant_medical
    # Core rows through the session's connection: ORM row loading cost more than the SQL.
    connection = db.session.connection()
    statement = _coverage_statement(connection.dialect.name, include_ncg)
    window = {"org": organisation_id, "start": wres_year.start, "end": wres_year.end}
    return Coverage(
        year,
        [
            LeaderCoverage(
                r.id,
                r.staff_number,
                r.full_name,
                leader_role(r.pay_band, r.board_role),
                int(r.counting),
                int(r.other),
                int(r.sessions),
            )
            for r in connection.execute(statement, window)
        ],
    )


@dataclass
class EvidenceRelationship:
    relationship: MentoringRelationship
    counts: bool
    reason: str | None
    sessions: list[MentoringSession]
    minutes: int
    goals: list[MentoringGoal]


def _as_at_start(*columns, outer: bool = False):
    """Relationships with both people's records as they stood when each started (what decides
    whether it counts). Inner joins leave out a relationship with no record for either person;
    `outer` keeps it, with blanks, so it can be told why it does not count."""
    colleague, leader = aliased(Version), aliased(Version)
    query = select(
        MentoringRelationship.id,
        *columns,
        MentoringRelationship.kind,
        colleague.pay_band,
        colleague.ethnic_category,
        leader.pay_band.label("leader_band"),
        leader.board_role.label("leader_board_role"),
    ).select_from(MentoringRelationship)
    for version, person in (
        (colleague, MentoringRelationship.colleague_id),
        (leader, MentoringRelationship.leader_id),
    ):
        on = history.judged_on(person, MentoringRelationship.start_date, version)
        query = query.outerjoin(version, on) if outer else query.join(version, on)
    return query


def verdicts_at_start(relationships: list[MentoringRelationship]) -> dict[int, Verdict]:
    """Whether each relationship counts, judged on both people's records when it started: one
    query for them all."""
    if not relationships:
        return {}
    include_ncg = _settings(
        relationships[0].organisation_id
    ).mentoring_counts_non_consultant_medical
    rows = db.session.execute(
        _as_at_start(outer=True).where(MentoringRelationship.id.in_([r.id for r in relationships]))
    ).all()
    return {
        row.id: counts_at_start(
            row.kind,
            row.pay_band,
            group_of(row.ethnic_category or "99"),
            row.leader_band,
            row.leader_board_role,
            include_ncg,
        )
        for row in rows
    }


def evidence(leader: Staff, year: int) -> list[EvidenceRelationship]:
    """The leader's relationships active in the appraisal year, with that year's sessions and
    every goal. Never private notes: this never touches that table."""
    wres_year = WresYear(year)
    rows = [
        relationship
        for relationship in db.session.scalars(
            select(MentoringRelationship)
            .where(MentoringRelationship.leader_id == leader.id)
            .order_by(MentoringRelationship.start_date)
        )
        if active_during(
            relationship.start_date, relationship.end_date, wres_year.start, wres_year.end
        )
    ]
    verdicts = verdicts_at_start(rows)
    result = []
    for relationship in rows:
        verdict = verdicts[relationship.id]
        sessions = [s for s in relationship.sessions if wres_year.contains(s.held_on)]
        result.append(
            EvidenceRelationship(
                relationship,
                verdict.counts,
                verdict.reason,
                sorted(sessions, key=lambda s: s.held_on),
                sum(s.minutes or 0 for s in sessions),
                list(relationship.goals),
            )
        )
    return result


@dataclass(frozen=True)
class Progression:
    group: str
    people: int
    promoted: int

    @property
    def share(self) -> float | None:
        return self.promoted / self.people if self.people else None


def outcomes(organisation_id: int, today: date) -> list[Progression]:
    """Mentees' moves up a band since their relationship started, against BME staff in post at
    the same bands who had no relationship, over the same period (from the earliest start)."""
    relationships = db.session.execute(
        select(MentoringRelationship.colleague_id, func.min(MentoringRelationship.start_date))
        .where(MentoringRelationship.organisation_id == organisation_id)
        .group_by(MentoringRelationship.colleague_id)
    ).all()
    if not relationships:
        return [
            Progression("Mentees", 0, 0),
            Progression("Other BME staff at the same bands", 0, 0),
        ]
    started = dict(relationships)
    since = min(started.values())
    changes = db.session.execute(
        select(
            BandChange.staff_id, BandChange.from_band, BandChange.to_band, BandChange.recorded_on
        )
        .join(Staff)
        .where(Staff.organisation_id == organisation_id, BandChange.recorded_on >= since)
    ).all()

    def promoted_after(staff_id: int, after: date) -> bool:
        return any(
            c.staff_id == staff_id
            and c.recorded_on >= after
            and band_order(c.to_band) > band_order(c.from_band)
            for c in changes
        )

    mentees = db.session.execute(
        select(Staff.id, Staff.pay_band).where(Staff.id.in_(list(started)))
    ).all()
    bands = {band for _id, band in mentees}
    for staff_id, from_band, _to, recorded_on in changes:  # the band they were at the start
        if staff_id in started and recorded_on >= started[staff_id]:
            bands.add(from_band)
    others = db.session.scalars(
        select(Staff.id).where(
            Staff.organisation_id == organisation_id,
            in_post_clause(today),
            func.substr(Staff.ethnic_category, 1, 1).in_(sorted(BME_CODES)),
            Staff.pay_band.in_([b for b in bands if b]),
            Staff.id.not_in(list(started)),
        )
    ).all()
    return [
        Progression(
            "Mentees", len(mentees), sum(promoted_after(i, started[i]) for i, _band in mentees)
        ),
        Progression(
            "Other BME staff at the same bands",
            len(others),
            sum(promoted_after(i, since) for i in others),
        ),
    ]


@dataclass(frozen=True)
class Commitment:
    """One senior leader's commitment for an appraisal year, for their home page."""

    year: WresYear
    counting_relationships: int
    other_relationships: int
    sessions: int

    @property
    def met(self) -> bool:
        return self.counting_relationships > 0 and self.sessions > 0


def commitment(leader: Staff, year: int) -> Commitment:
    """Met when a counting relationship was active in the year and a session of one of them was
    held in it (DOMAIN.md section 11), from the same evidence the appraisal file shows."""
    items = evidence(leader, year)
    counting = [item for item in items if item.counts]
    return Commitment(
        WresYear(year),
        len(counting),
        len(items) - len(counting),
        sum(len(item.sessions) for item in counting),
    )


@dataclass(frozen=True)
class ImportedChange:
    """A line of a relationship's history that an import wrote: the import is one audit entry,
    and what it did to this relationship is a row of that entry's attachment."""

    id: int  # the import's audit entry
    created_at: datetime
    actor_label: str
    what: str


def _imported_what(change: dict, filename: str) -> str:
    if change["change"] == "added":
        text = "Relationship recorded"
    elif change["fields"]:
        ended = change["fields"]["end_date"][1]
        text = (
            f"End date set to {date.fromisoformat(ended):%-d %B %Y}"
            if ended
            else ("End date removed")
        )
    else:
        return f"Session imported from {filename}"
    if change.get("session_added"):
        text += ", with a session"
    return f"{text}, imported from {filename}"


def relationship_history(relationship: MentoringRelationship) -> list:
    """The relationship's audit entries, newest first, with what each import since it was
    recorded did to it (read from the import's attachment: imports made before it existed
    cannot name it). Two queries, whatever the history holds."""
    history = list(
        db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.organisation_id == relationship.organisation_id,
                AuditEvent.object_type == "relationship",
                AuditEvent.object_id == relationship.id,
            )
        )
    )
    # The rows start with their relationship id (app/mentoring/imports.py).
    marker = b'{"relationship_id":%d,' % relationship.id
    for event_id, created_at, actor_label, detail, content in db.session.execute(
        select(
            AuditEvent.id,
            AuditEvent.created_at,
            AuditEvent.actor_label,
            AuditEvent.detail,
            AuditAttachment.content,
        )
        .join(AuditAttachment, AuditAttachment.audit_event_id == AuditEvent.id)
        .where(
            AuditEvent.organisation_id == relationship.organisation_id,
            AuditEvent.action == "mentoring.imported",
            AuditEvent.created_at >= relationship.created_at,
        )
    ):
        rows = gzip.decompress(content)
        at = rows.find(marker)
        if at < 0:
            continue
        change = json.loads(rows[at : rows.index(b"\n", at)])
        what = _imported_what(change, json.loads(detail).get("file", ""))
        history.append(ImportedChange(event_id, created_at, actor_label, what))
    return sorted(history, key=lambda entry: entry.id, reverse=True)
