"""Console sign-in: local accounts by password, or the identity platform by OIDC code flow with PKCE; sessions.

A session lives in the store (``infra.web_sessions``) and names its user; every request resolves the
user afresh, so a disabled account or changed roles take effect on the next click. Each sign-in, failed
sign-in and sign-out is an audit-log entry.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import httpx

from domain.actor import NameProblem, normalize_name
from domain.messages import Msg
from infra import audit_log, web_sessions
from infra.settings import settings
from infra.users import LoginFailed, UserError, check_password, seen_oidc_user, user_by_id
from service.errors import BadInput, Unauthenticated, Unavailable
from service.identities import OIDC_ALGORITHMS, Principal, _claimed_roles, _text, principal_of

SESSION = "session"
LOGIN = "login"
LOGIN_LIFETIME = timedelta(minutes=10)
"""How long an OIDC sign-in may take between leaving for the identity platform and coming back."""


@dataclass(frozen=True)
class ConsoleSession:
    """A signed-in console user: who, and the session's CSRF token."""

    principal: Principal
    csrf: str


def _idle() -> timedelta:
    return timedelta(minutes=settings().console_idle_minutes)


def _lifetime() -> timedelta:
    return timedelta(hours=settings().console_max_hours)


def _start(user_id: str, via: str) -> tuple[str, str]:
    raw, record = web_sessions.create(SESSION, user_id=user_id, via=via, data={}, lifetime=_lifetime())
    return raw, record.csrf


def sign_in(name: str, password: str, client: str) -> tuple[str, Principal]:
    """A new session for a local account's name and password; ``Unauthenticated`` otherwise (failures counted).

    ``infra.users.check_password`` locks the account after repeated failures, whatever the client.
    """
    try:
        user = check_password(name, password)
    except LoginFailed as exc:
        audit_log.append("login_failed", actor=name[:64], detail={"client": client, "via": "console"})
        raise Unauthenticated(str(exc), "unauthenticated.login") from None
    raw, _ = _start(user.id, "session")
    audit_log.append("login", actor_id=user.id, actor=user.name, detail={"via": "console", "client": client})
    return raw, principal_of(user, "session")


def resume(raw: str | None) -> ConsoleSession | None:
    """The session of a cookie's id, with its user as they are now; None when it ended or the user cannot act."""
    if not raw or len(raw) > 100:
        return None
    record = web_sessions.resume(raw, SESSION, _idle())
    if record is None or record.user_id is None:
        return None
    user = user_by_id(record.user_id)
    if user is None or user.disabled:
        web_sessions.end(raw)
        return None
    return ConsoleSession(principal_of(user, "session"), record.csrf)


def sign_out(raw: str | None, principal: Principal | None) -> None:
    """End the session (idempotent)."""
    if raw:
        web_sessions.end(raw)
    if principal is not None:
        audit_log.append("logout", actor_id=principal.actor.id, actor=principal.actor.name, detail={"via": "console"})


def csrf_ok(session: ConsoleSession, given: str | None) -> bool:
    """Whether a form's token is the session's (compared in constant time)."""
    return bool(given) and hmac.compare_digest(session.csrf.encode(), (given or "").encode())


# --- OpenID Connect: authorization code flow with PKCE (RFC 7636) ---------------------------------------


def oidc_enabled() -> bool:
    """Whether the console signs in through the identity platform (issuer and client id configured)."""
    s = settings()
    return bool(s.oidc_issuer and s.oidc_client_id)


@functools.lru_cache(maxsize=4)
def _discovery_cached(issuer: str, _bucket: int) -> dict[str, Any]:
    url = f"{issuer.rstrip('/')}/.well-known/openid-configuration"
    try:
        answer = httpx.get(url, timeout=10)
        answer.raise_for_status()
        found: dict[str, Any] = answer.json()
    except (httpx.HTTPError, ValueError) as exc:
        msg = f"the identity platform's discovery document cannot be read from {url}: {exc}"
        raise Unavailable(msg, "unavailable.oidc") from None
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(found.get(key), str):
            raise Unavailable(Msg("the discovery document at {url} has no {key}", url=url, key=key), "unavailable.oidc")
    if found.get("issuer", issuer).rstrip("/") != issuer.rstrip("/"):
        raise Unavailable(Msg("the discovery document at {url} names another issuer", url=url), "unavailable.oidc")
    return found


def discovery() -> dict[str, Any]:
    """The issuer's discovery document, fetched at most once an hour."""
    issuer = settings().oidc_issuer or ""
    return _discovery_cached(issuer, int(time.time() // 3600))


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def begin_oidc(redirect_uri: str, return_to: str) -> tuple[str, str]:
    """Start a sign-in at the identity platform: the pending sign-in's id (for a cookie) and where to send the user."""
    found = discovery()
    state = secrets.token_urlsafe(24)
    nonce = secrets.token_urlsafe(24)
    verifier = secrets.token_urlsafe(48)
    data = {"state": state, "nonce": nonce, "verifier": verifier, "redirect_uri": redirect_uri, "return_to": return_to}
    raw, _ = web_sessions.create(LOGIN, user_id=None, via="oidc", data=data, lifetime=LOGIN_LIFETIME)
    query = urlencode(
        {
            "response_type": "code",
            "client_id": settings().oidc_client_id,
            "redirect_uri": redirect_uri,
            "scope": settings().oidc_scopes,
            "state": state,
            "nonce": nonce,
            "code_challenge": _challenge(verifier),
            "code_challenge_method": "S256",
        }
    )
    endpoint = found["authorization_endpoint"]
    return raw, f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"


@functools.cache
def _jwks_client(url: str) -> Any:
    import jwt

    return jwt.PyJWKClient(url, cache_keys=True, lifespan=300, timeout=10)


def _verify_id_token(id_token: str, nonce: str) -> dict[str, Any]:
    import jwt

    s = settings()
    found = discovery()
    try:
        key = _jwks_client(found["jwks_uri"]).get_signing_key_from_jwt(id_token)
        claims: dict[str, Any] = jwt.decode(
            id_token,
            key.key,
            algorithms=OIDC_ALGORITHMS,
            audience=s.oidc_client_id,
            issuer=s.oidc_issuer,
            options={"require": ["exp", "iat", "sub", "aud", "iss"]},
            leeway=60,
        )
    except jwt.PyJWKClientConnectionError as exc:
        raise Unavailable(
            Msg("the identity platform's keys cannot be fetched: {detail}", detail=exc), "unavailable.oidc"
        ) from None
    except jwt.PyJWTError as exc:
        raise Unauthenticated(
            Msg("the identity platform's answer is not valid: {detail}", detail=exc), "unauthenticated.oidc"
        ) from None
    if not hmac.compare_digest(str(claims.get("nonce", "")).encode(), nonce.encode()):
        raise Unauthenticated(
            Msg("the identity platform's answer is not for this sign-in (nonce)"), "unauthenticated.oidc"
        )
    return claims


def _exchange(code: str, data: dict[str, Any]) -> str:
    s = settings()
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": data["redirect_uri"],
        "client_id": s.oidc_client_id or "",
        "code_verifier": data["verifier"],
    }
    if s.oidc_client_secret is not None:
        form["client_secret"] = s.oidc_client_secret.get_secret_value()
    try:
        answer = httpx.post(discovery()["token_endpoint"], data=form, timeout=15)
    except httpx.HTTPError as exc:
        raise Unavailable(
            Msg("the identity platform did not answer: {detail}", detail=exc), "unavailable.oidc"
        ) from None
    if answer.status_code != 200:
        raise Unauthenticated(
            Msg("the identity platform refused the sign-in ({status_code})", status_code=answer.status_code),
            "unauthenticated.oidc",
        )
    token = (
        answer.json().get("id_token") if answer.headers.get("content-type", "").startswith("application/json") else None
    )
    if not isinstance(token, str):
        raise Unauthenticated(Msg("the identity platform returned no id token"), "unauthenticated.oidc")
    return token


def finish_oidc(pending: str | None, code: str, state: str, client: str) -> tuple[str, Principal, str]:
    """Finish a sign-in the platform sent back: the new session's id, the user, and the page to return to."""
    record = web_sessions.resume(pending, LOGIN, LOGIN_LIFETIME) if pending else None
    if record is None:
        raise Unauthenticated(
            Msg("the sign-in took too long or was not started here; sign in again"), "unauthenticated.oidc"
        )
    web_sessions.end(pending or "")
    data = record.data
    if not hmac.compare_digest(str(data.get("state", "")).encode(), state.encode()):
        raise Unauthenticated(
            Msg("the identity platform's answer is not for this sign-in (state)"), "unauthenticated.oidc"
        )
    claims = _verify_id_token(_exchange(code, data), str(data["nonce"]))
    s = settings()
    try:
        name = normalize_name(str(claims.get(s.oidc_name_claim) or claims["sub"]))
        user = seen_oidc_user(
            f"{claims['iss']}|{claims['sub']}",
            name,
            _claimed_roles(claims.get(s.oidc_roles_claim)),
            _text(claims.get(s.oidc_agency_claim)),
            _text(claims.get(s.oidc_department_claim)),
        )
    except (UserError, NameProblem) as exc:
        raise BadInput(
            Msg("the platform's user name cannot be used: {detail}", detail=exc), "unauthenticated.name"
        ) from None
    if user.disabled:
        raise Unauthenticated(Msg("user {name} is disabled", name=user.name), "unauthenticated.disabled")
    raw, _ = _start(user.id, "oidc")
    audit_log.append("login", actor_id=user.id, actor=user.name, detail={"via": "oidc", "client": client})
    return raw, principal_of(user, "oidc"), str(data.get("return_to") or "/console")
