"""Issued documents over the API on a real stack (authentication on).

The reply by post, the mail room's batch, the recorded service that lets the case complete, the
document download and the archive package.
"""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import time
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from domain.clock import beijing_date
from tests.api_stack import ApiStack, api_stack, application

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack(dev_server_address: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiStack]:
    with api_stack(dev_server_address, tmp_path_factory.mktemp("documents-home")) as st:
        st.user("clerk", "intake")
        st.user("li", "reviewer")
        st.user("wang", "secrecy_reviewer")
        st.user("typist", "records")
        st.user("sun", "supervisor")
        yield st


def view(stack: ApiStack, case_id: str) -> dict[str, Any]:
    done = stack.call("GET", f"/v1/cases/{case_id}", stack.tokens["li"])
    assert done.status_code == 200, done.text
    return dict(done.json())


def until(stack: ApiStack, case_id: str, test: Any) -> dict[str, Any]:
    for _ in range(150):
        found = view(stack, case_id)
        if test(found):
            return found
        time.sleep(0.1)
    msg = f"case {case_id} never got there: {json.dumps(found, ensure_ascii=False)[:2000]}"
    raise AssertionError(msg)


def pdf_text(data: bytes) -> str:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True)
    return "".join(out.stdout.decode("utf-8").split())


def test_a_notice_by_post_joins_the_mail_rooms_queue_while_the_case_runs(stack: ApiStack) -> None:
    """An extension notice going by post is listed as awaiting delivery once issued, not at the case's next action."""
    head = stack.user("zhao", "head")
    done = stack.call("POST", "/v1/cases", stack.tokens["clerk"], application(delivery="post"))
    assert done.status_code == 201, done.text
    case_id = done.json()["id"]
    assert stack.act(case_id, "extend", head, reason="材料较多").status_code == 200
    until(stack, case_id, lambda v: any(o["ref"] == "extension_notice" and o["awaiting"] for o in v["outgoing"]))
    for _ in range(100):
        queue = stack.call("GET", "/v1/cases", stack.tokens["clerk"], awaiting_delivery="true")
        if case_id in [c["id"] for c in queue.json()["cases"]]:
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"{case_id} never joined the awaiting-delivery listing: {queue.text[:500]}")
    assert stack.call("GET", "/v1/cases/" + case_id, stack.tokens["li"]).json()["stage"] == "review"


def test_a_reply_by_post_from_the_batch_to_service_to_the_archive(stack: ApiStack) -> None:
    today = beijing_date(datetime.now(UTC)).isoformat()
    done = stack.call("POST", "/v1/cases", stack.tokens["clerk"], application(delivery="post"))
    assert done.status_code == 201, done.text
    case_id = done.json()["id"]
    assert stack.act(case_id, "approve", stack.tokens["li"]).status_code == 200
    assert stack.act(case_id, "approve", stack.tokens["wang"]).status_code == 200
    shown = until(stack, case_id, lambda v: any(o["ref"] == "reply" for o in v["outgoing"]))
    reply = next(o for o in shown["outgoing"] if o["ref"] == "reply")
    assert shown["status"] == "closed" and reply["awaiting"] is True
    assert reply["deliveries"][0]["channel"] == "post" and reply["deliveries"][0]["status"] == "queued"
    assert reply["number"] and reply["files"][0].endswith(".pdf") and reply["files"][1].endswith(".docx")

    # The mail room's queue and its batch of the day.
    queue = stack.call("GET", "/v1/cases", stack.tokens["clerk"], awaiting_delivery="true")
    assert case_id in [c["id"] for c in queue.json()["cases"]]
    batch = stack.call("POST", "/v1/deliveries/batches", stack.tokens["clerk"], agency="六安市民政局", day=today)
    assert batch.status_code == 200, batch.text
    assert case_id in [d["case_id"] for d in batch.json()["documents"]]
    printed = stack.call("GET", f"/v1/deliveries/batches/六安市民政局/{today}", stack.tokens["clerk"])
    assert printed.status_code == 200 and printed.content.startswith(b"%PDF")

    # The reply as issued: a supervisor may not read it; the clerk may, and the read is audited.
    assert stack.call("GET", f"/v1/cases/{case_id}/documents/reply", stack.tokens["sun"]).status_code == 403
    pdf = stack.call("GET", f"/v1/cases/{case_id}/documents/reply", stack.tokens["clerk"])
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.content)
    assert reply["number"] in text and "张三" in text and case_id in text
    docx = stack.call("GET", f"/v1/cases/{case_id}/documents/reply", stack.tokens["clerk"], format="docx")
    assert docx.status_code == 200 and docx.content.startswith(b"PK")

    # Posted, then signed for: the case completes.
    posted = stack.act(
        case_id, "record_delivery", stack.tokens["clerk"], document="reply", sent_on=today, reference="EA123456789CN"
    )
    assert posted.status_code == 200, posted.text
    served = stack.act(case_id, "record_delivery", stack.tokens["clerk"], document="reply", served_on=today)
    assert served.status_code == 200, served.text
    final = until(stack, case_id, lambda v: not next(o for o in v["outgoing"] if o["ref"] == "reply")["awaiting"])
    reply = next(o for o in final["outgoing"] if o["ref"] == "reply")
    assert (reply["served_on"], reply["service_proven"]) == (today, True)
    assert reply["deliveries"][0]["reference"] == "EA123456789CN"

    # The archive package: documents, trail and metadata, each file in the manifest with its hash.
    assert stack.call("GET", f"/v1/cases/{case_id}/package", stack.tokens["clerk"]).status_code == 403
    package = stack.call("GET", f"/v1/cases/{case_id}/package", stack.tokens["typist"])
    assert package.status_code == 200, package.text
    with zipfile.ZipFile(io.BytesIO(package.content)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        for name, digest in manifest["files"].items():
            assert hashlib.sha256(archive.read(name)).hexdigest() == digest
        names = set(archive.namelist())
        assert {"case.json", "application.json", "audit_log.json"} <= names
        assert any(n.startswith("documents/reply") and n.endswith(".pdf") for n in names)
        trail = json.loads(archive.read("audit_log.json"))
        assert any(e["action"] == "record_delivery" for e in trail)
    auditor = stack.user("audrey", "auditor")
    reads = stack.call("GET", "/v1/audit", auditor, case=case_id, kind="personal_data_read")
    assert reads.status_code == 200, reads.text
    assert {e["actor"] for e in reads.json()["entries"]} >= {"clerk", "typist"}
