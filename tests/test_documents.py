"""The standard document set as content: the law's words chosen by kind, outcome, reasons and version."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from domain.config import AgencyKind, OgiConfig, RemedyRules, infer_agency_kind, reconsideration_body_for
from domain.document_samples import all_samples, sample_inputs, sample_label
from domain.documents import (
    NUMBERED_KINDS,
    DocumentInput,
    DocumentInputError,
    DocumentKind,
    build_document,
    chinese_date,
)
from domain.legal_texts import Regulation
from domain.outcomes import REASONS, Outcome, Reason, report_row
from domain.report import RESULT_ROWS

BASE: dict[str, Any] = {
    "case_id": "LAMZ-2026-000042",
    "agency": "六安市民政局",
    "issued_on": date(2026, 12, 1),
    "number": "六民依申请〔2026〕12号",
    "applicant_name": "张三",
    "description": "2025年度城乡最低生活保障资金发放情况",
    "received": date(2026, 11, 2),
    "reconsideration_body": "六安市人民政府",
}


def reply(outcome: Outcome, reasons: list[Reason] | None = None, **extra: Any) -> str:
    inp = DocumentInput(kind=DocumentKind.REPLY, outcome=outcome, reasons=reasons or [], **{**BASE, **extra})
    return build_document(inp).text()


class TestEveryKind:
    @pytest.mark.parametrize("sample", all_samples(), ids=sample_label)
    def test_every_sample_builds_with_number_date_and_signature(self, sample: DocumentInput) -> None:
        """Each kind and variant builds; numbered kinds carry the 文号, all the Chinese date and the agency."""
        content = build_document(sample)
        text = content.text()
        assert content.signature.date_text == "2026年12月1日"
        assert text.rstrip().endswith("2026年12月1日")
        assert ("六民依申请〔2026〕12号" in text) is (
            sample.kind in NUMBERED_KINDS or sample.kind.value == "service_receipt"
        )
        # The Regulations have no article for a withdrawal or an "other" closure, so those cite none.
        uncited = sample.kind is DocumentKind.SERVICE_RECEIPT or sample.outcome is Outcome.WITHDRAWN
        if not uncited and sample.reasons != [Reason.OTHER]:
            assert content.articles, "every notice and reply cites its legal basis"

    @pytest.mark.parametrize("sample", all_samples(), ids=sample_label)
    def test_every_paragraph_ends_as_a_sentence(self, sample: DocumentInput) -> None:
        """Staff's free text (how to obtain the information) may lack its 。; the paragraph never does."""
        for paragraph in build_document(sample.model_copy(update={"access": "到本机关政务服务窗口领取"})).paragraphs:
            assert paragraph.endswith(("。", "：", "；", "！", "？")), paragraph

    @pytest.mark.parametrize("sample", sample_inputs(Regulation.R2008), ids=sample_label)
    def test_2008_cases_never_cite_the_2019_text(self, sample: DocumentInput) -> None:
        """Under the 2008 Regulations the citation names Decree 492 and no 2019-only article."""
        text = build_document(sample).text()
        if "《条例》" in text:
            assert "国务院令第492号" in text
        for article in ("第三十三条", "第三十二条", "第三十四条", "第三十六条", "第三十七条", "第四十二条", "第三十条"):
            assert article not in text, article


class TestReplies:
    def test_not_held_and_not_ours_are_separate_texts_and_articles(self) -> None:
        """Art 36(4) says the agency does not hold it; Art 36(5) that it is another's, named when known."""
        held = reply(Outcome.CANNOT_PROVIDE, [Reason.NOT_HELD])
        ours = reply(
            Outcome.CANNOT_PROVIDE, [Reason.NOT_OURS], refer_to="六安市财政局", refer_to_contact="0564-3370000"
        )
        assert "本机关不掌握该政府信息" in held and "第三十六条第四项" in held
        assert "不属于本机关负责公开" not in held
        assert "不属于本机关负责公开" in ours and "第三十六条第五项" in ours
        assert "六安市财政局（联系方式：0564-3370000）" in ours
        assert "不掌握" not in ours

    def test_not_ours_without_a_known_agency_says_so(self) -> None:
        """When the right agency cannot be determined the reply says that instead of naming one."""
        assert "无法确定负责公开该政府信息的行政机关" in reply(Outcome.CANNOT_PROVIDE, [Reason.NOT_OURS])

    def test_both_count_in_report_row_four_one(self) -> None:
        """Not held and not ours are both (四)1 in the annual report, a row the report knows."""
        for reason in (Reason.NOT_HELD, Reason.NOT_OURS):
            row = report_row(Outcome.CANNOT_PROVIDE, [reason])
            assert row == "cannot_provide_1"
            assert row in RESULT_ROWS

    def test_repeated_request_names_the_earlier_reply(self) -> None:
        """Art 36(6): the reply gives the earlier reply's 文号 and date, and refuses without them."""
        text = reply(
            Outcome.NOT_HANDLED,
            [Reason.REPEATED_REQUEST],
            earlier_reply_number="六民依申请〔2026〕3号",
            earlier_reply_date=date(2026, 3, 9),
        )
        assert "2026年3月9日作出答复（六民依申请〔2026〕3号）" in text
        assert "第三十六条第六项" in text
        with pytest.raises(DocumentInputError, match="earlier_reply_number"):
            reply(Outcome.NOT_HANDLED, [Reason.REPEATED_REQUEST])

    def test_special_regime_reply_cites_article_36_7(self) -> None:
        """The special-access reply cites its article like every other."""
        text = reply(Outcome.OTHER, [Reason.SPECIAL_REGIME])
        assert "第三十六条第七项" in text and "依照有关法律、行政法规的规定办理" in text

    @pytest.mark.parametrize(("outcome", "reasons", "article"), [
        (Outcome.ALREADY_PUBLIC, [], "第三十六条第一项"),
        (Outcome.DISCLOSED, [], "第三十六条第二项"),
        (Outcome.PARTLY_DISCLOSED, [Reason.TRADE_SECRET], "第三十七条"),
        (Outcome.NOT_DISCLOSED, [Reason.INTERNAL_AFFAIRS], "第十六条第一款"),
        (Outcome.CANNOT_PROVIDE, [Reason.NEEDS_CREATION], "第三十八条"),
        (Outcome.NOT_HANDLED, [Reason.PETITION_OR_COMPLAINT], "第三十九条第一款"),
        (Outcome.NOT_HANDLED, [Reason.PUBLICATION], "第三十九条第二款"),
        (Outcome.NOT_HANDLED, [Reason.EXCESSIVE_WITHOUT_REASON], "第三十五条"),
        (Outcome.OTHER, [Reason.CORRECTION_NOT_MADE], "第三十条"),
        (Outcome.OTHER, [Reason.FEE_NOT_PAID], "国办函〔2020〕109号"),
    ])  # fmt: skip
    def test_each_reply_cites_its_article(self, outcome: Outcome, reasons: list[Reason], article: str) -> None:
        """The article comes from the outcome and its reasons."""
        assert article in reply(outcome, reasons)

    def test_the_2008_text_cites_2008_articles(self) -> None:
        """A case received before 2019-05-15: 2008 Art 21 for not held, Art 22 for partial disclosure."""
        held = reply(Outcome.CANNOT_PROVIDE, [Reason.NOT_HELD], regulation=Regulation.R2008)
        partly = reply(Outcome.PARTLY_DISCLOSED, [Reason.PERSONAL_PRIVACY], regulation=Regulation.R2008)
        assert "第二十一条第三项" in held and "国务院令第492号" in held
        assert "第二十二条" in partly and "第十四条第四款" in partly

    def test_first_citation_in_full_then_short(self) -> None:
        """The Regulations are named in full once, 《条例》 afterwards."""
        text = reply(Outcome.PARTLY_DISCLOSED, [Reason.PERSONAL_PRIVACY])
        assert text.count("《中华人民共和国政府信息公开条例》") == 1
        assert "《条例》第十五条" in text


class TestRemedies:
    def test_no_remedies_when_nothing_is_withheld(self) -> None:
        """A full disclosure has no remedies paragraph."""
        assert "行政复议" not in reply(Outcome.DISCLOSED)

    @pytest.mark.parametrize("reason", [r for r, info in REASONS.items() if info.outcome is not Outcome.OTHER])
    def test_every_withholding_reply_states_60_days_and_the_body(self, reason: Reason) -> None:
        """Whatever is withheld, the reply names the reconsideration body and the 60 days."""
        text = reply(REASONS[reason].outcome, [reason], earlier_reply_number="x", earlier_reply_date=date(2026, 1, 5))
        assert "60日内向六安市人民政府申请行政复议" in text

    def test_refusals_must_go_to_reconsideration_first_since_2024(self) -> None:
        """不予公开 after 2024-01-01: reconsideration first; before, the choice with 6 months to sue."""
        now = reply(Outcome.NOT_DISCLOSED, [Reason.STATE_SECRET])
        before = reply(Outcome.NOT_DISCLOSED, [Reason.STATE_SECRET], issued_on=date(2023, 12, 29))
        assert "应当先申请行政复议" in now and "6个月内" not in now
        assert "应当先申请行政复议" not in before and "6个月内" in before

    def test_cannot_provide_offers_the_choice_by_default(self) -> None:
        """无法提供 and 不予处理 are not stated as reconsideration-first unless configured."""
        text = reply(Outcome.CANNOT_PROVIDE, [Reason.NOT_HELD])
        assert "6个月内依法向人民法院提起行政诉讼" in text and "应当先申请行政复议" not in text
        rules = RemedyRules(reconsideration_first=[Outcome.CANNOT_PROVIDE])
        assert "应当先申请行政复议" in reply(Outcome.CANNOT_PROVIDE, [Reason.NOT_HELD], remedy_rules=rules)


class TestReconsiderationBody:
    def test_derived_from_the_agency_kind(self) -> None:
        """A government's body is the government one level up; a department's, its government; override wins."""
        config = OgiConfig.model_validate(
            {
                "agencies": {
                    "六安市民政局": {"code": "LAMZ", "parent": "六安市人民政府"},
                    "金安区人民政府": {"code": "JAQ"},
                    "霍山县人民政府": {"code": "HSX", "parent": "六安市人民政府"},
                    "六安海关": {"code": "LAHG", "parent": "合肥海关"},
                    "舒城县民政局": {"code": "SCMZ", "reconsideration_body": "舒城县人民政府"},
                }
            }
        )
        bodies = {name: agency.reconsideration_body for name, agency in config.agencies.items()}
        assert bodies == {
            "六安市民政局": "六安市人民政府",
            "金安区人民政府": "上一级人民政府",
            "霍山县人民政府": "六安市人民政府",
            "六安海关": "合肥海关",
            "舒城县民政局": "舒城县人民政府",
        }
        assert config.agencies["六安海关"].kind is AgencyKind.VERTICAL

    def test_a_government_never_defaults_to_its_own_level(self) -> None:
        """The shipped default for an unconfigured people's government is not 本级人民政府."""
        assert OgiConfig().agency("裕安区人民政府").reconsideration_body == "上一级人民政府"
        assert infer_agency_kind("国家税务总局六安市税务局") is AgencyKind.VERTICAL
        assert reconsideration_body_for(AgencyKind.STATE_COUNCIL_DEPARTMENT, None) == "本机关"

    def test_a_bad_number_pattern_is_refused_at_load(self) -> None:
        """A document-number pattern without a sequence, or with an unknown placeholder, is a config error."""
        with pytest.raises(ValueError, match="number_pattern"):
            OgiConfig.model_validate({"agencies": {"x局": {"code": "XJ", "number_pattern": "{short}〔{year}〕号"}}})
        with pytest.raises(ValueError, match="number_pattern"):
            OgiConfig.model_validate({"agencies": {"x局": {"code": "XJ", "number_pattern": "{shrt}〔{year}〕{seq}号"}}})


class TestNotices:
    def _build(self, kind: DocumentKind, regulation: Regulation = Regulation.R2019) -> str:
        sample = next(s for s in sample_inputs(regulation) if s.kind is kind)
        return build_document(sample).text()

    @pytest.mark.parametrize(("kind", "r2019", "r2008"), [
        (DocumentKind.ACKNOWLEDGEMENT, "第三十三条", "第二十四条"),
        (DocumentKind.CORRECTION_NOTICE, "第三十条", "第二十一条第四项"),
        (DocumentKind.EXTENSION_NOTICE, "第三十三条第二款", "第二十四条第二款"),
        (DocumentKind.FEE_NOTICE, "第四十二条", "第二十七条"),
        (DocumentKind.REFERRAL_NOTICE, "第三十六条第五项", "第二十一条第三项"),
    ])  # fmt: skip
    def test_each_notice_cites_its_version_article(self, kind: DocumentKind, r2019: str, r2008: str) -> None:
        """The same notice cites the 2019 or the 2008 article by the case's version."""
        assert r2019 in self._build(kind)
        assert r2008 in self._build(kind, Regulation.R2008)

    def test_third_party_letter_never_names_the_applicant(self) -> None:
        """A consultation letter goes to the third party: the applicant's name is not in it."""
        sample = next(s for s in sample_inputs() if s.consultation_kind == "third_party")
        text = build_document(sample).text()
        assert "张三" not in text and "第三十二条" in text and "15个工作日" in text

    def test_agency_consultation_silence_is_consent(self) -> None:
        """Art 34: another agency's silence counts as consent."""
        sample = next(s for s in sample_inputs() if s.consultation_kind == "agency")
        assert "逾期未提出意见的，视为同意公开" in build_document(sample).text()

    def test_longer_period_does_not_exist_in_2008(self) -> None:
        """Art 35 is new in 2019: a 2008 case cannot get a longer-period notice."""
        sample = next(s for s in sample_inputs() if s.kind is DocumentKind.LONGER_PERIOD_NOTICE)
        with pytest.raises(DocumentInputError, match="2019"):
            build_document(sample.model_copy(update={"regulation": Regulation.R2008}))

    def test_fee_notice_states_basis_amount_and_pay_by(self) -> None:
        """109号: the basis and standard, the amount, the pay-by date and what non-payment means."""
        text = self._build(DocumentKind.FEE_NOTICE)
        assert "按量计收：本申请共250页" in text
        assert "人民币4,700元" in text
        assert "2026年12月29日前" in text and "视为放弃申请" in text

    def test_missing_inputs_are_named(self) -> None:
        """A notice without what the law makes it say is refused with the missing field's name."""
        with pytest.raises(DocumentInputError, match="extension_reason"):
            build_document(DocumentInput(kind=DocumentKind.EXTENSION_NOTICE, extension_days=20, **BASE))
        with pytest.raises(DocumentInputError, match="document number"):
            build_document(
                DocumentInput(kind=DocumentKind.REPLY, outcome=Outcome.DISCLOSED, **{**BASE, "number": None})
            )


def test_chinese_dates_have_no_leading_zeros() -> None:
    """GB/T 9704 dates: 2026年1月5日, not 2026年01月05日."""
    assert chinese_date(date(2026, 1, 5)) == "2026年1月5日"
