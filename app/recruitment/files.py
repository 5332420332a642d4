"""Reading the recruitment outcomes and panel member files (INTERFACES.md). Pure: no Flask, no
database. Rules that need the database (unknown staff numbers, missing vacancies) are checked by
the import services, which add their problems to these."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from app.csvimport import INVALID, Parsed, Problem, Records, Row, parse_date, parse_yes_no
from app.workforce.bands import BandError, parse_band, parse_staff_group
from app.workforce.ethnicity import EthnicityError, parse_ethnicity

RECRUITMENT_COLUMNS = (
    "vacancy_reference",
    "batch_reference",
    "job_title",
    "pay_band",
    "staff_group",
    "applicant_reference",
    "ethnic_category",
    "shortlisted",
    "interviewed",
    "appointed",
    "decision_date",
    "international_recruit",
)
RECRUITMENT_REQUIRED = ("vacancy_reference", "pay_band", "applicant_reference")

PANEL_COLUMNS = (
    "vacancy_reference",
    "batch_reference",
    "stage",
    "staff_number",
    "external_name",
    "ethnic_category",
    "role",
    "exception_reason",
)
PANEL_REQUIRED = ("stage",)

# What the tables hold; other columns are codes, at most csvimport.DEFAULT_MAX_LENGTH.
MAX_LENGTHS = {
    "vacancy_reference": 50,
    "batch_reference": 50,
    "applicant_reference": 50,
    "staff_number": 30,
    "exception_reason": 2000,
}


# Tuples rather than dataclasses: a national file makes close to a million of them.
class RecruitmentRow(NamedTuple):
    line: int
    vacancy_reference: str
    batch_reference: str
    job_title: str
    pay_band: str
    staff_group: str | None
    applicant_reference: str
    ethnic_category: str
    shortlisted: bool
    interviewed: bool
    appointed: bool
    decision_date: date | None
    international_recruit: bool


def _ethnicity(row: Row) -> str:
    try:
        return parse_ethnicity(row.text("ethnic_category")).code
    except EthnicityError as exc:
        row.problem("ethnic_category", str(exc))
        return ""


class _Lookups:
    """Each rule's result by a cell's raw text: a file repeats the same few spellings and dates.
    Parsing a date notes its layout (csvimport.noting_date_formats) when first seen."""

    def __init__(self) -> None:
        self.ethnicity = Parsed(lambda text: parse_ethnicity(text).code)
        self.band = Parsed(parse_band)
        self.group = Parsed(parse_staff_group)
        self.yes_no = Parsed(parse_yes_no)
        self.date = Parsed(lambda text: parse_date(text) if text else None)
        texts: dict[str, str] = {}
        self.shared = lambda text: texts.setdefault(text, text)


def _fast_recruitment_row(
    line: int, v: tuple, today: date, known: _Lookups
) -> RecruitmentRow | None:
    """_recruitment_row for a clean row, as lookups; None for any row it does not plainly
    accept, which _recruitment_row then reads and words the problems of."""
    # Vacancy, batch and job title repeat on every row of a vacancy: one string each, shared
    # (a national file holds close to a million rows at once).
    shared = known.shared
    vacancy, batch, applicant = shared(v[0].strip()), shared(v[1].strip()), v[5].strip()
    if not applicant or not (vacancy or batch):
        return None
    band = known.band[v[3]]
    ethnic_category = known.ethnicity[v[6]]
    yes_no = known.yes_no
    shortlisted, interviewed, appointed = yes_no[v[7]], yes_no[v[8]], yes_no[v[9]]
    international = yes_no[v[11]]
    decision_date = known.date[v[10]]
    if INVALID in (band, ethnic_category, shortlisted, interviewed, appointed, international):
        return None
    if decision_date is INVALID or not v[3].strip():
        return None
    if (interviewed or appointed) and not shortlisted:
        return None
    if appointed and not vacancy:
        return None
    if decision_date is None:
        if shortlisted:
            return None
    elif decision_date > today:
        return None
    staff_group = None
    if v[4].strip():
        staff_group = known.group[v[4]]
        if staff_group is INVALID:
            return None
    return RecruitmentRow(
        line,
        vacancy,
        batch,
        shared(v[2].strip()),
        band,
        staff_group,
        applicant,
        ethnic_category,
        shortlisted,
        interviewed,
        appointed,
        decision_date,
        international,
    )


def _recruitment_row(row: Row, today: date) -> RecruitmentRow | None:
    vacancy = row.text("vacancy_reference")
    batch = row.text("batch_reference")
    applicant = row.required("applicant_reference", "the applicant's reference")
    band = ""
    if row.text("pay_band"):
        try:
            band = parse_band(row.text("pay_band"))
        except BandError as exc:
            row.problem("pay_band", str(exc))
    else:
        row.problem("pay_band", "is blank: expected the band of the post, e.g. Band 6")
    staff_group = None
    if row.text("staff_group"):
        try:
            staff_group = parse_staff_group(row.text("staff_group"))
        except BandError as exc:
            row.problem("staff_group", str(exc))
    ethnic_category = _ethnicity(row)
    shortlisted = row.yes_no("shortlisted")
    interviewed = row.yes_no("interviewed")
    appointed = row.yes_no("appointed")
    if (interviewed or appointed) and not shortlisted:
        column = "appointed" if appointed else "interviewed"
        row.problem(
            column, f"is yes but shortlisted is not: expected shortlisted Y for anyone {column}"
        )
    if not vacancy and not batch:
        row.problem(
            "vacancy_reference",
            "is blank: expected the vacancy reference (it may be "
            "blank only for a batch applicant not appointed)",
        )
    elif not vacancy and appointed:
        row.problem(
            "vacancy_reference",
            "is blank for an appointed batch applicant: expected "
            "the vacancy they were appointed to",
        )
    decision_date = row.date("decision_date")
    if shortlisted and decision_date is None and not row.text("decision_date"):
        row.problem(
            "decision_date",
            "is blank for a shortlisted applicant: expected the date of the appointment decision",
        )
    if decision_date and decision_date > today:
        row.problem(
            "decision_date",
            f"{decision_date.isoformat()} is in the future: expected "
            "the date the decision was made",
        )
    international = row.yes_no("international_recruit")
    if row.problems:
        return None
    return RecruitmentRow(
        row.line,
        vacancy,
        batch,
        row.text("job_title"),
        band,
        staff_group,
        applicant,
        ethnic_category,
        shortlisted,
        interviewed,
        appointed,
        decision_date,
        international,
    )


# A file of up to this many rows keeps its rows from the first reading for the next (about 250
# bytes a row: 50 MB at most), which then costs nothing; a longer one is read again.
KEPT_ROWS = 200_000


class RecruitmentFile:
    """A recruitment outcomes file, read as often as its import needs: once to check every row
    and the rules between rows, keeping only what those rules compare (a national file's rows
    would not fit in memory at once), then again to apply it a chunk at a time. Each reading
    shares the lookups of the one before; a file of up to KEPT_ROWS rows is read once, its
    first reading's rows given again."""

    def __init__(self, data: bytes, today: date):
        self.data = data
        self.today = today
        self._known = _Lookups()
        self._kept: list[RecruitmentRow] | None = None

    def rows(self, problems: list[Problem]) -> Iterator[RecruitmentRow]:
        """The rows with no problem of their own, in file order; each other row's problems are
        added to `problems` (by the first reading: a kept file's problems are all known then)."""
        if self._kept is not None:
            yield from self._kept
            return
        kept: list[RecruitmentRow] | None = []
        for row in self._read(problems):
            if kept is not None:
                kept.append(row)
                if len(kept) > KEPT_ROWS:
                    kept = None
            yield row
        # Only a reading to the end is kept.
        self._kept = kept

    def _read(self, problems: list[Problem]) -> Iterator[RecruitmentRow]:
        records = Records(self.data, RECRUITMENT_REQUIRED, RECRUITMENT_COLUMNS, MAX_LENGTHS)
        today, known = self.today, self._known
        for line, values, clean in records:
            if clean and (parsed := _fast_recruitment_row(line, values, today, known)):
                yield parsed
                continue
            raw = records.row(line, values)
            parsed = _recruitment_row(raw, today)
            problems.extend(raw.problems)
            if parsed:
                yield parsed


class _Consistent:
    """Rows that share a key (a vacancy, batch or applicant) must agree on a value: the first
    row with a value, by key, as (value, line)."""

    def __init__(self, what: str, column: str, problems: list[Problem]):
        self.what, self.column, self.problems = what, column, problems
        self.first: dict[str, tuple] = {}

    def check(self, key: str, value, line: int) -> None:
        if not key or value is None or value == "":
            return
        earlier = self.first.setdefault(key, (value, line))
        if earlier[1] != line and earlier[0] != value:
            self.problems.append(
                Problem(
                    line,
                    self.column,
                    f"{self.what} {key} has {value!r} here but {earlier[0]!r} on line "
                    f"{earlier[1]}: expected the same",
                )
            )


class _Applicant:
    """An applicant seen on more than one row: the first ethnic category given, as (code,
    line), and each application's (line, appointed) by (batch, "") or ("", vacancy)."""

    __slots__ = ("applications", "ethnicity")

    def __init__(self, ethnicity: tuple | None, applications: dict):
        self.ethnicity = ethnicity
        self.applications = applications


class RecruitmentChecks:
    """The rules between rows of a recruitment file, checked a row at a time in file order.
    Vacancies and batches are few; applicants are nearly one a row, so an applicant seen once
    is kept as one packed number (line, appointed, ethnic category, application), not a row:
    for a national file that is the difference between megabytes and a gigabyte."""

    _LINE_BITS = 32

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        self.rows = 0
        self._pay_band = _Consistent("vacancy", "pay_band", problems)
        self._batch = _Consistent("vacancy", "batch_reference", problems)
        self._title = _Consistent("vacancy", "job_title", problems)
        self._decision = _Consistent("vacancy or batch", "decision_date", problems)
        self._batch_decision = _Consistent("batch", "decision_date", problems)
        self._post_passed: tuple | None = None
        self._applicants: dict[str, int | _Applicant] = {}
        # Index 0 of each stands for "none".
        self._codes: dict[str, int] = {"": 0}
        self._code_list: list[str] = [""]
        self._owners: dict[tuple[str, str], int] = {}
        self._owner_list: list[tuple[str, str]] = []

    def check(self, row: RecruitmentRow) -> None:
        self.rows += 1
        line, vacancy, batch = row.line, row.vacancy_reference, row.batch_reference
        # A vacancy's rows mostly follow one another with the same values: a row that says
        # what a row that passed these rules said passes them too.
        post = (vacancy, batch, row.pay_band, row.job_title, row.decision_date)
        if post != self._post_passed:
            problems = len(self.problems)
            self._pay_band.check(vacancy, row.pay_band, line)
            self._batch.check(vacancy, batch, line)
            self._title.check(vacancy, row.job_title, line)
            self._decision.check(vacancy or batch, row.decision_date, line)
            self._batch_decision.check(batch, row.decision_date, line)
            self._post_passed = post if len(self.problems) == problems else None
        ethnicity = row.ethnic_category if row.ethnic_category != "99" else None
        # A batch applicant applies once to the batch; anyone else once to each vacancy.
        owner = (batch, "" if batch else vacancy)
        reference = row.applicant_reference
        found = self._applicants.get(reference)
        if found is None:
            self._applicants[reference] = self._pack(line, row.appointed, ethnicity or "", owner)
            return
        if type(found) is int:
            found = self._applicants[reference] = self._unpack(found)
        if ethnicity:
            if found.ethnicity is None:
                found.ethnicity = (ethnicity, line)
            elif found.ethnicity[0] != ethnicity:
                first, first_line = found.ethnicity
                self.problems.append(
                    Problem(
                        line,
                        "ethnic_category",
                        f"applicant {reference} has {ethnicity!r} here but {first!r} on line "
                        f"{first_line}: expected the same",
                    )
                )
        earlier = found.applications.setdefault(owner, (line, row.appointed))
        if earlier[0] == line:
            return
        if batch and row.appointed and earlier[1]:
            message = (
                f"{reference} is appointed to two vacancies of batch {batch} (also on line "
                f"{earlier[0]}): expected at most one"
            )
        else:
            kind, owner_reference = ("batch", batch) if batch else ("vacancy", vacancy)
            message = (
                f"{reference} appears twice for {kind} {owner_reference} (also on line "
                f"{earlier[0]}): expected one row per application"
            )
        self.problems.append(Problem(line, "applicant_reference", message))

    def finish(self) -> None:
        if not self.rows and not self.problems:
            self.problems.append(Problem(0, "", "the file has a header row but no applications"))

    def applicants(self) -> dict[str, object]:
        """Every applicant by reference, in the order the file first names them, with what the
        checks kept of them (`first_ethnicity` reads it). The checks let go of the table, so the
        caller may put its own values in place of theirs: it is a national file's largest (a
        second table of the same references held their ids beside it, 94 MB)."""
        found, self._applicants = self._applicants, {}
        return found

    def first_ethnicity(self, kept) -> str:
        """The first ethnic category a file gave an applicant, "" when every row said 99 or
        nothing, from what `applicants` gave for them."""
        if type(kept) is int:
            return self._code_list[kept >> (self._LINE_BITS + 1) & 0xFF]
        return kept.ethnicity[0] if kept.ethnicity else ""

    def _pack(self, line: int, appointed: bool, ethnicity: str, owner: tuple[str, str]) -> int:
        code = self._codes.get(ethnicity)
        if code is None:
            code = self._codes[ethnicity] = len(self._code_list)
            self._code_list.append(ethnicity)
        index = self._owners.get(owner)
        if index is None:
            index = self._owners[owner] = len(self._owner_list)
            self._owner_list.append(owner)
        bits = self._LINE_BITS
        return line | appointed << bits | code << (bits + 1) | index << (bits + 9)

    def _unpack(self, packed: int) -> _Applicant:
        bits = self._LINE_BITS
        line, appointed = packed & ((1 << bits) - 1), bool(packed >> bits & 1)
        ethnicity = self._code_list[packed >> (bits + 1) & 0xFF]
        owner = self._owner_list[packed >> (bits + 9)]
        return _Applicant((ethnicity, line) if ethnicity else None, {owner: (line, appointed)})


class PanelRow(NamedTuple):
    line: int
    vacancy_reference: str
    batch_reference: str
    stage: str
    staff_number: str
    external_name: str
    ethnic_category: str | None
    role: str
    exception_reason: str


_STAGES = frozenset(("shortlisting", "interview"))
_ROLES = frozenset(("chair", "member", "independent"))


def _fast_panel_row(line: int, v: tuple, ethnicity: Parsed, shared) -> PanelRow | None:
    """_panel_row for a clean row; None for any row it does not plainly accept. References,
    staff numbers and reasons repeat across rows: `shared` keeps one string of each."""
    vacancy, batch = shared(v[0].strip()), shared(v[1].strip())
    staff_number, external = shared(v[3].strip()), v[4].strip()
    stage, role = shared(v[2].strip().lower()), shared(v[6].strip().lower() or "member")
    if bool(vacancy) == bool(batch) or bool(staff_number) == bool(external):
        return None
    if stage not in _STAGES or role not in _ROLES:
        return None
    ethnic_category = None
    if external:
        ethnic_category = ethnicity[v[5]]
        if ethnic_category is INVALID:
            return None
    elif v[5].strip():
        return None
    return PanelRow(
        line,
        vacancy,
        batch,
        stage,
        staff_number,
        external,
        ethnic_category,
        role,
        shared(v[7].strip()),
    )


def _panel_row(row: Row) -> PanelRow | None:
    vacancy, batch = row.text("vacancy_reference"), row.text("batch_reference")
    if bool(vacancy) == bool(batch):
        row.problem(
            "vacancy_reference", "expected exactly one of vacancy_reference and batch_reference"
        )
    stage = row.text("stage").lower()
    if stage not in ("shortlisting", "interview"):
        row.problem(
            "stage", f"{row.text('stage')!r} is not a stage: expected shortlisting or interview"
        )
    staff_number, external = row.text("staff_number"), row.text("external_name")
    if bool(staff_number) == bool(external):
        row.problem(
            "staff_number",
            "expected exactly one of staff_number (a member of staff) "
            "and external_name (someone from outside)",
        )
    ethnic_category = None
    if external:
        ethnic_category = _ethnicity(row)
    elif row.text("ethnic_category"):
        row.problem(
            "ethnic_category",
            "is given for a member of staff: expected it only for "
            "external members (staff ethnicity comes from ESR)",
        )
    role = row.text("role").lower() or "member"
    if role not in ("chair", "member", "independent"):
        row.problem(
            "role", f"{row.text('role')!r} is not a role: expected chair, member or independent"
        )
    if row.problems:
        return None
    return PanelRow(
        row.line,
        vacancy,
        batch,
        stage,
        staff_number,
        external,
        ethnic_category,
        role,
        row.text("exception_reason"),
    )


class PanelMember(NamedTuple):
    line: int
    staff_number: str
    external_name: str
    ethnic_category: str | None
    role: str


_ROLE_ORDER = ("chair", "member", "independent")
_ROLE_NUMBER = {role: number for number, role in enumerate(_ROLE_ORDER)}


@dataclass
class FilePanel:
    """One panel the file names: its members in file order by who they are (staff number, or
    external name in lower case), and the first exception reason given for it. A member of
    staff, nearly every row, is kept as one number (line and role): the staff number is the
    key already."""

    members: dict[str, int | PanelMember] = field(default_factory=dict)
    reason: str | None = None
    reason_line: int = 0

    def add(self, who: str, row: PanelRow) -> int:
        """Add the row's member; the line of the row that already named them, if any."""
        earlier = self.members.get(who)
        if earlier is None:
            if row.staff_number:
                self.members[who] = row.line << 2 | _ROLE_NUMBER[row.role]
            else:
                self.members[who] = PanelMember(
                    row.line, "", row.external_name, row.ethnic_category, row.role
                )
            return row.line
        return earlier >> 2 if type(earlier) is int else earlier.line

    def member_rows(self) -> Iterator[PanelMember]:
        for who, member in self.members.items():
            if type(member) is int:
                yield PanelMember(member >> 2, who, "", None, _ROLE_ORDER[member & 3])
            else:
                yield member


@dataclass
class PanelFile:
    """A panel file grouped by panel as it is read: a national file's rows are never all held
    as rows, only as each panel's members. `panels` is by (vacancy_reference,
    batch_reference, stage) in the order the file first names them; `repeated` holds the rows
    that name a member twice (each a problem already), so the checks against the database
    still list them."""

    panels: dict[tuple[str, str, str], FilePanel] = field(default_factory=dict)
    repeated: list[PanelRow] = field(default_factory=list)

    def rows(self) -> Iterator[tuple[tuple[str, str, str], PanelMember]]:
        """Every valid row, as (panel, member), grouped by panel, then the repeated ones."""
        for key, panel in self.panels.items():
            for member in panel.member_rows():
                yield key, member
        for row in self.repeated:
            yield (row.vacancy_reference, row.batch_reference, row.stage), row


def read_panel_file(data: bytes) -> tuple[PanelFile, list[Problem]]:
    found = PanelFile()
    panels = found.panels
    problems: list[Problem] = []
    records = Records(data, PANEL_REQUIRED, PANEL_COLUMNS, MAX_LENGTHS)
    ethnicity = Parsed(lambda text: parse_ethnicity(text).code)
    texts: dict[str, str] = {}

    def shared(text: str) -> str:
        return texts.setdefault(text, text)

    for line, values, clean in records:
        if not clean or not (row := _fast_panel_row(line, values, ethnicity, shared)):
            raw = records.row(line, values)
            if "vacancy_reference" not in raw.values and "batch_reference" not in raw.values:
                problems.append(
                    Problem(
                        1,
                        "vacancy_reference",
                        "the header needs a vacancy_reference or a batch_reference column",
                    )
                )
                break
            row = _panel_row(raw)
            problems.extend(raw.problems)
            if not row:
                continue
        key = (row.vacancy_reference, row.batch_reference, row.stage)
        panel = panels.get(key)
        if panel is None:
            panel = panels[key] = FilePanel()
        if row.exception_reason:
            if panel.reason is None:
                panel.reason, panel.reason_line = row.exception_reason, row.line
            elif panel.reason != row.exception_reason:
                problems.append(
                    Problem(
                        row.line,
                        "exception_reason",
                        f"differs from the reason on line {panel.reason_line} for the same "
                        "panel: expected one reason per panel",
                    )
                )
        earlier = panel.add(row.staff_number or row.external_name.lower(), row)
        if earlier != row.line:
            found.repeated.append(row)
            problems.append(
                Problem(
                    row.line,
                    "staff_number" if row.staff_number else "external_name",
                    f"this member is already on this panel on line {earlier}: expected "
                    "each member once",
                )
            )
    if not panels and not problems:
        problems.append(Problem(0, "", "the file has a header row but no panel members"))
    return found, problems
