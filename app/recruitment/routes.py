"""Recruiting managers' and HR's recruitment pages. Thin: parse, call a service, commit once."""

from decimal import Decimal, InvalidOperation

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import or_, select

from app import audit, import_jobs
from app.accounts.models import User, UserRole
from app.accounts.permissions import roles_required
from app.accounts.roles import Role
from app.accounts.scoping import (
    get_scoped_or_404,
    scope_parameters,
    scoped,
    scoped_by_parameter,
)
from app.database import writes
from app.extensions import db
from app.import_history import DataImport
from app.numbers import ascii_int
from app.pagination import paginate, paginate_keyset
from app.recruitment import events, imports, queries, services
from app.recruitment.forms import (
    ApplicantEthnicityForm,
    ApplicantForm,
    BatchForm,
    ConfirmPanelForm,
    DecisionForm,
    ExternalMemberForm,
    OutcomesForm,
    PoolMemberForm,
    RemoveMemberForm,
    StaffMemberForm,
    UploadForm,
    VacancyEditForm,
    VacancyForm,
)
from app.recruitment.models import (
    MEMBER_ROLES,
    STAGES,
    VACANCY_STATUSES,
    Applicant,
    Application,
    Batch,
    PoolMember,
    Vacancy,
)
from app.recruitment.permissions import load_owner
from app.timeutil import today_london
from app.uploads import run_upload
from app.workforce.bands import BANDS, band_name
from app.workforce.models import Staff
from app.workforce.queries import PEOPLE_PER_PAGE, people_search
from app.workforce.wres_year import year_containing

bp = Blueprint("recruitment", __name__, template_folder="templates")
MANAGERS = (Role.RECRUITING_MANAGER, Role.HR_ADMIN)


def _error(form, exc: services.RecruitmentError) -> None:
    """Put a service's refusal on the form field it concerns (or the form as a whole)."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, str(exc)]
    else:
        form.form_errors.append(str(exc))


def _filters() -> queries.RecruitmentFilters:
    args = request.args
    year = args.get("year", "")
    return queries.RecruitmentFilters(
        search=args.get("q", "").strip(),
        status=args.get("status", "") if args.get("status") in VACANCY_STATUSES else "",
        band=args.get("band", "") if args.get("band") in BANDS else "",
        year=ascii_int(year, 2001, 2099),
        mine=not current_user.has_role(Role.HR_ADMIN) or args.get("mine") == "1",
    )


def _year_choices() -> list[int]:
    this = year_containing(today_london()).year
    return list(range(this, this - 6, -1))


@bp.route("/vacancies")
@roles_required(*MANAGERS)
def vacancy_list():
    filters = _filters()
    parameters = queries.vacancy_list_parameters(filters, current_user.id)
    page = paginate_keyset(
        lambda: queries.vacancy_list_rows(
            queries.vacancy_list_query(scoped_by_parameter(Vacancy), parameters)
        ),
        current_app.config["PAGE_SIZE"],
        queries.VACANCY_ORDER,
        whole_rows=True,
        # Built once per process for each set of filters that apply (app/pagination.py).
        shape=("vacancies", *sorted(parameters)),
        parameters={**parameters, **scope_parameters()},
    )
    return render_template(
        "recruitment/vacancy_list.html",
        page=page,
        filters=filters,
        statuses=VACANCY_STATUSES,
        years=_year_choices(),
        bands=[(b, band_name(b)) for b in BANDS],
    )


@bp.route("/batches")
@roles_required(*MANAGERS)
def batch_list():
    filters = _filters()
    page = paginate_keyset(
        queries.batch_list_query(scoped(Batch), filters, current_user.id),
        current_app.config["PAGE_SIZE"],
        queries.BATCH_ORDER,
    )
    return render_template(
        "recruitment/batch_list.html",
        page=page,
        filters=filters,
        statuses=VACANCY_STATUSES,
        years=_year_choices(),
    )


def _vacancy_values(form) -> dict:
    return {
        "reference": form.reference.data,
        "title": form.title.data,
        "pay_band": form.pay_band.data,
        "staff_group": form.staff_group.data or None,
        "department": form.department.data or "",
        "posts": form.posts.data,
        "international_recruitment": form.international_recruitment.data,
    }


@bp.route("/vacancies/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def new_vacancy():
    form = VacancyForm()
    if form.validate_on_submit():
        try:
            vacancy = services.create_vacancy(
                current_user.organisation_id, current_user, **_vacancy_values(form)
            )
        except services.RecruitmentError as exc:
            _error(form, exc)
        else:
            db.session.commit()
            flash(f"Vacancy {vacancy.reference} created. Next, build its panels.")
            return redirect(url_for("recruitment.vacancy_detail", owner_id=vacancy.id))
    return render_template(
        "recruitment/vacancy_form.html", form=form, batch=None
    ), 400 if form.errors else 200


@bp.route("/batches/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def new_batch():
    form = BatchForm()
    if form.validate_on_submit():
        try:
            batch = services.create_batch(
                current_user.organisation_id,
                current_user,
                reference=form.reference.data,
                name=form.name.data,
                interview_date=form.interview_date.data,
            )
        except services.RecruitmentError as exc:
            _error(form, exc)
        else:
            db.session.commit()
            flash(f"Batch {batch.reference} created. Add the vacancies it interviews for.")
            return redirect(url_for("recruitment.batch_detail", owner_id=batch.id))
    return render_template("recruitment/batch_form.html", form=form), 400 if form.errors else 200


@bp.route("/batches/<int:owner_id>/vacancies/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def new_batch_vacancy(owner_id: int):
    batch = load_owner("batches", owner_id)
    form = VacancyForm()
    if form.validate_on_submit():
        try:
            vacancy = services.create_vacancy(
                current_user.organisation_id,
                current_user,
                batch=batch,
                recruiting_manager_id=batch.recruiting_manager_id,
                **_vacancy_values(form),
            )
        except services.RecruitmentError as exc:
            _error(form, exc)
        else:
            db.session.commit()
            flash(f"Vacancy {vacancy.reference} added to batch {batch.reference}.")
            return redirect(url_for("recruitment.batch_detail", owner_id=batch.id))
    return render_template(
        "recruitment/vacancy_form.html", form=form, batch=batch
    ), 400 if form.errors else 200


def _history(owner) -> list:
    """Audit entries about this vacancy or batch and its panels, newest first."""
    from app.audit import AuditEvent
    from app.recruitment.models import Panel

    panel_ids = [
        p.id
        for p in db.session.scalars(
            select(Panel).where(getattr(Panel, f"{owner.kind}_id") == owner.id)
        )
    ]
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.organisation_id == owner.organisation_id,
                or_(
                    (AuditEvent.object_type == owner.kind) & (AuditEvent.object_id == owner.id),
                    (AuditEvent.object_type == "panel") & AuditEvent.object_id.in_(panel_ids),
                ),
            )
            .order_by(AuditEvent.id.desc())
            .limit(100)
        )
    )


def _owner_page(owner):
    panels = {stage: services.panel_for(owner, stage, create=False) for stage in STAGES}
    needs = {
        stage: services.panel_needs(panel) if panel else None for stage, panel in panels.items()
    }
    return render_template(
        "recruitment/owner_detail.html",
        owner=owner,
        panels=panels,
        needs=needs,
        applications=services.applications_of(owner),
        counts=queries.outcome_counts(owner),
        history=_history(owner),
        statuses=VACANCY_STATUSES,
        related=events.related(owner),
        # Person-level equality data is HR's alone (DOMAIN.md section 2).
        missing_equality=queries.applicants_missing_equality(owner)
        if current_user.has_role(Role.HR_ADMIN)
        else [],
    )


@bp.route("/vacancies/<int:owner_id>")
@roles_required(*MANAGERS)
def vacancy_detail(owner_id: int):
    vacancy = load_owner("vacancies", owner_id)
    return _owner_page(vacancy)


@bp.route("/batches/<int:owner_id>")
@roles_required(*MANAGERS)
def batch_detail(owner_id: int):
    return _owner_page(load_owner("batches", owner_id))


def _manager_choices(organisation_id: int) -> list[tuple[int, str]]:
    users = db.session.scalars(
        select(User)
        .join(UserRole)
        .where(
            User.organisation_id == organisation_id,
            User.disabled.is_(False),
            UserRole.role == Role.RECRUITING_MANAGER.value,
        )
        .order_by(User.full_name)
    )
    return [(0, "Not assigned")] + [(u.id, u.display_name) for u in users]


@bp.route("/vacancies/<int:owner_id>/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def edit_vacancy(owner_id: int):
    vacancy = load_owner("vacancies", owner_id)
    form = VacancyEditForm(obj=vacancy if request.method == "GET" else None)
    form.recruiting_manager_id.choices = _manager_choices(vacancy.organisation_id)
    if request.method == "GET":
        form.version.data = vacancy.version
        form.recruiting_manager_id.data = vacancy.recruiting_manager_id or 0
        form.staff_group.data = vacancy.staff_group or ""
    hr = current_user.has_role(Role.HR_ADMIN)
    if not hr:
        # Managers cannot hand a vacancy to someone else. WTForms leaves a deleted field's
        # attribute set to None, so the role (not hasattr) decides below.
        del form.recruiting_manager_id
    if form.validate_on_submit():
        values = _vacancy_values(form)
        if hr:
            values["recruiting_manager_id"] = form.recruiting_manager_id.data or None
        try:
            if values["reference"] != vacancy.reference and services._reference_taken(
                Vacancy, vacancy.organisation_id, values["reference"], vacancy.id
            ):
                raise services.RecruitmentError(
                    f"There is already a vacancy {values['reference']}", "reference"
                )
            services.update_vacancy(vacancy, current_user, form.version.data, **values)
        except services.RecruitmentError as exc:
            db.session.rollback()
            _error(form, exc)
            form.version.data = db.session.get(Vacancy, owner_id).version
        else:
            db.session.commit()
            flash("Vacancy details saved.")
            return redirect(url_for("recruitment.vacancy_detail", owner_id=vacancy.id))
    return render_template(
        "recruitment/vacancy_edit.html", form=form, vacancy=vacancy
    ), 400 if form.errors or form.form_errors else 200


# Applicants, outcomes and the decision


def _detail_url(owner) -> str:
    endpoint = (
        "recruitment.vacancy_detail" if owner.kind == "vacancy" else "recruitment.batch_detail"
    )
    return url_for(endpoint, owner_id=owner.id)


def _override_reason(owner) -> str | None:
    """HR may change a locked decision, giving a reason; for anyone else None keeps it locked."""
    if current_user.has_role(Role.HR_ADMIN) and services.locked(owner):
        return request.form.get("override_reason", "")
    return None


def _recruiting_owner(kind: str, owner_id: int):
    """Applicants, panels and decisions of a vacancy in a batch are recorded on the batch."""
    owner = load_owner(kind, owner_id)
    if owner.kind == "vacancy" and owner.batch_id:
        abort(404)
    return owner


@bp.route("/<any(vacancies, batches):kind>/<int:owner_id>/applicants/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def new_applicant(kind: str, owner_id: int):
    owner = _recruiting_owner(kind, owner_id)
    form = ApplicantForm()
    if form.validate_on_submit():
        try:
            services.add_applicant(
                owner,
                form.reference.data,
                current_user,
                may_reuse=current_user.has_role(Role.HR_ADMIN),
                override_reason=_override_reason(owner),
            )
        except services.RecruitmentError as exc:
            _error(form, exc)
        else:
            db.session.commit()
            flash(f"Applicant {form.reference.data.strip()} added.")
            return redirect(_detail_url(owner))
    return render_template(
        "recruitment/applicant_form.html",
        form=form,
        owner=owner,
        locked=services.locked(owner),
        override_reason=request.form.get("override_reason", ""),
    ), 400 if form.errors or form.form_errors else 200


def _posted_outcomes(applications) -> dict[int, services.Outcome]:
    form = request.form
    outcomes = {}
    for application in applications:
        post = form.get(f"post-{application.id}", "")
        outcomes[application.id] = services.Outcome(
            shortlisted=f"shortlisted-{application.id}" in form,
            interviewed=f"interviewed-{application.id}" in form,
            appointed=f"appointed-{application.id}" in form or ascii_int(post) is not None,
            withdrawn=f"withdrawn-{application.id}" in form,
            appointed_vacancy_id=ascii_int(post),
        )
    return outcomes


@bp.route("/<any(vacancies, batches):kind>/<int:owner_id>/outcomes", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def outcomes(kind: str, owner_id: int):
    owner = _recruiting_owner(kind, owner_id)
    applications = services.applications_of(owner)
    form = OutcomesForm()
    shown = {
        a.id: services.Outcome(
            a.shortlisted, a.interviewed, a.appointed, a.withdrawn, a.appointed_vacancy_id
        )
        for a in applications
    }
    errors: list[tuple[str, str | None]] = []  # (message, id of the box on its row)
    if request.method == "GET":
        form.version.data = owner.version
    elif form.validate_on_submit():
        shown = _posted_outcomes(applications)
        try:
            services.record_outcomes(
                owner, shown, form.version.data, current_user, _override_reason(owner)
            )
        except services.RecruitmentError as exc:
            db.session.rollback()
            errors.extend(exc.problems)
            form.version.data = form.version.data  # keep the version the person started from
        else:
            db.session.commit()
            flash("Outcomes saved.")
            return redirect(_detail_url(owner))
    else:
        errors.append(("The form could not be read. Reload the page and try again.", None))
    return render_template(
        "recruitment/outcomes.html",
        owner=owner,
        applications=applications,
        shown=shown,
        form=form,
        errors=errors,
        locked=services.locked(owner),
        override_reason=request.form.get("override_reason", ""),
    ), 400 if errors else 200


def _posted_scores(
    applications, members
) -> tuple[dict, Decimal | None, list[tuple[str, str | None]]]:
    scores, errors = {}, []
    for application in applications:
        for member in members:
            raw = request.form.get(f"score-{application.id}-{member.id}", "").strip()
            try:
                scores[(application.id, member.id)] = Decimal(raw) if raw else None
            except InvalidOperation:
                errors.append(
                    (
                        f"{application.applicant.reference}, {member.name}: {raw!r} is not a "
                        "number",
                        f"score-{application.id}-{member.id}",
                    )
                )
    raw_out_of = request.form.get("out_of", "").strip()
    try:
        out_of = Decimal(raw_out_of) if raw_out_of else None
    except InvalidOperation:
        out_of = None
        errors.append((f"Highest possible score: {raw_out_of!r} is not a number", "out_of"))
    return scores, out_of, errors


@bp.route("/<any(vacancies, batches):kind>/<int:owner_id>/scores", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def scores(kind: str, owner_id: int):
    """Optional interview scores; they appear in the process followed that the chair reads."""
    owner = _recruiting_owner(kind, owner_id)
    panel = services.panel_for(owner, "interview", create=False)
    members = panel.members if panel else []
    applications = [a for a in services.applications_of(owner) if a.interviewed]
    form = OutcomesForm()
    saved = services.scores_of(owner)
    shown = {key: str(score.score.normalize()) for key, score in saved.items()}
    out_of = next((str(s.out_of.normalize()) for s in saved.values()), "10")
    errors: list[tuple[str, str | None]] = []  # (message, id of the box)
    if request.method == "GET":
        form.version.data = owner.version
    elif form.validate_on_submit():
        posted, out_of_value, errors = _posted_scores(applications, members)
        shown = {k: request.form.get(f"score-{k[0]}-{k[1]}", "") for k in posted}
        out_of = request.form.get("out_of", "")
        if not errors:
            try:
                services.record_scores(owner, posted, out_of_value, form.version.data, current_user)
            except services.RecruitmentError as exc:
                db.session.rollback()
                errors.extend(exc.problems)
            else:
                db.session.commit()
                flash("Interview scores saved.")
                return redirect(_detail_url(owner))
    else:
        errors.append(("The form could not be read. Reload the page and try again.", None))
    return render_template(
        "recruitment/scores.html",
        owner=owner,
        panel=panel,
        members=members,
        applications=applications,
        shown=shown,
        out_of=out_of,
        form=form,
        errors=errors,
    ), 400 if errors else 200


@bp.route("/<any(vacancies, batches):kind>/<int:owner_id>/decision", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def decision(kind: str, owner_id: int):
    owner = _recruiting_owner(kind, owner_id)
    form = DecisionForm(obj=owner if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = owner.version
    if form.validate_on_submit():
        try:
            services.record_decision(
                owner,
                form.decision_date.data,
                form.version.data,
                current_user,
                _override_reason(owner),
            )
        except services.RecruitmentError as exc:
            db.session.rollback()
            _error(form, exc)
        else:
            db.session.commit()
            follow_up = events.decision_follow_up(owner)
            if follow_up:
                message, path = follow_up
                flash(message)
                return redirect(path)
            flash("Decision recorded.")
            return redirect(_detail_url(owner))
    return render_template(
        "recruitment/decision.html",
        form=form,
        owner=owner,
        counts=queries.outcome_counts(owner),
        locked=services.locked(owner),
        override_reason=request.form.get("override_reason", ""),
    ), 400 if form.errors or form.form_errors else 200


@bp.route("/<any(vacancies, batches):kind>/<int:owner_id>/close", methods=["POST"])
@roles_required(*MANAGERS)
def close(kind: str, owner_id: int):
    owner = _recruiting_owner(kind, owner_id)
    form = OutcomesForm()
    if form.validate_on_submit():
        try:
            services.close(owner, current_user)
        except services.RecruitmentError as exc:
            db.session.rollback()
            flash(str(exc))
        else:
            db.session.commit()
            flash(f"{owner.reference} is closed.")
    return redirect(_detail_url(owner))


# Panels


def _panel_context(owner, stage: str):
    if stage not in STAGES:
        abort(404)
    panel = services.panel_for(owner, stage)
    return panel


PREFIXES = {
    StaffMemberForm: "staff",
    ExternalMemberForm: "external",
    RemoveMemberForm: "remove",
    ConfirmPanelForm: "confirm",
}


def _blank(form_class, panel, **data):
    return form_class(formdata=None, prefix=PREFIXES[form_class], version=panel.version, **data)


KINDS_OF = {"vacancy": "vacancies", "batch": "batches"}  # an owner's kind as its address spells it


def _render_panel(
    owner, panel, *, staff_form=None, external_form=None, confirm_form=None, status=200
):
    find = request.args.get("find", "").strip()
    matches = (
        paginate(
            people_search(owner.organisation_id, find, today_london()),
            PEOPLE_PER_PAGE,
            endpoint="recruitment.panel",
            view_args={"kind": KINDS_OF[owner.kind], "owner_id": owner.id, "stage": panel.stage},
        )
        if find
        else None
    )
    for form in (staff_form, external_form, confirm_form):
        if form is not None and not form.errors and not form.form_errors:
            form.version.data = panel.version
    return render_template(
        "recruitment/panel.html",
        owner=owner,
        panel=panel,
        needs=services.panel_needs(panel),
        suggestions=services.pool_suggestions(panel),
        find=find,
        matches=matches,
        staff_form=staff_form or _blank(StaffMemberForm, panel),
        external_form=external_form or _blank(ExternalMemberForm, panel),
        confirm_form=confirm_form
        or _blank(ConfirmPanelForm, panel, method=panel.method, assessment=panel.assessment),
        roles=MEMBER_ROLES,
    ), status


@bp.route("/<any(vacancies, batches):kind>/<int:owner_id>/panels/<stage>")
@roles_required(*MANAGERS)
@writes
def panel(kind: str, owner_id: int, stage: str):
    owner = _recruiting_owner(kind, owner_id)
    panel = _panel_context(owner, stage)
    db.session.commit()  # the empty panel, created on first visit
    return _render_panel(owner, panel)


def _panel_change(kind, owner_id, stage, form_class, form_arg, change, template=None):
    owner = _recruiting_owner(kind, owner_id)
    panel = _panel_context(owner, stage)
    form = form_class(prefix=PREFIXES[form_class])
    if form.validate_on_submit():
        try:
            change(panel, form)
        except services.RecruitmentError as exc:
            db.session.rollback()
            panel = _panel_context(owner, stage)
            _error(form, exc)
        else:
            db.session.commit()
            return redirect(url_for("recruitment.panel", kind=kind, owner_id=owner_id, stage=stage))
    if template:
        return template(owner, panel, form), 400
    return _render_panel(owner, panel, **{form_arg: form}, status=400)


@bp.route("/<any(vacancies, batches):kind>/<int:owner_id>/panels/<stage>/staff", methods=["POST"])
@roles_required(*MANAGERS)
def add_staff_member(kind: str, owner_id: int, stage: str):
    def change(panel, form):
        staff = None
        staff_id = ascii_int(form.staff_id.data)
        if staff_id is not None:
            staff = db.session.scalar(scoped(Staff).where(Staff.id == staff_id))
        if staff is None:
            raise services.RecruitmentError("Find the member of staff, then choose Add", "staff_id")
        services.add_member(
            panel,
            current_user,
            version=form.version.data,
            role=form.role.data,
            staff=staff,
            reason=form.reason.data,
            exception_reason=form.exception_reason.data,
        )
        flash(f"{staff.full_name} ({staff.staff_number}) added to the {panel.stage} panel.")

    return _panel_change(kind, owner_id, stage, StaffMemberForm, "staff_form", change)


@bp.route(
    "/<any(vacancies, batches):kind>/<int:owner_id>/panels/<stage>/external", methods=["POST"]
)
@roles_required(*MANAGERS)
def add_external_member(kind: str, owner_id: int, stage: str):
    def change(panel, form):
        services.add_member(
            panel,
            current_user,
            version=form.version.data,
            role=form.role.data,
            external_name=form.external_name.data,
            external_ethnic_category=form.external_ethnic_category.data,
            reason=form.reason.data,
            exception_reason=form.exception_reason.data,
        )
        flash(f"{form.external_name.data.strip()} added to the {panel.stage} panel.")

    return _panel_change(kind, owner_id, stage, ExternalMemberForm, "external_form", change)


def _member_or_404(panel, member_id: int):
    member = next((m for m in panel.members if m.id == member_id), None)
    if member is None:
        abort(404)
    return member


@bp.route(
    "/<any(vacancies, batches):kind>/<int:owner_id>/panels/<stage>/members/<int:member_id>/remove",
    methods=["GET", "POST"],
)
@roles_required(*MANAGERS)
def remove_member(kind: str, owner_id: int, stage: str, member_id: int):
    """Asks first; a confirmed panel's change needs a reason."""

    def page(owner, panel, form):
        return render_template(
            "recruitment/remove_member.html",
            owner=owner,
            panel=panel,
            member=_member_or_404(panel, member_id),
            form=form,
        )

    if request.method == "GET":
        owner = _recruiting_owner(kind, owner_id)
        panel = _panel_context(owner, stage)
        return page(owner, panel, _blank(RemoveMemberForm, panel))

    def change(panel, form):
        _member_or_404(panel, member_id)
        services.remove_member(
            panel,
            member_id,
            current_user,
            version=form.version.data,
            reason=form.reason.data,
            exception_reason=form.exception_reason.data,
        )
        flash("Member removed from the panel.")

    return _panel_change(kind, owner_id, stage, RemoveMemberForm, "remove_form", change, page)


@bp.route("/<any(vacancies, batches):kind>/<int:owner_id>/panels/<stage>/confirm", methods=["POST"])
@roles_required(*MANAGERS)
def confirm_panel(kind: str, owner_id: int, stage: str):
    def change(panel, form):
        services.confirm_panel(
            panel,
            current_user,
            version=form.version.data,
            exception_reason=form.exception_reason.data,
            method=form.method.data or "",
            assessment=form.assessment.data or "",
        )
        flash(f"The {panel.stage} panel is confirmed.")

    return _panel_change(kind, owner_id, stage, ConfirmPanelForm, "confirm_form", change)


# Anyone with a staff record: counting as a BME panel member, by their own declaration


@bp.app_template_global()
def panel_declaration_of(staff) -> bool:
    """For the account page: whether this person has declared it (their own data, shown only
    to them)."""
    return staff is not None and services.current_declaration(staff) is not None


@bp.route("/account/panel-declaration", methods=["POST"])
@login_required
def panel_declaration():
    from app.accounts.services import staff_record_for

    staff = staff_record_for(current_user)
    form = OutcomesForm()
    if staff is None or not form.validate_on_submit():
        flash("Your declaration could not be saved. Reload the page and try again.")
        return redirect(url_for("accounts.account"))
    if request.form.get("declare") == "yes":
        services.declare_for_panels(staff, current_user)
        message = "Saved: you count as a BME member on the panels you sit on."
    else:
        services.withdraw_panel_declaration(staff, current_user)
        message = "Withdrawn: your declaration is no longer used for panels."
    db.session.commit()
    flash(message)
    return redirect(url_for("accounts.account"))


# HR: the panel pool, applicants' equality data, imports and compliance


@bp.route("/panel-pool", methods=["GET", "POST"])
@roles_required(Role.HR_ADMIN)
def pool():
    form = PoolMemberForm()
    if form.validate_on_submit():
        staff = services.staff_by_number(current_user.organisation_id, form.staff_number.data)
        try:
            if staff is None:
                raise services.RecruitmentError(
                    f"There is no staff member {form.staff_number.data.strip()}", "staff_number"
                )
            services.add_to_pool(
                current_user.organisation_id,
                staff,
                form.training_date.data,
                form.note.data or "",
                current_user,
                diverse_member=form.diverse_member.data,
            )
        except services.RecruitmentError as exc:
            _error(form, exc)
        else:
            db.session.commit()
            flash(f"{staff.full_name} added to the panel pool.")
            return redirect(url_for("recruitment.pool"))
    page = paginate_keyset(
        queries.pool_query(current_user.organisation_id),
        current_app.config["PAGE_SIZE"],
        queries.POOL_ORDER,
    )
    return render_template(
        "recruitment/pool.html", form=form, page=page, remove_form=OutcomesForm()
    ), 400 if form.errors else 200


@bp.route("/panel-pool/<int:member_id>/remove", methods=["POST"])
@roles_required(Role.HR_ADMIN)
def remove_from_pool(member_id: int):
    member = get_scoped_or_404(PoolMember, member_id)
    if OutcomesForm().validate_on_submit():
        services.remove_from_pool(member, current_user)
        db.session.commit()
        flash(f"{member.staff.full_name} removed from the panel pool.")
    return redirect(url_for("recruitment.pool"))


@bp.route("/applicants/<int:applicant_id>", methods=["GET", "POST"])
@roles_required(Role.HR_ADMIN)
@writes
def applicant_detail(applicant_id: int):
    """HR only: an applicant's equality monitoring data. Every view is audited."""
    applicant = get_scoped_or_404(Applicant, applicant_id)
    form = ApplicantEthnicityForm(obj=applicant if request.method == "GET" else None)
    if form.validate_on_submit():
        before = applicant.ethnic_category
        applicant.ethnic_category = form.ethnic_category.data
        audit.record(
            applicant.organisation_id,
            current_user,
            "applicant.ethnicity_changed",
            "applicant",
            applicant.id,
            {"from": before, "to": applicant.ethnic_category},
        )
        db.session.commit()
        flash(f"Equality monitoring data for {applicant.reference} saved.")
        return redirect(url_for("recruitment.applicant_detail", applicant_id=applicant.id))
    audit.record(
        applicant.organisation_id,
        current_user,
        "applicant.ethnicity_viewed",
        "applicant",
        applicant.id,
    )
    db.session.commit()
    applications = list(
        db.session.scalars(select(Application).where(Application.applicant_id == applicant.id))
    )
    return render_template(
        "recruitment/applicant.html", applicant=applicant, form=form, applications=applications
    ), 400 if form.errors else 200


@bp.route("/recruitment/imports", methods=["GET", "POST"])
@roles_required(Role.HR_ADMIN)
def imports_page():
    kind = request.form.get("kind", "")
    forms = {"recruitment": UploadForm(prefix="recruitment"), "panels": UploadForm(prefix="panels")}
    problems = None
    if request.method == "POST" and kind in forms and forms[kind].validate_on_submit():
        apply = imports.import_recruitment if kind == "recruitment" else imports.import_panels
        done, problems = run_upload(forms[kind], apply, kind)
        if done:
            return redirect(url_for("recruitment.imports_page"))
    history = paginate(
        scoped(DataImport).where(DataImport.kind.in_(forms)).order_by(DataImport.id.desc()),
        current_app.config["PAGE_SIZE"],
    )
    failed = problems or any(f.errors for f in forms.values())
    return render_template(
        "recruitment/imports.html",
        forms=forms,
        problems=problems,
        failed_kind=kind,
        history=history,
        jobs=import_jobs.jobs_for(current_user.organisation_id, forms),
    ), 400 if failed else 200


@bp.route("/panels/compliance")
@roles_required(Role.HR_ADMIN)
def compliance():
    year = request.args.get("year", "")
    chosen = ascii_int(year, 2001, 2099)
    report = queries.panel_compliance(current_user.organisation_id, chosen)
    owners = queries.compliance_owners(current_user.organisation_id, report)
    return render_template(
        "recruitment/compliance.html",
        report=report,
        years=_year_choices(),
        breaches=[(e, queries.compliance_owner(owners, e)) for e in report.breaches],
        exceptions=[(e, queries.compliance_owner(owners, e)) for e in report.exceptions],
    )
