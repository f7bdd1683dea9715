"""The online portal (网上申请): an applicant's form becomes an application registered by the portal's intake user.

The portal is an intake system like any other: it registers as a configured user with the intake role
(``OGI_PORTAL_USER``, default ``portal``), channel ``online`` and no receipt date, so the case waits
for the agency to confirm receipt (Art 31). The form's checks (required fields by applicant kind, the
GB 11643 check character) answer per field, so the page can show each beside its input.
"""

from __future__ import annotations

import asyncio
import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from domain.application import Applicant, ApplicantKind, Application, Channel, Delivery, InformationForm
from domain.config import ConfigError, Role, load_config
from domain.identity import id_number_problem
from domain.messages import Msg
from domain.public_status import PublicStatus
from infra.paths import config_path
from infra.settings import settings
from infra.users import UserError, find_user
from service import attachments, intake, public
from service.attachments import Attachment
from service.errors import BadInput, Unavailable
from service.identities import Principal, claimed, principal_of
from service.intake import SubmitAnswer

_PHONE = re.compile(r"^\+?[0-9][0-9 \-()]{4,19}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_NONCE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
DELIVERIES = (Delivery.EMAIL, Delivery.POST, Delivery.COLLECT, Delivery.ONLINE)
"""Deliveries the online form offers (a fax number is not asked online)."""

Short = Annotated[str, Field(max_length=200)]


class OnlineApplication(BaseModel):
    """The online form as the applicant filled it in (every field a string, as a form sends it)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    nonce: Annotated[str, Field(max_length=64)] = ""
    """The form's own random id: sent twice (a double click, a retry), it registers one case."""
    agency: Annotated[str, Field(max_length=100)] = ""
    kind: Annotated[str, Field(max_length=40)] = ApplicantKind.NATURAL_PERSON.value
    name: Short = ""
    id_number: Annotated[str, Field(max_length=40)] = ""
    contact_person: Short = ""
    phone: Annotated[str, Field(max_length=40)] = ""
    email: Annotated[str, Field(max_length=200)] = ""
    address: Annotated[str, Field(max_length=500)] = ""
    description: Annotated[str, Field(max_length=5000)] = ""
    document_number: Short = ""
    form: Annotated[str, Field(max_length=20)] = InformationForm.ELECTRONIC.value
    delivery: Annotated[str, Field(max_length=20)] = Delivery.EMAIL.value


def agencies() -> list[str]:
    """The agencies the form offers: the configured ones (none configured: the applicant types the name)."""
    try:
        return list(load_config(config_path()).agencies)
    except ConfigError:
        return []


PROBLEMS: dict[str, Msg] = {
    "required": Msg("required"),
    "choice": Msg("choose one from the list"),
    "id_number.check": Msg("not a valid identity number (18 characters, GB 11643 check character)"),
    "id_number.credit_code": Msg("a unified social credit code has 18 digits or capital letters"),
    "contact.one": Msg("give at least a phone number, an e-mail address or a postal address"),
    "phone.format": Msg("not a phone number"),
    "email.format": Msg("not an e-mail address"),
    "email.for_delivery": Msg("delivery by e-mail needs an e-mail address"),
    "address.for_delivery": Msg("delivery by post needs a postal address"),
}
"""Each problem of ``problems`` as a message (the pages say the same from their own catalog, ``problem.<key>``)."""


def problems(form: OnlineApplication) -> dict[str, str]:
    """Each field's problem as a message key (``required``, ``id_number.check``, ...); empty when the form is whole."""
    found: dict[str, str] = {}
    try:
        kind = ApplicantKind(form.kind)
    except ValueError:
        found["kind"] = "choice"
        kind = ApplicantKind.NATURAL_PERSON
    person = kind is ApplicantKind.NATURAL_PERSON
    for field in ("agency", "name", "id_number", "description"):
        if not getattr(form, field):
            found[field] = "required"
    known = agencies()
    if form.agency and known and form.agency not in known:
        found["agency"] = "choice"
    if form.id_number and person and id_number_problem(form.id_number):
        found["id_number"] = "id_number.check"
    if form.id_number and not person and not re.fullmatch(r"[0-9A-Z]{18}", form.id_number.upper()):
        found["id_number"] = "id_number.credit_code"
    if not person and not form.contact_person:
        found["contact_person"] = "required"
    if not (form.phone or form.email or form.address):
        found["phone"] = "contact.one"
    if form.phone and not _PHONE.match(form.phone):
        found["phone"] = "phone.format"
    if form.email and not _EMAIL.match(form.email):
        found["email"] = "email.format"
    if form.form not in {f.value for f in InformationForm}:
        found["form"] = "choice"
    if form.delivery not in {d.value for d in DELIVERIES}:
        found["delivery"] = "choice"
    elif form.delivery == Delivery.EMAIL.value and not form.email:
        found["email"] = "email.for_delivery"
    elif form.delivery == Delivery.POST.value and not form.address:
        found["address"] = "address.for_delivery"
    return found


def to_application(form: OnlineApplication) -> Application:
    """The application document of a whole form: online, awaiting confirmation of receipt."""
    if not _NONCE.match(form.nonce):
        raise BadInput(Msg("the form has expired; open the application form again"), "bad_input.form", field="nonce")
    try:
        applicant = Applicant(
            kind=ApplicantKind(form.kind),
            name=form.name,
            id_number=form.id_number.upper() or None,
            phone=form.phone or None,
            address=form.address or None,
            contact_person=form.contact_person or None,
        )
        return Application(
            external_ref=f"web-{form.nonce}",
            agency=form.agency,
            channel=Channel.ONLINE,
            received=None,
            applicant=applicant,
            description=form.description,
            document_number=form.document_number or None,
            form=InformationForm(form.form),
            delivery=Delivery(form.delivery),
            email=form.email or None,
        )
    except (ValidationError, ValueError) as exc:
        raise BadInput(
            Msg("the application cannot be registered: {detail}", detail=exc), "bad_input.application"
        ) from None


def portal_principal() -> Principal:
    """The intake user the portal registers as; ``Unavailable`` when the administrator has not made it."""
    name = settings().portal_user
    if not settings().auth_on:
        return claimed(name)
    try:
        user = find_user(name)
    except UserError:
        msg = f"the online portal's intake user '{name}' does not exist: ogi user add {name} --role intake"
        raise Unavailable(msg, "unavailable.portal_user") from None
    if user.disabled or Role.INTAKE not in user.roles:
        msg = f"the online portal's user '{name}' is disabled or lacks the intake role"
        raise Unavailable(msg, "unavailable.portal_user")
    return principal_of(user, "portal")


async def submit(form: OnlineApplication) -> SubmitAnswer:
    """Register a whole form (``BadInput`` naming the first field otherwise); the same form twice is one case."""
    found = problems(form)
    if found:
        field, code = next(iter(found.items()))
        raise BadInput(Msg("{field}: {problem}", field=field, problem=PROBLEMS[code]), "bad_input.form", field=field)
    application = to_application(form)
    principal = await asyncio.to_thread(portal_principal)
    answer, _ = await intake.submit(principal, application)
    return answer


async def status(case_id: str, code: str, client: str) -> PublicStatus:
    """The applicant's view of a case (``service.public.status``)."""
    return await public.status(case_id, code, client)


async def attach(case_id: str, code: str, kind: str, data: bytes, client: str) -> Attachment:
    """Store an attachment the applicant sent with the form, for the case their query code opens."""
    attachments.check_upload(kind, data)
    await public.status(case_id, code, client)
    principal = await asyncio.to_thread(portal_principal)
    return await attachments.save(principal, case_id, kind, data)
