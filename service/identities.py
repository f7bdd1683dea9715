"""Who is calling: bearer tokens (local, or from the agency's identity platform), logins, and token issue.

Local tokens are compact JWS signed with the installation's token key (Ed25519, or SM2 with the SM
suite); only whoever can read that key (``keys/token.json``, mode 0600) can mint them, and ``ogi
serve`` checks them with the public half. With ``OGI_OIDC_ISSUER`` set, tokens of the identity
platform (统一身份认证) are checked against its JWKS (keys found by ``kid``, so its key rotation just
works), and their roles come from a configured claim. Either way the user's current roles and state
count, not what a token once said: a disabled user is refused at once.
"""

from __future__ import annotations

import functools
import secrets
import time
from dataclasses import dataclass
from typing import Any

from domain.actor import Actor, ActorRef, NameProblem, normalize_name
from domain.config import PERSONAL_DATA_ROLES, Role
from domain.messages import Msg, Term, Text, Words
from infra import jws
from infra.settings import settings
from infra.signing_keys import KeyFileError, load_private, load_public
from infra.store import StoreUnavailable
from infra.users import User, UserError, check_password, find_user, seen_oidc_user, user_by_id
from service.errors import BadInput, Forbidden, Unauthenticated

TOKEN_TYP = "at+jwt"  # noqa: S105 - a JWS type name, not a secret
"""The JWS type of an access token (RFC 9068)."""
ISSUER = "ogi"
MAX_TTL_S = 30 * 24 * 3600
DEFAULT_TTL_S = 8 * 3600


@dataclass(frozen=True)
class Principal:
    """The authenticated caller (or, with authentication off, the claimed one)."""

    actor: Actor
    user: User | None = None
    via: str = "token"
    """``token`` (local), ``oidc``, ``session`` (console) or ``claimed`` (authentication off)."""

    @property
    def roles(self) -> frozenset[Role] | None:
        """The caller's roles (None: not enforced, authentication off)."""
        return self.actor.roles

    def has(self, role: Role) -> bool:
        """Whether the caller holds ``role`` (always, when roles are not enforced)."""
        return self.actor.has(role)

    def require(self, *roles: Role, what: Text) -> None:
        """Refuse (403) unless the caller holds one of ``roles``."""
        if not any(self.has(r) for r in roles):
            held = Words(Term("role", r.value) for r in sorted(self.actor.roles or ()))
            if len(roles) == 1:
                msg = Msg(
                    "{name} may not {what}: that needs the role {role} (roles: {held})",
                    name=self.actor.name,
                    what=what,
                    role=Term("role", roles[0].value),
                    held=held,
                )
            else:
                msg = Msg(
                    "{name} may not {what}: that needs one of the roles {roles} (roles: {held})",
                    name=self.actor.name,
                    what=what,
                    roles=Words(Term("role", r.value) for r in roles),
                    held=held,
                )
            raise Forbidden(msg, "forbidden.role")

    @property
    def sees_personal_data(self) -> bool:
        """Whether the caller may see applicants' personal data (each read is audited)."""
        roles = self.actor.roles
        return roles is None or bool(roles & PERSONAL_DATA_ROLES)


def claimed(name: str) -> Principal:
    """The principal of a caller with authentication off: the name it claims, unverified."""
    try:
        return Principal(actor=Actor.claimed(name, {}), via="claimed")
    except NameProblem as exc:
        raise BadInput(exc.message, field="by") from None


def issue_token(name: str, ttl_s: int = DEFAULT_TTL_S) -> str:
    """A bearer token for a local user, signed with the installation's token key (administrators only)."""
    if not 60 <= ttl_s <= MAX_TTL_S:
        msg = Msg(
            "a token lives between 1 minute and {days} days, not {seconds} seconds",
            days=MAX_TTL_S // 86400,
            seconds=ttl_s,
        )
        raise BadInput(msg, field="ttl")
    user = find_user(name)
    if user.disabled:
        msg = Msg("user {name} is disabled; enable the account first", name=user.name)
        raise Forbidden(msg, "forbidden.disabled")
    keys = load_private("token")
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "sub": user.id,
        "name": user.name,
        "iat": now,
        "exp": now + ttl_s,
        "jti": secrets.token_hex(8),
    }
    return jws.sign(claims, keys.current, TOKEN_TYP)


def login(name: str, password: str, ttl_s: int = DEFAULT_TTL_S) -> tuple[User, str]:
    """A local user's token for their name and password (``LoginFailed`` otherwise, failures counted)."""
    user = check_password(name, password)
    return user, issue_token(user.id, ttl_s)


def _active(user: User | None) -> User:
    if user is None:
        msg = Msg("the token's user no longer exists; ask the administrator for a new token")
        raise Unauthenticated(msg, "unauthenticated.unknown_user")
    if user.disabled:
        msg = Msg("user {name} is disabled", name=user.name)
        raise Unauthenticated(msg, "unauthenticated.disabled")
    return user


def principal_of(user: User, via: str) -> Principal:
    """The principal a user acts as."""
    return Principal(actor=user.actor(), user=user, via=via)


def authenticate(token: str) -> Principal:
    """The principal of a bearer token; ``Unauthenticated`` for a missing, forged, expired or unknown one."""
    token = token.strip()
    if not token:
        msg = Msg("no bearer token: send 'Authorization: Bearer <token>' (ogi token issue, or ogi login)")
        raise Unauthenticated(msg)
    if settings().oidc_issuer and not _is_local(token):
        return _oidc_principal(token)
    try:
        keys = load_public("token")
    except KeyFileError:
        msg = Msg("this installation has issued no tokens yet (no token key): run 'ogi token issue --user NAME'")
        raise Unauthenticated(msg, "unauthenticated.no_keys") from None
    try:
        claims = jws.verify(token, keys, typ=TOKEN_TYP, now=time.time())
    except jws.TokenError as exc:
        msg = Msg("the bearer token is not valid: {problem}", problem=TOKEN_PROBLEMS.get(exc.code, str(exc)))
        raise Unauthenticated(msg, f"unauthenticated.{exc.code}") from None
    if claims.get("iss") != ISSUER or not isinstance(claims.get("sub"), str):
        msg = Msg("the bearer token was not issued by this installation")
        raise Unauthenticated(msg, "unauthenticated.issuer")
    try:
        user = user_by_id(claims["sub"])
    except StoreUnavailable as exc:
        raise Unauthenticated(str(exc), "unauthenticated.no_store") from None

    return principal_of(_active(user), "token")


def _is_local(token: str) -> bool:
    """Whether a token names one of this installation's token keys (so it is not the platform's)."""
    try:
        header = jws.unverified_header(token)
        keys = load_public("token")
    except (jws.TokenError, KeyFileError):
        return False
    return keys.get(str(header.get("kid", ""))) is not None and header.get("typ") == TOKEN_TYP


@functools.cache
def _jwks_client(url: str) -> Any:
    import jwt  # only deployments with an identity platform pay for it

    return jwt.PyJWKClient(url, cache_keys=True, lifespan=300, timeout=10)


TOKEN_PROBLEMS: dict[str, Msg] = {
    "malformed": Msg("it is not a signed token"),
    "unknown_key": Msg("it was signed with a key this installation does not know"),
    "bad_algorithm": Msg("its algorithm is not the key's"),
    "wrong_type": Msg("it is not an access token"),
    "bad_signature": Msg("the signature does not verify"),
    "expired": Msg("expired"),
    "not_yet_valid": Msg("not valid yet"),
}
"""What is wrong with a token, by the code the check gives (the code is the problem's too: ``unauthenticated.expired``)."""

OIDC_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"]
"""Signature algorithms accepted from an identity platform (never ``none``, never HMAC with a public key)."""


def _oidc_principal(token: str) -> Principal:
    import jwt

    s = settings()
    issuer = (s.oidc_issuer or "").rstrip("/")
    url = s.oidc_jwks_url or f"{issuer}/.well-known/jwks.json"
    try:
        key = _jwks_client(url).get_signing_key_from_jwt(token)
        claims: dict[str, Any] = jwt.decode(
            token,
            key.key,
            algorithms=OIDC_ALGORITHMS,
            audience=s.oidc_audience,
            issuer=s.oidc_issuer,
            options={"require": ["exp", "iat", "sub"], "verify_aud": s.oidc_audience is not None},
            leeway=jws.LEEWAY_S,
        )
    except jwt.PyJWKClientConnectionError as exc:
        msg = Msg("the identity platform's keys cannot be fetched from {url} ({detail})", url=url, detail=str(exc))
        raise Unauthenticated(msg, "unauthenticated.jwks_unavailable") from None
    except jwt.ExpiredSignatureError:
        msg = Msg("the bearer token is not valid: {problem}", problem=TOKEN_PROBLEMS["expired"])
        raise Unauthenticated(msg, "unauthenticated.invalid") from None
    except jwt.PyJWTError as exc:
        msg = Msg("the bearer token is not valid ({detail})", detail=str(exc))
        raise Unauthenticated(msg, "unauthenticated.invalid") from None
    roles = _claimed_roles(claims.get(s.oidc_roles_claim))
    name = str(claims.get(s.oidc_name_claim) or claims["sub"])
    try:
        user = seen_oidc_user(
            f"{claims['iss']}|{claims['sub']}",
            normalize_name(name),
            roles,
            _text(claims.get(s.oidc_agency_claim)),
            _text(claims.get(s.oidc_department_claim)),
        )
    except (UserError, NameProblem) as exc:
        msg = Msg("the token's user name cannot be used: {problem}", problem=exc.message)
        raise Unauthenticated(msg, "unauthenticated.name") from None
    return principal_of(_active(user), "oidc")


def _text(value: object) -> str | None:
    return str(value)[:100] if value not in (None, "") else None


def _claimed_roles(value: object) -> list[Role]:
    items = value.split() if isinstance(value, str) else value if isinstance(value, list) else []
    known = {r.value for r in Role}
    return sorted({Role(str(v)) for v in items if str(v) in known})


def acting_for(principal: Principal, acted_by: str | None) -> Actor:
    """The actor an action is recorded under: the caller, or (``records`` role) the colleague who acted."""
    if acted_by is None:
        return principal.actor
    principal.require(Role.RECORDS, what=Msg("record an action taken by someone else (acted_by)"))
    try:
        other = find_user(acted_by)
    except UserError as exc:
        raise BadInput(exc.message, "bad_input.acted_by", field="acted_by") from None
    if other.disabled:
        msg = Msg("acted_by names {name}, a disabled user", name=other.name)
        raise BadInput(msg, "bad_input.acted_by", field="acted_by")
    return other.actor().model_copy(update={"recorded_by": ActorRef(id=principal.actor.id, name=principal.actor.name)})
