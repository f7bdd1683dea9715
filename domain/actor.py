"""Who takes an action: the actor a case records, user names as they are compared, separation of duties.

With authentication on, the actor is a user the worker verified from a signed assertion (its stable
``id`` and roles come from the identity store or the agency's identity platform); with it off
(``OGI_AUTH=off``), the actor is the name the caller claims, checked against the configured roles.
Either way a name is compared in one normal form, so ``ｌｉ`` (full-width) is ``li`` and an invisible
character cannot make a second person out of the first.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict

from domain.config import ADMIN_ROLES, Role
from domain.errors import OgiError
from domain.messages import Msg

MAX_NAME = 64

_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class NameProblem(OgiError):
    """A user name that cannot be used; the message says which character and why."""


def bad_character(text: str, *, allow_newlines: bool = False) -> Msg | None:
    """A description of the first control, format, invisible or bidi-override character in ``text``, or None.

    Newline and tab are free-text characters where ``allow_newlines`` is set; everything of Unicode
    category Cc (control), Cf (format: zero-width spaces, joiners, bidi overrides), Co (private use),
    Cs (surrogate) or Cn (unassigned) is refused: it either hides in print or reorders what a reader sees.
    """
    for index, ch in enumerate(text):
        if allow_newlines and ch in "\n\t":
            continue
        category = unicodedata.category(ch)
        if ch in _BIDI_CONTROLS or category in ("Cc", "Cf", "Co", "Cs", "Cn"):
            return Msg(
                "character {index} is U+{code} ({name}), an invisible or control character",
                index=index + 1,
                code=f"{ord(ch):04X}",
                name=unicodedata.name(ch, "unnamed"),
            )
    return None


def normalize_name(raw: str) -> str:
    """A user name in its one comparable form: NFKC, trimmed; refused when it hides characters.

    NFKC folds full-width letters (``ｌｉ``) and compatibility forms into their plain letters, so two
    spellings of one name are one name. Letter case is kept for display; ``name_key`` folds it.
    """
    name = unicodedata.normalize("NFKC", raw).strip()
    if not name:
        msg = Msg("a user name cannot be empty")
        raise NameProblem(msg)
    if len(name) > MAX_NAME:
        msg = Msg("a user name has at most {most} characters, not {length}", most=MAX_NAME, length=len(name))
        raise NameProblem(msg)
    if problem := bad_character(name):
        msg = Msg("user name {name}: {problem}; type the name without it", name=repr(name), problem=problem)
        raise NameProblem(msg)
    if any(ch.isspace() for ch in name):
        msg = Msg("user name {name} contains a space; use letters, digits, '.', '_' or '-'", name=repr(name))
        raise NameProblem(msg)
    return name


def name_key(name: str) -> str:
    """The key two names are the same person by (normalised and case-folded)."""
    return normalize_name(name).casefold()


def _checked_name(value: str) -> str:
    try:
        return normalize_name(value)
    except NameProblem as exc:
        raise NameProblem(exc.message) from None


UserName = Annotated[str, AfterValidator(_checked_name)]
"""A user name as actions carry it: normalised, and refused when it hides characters."""


class Actor(BaseModel):
    """The person an action is recorded under.

    ``roles`` is None when roles are not enforced (claimed names without a ``[people]`` table).
    ``recorded_by`` is set when a ``records`` user entered the action for this person (a clerk
    entering the head's signed decision): the roles and the four-eyes rule are this person's.
    """

    model_config = ConfigDict(frozen=True)

    id: str
    """Stable user id: the identity store's id, the identity platform's subject, or the claimed name's key."""
    name: str
    roles: frozenset[Role] | None = None
    verified: bool = False
    agency: str | None = None
    department: str | None = None
    recorded_by: ActorRef | None = None

    @classmethod
    def claimed(cls, name: str, people: dict[str, list[Role]]) -> Actor:
        """The actor of an unauthenticated action: the claimed name, with its configured roles if any."""
        normal = normalize_name(name)
        roles: frozenset[Role] | None = None
        if people:
            by_key = {name_key(person): person_roles for person, person_roles in people.items()}
            roles = frozenset(by_key.get(normal.casefold(), []))
        return cls(id=normal.casefold(), name=normal, roles=roles, verified=False)

    def has(self, role: Role) -> bool:
        """Whether the actor holds ``role`` (always, when roles are not enforced)."""
        return self.roles is None or role in self.roles

    def same_person(self, other_id: str | None, other_name: str) -> bool:
        """Whether this actor is the person recorded as ``other_id`` (or, for old records, ``other_name``)."""
        if other_id is not None:
            return self.id == other_id
        try:
            return self.name.casefold() == name_key(other_name)
        except NameProblem:
            return False


class ActorRef(BaseModel):
    """A user named in a record: stable id and name."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str


Actor.model_rebuild()


def duties_conflict(roles: Iterable[Role]) -> str | None:
    """Why a set of roles breaks the separation of duties (等保 三员), or None.

    The roles that manage users, keys and the audit log are each held alone: no one holds two of
    them, nor one of them beside a case role, so no one can both act and hide or grant the action.
    """
    held = set(roles)
    admin = sorted(r.value for r in held & ADMIN_ROLES)
    if len(admin) > 1:
        return f"the roles {', '.join(admin)} belong to different people (separation of duties)"
    if admin and held - ADMIN_ROLES:
        case_roles = sorted(r.value for r in held - ADMIN_ROLES)
        return (
            f"the role {admin[0]} manages the system and cannot be held beside case roles ({', '.join(case_roles)}); "
            "give them to another user (separation of duties)"
        )
    return None
