"""Documents laid out from their content: Jinja2 HTML to PDF (WeasyPrint, PDF/A) and docxtpl DOCX.

Templates come from the shipped folder ``domain/data/documents`` and, overriding it file by file, the
agency's ``OGI_TEMPLATES_DIR``. Undefined variables are errors (``StrictUndefined``), never blanks, and
``check_templates`` renders every template with every sample so a broken one is found when installed.
"""

from __future__ import annotations

import base64
import io
import mimetypes
import threading
import zipfile
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup
from pydantic import BaseModel, ConfigDict

from domain.document_samples import all_samples, sample_label
from domain.documents import DocumentContent, DocumentInputError, DocumentKind, build_document
from infra.settings import settings

LAYOUT = "_layout.html"
GENERIC_DOCX = "document.docx"


class RenderError(RuntimeError):
    """A template could not be rendered; the message names the template, the line and the cause."""


class DocumentStyle(BaseModel):
    """What the layout needs besides the content: fonts (CSS family lists) and the seal image."""

    model_config = ConfigDict(frozen=True)

    body_font: str
    title_font: str
    heading_font: str
    title_weight: int = 700
    seal_data_uri: str | None = None


def _css_families(names: str) -> str:
    # Quoted, so that names with spaces or underscores reach fontconfig intact.
    return ", ".join('"' + name.strip().replace('"', "") + '"' for name in names.split(",") if name.strip())


def seal_data_uri(path: Path | None) -> str | None:
    """The seal image as a data URI (embedded in the PDF, never fetched); None without one."""
    if path is None:
        return None
    mime = mimetypes.guess_type(path.name)[0] or "image/png"
    return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def document_style(seal_image: Path | None = None) -> DocumentStyle:
    """The style from the settings; ``seal_image`` (the agency's) before ``OGI_SEAL_IMAGE``."""
    s = settings()
    return DocumentStyle(
        body_font=_css_families(s.document_font_body),
        title_font=_css_families(s.document_font_title),
        heading_font=_css_families(s.document_font_heading),
        title_weight=s.document_title_weight,
        seal_data_uri=seal_data_uri(seal_image or s.seal_image),
    )


def shipped_dir() -> Path:
    """The folder of the shipped templates."""
    return Path(str(resources.files("domain").joinpath("data/documents")))


def environment(override_dir: Path | None = None) -> jinja2.Environment:
    """A Jinja environment loading the agency's templates first, then the shipped ones; strict and escaping."""
    loaders: list[jinja2.BaseLoader] = []
    if override_dir is not None and override_dir.is_dir():
        loaders.append(jinja2.FileSystemLoader(str(override_dir)))
    loaders.append(jinja2.FileSystemLoader(str(shipped_dir())))
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        keep_trailing_newline=True,
    )


def _style_context(style: DocumentStyle) -> dict[str, object]:
    # The font lists are CSS written by ogi from settings, not user input: escaping their quotes as
    # &#34; would make WeasyPrint drop the declaration and fall back to any font.
    return {
        name: Markup(value) if name.endswith("_font") and isinstance(value, str) else value  # noqa: S704
        for name, value in style.model_dump().items()
    }


def render_html(content: DocumentContent, style: DocumentStyle, override_dir: Path | None = None) -> str:
    """The document as HTML from its kind's template (``<kind>.html``)."""
    name = f"{content.kind.value}.html"
    try:
        return environment(override_dir).get_template(name).render(doc=content, style=_style_context(style))
    except jinja2.TemplateError as exc:
        raise RenderError(_describe(name, exc)) from exc


RENDER_WAIT_BEAT = 5.0
"""Seconds between calls of ``on_wait`` while a render waits for its turn (within any heartbeat timeout)."""
_pool: tuple[int, ThreadPoolExecutor] | None = None
_pool_lock = threading.Lock()


def _render_pool() -> ThreadPoolExecutor:
    """The process's render threads, as many as the setting says (made again if the setting changed).

    Renders run on these few threads, not on the caller's: each thread that renders keeps its own allocator
    arena full of a CJK font's tables, so 32 activity threads rendering would hold 32 of them.
    """
    global _pool
    size = settings().render_slots
    with _pool_lock:
        if _pool is None or _pool[0] != size:
            _pool = (size, ThreadPoolExecutor(max_workers=size, thread_name_prefix="render"))
        return _pool[1]


def render_pdf(html: str, variant: str | None = None, on_wait: Callable[[], None] | None = None) -> bytes:
    """PDF bytes from HTML, fonts embedded (subsets); ``variant`` e.g. ``pdf/a-2u`` (default: the setting).

    The same HTML gives the same bytes: no clock enters the file (the date comes from the document). At most
    ``render_slots`` renders run at once in a process; ``on_wait`` is called every few seconds until it is done.
    """
    chosen = settings().pdf_variant if variant is None else variant
    rendering = _render_pool().submit(_write_pdf, html, chosen or None)
    while True:
        try:
            return rendering.result(timeout=RENDER_WAIT_BEAT)
        except TimeoutError:
            if on_wait is not None:
                on_wait()


def _write_pdf(html: str, variant: str | None) -> bytes:
    from weasyprint import HTML  # heavy: imported when a document is rendered

    pdf: bytes = HTML(string=html).write_pdf(pdf_variant=variant)
    return pdf


def _docx_template(kind: DocumentKind, override_dir: Path | None) -> Path:
    names = [f"{kind.value}.docx", GENERIC_DOCX]
    for folder in ([override_dir] if override_dir is not None else []) + [shipped_dir()]:
        for name in names:
            if (folder / name).is_file():
                return folder / name
    msg = f"no DOCX template for {kind.value}: neither {names[0]} nor {GENERIC_DOCX} exists"
    raise RenderError(msg)


def render_docx(content: DocumentContent, override_dir: Path | None = None) -> bytes:
    """The document as DOCX from ``<kind>.docx`` or ``document.docx`` (docxtpl), with stable zip timestamps."""
    template = _docx_template(content.kind, override_dir)
    return _render_docx_file(template, content)


def _render_docx_file(template: Path, content: DocumentContent) -> bytes:
    from docxtpl import DocxTemplate

    doc = DocxTemplate(str(template))
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=True)
    try:
        doc.render({"doc": content}, jinja_env=env, autoescape=True)
    except jinja2.TemplateError as exc:
        raise RenderError(_describe(template.name, exc)) from exc
    out = io.BytesIO()
    doc.save(out)
    return _stable_zip(out.getvalue())


def _stable_zip(data: bytes) -> bytes:
    """The same archive with every entry dated 1980-01-01, so the same content gives the same bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


def docx_text(data: bytes) -> list[str]:
    """The non-empty paragraphs and table cells of a DOCX, in order (what a reader of it sees)."""
    from docx import Document

    doc = Document(io.BytesIO(data))
    lines = [p.text for p in doc.paragraphs if p.text.strip()]
    for table in doc.tables:
        for row in table.rows:
            cells = [c.text for c in row.cells]
            lines.append(f"{cells[0]}：{cells[1]}" if len(cells) == 2 else " ".join(cells))
    return lines


def _describe(name: str, exc: jinja2.TemplateError) -> str:
    where = name
    if isinstance(exc, jinja2.TemplateSyntaxError):
        where = f"{exc.filename or exc.name or name}:{exc.lineno}"
    return f"{where}: {type(exc).__name__}: {exc.message or exc}"


# -- checking an agency's templates --


@dataclass(frozen=True)
class TemplateProblem:
    """One problem found in a template: which file, with which sample, and what is wrong."""

    template: str
    sample: str
    message: str


KNOWN_HTML = {f"{kind.value}.html" for kind in DocumentKind} | {LAYOUT}
KNOWN_DOCX = {f"{kind.value}.docx" for kind in DocumentKind} | {GENERIC_DOCX}


def check_templates(directory: Path, samples: Iterable[Any] | None = None) -> list[TemplateProblem]:
    """Render every template in ``directory`` (with the shipped ones behind it) with every sample.

    Unknown variables, broken syntax and unknown file names are problems; each distinct problem is
    reported once per template. The text templates of ``domain.notices`` (``*.txt``) are left alone.
    """
    problems: dict[tuple[str, str], TemplateProblem] = {}

    def add(template: str, sample: str, message: str) -> None:
        problems.setdefault((template, message), TemplateProblem(template, sample, message))

    present = sorted(p.name for p in directory.iterdir() if p.is_file()) if directory.is_dir() else []
    if not directory.is_dir():
        add(str(directory), "-", "not a directory")
        return list(problems.values())
    for name in present:
        if name.endswith(".html") and name not in KNOWN_HTML and not name.startswith("_"):
            add(name, "-", f"not a document kind: name it one of {', '.join(sorted(KNOWN_HTML))}")
        if name.endswith(".docx") and name not in KNOWN_DOCX:
            add(name, "-", f"not a document kind: name it one of {', '.join(sorted(KNOWN_DOCX))}")
    env = environment(directory)
    for name in present:
        if name.endswith(".html"):
            try:
                env.get_template(name)  # syntax errors in partials too, even if no kind uses them
            except jinja2.TemplateError as exc:
                add(name, "-", _describe(name, exc))
    style = DocumentStyle(body_font='"Noto Serif CJK SC"', title_font='"Noto Serif CJK SC"', heading_font='"sans"')
    for sample in samples if samples is not None else all_samples():
        label = sample_label(sample)
        try:
            content = build_document(sample)
        except DocumentInputError as exc:  # a sample the shipped code cannot build is a bug here, not theirs
            add("(samples)", label, str(exc))
            continue
        html_name = f"{content.kind.value}.html"
        if html_name in present or LAYOUT in present:
            try:
                env.get_template(html_name).render(doc=content, style=_style_context(style))
            except jinja2.TemplateError as exc:
                add(_template_of(exc, html_name), label, _describe(html_name, exc))
        for docx_name in (f"{content.kind.value}.docx", GENERIC_DOCX):
            path = directory / docx_name
            if path.is_file():
                try:
                    _render_docx_file(path, content)
                except RenderError as exc:
                    add(docx_name, label, str(exc))
                except Exception as exc:  # a corrupt .docx raises zip or XML errors of many kinds
                    add(docx_name, label, f"cannot be read as a DOCX template: {exc}")
                break
    return list(problems.values())


def _template_of(exc: jinja2.TemplateError, default: str) -> str:
    """The file a rendering error came from (a layout's error is the layout's, not the kind's)."""
    if isinstance(exc, jinja2.TemplateSyntaxError) and exc.name:
        return exc.name
    tb = exc.__traceback__
    name = default
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".html") and not filename.startswith("<"):
            name = Path(filename).name
        tb = tb.tb_next
    return name
