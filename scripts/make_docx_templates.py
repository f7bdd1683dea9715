"""Write the shipped DOCX templates (``domain/data/documents/*.docx``) with python-docx; run after changing them.

The templates hold docxtpl (Jinja) tags only: the wording comes from ``domain.documents``. Layout follows
GB/T 9704-2012 on A4 (版心 156 × 225 mm; 仿宋 3号 body, 小标宋 2号 title, red 发文机关标志 and rule).
Usage: ``.venv/bin/python scripts/make_docx_templates.py``.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph

OUT = Path(__file__).resolve().parent.parent / "domain" / "data" / "documents"
BODY_FONT = "仿宋_GB2312"
TITLE_FONT = "方正小标宋简体"
RED = RGBColor(0xCC, 0x00, 0x00)


def _font(paragraph: Paragraph, name: str, size: float, color: RGBColor | None = None) -> None:
    for run in paragraph.runs:
        run.font.name = name
        run.font.size = Pt(size)
        run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)
        if color is not None:
            run.font.color.rgb = color


def _para(doc: object, text: str, *, align: str = "left", indent: bool = False, size: float = 16) -> Paragraph:
    paragraph: Paragraph = doc.add_paragraph(text)  # type: ignore[attr-defined]
    fmt = paragraph.paragraph_format
    fmt.alignment = {
        "left": WD_ALIGN_PARAGRAPH.LEFT,
        "center": WD_ALIGN_PARAGRAPH.CENTER,
        "right": WD_ALIGN_PARAGRAPH.RIGHT,
        "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
    }[align]
    fmt.line_spacing = Pt(28.9)
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    if indent:
        fmt.first_line_indent = Pt(size * 2)
    _font(paragraph, BODY_FONT, size)
    return paragraph


def _tag(doc: object, tag: str) -> None:
    """A docxtpl paragraph tag ({%p ... %}): the paragraph holding it disappears when rendered."""
    _para(doc, tag)


def _red_rule(paragraph: Paragraph) -> None:
    ppr = paragraph._element.get_or_add_pPr()
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "12"), ("w:space", "1"), ("w:color", "CC0000")):
        bottom.set(qn(key), value)
    border.append(bottom)
    ppr.append(border)


def build(with_table: bool) -> object:
    """One template: the shared layout, with the form table of the service receipt when asked."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)

    issuer = _para(doc, "{{ doc.issuer }}", align="center")
    _font(issuer, TITLE_FONT, 28, RED)
    _tag(doc, "{%p if doc.number %}")
    _para(doc, "{{ doc.number }}", align="center")
    _tag(doc, "{%p endif %}")
    _red_rule(_para(doc, ""))
    _para(doc, "")
    title = _para(doc, "{{ doc.title }}", align="center")
    _font(title, TITLE_FONT, 22)
    _para(doc, "")
    _tag(doc, "{%p if doc.addressee %}")
    _para(doc, "{{ doc.addressee }}：")
    _tag(doc, "{%p endif %}")
    _tag(doc, "{%p for paragraph in doc.paragraphs %}")
    _para(doc, "{{ paragraph }}", align="justify", indent=True)
    _tag(doc, "{%p endfor %}")
    if with_table:
        table = doc.add_table(rows=3, cols=2)
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.cell(0, 0).text = "{%tr for row in doc.table %}"
        table.cell(1, 0).text = "{{ row.label }}"
        table.cell(1, 1).text = "{{ row.value }}"
        table.cell(2, 0).text = "{%tr endfor %}"
        for row in table.rows:
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    _font(paragraph, BODY_FONT, 14)
    for field in ("remedies", "closing", "contact"):
        _tag(doc, f"{{%p if doc.{field} %}}")
        _para(doc, f"{{{{ doc.{field} }}}}", align="justify", indent=True)
        _tag(doc, "{%p endif %}")
    _para(doc, "")
    _para(doc, "{{ doc.signature.agency }}", align="right")
    _para(doc, "{{ doc.signature.date_text }}", align="right")
    _para(doc, "{{ doc.signature.seal_placeholder }}", align="right", size=12)
    return doc


def main() -> None:
    """Write ``document.docx`` (every kind) and ``service_receipt.docx`` (the form)."""
    OUT.mkdir(parents=True, exist_ok=True)
    build(with_table=False).save(OUT / "document.docx")  # type: ignore[attr-defined]
    build(with_table=True).save(OUT / "service_receipt.docx")  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
