"""Registration checks (登记) that need today's date or the configuration, beyond the document's shape."""

from __future__ import annotations

from datetime import date

from domain.actions import EARLIEST_RECEIPT
from domain.application import Application
from domain.case import CasePolicy
from domain.config import OgiConfig
from domain.errors import ApplicationRejected
from domain.messages import Msg, Words


def check_intake(app: Application, today: date, config: OgiConfig) -> list[str]:
    """Refuse what cannot be registered; return warnings for what a correction request should cover.

    The warnings are English sentences, as the case keeps them (``application.intake_warning`` says them
    in the reader's language).

    Today is the agency's date (Beijing). A receipt date in the future is impossible; a channel the
    agency has not opened may be refused (Art 28, 国办公开办函〔2017〕19号), in person and post never.
    """
    if app.received is not None and app.received > today:
        msg = Msg(
            "received {received} is in the future (today is {today}); give the actual receipt date",
            received=app.received,
            today=today,
        )
        raise ApplicationRejected(msg)
    if app.received is not None and app.received < EARLIEST_RECEIPT:
        msg = Msg("received {received} is before the Regulations took effect (2008-05-01)", received=app.received)
        raise ApplicationRejected(msg)
    if config.agencies and app.agency not in config.agencies:
        # With agencies configured, an unknown name is a typo: it would start numbering of its own.
        msg = Msg(
            "agency '{agency}' is not one of the agencies configured here ({known}); "
            "check the name, or add it under [agencies] in OGI_CONFIG",
            agency=app.agency,
            known=Words(sorted(config.agencies)),
        )
        raise ApplicationRejected(msg)
    agency = config.agency(app.agency)
    if app.channel.value not in agency.channels:
        msg = Msg(
            "{agency} has not opened the channel '{channel}'; open channels: {open}",
            agency=app.agency,
            channel=app.channel.value,
            open=Words(agency.channels),
        )
        raise ApplicationRejected(msg)
    if len(app.description) > config.max_description_chars:
        msg = Msg(
            "description has {length} characters, more than the {most} allowed; "
            "split the request (one matter per application) or attach the list as a document",
            length=len(app.description),
            most=config.max_description_chars,
        )
        raise ApplicationRejected(msg)
    problem = app.applicant.id_number_problem()
    if problem and config.reject_invalid_id_number:
        msg = Msg("applicant.id_number: {problem}; check the number against the identity card", problem=problem)
        raise ApplicationRejected(msg)
    return [str(item) for item in app.missing_items()]


def policy_for(app: Application, config: OgiConfig, registered: date | None = None) -> CasePolicy:
    """The configuration snapshot a new case runs under.

    The version of the Regulations in force on the receipt date governs (``OgiConfig.profile_on``);
    while receipt awaits confirmation, the registration date stands in for it. Without either, the
    latest version applies.
    """
    agency = config.agency(app.agency)
    day = app.received or registered
    profile = config.profile_on(day) if day is not None else config.current_profile
    return CasePolicy(
        profile=profile,
        rules=config.profiles[profile],
        reminders=config.reminders,
        people=config.people,
        extension_approver=config.extension_approver,
        special_regime_report_row=config.special_regime_report_row,
        region=agency.region,
        rest_day_moves_to_next_working_day=config.receipt.rest_day_moves_to_next_working_day,
        office_hours_cutoff=config.receipt.office_hours_cutoff,
        reconsideration_body=agency.reconsideration_body,
        service=config.service,
        lookback_days=config.lookback_days,
        late_judged_by=config.late_judged_by,
    )
