"""The reader's language: gettext catalogs for Chinese (the default) and English, and who reads in which.

The catalogs are ``infra/locale/<lang>/LC_MESSAGES/ogi.po``, compiled to ``.mo`` beside them by ``make
messages`` (a test recompiles them and fails when a shipped ``.mo`` is stale or a message lacks a
language). Messages are ``domain.messages.Msg``: English templates with named values, looked up here.

The language is ``OGI_LANG`` (``zh`` unless set) for the CLI and as the API's default; a request's
``Accept-Language`` chooses for its answer (``speaking`` holds it for the request), and the console's
cookie for its pages. Machine fields (JSON keys, codes, enumeration values) never change with it.
"""

from __future__ import annotations

import functools
import gettext
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from domain.messages import Msg, Phrasebook, Term, say

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
DOMAIN = "ogi"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

_speaking: ContextVar[str | None] = ContextVar("ogi_lang", default=None)


def supported(lang: str | None) -> str | None:
    """``lang`` as one of ``LANGS`` (``en-GB`` → ``en``, ``zh_CN`` → ``zh``), or None."""
    if not lang:
        return None
    base = lang.strip().replace("_", "-").split("-", 1)[0].lower()
    return base if base in LANGS else None


def configured_lang() -> str:
    """The installation's language: ``OGI_LANG`` (``Settings.lang``), Chinese unless set.

    Read from the environment itself, so ``ogi --help`` and the calendar commands build no settings model
    (pydantic stays unloaded: see ``tests/test_cli_help.py``); an unsupported value means the default.
    """
    return supported(os.environ.get("OGI_LANG")) or DEFAULT_LANG


def current_lang() -> str:
    """The language of what is being answered now: the request's (``speaking``), else the installation's."""
    return _speaking.get() or configured_lang()


@contextmanager
def speaking(lang: str | None) -> Iterator[str]:
    """Say everything inside in ``lang`` (the installation's language when None); yields the language."""
    chosen = supported(lang) or configured_lang()
    reset = _speaking.set(chosen)
    try:
        yield chosen
    finally:
        _speaking.reset(reset)


def negotiate(accept_language: str | None, default: str | None = None) -> str:
    """The language for an ``Accept-Language`` header: the supported one the client prefers most.

    ``zh-CN,zh;q=0.9,en;q=0.8`` → ``zh``; ``en-US`` → ``en``; nothing supported (or ``*``) → ``default``,
    else the installation's language.
    """
    best: tuple[float, int, str] | None = None
    for index, part in enumerate((accept_language or "").split(",")):
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _eq, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        lang = supported(tag)
        if lang is None or quality <= 0:
            continue
        candidate = (quality, -index, lang)
        if best is None or candidate > best:
            best = candidate
    if best is not None:
        return best[2]
    return supported(default) or configured_lang()


class _Catalog:
    """One language's phrasebook: its gettext catalog, the Chinese labels of terms, its list separator."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.separator = "、" if lang == "zh" else ", "
        self.translations = gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)

    def template(self, message: Msg) -> str:
        if message.plural is not None:
            return self.translations.ngettext(message.text, message.plural, message.n or 0)
        return self.translations.gettext(message.text) if message.text else ""

    def term(self, term: Term) -> str:
        if self.lang != "zh":
            return term.value
        return term_labels().get(term.kind, {}).get(term.value, term.value)


@functools.cache
def phrasebook(lang: str) -> Phrasebook:
    """The phrasebook of a supported language (the default's for any other)."""
    return _Catalog(supported(lang) or DEFAULT_LANG)


@functools.cache
def term_labels() -> Mapping[str, Mapping[str, str]]:
    """The Chinese label of each code a message may name, by kind (the law's own words, kept in ``domain``)."""
    from domain.outcomes import OUTCOME_LABELS, REASONS
    from domain.report_rows import REMEDY_COLUMN_LABELS, REMEDY_ROW_LABELS
    from domain.vocabulary import (
        APPLICANT_KIND_LABELS,
        APPROVAL_KIND_LABELS,
        CHANNEL_LABELS,
        CONSULTATION_KIND_LABELS,
        PARTY_ANSWER_LABELS,
        ROLE_LABELS,
        STAGE_LABELS,
    )

    return {
        "stage": {str(k): v for k, v in STAGE_LABELS.items()},
        "outcome": {str(k): v for k, v in OUTCOME_LABELS.items()},
        "reason": {str(k): info.label for k, info in REASONS.items()},
        "role": {str(k): v for k, v in ROLE_LABELS.items()},
        "channel": {str(k): v for k, v in CHANNEL_LABELS.items()},
        "consultation_kind": dict(CONSULTATION_KIND_LABELS),
        "party_answer": {**PARTY_ANSWER_LABELS, "lapsed": "期满未答复", "deemed_consent": "视为同意"},
        "approval_kind": dict(APPROVAL_KIND_LABELS),
        "applicant_kind": {str(k): v for k, v in APPLICANT_KIND_LABELS.items()},
        "delivery_channel": {
            "email": "电子邮件",
            "post": "邮寄",
            "collect": "自行领取",
            "online": "网上获取",
            "fax": "传真",
            "sms": "短信",
        },
        "delivery_status": {"queued": "待发送", "sent": "已发出", "delivered": "已送达", "failed": "未送达"},
        "recipient": {"applicant": "申请人", "consulted_party": "被征求意见方"},
        "remedy_kind": dict(REMEDY_ROW_LABELS),
        "remedy_result": dict(REMEDY_COLUMN_LABELS),
        "action": _action_labels(),
    }


def _action_labels() -> dict[str, str]:
    """The Chinese name of each action, as the console's buttons and audit trail name it (one list of names)."""
    from web.i18n import ZH

    return {key.removeprefix("action."): label for key, label in ZH.items() if key.startswith("action.")}


def translate(value: Any, lang: str | None = None) -> str:
    """``value`` (a ``Msg``, a ``Term``, ``Words``, or text) in ``lang``, else in the current language."""
    return say(value, phrasebook(lang or current_lang()))


def translator(lang: str | None = None) -> Any:
    """``translate`` bound to one language (the current one when None)."""
    chosen = lang or current_lang()
    return functools.partial(translate, lang=chosen)
