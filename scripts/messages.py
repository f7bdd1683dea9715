"""Keep the gettext catalogs in step with the code: extract, merge, compile (``make messages``).

Every ``Msg("...")`` and ``plural_msg("...", "...", n)`` in the code is a msgid. This extracts them
(Babel), merges them into ``infra/locale/<lang>/LC_MESSAGES/ogi.po`` (new ones empty in Chinese, their
own words in English; ones the code no longer has are dropped), and compiles each ``.po`` to the
``.mo`` that ``infra.i18n`` reads at run time. ``--check`` changes nothing and exits 1 when a catalog is
behind the code or a message lacks a language (the tests run the same checks).

Run it with ``python -m scripts.messages`` from the project root; Babel is a development dependency.
"""

from __future__ import annotations

import argparse
import contextlib
import gettext
import io
import sys
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = ROOT / "infra" / "locale"
LANGS = ("zh", "en")
SOURCES = ("domain", "workflows", "activities", "infra", "service", "api", "web", "cli")
KEYWORDS: dict[str, Any] = {"Msg": None, "plural_msg": (1, 2)}
"""The functions whose first (and second) literal string argument is a msgid."""


def po_path(lang: str) -> Path:
    """Where a language's catalog is kept."""
    return LOCALE_DIR / lang / "LC_MESSAGES" / "ogi.po"


def extract() -> Catalog:
    """Every msgid in the code, with the files it appears in."""
    template = Catalog(project="ogi", fuzzy=False)
    for source in SOURCES:
        found = extract_from_dir(
            ROOT / source, method_map=[("**.py", "python")], keywords=KEYWORDS, comment_tags=("i18n:",)
        )
        # Babel warns of every f-string inside a call, values included; a msgid is never one (a test checks).
        with contextlib.redirect_stderr(io.StringIO()):
            found = list(found)
        for filename, lineno, message, comments, context in found:
            template.add(
                message,
                locations=[(f"{source}/{filename}", lineno)],
                auto_comments=comments,
                context=context,
            )
    return template


def read(lang: str) -> Catalog:
    """A language's catalog as kept (an empty one for a new language)."""
    path = po_path(lang)
    if not path.exists():
        return Catalog(locale=lang, project="ogi", fuzzy=False)
    with path.open("rb") as handle:
        return read_po(handle, locale=lang, domain="ogi")


def merged(lang: str, template: Catalog) -> Catalog:
    """``lang``'s catalog with the code's msgids: kept translations, new entries, nothing obsolete."""
    catalog = read(lang)
    created = catalog.creation_date
    catalog.update(template, no_fuzzy_matching=True, update_header_comment=False, update_creation_date=False)
    catalog.creation_date = created
    catalog.obsolete.clear()
    for message in catalog:
        if not message.id:
            continue
        if lang == "en" and not _translated(message.string):
            # The msgids are English: the English catalog starts from them (and may reword a message).
            message.string = message.id
    catalog.fuzzy = False
    return catalog


def _translated(string: Any) -> bool:
    if isinstance(string, tuple | list):
        return all(string)
    return bool(string)


def keys(catalog: Catalog) -> set[tuple[Any, str | None]]:
    """The entries of a catalog: each msgid (with its plural) and context."""
    return {(m.id if isinstance(m.id, str) else tuple(m.id), m.context) for m in catalog if m.id}


def po_bytes(catalog: Catalog) -> bytes:
    """The ``.po`` text of a catalog, as committed (sorted, file names without line numbers)."""
    out = io.BytesIO()
    write_po(out, catalog, width=0, sort_output=True, include_lineno=False, ignore_obsolete=True)
    return out.getvalue()


def mo_bytes(catalog: Catalog) -> bytes:
    """The compiled ``.mo`` of a catalog."""
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def compiled(data: bytes) -> dict[Any, str]:
    """What gettext reads from a ``.mo``: every translation by msgid (and plural index)."""
    return dict(gettext.GNUTranslations(io.BytesIO(data))._catalog)  # type: ignore[attr-defined]


def untranslated(catalog: Catalog) -> list[str]:
    """The msgids of ``catalog`` that have no text in its language."""
    return [str(m.id) for m in catalog if m.id and not _translated(m.string)]


def problems(lang: str, template: Catalog | None = None) -> list[str]:
    """What is out of step for ``lang``: the catalog behind the code, its ``.mo`` behind the ``.po``, gaps."""
    template = template or extract()
    found: list[str] = []
    path = po_path(lang)
    kept = read(lang)
    if keys(kept) != keys(template):
        found.append(f"{path.relative_to(ROOT)} is behind the code: run 'make messages'")
    mo = path.with_suffix(".mo")
    if not mo.exists() or compiled(mo.read_bytes()) != compiled(mo_bytes(kept)):
        found.append(f"{mo.relative_to(ROOT)} is stale: run 'make messages'")
    found += [f"{lang}: untranslated: {msgid}" for msgid in untranslated(kept)]
    return found


def main(argv: list[str] | None = None) -> int:
    """Extract, merge and compile; with ``--check``, only report what is out of step."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--check", action="store_true", help="Change nothing; exit 1 when a catalog is behind.")
    args = parser.parse_args(argv)
    template = extract()
    if not args.check:
        for lang in LANGS:
            catalog = merged(lang, template)
            path = po_path(lang)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(po_bytes(catalog))
            path.with_suffix(".mo").write_bytes(mo_bytes(read(lang)))
    found = [p for lang in LANGS for p in problems(lang, template)]
    for line in found:
        print(line)  # noqa: T201
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
