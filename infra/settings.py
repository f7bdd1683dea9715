"""Every ``OGI_*`` setting in one typed object, read from the environment.

One table documents them all (README, "Configuration"); each module asks ``settings()`` instead of
reading the environment itself. The object is built once per distinct set of ``OGI_*`` values, so a
process that changes its environment, as tests do, sees the change, and every other call is a lookup.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.errors import OgiError

Port = Annotated[int, Field(ge=1, le=65535)]


class SettingsError(OgiError):
    """An ``OGI_*`` variable has a value ogi cannot use; the message names it and the fix."""


class Settings(BaseSettings):
    """The settings of one ogi process (environment variables with the ``OGI_`` prefix)."""

    model_config = SettingsConfigDict(env_prefix="OGI_", extra="ignore", frozen=True)

    home: Path | None = None
    """Data directory: the case store, keys, documents, calendar notices, the dev server's database."""
    database_url: str | None = None
    """The case store; default SQLite under the home. ``postgresql://USER:PASSWORD@HOST:5432/DB`` in production."""
    config: Path | None = None
    """The agency configuration (TOML); the shipped defaults when unset."""
    task_queue: str = "ogi-cases"
    wait_seconds: Annotated[float, Field(gt=0, le=3600)] = 30.0
    """How long a command waits for the worker before it answers 'no worker answered' (exit 3)."""

    auth: Literal["on", "off"] = "on"
    """``off`` is the explicit trust-the-caller mode: actions name their actor (``--by``) unverified."""
    encryption: Literal["on", "off"] = "on"
    """``off`` writes payloads to Temporal in plaintext (demos); on by default."""
    crypto_suite: Literal["standard", "sm"] = "standard"
    """``standard``: AES-256-GCM, Ed25519, HMAC-SHA256; ``sm``: SM4-GCM, SM2, HMAC-SM3 (GB/T 39786)."""
    keys_file: Path | None = None
    encryption_key: SecretStr | None = None
    encryption_key_id: str | None = None
    applicant_key: SecretStr | None = None

    api_url: str | None = None
    """Where ``ogi serve`` answers, for CLI commands with authentication on (default from the API port)."""
    api_host: str = "127.0.0.1"
    api_port: Port = 8000
    api_keep_alive: Annotated[int, Field(ge=1, le=3600)] = 75
    """Seconds ``ogi serve`` keeps an idle connection open: longer than its clients and proxies keep theirs
    (nginx 60 s, aiohttp 15 s, httpx 5 s), so none sends a request on a connection the server is closing."""
    token: SecretStr | None = None
    """The bearer token CLI commands send to ``ogi serve`` (``ogi token issue`` or ``ogi login``)."""
    max_body_bytes: Annotated[int, Field(ge=1024, le=64 * 1024 * 1024)] = 262_144
    """Largest application document or request body accepted (256 KiB)."""
    max_import_bytes: Annotated[int, Field(ge=1024, le=1024 * 1024 * 1024)] = 64 * 1024 * 1024
    """Largest file ``ogi import`` / ``POST /v1/imports`` accepts (64 MiB: some 100,000 rows of CSV)."""

    oidc_issuer: str | None = None
    """OpenID Connect issuer of the agency's identity platform (统一身份认证); local tokens when unset."""
    oidc_audience: str | None = None
    oidc_jwks_url: str | None = None
    """JWKS of the issuer; default ``<issuer>/.well-known/jwks.json``."""
    oidc_roles_claim: str = "roles"
    oidc_name_claim: str = "preferred_username"
    oidc_agency_claim: str = "agency"
    oidc_department_claim: str = "department"

    oidc_client_id: str | None = None
    """The console's client id at the identity platform (authorization code + PKCE); local accounts when unset."""
    oidc_client_secret: SecretStr | None = None
    """Only for a confidential client; a public client relies on PKCE alone."""
    oidc_scopes: str = "openid profile"

    console_idle_minutes: Annotated[int, Field(ge=1, le=24 * 60)] = 30
    """A console session unused this long ends (the user signs in again)."""
    console_max_hours: Annotated[int, Field(ge=1, le=7 * 24)] = 12
    """A console session ends this long after sign-in, however busy."""
    cookie_secure: bool = True
    """Cookies only over HTTPS; ``false`` for a console on plain-http localhost (development, tests)."""
    public_url: str | None = None
    """The address users reach ``ogi serve`` at (e.g. ``https://foi.example.gov.cn``): the OIDC redirect is built
    from it; from the request's own address when unset."""

    portal_user: str = "portal"
    """The intake user the online portal registers applications as (``ogi user add portal --role intake``)."""
    portal_token: SecretStr | None = None
    """Shared secret between ``ogi serve --public`` and the internal ``ogi serve``: it opens ``/v1/portal/*``
    (online applications, status, attachments) and nothing else."""
    internal_api_url: str | None = None
    """With ``ogi serve --public``: the internal ``ogi serve`` the portal reaches over HTTP."""
    attachment_max_bytes: Annotated[int, Field(ge=1024, le=64 * 1024 * 1024)] = 5 * 1024 * 1024
    """Largest attachment (identity document scan, business licence, power of attorney) accepted."""
    apply_challenge_after: Annotated[int, Field(ge=0, le=1000)] = 2
    """Online applications from one address in an hour after which the form asks a question first."""

    codec_token: SecretStr | None = None
    codec_port: Port = 8081
    temporal_ip: str = "127.0.0.1"
    temporal_port: Port = 7233
    ui_port: Port = 8233

    payload_warn_bytes: Annotated[int, Field(ge=0)] = 512 * 1024
    """Payload size above which the Temporal SDK logs a warning (on stderr); the server warns at 512 KiB."""
    log_level: str = "INFO"
    log_format: Literal["", "json", "console"] = ""
    lang: Literal["zh", "en"] = "zh"

    notify_sink: str | None = None
    notify_secret: SecretStr | None = None
    """Secret of the HMAC-SHA256 signature webhook notifications carry (``X-Ogi-Signature``)."""
    templates_dir: Path | None = None
    """The agency's own templates (``<kind>.html``, ``_layout.html``, ``<kind>.docx``), overriding the shipped ones."""
    documents_dir: Path | None = None
    outbox: Path | None = None

    document_font_body: str = "仿宋_GB2312,FangSong_GB2312,Noto Serif CJK SC"
    """Body font of documents, first installed wins: 仿宋_GB2312 is licensed and not in Debian, so Noto stands in."""
    document_font_title: str = "方正小标宋简体,FZXiaoBiaoSong-B05S,Noto Serif CJK SC"
    """Font of the 发文机关标志 and title (方正小标宋 where licensed)."""
    document_font_heading: str = "黑体,SimHei,Noto Sans CJK SC"
    document_title_weight: Annotated[int, Field(ge=100, le=900)] = 700
    """Weight of the title font: 700 makes Noto Serif look like 小标宋; set 400 where 方正小标宋 is installed."""
    pdf_variant: Literal["", "pdf/a-2b", "pdf/a-2u", "pdf/a-3b", "pdf/a-3u"] = "pdf/a-2u"
    """PDF/A for archiving (GB/T 18894 accepts it); ``""`` for a plain PDF."""
    render_slots: Annotated[int, Field(ge=1, le=32)] = 1
    """PDFs rendered at once per process: each render thread holds a CJK font's tables in its own memory, and
    rendering holds the interpreter lock, so a second thread renders no faster (measured) but costs ~450 MB."""
    seal_image: Path | None = None
    """An image of the seal printed in every signature block, unless the agency's configuration names its own."""
    document_signer: str | None = None
    """Electronic seal (GB/T 38540): ``module:function`` taking and returning PDF bytes, or an ``https://`` URL
    that receives the PDF (POST application/pdf) and answers the signed PDF. None: documents are not signed."""
    document_signer_token: SecretStr | None = None
    """Bearer token sent to a signing URL."""

    smtp_url: SecretStr | None = None
    """Outgoing mail: ``smtp://user:pass@host:587?starttls=1``, ``smtps://user:pass@host:465``; ``cafile=`` for a
    private CA, ``timeout=`` seconds."""
    mail_from: str | None = None
    """The sender of documents sent by e-mail, e.g. ``六安市民政局 <gongkai@mz.luan.gov.cn>``."""
    sms_provider: Literal["", "aliyun", "tencent"] = ""
    sms_access_key_id: str | None = None
    """Alibaba Cloud AccessKey ID or Tencent Cloud SecretId."""
    sms_access_key_secret: SecretStr | None = None
    """Alibaba Cloud AccessKey secret or Tencent Cloud SecretKey."""
    sms_sign_name: str | None = None
    """The approved SMS signature (短信签名), e.g. ``六安市民政局``."""
    sms_template: str | None = None
    """The approved template: Alibaba's TemplateCode (``SMS_123456789``) or Tencent's TemplateId."""
    sms_app_id: str | None = None
    """Tencent Cloud SmsSdkAppId."""
    sms_region: str | None = None
    """Provider region: ``cn-hangzhou`` (Alibaba) or ``ap-guangzhou`` (Tencent) by default."""
    sms_base_url: str | None = None
    """The provider's endpoint; its public one by default (tests point it at a local server)."""
    sms_hours: str = "08:00-21:00"
    """Beijing hours in which SMS may go out (``domain.quiet_hours``); none at night (PowerEasy practice)."""

    @field_validator("lang", mode="before")
    @classmethod
    def _default_lang(cls, value: object) -> object:
        # An empty OGI_LANG is the default language, as the CLI's own lookup (infra.i18n) takes it.
        return "zh" if value == "" else value

    @field_validator("api_url", "internal_api_url", "public_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            msg = "must start with http:// or https://"
            raise ValueError(msg)
        return value.rstrip("/") if value else value

    @property
    def auth_on(self) -> bool:
        """Whether actors are authenticated users (the default)."""
        return self.auth == "on"

    @property
    def encryption_on(self) -> bool:
        """Whether payloads are encrypted (the default)."""
        return self.encryption == "on"

    @property
    def api_base(self) -> str:
        """The URL of ``ogi serve`` for clients."""
        return self.api_url or f"http://{self.api_host}:{self.api_port}"


_built: dict[tuple[tuple[str, str], ...], Settings] = {}


def settings() -> Settings:
    """The current settings; a bad value is one ``SettingsError`` naming the variable and what it takes."""
    key = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("OGI_")))
    found = _built.get(key)
    if found is not None:
        return found
    try:
        built = Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "OGI_" + str(first["loc"][0]).upper() if first["loc"] else "an OGI_ variable"
        msg = f"{name}: {first['msg']}"
        raise SettingsError(msg) from None
    if len(_built) > 64:  # a test suite's many environments; a service has one
        _built.clear()
    _built[key] = built
    return built
