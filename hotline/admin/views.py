"""/admin/users: list, add, edit and deactivate users, through hotline/users.py
as the CLI does. A refused value answers 400 with the form and the reason next to
the field, and writes nothing (CSRF is checked for every form by web_security).
Phones are only ever shown masked."""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from hotline.accounts import users
from hotline.accounts.auth import role_required
from hotline.admin import bp
from hotline.admin.forms import EditUserForm, NewUserForm
from hotline.core import phones
from hotline.core.parsing import whole_number
from hotline.extensions import db
from hotline.models import Role, User


@bp.get("/users")
@role_required(Role.ADMIN)
def user_list():
    listed = db.session.scalars(select(User).order_by(User.username)).all()
    return render_template(
        "admin/users.html", users=listed, phones={user.id: users.masked_phone(user) for user in listed}
    )


@bp.route("/users/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new_user():
    form = NewUserForm()
    if form.validate_on_submit():
        try:
            user, password = users.create_user(
                form.username.data,
                Role(form.role.data),
                form.password.data or None,
                queues=form.queues.data,
                languages=form.languages.data,
                phone=form.phone.data or None,
                actor=current_user.username,
            )
        except ValueError as refusal:
            db.session.rollback()
            _put_next_to_its_field(form, refusal)
        else:
            generated = not form.password.data
            return render_template("admin/created.html", user=user, password=password if generated else None)
    status = 400 if form.is_submitted() else 200
    return render_template("admin/new_user.html", form=form), status


@bp.route("/users/<user_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_user(user_id: str):
    user = _user_or_404(user_id)
    form = EditUserForm(obj=_AsTheyAre(user))
    if form.validate_on_submit():
        if user.id == current_user.id and form.role.data != user.role:
            form.role.errors.append(_("You cannot change your own role."))
        else:
            try:
                users.update_user(
                    user,
                    role=Role(form.role.data),
                    queues=form.queues.data,
                    languages=form.languages.data,
                    interface_language=form.interface_language.data or None,
                    phone=form.phone.data or None,
                    remove_phone=form.remove_phone.data,
                    actor=current_user.username,
                )
            except ValueError as refusal:
                db.session.rollback()
                _put_next_to_its_field(form, refusal)
            else:
                return redirect(url_for("admin.user_list"))
    status = 400 if form.is_submitted() else 200
    return _edit_page(user, form, status=status)


@bp.post("/users/<user_id>/deactivate")
@role_required(Role.ADMIN)
def deactivate(user_id: str):
    user = _user_or_404(user_id)
    if user.id == current_user.id:
        return _edit_page(
            user, EditUserForm(formdata=None, obj=_AsTheyAre(user)), _("You cannot deactivate yourself."), 400
        )
    try:
        users.deactivate_user(user.username, actor=current_user.username)
    except users.UserInactive:
        return _edit_page(
            user,
            EditUserForm(formdata=None, obj=_AsTheyAre(user)),
            _("This user is deactivated already."),
            409,
        )
    return redirect(url_for("admin.user_list"))


def _user_or_404(user_id: str) -> User:
    number = whole_number(user_id, max_digits=18)
    user = db.session.get(User, number) if number is not None else None
    if user is None:
        abort(404, description="no such user")
    return user


class _AsTheyAre:
    """What the edit form starts from; a posted form's values replace these."""

    def __init__(self, user: User) -> None:
        self.role = user.role
        self.queues = [skill.queue for skill in user.skills]
        self.languages = user.language_codes
        self.interface_language = user.language or ""
        self.phone = ""
        self.remove_phone = False


def _edit_page(user: User, form: EditUserForm, problem: str | None = None, status: int = 200):
    return (
        render_template(
            "admin/edit_user.html",
            user=user,
            form=form,
            phone=users.masked_phone(user),
            problem=problem,
        ),
        status,
    )


def _put_next_to_its_field(form: NewUserForm | EditUserForm, refusal: ValueError) -> None:
    """The service's refusal, in the page's language, next to the field it is about."""
    if isinstance(refusal, users.UserExists):
        form.username.errors.append(_("A user with this name exists already."))
    elif isinstance(refusal, users.UnknownQueue):
        form.queues.errors.append(_("Choose among the queues offered."))
    elif isinstance(refusal, users.UnknownLanguage):
        form.languages.errors.append(_("Choose among the languages offered."))
    elif isinstance(refusal, phones.InvalidNumber):
        form.phone.errors.append(_("This is not a phone number."))
    else:
        raise refusal
