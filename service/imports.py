"""Bringing an agency's existing cases into ogi (``ogi import``, ``POST /v1/imports``): every row, or none.

``plan_import`` is the dry run: each row read, registered on paper (the intake checks of its receipt
date, agency and channel) and its history placed on the rules (``domain.import_history``); it lists
every row it would refuse, with its line, column and rule, and writes nothing. ``run_import`` plans the
same way and imports only when no row is refused: each case gets a gap-free tracking number in the year
it was received, its row in the case archive and its events in the audit log (so the annual report
counts it at once), and an open case a running workflow at its stage (``CaseInput.resume``), its clock
and periods running on. A closed case needs no workflow: it is in the archive, as a closed case is once
Temporal's retention has passed.

Idempotent per agency and original number, as intake is per external reference: a row imported before
is reported as such and skipped, and an import stopped half-way (Temporal unreachable, a crash) is
finished by running it again; numbers it allocated are never voided by ``settle_allocations``.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

from pydantic import BaseModel
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
)

from activities.archive import ArchiveRequest, archive_cases, case_row
from activities.intake import RegisterRequest, Registration, register_many
from domain.actor import ActorRef
from domain.application import Application
from domain.calendar import CalendarError, load_calendar
from domain.case import CaseInput, CasePolicy, CaseState, Stage
from domain.clock import Calendar, beijing_date
from domain.config import ConfigError, OgiConfig, Role, load_config
from domain.errors import ApplicationRejected
from domain.fees import FeeMethod
from domain.import_history import History, Unplaceable, replay
from domain.import_sheet import BY_KEY, MAX_ROWS, ImportProblem, ImportRow, application_of, header_keys, read_row
from domain.intake import check_intake, policy_for
from domain.messages import Msg, plural_msg
from domain.outcomes import Outcome
from infra import store
from infra.applicant_secret import ApplicantKeyError
from infra.i18n import translate
from infra.log import get_logger
from infra.paths import config_path, notices_dir
from infra.settings import settings
from infra.users import UserError, find_user
from service.errors import BadInput, Unavailable
from service.identities import Principal
from service.intake import start_case_workflow
from service.spreadsheets import Sheet, SheetError, read_sheet
from workflows import search_attributes as sa
from workflows.disclosure import day_start

log = get_logger(__name__)

EXAMPLE_PREFIX = "示例"
"""原编号 of the template's example rows: refused, so an example is never imported by mistake."""
BATCH = 200
"""Cases written per transaction of the archive and the audit log."""
PARALLEL_STARTS = 32
"""Workflows of open cases started at once."""


class ImportedCase(BaseModel):
    """A row the import takes (or took, or took in an earlier run): its case as it stands today."""

    line: int
    agency: str
    original_number: str
    external_ref: str
    status: Literal["new", "imported_before"]
    """``new``: imported by this run (in a dry run: would be); ``imported_before``: by an earlier run, skipped."""
    case_id: str | None = None
    """The tracking number (a dry run allocates none for new rows)."""
    stage: Stage | None = None
    outcome: Outcome | None = None
    received: date | None = None
    due: date | None = None
    overdue: bool = False
    late: bool | None = None
    closed_on: date | None = None
    query_code: str | None = None
    """The applicant's query code (查询码), for new cases of an actual import, to hand over as intake would."""


class RefusedRow(BaseModel):
    """Why a row (or the file) cannot be imported, as answered: the rule in the reader's language."""

    line: int
    column: str | None = None
    """The column as the file names it (its header), if the problem is one column's."""
    message: str


class ImportPlan(BaseModel):
    """What an import did, or (``dry_run``) would do: every row taken, and every row refused with its reasons."""

    source: str
    format: str
    """``xlsx``, ``csv utf-8``, ``csv gb18030`` (GBK), ``csv utf-16`` or ``json``."""
    dry_run: bool
    rows: int
    new: int
    """Cases imported by this run (a dry run: that would be)."""
    imported_before: int
    open: int
    """Of the new cases, those that run on (a workflow at their stage)."""
    closed: int
    refused_rows: int
    refused: list[RefusedRow]
    """Every problem, by line: the column and the rule (never a cell's personal data)."""
    cases: list[ImportedCase]
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """Whether no row is refused."""
        return not self.refused


class ImportRefused(BadInput):
    """An import with refused rows: nothing was imported; ``problems`` names each row, column and rule."""

    def __init__(self, plan: ImportPlan) -> None:
        # i18n: the separator between the listed rows' problems (Chinese: a full-width semicolon)
        first = translate(Msg("; ")).join(translate(_line(p)) for p in plan.refused[:5])
        if len(plan.refused) > 5:
            first += translate(Msg(" (and {n} more)", n=len(plan.refused) - 5))
        msg = plural_msg(
            "{refused} of {n} row cannot be imported, so nothing was imported: {first}; "
            "fix it (ogi import FILE --dry-run lists every problem) and import the file again",
            "{refused} of {n} rows cannot be imported, so nothing was imported: {first}; "
            "fix them (ogi import FILE --dry-run lists them all) and import the file again",
            plan.rows,
            refused=plan.refused_rows,
            first=first,
        )
        super().__init__(msg, "bad_input.import")
        self.plan = plan
        self.errors = [p.model_dump() for p in plan.refused]


def _line(problem: RefusedRow) -> Msg:
    if problem.column:
        return Msg(
            "line {line}, {column}: {problem}", line=problem.line, column=problem.column, problem=problem.message
        )
    return Msg("line {line}: {problem}", line=problem.line, problem=problem.message)


def _said(problems: list[ImportProblem]) -> list[RefusedRow]:
    """The problems as answered: each rule said in the language of the request being answered."""
    return [RefusedRow(line=p.line, column=p.column, message=translate(p.message)) for p in problems]


def sheet_of(raw: bytes, source: str) -> Sheet:
    """The sheet of an uploaded file (XLSX or CSV); ``BadInput`` for a file that cannot be read as one."""
    try:
        return read_sheet(raw, source, MAX_ROWS)
    except SheetError as exc:
        raise BadInput(exc.message, "bad_input.file") from None


def sheet_of_records(records: list[dict[str, Any]]) -> Sheet:
    """The sheet of rows sent as JSON objects (keys: headers or machine names); row n is line n + 1."""
    if len(records) > MAX_ROWS:
        raise BadInput(
            Msg("more than {most:,} rows; import them in parts (each part is all or nothing)", most=MAX_ROWS),
            "bad_input.file",
        )
    headers: list[str] = []
    for record in records:
        headers += [k for k in record if k not in headers]
    rows = [(index + 2, [record.get(h) for h in headers]) for index, record in enumerate(records)]
    return Sheet(headers=list(headers), header_line=1, rows=rows, format="json")


def _require(principal: Principal) -> None:
    principal.require(Role.INTAKE, what=Msg("import cases (it registers them)"))
    principal.require(Role.RECORDS, what=Msg("import cases (it enters what colleagues did)"))


@dataclass
class _Ready:
    """A row that can be imported: what registering and writing it needs."""

    row: ImportRow
    application: Application
    policy: CasePolicy
    agency_code: str
    state: CaseState
    intake_warnings: list[str]


class _Planner:
    """Reads, checks and replays the rows of one import, as of one moment."""

    def __init__(self, principal: Principal, now: datetime) -> None:
        self.principal = principal
        self.now = now
        self.today = beijing_date(now)
        try:
            self.config: OgiConfig = load_config(config_path())
        except ConfigError as exc:
            raise Unavailable(
                Msg("the import needs the agency configuration: {detail}", detail=exc), "unavailable.configuration"
            ) from None
        self.calendars: dict[str | None, Calendar] = {}
        self.people: dict[str, ActorRef] = {}
        actor = principal.actor
        self.importer = ActorRef(id=actor.id, name=actor.name)

    def calendar(self, region: str | None) -> Calendar:
        if region not in self.calendars:
            self.calendars[region] = load_calendar(region, notices_dir())
        return self.calendars[region]

    def person(self, name: str) -> ActorRef:
        """A name the sheet gives, as cases record people: the user's id with authentication on, else the name's key."""
        if name not in self.people:
            ref = ActorRef(id=name.casefold(), name=name)
            if settings().auth_on:
                try:
                    user = find_user(name)
                    ref = ActorRef(id=user.id, name=user.name)
                except (UserError, store.StoreUnavailable):
                    pass  # someone who handled cases before ogi need not be a user of it
            self.people[name] = ref
        return self.people[name]

    def agency_name(self, given: str) -> str:
        """The configured agency a cell names (by name or code); the cell as it is otherwise."""
        if given in self.config.agencies:
            return given
        by_code = [name for name, agency in self.config.agencies.items() if agency.code == given]
        return by_code[0] if by_code else given

    def place(self, row: ImportRow) -> _Ready | ImportProblem:
        """The row registered on paper and its history replayed; the problem that stops it otherwise."""
        application, problem = application_of(row)
        if application is None:
            assert problem is not None
            return problem
        applicant = application.applicant
        if self.config.reject_invalid_id_number and applicant.id_number_problem():
            # The intake rule, with a message that does not repeat the number (or the birth date inside it).
            msg = Msg(
                "not a valid resident identity number (GB 11643: 18 characters, a birth date, the check character)"
            )
            return ImportProblem(line=row.line, column=BY_KEY["id_number"].header, message=msg)
        try:
            warnings = check_intake(application, self.today, self.config)
        except ApplicationRejected as exc:
            return ImportProblem(line=row.line, column=_intake_column(str(exc)), message=exc.message)
        agency = self.config.agency(application.agency)
        policy = policy_for(application, self.config, registered=self.today).model_copy(
            update={"verified_actors": settings().auth_on}
        )
        rank = row.fee_quantity if row.fee_method is FeeMethod.COUNT else 1
        inp = CaseInput(
            case_id=f"line-{row.line}",
            agency_code=agency.code,
            application=application,
            policy=policy,
            intake_warnings=warnings,
            applicant_month_rank=rank,
            registered_by=self.importer,
        )
        names = [n for n in (row.handler, row.secrecy_reviewer) if n]
        history = History(self.importer, {n: self.person(n) for n in names})
        try:
            state = replay(inp, row, self.calendar(policy.region), self.now, history)
        except Unplaceable as exc:
            return ImportProblem(line=row.line, column=exc.column, message=exc.message)
        except CalendarError as exc:
            return ImportProblem(line=row.line, column=BY_KEY["received"].header, message=exc.message)
        return _Ready(row, application, policy, agency.code, state, warnings)


def _intake_column(message: str) -> str:
    for word, key in (("received", "received"), ("channel", "channel"), ("description", "description")):
        if message.startswith(word) or f"'{word}" in message or f" {word} " in message:
            return BY_KEY[key].header
    return BY_KEY["agency"].header


def _plan(
    principal: Principal, sheet: Sheet, source: str, dry_run: bool, now: datetime
) -> tuple[ImportPlan, list[_Ready]]:
    planner = _Planner(principal, now)
    sheet, keys, problems = _with_header(sheet)
    if problems:
        return _answer(source, sheet, dry_run, problems, [], []), []
    headers = {key: str(sheet.headers[index]).strip() for index, key in keys.items()}
    rows: list[ImportRow] = []
    refused: list[ImportProblem] = []
    first_line: dict[tuple[str, str], int] = {}
    for line, cells in sheet.rows:
        by_key = {key: cells[index] if index < len(cells) else None for index, key in keys.items()}
        row, found = read_row(line, by_key, planner.today, headers)
        if row is None:
            refused += found
            continue
        row = row.model_copy(update={"agency": planner.agency_name(row.agency)})
        ref = (row.agency, row.external_ref)
        column = headers.get("external_ref", BY_KEY["external_ref"].header)
        if row.original_number.startswith(EXAMPLE_PREFIX):
            msg = Msg("an example row of the template; delete it before importing")
            refused.append(ImportProblem(line=line, column=column, message=msg))
        elif ref in first_line:
            msg = Msg(
                "the same number as line {first} for the same agency: a case is imported once", first=first_line[ref]
            )
            refused.append(ImportProblem(line=line, column=column, message=msg))
        else:
            first_line[ref] = line
            rows.append(row)
    try:
        known = store.registered_refs((r.agency, r.external_ref) for r in rows)
    except store.StoreUnavailable as exc:
        raise Unavailable(str(exc), "unavailable.store") from None
    before: list[ImportedCase] = []
    ready: list[_Ready] = []
    for row in rows:
        found_ref = known.get((row.agency, row.external_ref))
        ours = found_ref is not None and found_ref.intake_run_id == store.import_run_id(row.agency, row.external_ref)
        if found_ref is not None and not ours:
            msg = Msg(
                "already registered as case {id} (by intake, not by an import): a case is registered once; "
                "leave this row out",
                id=found_ref.case_id,
            )
            refused.append(ImportProblem(line=row.line, column=headers.get("external_ref"), message=msg))
            continue
        if found_ref is not None and found_ref.status == "started":
            before.append(_imported_before(row, found_ref.case_id))
            continue
        placed = planner.place(row)  # new, or allocated by an earlier run that stopped: placed again
        if isinstance(placed, ImportProblem):
            refused.append(placed)
        else:
            ready.append(placed)
    refused.sort(key=lambda p: p.line)
    return _answer(source, sheet, dry_run, refused, ready, before), ready


TITLE_ROWS = 5
"""Rows above the header a register may have (a title such as 2026年依申请公开登记台账, a date, a blank)."""


def _with_header(sheet: Sheet) -> tuple[Sheet, dict[int, str], list[ImportProblem]]:
    """The sheet under its header row: the first row, or one of the next few when those above are titles."""
    keys, problems = header_keys(sheet.headers, sheet.header_line)
    if not problems:
        return sheet, keys, []
    for index, (line, cells) in enumerate(sheet.rows[:TITLE_ROWS]):
        found, trouble = header_keys(cells, line)
        if not trouble:
            rest = Sheet(headers=cells, header_line=line, rows=sheet.rows[index + 1 :], format=sheet.format)
            return rest, found, []
    return sheet, keys, problems


def _imported_before(row: ImportRow, case_id: str) -> ImportedCase:
    return ImportedCase(
        line=row.line,
        agency=row.agency,
        original_number=row.original_number,
        external_ref=row.external_ref,
        status="imported_before",
        case_id=case_id,
    )


def _case(ready: _Ready, case_id: str | None = None, query_code: str | None = None) -> ImportedCase:
    state = ready.state
    view = state.clock_view
    return ImportedCase(
        line=ready.row.line,
        agency=ready.row.agency,
        original_number=ready.row.original_number,
        external_ref=ready.row.external_ref,
        status="new",
        case_id=case_id,
        stage=state.stage,
        outcome=state.outcome,
        received=state.received,
        due=view.due if view else None,
        overdue=state.overdue,
        late=state.late,
        closed_on=beijing_date(state.closed_at) if state.closed_at else None,
        query_code=query_code,
    )


def _answer(
    source: str,
    sheet: Sheet,
    dry_run: bool,
    refused: list[ImportProblem],
    ready: list[_Ready],
    before: list[ImportedCase],
    cases: list[ImportedCase] | None = None,
) -> ImportPlan:
    new = cases if cases is not None else [_case(r) for r in ready]
    return ImportPlan(
        source=source,
        format=sheet.format,
        dry_run=dry_run,
        rows=len(sheet.rows),
        new=len(new),
        imported_before=len(before),
        open=sum(1 for c in new if c.stage is not None and c.stage.is_open),
        closed=sum(1 for c in new if c.stage is Stage.CLOSED),
        refused_rows=len({p.line for p in refused}),
        refused=_said(refused),
        cases=sorted([*new, *before], key=lambda c: c.line),
    )


async def plan_import(principal: Principal, sheet: Sheet, source: str) -> ImportPlan:
    """The dry run: every row as it would be imported, and every row refused with its line, column and rule."""
    _require(principal)
    started = time.monotonic()
    plan, _ = await asyncio.to_thread(_plan, principal, sheet, source, True, datetime.now(UTC))
    return plan.model_copy(update={"seconds": round(time.monotonic() - started, 3)})


async def run_import(principal: Principal, sheet: Sheet, source: str) -> ImportPlan:
    """Import every row, or (``ImportRefused``, nothing written) none when any row is refused."""
    _require(principal)
    started = time.monotonic()
    now = datetime.now(UTC)
    plan, ready = await asyncio.to_thread(_plan, principal, sheet, source, False, now)
    if not plan.ok:
        log.info("import.refused", rows=plan.rows, refused_rows=plan.refused_rows)
        raise ImportRefused(plan)
    # Numbers follow receipt: within an agency and year, the earlier case gets the lower number.
    ready.sort(key=lambda r: (r.row.received or beijing_date(now), r.row.line))
    done: list[ImportedCase] = []
    for start in range(0, len(ready), BATCH):
        done += await _write(principal, ready[start : start + BATCH], now)
    before = [c for c in plan.cases if c.status == "imported_before"]
    answer = _answer(source, sheet, False, [], [], before, cases=done)
    log.info("import.done", rows=answer.rows, new=answer.new, open=answer.open, imported_before=answer.imported_before)
    return answer.model_copy(update={"seconds": round(time.monotonic() - started, 3)})


async def _write(principal: Principal, batch: list[_Ready], now: datetime) -> list[ImportedCase]:
    """Number, archive and (open cases) start one batch; each step idempotent, the numbers marked started last."""
    registered = await asyncio.to_thread(_register_all, batch, now)
    states = [_registered_state(ready, reg.case_id, reg) for ready, reg in zip(batch, registered, strict=True)]
    requests = [
        ArchiveRequest(
            row=case_row(state, ready.application, ready.policy.special_regime_report_row, now),
            events=list(state.events),
        )
        for ready, state in zip(batch, states, strict=True)
    ]
    await asyncio.to_thread(archive_cases, requests)
    gate = asyncio.Semaphore(PARALLEL_STARTS)

    async def start(ready: _Ready, state: CaseState) -> None:
        if state.stage.is_open:
            async with gate:
                await _start_case(principal, ready, state)

    await asyncio.gather(*(start(r, s) for r, s in zip(batch, states, strict=True)))
    await asyncio.to_thread(store.mark_started, *(reg.case_id for reg in registered))
    return [_case(ready, reg.case_id, reg.query_code) for ready, reg in zip(batch, registered, strict=True)]


def _register_all(batch: list[_Ready], now: datetime) -> list[Registration]:
    """Register a batch (every check, then one transaction for its numbers), each in the year it was received."""
    today = beijing_date(now)
    requests = [
        (
            RegisterRequest(application=r.application, today=today, number_year=(r.application.received or today).year),
            store.import_run_id(r.application.agency, r.application.external_ref),
        )
        for r in batch
    ]
    try:
        return register_many(requests, status="allocated", config=load_config(config_path()))
    except (ApplicationRejected, CalendarError) as exc:  # checked in the plan: only a change since then
        raise BadInput(
            Msg("{detail}; nothing more was imported: run the import again", detail=exc), "bad_input.import"
        ) from None
    except (ConfigError, ApplicantKeyError, store.KeyMismatch) as exc:
        raise Unavailable(
            Msg("registration is not possible here: {detail}", detail=exc), "unavailable.configuration"
        ) from None


def _registered_state(ready: _Ready, case_id: str, registration: Registration) -> CaseState:
    """The replayed state under its tracking number, with what registration counted (month rank, same content)."""
    counted_fee = ready.row.fee_method is FeeMethod.COUNT
    state = ready.state.model_copy(
        update={
            "id": case_id,
            "applicant_month_rank": ready.state.applicant_month_rank
            if counted_fee
            else registration.applicant_month_rank,
            "same_content_as": list(registration.same_content_as),
            "query_code_digest": registration.query_code_digest,
        }
    )
    state.archived_events = len(state.events)
    ready.state = state
    return state


async def _start_case(principal: Principal, ready: _Ready, state: CaseState) -> None:
    """Start an open case's workflow from its replayed state (id = tracking number; a second start is a no-op)."""
    inp = CaseInput(
        case_id=state.id,
        agency_code=ready.agency_code,
        application=ready.application,
        policy=ready.policy,
        intake_warnings=ready.intake_warnings,
        clock=state.clock_view,
        applicant_month_rank=state.applicant_month_rank,
        same_content_as=state.same_content_as,
        query_code_digest=state.query_code_digest,
        registered_by=ActorRef(id=principal.actor.id, name=principal.actor.name),
        resume=state,
    )
    # A case started by an earlier run of this import is left as it is.
    await start_case_workflow(
        principal,
        inp,
        _search_attributes(state),
        f"{state.id} · {state.agency} · imported · {state.stage.value}",
        lambda detail: (
            f"Temporal did not answer while starting imported case {state.id}: {detail}; the cases imported "
            "so far are kept: run the same import again to finish it"
        ),
    )


def _search_attributes(state: CaseState) -> TypedSearchAttributes:
    view = state.clock_view
    pairs: list[SearchAttributePair[Any]] = [
        SearchAttributePair(sa.STAGE, state.stage.value),
        SearchAttributePair(sa.AGENCY, state.agency),
        SearchAttributePair(sa.CHANNEL, state.channel.value),
        SearchAttributePair(sa.OVERDUE, state.overdue),
        SearchAttributePair(sa.CLOCK_PAUSED, bool(view and view.paused) or state.stage is Stage.AWAITING_CORRECTION),
    ]
    if state.received:
        pairs.append(SearchAttributePair(sa.RECEIVED_AT, day_start(state.received)))
    if view:
        pairs.append(SearchAttributePair(sa.DUE_AT, view.deadline_at))
        pairs.append(SearchAttributePair(sa.DUE_DAY, view.due.isoformat()))
    return TypedSearchAttributes(pairs)
