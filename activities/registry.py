"""The list of activities a worker registers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from activities.archive import archive_case
from activities.clock import compute_clock_activity, period_deadlines
from activities.delivery import deliver_by_email, deliver_by_sms, print_post_batch
from activities.documents import issue_case_document, issue_document, send_notice, send_reply
from activities.intake import register_application
from activities.notify import notify


def all_activities() -> list[Callable[..., Any]]:
    """Every activity function the worker registers."""
    return [
        compute_clock_activity,
        period_deadlines,
        register_application,
        send_reply,
        send_notice,
        issue_document,
        issue_case_document,
        deliver_by_email,
        deliver_by_sms,
        print_post_batch,
        notify,
        archive_case,
    ]
