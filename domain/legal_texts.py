"""The legal citations of the standard documents, per version of the Regulations (2019 and 2008).

A document cites the version in force when the application was received: the 2019 revision (国务院令
第711号) from 2019-05-15, the 2008 text (国务院令第492号) before. Article numbers not verified against
the official text are marked UNCONFIRMED (see ``shared/reference/regulations.md``).
"""

from __future__ import annotations

from enum import StrEnum

from domain.outcomes import Outcome, Reason


class Regulation(StrEnum):
    """The version of the Regulations a case runs under (the rule profile's name)."""

    R2019 = "2019"  # 国务院令第711号, in force 2019-05-15
    R2008 = "2008"  # 国务院令第492号, in force 2008-05-01


REGULATION_TITLE = "《中华人民共和国政府信息公开条例》"
REGULATION_FIRST_MENTION: dict[Regulation, str] = {
    Regulation.R2019: "《中华人民共和国政府信息公开条例》（以下简称《条例》）",
    Regulation.R2008: "《中华人民共和国政府信息公开条例》（国务院令第492号，以下简称《条例》）",
}
"""How a document names the Regulations the first time; later citations say 《条例》."""

FEE_MEASURES = "《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）"
OPINION_2010 = "《国务院办公厅关于做好政府信息依申请公开工作的意见》（国办发〔2010〕5号）"
"""The 2010 opinion that filled the 2008 text's gaps (process information, repeats, petitions)."""
RECONSIDERATION_LAW = "《中华人民共和国行政复议法》"


class Basis:
    """One legal basis: an article of the Regulations (``article``) or another instrument (``source``)."""

    __slots__ = ("article", "source")

    def __init__(self, article: str = "", source: str = "") -> None:
        self.article = article
        self.source = source

    def __repr__(self) -> str:
        return f"Basis({self.article!r}, {self.source!r})"


def _a(article: str) -> Basis:
    return Basis(article=article)


# -- notices --

ACKNOWLEDGEMENT = {Regulation.R2019: _a("第三十三条"), Regulation.R2008: _a("第二十四条")}
CORRECTION = {Regulation.R2019: _a("第三十条"), Regulation.R2008: _a("第二十一条第四项")}
EXTENSION = {Regulation.R2019: _a("第三十三条第二款"), Regulation.R2008: _a("第二十四条第二款")}
LONGER_PERIOD = {Regulation.R2019: _a("第三十五条")}
"""Art 35 is new in 2019: the 2008 text has no longer period for excessive requests."""
CONSULT_THIRD_PARTY = {Regulation.R2019: _a("第三十二条"), Regulation.R2008: _a("第二十三条")}
CONSULT_AGENCY = {
    Regulation.R2019: _a("第三十四条"),
    # UNCONFIRMED: the 2008 text has no consultation article for applications; Art 7 (沟通、确认 with other
    # agencies) is what agencies cited.
    Regulation.R2008: _a("第七条"),
}
FEE = {Regulation.R2019: _a("第四十二条"), Regulation.R2008: _a("第二十七条")}
FEE_WAIVER_2008 = "第二十八条"
"""2008 Art 28: an applicant in financial difficulty may ask for the cost fees to be reduced or waived."""
REFERRAL = {Regulation.R2019: _a("第三十六条第五项"), Regulation.R2008: _a("第二十一条第三项")}

# -- replies: the article of the outcome --

OUTCOME_ARTICLE: dict[Regulation, dict[Outcome, str]] = {
    Regulation.R2019: {
        Outcome.ALREADY_PUBLIC: "第三十六条第一项",
        Outcome.DISCLOSED: "第三十六条第二项",
        Outcome.PARTLY_DISCLOSED: "第三十七条",
        Outcome.NOT_DISCLOSED: "第三十六条第三项",
    },
    Regulation.R2008: {
        Outcome.ALREADY_PUBLIC: "第二十一条第一项",
        Outcome.DISCLOSED: "第二十一条第一项",
        Outcome.PARTLY_DISCLOSED: "第二十二条",
        Outcome.NOT_DISCLOSED: "第二十一条第二项",
    },
}
"""Outcomes whose article does not depend on the reason; the others take their reason's (``REASON_BASIS``)."""

# -- replies: the basis of each reason --

REASON_BASIS: dict[Regulation, dict[Reason, Basis]] = {
    Regulation.R2019: {
        Reason.STATE_SECRET: _a("第十四条"),
        Reason.PROHIBITED_BY_LAW: _a("第十四条"),
        Reason.ENDANGERS_SECURITY: _a("第十四条"),
        Reason.THIRD_PARTY_RIGHTS: _a("第十五条"),
        Reason.TRADE_SECRET: _a("第十五条"),
        Reason.PERSONAL_PRIVACY: _a("第十五条"),
        Reason.INTERNAL_AFFAIRS: _a("第十六条第一款"),
        Reason.PROCESS_INFORMATION: _a("第十六条第二款"),
        Reason.ENFORCEMENT_FILE: _a("第十六条第二款"),
        Reason.ADMINISTRATIVE_QUERY: _a("第三十六条第三项"),  # UNCONFIRMED: a report category, no article of its own
        Reason.NOT_HELD: _a("第三十六条第四项"),
        Reason.NOT_OURS: _a("第三十六条第五项"),
        Reason.NEEDS_CREATION: _a("第三十八条"),
        Reason.UNCLEAR_AFTER_CORRECTION: _a("第三十条"),
        Reason.PETITION_OR_COMPLAINT: _a("第三十九条第一款"),
        Reason.REPEATED_REQUEST: _a("第三十六条第六项"),
        Reason.PUBLICATION: _a("第三十九条第二款"),
        Reason.EXCESSIVE_WITHOUT_REASON: _a("第三十五条"),
        Reason.CONFIRM_OR_REISSUE: _a("第三十九条第一款"),  # UNCONFIRMED: 30号's row, Art 39 ¶1 by analogy
        Reason.CORRECTION_NOT_MADE: _a("第三十条"),
        Reason.FEE_NOT_PAID: Basis(article="第四十二条", source=FEE_MEASURES),
        Reason.SPECIAL_REGIME: _a("第三十六条第七项"),
        Reason.OTHER: Basis(),
    },
    Regulation.R2008: {
        Reason.STATE_SECRET: _a("第十四条第四款"),
        Reason.PROHIBITED_BY_LAW: _a("第十四条"),  # UNCONFIRMED: the 2008 text has no express clause
        Reason.ENDANGERS_SECURITY: _a("第八条"),
        Reason.THIRD_PARTY_RIGHTS: _a("第十四条第四款、第二十三条"),
        Reason.TRADE_SECRET: _a("第十四条第四款、第二十三条"),
        Reason.PERSONAL_PRIVACY: _a("第十四条第四款、第二十三条"),
        # UNCONFIRMED: internal and process information were excluded by the 2010 opinion, not the 2008 text.
        Reason.INTERNAL_AFFAIRS: Basis(source=OPINION_2010),
        Reason.PROCESS_INFORMATION: Basis(source=OPINION_2010),
        Reason.ENFORCEMENT_FILE: Basis(source=OPINION_2010),
        Reason.ADMINISTRATIVE_QUERY: Basis(source=OPINION_2010),
        Reason.NOT_HELD: _a("第二十一条第三项"),
        Reason.NOT_OURS: _a("第二十一条第三项"),
        Reason.NEEDS_CREATION: Basis(source=OPINION_2010),  # UNCONFIRMED item of the opinion
        Reason.UNCLEAR_AFTER_CORRECTION: _a("第二十一条第四项"),
        # UNCONFIRMED: the 2008 text has no 不予处理 categories; the 2010 opinion covered repeats and petitions.
        Reason.PETITION_OR_COMPLAINT: Basis(source=OPINION_2010),
        Reason.REPEATED_REQUEST: Basis(source=OPINION_2010),
        Reason.PUBLICATION: Basis(source=OPINION_2010),
        Reason.EXCESSIVE_WITHOUT_REASON: Basis(source=OPINION_2010),
        Reason.CONFIRM_OR_REISSUE: Basis(source=OPINION_2010),
        Reason.CORRECTION_NOT_MADE: _a("第二十一条第四项"),
        Reason.FEE_NOT_PAID: _a("第二十七条"),
        Reason.SPECIAL_REGIME: Basis(source=OPINION_2010),  # UNCONFIRMED
        Reason.OTHER: Basis(),
    },
}

STATUTORY_DAYS: dict[Regulation, tuple[int, int]] = {Regulation.R2019: (20, 20), Regulation.R2008: (15, 15)}
"""Reply period and longest extension in working days (2019 Art 33, 2008 Art 24)."""
