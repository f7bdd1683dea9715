"""Delivery that tells the truth: a real SMTP server, SMS providers that verify signatures, quiet hours, the post."""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import SecretStr
from temporalio.exceptions import ApplicationError

from activities.delivery import deliver_by_email
from activities.documents import IssueRequest, issue
from domain.document_samples import sample_inputs
from domain.documents import DocumentKind
from domain.masking import delivery_audit_line, mask_email, mask_phone
from domain.quiet_hours import SendingWindow, may_send, next_send_time, parse_window
from infra.delivery import DeliveryFailed
from infra.delivery.email import EmailDocument, parse_smtp_url, send_document_email
from infra.delivery.post import build_print_batch
from infra.delivery.sms import SmsConfig, SmsMessage, aliyun_signature, send_aliyun, send_tencent
from tests.conftest import free_port

PDF = b"%PDF-1.7\n% a stand-in for the issued reply\n%%EOF\n"
BEIJING_8 = timedelta(hours=8)


# -- e-mail --


class Mailbox:
    """An aiosmtpd handler: refuses mailboxes starting with 'refuse', keeps what it accepts."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address.startswith("refuse"):
            return f"550 5.1.1 <{address}>: Recipient address rejected: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return f"250 2.0.0 Ok: queued as Q{len(self.messages)}"


def _self_signed(tmp: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"gongkai", b"s3cret")
    return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535 itself


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[tuple[Mailbox, int]]:
    """A real SMTP server on loopback: plain, with AUTH LOGIN/PLAIN allowed without TLS."""
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port, authenticator=_authenticate, auth_require_tls=False)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


def email_doc(pdf: Path, to: str = "zhangsan@example.com", number: str = "六民依申请〔2026〕12号") -> EmailDocument:
    pdf.write_bytes(PDF)
    return EmailDocument(
        case_id="LAMZ-2026-000042",
        kind="reply",
        number=number,
        title="政府信息公开申请答复书",
        to=to,
        addressee="张三",
        agency="六安市民政局",
        pdf_path=str(pdf),
    )


FROM = "六安市民政局 <gongkai@mz.luan.example>"


class TestEmail:
    def test_the_message_arrives_with_the_pdf_and_a_stable_message_id(
        self, smtp: tuple[Mailbox, int], tmp_path: Path
    ) -> None:
        """The server gets the PDF attached; a resend carries the same Message-ID; the receipt says when."""
        box, port = smtp
        doc = email_doc(tmp_path / "reply.pdf")
        url = f"smtp://gongkai:s3cret@127.0.0.1:{port}"
        first = send_document_email(doc, url, FROM)
        again = send_document_email(doc, url, FROM)
        assert len(box.messages) == 2
        envelope = box.messages[0]
        assert envelope.mail_from == "gongkai@mz.luan.example"
        assert envelope.rcpt_tos == ["zhangsan@example.com"]
        msg = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        assert msg["Message-ID"] == first.message_id == again.message_id
        assert first.message_id.endswith("@mz.luan.example>")
        assert "答复书" in str(msg["Subject"]) and msg["X-Ogi-Case"] == "LAMZ-2026-000042"
        attachments = list(msg.iter_attachments())
        assert [a.get_content_type() for a in attachments] == ["application/pdf"]
        assert attachments[0].get_content() == PDF
        assert attachments[0].get_filename() == "政府信息公开申请答复书（六民依申请〔2026〕12号）.pdf"
        assert first.server_answer == "250 2.0.0 Ok: queued as Q1"
        assert abs(first.accepted_at - datetime.now(UTC)) < timedelta(seconds=30)
        assert first.audit == "sent by e-mail to z***@example.com"

    def test_another_document_gets_another_message_id(self, smtp: tuple[Mailbox, int], tmp_path: Path) -> None:
        """The id follows the document: another number, another id."""
        _, port = smtp
        url = f"smtp://gongkai:s3cret@127.0.0.1:{port}"
        a = send_document_email(email_doc(tmp_path / "a.pdf"), url, FROM)
        b = send_document_email(email_doc(tmp_path / "b.pdf", number="六民依申请〔2026〕13号"), url, FROM)
        assert a.message_id != b.message_id

    def test_a_refused_mailbox_is_a_permanent_failure_with_the_servers_answer(
        self, smtp: tuple[Mailbox, int], tmp_path: Path
    ) -> None:
        """550 from the server: not delivered, not to be retried, and the answer kept for the audit trail."""
        box, port = smtp
        with pytest.raises(DeliveryFailed) as caught:
            send_document_email(
                email_doc(tmp_path / "r.pdf", to="refuse@example.com"), f"smtp://127.0.0.1:{port}", FROM
            )
        assert caught.value.permanent
        assert caught.value.answer is not None and caught.value.answer.startswith("550 5.1.1 <r***@example.com>")
        assert "r***@example.com" in str(caught.value) and "refuse@" not in str(caught.value)
        assert box.messages == []

    def test_a_wrong_password_is_refused(self, smtp: tuple[Mailbox, int], tmp_path: Path) -> None:
        """The server's 535 is a permanent failure: retrying with the same password cannot help."""
        _, port = smtp
        with pytest.raises(DeliveryFailed, match="refused the login") as caught:
            send_document_email(email_doc(tmp_path / "p.pdf"), f"smtp://gongkai:wrong@127.0.0.1:{port}?timeout=5", FROM)
        assert caught.value.permanent and (caught.value.answer or "").startswith("535")

    def test_an_unreachable_server_is_a_transient_failure(self, tmp_path: Path) -> None:
        """Nobody listening: a failure to retry, never a delivery."""
        with pytest.raises(DeliveryFailed, match="could not be reached") as caught:
            send_document_email(email_doc(tmp_path / "u.pdf"), f"smtp://127.0.0.1:{free_port()}?timeout=3", FROM)
        assert not caught.value.permanent

    def test_starttls_with_the_agencys_ca(self, tmp_path: Path) -> None:
        """smtp://...?starttls=1&cafile=...: the connection is upgraded and the certificate verified."""
        cert, key = _self_signed(tmp_path)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        box = Mailbox()
        port = free_port()
        controller = Controller(box, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True)
        controller.start()
        try:
            receipt = send_document_email(
                email_doc(tmp_path / "t.pdf"), f"smtp://127.0.0.1:{port}?starttls=1&cafile={cert}", FROM
            )
            with pytest.raises(DeliveryFailed, match="could not be reached"):  # no CA given: verification fails
                send_document_email(email_doc(tmp_path / "t2.pdf"), f"smtp://127.0.0.1:{port}?starttls=1", FROM)
        finally:
            controller.stop()
        assert receipt.server_answer.startswith("250") and len(box.messages) == 1

    def test_the_activity_fails_non_retryably_on_refusal(
        self, smtp: tuple[Mailbox, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The activity turns a refusal into a non-retryable DeliveryRefused carrying the answer."""
        _, port = smtp
        monkeypatch.setenv("OGI_SMTP_URL", f"smtp://127.0.0.1:{port}")
        monkeypatch.setenv("OGI_MAIL_FROM", FROM)
        with pytest.raises(ApplicationError) as caught:
            deliver_by_email(email_doc(tmp_path / "x.pdf", to="refuse@example.com"))
        assert caught.value.type == "DeliveryRefused" and caught.value.non_retryable
        assert deliver_by_email(email_doc(tmp_path / "y.pdf")).message_id.startswith("<ogi.")

    def test_smtps_urls_parse(self) -> None:
        """smtps:// means TLS from the start on 465; credentials are URL-decoded."""
        target = parse_smtp_url("smtps://gong%40kai:p%40ss@mail.example.gov.cn")
        assert (target.host, target.port, target.implicit_tls, target.username) == (
            "mail.example.gov.cn",
            465,
            True,
            "gong@kai",
        )
        assert target.password is not None and target.password.get_secret_value() == "p@ss"


# -- SMS: local stand-ins that verify signatures the way the providers do --


def _rfc3986(value: str) -> str:
    # Alibaba's POP encoding: java.net.URLEncoder output with + → %20, * → %2A, %7E → ~.
    return quote(value, safe="~").replace("+", "%20").replace("*", "%2A").replace("/", "%2F")


class ProviderStub(BaseHTTPRequestHandler):
    """Answers like Alibaba (GET /?...) or Tencent (POST /), after checking the request's signature."""

    secret = "alibaba-secret"
    tencent_id, tencent_key = "AKIDtest", "tencent-secret"
    received: ClassVar[list[dict[str, Any]]] = []

    def _send(self, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        params = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
        signature = params.pop("Signature", "")
        canonical = "&".join(f"{_rfc3986(k)}={_rfc3986(v)}" for k, v in sorted(params.items()))
        string_to_sign = "GET&%2F&" + _rfc3986(canonical)
        expected = base64.b64encode(
            hmac.new((self.secret + "&").encode(), string_to_sign.encode(), hashlib.sha1).digest()
        ).decode()
        ProviderStub.received.append(params)
        if signature != expected:
            self._send({"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not matched."})
        elif params["PhoneNumbers"] == "13900000000":
            self._send({"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号"})
        else:
            self._send({"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0", "RequestId": "R1"})

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        auth = self.headers["Authorization"]
        timestamp = int(self.headers["X-TC-Timestamp"])
        day = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
        canonical = (
            "POST\n/\n\n"
            f"content-type:{self.headers['Content-Type']}\nhost:{self.headers['Host']}\n"
            f"x-tc-action:{self.headers['X-TC-Action'].lower()}\n\n"
            f"content-type;host;x-tc-action\n{hashlib.sha256(body).hexdigest()}"
        )
        scope = f"{day}/sms/tc3_request"
        to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
        key = ("TC3" + self.tencent_key).encode()
        for part in (day, "sms", "tc3_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        expected = (
            f"TC3-HMAC-SHA256 Credential={self.tencent_id}/{scope}, "
            f"SignedHeaders=content-type;host;x-tc-action, Signature={signature}"
        )
        payload = json.loads(body)
        ProviderStub.received.append(payload)
        if auth != expected:
            self._send(
                {"Response": {"Error": {"Code": "AuthFailure.SignatureFailure", "Message": "bad"}, "RequestId": "E"}}
            )
            return
        phone = payload["PhoneNumberSet"][0]
        code = "Ok" if phone != "+8613900000000" else "InvalidParameterValue.IncorrectPhoneNumber"
        status = {
            "SerialNo": "5000:1045710669157053657849499619",
            "PhoneNumber": phone,
            "Code": code,
            "Message": "send success",
        }
        self._send({"Response": {"SendStatusSet": [status], "RequestId": "T1"}})

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def provider() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), ProviderStub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    ProviderStub.received.clear()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()


def config(provider_name: str, url: str, secret: str) -> SmsConfig:
    return SmsConfig(
        provider=provider_name,  # type: ignore[arg-type]
        access_key_id="AKIDtest" if provider_name == "tencent" else "LTAItest",
        access_key_secret=SecretStr(secret),
        sign_name="六安市民政局",
        template="SMS_123456789" if provider_name == "aliyun" else "1234567",
        app_id="1400000000",
        base_url=url,
    )


MESSAGE = SmsMessage(phone="138 1234 5678", params={"case": "LAMZ-2026-000042"}, reference="LAMZ-2026-000042:reply")


class TestSms:
    def test_alibaba_signature_matches_the_published_example(self) -> None:
        """The signing routine gives the signature of Alibaba Cloud's own documented SendSms example."""
        params = {
            "AccessKeyId": "testId",
            "Action": "SendSms",
            "Format": "XML",
            "OutId": "123",
            "PhoneNumbers": "15300000001",
            "RegionId": "cn-hangzhou",
            "SignName": "阿里云短信测试专用",
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
            "SignatureVersion": "1.0",
            "TemplateCode": "SMS_71390007",
            "TemplateParam": '{"customer":"test"}',
            "Timestamp": "2017-07-12T02:42:19Z",
            "Version": "2017-05-25",
        }
        assert aliyun_signature(params, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="

    def test_alibaba_accepts_a_signed_request(self, provider: str) -> None:
        """The stub verifies the signature and answers the BizId; template, sign and reference went along."""
        receipt = send_aliyun(MESSAGE, config("aliyun", provider, ProviderStub.secret))
        assert receipt.message_id == "900619746936498440^0"
        sent = ProviderStub.received[-1]
        assert (sent["PhoneNumbers"], sent["SignName"], sent["TemplateCode"]) == (
            "13812345678",
            "六安市民政局",
            "SMS_123456789",
        )
        assert json.loads(sent["TemplateParam"]) == {"case": "LAMZ-2026-000042"}
        assert sent["OutId"] == "LAMZ-2026-000042:reply"
        assert receipt.audit == "sent by SMS to 138****5678"

    def test_alibaba_refuses_a_bad_signature_and_a_bad_number(self, provider: str) -> None:
        """A wrong secret and an illegal number are permanent failures carrying the provider's code."""
        with pytest.raises(DeliveryFailed, match="SignatureDoesNotMatch") as bad_key:
            send_aliyun(MESSAGE, config("aliyun", provider, "wrong"))
        assert bad_key.value.permanent
        with pytest.raises(DeliveryFailed, match="MOBILE_NUMBER_ILLEGAL"):
            send_aliyun(
                MESSAGE.model_copy(update={"phone": "13900000000"}), config("aliyun", provider, "alibaba-secret")
            )

    def test_tencent_accepts_a_tc3_signed_request(self, provider: str) -> None:
        """The stub recomputes TC3-HMAC-SHA256 from the request as received and answers the SerialNo."""
        receipt = send_tencent(MESSAGE, config("tencent", provider, ProviderStub.tencent_key))
        assert receipt.message_id == "5000:1045710669157053657849499619"
        sent = ProviderStub.received[-1]
        assert sent["PhoneNumberSet"] == ["+8613812345678"]
        assert (sent["SmsSdkAppId"], sent["TemplateId"], sent["TemplateParamSet"]) == (
            "1400000000",
            "1234567",
            ["LAMZ-2026-000042"],
        )

    def test_tencent_refusals_are_failures(self, provider: str) -> None:
        """A bad key is AuthFailure; a per-number error in SendStatusSet is a failure too, not a receipt."""
        with pytest.raises(DeliveryFailed, match=r"AuthFailure\.SignatureFailure"):
            send_tencent(MESSAGE, config("tencent", provider, "wrong"))
        with pytest.raises(DeliveryFailed, match="IncorrectPhoneNumber") as caught:
            send_tencent(
                MESSAGE.model_copy(update={"phone": "+8613900000000"}), config("tencent", provider, "tencent-secret")
            )
        assert caught.value.permanent

    def test_an_unreachable_provider_is_transient(self) -> None:
        """No answer: retry later."""
        with pytest.raises(DeliveryFailed) as caught:
            send_aliyun(MESSAGE, config("aliyun", f"http://127.0.0.1:{free_port()}/", "s"))
        assert not caught.value.permanent

    def test_not_a_mobile_number_is_refused_before_sending(self, provider: str) -> None:
        """A landline or a typo never reaches the provider."""
        with pytest.raises(DeliveryFailed, match="not a mainland mobile"):
            send_aliyun(MESSAGE.model_copy(update={"phone": "0564-3371234"}), config("aliyun", provider, "s"))
        assert ProviderStub.received == []


# -- quiet hours and masking --


def bj(day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 12, day, hh, mm, tzinfo=UTC) - BEIJING_8


class TestQuietHours:
    @pytest.mark.parametrize(("at", "expected"), [
        (bj(1, 8, 0), bj(1, 8, 0)),  # opening minute: send
        (bj(1, 12, 30), bj(1, 12, 30)),
        (bj(1, 20, 59), bj(1, 20, 59)),
        (bj(1, 21, 0), bj(2, 8, 0)),  # closing minute: next morning
        (bj(1, 23, 45), bj(2, 8, 0)),
        (bj(2, 0, 30), bj(2, 8, 0)),  # after midnight: same day's morning
        (bj(2, 7, 59), bj(2, 8, 0)),
    ])  # fmt: skip
    def test_next_send_time_in_beijing(self, at: datetime, expected: datetime) -> None:
        """08:00-21:00 Beijing by default, whatever zone the instant comes in."""
        assert next_send_time(at) == expected
        assert may_send(at) is (at == expected)

    def test_a_window_over_midnight_and_parsing(self) -> None:
        """A night-shift window (22:00-06:00) wraps; bad text is an error naming the format."""
        window = parse_window("22:00-06:00")
        assert window == SendingWindow(time(22), time(6))
        assert may_send(bj(1, 23), window) and not may_send(bj(1, 12), window)
        assert next_send_time(bj(1, 12), window) == bj(1, 22)
        with pytest.raises(ValueError, match="HH:MM-HH:MM"):
            parse_window("8-21")

    def test_naive_datetimes_are_refused(self) -> None:
        """A naive instant could be any zone: refused rather than guessed."""
        with pytest.raises(ValueError, match="aware"):
            next_send_time(datetime(2026, 12, 1, 12))


class TestMasking:
    def test_audit_lines_never_hold_the_address(self) -> None:
        """E-mail keeps the first letter and the domain; phones the prefix and the last four digits."""
        assert mask_email("zhangsan@example.com") == "z***@example.com"
        assert mask_phone("+86 138-1234-5678") == "+86138****5678"
        assert delivery_audit_line("email", "zhangsan@example.com") == "sent by e-mail to z***@example.com"
        line = delivery_audit_line("post", "安徽省六安市金安区梅山南路1号")
        assert line == "sent by post to 安徽省六安市***" and "梅山" not in line


# -- post --


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")
class TestPrintBatch:
    def test_the_days_post_in_one_pdf_with_a_cover_sheet(self, db: Path, tmp_path: Path) -> None:
        """Two documents by post and one by e-mail on one day: the batch holds the two, each from a fresh sheet."""
        reply = next(s for s in sample_inputs() if s.kind is DocumentKind.REPLY)
        ack = next(s for s in sample_inputs() if s.kind is DocumentKind.ACKNOWLEDGEMENT)
        for sample, delivery, case in ((reply, "post", "A-1"), (ack, "post", "A-2"), (reply, "email", "A-3")):
            doc = sample.model_copy(update={"number": None, "case_id": case})
            issue(IssueRequest(document=doc, agency_code="LAMZ", short_name="六民", delivery=delivery, formats=["pdf"]))
        batch = build_print_batch("LAMZ", date(2026, 12, 1), "六安市民政局")
        assert batch is not None
        assert [(e.case_id, e.number) for e in batch.entries] == [("A-1", "六民依申请〔2026〕1号"), ("A-2", None)]
        assert batch.pages % 2 == 0 and batch.pages >= 2 + sum(e.pages for e in batch.entries)
        text = subprocess.run(["pdftotext", batch.path, "-"], capture_output=True, text=True, check=True).stdout
        assert "邮寄文书清单（2026年12月1日）" in text and "共2件" in text
        assert "六民依申请〔2026〕1号" in text and "A-3" not in text
        assert build_print_batch("LAMZ", date(2026, 12, 2)) is None
