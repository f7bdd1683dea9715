"""An action's form, made from its pydantic model: one input per field (``by`` is the server's), and back again.

A new action, or a new field of one, gets its form from the model with no template change: the
field's type picks the input (a date, a number with its bounds, a choice from a ``Literal`` or an
enumeration, lines for a list, a long text for notes and reasons).
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from domain.actions import ACTIONS
from service.case_actions import constraint, unwrap

LONG_TEXT = frozenset({"note", "reason", "access"})
"""Free-text fields that get a text area."""


@dataclass
class FieldSpec:
    """One input of an action's form."""

    name: str
    widget: str
    """``text``, ``textarea``, ``lines``, ``date``, ``number``, ``select``, ``multiselect`` or ``checkbox``."""
    required: bool
    choices: list[str] = field(default_factory=list)
    minimum: int | None = None
    maximum: int | None = None
    max_length: int | None = None
    help: str = ""


def _meta(info: FieldInfo, inner: Any, key: str) -> Any:
    for meta in [*info.metadata, *getattr(inner, "__metadata__", ())]:
        found = getattr(meta, key, None)
        if found is not None:
            return found
    return None


def _choices(base: Any) -> list[str] | None:
    if typing.get_origin(base) is Literal:
        return [str(a) for a in typing.get_args(base)]
    if isinstance(base, type) and issubclass(base, Enum):
        return [str(m.value) for m in base]
    return None


def spec_of(name: str, info: FieldInfo) -> FieldSpec:
    """The input for one field of an action's model."""
    base, optional = unwrap(info.annotation)
    required = info.is_required() and not optional
    doc = (info.description or "").strip()
    if typing.get_origin(base) is list:
        inner = unwrap(typing.get_args(base)[0])[0] if typing.get_args(base) else str
        choices = _choices(inner)
        if choices is not None:
            return FieldSpec(name, "multiselect", False, choices, help=doc)
        return FieldSpec(name, "lines", required, help=doc)
    choices = _choices(base)
    if choices is not None:
        return FieldSpec(name, "select", required, choices, help=doc)
    if base is date:
        return FieldSpec(name, "date", required, help=doc)
    if base is bool:
        return FieldSpec(name, "checkbox", False, help=doc)
    if base is int:
        lo = _meta(info, base, "ge") or constraint(info.annotation, "ge")
        hi = _meta(info, base, "le") or constraint(info.annotation, "le")
        return FieldSpec(name, "number", required, minimum=lo, maximum=hi, help=doc)
    longest = _meta(info, base, "max_length") or constraint(info.annotation, "max_length")
    widget = "textarea" if name in LONG_TEXT or (longest or 0) > 500 else "text"
    return FieldSpec(name, widget, required, max_length=longest, help=doc)


def form_of(action: str) -> list[FieldSpec]:
    """Every input of an action's form, in the model's order (``by`` left out: the server fills it)."""
    model: type[BaseModel] = ACTIONS[action]
    return [spec_of(n, info) for n, info in model.model_fields.items() if n != "by"]


def payload_from(action: str, form: dict[str, list[str]]) -> dict[str, Any]:
    """The action's fields from a submitted form (empty inputs left out, lists split by line)."""
    out: dict[str, Any] = {}
    for spec in form_of(action):
        values = [v for v in form.get(spec.name, []) if v.strip()]
        if spec.widget == "multiselect":
            if values:
                out[spec.name] = values
        elif spec.widget == "lines":
            lines = [line.strip() for v in values for line in v.splitlines() if line.strip()]
            if lines:
                out[spec.name] = lines
        elif spec.widget == "checkbox":
            out[spec.name] = bool(values)
        elif values:
            value = values[0].strip()
            out[spec.name] = int(value) if spec.widget == "number" and value.lstrip("-").isdigit() else value
    return out
