"""Documents rendered for real: PDF read back with pdftotext, DOCX with python-docx, issued once with a seal hook."""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from pypdf import PdfReader, PdfWriter

from activities.documents import IssueRequest, issue
from domain.document_samples import SAMPLE_NUMBER, all_samples, sample_inputs, sample_label
from domain.documents import NUMBERED_KINDS, DocumentContent, DocumentInput, DocumentKind, build_document
from domain.outcomes import Outcome, Reason
from infra.rendering import document_style, docx_text, render_docx, render_html, render_pdf

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")


def pdf_text(data: bytes, tmp_path: Path) -> str:
    """The PDF's text by pdftotext, whitespace and page numbers removed (lines wrap anywhere in Chinese)."""
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True).stdout
    return re.sub(r"—\s*\d+\s*—", "", re.sub(r"\s+", "", out.decode("utf-8")))


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def rendered(content: DocumentContent) -> bytes:
    return render_pdf(render_html(content, document_style()))


class TestPdf:
    @pytest.mark.parametrize("sample", all_samples(), ids=sample_label)
    def test_every_kind_and_outcome_reads_back_whole(self, sample: DocumentInput, tmp_path: Path) -> None:
        """Every line of the content is in the PDF's text: 文号, Chinese date, articles, remedies."""
        content = build_document(sample)
        text = pdf_text(rendered(content), tmp_path)
        rows = {f"{row.label}：{row.value}": (row.label, row.value) for row in content.table}
        for line in content.lines():
            for part in rows.get(line, (line,)):  # a form row is a label cell and a value cell
                assert squeeze(part) in text, part
        assert "2026年12月1日" in text
        if sample.kind in NUMBERED_KINDS:
            assert SAMPLE_NUMBER in text
        for article in content.articles:
            assert article in text
        if content.remedies:
            assert "60日内向六安市人民政府申请行政复议" in text

    def test_fonts_are_embedded_and_the_file_is_pdf_a(self, tmp_path: Path) -> None:
        """CJK fonts are embedded (subsets) and the file declares PDF/A-2u, so it reads the same anywhere."""
        data = rendered(build_document(sample_inputs()[0]))
        path = tmp_path / "a.pdf"
        path.write_bytes(data)
        fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
        rows = [line.split() for line in fonts.splitlines()[2:] if line.strip()]
        assert rows and any("CJK" in row[0] for row in rows)
        assert all("yes" in row[-5:-2] for row in rows), fonts  # emb column
        xmp = PdfReader(path).xmp_metadata
        assert xmp is not None and xmp.get_element("", "http://www.aiim.org/pdfa/ns/id/", "part")

    def test_same_content_same_bytes(self) -> None:
        """Rendering is deterministic: no clock enters the file."""
        content = build_document(sample_inputs()[0])
        assert rendered(content) == rendered(content)

    def test_renders_wait_their_turn_on_the_render_thread(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Activity threads render one at a time on the render thread (memory), and a waiting one is told to beat."""
        import infra.rendering as rendering

        monkeypatch.setattr(rendering, "RENDER_WAIT_BEAT", 0.01)
        html = render_html(build_document(sample_inputs()[0]), document_style())
        seen: set[str] = set()
        original = rendering._write_pdf

        def spy(page: str, variant: str | None) -> bytes:
            seen.add(threading.current_thread().name)
            return original(page, variant)

        monkeypatch.setattr(rendering, "_write_pdf", spy)
        beats: list[int] = []
        results: list[bytes] = []

        def one(i: int) -> None:
            results.append(render_pdf(html, on_wait=lambda: beats.append(i)))

        threads = [threading.Thread(target=one, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(results) == 4 and len(set(results)) == 1 and results[0].startswith(b"%PDF")
        assert len(seen) == 1 and next(iter(seen)).startswith("render"), seen
        assert beats, "a render waiting behind three others never asked for a heartbeat"


class TestDocx:
    @pytest.mark.parametrize(
        "sample",
        [s for s in sample_inputs() if s.kind is not DocumentKind.REPLY or s.outcome is Outcome.NOT_DISCLOSED],
        ids=sample_label,
    )
    def test_docx_says_what_the_pdf_says(self, sample: DocumentInput) -> None:
        """The DOCX holds the same lines as the content (and so as the PDF)."""
        content = build_document(sample)
        lines = [squeeze(line) for line in docx_text(render_docx(content)) if line != "（印章）"]
        expected = [squeeze(line) for line in content.lines()]
        assert sorted(lines) == sorted(expected)
        heading = 2 + bool(content.number) + bool(content.addressee)
        assert lines[:heading] == expected[:heading]  # 标志, 文号, title, 主送 in this order

    def test_docx_escapes_markup_in_content(self) -> None:
        """An applicant's description with XML characters renders as text, not as broken markup."""
        sample = sample_inputs()[0].model_copy(update={"description": "A&B <资金> 情况"})
        assert any("A&B <资金> 情况" in line for line in docx_text(render_docx(build_document(sample))))


class _Signer(BaseHTTPRequestHandler):
    """A signing service: checks the bearer token, 'signs' by adding a metadata entry, returns the PDF."""

    seen: ClassVar[list[dict[str, str]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Authorization") != "Bearer seal-token" or not body.startswith(b"%PDF-"):
            self.send_response(403)
            self.end_headers()
            return
        _Signer.seen.append({k: v for k, v in self.headers.items() if k.lower().startswith("x-ogi")})
        signed = add_signature(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/pdf")
        self.send_header("Content-Length", str(len(signed)))
        self.end_headers()
        self.wfile.write(signed)

    def log_message(self, *args: Any) -> None:
        pass


def add_signature(pdf: bytes, *_: Any) -> bytes:
    """Stand-in for a seal system: the PDF with a /OgiSeal metadata entry (a real one adds a signature)."""
    import io

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.add_metadata({"/OgiSeal": "test-seal"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
def signing_server() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Signer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/sign"
    finally:
        server.shutdown()


def request(**extra: Any) -> IssueRequest:
    sample = next(
        s for s in sample_inputs() if s.outcome is Outcome.NOT_DISCLOSED and s.reasons == [Reason.STATE_SECRET]
    )
    return IssueRequest(
        document=sample.model_copy(update={"number": None}),
        agency_code="LAMZ",
        short_name="六民",
        delivery="post",
        **extra,
    )


class TestIssue:
    def test_issue_numbers_renders_and_is_idempotent(self, db: Path, tmp_path: Path) -> None:
        """A retried issue gets the same number and leaves the files as they were written."""
        first = issue(request())
        assert first.number == "六民依申请〔2026〕1号"
        pdf = Path(first.files[0].path)
        assert first.files[0].format == "pdf" and pdf.name == "reply.pdf"
        assert "六民依申请〔2026〕1号" in pdf_text(pdf.read_bytes(), tmp_path)
        before = {f.path: (f.sha256, Path(f.path).stat().st_mtime_ns) for f in first.files}
        again = issue(request())
        assert again.number == first.number
        assert {f.path: (f.sha256, Path(f.path).stat().st_mtime_ns) for f in again.files} == before
        assert not first.signed

    def test_a_module_signer_signs_the_pdf(self, db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """OGI_DOCUMENT_SIGNER=module:function: the stored PDF is the one the signer returned."""
        monkeypatch.setenv("OGI_DOCUMENT_SIGNER", "tests.test_document_rendering:add_signature")
        result = issue(request(formats=["pdf"]))
        assert result.signed
        assert PdfReader(result.files[0].path).metadata["/OgiSeal"] == "test-seal"

    def test_a_signing_service_gets_the_pdf_and_the_number(
        self, db: Path, monkeypatch: pytest.MonkeyPatch, signing_server: str
    ) -> None:
        """A signing URL receives the PDF with its token and the document's number, and its answer is stored."""
        monkeypatch.setenv("OGI_DOCUMENT_SIGNER", signing_server)
        monkeypatch.setenv("OGI_DOCUMENT_SIGNER_TOKEN", "seal-token")
        _Signer.seen.clear()
        result = issue(request(formats=["pdf"]))
        assert PdfReader(result.files[0].path).metadata["/OgiSeal"] == "test-seal"
        assert _Signer.seen[0]["X-Ogi-Kind"] == "reply"
        assert "%E5%85%AD%E6%B0%91" in _Signer.seen[0]["X-Ogi-Number"]  # 六民, percent-encoded

    def test_a_refusing_signer_issues_nothing(
        self, db: Path, monkeypatch: pytest.MonkeyPatch, signing_server: str
    ) -> None:
        """A signer that refuses is an error and no unsigned PDF is written in its place."""
        from infra.signing import SigningError

        monkeypatch.setenv("OGI_DOCUMENT_SIGNER", signing_server)
        monkeypatch.setenv("OGI_DOCUMENT_SIGNER_TOKEN", "wrong")
        with pytest.raises(SigningError, match="403"):
            issue(request(formats=["pdf"]))
        assert not list(Path(str(db.parent)).rglob("reply.pdf"))

    def test_a_seal_image_is_printed(self, db: Path, tmp_path: Path) -> None:
        """With a seal image the signature block carries it instead of the placeholder."""
        seal = tmp_path / "seal.svg"
        seal.write_text(
            '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">'
            '<circle cx="50" cy="50" r="45" stroke="red" stroke-width="4" fill="none"/></svg>',
            "utf-8",
        )
        content = build_document(sample_inputs()[0])
        html = render_html(content, document_style(seal))
        assert "data:image/svg+xml;base64," in html and "（印章）" not in html
        assert date(2026, 12, 1).isoformat() in html
