"""Senior leaders' and colleagues' relationship pages, appraisal evidence, HR's coverage."""

import base64
import hashlib
import re

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import or_

from app.accounts.permissions import login_required, roles_required
from app.accounts.roles import Role
from app.accounts.scoping import get_scoped_or_404, scoped
from app.accounts.services import staff_record_for
from app.exports import attachment, csv_bytes
from app.extensions import db
from app.mentoring import queries, services
from app.mentoring.eligibility import FORMATS, TYPES, band_reason, is_senior_leader
from app.mentoring.forms import (
    ChangeRelationshipForm,
    EndForm,
    GoalForm,
    GoalProgressForm,
    RelationshipForm,
    SessionForm,
)
from app.mentoring.imports import import_mentoring
from app.mentoring.models import MentoringGoal, MentoringRelationship
from app.numbers import ascii_int
from app.pagination import paginate
from app.timeutil import today_london
from app.uploads import upload_page
from app.workforce.models import OrganisationSettings, Staff
from app.workforce.queries import PEOPLE_PER_PAGE, people_search
from app.workforce.wres_year import WresYear, year_containing

bp = Blueprint("mentoring", __name__, template_folder="templates")


def _me() -> Staff | None:
    return staff_record_for(current_user)


def _leader_or_403() -> Staff:
    me = _me()
    if (
        not current_user.has_role(Role.SENIOR_LEADER)
        or me is None
        or not is_senior_leader(me.pay_band, me.board_role)
    ):
        abort(403)
    return me


def _year() -> int:
    raw = request.args.get("year", "")
    current = year_containing(today_london()).year
    return ascii_int(raw, 2001, current + 1) or current


def _years() -> list[int]:
    current = year_containing(today_london()).year
    return list(range(current, current - 5, -1))


@bp.route("/mentoring")
@login_required
def mine():
    me = _me()
    relationships = []
    if me is not None:
        relationships = list(
            db.session.scalars(
                scoped(MentoringRelationship)
                .where(
                    or_(
                        MentoringRelationship.leader_id == me.id,
                        MentoringRelationship.colleague_id == me.id,
                    )
                )
                .order_by(MentoringRelationship.start_date.desc())
            )
        )
    leader = (
        me is not None
        and current_user.has_role(Role.SENIOR_LEADER)
        and is_senior_leader(me.pay_band, me.board_role)
    )
    return render_template(
        "mentoring/mine.html",
        me=me,
        relationships=relationships,
        leader=leader,
        types=TYPES,
        today=today_london(),
        verdicts=queries.verdicts_at_start(relationships),
    )


@bp.route("/mentoring/new", methods=["GET", "POST"])
@roles_required(Role.SENIOR_LEADER)
def new():
    me = _leader_or_403()
    form = RelationshipForm()
    find = request.args.get("find", "").strip()
    matches = (
        paginate(
            # Not the leader themself: a relationship with oneself is refused.
            people_search(me.organisation_id, find, today_london(), excluding=me.id),
            PEOPLE_PER_PAGE,
        )
        if find
        else None
    )
    settings = db.session.get(OrganisationSettings, me.organisation_id)
    band_notes = (
        {
            staff.id: band_reason(staff.pay_band, settings.mentoring_counts_non_consultant_medical)
            for staff in matches.items
        }
        if matches
        else {}
    )
    chosen = None
    colleague_id = ascii_int(form.colleague_id.data or request.args.get("colleague"))
    if colleague_id is not None:
        chosen = db.session.scalar(scoped(Staff).where(Staff.id == colleague_id))
    if request.method == "GET" and chosen is not None:
        form.colleague_id.data = str(chosen.id)
    if form.validate_on_submit():
        try:
            if chosen is None:
                raise services.MentoringError("Find and choose the colleague", "colleague_id")
            relationship = services.create_relationship(
                me,
                chosen,
                form.kind.data,
                form.start_date.data,
                current_user,
                agreement=form.agreement.data or "",
            )
        except services.MentoringError as exc:
            field = getattr(form, exc.field, None) if exc.field else None
            (field.errors if field is not None else form.form_errors).append(str(exc))
        else:
            db.session.commit()
            flash("Relationship recorded.")
            return redirect(url_for("mentoring.detail", relationship_id=relationship.id))
    verdict = services.proposal_verdict(form.kind.data or "mentoring", chosen) if chosen else None
    return render_template(
        "mentoring/new.html",
        form=form,
        find=find,
        matches=matches,
        band_notes=band_notes,
        chosen=chosen,
        verdict=verdict,
    ), 400 if form.errors or form.form_errors else 200


def _load(relationship_id: int) -> tuple[MentoringRelationship, bool]:
    """The relationship and whether the viewer is one of the two people (else HR, read-only)."""
    relationship = get_scoped_or_404(MentoringRelationship, relationship_id)
    participant = services.is_participant(relationship, _me())
    if not participant and not current_user.has_role(Role.HR_ADMIN):
        abort(403)
    return relationship, participant


def _participant(relationship_id: int) -> MentoringRelationship:
    relationship, participant = _load(relationship_id)
    if not participant:
        abort(403)
    return relationship


def _detail(
    relationship, participant, session_form=None, goal_form=None, status=200, progress_form=None
):
    notes = services.private_notes(relationship, _me()) if participant else {}
    history = queries.relationship_history(relationship)
    return render_template(
        "mentoring/detail.html",
        relationship=relationship,
        participant=participant,
        notes=notes,
        verdict=services.verdict(relationship),
        types=TYPES,
        formats=FORMATS,
        session_form=session_form or SessionForm(formdata=None, held_on=today_london()),
        goal_form=goal_form or GoalForm(formdata=None),
        progress_form=progress_form,  # a goal's progress that was refused, kept as typed
        history=history,
        today=today_london(),
        me=_me(),
    ), status


@bp.route("/mentoring/<int:relationship_id>")
@login_required
def detail(relationship_id: int):
    relationship, participant = _load(relationship_id)
    return _detail(relationship, participant)


@bp.route("/mentoring/<int:relationship_id>/sessions", methods=["POST"])
@login_required
def log_session(relationship_id: int):
    relationship = _participant(relationship_id)
    form = SessionForm()
    if form.validate_on_submit():
        try:
            services.log_session(
                relationship,
                current_user,
                held_on=form.held_on.data,
                minutes=form.minutes.data,
                format=form.format.data,
                summary=form.summary.data or "",
                private_note=form.private_note.data or "",
            )
        except services.MentoringError as exc:
            db.session.rollback()
            relationship = _participant(relationship_id)
            getattr(form, exc.field, form.held_on).errors.append(str(exc))
        else:
            db.session.commit()
            flash("Session logged.")
            return redirect(url_for("mentoring.detail", relationship_id=relationship.id))
    return _detail(relationship, True, session_form=form, status=400)


@bp.route("/mentoring/<int:relationship_id>/goals", methods=["POST"])
@login_required
def add_goal(relationship_id: int):
    relationship = _participant(relationship_id)
    form = GoalForm()
    if form.validate_on_submit():
        try:
            services.add_goal(relationship, current_user, form.text.data, form.target_date.data)
        except services.MentoringError as exc:
            form.text.errors.append(str(exc))
        else:
            db.session.commit()
            flash("Goal added.")
            return redirect(url_for("mentoring.detail", relationship_id=relationship.id))
    return _detail(relationship, True, goal_form=form, status=400)


@bp.route("/mentoring/<int:relationship_id>/goals/<int:goal_id>", methods=["POST"])
@login_required
def update_goal(relationship_id: int, goal_id: int):
    relationship = _participant(relationship_id)
    goal = db.session.get(MentoringGoal, goal_id)
    if goal is None or goal.relationship_id != relationship.id:
        abort(404)
    form = GoalProgressForm()
    if not form.validate_on_submit():
        form.goal_id = goal.id
        form.progress.id = f"progress-{goal.id}"  # the error summary links to this goal's box
        return _detail(relationship, True, progress_form=form, status=400)
    services.update_goal(goal, form.progress.data or "", form.done.data)
    db.session.commit()
    flash("Goal updated.")
    return redirect(url_for("mentoring.detail", relationship_id=relationship.id))


@bp.route("/mentoring/<int:relationship_id>/change", methods=["GET", "POST"])
@login_required
def change(relationship_id: int):
    relationship = _participant(relationship_id)
    form = ChangeRelationshipForm(obj=relationship if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = relationship.version
    if form.validate_on_submit():
        try:
            services.change_relationship(
                relationship,
                current_user,
                form.version.data,
                kind=form.kind.data,
                start=form.start_date.data,
                agreement=form.agreement.data or "",
            )
        except services.MentoringError as exc:
            db.session.rollback()
            relationship = _participant(relationship_id)
            getattr(form, exc.field or "start_date", form.start_date).errors.append(str(exc))
        else:
            db.session.commit()
            flash("Relationship updated.")
            return redirect(url_for("mentoring.detail", relationship_id=relationship.id))
    return render_template(
        "mentoring/change.html", form=form, relationship=relationship
    ), 400 if form.errors else 200


@bp.route("/mentoring/<int:relationship_id>/end", methods=["GET", "POST"])
@login_required
def end(relationship_id: int):
    relationship = _participant(relationship_id)
    form = EndForm()
    if request.method == "GET":
        form.version.data = relationship.version
        form.end_date.data = today_london()
    if form.validate_on_submit():
        try:
            services.end_relationship(
                relationship, form.end_date.data, current_user, form.version.data
            )
        except services.MentoringError as exc:
            db.session.rollback()
            relationship = _participant(relationship_id)
            form.end_date.errors.append(str(exc))
        else:
            db.session.commit()
            flash("Relationship ended.")
            return redirect(url_for("mentoring.detail", relationship_id=relationship.id))
    return render_template(
        "mentoring/end.html", form=form, relationship=relationship
    ), 400 if form.errors else 200


# Appraisal evidence


def _evidence_leader(staff_id: int | None) -> Staff:
    if staff_id is None:
        return _leader_or_403()
    if not current_user.has_role(Role.HR_ADMIN):
        abort(403)
    staff = get_scoped_or_404(Staff, staff_id)
    return staff


@bp.route("/mentoring/evidence")
@bp.route("/mentoring/evidence/<int:staff_id>")
@login_required
def evidence(staff_id: int | None = None):
    leader = _evidence_leader(staff_id)
    year = _year()
    return render_template(
        "mentoring/evidence.html",
        leader=leader,
        year=WresYear(year),
        items=queries.evidence(leader, year),
        types=TYPES,
        formats=FORMATS,
        years=_years(),
        staff_id=staff_id,
        printable=False,
    )


@bp.route("/mentoring/evidence.html")
@bp.route("/mentoring/evidence/<int:staff_id>.html")
@login_required
def evidence_document(staff_id: int | None = None):
    """A standalone, printable document to attach to the appraisal."""
    leader = _evidence_leader(staff_id)
    year = _year()
    html = render_template(
        "mentoring/evidence_document.html",
        leader=leader,
        year=WresYear(year),
        items=queries.evidence(leader, year),
        types=TYPES,
        formats=FORMATS,
    )
    name = f"mentoring-evidence-{leader.staff_number}-{WresYear(year).label.replace('/', '-')}"
    response = attachment(html, f"{name}.html", "text/html", inline=True)
    # It opens in the browser, under a policy of its own: no script at all, and only its own
    # stylesheet (inline, so the saved file keeps it), allowed by its hash.
    hashes = [
        base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
        for css in re.findall(r"<style>(.*?)</style>", html, re.S)
    ]
    styles = " ".join(f"'sha256-{h}'" for h in hashes) or "'none'"
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; style-src {styles}; "
        "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    )
    return response


@bp.route("/mentoring/evidence.csv")
@bp.route("/mentoring/evidence/<int:staff_id>.csv")
@login_required
def evidence_csv(staff_id: int | None = None):
    leader = _evidence_leader(staff_id)
    year = _year()
    rows = []
    for item in queries.evidence(leader, year):
        relationship = item.relationship
        base = [
            relationship.colleague.full_name,
            TYPES[relationship.kind],
            relationship.start_date,
            relationship.end_date or "",
            "yes" if item.counts else "no",
        ]
        for session in item.sessions or [None]:
            rows.append(
                base
                + (
                    [
                        session.held_on,
                        session.minutes or "",
                        FORMATS[session.format],
                        session.summary,
                    ]
                    if session
                    else ["", "", "", ""]
                )
            )
        for goal in item.goals:
            state = "done" if goal.done else "open"
            rows.append(
                [*base, "", "", "goal", f"{goal.text} | progress: {goal.progress} | {state}"]
            )
    header = [
        "colleague",
        "type",
        "start_date",
        "end_date",
        "counts_toward_commitment",
        "session_date",
        "minutes",
        "format",
        "summary",
    ]
    name = f"mentoring-evidence-{leader.staff_number}-{WresYear(year).label.replace('/', '-')}"
    return attachment(csv_bytes(header, rows), f"{name}.csv", "text/csv")


# HR


@bp.route("/mentoring/coverage")
@roles_required(Role.HR_ADMIN)
def coverage():
    year = _year()
    report = queries.coverage(current_user.organisation_id, year)
    shown = report.leaders
    status = request.args.get("status", "")
    role = request.args.get("role", "")
    if status in ("met", "not-met"):
        shown = [leader for leader in shown if leader.met == (status == "met")]
    if role in ("vsm", "executive", "non-executive"):
        shown = [leader for leader in shown if leader.role == role]
    if request.args.get("format") == "csv":
        rows = [
            [
                x.staff_number,
                x.name,
                x.role,
                x.counting_relationships,
                x.other_relationships,
                x.sessions_in_year,
                "yes" if x.met else "no",
            ]
            for x in shown
        ]
        return attachment(
            csv_bytes(
                [
                    "staff_number",
                    "name",
                    "role",
                    "counting_relationships",
                    "other_relationships",
                    "sessions_in_year",
                    "met",
                ],
                rows,
            ),
            f"mentoring-coverage-{year}.csv",
            "text/csv",
        )
    return render_template(
        "mentoring/coverage.html",
        report=report,
        shown=shown,
        year=WresYear(year),
        years=_years(),
        status=status,
        role=role,
    )


@bp.route("/mentoring/outcomes")
@roles_required(Role.HR_ADMIN)
def outcomes():
    return render_template(
        "mentoring/outcomes.html",
        groups=queries.outcomes(current_user.organisation_id, today_london()),
    )


@bp.route("/mentoring/imports", methods=["GET", "POST"])
@roles_required(Role.HR_ADMIN)
def imports_page():
    return upload_page(
        "mentoring", import_mentoring, "mentoring/imports.html", url_for("mentoring.imports_page")
    )
