"""How ``--help`` reads: each enumerated option's values with their Chinese labels, reasons with their report rows.

Every list is generated from the domain's own tables (the vocabulary, the outcomes, the report's rows), so
the help never offers a value the code refuses, nor misses one it takes; shell completion offers the same
values with the same labels. Only light modules are imported: ``ogi --help`` builds every command's help.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from domain.outcomes import OUTCOME_LABELS, REASONS, REVIEW_OUTCOMES, Outcome, Reason
from domain.report_rows import GROUP_OF, ROW_LABELS


def values(labels: Mapping[str, str], only: Iterable[str] | None = None) -> str:
    """``code 标签 · code 标签``: the values an option takes (``only`` these, when given), with their labels."""
    allowed = None if only is None else set(only)
    chosen = {code: label for code, label in labels.items() if allowed is None or code in allowed}
    return " · ".join(f"{code} {label}" for code, label in chosen.items())


def completion(labels: Mapping[str, str]) -> Callable[[str], list[tuple[str, str]]]:
    """A shell-completion callback offering the values that start with what was typed, each with its label."""

    def complete(incomplete: str) -> list[tuple[str, str]]:
        return [(code, label) for code, label in labels.items() if code.startswith(incomplete)]

    return complete


REVIEW_OUTCOME_HELP = values({str(k): v for k, v in OUTCOME_LABELS.items()}, only=REVIEW_OUTCOMES)
"""The outcomes a reviewer decides at substantive review (``withdrawn`` comes from the applicant)."""

REASON_LABELS: dict[str, str] = {reason.value: REASONS[reason].label for reason in Reason}
"""Each reason code with its wording in the reply, for completion."""


def reason_table() -> str:
    """Every reason code under the annual-report row it counts in (表三), with its wording in the reply.

    An epilog: lines under unindented group headings, so the help keeps their indentation.
    """
    lines = ["Reason codes (--reason), by the row of the annual report (表三) they count in:"]
    width = max(len(reason.value) for reason in Reason)
    form_order = list(ROW_LABELS)
    group = ""
    for reason in sorted(Reason, key=lambda r: form_order.index(REASONS[r].row)):
        info = REASONS[reason]
        heading = GROUP_OF[info.row][0]
        if heading != group:
            group = heading
            lines.append(f"{ROW_LABELS[heading]} ({Outcome(heading).value})")
        lines.append(f"  {reason.value:<{width}}  {ROW_LABELS[info.row]}：{info.label}")
    return "\n".join(lines)


def show_flags_as_flags() -> None:
    """``--json`` shows as a flag, not ``--json <bool>``.

    typer's rich help prints every option's type, a flag's included (its plain help leaves it out); a flag
    takes no value, so the type column stays empty for it.
    """
    from typer.core import TyperOption

    value_type = TyperOption.display_type_rich

    def display_type_rich(self: TyperOption, ctx: Any) -> str | None:
        return None if self.is_flag else value_type(self, ctx)

    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]  # the one change, above
