"""Console sign-in through an identity platform: OIDC authorization code with PKCE, against a served fake issuer.

The issuer runs in a thread: discovery, an authorize endpoint that answers with a code at once, a token
endpoint that checks the PKCE verifier against the challenge, and its JWKS. The console's side runs in
process on a real case store.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlencode, urlparse

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient

from infra import store

CLIENT_ID = "ogi-console"


class _Issuer(BaseHTTPRequestHandler):
    base: ClassVar[str] = ""
    key: ClassVar[Any] = None
    codes: ClassVar[dict[str, dict[str, str]]] = {}
    claims: ClassVar[dict[str, Any]] = {}
    nonce_override: ClassVar[str | None] = None

    def log_message(self, *args: object) -> None:
        return

    def _json(self, body: dict[str, Any], status: int = 200) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        url = urlparse(self.path)
        if url.path == "/.well-known/openid-configuration":
            self._json(
                {
                    "issuer": self.base,
                    "authorization_endpoint": f"{self.base}/authorize",
                    "token_endpoint": f"{self.base}/token",
                    "jwks_uri": f"{self.base}/jwks.json",
                }
            )
        elif url.path == "/jwks.json":
            jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
            self._json({"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]})
        elif url.path == "/authorize":
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            code = secrets.token_urlsafe(8)
            _Issuer.codes[code] = query
            back = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
            self.send_response(302)
            self.send_header("Location", back)
            self.end_headers()
        else:
            self._json({"error": "not_found"}, 404)

    def do_POST(self) -> None:
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode()).items()}
        asked = _Issuer.codes.pop(form.get("code", ""), None)
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if asked is None or challenge != asked["code_challenge"] or form.get("redirect_uri") != asked["redirect_uri"]:
            self._json({"error": "invalid_grant"}, 400)
            return
        now = int(time.time())
        claims = {
            "iss": self.base,
            "sub": "platform-user-7",
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": self.nonce_override or asked["nonce"],
            "preferred_username": "chen",
            "roles": ["reviewer"],
            "department": "政策法规科",
            **self.claims,
        }
        token = jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": "k1"})
        self._json({"access_token": "opaque", "token_type": "Bearer", "id_token": token})


@pytest.fixture
def issuer() -> Iterator[str]:
    """The fake identity platform on a free port."""
    _Issuer.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Issuer)
    _Issuer.base = f"http://127.0.0.1:{server.server_address[1]}"
    _Issuer.claims = {}
    _Issuer.nonce_override = None
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield _Issuer.base
    server.shutdown()


@pytest.fixture
def console(db: object, issuer: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """The app with the issuer configured for the console."""
    monkeypatch.setenv("OGI_AUTH", "on")
    monkeypatch.setenv("OGI_COOKIE_SECURE", "false")
    monkeypatch.setenv("OGI_OIDC_ISSUER", issuer)
    monkeypatch.setenv("OGI_OIDC_CLIENT_ID", CLIENT_ID)
    from api.app import create_app

    store.engine()
    with TestClient(create_app(), follow_redirects=False) as client:
        yield client


def round_trip(console: TestClient) -> httpx.Response:
    """Leave for the platform, let it answer, and come back to the callback; the callback's answer."""
    away = console.get("/console/login/oidc?next=/console/queues")
    assert away.status_code == 303
    target = away.headers["location"]
    query = parse_qs(urlparse(target).query)
    assert query["code_challenge_method"] == ["S256"] and query["client_id"] == [CLIENT_ID]
    assert query["redirect_uri"] == ["http://testserver/console/callback"]
    platform = httpx.get(target, follow_redirects=False)
    back = urlparse(platform.headers["location"])
    return console.get(f"{back.path}?{back.query}")


class TestOidcSignIn:
    def test_code_flow_with_pkce_signs_the_platform_user_in(self, console: TestClient) -> None:
        """The id token is checked against the JWKS; the user, with the platform's roles, gets a session."""
        done = round_trip(console)
        assert done.status_code == 200, done.text
        assert 'url=/console/queues"' in done.text
        page = console.get("/console/queues")
        assert page.status_code == 200
        assert "chen" in page.text and 'data-queue="review"' in page.text
        from infra.users import find_user

        assert find_user("chen").department == "政策法规科"

    def test_a_callback_with_another_state_is_refused(self, console: TestClient) -> None:
        """An answer that is not for this sign-in (state) starts no session."""
        away = console.get("/console/login/oidc")
        query = parse_qs(urlparse(away.headers["location"]).query)
        forged = console.get("/console/callback", params={"code": "whatever", "state": "not-" + query["state"][0]})
        assert forged.status_code in (303, 401)
        assert console.get("/console/queues").status_code == 303

    def test_an_id_token_for_another_nonce_is_refused(self, console: TestClient) -> None:
        """A replayed id token (its nonce from another sign-in) starts no session."""
        _Issuer.nonce_override = "someone-elses-nonce"
        done = round_trip(console)
        assert done.status_code != 200
        assert console.get("/console/queues").status_code == 303

    def test_an_id_token_for_another_client_is_refused(self, console: TestClient) -> None:
        """The audience must be the console's client id."""
        _Issuer.claims = {"aud": "another-client"}
        done = round_trip(console)
        assert done.status_code != 200
        assert console.get("/console/queues").status_code == 303
