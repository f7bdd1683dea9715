"""A usage error (a missing option, an unknown command, a value of the wrong kind) in the reader's language.

Click says these in English; each kind the ``ogi`` command meets is said again from its parts, so a
Chinese reader gets a Chinese line. An error of another kind keeps Click's words.
"""

from __future__ import annotations

import re
from typing import Any

from domain.input_problems import SIMPLE_PROBLEMS
from domain.messages import Msg, Words, recognise

_MISSING = re.compile(r"Missing (option|argument|parameter) (.+?)\.?")
_NO_SUCH_OPTION = re.compile(r"No such option: (\S+)(?: Did you mean (\S+)\?)?")
_NO_SUCH_COMMAND = re.compile(r"No such command '(.+)'\.")
_EXTRA = re.compile(r"Got unexpected extra argument(?:s|\(s\))? \((.*)\)")
_INVALID = re.compile(r"Invalid value for (.+?): (.*)", re.DOTALL)
_NOT_ONE_OF = re.compile(r"'(.*)' is not one of (.*?)\.?")


def usage_message(exc: Any) -> Msg:
    """The message of a Click/Typer usage error."""
    text = " ".join(str(exc.format_message()).split())
    if found := _MISSING.fullmatch(text):
        kind, hint = found.groups()
        if kind == "option":
            return Msg("Missing option {name}.", name=hint)
        return Msg("Missing argument {name}.", name=hint)
    if found := _NO_SUCH_OPTION.fullmatch(text):
        if found.group(2):
            return Msg("No such option: {option} (did you mean {other}?)", option=found.group(1), other=found.group(2))
        return Msg("No such option: {option}", option=found.group(1))
    if found := _NO_SUCH_COMMAND.fullmatch(text):
        return Msg("No such command '{name}'.", name=found.group(1))
    if found := _EXTRA.fullmatch(text):
        return Msg("Got unexpected extra arguments ({arguments})", arguments=found.group(1))
    if found := _INVALID.fullmatch(text):
        return Msg("Invalid value for {name}: {problem}", name=found.group(1), problem=_problem(found.group(2)))
    return Msg("{detail}", detail=text)


def _problem(detail: str) -> Msg | str:
    detail = detail.removeprefix("Value error, ").rstrip()
    if found := _NOT_ONE_OF.fullmatch(detail):
        choices = [c.strip() for c in found.group(2).split(",")]
        return Msg("'{value}' is not one of {choices}", value=found.group(1), choices=Words(choices))
    return recognise(detail, SIMPLE_PROBLEMS.values()) or detail
