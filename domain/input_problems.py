"""What is wrong with one input field, from a pydantic error, as a message in the reader's language.

Pydantic says its errors in English only; each kind of error that ogi's documents and actions can give
has its message here (in pydantic's English words where they are plain), so a Chinese reader never
sees an English clause. A validator's own ``OgiError`` keeps its message; an unknown kind names its code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.messages import Msg, Words, plural_msg


def input_problem(error: Mapping[str, Any]) -> Msg:
    """The message of one pydantic error (``ValidationError.errors()`` item)."""
    kind = str(error.get("type", ""))
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    if kind in ("value_error", "assertion_error"):
        raised = ctx.get("error")
        message = getattr(raised, "message", None)
        if isinstance(message, Msg):
            return message
        return Msg("{detail}", detail=str(raised) if raised is not None else str(error.get("msg", "")))
    simple = SIMPLE_PROBLEMS.get(kind)
    if simple is not None:
        return simple
    return _with_context(kind, ctx) or Msg("invalid value ({kind})", kind=kind)


SIMPLE_PROBLEMS: dict[str, Msg] = {
    "missing": Msg("Field required"),
    "extra_forbidden": Msg("Extra inputs are not permitted"),
    "string_type": Msg("Input should be a valid string"),
    "int_type": Msg("Input should be a valid integer"),
    "int_parsing": Msg("Input should be a valid integer, unable to parse string as an integer"),
    "int_from_float": Msg("Input should be a valid integer, got a number with a fractional part"),
    "float_type": Msg("Input should be a valid number"),
    "float_parsing": Msg("Input should be a valid number, unable to parse string as a number"),
    "bool_type": Msg("Input should be a valid boolean"),
    "bool_parsing": Msg("Input should be a valid boolean, unable to interpret input"),
    "list_type": Msg("Input should be a valid list"),
    "dict_type": Msg("Input should be a valid dictionary"),
    "model_type": Msg("Input should be a valid dictionary (a JSON object)"),
    "model_attributes_type": Msg("Input should be a valid dictionary (a JSON object)"),
    "date_type": Msg("Input should be a valid date"),
    "date_parsing": Msg("Input should be a valid date in the format YYYY-MM-DD"),
    "date_from_datetime_parsing": Msg("Input should be a valid date in the format YYYY-MM-DD"),
    "date_from_datetime_inexact": Msg("Input should be a valid date in the format YYYY-MM-DD"),
    "datetime_type": Msg("Input should be a valid datetime"),
    "datetime_parsing": Msg("Input should be a valid datetime"),
    "datetime_from_date_parsing": Msg("Input should be a valid datetime"),
    "time_type": Msg("Input should be a valid time"),
    "time_parsing": Msg("Input should be in a valid time format (HH:MM)"),
    "json_invalid": Msg("Invalid JSON"),
    "json_type": Msg("JSON input should be string, bytes or bytearray"),
    "string_unicode": Msg("Input should be a valid string, unable to parse raw data as a unicode string"),
    "none_required": Msg("Input should be None"),
    "finite_number": Msg("Input should be a finite number"),
    "frozen_field": Msg("Field is frozen"),
}


def _with_context(kind: str, ctx: Mapping[str, Any]) -> Msg | None:
    match kind:
        case "string_too_short":
            n = int(ctx.get("min_length", 0))
            return plural_msg(
                "String should have at least {n} character", "String should have at least {n} characters", n
            )
        case "string_too_long":
            n = int(ctx.get("max_length", 0))
            return plural_msg(
                "String should have at most {n} character", "String should have at most {n} characters", n
            )
        case "too_short":
            n = int(ctx.get("min_length", 0))
            return plural_msg("should have at least {n} item", "should have at least {n} items", n)
        case "too_long":
            n = int(ctx.get("max_length", 0))
            return plural_msg("should have at most {n} item", "should have at most {n} items", n)
        case "string_pattern_mismatch":
            return Msg("String should match pattern '{pattern}'", pattern=str(ctx.get("pattern", "")))
        case "enum" | "literal_error":
            return Msg("Input should be {expected}", expected=_choices(str(ctx.get("expected", ""))))
        case "greater_than":
            return Msg("Input should be greater than {limit}", limit=ctx.get("gt"))
        case "greater_than_equal":
            return Msg("Input should be greater than or equal to {limit}", limit=ctx.get("ge"))
        case "less_than":
            return Msg("Input should be less than {limit}", limit=ctx.get("lt"))
        case "less_than_equal":
            return Msg("Input should be less than or equal to {limit}", limit=ctx.get("le"))
        case "multiple_of":
            return Msg("Input should be a multiple of {step}", step=ctx.get("multiple_of"))
    return None


def _choices(expected: str) -> Msg:
    """Pydantic's ``'a', 'b' or 'c'`` as one of a list of codes, said in the reader's language."""
    codes = [part.strip().strip("'\"") for part in expected.replace(" or ", ", ").split(",") if part.strip()]
    return Msg("one of {codes}", codes=Words(codes))
