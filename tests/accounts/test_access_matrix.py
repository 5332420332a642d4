"""Who reaches what, generated from the URL map: every rule x every role x whose object.

EXPECTATIONS says, for each endpoint, which roles may use it and how to build its URL from a data
set made once for the module. Every rule the app serves (static files aside) is run, with every
method it accepts, as each role and as an anonymous visitor, against:

- "own": objects in the user's own organisation that are theirs where that matters (the vacancy
  they manage, the relationship they are part of, their own message);
- "unrelated": objects in their own organisation that are someone else's (only for endpoints
  with object-level rules);
- "other": the same kinds of object in another organisation. Its vacancies even name our
  manager as their manager, so only the organisation check stands between them.

A POST carries a valid CSRF token and nothing else, or, for a few write routes whose empty form
would stop at validation, a minimal valid form (which must then save: 302).

Expected answers: allowed -> 200 or 302 (a POST may also say 400 for the empty form); a role
the endpoint does not serve -> 403; anonymous -> a redirect to sign-in; an object of another
organisation -> 404 for every role the endpoint serves; never 500. A route without an entry in
EXPECTATIONS fails `test_every_route_has_expectations` with its name.

Every rule with an integer argument is also asked for ids beyond the id columns (2^31 and 2^63)
and for non-ASCII digits, which must not reach the view (404).
"""

import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from werkzeug.routing import IntegerConverter, Rule

from app import MAX_DATABASE_ID, create_app, import_jobs
from app.accounts import services as accounts
from app.accounts.roles import Role
from app.benchmarking import services as benchmarking
from app.benchmarking import synthetic
from app.extensions import db
from app.goals import planning
from app.goals import services as goals
from app.goals.models import Action
from app.justifications import services as justifications
from app.mentoring import services as mentoring
from app.mentoring.models import MentoringRelationship
from app.metrics.sections import SECTIONS
from app.notifications.models import Notification
from app.recruitment import services as recruitment
from app.recruitment.models import Vacancy
from app.recruitment.permissions import KINDS
from app.timeutil import today_london
from tests import factories
from tests.conftest import _empty_tables, sign_in

HR, RM, CH, SL, RV, NV = (r.value for r in Role)
VIEWERS = (RV, NV)
EVERYONE = frozenset(r.value for r in Role)
ANONYMOUS = "anonymous"
ROLES = (*sorted(EVERYONE), ANONYMOUS)


# The data set


@dataclass
class Scope:
    """The objects a case's URL may name, for one of "own", "unrelated", "other"."""

    vacancy: int
    batch: int
    justification: int
    relationship: int
    goal: int
    leader: int  # a senior leader's staff record (appraisal evidence)
    staff: int
    applicant: int
    pool_member: int
    panel_members: dict[str, int]  # by the role that removes it; "" for anyone else
    users: dict[str, int]  # the account each user page acts on, by endpoint
    notifications: dict[str, int]  # by the role that opens it
    invitation: str
    import_job: int  # a background import's progress page
    organisation: int  # the organisation itself, with published figures (benchmarking)
    goal_set: int = 0  # the organisation's proposed goals
    action: int = 0  # an action in the plan: the senior leader's own ("own"), or not

    def member(self, role: str) -> int:
        return self.panel_members.get(role, self.panel_members[""])


def _link_account(user, staff) -> None:
    """Make `staff` the user's own staff record, as HR links it by staff number."""
    db.session.flush()
    user.staff_id = staff.id


def _organisation(code: str, manager=None):
    """One organisation's people and records. `manager`: who its vacancies name as manager."""
    organisation = factories.OrganisationFactory(code=code, region="Midlands")
    users = {
        role: factories.UserFactory(
            organisation=organisation, roles=(role,), email=f"{role}@{code.lower()}.nhs.uk"
        )
        for role in sorted(EVERYONE)
    }
    other_manager = factories.UserFactory(organisation=organisation, roles=(RM,))
    manager = manager or users[RM]
    staff = factories.StaffFactory(organisation=organisation)

    def leader_and_colleague(leader_user=None, colleague_user=None):
        leader = factories.StaffFactory(organisation=organisation, pay_band="VSM")
        colleague = factories.StaffFactory(organisation=organisation, ethnic_category="N")
        for user, record in ((leader_user, leader), (colleague_user, colleague)):
            if user is not None:
                _link_account(user, record)
        db.session.flush()
        relationship = mentoring.create_relationship(
            leader, colleague, "mentoring", today_london() - timedelta(days=60), users[HR]
        )
        goal = mentoring.add_goal(relationship, users[HR], "Chair a board sub-committee", None)
        return leader, relationship, goal

    # The senior leader's and the manager's own staff records mentor each other.
    leader, relationship, goal = leader_and_colleague(users[SL], users[RM])
    _, unrelated_relationship, unrelated_goal = leader_and_colleague()

    def vacancy(reference, by):
        return recruitment.create_vacancy(
            organisation.id,
            by,
            reference=reference,
            title="Ward Sister",
            pay_band="7",
            posts=1,
            recruiting_manager_id=by.id,
        )

    def batch(reference, by):
        return recruitment.create_batch(
            organisation.id,
            by,
            reference=reference,
            name="Band 5 nurses",
            interview_date=None,
            recruiting_manager_id=by.id,
        )

    def panel_members(owner, roles):
        panel = recruitment.panel_for(owner, "interview")
        members = {}
        for role in roles:
            member = recruitment.add_member(
                panel, users[HR], version=None, external_name=f"Member for {role or 'anyone'}"
            )
            members[role] = member.id
        return members

    def justified(reference, by):
        """A decided vacancy whose interviewed BME applicant was not appointed."""
        decided = vacancy(reference, by)
        for applicant_reference, category, appointed in (
            (f"{reference}-A", "A", True),
            (f"{reference}-N", "N", False),
        ):
            application = recruitment.add_applicant(decided, applicant_reference, by)
            application.applicant.ethnic_category = category
            application.shortlisted = application.interviewed = True
            application.appointed = appointed
        recruitment.record_decision(decided, today_london() - timedelta(days=3), None, by)
        justification = justifications.for_owner(decided)
        assert justification is not None, "the data set needs a justification"
        return justification

    ours, theirs = vacancy(f"{code}-V1", manager), vacancy(f"{code}-V2", other_manager)
    our_batch, their_batch = batch(f"{code}-B1", manager), batch(f"{code}-B2", other_manager)
    our_justification = justified(f"{code}-J1", manager)
    their_justification = justified(f"{code}-J2", other_manager)
    applicant = our_justification.applicants[0].application.applicant
    pool_member = recruitment.add_to_pool(organisation.id, staff, None, "", users[HR])

    def notification(user):
        message = Notification(
            organisation_id=organisation.id, user_id=user.id, subject="A message", body="", link="/"
        )
        db.session.add(message)
        db.session.flush()
        return message.id

    targets = {
        endpoint: factories.UserFactory(organisation=organisation, roles=(RM,)).id
        for endpoint in (
            "user_detail",
            "disable_user",
            "enable_user",
            "reissue_invitation",
            "link_staff",
        )
    }
    invited = factories.UserFactory(organisation=organisation, roles=(CH,))
    token = accounts.issue_invitation(invited, timedelta(days=7), users[HR])

    job = import_jobs.queue(organisation.id, "staff", "big.csv", b"staff_number\n1\n", users[HR])
    # Published figures for the benchmarking pages (organisations in the viewers' region).
    rng = random.Random(len(code))
    plain = synthetic.plain_counts(rng, synthetic.trust(rng), 2026)
    benchmarking.store(
        organisation, 2026, date(2026, 3, 31), synthetic.published(code, 2026, plain)
    )
    db.session.flush()
    years = planning.goal_years(2026, 2028)
    goal_set = goals.propose(
        organisation.id,
        users[HR],
        base_year=2026,
        target_year=2028,
        model_as_at=today_london(),
        model_target_share=0.2,
        values={
            (m, y): 1.25 if m == planning.INDICATOR2 else 0.2
            for m in planning.MEASURES
            for y in years
        },
        model_values={},
        note="",
    )

    def action(owner):
        return goals.add_action(
            organisation.id,
            users[HR],
            title="Batch interviews at 8a",
            detail="",
            owner=owner,
            due_date=today_london(),
            serves="8a",
        ).id

    common = dict(
        organisation=organisation.id,
        import_job=job.id,
        leader=leader.id,
        staff=staff.id,
        applicant=applicant.id,
        pool_member=pool_member.id,
        users=targets,
        invitation=token,
    )
    own = Scope(
        goal_set=goal_set.id,
        action=action(users[SL]),
        vacancy=ours.id,
        batch=our_batch.id,
        justification=our_justification.id,
        relationship=relationship.id,
        goal=goal.id,
        panel_members=panel_members(ours, (HR, RM, "")),
        notifications={role: notification(user) for role, user in users.items()},
        **common,
    )
    unrelated = Scope(
        goal_set=goal_set.id,
        action=action(other_manager),
        vacancy=theirs.id,
        batch=their_batch.id,
        justification=their_justification.id,
        relationship=unrelated_relationship.id,
        goal=unrelated_goal.id,
        panel_members=panel_members(theirs, (HR, "")),
        notifications=dict.fromkeys(EVERYONE, notification(other_manager)),
        **common,
    )
    return users, own, unrelated


@dataclass
class World:
    app: object
    users: dict
    scopes: dict[str, Scope]
    clients: dict = field(default_factory=dict)

    def client(self, role: str):
        if role == ANONYMOUS:
            return self.app.test_client()
        if role not in self.clients:
            client = self.app.test_client()
            assert sign_in(client, self.users[role]).status_code == 302
            self.clients[role] = client
        return self.clients[role]


@pytest.fixture(scope="module")
def world(app):
    with app.app_context():
        _empty_tables(app)
        try:
            users, own, unrelated = _organisation("RAA")
            # Another organisation whose vacancies and batches name OUR manager: only the
            # organisation check can refuse them.
            _, other, _ = _organisation("RZZ", manager=users[RM])
            emails = {role: user.email for role, user in users.items()}
            db.session.commit()
            yield World(app, emails, {"own": own, "unrelated": unrelated, "other": other})
        finally:
            db.session.rollback()
            db.session.remove()
            _empty_tables(app)


# The expectations


Args = Callable[[Scope, str], dict | list[dict]]


@dataclass(frozen=True)
class Expect:
    allowed: frozenset[str]  # roles that may use it (on their own objects)
    args: Args | None = None  # URL arguments: one dict, or a list of variants
    # Roles allowed only on objects that are theirs (their vacancy, their relationship,
    # their message); on someone else's in their organisation they get `refused`.
    related: frozenset[str] = frozenset()
    refused: int = 403
    # Roles past the role check (for whom the object lookup decides); default `allowed`.
    gate: frozenset[str] | None = None
    public: bool = False  # anonymous visitors may use it
    org_scoped: bool = True  # its URL names organisation-owned objects
    ends_session: bool = False
    # A POST's form beyond the CSRF token, where an empty one would stop at validation before
    # the code worth reaching; built at the time of the request from the scope and the role.
    form: Callable[[Scope, str, dict], dict] | None = None  # (scope, role, URL arguments)

    def expected(self, role: str, scope: str) -> str | int:
        """ "allowed", "sign-in", or a status code."""
        if role == ANONYMOUS:
            return "allowed" if self.public else "sign-in"
        if scope == "other" and self.args is not None and self.org_scoped:
            return 404 if role in (self.gate or self.allowed) else 403
        if scope == "unrelated" and role in self.related:
            return self.refused
        return "allowed" if role in self.allowed else 403

    def scopes(self) -> tuple[str, ...]:
        if self.args is None or not self.org_scoped:
            return ("own",)
        return ("own", "unrelated", "other") if self.related else ("own", "other")


def E(allowed, args=None, **kwargs) -> Expect:
    return Expect(
        frozenset(allowed),
        args,
        **{k: frozenset(v) if k in ("related", "gate") else v for k, v in kwargs.items()},
    )


MANAGERS = (HR, RM)


_references = itertools.count(1)


def _external_member_form(_scope, _role, values) -> dict:
    owner = db.session.get(KINDS[values["kind"]], values["owner_id"])
    panel = recruitment.panel_for(owner, values["stage"], create=False)
    return {
        "external-external_name": "Dr Ama Mensah",
        "external-external_ethnic_category": "N",
        "external-role": "member",
        "external-version": str(panel.version if panel else 1),  # a new panel starts at 1
    }


def _relationship_form(scope, _role, _values) -> dict:
    relationship = db.session.get(MentoringRelationship, scope.relationship)
    return {
        "kind": relationship.kind,
        "start_date": relationship.start_date.isoformat(),
        "agreement": "Meet monthly",
        "version": str(relationship.version),
    }


def _session_form(_scope, _role, _values) -> dict:
    return {
        "held_on": (today_london() - timedelta(days=1)).isoformat(),
        "minutes": "45",
        "format": "video",
        "summary": "Agreed a reading list",
        "private_note": "A note for the two of us",
    }


def _vacancy_form(vacancy: Vacancy) -> dict:
    """The edit form as the page sends it, changing only the title."""
    return {
        "reference": vacancy.reference,
        "title": "Ward Manager",
        "pay_band": vacancy.pay_band,
        "staff_group": vacancy.staff_group or "",
        "posts": str(vacancy.posts),
        "recruiting_manager_id": str(vacancy.recruiting_manager_id or 0),  # HR's form only
        "version": str(vacancy.version),
    }


OWNERS = lambda s, _role: [  # noqa: E731
    {"kind": "vacancies", "owner_id": s.vacancy},
    {"kind": "batches", "owner_id": s.batch},
]
PANELS = lambda s, role: [{**o, "stage": "interview"} for o in OWNERS(s, role)]  # noqa: E731
RELATIONSHIP = lambda s, _role: {"relationship_id": s.relationship}  # noqa: E731
PARTICIPANT = {"related": (SL, RM), "gate": EVERYONE}  # login_required, then "are you one of two"
LEADER = lambda s, _role: {"staff_id": s.leader}  # noqa: E731
USER = lambda endpoint: lambda s, _role: {"user_id": s.users[endpoint]}  # noqa: E731

GOAL_SET = lambda s, _role: {"goal_set_id": s.goal_set}  # noqa: E731
ACTION = lambda s, _role: {"action_id": s.action}  # noqa: E731


def _progress_form(scope) -> dict:
    action = db.session.get(Action, scope.action)
    return {
        "version": str(action.version),
        "written_on": today_london().isoformat(),
        "text": "Agreed the first round",
        "status": "in-progress",
    }


EXPECTATIONS: dict[str, Expect] = {
    # Signing in and the account. An invitation link is its own credential, whoever opens it.
    "accounts.accept_invitation": E(
        EVERYONE, lambda s, _r: {"token": s.invitation}, public=True, org_scoped=False
    ),
    "accounts.account": E(EVERYONE),
    "accounts.change_password": E(EVERYONE),
    "accounts.login": E(EVERYONE, public=True),
    "accounts.forgotten_password": E(EVERYONE, public=True),
    # A person's own declaration that they count as a BME panel member (their account page).
    "recruitment.panel_declaration": E(EVERYONE),
    "accounts.logout": E(EVERYONE, public=True, ends_session=True),
    # HR's user pages
    "accounts.user_list": E([HR]),
    "accounts.invite_user": E([HR]),
    "accounts.user_detail": E(
        [HR], USER("user_detail"), form=lambda *_: {"roles": ["recruiting-manager", "chair"]}
    ),
    "accounts.disable_user": E([HR], USER("disable_user")),
    "accounts.enable_user": E([HR], USER("enable_user")),
    "accounts.reissue_invitation": E([HR], USER("reissue_invitation")),
    "accounts.link_staff": E([HR], USER("link_staff")),
    # Home and fixed pages
    "home.index": E(EVERYONE),
    "home.accessibility": E(EVERYONE, public=True),
    "home.privacy": E(EVERYONE, public=True),
    # Justifications: HR and the chair read all; a manager reads and writes only their own.
    "justifications.queue": E([HR, CH, RM]),
    "justifications.register": E([HR, CH]),
    "justifications.detail": E(
        [HR, CH, RM], lambda s, _r: {"justification_id": s.justification}, related=[RM]
    ),
    "justifications.write": E(
        [RM], lambda s, _r: {"justification_id": s.justification}, related=[RM]
    ),
    "justifications.review": E([CH], lambda s, _r: {"justification_id": s.justification}),
    # Mentoring: the two people in a relationship; HR reads it but cannot write in it.
    "mentoring.mine": E(EVERYONE),
    "mentoring.new": E([SL]),
    "mentoring.detail": E([HR, SL, RM], RELATIONSHIP, **PARTICIPANT),
    "mentoring.log_session": E([SL, RM], RELATIONSHIP, form=_session_form, **PARTICIPANT),
    "mentoring.add_goal": E(
        [SL, RM], RELATIONSHIP, form=lambda *_: {"text": "Speak at the network"}, **PARTICIPANT
    ),
    "mentoring.update_goal": E(
        [SL, RM],
        lambda s, _r: {"relationship_id": s.relationship, "goal_id": s.goal},
        **PARTICIPANT,
    ),
    "mentoring.change": E([SL, RM], RELATIONSHIP, form=_relationship_form, **PARTICIPANT),
    "mentoring.end": E([SL, RM], RELATIONSHIP, **PARTICIPANT),
    # Appraisal evidence: a leader's own, or HR's for any leader of the organisation.
    "mentoring.evidence /mentoring/evidence": E([SL]),
    "mentoring.evidence /mentoring/evidence/<int:staff_id>": E([HR], LEADER),
    "mentoring.evidence_document /mentoring/evidence.html": E([SL]),
    "mentoring.evidence_document /mentoring/evidence/<int:staff_id>.html": E([HR], LEADER),
    "mentoring.evidence_csv /mentoring/evidence.csv": E([SL]),
    "mentoring.evidence_csv /mentoring/evidence/<int:staff_id>.csv": E([HR], LEADER),
    "mentoring.coverage": E([HR]),
    "mentoring.outcomes": E([HR]),
    "mentoring.imports_page": E([HR]),
    # Figures: HR and the chair for their organisation; regional viewers see aggregates.
    "metrics.dashboard": E([HR, CH]),
    "metrics.section": E(
        [HR, CH],
        lambda _s, _r: [{"slug": section.slug} for section in SECTIONS],
        org_scoped=False,
    ),
    "metrics.chart": E(
        [HR, CH],
        lambda _s, _r: [{"name": n} for n in ("indicator2-trend", "senior-shares", "trajectory")],
        org_scoped=False,
    ),
    "metrics.download": E(
        [HR, CH], lambda _s, _r: [{"fmt": "csv"}, {"fmt": "xlsx"}], org_scoped=False
    ),
    # Goals and the action plan: HR proposes and changes proposals, a chair or HR approves;
    # an action's owner (whatever their role) reads it and records progress.
    "goals.index": E([HR, CH]),
    "goals.new": E([HR]),
    "goals.detail": E([HR, CH], GOAL_SET),
    "goals.edit": E([HR], GOAL_SET),
    "goals.approve": E([HR, CH], GOAL_SET),
    "goals.new_action": E([HR, CH]),
    "goals.action": E([HR, CH, SL], ACTION, related=[SL], gate=EVERYONE),
    "goals.progress": E(
        [HR, CH, SL],
        ACTION,
        related=[SL],
        gate=EVERYONE,
        form=lambda s, _r, _a: _progress_form(s),
    ),
    "goals.edit_action": E([HR, CH], ACTION),
    "board_report.index": E([HR, CH]),
    "board_report.download": E(
        [HR, CH], lambda _s, _r: [{"fmt": "html"}, {"fmt": "pdf"}], org_scoped=False
    ),
    # The regional view's old address leads to the benchmarking page.
    "metrics.regional": E(VIEWERS),
    # Benchmarking: national and regional teams, published figures only. Which organisations
    # a viewer may open is decided by region (tests/benchmarking), not by the viewer's own
    # organisation, so only "own" is asked here.
    "benchmarking.index": E(VIEWERS),
    "benchmarking.download": E(VIEWERS),
    "benchmarking.organisation": E(
        VIEWERS, lambda s, _r: {"organisation_id": s.organisation}, org_scoped=False
    ),
    "benchmarking.organisation_download": E(
        VIEWERS, lambda s, _r: {"organisation_id": s.organisation}, org_scoped=False
    ),
    # Staff survey (indicators 5 to 8) and the ethnicity pay gap: aggregates for HR and the
    # chair; only HR imports survey results.
    "survey.imports_page": E([HR]),
    "survey.dashboard": E([HR, CH]),
    "survey.chart": E([HR, CH]),
    "paygap.dashboard": E([HR, CH]),
    "paygap.chart": E(
        [HR, CH],
        lambda _s, _r: [{"name": n} for n in ("quartiles", "breakdown")],
        org_scoped=False,
    ),
    # Indicators 3 and 4: their dashboard section for HR and the chair; HR imports the files.
    "wres_return.section": E([HR, CH]),
    "wres_return.chart": E(
        [HR, CH],
        lambda _s, _r: [{"name": n} for n in ("indicator3-trend", "indicator4-trend")],
        org_scoped=False,
    ),
    "wres_return.imports_page": E(
        [HR], lambda _s, _r: [{"kind": "disciplinary"}, {"kind": "training"}], org_scoped=False
    ),
    # Each user's own inbox; someone else's message is not found.
    "notifications.inbox": E(EVERYONE),
    "notifications.mark_all_read": E(EVERYONE),
    "notifications.failed_emails": E([HR]),
    "notifications.open_notification": E(
        EVERYONE,
        lambda s, role: {"notification_id": s.notifications.get(role, s.notifications[HR])},
        related=EVERYONE,
        refused=404,
    ),
    # Recruitment: HR, or the manager responsible for the vacancy or batch.
    "recruitment.vacancy_list": E(MANAGERS),
    "recruitment.batch_list": E(MANAGERS),
    "recruitment.new_vacancy": E(MANAGERS),
    "recruitment.new_batch": E(MANAGERS),
    "recruitment.vacancy_detail": E(MANAGERS, lambda s, _r: {"owner_id": s.vacancy}, related=[RM]),
    "recruitment.edit_vacancy": E(
        MANAGERS,
        lambda s, _r: {"owner_id": s.vacancy},
        related=[RM],
        form=lambda s, _r, _a: _vacancy_form(db.session.get(Vacancy, s.vacancy)),
    ),
    "recruitment.batch_detail": E(MANAGERS, lambda s, _r: {"owner_id": s.batch}, related=[RM]),
    "recruitment.new_batch_vacancy": E(MANAGERS, lambda s, _r: {"owner_id": s.batch}, related=[RM]),
    "recruitment.new_applicant": E(
        MANAGERS, OWNERS, related=[RM], form=lambda *_: {"reference": f"P-{next(_references)}"}
    ),
    "recruitment.outcomes": E(MANAGERS, OWNERS, related=[RM]),
    "recruitment.scores": E(MANAGERS, OWNERS, related=[RM]),
    "recruitment.decision": E(MANAGERS, OWNERS, related=[RM]),
    "recruitment.close": E(MANAGERS, OWNERS, related=[RM]),
    "recruitment.panel": E(MANAGERS, PANELS, related=[RM]),
    "recruitment.add_staff_member": E(MANAGERS, PANELS, related=[RM]),
    "recruitment.add_external_member": E(
        MANAGERS, PANELS, related=[RM], form=_external_member_form
    ),
    "recruitment.confirm_panel": E(MANAGERS, PANELS, related=[RM]),
    "recruitment.remove_member": E(
        MANAGERS,
        lambda s, role: {
            "kind": "vacancies",
            "owner_id": s.vacancy,
            "stage": "interview",
            "member_id": s.member(role),
        },
        related=[RM],
    ),
    # HR only: the pool, applicants' equality data, imports, compliance
    "recruitment.pool": E([HR]),
    "recruitment.remove_from_pool": E([HR], lambda s, _r: {"member_id": s.pool_member}),
    "recruitment.applicant_detail": E([HR], lambda s, _r: {"applicant_id": s.applicant}),
    "recruitment.imports_page": E([HR]),
    "recruitment.compliance": E([HR]),
    # Workforce: HR only
    "workforce.staff_list": E([HR]),
    "workforce.staff_detail": E([HR], lambda s, _r: {"staff_id": s.staff}),
    "workforce.import_history": E([HR]),
    "workforce.import_job": E([HR], lambda s, _r: {"job_id": s.import_job}),
    "workforce.settings": E([HR]),
}


# The rules, read from the app itself


def _rules() -> dict[str, Rule]:
    """Every rule but static files, by its key in EXPECTATIONS."""
    url_map = create_app("testing").url_map
    rules = [r for r in url_map.iter_rules() if r.endpoint != "static"]
    count = {}
    for rule in rules:
        count[rule.endpoint] = count.get(rule.endpoint, 0) + 1
    return {
        (rule.endpoint if count[rule.endpoint] == 1 else f"{rule.endpoint} {rule.rule}"): rule
        for rule in rules
    }


RULES = _rules()


def _methods(rule: Rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def _cases():
    for key in sorted(RULES):
        expect = EXPECTATIONS.get(key)
        if expect is None:
            continue  # reported by test_every_route_has_expectations
        for scope in expect.scopes():
            for role in ROLES:
                if role == ANONYMOUS and scope != "own":
                    continue  # anonymous visitors have no organisation
                yield pytest.param(key, role, scope, id=f"{key}|{role}|{scope}")


def test_every_route_has_expectations():
    missing = sorted(set(RULES) - set(EXPECTATIONS))
    stale = sorted(set(EXPECTATIONS) - set(RULES))
    assert not missing, f"routes with no entry in EXPECTATIONS: {missing}"
    assert not stale, f"EXPECTATIONS for routes that no longer exist: {stale}"
    for key, rule in RULES.items():
        takes_args = bool(rule.arguments)
        assert takes_args == (EXPECTATIONS[key].args is not None), (
            f"{key}: the entry's URL arguments do not match the rule {rule.rule}"
        )


def _urls(world: World, rule: Rule, expect: Expect, role: str, scope: str):
    """(URL arguments, URL) for each variant the entry names."""
    if expect.args is None:
        variants = [{}]
    else:
        built = expect.args(world.scopes[scope], role)
        variants = built if isinstance(built, list) else [built]
    adapter = world.app.url_map.bind("localhost")
    return [(values, adapter.build(rule.endpoint, values)) for values in variants]


def _request(client, method: str, url: str, form: dict | None = None):
    # A POST carries a valid CSRF token (BrowserLikeClient adds it) and, unless the entry gives
    # a minimal form, nothing else.
    if method == "POST":
        return client.post(url, data=dict(form or {}))
    return client.open(url, method=method)


def _check(
    response, expected, where: str, *, post: bool, valid_form: bool = False, may_sign_out=False
) -> None:
    where = f"{where}: got {response.status_code}"
    location = response.headers.get("Location", "")
    assert response.status_code != 500, where
    if expected == "allowed":
        if valid_form:  # a minimal valid form is saved, and the page moves on
            assert response.status_code == 302, where
        assert response.status_code in ({200, 302, 400} if post else {200, 302}), where
        if response.status_code == 302 and not may_sign_out:
            assert not location.startswith("/sign-in"), f"{where}, sent to sign in"
    elif expected == "sign-in":
        assert response.status_code == 302 and location.startswith("/sign-in"), where
    else:
        assert response.status_code == expected, where


@pytest.mark.parametrize(("key", "role", "scope"), list(_cases()))
def test_access(world, key, role, scope):
    rule, expect = RULES[key], EXPECTATIONS[key]
    expected = expect.expected(role, scope)
    for values, url in _urls(world, rule, expect, role, scope):
        for method in _methods(rule):
            form = None
            if method == "POST" and expect.form is not None:
                form = expect.form(world.scopes[scope], role, values)
            response = _request(world.client(role), method, url, form)
            _check(
                response,
                expected,
                f"{method} {url} as {role} ({scope})",
                post=method == "POST",
                valid_form=form is not None,
                may_sign_out=role == ANONYMOUS or expect.ends_session,
            )
            if expect.ends_session:
                world.clients.pop(role, None)


# Ids no id column can hold (INTEGER: 32 bits on PostgreSQL), and digits that are not ASCII,
# never reach a view; the largest id that can exist reaches it and is simply not found.

UNROUTABLE = {
    "2^31": str(MAX_DATABASE_ID + 1),
    "2^63": str(2**63),
    "superscript two": "\u00b2",
    "Arabic-Indic three": "\u0663",
    "full-width one": "\uff11",
}


def _int_arguments(rule: Rule) -> list[str]:
    return [name for name, c in rule._converters.items() if isinstance(c, IntegerConverter)]


def _odd_id_cases():
    for key, rule in sorted(RULES.items()):
        if key in EXPECTATIONS and _int_arguments(rule):
            # Routing refuses these before any role check; the largest id then meets HR's
            # object lookup, or sends a visitor to sign in.
            for role in (HR, ANONYMOUS):
                yield pytest.param(key, role, id=f"{key}|{role}")


@pytest.mark.parametrize(("key", "role"), list(_odd_id_cases()))
def test_ids_out_of_range_or_not_ascii_digits_are_not_found(world, key, role):
    rule, expect = RULES[key], EXPECTATIONS[key]
    int_names = _int_arguments(rule)
    built = expect.args(world.scopes["own"], role)
    values = dict(built[0] if isinstance(built, list) else built)
    # Each integer argument gets a placeholder the real URL builder accepts, then the odd text.
    placeholders = {name: 900_000_001 + i for i, name in enumerate(int_names)}
    template = world.app.url_map.bind("localhost").build(rule.endpoint, {**values, **placeholders})
    for method in _methods(rule):
        client = world.client(role)
        for label, text in {"largest id": str(MAX_DATABASE_ID), **UNROUTABLE}.items():
            url = template
            for placeholder in placeholders.values():
                url = url.replace(str(placeholder), text)
            response = _request(client, method, url)
            expected = expect.expected(role, "other") if label == "largest id" else 404
            _check(response, expected, f"{method} {url} ({label}) as {role}", post=method == "POST")
