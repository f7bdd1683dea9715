"""The codec server: decrypts case payloads for the Temporal Web UI and CLI (Remote Codec Endpoint protocol).

The protocol: ``POST /encode`` and ``POST /decode`` (also under a namespace segment, ``/{namespace}/decode``)
take and return ``{"payloads": [...]}`` in protobuf JSON. Browsers call it cross-origin from the Web UI, so
the allowed UI origins get CORS headers and an answered preflight; any other origin is refused. With
``OGI_CODEC_TOKEN`` set every request must carry ``Authorization: Bearer <token>``
(``temporal ... --codec-auth "Bearer <token>"``). Logs name the request, never a payload.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import socket
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import structlog
from google.protobuf import json_format
from temporalio.api.common.v1 import Payloads

from infra.codec import EncryptionCodec, KeyConfigError

TOKEN_VAR = "OGI_CODEC_TOKEN"  # noqa: S105 - the variable that holds the token, not a token
DEFAULT_ORIGIN = "http://localhost:8233"
MAX_BODY = 16 * 1024 * 1024  # Temporal caps a gRPC message at 4 MB; base64 and JSON framing inflate it.
ALLOWED_HEADERS = "Content-Type, X-Namespace, Authorization"

log = structlog.wrap_logger(
    structlog.PrintLogger(sys.stderr),
    processors=[structlog.processors.TimeStamper(fmt="iso"), structlog.processors.JSONRenderer()],
)


class CodecServer(ThreadingHTTPServer):
    """An HTTP server answering the codec protocol with one codec, for the given UI origins."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], codec: EncryptionCodec, origins: list[str], token: str | None) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)
        self.codec = codec
        self.origins = frozenset(o.rstrip("/") for o in origins)
        self.token = token or None

    @property
    def url(self) -> str:
        """Where the server listens, e.g. ``http://127.0.0.1:8081``."""
        host, port = self.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else host
        return f"http://{f'[{host}]' if ':' in host else host}:{port}"


class _Handler(BaseHTTPRequestHandler):
    server: CodecServer
    protocol_version = "HTTP/1.1"
    _body_read = False

    def parse_request(self) -> bool:
        self._body_read = False
        return super().parse_request()

    def _route(self) -> str | None:
        """``encode`` or ``decode`` for a known path (optionally under one namespace segment), else None."""
        parts = [p for p in self.path.split("?", 1)[0].split("/") if p]
        if len(parts) in (1, 2) and parts[-1] in ("encode", "decode"):
            return parts[-1]
        return None

    def _origin_ok(self) -> bool:
        origin = self.headers.get("Origin")
        return origin is None or origin.rstrip("/") in self.server.origins

    def _cors(self) -> dict[str, str]:
        origin = self.headers.get("Origin")
        if origin is None or origin.rstrip("/") not in self.server.origins:
            return {}
        return {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": "POST, OPTIONS",
            "Access-Control-Allow-Headers": ALLOWED_HEADERS,
            "Access-Control-Allow-Credentials": "true",
            "Access-Control-Max-Age": "600",
            "Vary": "Origin",
        }

    def _send(
        self, status: HTTPStatus, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None
    ) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else b""
        headers = {**self._cors(), **(headers or {})}
        if not self._body_read and (
            self.headers.get("Content-Length", "0") != "0" or "Transfer-Encoding" in self.headers
        ):
            # An unread body would be parsed as the next request on this keep-alive connection.
            self.close_connection = True
            headers["Connection"] = "close"
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _authorised(self) -> bool:
        if self.server.token is None:
            return True
        given = self.headers.get("Authorization", "")
        scheme, _, value = given.partition(" ")
        expected = self.server.token.encode("utf-8")
        return scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode("utf-8"), expected)

    def do_OPTIONS(self) -> None:
        """CORS preflight: answered for the allowed UI origins without a token (browsers send none)."""
        if self._route() is None:
            self._send(HTTPStatus.NOT_FOUND, {"error": "not found"})
        elif not self._origin_ok() or self.headers.get("Origin") is None:
            self._send(HTTPStatus.FORBIDDEN, {"error": "origin not allowed"})
        else:
            self._send(HTTPStatus.NO_CONTENT)

    def do_GET(self) -> None:
        """Known paths take POST only."""
        if self._route() is None:
            self._send(HTTPStatus.NOT_FOUND, {"error": "not found"})
        else:
            self._send(HTTPStatus.METHOD_NOT_ALLOWED, {"error": "use POST"}, {"Allow": "POST, OPTIONS"})

    def do_POST(self) -> None:
        """Encode or decode the posted payloads."""
        route = self._route()
        if route is None:
            self._send(HTTPStatus.NOT_FOUND, {"error": "not found"})
            return
        if not self._origin_ok():
            self._send(HTTPStatus.FORBIDDEN, {"error": "origin not allowed"})
            return
        if not self._authorised():
            self._send(HTTPStatus.UNAUTHORIZED, {"error": "bearer token required"}, {"WWW-Authenticate": "Bearer"})
            return
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            self._send(HTTPStatus.LENGTH_REQUIRED, {"error": "Content-Length required"})
            return
        if length > MAX_BODY:
            self._send(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": f"body over {MAX_BODY} bytes"})
            return
        raw = self.rfile.read(length)
        self._body_read = True
        try:
            payloads = json_format.Parse(raw, Payloads())
        except (json_format.ParseError, UnicodeDecodeError) as exc:
            self._send(HTTPStatus.BAD_REQUEST, {"error": f'body is not {{"payloads": [...]}}: {exc}'})
            return
        codec = self.server.codec
        try:
            result = codec.encrypt(payloads.payloads) if route == "encode" else codec.decrypt(payloads.payloads)
        except KeyConfigError as exc:
            self._send(HTTPStatus.UNPROCESSABLE_ENTITY, {"error": str(exc)})
            return
        body = json_format.MessageToDict(Payloads(payloads=result))
        body.setdefault("payloads", [])
        self._send(HTTPStatus.OK, body)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # Only the method and route: a malformed request line may be a request body, i.e. payload data.
        status = code.value if isinstance(code, HTTPStatus) else code
        method = self.command if self.command in ("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS") else "?"
        path = self.path.split("?", 1)[0] if getattr(self, "path", None) and self._route() else "?"
        log.info("codec.request", method=method, path=path, status=status)

    def log_error(self, format: str, *args: Any) -> None:
        """Not logged: http.server's error text quotes the raw request line; ``log_request`` records the status."""


def serve_in_thread(server: CodecServer) -> threading.Thread:
    """Run ``server`` in a daemon thread (stop it with ``server.shutdown()``)."""
    thread = threading.Thread(target=server.serve_forever, name="ogi-codec-server", daemon=True)
    thread.start()
    return thread


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
