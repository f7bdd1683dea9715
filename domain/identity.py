"""Checks of identity numbers: the resident identity card number of GB 11643-1999 (公民身份号码)."""

from __future__ import annotations

import re
from datetime import date

from domain.messages import Msg

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")


def id_number_problem(value: str) -> Msg | None:
    """What is wrong with an 18-character identity number, or None when it is well formed.

    GB 11643-1999: six digits of address code, eight of birth date, three of sequence and one
    check character computed as ISO 7064 MOD 11-2.
    """
    number = value.strip().upper()
    if not _SHAPE.match(number):
        return ID_PROBLEMS[0]
    # The problem names the rule, never the digits: the birth date inside is personal data, and these
    # sentences reach errors, a case's warnings and its correction notice.
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return ID_PROBLEMS[1]
    if born.year < 1900:
        return ID_PROBLEMS[2]
    expected = _CHECK_CHARS[sum(int(d) * w for d, w in zip(number[:17], _WEIGHTS, strict=True)) % 11]
    if number[17] != expected:
        return ID_PROBLEMS[3]
    return None


ID_PROBLEMS = (
    Msg("an identity number has 17 digits followed by a digit or X"),
    Msg("the birth date inside the identity number (digits 7 to 14) is not a date"),
    Msg("the birth date inside the identity number (digits 7 to 14) is before 1900"),
    Msg("the check character of the identity number does not match (GB 11643 checksum)"),
    # The wording of cases registered before the problems stopped repeating the birth date.
    Msg("the birth date {born} inside the identity number is not a date"),
    Msg("the birth date {born} inside the identity number is before 1900"),
)
"""Every problem ``id_number_problem`` names (their templates), so a stored sentence can be recognised again."""
SAID_WITHOUT_DIGITS = {ID_PROBLEMS[4].text: ID_PROBLEMS[1], ID_PROBLEMS[5].text: ID_PROBLEMS[2]}
"""An older case's problem that repeated the birth date, and how it is said now: without it."""
