"""SMS through the two large Chinese cloud services: Alibaba Cloud (阿里云短信) and Tencent Cloud (腾讯云短信).

Both send an approved template (短信模板) under an approved signature (短信签名) with parameters; ogi
never sends free text. Requests are signed the way each provider verifies them: Alibaba's RPC signature
(HMAC-SHA1 over the sorted, percent-encoded query), Tencent's TC3-HMAC-SHA256. The base URL is
configurable so tests run against a local server that verifies the signature as the provider would.
Quiet hours are the caller's to respect (``domain.quiet_hours``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import quote, urlsplit

import httpx
from pydantic import BaseModel, SecretStr

from domain.masking import delivery_audit_line, mask_phone
from infra.delivery import DeliveryFailed
from infra.settings import settings

ALIYUN_URL = "https://dysmsapi.aliyuncs.com/"
TENCENT_URL = "https://sms.tencentcloudapi.com/"


class SmsConfig(BaseModel):
    """One provider account: keys, the approved signature and template, and where to send."""

    provider: Literal["aliyun", "tencent"]
    access_key_id: str
    access_key_secret: SecretStr
    sign_name: str
    template: str
    app_id: str | None = None
    """Tencent's SmsSdkAppId."""
    region: str | None = None
    base_url: str | None = None
    timeout: float = 15.0


class SmsMessage(BaseModel):
    """One text to one phone: the template's parameters, in the template's order."""

    phone: str
    params: dict[str, str]
    """Alibaba names the parameters (``{"code": "..."}``); Tencent takes their values in insertion order."""
    reference: str
    """Ours, sent along (Alibaba OutId, Tencent SessionContext) so the provider's records name the case."""


class SmsReceipt(BaseModel):
    """What the provider answered when it accepted the message."""

    provider: str
    message_id: str
    """Alibaba BizId, Tencent SerialNo."""
    request_id: str
    accepted_at: datetime
    to_masked: str
    audit: str


def sms_config() -> SmsConfig:
    """The provider configured by ``OGI_SMS_*``; ``DeliveryFailed`` naming what is missing otherwise."""
    s = settings()
    missing = [
        name
        for name, value in (
            ("OGI_SMS_PROVIDER", s.sms_provider),
            ("OGI_SMS_ACCESS_KEY_ID", s.sms_access_key_id),
            ("OGI_SMS_ACCESS_KEY_SECRET", s.sms_access_key_secret),
            ("OGI_SMS_SIGN_NAME", s.sms_sign_name),
            ("OGI_SMS_TEMPLATE", s.sms_template),
        )
        if not value
    ]
    if s.sms_provider == "tencent" and not s.sms_app_id:
        missing.append("OGI_SMS_APP_ID")
    if missing:
        msg = f"SMS delivery needs {', '.join(missing)}"
        raise DeliveryFailed(msg, permanent=True)
    assert s.sms_access_key_secret is not None
    return SmsConfig(
        provider=s.sms_provider,
        access_key_id=s.sms_access_key_id or "",
        access_key_secret=s.sms_access_key_secret,
        sign_name=s.sms_sign_name or "",
        template=s.sms_template or "",
        app_id=s.sms_app_id,
        region=s.sms_region,
        base_url=s.sms_base_url,
    )


def _mainland(phone: str) -> str:
    digits = re.sub(r"[\s-]", "", phone).removeprefix("+86").removeprefix("0086")
    if not re.fullmatch(r"1\d{10}", digits):
        msg = f"{mask_phone(phone)} is not a mainland mobile number"
        raise DeliveryFailed(msg, permanent=True)
    return digits


# -- Alibaba Cloud: RPC signature (SignatureVersion 1.0, HMAC-SHA1) --


def aliyun_percent_encode(value: str) -> str:
    """RFC 3986 encoding as Alibaba signs it: unreserved characters kept, space %20, ``*`` %2A, ``~`` kept."""
    return quote(value, safe="-_.~")


def aliyun_signature(params: dict[str, str], secret: str, method: str = "GET") -> str:
    """Base64 HMAC-SHA1, keyed ``secret + "&"``, of ``METHOD&%2F&encode(sorted canonical query)``."""
    canonical = "&".join(f"{aliyun_percent_encode(k)}={aliyun_percent_encode(v)}" for k, v in sorted(params.items()))
    to_sign = f"{method}&{aliyun_percent_encode('/')}&{aliyun_percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


_ALIYUN_TRANSIENT = ("Throttling", "ServiceUnavailable", "InternalError", "isv.BUSINESS_LIMIT_CONTROL")


def send_aliyun(message: SmsMessage, config: SmsConfig, now: datetime | None = None) -> SmsReceipt:
    """SendSms (API version 2017-05-25) with the configured template; the BizId on success."""
    at = now or datetime.now(UTC)
    params = {
        "AccessKeyId": config.access_key_id,
        "Action": "SendSms",
        "Format": "JSON",
        "RegionId": config.region or "cn-hangzhou",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": uuid.uuid4().hex,
        "SignatureVersion": "1.0",
        "Timestamp": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Version": "2017-05-25",
        "PhoneNumbers": _mainland(message.phone),
        "SignName": config.sign_name,
        "TemplateCode": config.template,
        "TemplateParam": json.dumps(message.params, ensure_ascii=False, separators=(",", ":")),
        "OutId": message.reference,
    }
    params["Signature"] = aliyun_signature(params, config.access_key_secret.get_secret_value())
    body = _call("aliyun", lambda c: c.get(config.base_url or ALIYUN_URL, params=params), config.timeout)
    code = str(body.get("Code", ""))
    if code != "OK":
        raise _refused("Alibaba Cloud SMS", "message", code, body.get("Message", ""), _ALIYUN_TRANSIENT)
    return _receipt("aliyun", message, body.get("BizId", ""), body.get("RequestId", ""))


# -- Tencent Cloud: TC3-HMAC-SHA256 (API 3.0) --


def _hmac256(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def tc3_authorization(
    *,
    secret_id: str,
    secret_key: str,
    host: str,
    service: str,
    action: str,
    payload: bytes,
    timestamp: int,
    content_type: str = "application/json; charset=utf-8",
) -> str:
    """The ``Authorization`` header of a Tencent Cloud API 3.0 POST (signed headers content-type, host, x-tc-action)."""
    day = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    canonical_headers = f"content-type:{content_type}\nhost:{host}\nx-tc-action:{action.lower()}\n"
    signed_headers = "content-type;host;x-tc-action"
    canonical_request = "\n".join(
        ["POST", "/", "", canonical_headers, signed_headers, hashlib.sha256(payload).hexdigest()]
    )
    scope = f"{day}/{service}/tc3_request"
    to_sign = "\n".join(
        ["TC3-HMAC-SHA256", str(timestamp), scope, hashlib.sha256(canonical_request.encode()).hexdigest()]
    )
    signing_key = _hmac256(_hmac256(_hmac256(f"TC3{secret_key}".encode(), day), service), "tc3_request")
    signature = hmac.new(signing_key, to_sign.encode(), hashlib.sha256).hexdigest()
    return f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders={signed_headers}, Signature={signature}"


_TENCENT_TRANSIENT = ("LimitExceeded", "InternalError", "RequestLimitExceeded", "FailedOperation.FailResolvePacket")


def send_tencent(message: SmsMessage, config: SmsConfig, now: datetime | None = None) -> SmsReceipt:
    """SendSms (API version 2021-01-11) with the configured template; the SerialNo on success."""
    at = now or datetime.now(UTC)
    url = config.base_url or TENCENT_URL
    host = urlsplit(url).netloc
    payload = json.dumps(
        {
            "PhoneNumberSet": [f"+86{_mainland(message.phone)}"],
            "SmsSdkAppId": config.app_id,
            "SignName": config.sign_name,
            "TemplateId": config.template,
            "TemplateParamSet": list(message.params.values()),
            "SessionContext": message.reference,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    timestamp = int(at.timestamp())
    content_type = "application/json; charset=utf-8"
    headers = {
        "Authorization": tc3_authorization(
            secret_id=config.access_key_id,
            secret_key=config.access_key_secret.get_secret_value(),
            host=host,
            service="sms",
            action="SendSms",
            payload=payload,
            timestamp=timestamp,
        ),
        "Content-Type": content_type,
        "Host": host,
        "X-TC-Action": "SendSms",
        "X-TC-Timestamp": str(timestamp),
        "X-TC-Version": "2021-01-11",
        "X-TC-Region": config.region or "ap-guangzhou",
    }
    body = _call("tencent", lambda c: c.post(url, content=payload, headers=headers), config.timeout)
    response = body.get("Response", {})
    if "Error" in response:
        error = response["Error"]
        raise _refused(
            "Tencent Cloud SMS", "request", error.get("Code", ""), error.get("Message", ""), _TENCENT_TRANSIENT
        )
    status = (response.get("SendStatusSet") or [{}])[0]
    if status.get("Code") != "Ok":
        raise _refused(
            "Tencent Cloud SMS", "message", status.get("Code", ""), status.get("Message", ""), _TENCENT_TRANSIENT
        )
    return _receipt("tencent", message, status.get("SerialNo", ""), response.get("RequestId", ""))


def _refused(service: str, what: str, code: object, text: object, transient: tuple[str, ...]) -> DeliveryFailed:
    """A provider's refusal with its code and text; permanent unless the code is one of its transient ones."""
    answer = f"{code}: {text}"
    return DeliveryFailed(
        f"{service} refused the {what}: {answer}", permanent=not str(code).startswith(transient), answer=answer
    )


def _receipt(provider: str, message: SmsMessage, message_id: object, request_id: object) -> SmsReceipt:
    """What the provider answered for an accepted message; the phone masked."""
    return SmsReceipt(
        provider=provider,
        message_id=str(message_id),
        request_id=str(request_id),
        accepted_at=datetime.now(UTC),
        to_masked=mask_phone(message.phone),
        audit=delivery_audit_line("sms", message.phone),
    )


def _call(provider: str, send: Callable[[httpx.Client], httpx.Response], timeout: float) -> dict[str, Any]:
    """One HTTP exchange; a provider that does not answer, or answers no JSON, is a transient failure."""
    try:
        with httpx.Client(timeout=timeout) as client:
            answer = send(client)
    except httpx.HTTPError as exc:
        msg = f"{provider} SMS could not be reached: {exc}"
        raise DeliveryFailed(msg, permanent=False) from exc
    if answer.status_code >= 500:
        msg = f"{provider} SMS answered HTTP {answer.status_code}"
        raise DeliveryFailed(msg, permanent=False, answer=answer.text[:200])
    try:
        body = answer.json()
    except ValueError as exc:
        msg = f"{provider} SMS answered HTTP {answer.status_code} without JSON"
        raise DeliveryFailed(msg, permanent=False, answer=answer.text[:200]) from exc
    if not isinstance(body, dict):
        msg = f"{provider} SMS answered an unexpected body"
        raise DeliveryFailed(msg, permanent=False, answer=answer.text[:200])
    return body


def send_sms(message: SmsMessage, config: SmsConfig | None = None) -> SmsReceipt:
    """Send through the configured provider (``OGI_SMS_PROVIDER``); the provider's receipt."""
    chosen = config or sms_config()
    return send_aliyun(message, chosen) if chosen.provider == "aliyun" else send_tencent(message, chosen)
