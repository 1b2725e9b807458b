"""/admin/partners: the directory of partners, for admins: the list (searched by
field, region and language with the API's codes), add, edit (reactivate too)
and deactivate, through hotline.partners.directory as the API does. A refused
value answers 400 with the form and the reason next to the field, and writes
nothing (CSRF is checked for every form by web_security)."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hotline.accounts.auth import role_required
from hotline.admin import bp
from hotline.admin.forms import EditPartnerForm, PartnerForm
from hotline.core.parsing import whole_number
from hotline.models import Partner, Role, utcnow
from hotline.models.partners import FACET_CODES, Facet
from hotline.partners import directory

FILTERS = {"field": Facet.FIELD, "region": Facet.REGION, "language": Facet.LANGUAGE}


@bp.get("/partners")
@role_required(Role.ADMIN)
def partner_list():
    wanted = {}
    for name, facet in FILTERS.items():
        code = request.args.get(name) or None
        if code is not None and code not in FACET_CODES[facet]:
            abort(400, description=f"invalid query parameter: {name}")
        wanted[name] = code
    listed = directory.search(**wanted, active_only=False, limit=None)
    return render_template(
        "admin/partners.html", partners=listed, wanted=wanted, codes=FACET_CODES, Facet=Facet
    )


@bp.route("/partners/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new_partner():
    form = PartnerForm()
    if form.validate_on_submit():
        try:
            directory.add(_entry(form), current_user.username, utcnow())
        except directory.PartnerRefused as refusal:
            _put_next_to_its_field(form, refusal)
        else:
            return redirect(url_for("admin.partner_list"))
    status = 400 if form.is_submitted() else 200
    return render_template("admin/partner.html", form=form, partner=None), status


@bp.route("/partners/<partner_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_partner(partner_id: str):
    partner = _partner_or_404(partner_id)
    form = EditPartnerForm(obj=_AsItIs(partner))
    if form.validate_on_submit():
        try:
            directory.edit(partner.id, _entry(form, form.active.data), current_user.username, utcnow())
        except directory.PartnerRefused as refusal:
            _put_next_to_its_field(form, refusal)
        else:
            return redirect(url_for("admin.partner_list"))
    status = 400 if form.is_submitted() else 200
    return render_template("admin/partner.html", form=form, partner=partner), status


@bp.post("/partners/<partner_id>/deactivate")
@role_required(Role.ADMIN)
def deactivate_partner(partner_id: str):
    partner = _partner_or_404(partner_id)
    try:
        directory.deactivate(partner.id, current_user.username, utcnow())
    except directory.PartnerInactive:
        form = EditPartnerForm(formdata=None, obj=_AsItIs(partner))
        problem = _("This partner is deactivated already.")
        return render_template("admin/partner.html", form=form, partner=partner, problem=problem), 409
    return redirect(url_for("admin.partner_list"))


def _entry(form: PartnerForm, active: bool = True) -> directory.Entry:
    return directory.Entry(
        name=form.name.data or "",
        kind=form.kind.data or "",
        fields=tuple(form.fields.data or ()),
        regions=tuple(form.regions.data or ()),
        languages=tuple(form.languages.data or ()),
        contacts=form.contacts.data or "",
        active=active,
    )


def _partner_or_404(partner_id: str) -> Partner:
    try:
        return directory.get(whole_number(partner_id, max_digits=9))
    except directory.UnknownPartner:
        abort(404, description="no such partner")


class _AsItIs:
    """What the edit form starts from; a posted form's values replace these."""

    def __init__(self, partner: Partner) -> None:
        self.name = partner.name
        self.kind = partner.kind
        self.fields = partner.codes_of(Facet.FIELD)
        self.regions = partner.codes_of(Facet.REGION)
        self.languages = partner.codes_of(Facet.LANGUAGE)
        self.contacts = partner.contacts
        self.active = partner.active


def _put_next_to_its_field(form: PartnerForm, refusal: directory.PartnerRefused) -> None:
    """The service's refusal, in the page's language, next to the field it is about."""
    messages = {
        "name": _("Enter the partner's name."),
        "kind": _("Choose among the kinds offered."),
        "fields": _("Choose at least one field of help, among those offered."),
        "regions": _("Choose among the regions offered."),
        "languages": _("Choose among the languages offered."),
        "contacts": _("The contacts are too long or hold a character that cannot be kept."),
    }
    getattr(form, refusal.field).errors.append(messages[refusal.field])
