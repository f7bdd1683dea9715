"""Personal data stays out of Temporal, visibility, logs and error messages (payloads encrypted, logs masked).

The scan is checked against a positive control: the reply letter on disk, which must name the applicant.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog
from temporalio.client import Client
from temporalio.converter import DataConverter

from domain.identity import id_number_problem
from infra.log import configure_logging, get_logger
from tests.test_e2e_cli import Stack, application_file, running_stack
from tests.workflow_support import document_text, valid_id_number

NAME = "欧阳测秘"
PHONE = "13912345678"
ADDRESS = "安徽省六安市裕安区保密路88号"


ID_NUMBER = valid_id_number()


def forms(value: str) -> list[bytes]:
    """The ways a value can appear in stored bytes: UTF-8, JSON-escaped, base64 of UTF-8."""
    raw = value.encode()
    escaped = json.dumps(value).strip('"').encode()
    return [raw, escaped, base64.b64encode(raw)]


def leaks(blob: bytes) -> list[str]:
    """Which of the applicant's name, ID number, phone and address appear in ``blob``."""
    found = []
    for label, value in (("name", NAME), ("id_number", ID_NUMBER), ("phone", PHONE), ("address", ADDRESS)):
        if any(form in blob for form in forms(value)):
            found.append(label)
    return found


@pytest.fixture(scope="module")
def stack(dev_server_address: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Worker and CLI with no key configured: the default, a key made in the home on first use, encrypts all."""
    home = tmp_path_factory.mktemp("pii-home")
    with running_stack(dev_server_address, home, OGI_LOG_FORMAT="json", OGI_KEYS_FILE="") as st:
        yield st


def personal_application(stack: Stack) -> Path:
    """An application carrying distinctive personal data."""
    applicant = {"kind": "natural_person", "name": NAME, "id_number": ID_NUMBER, "phone": PHONE, "address": ADDRESS}
    return application_file(stack.home, applicant=applicant, channel="in_person")


async def plain_client(address: str) -> Client:
    """A client without the codec: what the server, its database and the Web UI hold."""
    return await Client.connect(address, data_converter=DataConverter.default)


def test_the_example_id_number_is_valid() -> None:
    assert id_number_problem(ID_NUMBER) is None


async def test_nothing_personal_in_history_visibility_logs_or_errors(stack: Stack) -> None:
    """A case run to its reply leaves no personal data anywhere but the reply letter itself."""
    app_path = personal_application(stack)
    case_id = stack.ogi_json("submit", str(app_path))["id"]
    errors: list[str] = []
    errors.append(stack.ogi("submit", str(app_path)).stdout)  # duplicate: the first answer again
    stack.ogi_json("approve", case_id, "--by", "li")
    errors.append(stack.ogi("approve", case_id, "--by", "li").stderr)  # four-eyes refusal
    errors.append(stack.ogi("deny", case_id, "--by", "wang", "--reason", "").stderr)
    stack.ogi_json("approve", case_id, "--by", "wang")
    for _ in range(100):
        shown = stack.ogi_json("show", case_id)
        if shown["status"] == "closed":
            break
        await asyncio.sleep(0.2)
    assert shown["status"] == "closed"
    bad = json.loads(app_path.read_text("utf-8"))
    bad["external_ref"] += "-bad"
    bad["applicant"]["id_number"] = ID_NUMBER[:-1] + ("0" if ID_NUMBER[-1] != "0" else "1")
    bad["applicant"]["phone"] = PHONE + "9"
    bad["received"] = "2099-01-01"
    bad_path = stack.home / "bad.json"
    bad_path.write_text(json.dumps(bad, ensure_ascii=False), "utf-8")
    errors.append(stack.ogi("submit", str(bad_path)).stderr)
    errors.append(stack.ogi("show", case_id).stdout)  # what a clerk's terminal shows

    address = stack.env["TEMPORAL_ADDRESS"]
    client = await plain_client(address)
    for wf_id in [case_id]:  # intake starts the case itself: no second workflow holds the application
        history = await client.get_workflow_handle(wf_id).fetch_history()
        blob = b"".join(event.SerializeToString() for event in history.events)
        assert leaks(blob) == [], f"history of {wf_id}"
        assert b"binary/encrypted" in blob

    listed: list[Any] = [wf async for wf in client.list_workflows(f"WorkflowId = '{case_id}'")]
    assert listed
    for wf in listed:
        assert leaks(wf.raw_info.SerializeToString()) == [], "visibility record"

    worker_log = (stack.home / "worker.log").read_bytes()
    assert worker_log, "the worker logged nothing"
    assert leaks(worker_log) == [], "worker log"
    for text in errors:
        assert text
        assert leaks(text.encode()) == [], text

    reply = document_text(shown["reply_document"]).encode()
    assert "name" in leaks(reply), "positive control: the reply letter names the applicant"


def test_log_processor_masks_personal_fields_and_numbers_in_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fields named like personal data are masked, and ID or mobile numbers inside free text too."""
    out = io.StringIO()
    monkeypatch.setattr("sys.stderr", out)
    configure_logging("INFO", json_output=True)
    try:
        get_logger("test").info(
            "applicant called",
            name=NAME,
            id_number=ID_NUMBER,
            phone=PHONE,
            address=ADDRESS,
            note=f"caller gave {ID_NUMBER} and {PHONE}",
            case_id="LAMZ-2026-000001",
        )
    finally:
        structlog.reset_defaults()
        configure_logging()
    record = json.loads(out.getvalue().strip().splitlines()[-1])
    assert leaks(out.getvalue().encode()) == []
    assert record["name"] == record["id_number"] == record["phone"] == "***"
    assert record["note"] == "caller gave *** and ***"
    assert record["case_id"] == "LAMZ-2026-000001"


def test_no_personal_key_in_environment_leaks_into_logs() -> None:
    """The masking list covers every personal field of the application's applicant model."""
    from domain.application import Applicant
    from infra.log import PERSONAL_FIELDS

    personal = {"name", "id_number", "phone", "address"}
    assert personal <= set(Applicant.model_fields)
    assert personal <= PERSONAL_FIELDS
