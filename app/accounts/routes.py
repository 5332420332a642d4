"""Sign-in, your account, and HR's user management. Thin: parse, call a service, commit once."""

import time
from datetime import timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user
from sqlalchemy import func, or_, select

from app.accounts import services
from app.accounts.forms import (
    ChangePasswordForm,
    DisableForm,
    ForgottenPasswordForm,
    InviteUserForm,
    LinkStaffForm,
    LoginForm,
    RolesForm,
    SetPasswordForm,
)
from app.accounts.models import User, UserRole
from app.accounts.permissions import can_manage_user, login_required, roles_required
from app.accounts.redirects import safe_next
from app.accounts.roles import ROLE_NAMES, Role
from app.accounts.scoping import get_scoped_or_404, scoped
from app.database import begin_writing
from app.extensions import db, login_manager
from app.pagination import paginate
from app.timeutil import utcnow

bp = Blueprint("accounts", __name__, template_folder="templates")
login_manager.session_protection = "strong"

# How stale a session's "last seen" may get before a request records it: one small write a
# minute per session, rather than one per request.
LAST_SEEN_EVERY = timedelta(minutes=1)


@login_manager.user_loader
def load_user(identity: str) -> User | None:
    """The cookie's identity is a session secret: live only while its row is open."""
    record = services.open_session(identity, current_app.config["IDLE_TIMEOUT"])
    if record is None:
        return None
    g.user_session = record
    user = record.user
    user.session_secret = identity
    return user


@bp.before_app_request
def end_idle_sessions():
    """Sign out a session left alone longer than IDLE_TIMEOUT; note when a session is used."""
    if request.endpoint == "static" or not current_user.is_authenticated:
        return None
    now = time.time()
    last_active = session.get("last_active", now)
    if now - last_active > current_app.config["IDLE_TIMEOUT"].total_seconds():
        begin_writing()
        services.end_session(g.user_session, "idle")
        db.session.commit()
        logout_user()
        session.clear()
        flash("You were signed out because you had not used the service for a while.")
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    session["last_active"] = now
    record, moment = g.user_session, utcnow()
    if moment - record.last_seen_at > LAST_SEEN_EVERY:
        # Committed here, before the view runs, so the view's own single commit is untouched.
        begin_writing()
        services.touch_session(record, moment)
        db.session.commit()
    return None


def _address() -> str:
    return request.remote_addr or "unknown"


def _throttled(template: str, wait_seconds: int, **context):
    """The same page again, what was typed kept, with how long to wait (also as Retry-After)."""
    response = current_app.make_response((render_template(template, **context), 429))
    response.headers["Retry-After"] = str(wait_seconds)
    return response


@bp.route("/sign-in", methods=["GET", "POST"])
def login():
    next_path = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_path)
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        try:
            user = services.sign_in(form.email.data, form.password.data, _address())
        except services.Throttled as exc:
            return too_many_attempts(wait_seconds=exc.wait_seconds)
        if user:
            secret = services.start_session(user, request.user_agent.string, _address())
            db.session.commit()
            session.clear()  # a fresh session on sign-in: nothing carried over from before
            user.session_secret = secret
            login_user(user, remember=False)
            session.permanent = True
            session["last_active"] = time.time()
            return redirect(next_path)
        db.session.commit()  # the failure is counted
        error = "The email address or password is not right"
    return render_template("accounts/login.html", form=form, error=error), 200


def too_many_attempts(_limit=None, wait_seconds: int = 60):
    """Throttled sign-in: same page, what was typed kept, a clear reason."""
    return _throttled(
        "accounts/login.html",
        wait_seconds,
        form=LoginForm(),
        error=f"Too many sign-in attempts. {_wait_text(wait_seconds)}",
    )


def _wait_text(wait_seconds: int) -> str:
    minutes, seconds = divmod(wait_seconds, 60)
    parts = [f"{minutes} minute{'s' if minutes != 1 else ''}"] if minutes else []
    if seconds or not minutes:
        parts.append(f"{seconds} second{'s' if seconds != 1 else ''}")
    return f"Wait {' and '.join(parts)}, then try again."


@bp.route("/sign-out", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        services.end_session(g.user_session, "signed-out")
        db.session.commit()
    logout_user()
    session.clear()
    flash("You have signed out.")
    return redirect(url_for("accounts.login"))


@bp.route("/forgotten-password", methods=["GET", "POST"])
def forgotten_password():
    form = ForgottenPasswordForm()
    if form.validate_on_submit():
        try:
            services.request_password_reset(form.email.data, _address())
        except services.Throttled as exc:
            return _throttled(
                "accounts/forgotten_password.html",
                exc.wait_seconds,
                form=form,
                error=f"Too many requests from here. {_wait_text(exc.wait_seconds)}",
            )
        db.session.commit()
        return render_template(
            "accounts/reset_sent.html", email=services.normalise_email(form.email.data)
        )
    return render_template("accounts/forgotten_password.html", form=form, error=None)


@bp.route("/account")
@login_required
def account():
    staff = services.staff_record_for(current_user)
    return render_template("accounts/account.html", staff=staff)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                current_user,
                form.current_password.data,
                form.new_password.data,
                keep=g.user_session,
            )
        except services.Throttled as exc:
            db.session.rollback()
            form.current_password.errors.append(
                f"Too many wrong attempts. {_wait_text(exc.wait_seconds)}"
            )
            return render_template("accounts/change_password.html", form=form), 429
        except services.AccountError as exc:
            db.session.commit()  # a wrong current password is counted
            getattr(form, exc.field).errors.append(str(exc))
        else:
            db.session.commit()
            flash("Your password has been changed. Any other sessions have been signed out.")
            return redirect(url_for("accounts.account"))
    return render_template("accounts/change_password.html", form=form)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    user = services.user_for_invitation(token)
    if user is None:
        return render_template("accounts/invitation_invalid.html"), 404
    form = SetPasswordForm()
    resetting = user.password_hash is not None
    if form.validate_on_submit():
        try:
            services.accept_invitation(user, form.new_password.data)
        except services.AccountError as exc:
            form.new_password.errors.append(str(exc))
        else:
            db.session.commit()
            if current_user.is_authenticated:
                logout_user()
            session.clear()
            flash("Your password is set. Sign in to continue.")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/set_password.html", form=form, user=user, resetting=resetting)


# HR: users of the organisation


@bp.route("/users")
@roles_required(Role.HR_ADMIN)
def user_list():
    query = scoped(User).order_by(User.full_name, User.email)
    search = request.args.get("q", "").strip()
    role = request.args.get("role", "")
    status = request.args.get("status", "")
    if search:
        like = f"%{search.lower()}%"
        query = query.where(or_(func.lower(User.full_name).like(like), User.email.like(like)))
    if role in {r.value for r in Role}:
        query = query.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == role)))
    if status == "disabled":
        query = query.where(User.disabled.is_(True))
    elif status == "active":
        query = query.where(User.disabled.is_(False))
    page = paginate(query, current_app.config["PAGE_SIZE"])
    return render_template(
        "accounts/user_list.html",
        page=page,
        search=search,
        role=role,
        status=status,
        role_names=ROLE_NAMES,
    )


@bp.route("/users/invite", methods=["GET", "POST"])
@roles_required(Role.HR_ADMIN)
def invite_user():
    form = InviteUserForm()
    if form.validate_on_submit():
        try:
            user = services.create_user(
                current_user.organisation_id,
                form.email.data,
                [Role(r) for r in form.roles.data],
                form.full_name.data,
                actor=current_user,
                staff_number=form.staff_number.data,
            )
        except services.AccountError as exc:
            getattr(form, exc.field).errors.append(str(exc))
        else:
            services.send_invitation(user, current_user)
            db.session.commit()
            flash(
                f"We have emailed an invitation to {user.email}. The link in it works once, "
                f"for {current_app.config['INVITATION_DAYS']} days."
            )
            return redirect(url_for("accounts.user_detail", user_id=user.id))
    return render_template("accounts/invite.html", form=form)


def _managed_user(user_id: int) -> User:
    user = get_scoped_or_404(User, user_id)
    if not can_manage_user(current_user, user):
        abort(403)
    return user


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.HR_ADMIN)
def user_detail(user_id: int):
    user = get_scoped_or_404(User, user_id)
    manageable = can_manage_user(current_user, user)
    form = RolesForm(data={"roles": [r.value for r in user.roles]})
    if request.method == "POST":
        if not manageable:
            abort(403)
        if form.validate_on_submit():
            services.set_roles(user, [Role(r) for r in form.roles.data], current_user)
            db.session.commit()
            flash(f"Roles for {user.display_name} saved.")
            return redirect(url_for("accounts.user_detail", user_id=user.id))
    staff = services.staff_record_for(user)
    return render_template(
        "accounts/user_detail.html",
        user=user,
        form=form,
        staff=staff,
        manageable=manageable,
        link_form=LinkStaffForm(formdata=None),
    )


@bp.route("/users/<int:user_id>/staff-record", methods=["POST"])
@roles_required(Role.HR_ADMIN)
def link_staff(user_id: int):
    user = _managed_user(user_id)
    form = LinkStaffForm()
    if form.validate_on_submit():
        try:
            staff = services.link_staff_record(user, form.staff_number.data, current_user)
        except services.AccountError as exc:
            form.staff_number.errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"{user.display_name}'s account is linked to staff record {staff.staff_number}.")
            return redirect(url_for("accounts.user_detail", user_id=user.id))
    return render_template(
        "accounts/user_detail.html",
        user=user,
        form=RolesForm(data={"roles": [r.value for r in user.roles]}),
        staff=None,
        manageable=True,
        link_form=form,
    ), 400


@bp.route("/users/<int:user_id>/disable", methods=["GET", "POST"])
@roles_required(Role.HR_ADMIN)
def disable_user(user_id: int):
    user = _managed_user(user_id)
    form = DisableForm()
    if form.validate_on_submit():
        services.set_disabled(user, True, current_user, form.reason.data or None)
        db.session.commit()
        flash(f"{user.display_name}'s account is disabled and their sessions have ended.")
        return redirect(url_for("accounts.user_detail", user_id=user.id))
    return render_template("accounts/disable.html", user=user, form=form)


@bp.route("/users/<int:user_id>/enable", methods=["POST"])
@roles_required(Role.HR_ADMIN)
def enable_user(user_id: int):
    user = _managed_user(user_id)
    services.set_disabled(user, False, current_user)
    db.session.commit()
    flash(f"{user.display_name}'s account is enabled again.")
    return redirect(url_for("accounts.user_detail", user_id=user.id))


@bp.route("/users/<int:user_id>/invitation", methods=["POST"])
@roles_required(Role.HR_ADMIN)
def reissue_invitation(user_id: int):
    """Email the person a new link to set their password. HR never sees the link: it goes to
    the account's own address, which HR cannot change."""
    user = _managed_user(user_id)
    if user.disabled:
        abort(403)
    resetting = user.password_hash is not None
    services.send_invitation(user, current_user)
    db.session.commit()
    if resetting:
        flash(f"We have emailed {user.email} a link to choose a new password.")
    else:
        flash(f"We have emailed {user.email} a new invitation.")
    return redirect(url_for("accounts.user_detail", user_id=user.id))
