"""The post room's print batch: one PDF per agency and day with that day's documents to be posted.

A cover sheet lists each document (registration number, 文号, title, pages) for the mail room to tick
off; each document starts on a fresh sheet when printed double-sided. Replies go by post through the
postal enterprise (国办公开办函〔2016〕235号), so the batch is the hand-over record. Rebuilding a day's
batch after a late document replaces the file with the complete one.
"""

from __future__ import annotations

import hashlib
import io
import os
from datetime import date
from html import escape
from pathlib import Path

from pydantic import BaseModel
from pypdf import PdfReader, PdfWriter

from domain.documents import TITLES, DocumentKind, chinese_date
from infra.document_numbers import IssuedDocument, issued_on_day
from infra.paths import documents_dir
from infra.rendering import document_style, render_pdf


class BatchEntry(BaseModel):
    """One document in a batch."""

    case_id: str
    kind: str
    number: str | None
    pages: int
    path: str


class PrintBatch(BaseModel):
    """The day's batch: where it is, its hash, what it holds."""

    agency_code: str
    day: date
    path: str
    sha256: str
    entries: list[BatchEntry]
    pages: int
    """Sheets' sides in the file, cover and blank backs included."""


def _pdf_of(doc: IssuedDocument) -> Path | None:
    for stored in doc.files:
        if stored.format == "pdf" and Path(stored.path).is_file():
            return Path(stored.path)
    return None


def _cover(agency: str, day: date, entries: list[BatchEntry]) -> bytes:
    style = document_style()
    rows = "".join(
        f"<tr><td>{i}</td><td>{escape(e.case_id)}</td><td>{escape(e.number or '')}</td>"
        f"<td>{escape(_title(e.kind))}</td><td>{e.pages}</td><td></td></tr>"
        for i, e in enumerate(entries, 1)
    )
    html = f"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="dcterms.created" content="{day.isoformat()}T00:00:00+08:00"><title>邮寄清单</title>
<style>@page {{ size: A4; margin: 20mm; }} body {{ font-family: {style.body_font}; font-size: 11pt; }}
h1 {{ font-size: 16pt; text-align: center; }} table {{ width: 100%; border-collapse: collapse; }}
td, th {{ border: 0.5pt solid #000; padding: 3pt 5pt; }}</style></head><body>
<h1>{escape(agency)} 邮寄文书清单（{chinese_date(day)}）</h1>
<p>共{len(entries)}件。请逐件核对后交邮政企业寄送，并将回执附卷。</p>
<table><tr><th>序号</th><th>登记编号</th><th>文号</th><th>文书</th><th>页数</th><th>已寄</th></tr>{rows}</table>
</body></html>"""
    return render_pdf(html, variant="")


def _title(kind: str) -> str:
    try:
        return TITLES[DocumentKind(kind)]
    except ValueError:
        return kind


def build_print_batch(agency_code: str, day: date, agency: str | None = None, duplex: bool = True) -> PrintBatch | None:
    """The batch of the agency's documents issued on ``day`` for delivery by post; None when there are none.

    Written to ``<documents>/print/<agency_code>/<day>.pdf``; ``duplex`` pads each part to an even number of
    pages so no document is printed on the back of another.
    """
    entries: list[BatchEntry] = []
    for doc in issued_on_day(agency_code, day, delivery="post"):
        pdf = _pdf_of(doc)
        if pdf is None:
            continue  # a document without a PDF (DOCX only) is printed from the office, not batched
        entries.append(
            BatchEntry(
                case_id=doc.case_id,
                kind=doc.kind,
                number=doc.number,
                pages=len(PdfReader(pdf).pages),
                path=str(pdf),
            )
        )
    if not entries:
        return None
    writer = PdfWriter()

    def append(reader: PdfReader) -> None:
        for page in reader.pages:
            writer.add_page(page)
        if duplex and len(reader.pages) % 2:
            writer.add_blank_page()

    append(PdfReader(io.BytesIO(_cover(agency or agency_code, day, entries))))
    for entry in entries:
        append(PdfReader(entry.path))
    out = io.BytesIO()
    writer.write(out)
    data = out.getvalue()
    path = documents_dir() / "print" / agency_code / f"{day.isoformat()}.pdf"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return PrintBatch(
        agency_code=agency_code,
        day=day,
        path=str(path),
        sha256=hashlib.sha256(data).hexdigest(),
        entries=entries,
        pages=len(writer.pages),
    )
