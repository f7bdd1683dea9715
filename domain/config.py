"""Agency configuration as validated data: rule profiles, receipt rules, reminders, agencies, people and roles.

Every point DOMAIN.md marks configurable lives here, with the law's default; an agency changes it in
a TOML file (``OGI_CONFIG``), never in code.
"""

from __future__ import annotations

import tomllib
from datetime import date, time
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from domain.outcomes import Outcome
from domain.vocabulary import ConsultationKind
from domain.vocabulary import Role as Role  # re-exported: defined with the vocabulary, used everywhere as config's

WorkingDays = Annotated[int, Field(ge=1, le=365)]


ADMIN_ROLES = frozenset({Role.USER_ADMIN, Role.KEY_ADMIN, Role.AUDITOR})
"""Roles that manage the system rather than cases: each held alone (separation of duties)."""

PERSONAL_DATA_ROLES = frozenset({Role.INTAKE, Role.REVIEWER, Role.SECRECY_REVIEWER, Role.HEAD, Role.RECORDS})
"""Roles that may see an applicant's personal data (each read is audited); supervisors see cases without it."""


class RulesProfile(BaseModel):
    """The statutory periods of one version of the Regulations, in working days."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    reply_days: WorkingDays = 20
    """Art 33: reply within 20 working days of receipt (15 under the 2008 version, Art 24)."""
    extension_days: WorkingDays = 20
    """Art 33: at most 20 more working days, once, approved by the head."""
    correction_notice_days: WorkingDays = 7
    """Art 30: a correction request must go out within 7 working days of receipt."""
    correction_period_days: WorkingDays = 15
    """Art 30: the reasonable period the agency sets for the correction (configurable)."""
    consultation_days: WorkingDays = 15
    """Arts 32 and 34: a third party or another agency answers within 15 working days."""
    fee_payment_days: WorkingDays = 20
    """国办函〔2020〕109号: pay within 20 working days from the day after the fee notice."""
    fee_pauses_clock: bool = True
    """Whether the reply clock stops while a fee is outstanding (not settled by the text)."""
    consultation_excluded: bool = True
    """Art 33 ¶3: consultation time is not counted in the reply period."""
    consultation_excluded_kinds: list[ConsultationKind] = ["third_party", "agency"]
    """Which consultations stop the clock: both since 2019 (Arts 32, 34); under 2008 Art 24 only a third party's."""
    extension_after_longer_period: bool = False
    """Whether an Art 33 extension may be added to an Art 35 longer period. Art 35 lets the agency set the
    period it needs in place of Art 33's, so by default the longer period is the whole allowance."""


DEFAULT_PROFILES: dict[str, RulesProfile] = {
    "2019": RulesProfile(),
    "2008": RulesProfile(
        reply_days=15,
        extension_days=15,
        consultation_excluded=True,
        consultation_excluded_kinds=["third_party"],
        correction_notice_days=7,
    ),
}
"""The shipped profiles: 2019 (国务院令第711号, Art 33: 20+20) and 2008 (国务院令第492号, Art 24: 15+15)."""


class Regulation(BaseModel):
    """One version of the Regulations and the day it took effect: cases received from then run under it."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    from_: date = Field(alias="from")
    """The day the version took effect (e.g. 2019-05-15 for the 2019 revision)."""
    profile: str
    """The rule profile (a key of ``profiles``) of that version."""


DEFAULT_REGULATIONS: tuple[Regulation, ...] = (
    Regulation(from_=date(2008, 5, 1), profile="2008"),
    Regulation(from_=date(2019, 5, 15), profile="2019"),
)
"""国务院令第492号 in force 2008-05-01; the revision 国务院令第711号 in force 2019-05-15."""


class ReceiptRules(BaseModel):
    """How the receipt date becomes the day the count starts from (DOMAIN.md §3)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rest_day_moves_to_next_working_day: bool = True
    """An application received on a rest day counts as received on the next working day."""
    office_hours_cutoff: time | None = None
    """Submissions after this local time count as received the next working day; none by default."""


class Reminders(BaseModel):
    """Internal duties before and after a deadline (限时办结, 责任追究)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    before_due_working_days: list[Annotated[int, Field(ge=1, le=40)]] = [5, 2]
    escalate_overdue_to: Role = Role.SUPERVISOR


class AgencyKind(StrEnum):
    """What kind of body an agency is: it decides who reconsiders its decisions (行政复议法 2023, Arts 24-27)."""

    PEOPLES_GOVERNMENT = "peoples_government"  # 人民政府: the government one level up (Art 24)
    GOVERNMENT_DEPARTMENT = "government_department"  # 政府工作部门: the government it belongs to (Art 24)
    VERTICAL = "vertical"  # 垂直领导 (海关、金融、外汇、税务、国家安全): the body one level up (Art 27)
    STATE_COUNCIL_DEPARTMENT = "state_council_department"  # 国务院部门: the department itself (Art 25)


_VERTICAL_MARKS = ("海关", "税务局", "外汇管理", "金融监督管理", "金融监管", "国家安全")
"""Name parts of bodies under vertical leadership (行政复议法 2023, Art 27); others must be configured."""


def infer_agency_kind(name: str) -> AgencyKind:
    """The kind an agency's name suggests: a people's government, a vertically led body, else a department."""
    if name.endswith("人民政府"):
        return AgencyKind.PEOPLES_GOVERNMENT
    if any(mark in name for mark in _VERTICAL_MARKS):
        return AgencyKind.VERTICAL
    return AgencyKind.GOVERNMENT_DEPARTMENT


def reconsideration_body_for(kind: AgencyKind, parent: str | None) -> str:
    """Who reconsiders the agency's decisions (行政复议机关), named by ``parent`` where it is configured.

    Without a ``parent`` the reply says it in words that are right for the kind: a people's government's
    decisions go to the government one level up, never "the government at the same level".
    """
    if kind is AgencyKind.STATE_COUNCIL_DEPARTMENT:
        return parent or "本机关"  # 行政复议法 2023 Art 25(1): the department reconsiders its own acts
    if parent:
        return parent
    return {
        AgencyKind.PEOPLES_GOVERNMENT: "上一级人民政府",
        AgencyKind.GOVERNMENT_DEPARTMENT: "本级人民政府",
        AgencyKind.VERTICAL: "上一级主管部门",
    }[kind]


DEFAULT_NUMBER_PATTERN = "{short}依申请〔{year}〕{seq}号"
"""How a document number (文号) is written: 机关代字, year in 六角括号, sequence without leading zeros (GB/T 9704)."""


def format_document_number(pattern: str, *, short: str, code: str, year: int, seq: int) -> str:
    """A document number (文号) from an agency's pattern, e.g. ``六民依申请〔2026〕12号``."""
    return pattern.format(short=short, code=code, year=year, seq=seq)


class Agency(BaseModel):
    """One disclosure body (行政机关) as configured."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[A-Z0-9]{2,12}$")
    """Short code used in tracking numbers, e.g. ``LAMZ`` for 六安市民政局."""
    region: str | None = None
    """Region whose extra holidays apply (e.g. ``ningxia``), if any."""
    channels: list[str] = ["in_person", "signed_post", "ordinary_post", "online", "fax", "email"]
    """Channels the agency has opened; in person and post can never be refused (Art 28)."""
    kind: AgencyKind = AgencyKind.GOVERNMENT_DEPARTMENT
    """What kind of body it is; inferred from the agency's name when not configured."""
    parent: str | None = None
    """The body one level up that reconsiders its decisions: for a department the government it belongs to
    (六安市人民政府), for a people's government the government one level up, for a vertically led body its
    superior (国家税务总局安徽省税务局)."""
    reconsideration_body: str = ""
    """Named in the remedies section of replies (行政复议机关): derived from ``kind`` and ``parent`` unless set."""
    short_name: str | None = None
    """机关代字 in document numbers, e.g. ``六民``; the agency's full name when unset."""
    number_pattern: str = DEFAULT_NUMBER_PATTERN
    """Document numbers (文号) of its notices and replies; placeholders ``{short}``, ``{code}``, ``{year}``, ``{seq}``."""
    contact: str | None = None
    """Contact line printed on documents (联系人、联系电话、地址), if any."""
    seal_image: str | None = None
    """Path of an image of the seal to print in the signature block (PNG/SVG); a placeholder when unset.
    An image is not an electronic seal: a legally valid one is applied by the signing hook (GB/T 38540)."""

    @model_validator(mode="before")
    @classmethod
    def _derive_reconsideration_body(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("reconsideration_body"):
            kind = AgencyKind(data.get("kind", AgencyKind.GOVERNMENT_DEPARTMENT))
            data = {**data, "reconsideration_body": reconsideration_body_for(kind, data.get("parent"))}
        return data

    @field_validator("number_pattern")
    @classmethod
    def _number_pattern_formats(cls, value: str) -> str:
        if "{seq" not in value or "{year" not in value:
            msg = "number_pattern must contain {year} and {seq} (GB/T 9704: 〔year〕 and a sequence number)"
            raise ValueError(msg)
        try:
            format_document_number(value, short="六民", code="LAMZ", year=2026, seq=1)
        except (KeyError, IndexError, ValueError) as exc:
            msg = f"number_pattern {value!r} cannot be filled ({exc!r}); use {{short}}, {{code}}, {{year}}, {{seq}}"
            raise ValueError(msg) from None
        return value

    @field_validator("channels")
    @classmethod
    def _basic_channels_open(cls, value: list[str]) -> list[str]:
        missing = {"in_person", "signed_post", "ordinary_post"} - set(value)
        if missing:
            msg = f"channels must include {sorted(missing)}: Art 28 forbids refusing in-person and postal applications"
            raise ValueError(msg)
        return value


class RemedyRules(BaseModel):
    """What the remedies paragraph of a reply says (救济途径告知): 60 days to reconsider, 6 months to sue."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    reconsideration_first: list[Outcome] = [Outcome.NOT_DISCLOSED, Outcome.PARTLY_DISCLOSED]
    """Outcomes whose reply says reconsideration must come first (行政复议法 2023 Art 23(1)(4): 申请政府信息公开，
    行政机关不予公开); 无法提供 and 不予处理 are not stated as such by default, since the text does not settle them."""
    reconsideration_first_from: date = date(2024, 1, 1)
    """The day the 2023 Administrative Reconsideration Law came into force; replies dated earlier offer the choice."""


class ServiceRules(BaseModel):
    """When an outgoing document counts as served (送达), and which periods run from that day.

    Electronic service differs by province, so each channel's presumption is configuration: until the day
    of service is known (signed for, collected), the document is presumed served that many calendar days
    after it was sent. ``None``: no presumption, only a recorded day of service counts.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    email_presumed_days: Annotated[int, Field(ge=0, le=30)] = 0
    """E-mail: served on the day the mail server accepted the message, plus these days."""
    post_presumed_days: Annotated[int, Field(ge=0, le=60)] | None = 7
    """Post: presumed served this many days after it was posted, until the signed-for day is recorded."""
    fax_presumed_days: Annotated[int, Field(ge=0, le=30)] | None = 0
    """Fax: presumed served on the day it was sent, plus these days."""
    periods_from_service: list[Literal["fee", "consultation", "correction"]] = ["fee", "consultation"]
    """Periods the other side has that run from its receipt of the document (fee payment: 国办函〔2020〕109号;
    consultation answers: Arts 32, 34); ``correction`` adds the applicant's correction period (Art 30)."""
    wait_for_service_days: Annotated[int, Field(ge=0, le=400)] = 60
    """How long a replied case keeps waiting for the reply's day of service to be recorded (calendar days)."""
    consulted_party_delivery: Literal["post", "collect"] = "post"
    """How consultation letters go out (the case holds no e-mail address for a consulted party)."""
    acknowledge_receipt: bool = True
    """Issue a 登记回执 when an application is registered (or its receipt confirmed); an agency whose portal or
    counter already hands one out may turn it off."""

    def presumed_days(self, channel: str) -> int | None:
        """Days from sending to presumed service by ``channel``; None where only a recorded day counts."""
        return {"email": self.email_presumed_days, "post": self.post_presumed_days, "fax": self.fax_presumed_days}.get(
            channel
        )


class OgiConfig(BaseModel):
    """The whole configuration of one installation."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    profile: str | None = None
    """An override: when set, every new case runs under this profile whatever its receipt date. Left
    unset (the default), the profile follows ``regulations`` by receipt date."""
    regulations: list[Regulation] = list(DEFAULT_REGULATIONS)
    """The versions of the Regulations by the day each took effect: a case runs under the one in force on
    its receipt date (the registration date while receipt awaits confirmation)."""
    profiles: dict[str, RulesProfile] = dict(DEFAULT_PROFILES)
    """Rule profiles by name; one defined in the file replaces the shipped one of that name, the others stay."""
    receipt: ReceiptRules = ReceiptRules()
    reminders: Reminders = Reminders()
    agencies: dict[str, Agency] = {}
    """Agency name (as on the application) to its settings; unknown agencies get a derived code."""
    people: dict[str, list[Role]] = {}
    """With authentication off (``OGI_AUTH=off``): claimed user name to roles; empty means roles are not
    enforced. With authentication on, users and their roles live in the identity store (``ogi user``)."""
    separation_of_duties: bool = True
    """The roles managing users, keys and the audit log are each held alone (等保 三员)."""
    extension_approver: Role = Role.HEAD
    """Art 33 names the head of the disclosure office; local rules may name another role."""
    special_regime_report_row: str = "other_3"
    """Report row for Art 36 ¶7 special-access replies; the text does not settle it."""
    max_description_chars: Annotated[int, Field(ge=100, le=100_000)] = 5000
    remedies: RemedyRules = RemedyRules()
    """What replies say about reconsideration and lawsuits."""
    service: ServiceRules = ServiceRules()
    """When outgoing documents count as served, and the periods that run from service."""
    lookback_days: Annotated[int, Field(ge=0, le=3660)] | None = None
    """How many days back an action may be dated (``on``) by anyone but a ``records`` user; unset: no limit."""
    late_judged_by: Literal["made", "served"] = "made"
    """Whether a reply is late by the day it was made (作出, the default) or the day it was served (送达)."""
    reject_invalid_id_number: bool = False
    """Refuse at intake an identity number that fails GB 11643; by default it is registered and flagged
    for correction, since Art 30 cures a defective identity proof and Art 28 forbids refusing postal or
    in-person applications."""

    @field_validator("profiles", mode="before")
    @classmethod
    def _over_shipped_profiles(cls, value: object) -> object:
        # A file that tunes one profile keeps the other: the dated regulations still need both.
        if isinstance(value, dict):
            return {**DEFAULT_PROFILES, **value}
        return value

    @model_validator(mode="before")
    @classmethod
    def _agency_kinds_from_names(cls, data: Any) -> Any:
        # An agency configured without a kind gets the one its name suggests (…人民政府 is a government),
        # so its replies name the right reconsideration body.
        if isinstance(data, dict) and isinstance(data.get("agencies"), dict):
            agencies = {
                name: {**entry, "kind": infer_agency_kind(name)}
                if isinstance(entry, dict) and "kind" not in entry
                else entry
                for name, entry in data["agencies"].items()
            }
            data = {**data, "agencies": agencies}
        return data

    @model_validator(mode="after")
    def _profiles_exist(self) -> OgiConfig:
        if self.profile is not None and self.profile not in self.profiles:
            msg = f"profile {self.profile!r} is not defined; choose one of {sorted(self.profiles)}"
            raise ValueError(msg)
        if not self.regulations:
            msg = "regulations must list at least one version, e.g. [[regulations]] from = 2019-05-15, profile = '2019'"
            raise ValueError(msg)
        days = [r.from_ for r in self.regulations]
        if days != sorted(set(days)):
            msg = "regulations must be listed in order of their 'from' dates, each date once"
            raise ValueError(msg)
        for regulation in self.regulations:
            if regulation.profile not in self.profiles:
                msg = (
                    f"regulations: profile {regulation.profile!r} (from {regulation.from_.isoformat()}) is not "
                    f"defined; choose one of {sorted(self.profiles)} or add [profiles.{regulation.profile}]"
                )
                raise ValueError(msg)
        return self

    @field_validator("special_regime_report_row")
    @classmethod
    def _known_report_row(cls, value: str) -> str:
        from domain.report import RESULT_ROWS  # domain.report builds on this module

        if value not in RESULT_ROWS:
            msg = (
                f"special_regime_report_row {value!r} is not a row of table 三; choose one of {', '.join(RESULT_ROWS)}"
            )
            raise ValueError(msg)
        return value

    def profile_on(self, received: date) -> str:
        """The profile a case received on ``received`` runs under.

        Precedence: an explicit ``profile`` wins for every date; otherwise the last of ``regulations``
        in force on that day. A day before the first version falls to the first (intake refuses such
        receipt dates before they get here).
        """
        if self.profile is not None:
            return self.profile
        in_force = [r for r in self.regulations if r.from_ <= received]
        return (in_force[-1] if in_force else self.regulations[0]).profile

    def rules_on(self, received: date) -> RulesProfile:
        """The rule profile for a case received on ``received`` (see ``profile_on``)."""
        return self.profiles[self.profile_on(received)]

    @property
    def current_profile(self) -> str:
        """The profile of the latest version of the Regulations (or the override): the one for today's cases."""
        return self.profile if self.profile is not None else self.regulations[-1].profile

    @property
    def rules(self) -> RulesProfile:
        """The rule profile of the latest version (or the override); ``rules_on`` picks by receipt date."""
        return self.profiles[self.current_profile]

    def agency(self, name: str) -> Agency:
        """Settings for an agency, derived from its name when it is not configured."""
        if name in self.agencies:
            return self.agencies[name]
        return Agency(code=agency_code(name), kind=infer_agency_kind(name))

    def roles_of(self, user: str) -> set[Role] | None:
        """The roles of a user, or None when roles are not enforced."""
        if not self.people:
            return None
        return set(self.people.get(user, []))


class ConfigError(ValueError):
    """The configuration file cannot be used; the message says where and why."""


def agency_code(name: str) -> str:
    """A stable short code for an agency name that is not configured (hash of the name)."""
    import hashlib

    return "A" + hashlib.sha256(name.encode()).hexdigest()[:5].upper()


def load_config(path: Path | None = None) -> OgiConfig:
    """Read and validate a TOML configuration file; ``None`` gives the shipped defaults."""
    if path is None:
        text = resources.files("domain").joinpath("data/default_config.toml").read_text("utf-8")
        source = "the shipped default configuration"
    else:
        try:
            text = path.read_text("utf-8")
        except OSError as exc:
            msg = f"cannot read configuration {path}: {exc.strerror}; set OGI_CONFIG to a readable TOML file"
            raise ConfigError(msg) from exc
        source = str(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = f"configuration {source} is not valid TOML: {exc}"
        raise ConfigError(msg) from exc
    try:
        return OgiConfig.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        msg = f"configuration {source}: {where}: {first['msg']}"
        raise ConfigError(msg) from exc
