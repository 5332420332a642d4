"""Read-only selects for workforce pages."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Date, Select, and_, bindparam, func, or_, select

from app.accounts.models import User
from app.extensions import db
from app.import_history import DataImport
from app.pagination import SortKey, ordered
from app.timeutil import today_london
from app.workforce.ethnicity import WresGroup, sql_group
from app.workforce.models import Staff, in_post_clause


@dataclass(frozen=True)
class WorkforceSummary:
    in_post: int
    unknown_ethnicity: int
    users: int
    last_import_at: datetime | None


def workforce_summary(organisation_id: int, day: date | None = None) -> WorkforceSummary:
    day = day or today_london()
    group = sql_group(Staff.ethnic_category)
    in_post, unknown = db.session.execute(
        select(func.count(), func.count().filter(group == WresGroup.UNKNOWN.value)).where(
            Staff.organisation_id == organisation_id, in_post_clause(day)
        )
    ).one()
    users = db.session.scalar(
        select(func.count()).select_from(User).where(User.organisation_id == organisation_id)
    )
    last_import = db.session.scalar(
        select(func.max(DataImport.imported_at)).where(
            DataImport.organisation_id == organisation_id, DataImport.kind == "staff"
        )
    )
    return WorkforceSummary(in_post, unknown, users, last_import)


@dataclass(frozen=True)
class StaffFilters:
    search: str = ""
    band: str = ""
    staff_group: str = ""
    board: str = ""  # "", "any", "executive", "non-executive", "none"
    status: str = "in-post"  # "in-post", "left", "all"


# The staff list's order, for keyset pagination (staff numbers are unique in an organisation).
STAFF_ORDER = (SortKey(Staff.full_name), SortKey(Staff.staff_number))
# What a row of the staff list shows: read as plain rows, since loading a page of whole Staff
# records into the session cost more than the rest of the page.
STAFF_ROW = (
    Staff.id,
    Staff.full_name,
    Staff.staff_number,
    Staff.pay_band,
    Staff.staff_group,
    Staff.board_role,
    Staff.board_voting,
    Staff.leaving_date,
)


def staff_list_shape(filters: StaffFilters) -> tuple:
    """Which of the filters apply, and how: the list's statement is the same for all values."""
    return (
        "staff",
        bool(filters.search),
        filters.band if filters.band in ("", "none") else "band",
        bool(filters.staff_group),
        filters.board if filters.board in ("", "any", "none") else "role",
        filters.status,
    )


def staff_list_parameters(filters: StaffFilters, day: date | None = None) -> dict:
    """The values of the filters that apply, by the name of the parameter each binds."""
    parameters = {}
    if filters.search:
        parameters["search"] = f"%{filters.search.lower()}%"
    if filters.band and filters.band != "none":
        parameters["band"] = filters.band
    if filters.staff_group:
        parameters["staff_group"] = filters.staff_group
    if filters.board and filters.board not in ("any", "none"):
        parameters["board"] = filters.board
    if filters.status in ("in-post", "left"):
        parameters["day"] = day or today_london()
    if filters.status == "in-post":
        parameters.update(earliest=date.min, latest=date.max)
    return parameters


def staff_list_query(base: Select, filters: StaffFilters) -> Select:
    """Narrow a scoped SELECT of Staff by the list page's filters, each value a bound parameter
    (`staff_list_parameters`): the same statement for every value, so it can be built once and
    kept (app/pagination.py)."""
    query = base
    if filters.search:
        like = bindparam("search")
        query = query.where(
            or_(
                func.lower(Staff.full_name).like(like),
                Staff.staff_number.like(like),
                Staff.email.like(like),
            )
        )
    if filters.band == "none":
        query = query.where(Staff.pay_band.is_(None))
    elif filters.band:
        query = query.where(Staff.pay_band == bindparam("band"))
    if filters.staff_group:
        query = query.where(Staff.staff_group == bindparam("staff_group"))
    if filters.board == "any":
        query = query.where(Staff.board_role.is_not(None))
    elif filters.board == "none":
        query = query.where(Staff.board_role.is_(None))
    elif filters.board:
        query = query.where(Staff.board_role == bindparam("board"))
    day = bindparam("day", type_=Date)
    if filters.status == "in-post":
        query = query.where(_in_post_without_or(day))
    elif filters.status == "left":
        query = query.where(Staff.leaving_date.is_not(None), Staff.leaving_date <= day)
    return ordered(query, STAFF_ORDER)


def staff_list_rows(query: Select) -> Select:
    """The staff list's SELECT narrowed to the columns its rows show."""
    return query.with_only_columns(*STAFF_ROW, maintain_column_froms=True)


def _in_post_without_or(day):
    """`in_post_clause` with its NULLs as the furthest dates rather than ORs: the same rows, but
    SQLite reads the list's capped count from `ix_staff_org_in_post` alone, where the ORs made
    it gather row ids from three index ranges (6.6 ms to under 1 ms at the mid size). The
    furthest dates are the parameters `earliest` and `latest`."""
    return and_(
        func.coalesce(Staff.start_date, bindparam("earliest", type_=Date)) <= day,
        func.coalesce(Staff.leaving_date, bindparam("latest", type_=Date)) > day,
    )


def user_for_staff(staff: Staff) -> User | None:
    """The account linked to this record when it was made (never matched by email)."""
    return db.session.scalar(select(User).where(User.staff_id == staff.id))


PEOPLE_PER_PAGE = 20


def people_search(
    organisation_id: int, text: str, day: date, excluding: int | None = None
) -> Select:
    """Staff in post on `day` whose name contains `text` or whose staff number is `text`, in name
    order (then staff number, so people with the same name keep their places across pages).
    Every search that finds a colleague (a panel member, a mentoring colleague) uses this one,
    whatever it may then say about them: it selects on nothing but the name and number, and
    leaves out `excluding` (the searcher, where they cannot choose themselves)."""
    like = f"%{text.strip().lower()}%"
    query = select(Staff).where(
        Staff.organisation_id == organisation_id,
        in_post_clause(day),
        or_(func.lower(Staff.full_name).like(like), Staff.staff_number == text.strip()),
    )
    if excluding is not None:
        query = query.where(Staff.id != excluding)
    return query.order_by(Staff.full_name, Staff.staff_number)
