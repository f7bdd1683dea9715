"""Messages to people, kept as an English template and its values until the edge says them in the reader's language.

A rule raises ``ActionNotAllowed(Msg("case {id} is closed", id=...), code)``. The workflow records the
English sentence (``str(msg)``) in the audit trail, so the trail stays in one language and replays the
same; the CLI, the API and the pages look the template up in the gettext catalogs (``infra/i18n.py``)
and fill in the values in Chinese or English. A template is the catalog's msgid: a literal string with
named placeholders, so the catalogs can be extracted from the code (``make messages``).

``plural_msg`` picks a form by a count (English "1 case"/"2 cases"; Chinese has one form). ``Term`` is a
code with a label (a stage, an outcome, a role): said by its Chinese label in Chinese and as the code
itself in English, where clerks type it. A value that is itself a ``Msg`` is said in the same language.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any, Protocol

__all__ = ["ENGLISH", "Msg", "Phrasebook", "Term", "Text", "Words", "plural_msg", "recognise", "say"]


class Msg:
    """A message: its English template (the msgid), the plural template and count if it has one, its values."""

    __slots__ = ("n", "params", "plural", "text")

    def __init__(self, text: str, /, **params: Any) -> None:
        self.text = text
        self.plural: str | None = None
        self.n: int | None = None
        self.params: dict[str, Any] = params

    def __str__(self) -> str:
        return say(self)

    def __repr__(self) -> str:
        return f"Msg({self.text!r}, **{self.params!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Msg):
            return NotImplemented
        return (self.text, self.plural, self.n, self.params) == (other.text, other.plural, other.n, other.params)

    __hash__ = None  # type: ignore[assignment]  # mutable values: compared, never hashed

    def to_json(self) -> dict[str, Any]:
        """A JSON form that crosses Temporal and HTTP (values: text, numbers, or nested messages and terms)."""
        data: dict[str, Any] = {"text": self.text, "params": {k: _value_json(v) for k, v in self.params.items()}}
        if self.plural is not None:
            data |= {"plural": self.plural, "n": self.n}
        return data

    @classmethod
    def from_template(
        cls, text: str, params: Mapping[str, Any], plural: str | None = None, n: int | None = None
    ) -> Msg:
        """A message rebuilt from a template known to the catalogs (``Msg("...")`` elsewhere, where it is extracted)."""
        found = cls(text, **params)
        if plural is not None:
            found.plural = plural
            found.n = n
        return found

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Msg:
        """The message ``to_json`` wrote."""
        params = {k: _value_from_json(v) for k, v in (data.get("params") or {}).items()}
        plural = data.get("plural")
        n = int(data.get("n") or 0) if plural is not None else None
        return cls.from_template(str(data.get("text", "")), params, str(plural) if plural is not None else None, n)


def plural_msg(singular: str, plural: str, n: int, /, **params: Any) -> Msg:
    """A message with a form for one and a form for many, chosen by ``n`` (also the ``{n}`` placeholder)."""
    found = Msg(singular, n=n, **params)
    found.plural = plural
    found.n = n
    return found


class Term:
    """A code that has a label: a stage, an outcome, a reason, a role, a channel (see ``Phrasebook.term``)."""

    __slots__ = ("kind", "value")

    def __init__(self, kind: str, value: str) -> None:
        self.kind = kind
        self.value = value

    def __str__(self) -> str:
        return self.value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Term) and (self.kind, self.value) == (other.kind, other.value)

    __hash__ = None  # type: ignore[assignment]


class Words:
    """Several values said as one list: ``a, b, c`` in English, ``a、b、c`` in Chinese; ``none`` when empty."""

    __slots__ = ("items",)

    def __init__(self, items: Iterable[Any]) -> None:
        self.items = tuple(items)

    def __str__(self) -> str:
        return say(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Words) and self.items == other.items

    __hash__ = None  # type: ignore[assignment]


Text = str | Msg | Term | Words
"""What an error or a line of output carries: a message (a term, a list) to say, or text already said (data)."""


class Phrasebook(Protocol):
    """Where a language's words come from: the template for a message, the label of a term, the list separator."""

    def template(self, message: Msg) -> str:
        """The template of ``message`` in this language (its plural form chosen by ``message.n``)."""
        ...

    def term(self, term: Term) -> str:
        """The label of ``term`` in this language."""
        ...

    separator: str


class _English:
    """The templates as written in the code: English, plural by ``n != 1``, terms as their codes."""

    separator = ", "

    def template(self, message: Msg) -> str:
        if message.plural is not None and message.n != 1:
            return message.plural
        return message.text

    def term(self, term: Term) -> str:
        return term.value


ENGLISH: Phrasebook = _English()
"""The language of the code, the audit trail and the logs."""


def say(value: Any, book: Phrasebook = ENGLISH) -> str:
    """A message (or a term, a list, or text) said with ``book``: its template filled with its values."""
    if isinstance(value, Msg):
        template = book.template(value)
        values = {k: _said(v, book) for k, v in value.params.items()}

        try:
            return template.format_map(values)
        except (KeyError, IndexError, ValueError):
            # A catalog entry with a broken placeholder must not hide the message: the code's own words then.
            return value.text.format_map(values) if book is not ENGLISH else template
    if isinstance(value, Term):
        return book.term(value)
    if isinstance(value, BaseException) and isinstance(getattr(value, "message", None), Msg | Term | Words):
        # An error given as a value (``detail=exc``): its own message, in the same language.
        return say(value.message, book)  # type: ignore[attr-defined]
    if isinstance(value, Words):
        return book.separator.join(say(v, book) for v in value.items) if value.items else say(Msg("none"), book)
    return _plain(value)


def _said(value: Any, book: Phrasebook) -> Any:
    """A value as it goes into a template: numbers stay numbers (for ``{amount:,}``), the rest is said."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int | float):
        return value
    return say(value, book)


def _plain(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _value_json(value: Any) -> Any:
    if isinstance(value, BaseException) and isinstance(getattr(value, "message", None), Msg):
        value = value.message  # type: ignore[attr-defined]
    if isinstance(value, Msg):
        return {"msg": value.to_json()}
    if isinstance(value, Term):
        return {"term": [value.kind, value.value]}
    if isinstance(value, Words):
        return {"words": [_value_json(v) for v in value.items]}
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int | float | str):
        return value
    return _plain(value)


def _value_from_json(value: Any) -> Any:
    if isinstance(value, dict):
        if "msg" in value:
            return Msg.from_json(value["msg"])
        if "term" in value:
            kind, code = value["term"]
            return Term(str(kind), str(code))
        if "words" in value:
            return Words(_value_from_json(v) for v in value["words"])
    return value


Translate = Callable[[Any], str]
"""A function that says a message in one language (``infra.i18n.translator``)."""


def recognise(text: str, templates: Iterable[Msg], nested: Mapping[str, Iterable[Msg]] | None = None) -> Msg | None:
    """The message among ``templates`` whose English sentence ``text`` is, with its values (as text); else None.

    For sentences kept as English text where history cannot change (a case's intake warnings, its clock's
    explanation), so they can still be said in the reader's language. A value named in ``nested`` is
    itself recognised among the templates given for it (and must be one of them).
    """
    nested = nested or {}
    for template in templates:
        found = _pattern(template.text).fullmatch(text)
        if found is None:
            continue
        values: dict[str, Any] = dict(found.groupdict())
        for name, options in nested.items():
            if name in values:
                inner = recognise(values[name], options)
                if inner is None:
                    break
                values[name] = inner
        else:
            return Msg.from_template(template.text, values)
    return None


def _pattern(template: str) -> re.Pattern[str]:
    parts: list[str] = []
    seen: set[str] = set()
    for literal, field, _spec, _conversion in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if field is None:
            continue
        if field in seen:
            parts.append(f"(?P={field})")
        else:
            seen.add(field)
            parts.append(f"(?P<{field}>.+?)")
    return re.compile("".join(parts), re.DOTALL)
