"""The application document (申请) that intake systems send: the intake contract of ARCHITECTURE.md.

Structure is validated here; checks that need today's date or the configuration live in
``domain.intake`` so that the model deserialises identically inside a workflow.
"""

from __future__ import annotations

import re
from datetime import date, time
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from domain.errors import ApplicationRejected
from domain.identity import ID_PROBLEMS, SAID_WITHOUT_DIGITS, id_number_problem
from domain.messages import Msg, recognise
from domain.vocabulary import ApplicantKind as ApplicantKind  # re-exported: the document's vocabulary
from domain.vocabulary import Channel as Channel
from domain.vocabulary import Delivery as Delivery
from domain.vocabulary import InformationForm as InformationForm

CHANNELS_NEEDING_CONFIRMATION = frozenset({Channel.ORDINARY_POST, Channel.ONLINE, Channel.FAX, Channel.EMAIL})
"""Channels intake may register without a receipt date: the clock starts on confirmation (Art 31). Art 31(3)
treats e-mail as an online channel (数据电文), received on the day both sides confirm it."""


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
_PHONE = re.compile(r"^\+?[0-9][0-9 \-()]{4,19}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_REF = r"^[A-Za-z0-9][A-Za-z0-9._:/\-]{0,99}$"


class Applicant(BaseModel):
    """The applicant (申请人). Every field but ``kind`` is personal data: never logged or indexed."""

    # Unlike the application, no extra fields: a misspelt "id_numbr" would silently drop the identity
    # number (and with it the applicant's monthly count); refusing it names the typo.
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: ApplicantKind
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    """Name of the person or organisation (Art 29 ¶1)."""
    id_number: str | None = None
    """Proof of identity: resident ID number (GB 11643) or unified social credit code."""
    phone: str | None = None
    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None
    contact_person: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    """For organisations: the person acting for it."""

    @model_validator(mode="after")
    def _check_contact(self) -> Applicant:
        if self.phone is not None and not _PHONE.match(self.phone):
            msg = Msg("applicant.phone must be digits, spaces, '-', '(' or ')', 5 to 20 characters")
            raise ApplicationRejected(msg)
        return self

    def id_number_problem(self) -> Msg | None:
        """Why the identity number fails GB 11643, for natural persons who gave one."""
        if self.kind is ApplicantKind.NATURAL_PERSON and self.id_number:
            return id_number_problem(self.id_number)
        return None


class Application(BaseModel):
    """An application for disclosure of government information, as registered by intake (登记)."""

    model_config = ConfigDict(
        extra="allow",  # intake systems may add their own fields; the contract says add, never rename
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "external_ref": "web-2026-000123",
                    "agency": "六安市民政局",
                    "channel": "online",
                    "received": "2026-11-20",
                    "applicant": {"kind": "natural_person", "name": "张三"},
                    "description": "申请公开2019年度城乡最低生活保障资金发放情况",
                    "form": "electronic",
                    "delivery": "email",
                    "email": "zhangsan@example.com",
                }
            ]
        },
    )

    external_ref: Annotated[str, Field(pattern=_REF)]
    """The intake system's own reference; a second submit with the same one is refused."""
    agency: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    """The disclosure body the application is addressed to."""
    channel: Channel
    received: date | None = None
    """Receipt date as Art 31 defines it per channel; may be empty only while awaiting confirmation."""
    received_time: time | None = None
    """Beijing time of receipt, where the channel records one (online, e-mail, fax): with an office-hours
    cut-off configured, a later submission counts as received on the next working day."""
    applicant: Applicant
    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100_000)]
    """The information asked for: title, document number or other identifying features (Art 29 ¶2)."""
    document_number: Annotated[str, StringConstraints(max_length=200)] | None = None
    form: InformationForm = InformationForm.ELECTRONIC
    delivery: Delivery = Delivery.POST
    email: str | None = None
    fax: str | None = None
    filled_by_staff: bool = False
    """An oral application written down by staff for an applicant who cannot write (代为填写)."""

    @model_validator(mode="after")
    def _check_delivery_address(self) -> Application:
        if self.delivery is Delivery.EMAIL and not self.email:
            msg = Msg("delivery is 'email' but no 'email' address is given; add one or choose another delivery")
            raise ApplicationRejected(msg)
        if self.email is not None and not _EMAIL.match(self.email):
            msg = Msg("email is not an e-mail address (expected name@domain)")
            raise ApplicationRejected(msg)
        if self.delivery is Delivery.POST and not self.applicant.address:
            msg = Msg("delivery is 'post' but applicant.address is empty; add the postal address")
            raise ApplicationRejected(msg)
        if self.delivery is Delivery.FAX and not (self.fax and _PHONE.match(self.fax)):
            msg = Msg("delivery is 'fax' but no valid 'fax' number is given")
            raise ApplicationRejected(msg)
        if self.received_time is not None and self.received is None:
            msg = Msg("received_time is given without received; give the receipt date too, or leave both out")
            raise ApplicationRejected(msg)
        if self.received is None and self.channel not in CHANNELS_NEEDING_CONFIRMATION:
            msg = Msg(
                "received is required for channel '{channel}': Art 31 fixes the receipt date "
                "on hand-in or signature; only ordinary post, online, fax and e-mail may await confirmation",
                channel=self.channel.value,
            )
            raise ApplicationRejected(msg)
        return self

    def missing_items(self) -> list[Msg]:
        """What Art 29 requires that this application lacks or gets wrong: the 补正 checklist."""
        items: list[Msg] = []
        if not self.applicant.id_number:
            items.append(NO_PROOF_OF_IDENTITY)
        elif problem := self.applicant.id_number_problem():
            items.append(proof_of_identity_problem(problem))
        if not (self.applicant.phone or self.applicant.address or self.email):
            items.append(NO_CONTACT_DETAILS)
        return items


def proof_of_identity_problem(problem: Msg | str) -> Msg:
    """The correction item for an identity number that fails GB 11643."""
    return Msg("the applicant's proof of identity: {problem}", problem=problem)


NO_PROOF_OF_IDENTITY = Msg("the applicant's proof of identity (Art 29 ¶1)")
NO_CONTACT_DETAILS = Msg("the applicant's contact details (Art 29 ¶1)")
_LEGACY_WARNINGS = {
    "申请人身份证明（Art 29 ¶1）": NO_PROOF_OF_IDENTITY,
    "申请人联系方式（Art 29 ¶1）": NO_CONTACT_DETAILS,
}
"""The wording of cases registered before the warnings were kept in English."""


def intake_warning(text: str) -> Msg | str:
    """An intake warning as kept in a case (its English sentence, or an older case's wording) as a message again.

    A case keeps its warnings as text, in its history; recognising them lets the CLI, the API and the pages
    say them in the reader's language. Text that is none of them comes back unchanged.
    """
    if text in _LEGACY_WARNINGS:
        return _LEGACY_WARNINGS[text]
    problem_text = text.removeprefix("申请人身份证明：") if text.startswith("申请人身份证明：") else None
    if problem_text is None:
        problem_template = proof_of_identity_problem("")
        found = recognise(text, (NO_PROOF_OF_IDENTITY, NO_CONTACT_DETAILS, problem_template))
        if found is None or found.text != problem_template.text:
            return found or text
        problem_text = str(found.params["problem"])
    problem = recognise(problem_text, ID_PROBLEMS)
    if problem is None:
        return text
    return proof_of_identity_problem(SAID_WITHOUT_DIGITS.get(problem.text, problem))
