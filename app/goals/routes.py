"""Goals and the action plan: HR proposes, a chair or HR approves; actions with owners."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from app.accounts.models import User
from app.accounts.permissions import login_required, roles_required
from app.accounts.roles import Role
from app.accounts.scoping import get_scoped_or_404, scoped
from app.audit import AuditEvent
from app.extensions import db
from app.goals import (
    jobs,  # noqa: F401  (adds overdue actions to the chair's digest)
    planning,
    queries,
    services,
)
from app.goals.forms import (
    ActionForm,
    ApproveForm,
    EditActionForm,
    ProgressForm,
    fill,
    goals_form,
    values_from,
)
from app.goals.models import Action, GoalSet
from app.timeutil import today_london

bp = Blueprint("goals", __name__, template_folder="templates")
BOARD = (Role.HR_ADMIN, Role.CHAIR)


def _history(object_type: str, object_id: int) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.organisation_id == current_user.organisation_id,
                AuditEvent.object_type == object_type,
                AuditEvent.object_id == object_id,
            )
            .order_by(AuditEvent.id.desc())
        )
    )


@bp.route("/goals")
@roles_required(*BOARD)
def index():
    org_id = current_user.organisation_id
    today = today_london()
    approved = services.current(org_id)
    proposed = services.pending(org_id)
    return render_template(
        "goals/index.html",
        approved=approved,
        proposed=proposed,
        progress=queries.for_goal_set(approved, today) if approved else None,
        sets=queries.goal_sets(org_id),
        path=queries.latest_path(org_id),
        actions=queries.actions(org_id),
        counts=queries.action_counts(org_id, today),
        today=today,
        planning=planning,
        approve_form=ApproveForm(formdata=None, version=proposed.version) if proposed else None,
    )


def _form_page(template: str, form, m, status: int = 200, **extra):
    return render_template(template, form=form, m=m, planning=planning, **extra), status


@bp.route("/goals/new", methods=["GET", "POST"])
@roles_required(Role.HR_ADMIN)
def new():
    org_id = current_user.organisation_id
    waiting = services.pending(org_id)
    if waiting is not None:
        flash("A proposal is already waiting for approval: change that one.")
        return redirect(url_for("goals.edit", goal_set_id=waiting.id))
    m = queries.model(org_id, today_london())
    form = goals_form(m.years)
    if request.method == "GET":
        fill(form, m.rows, m.years)
    if form.validate_on_submit():
        values = values_from(form, m.years)
        try:
            goal_set = services.propose(
                org_id,
                current_user,
                base_year=m.base_year,
                target_year=m.target_year,
                model_as_at=m.as_at,
                model_target_share=m.target_share,
                values=values,
                model_values={(r.measure, y): r.model.get(y) for r in m.rows for y in m.years},
                note=form.note.data or "",
            )
        except services.GoalError as exc:
            _refused(form, exc)
        else:
            db.session.commit()
            flash(f"Goals version {goal_set.number} proposed: a chair or HR approves them.")
            return redirect(url_for("goals.detail", goal_set_id=goal_set.id))
    if form.is_submitted():
        _typed(form, m)
    queries.with_implied(m)
    return _form_page("goals/form.html", form, m, 400 if form.errors or form.form_errors else 200)


def _refused(form, exc: services.GoalError) -> None:
    """A refusal about one box goes beside it (and links to it); one about the whole set
    (a proposal already waiting, a stale version) goes at the top."""
    if exc.field and exc.field in form:
        form[exc.field].errors.append(str(exc))
    else:
        form.form_errors.append(str(exc))


def _typed(form, m) -> None:
    """Show what was typed beside the model's path, so the implied recruits follow it."""
    for row in m.rows:
        for year in m.years:
            field = getattr(form, f"g_{planning.slug(row.measure)}_{year}")
            if field.data is None:
                continue
            value = float(field.data)
            row.goals[year] = value if row.measure == planning.INDICATOR2 else value / 100


def _goal_set(goal_set_id: int) -> GoalSet:
    return get_scoped_or_404(GoalSet, goal_set_id)


@bp.route("/goals/<int:goal_set_id>")
@roles_required(*BOARD)
def detail(goal_set_id: int):
    goal_set = _goal_set(goal_set_id)
    return render_template(
        "goals/detail.html",
        goal_set=goal_set,
        m=queries.for_goal_set(goal_set, today_london()),
        planning=planning,
        history=_history("goal_set", goal_set.id),
        approve_form=ApproveForm(formdata=None, version=goal_set.version),
    )


@bp.route("/goals/<int:goal_set_id>/edit", methods=["GET", "POST"])
@roles_required(Role.HR_ADMIN)
def edit(goal_set_id: int):
    goal_set = _goal_set(goal_set_id)
    if goal_set.status != "proposed":
        flash("Approved goals cannot be changed: propose a new version instead.")
        return redirect(url_for("goals.detail", goal_set_id=goal_set.id))
    m = queries.for_goal_set(goal_set, today_london())
    form = goals_form(m.years, editing=True)
    if request.method == "GET":
        fill(form, m.rows, m.years)
        form.note.data = goal_set.note
        form.version.data = goal_set.version
    if form.validate_on_submit():
        try:
            services.change(
                goal_set,
                current_user,
                form.version.data,
                values_from(form, m.years),
                form.note.data or "",
            )
        except services.GoalError as exc:
            db.session.rollback()
            _refused(form, exc)
        else:
            db.session.commit()
            flash("Proposed goals changed.")
            return redirect(url_for("goals.detail", goal_set_id=goal_set.id))
        goal_set = _goal_set(goal_set_id)
    if form.is_submitted():
        _typed(form, m)
        queries.with_implied(m)
    return _form_page(
        "goals/form.html",
        form,
        m,
        400 if form.errors or form.form_errors else 200,
        goal_set=goal_set,
    )


@bp.route("/goals/<int:goal_set_id>/approve", methods=["POST"])
@roles_required(*BOARD)
def approve(goal_set_id: int):
    goal_set = _goal_set(goal_set_id)
    form = ApproveForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.approve(goal_set, current_user, form.version.data)
    except services.GoalError as exc:
        db.session.rollback()
        flash(str(exc))
    else:
        db.session.commit()
        flash(f"Goals version {goal_set.number} approved.")
    return redirect(url_for("goals.detail", goal_set_id=goal_set_id))


# Actions


def _owner_choices() -> list[SelectChoice]:
    users = db.session.scalars(
        scoped(User).where(User.disabled.is_(False)).order_by(User.full_name, User.email)
    )
    return [SelectChoice("", "Choose the owner")] + [
        SelectChoice(str(u.id), f"{u.display_name} ({u.email})") for u in users
    ]


def _owner(raw) -> User | None:
    if not raw or not str(raw).isascii() or not str(raw).isdigit():
        return None
    return db.session.scalar(scoped(User).where(User.id == int(raw)))


@bp.route("/actions/new", methods=["GET", "POST"])
@roles_required(*BOARD)
def new_action():
    form = ActionForm()
    form.owner_id.choices = _owner_choices()
    if request.method == "GET" and request.args.get("serves") in planning.SERVES:
        form.serves.data = request.args["serves"]
    if form.validate_on_submit():
        try:
            action = services.add_action(
                current_user.organisation_id,
                current_user,
                title=form.title.data,
                detail=form.detail.data or "",
                owner=_owner(form.owner_id.data),
                due_date=form.due_date.data,
                serves=form.serves.data,
            )
        except services.GoalError as exc:
            getattr(form, exc.field or "title").errors.append(str(exc))
        else:
            db.session.commit()
            flash("Action added to the plan.")
            return redirect(url_for("goals.action", action_id=action.id))
    return render_template("goals/action_form.html", form=form, action=None), (
        400 if form.errors else 200
    )


def _action(action_id: int) -> Action:
    """HR and the chair see every action; anyone else only the actions they own."""
    action = get_scoped_or_404(Action, action_id)
    if not current_user.has_role(*BOARD) and action.owner_id != current_user.id:
        abort(403)
    return action


def _action_page(action: Action, form=None, status: int = 200):
    if form is None:
        form = ProgressForm(
            formdata=None,
            version=action.version,
            written_on=today_london(),
            status="in-progress" if action.status == "not-started" else action.status,
        )
    return render_template(
        "goals/action.html",
        action=action,
        form=form,
        planning=planning,
        today=today_london(),
        history=_history("action", action.id),
        can_edit=current_user.has_role(*BOARD),
    ), status


@bp.route("/actions/<int:action_id>")
@login_required
def action(action_id: int):
    return _action_page(_action(action_id))


@bp.route("/actions/<int:action_id>/progress", methods=["POST"])
@login_required
def progress(action_id: int):
    action = _action(action_id)
    form = ProgressForm()
    if form.validate_on_submit():
        try:
            services.record_progress(
                action,
                current_user,
                form.version.data,
                written_on=form.written_on.data,
                text=form.text.data,
                status=form.status.data,
                reason=form.reason.data or "",
            )
        except services.GoalError as exc:
            db.session.rollback()
            action = _action(action_id)
            getattr(form, exc.field or "text", form.text).errors.append(str(exc))
        else:
            db.session.commit()
            flash("Progress recorded.")
            return redirect(url_for("goals.action", action_id=action.id))
    return _action_page(action, form, 400)


@bp.route("/actions/<int:action_id>/edit", methods=["GET", "POST"])
@roles_required(*BOARD)
def edit_action(action_id: int):
    action = _action(action_id)
    form = EditActionForm(obj=action if request.method == "GET" else None)
    form.owner_id.choices = _owner_choices()
    if request.method == "GET":
        form.owner_id.data = str(action.owner_id)
        form.version.data = action.version
    if form.validate_on_submit():
        try:
            services.change_action(
                action,
                current_user,
                form.version.data,
                title=form.title.data,
                detail=form.detail.data or "",
                owner=_owner(form.owner_id.data),
                due_date=form.due_date.data,
                serves=form.serves.data,
            )
        except services.GoalError as exc:
            db.session.rollback()
            action = _action(action_id)
            getattr(form, exc.field or "title").errors.append(str(exc))
        else:
            db.session.commit()
            flash("Action changed.")
            return redirect(url_for("goals.action", action_id=action.id))
    return render_template("goals/action_form.html", form=form, action=action), (
        400 if form.errors else 200
    )
