"""The console and the applicant pages without Temporal: sessions, CSRF, forms from action models, offers, checks.

The pages run in process (FastAPI's test client) on a real case store; what needs a running case is
in ``test_e2e_console.py``.
"""

from __future__ import annotations

import pathlib
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from domain.actions import ACTIONS
from domain.actor import Actor
from domain.case import CasePolicy
from domain.config import Role
from domain.report import build_report
from domain.report_form import form_tables
from infra import store, users, web_sessions
from service import attachments, console_sessions, portal
from service.case_actions import offers_for, sample_payload
from service.errors import BadInput, TooLarge
from service.identities import Principal
from service.portal import OnlineApplication
from tests.test_actions import NOW
from tests.test_preview import acted, case
from web import abuse, forms
from web.routers.console import grid_rows

PASSWORD = "correct-horse-battery"


def principal(*roles: Role, name: str = "li") -> Principal:
    """A verified user holding ``roles`` (id = the name's key, as the cases below record claimed names)."""
    return Principal(actor=Actor(id=name, name=name, roles=frozenset(roles), verified=True))


@pytest.fixture
def client(db: object, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """The full app in process, authentication on, plain-http cookies, users li (reviewer) and sun (supervisor)."""
    monkeypatch.setenv("OGI_AUTH", "on")
    monkeypatch.setenv("OGI_COOKIE_SECURE", "false")
    from api.app import create_app

    store.engine()
    for name, roles in {"li": ["reviewer"], "sun": ["supervisor"]}.items():
        users.add_user(name, roles)
        users.set_password(name, PASSWORD)
    abuse.submissions.reset()
    with TestClient(create_app(), follow_redirects=False) as test_client:
        yield test_client


def sign_in(client: TestClient, name: str, password: str = PASSWORD) -> str:
    """Sign in through the form; the page's CSRF token."""
    page = client.get("/console/login")
    token = re.search(r'name="form_token" value="([^"]+)"', page.text)
    assert token is not None
    done = client.post(
        "/console/login",
        data={"username": name, "password": password, "form_token": token.group(1), "next": "/console"},
    )
    assert done.status_code == 303, done.text
    queues = client.get("/console/queues")
    found = re.search(r'name="csrf-token" content="([^"]+)"', queues.text)
    assert found is not None
    return found.group(1)


class TestSessions:
    def test_pages_need_a_session_and_send_the_user_to_sign_in(self, client: TestClient) -> None:
        """Without a session every console page answers with the sign-in page, keeping where the user was going."""
        answer = client.get("/console/queues?q=review")
        assert answer.status_code == 303
        assert answer.headers["location"] == "/console/login?next=/console/queues%3Fq%3Dreview"

    def test_session_cookie_is_httponly_strict_and_the_store_keeps_only_a_hash(self, client: TestClient) -> None:
        """The cookie is HttpOnly and SameSite=Strict; the raw id is nowhere in the store."""
        page = client.get("/console/login")
        token = re.search(r'name="form_token" value="([^"]+)"', page.text)
        assert token is not None
        done = client.post(
            "/console/login", data={"username": "li", "password": PASSWORD, "form_token": token.group(1)}
        )
        cookie = done.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie
        raw = cookie.split(";")[0].split("=", 1)[1]
        with store.engine().connect() as conn:
            stored = [row[0] for row in conn.exec_driver_sql("SELECT id_hash FROM web_sessions")]
        assert stored and raw not in stored

    def test_secure_cookie_has_the_host_prefix(self, client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
        """Over HTTPS (the default) the cookie is Secure and named ``__Host-``: no subdomain can plant one."""
        monkeypatch.setenv("OGI_COOKIE_SECURE", "true")
        client.base_url = "https://testserver"  # type: ignore[assignment]
        page = client.get("/console/login")
        token = re.search(r'name="form_token" value="([^"]+)"', page.text)
        assert token is not None
        done = client.post(
            "/console/login", data={"username": "li", "password": PASSWORD, "form_token": token.group(1)}
        )
        assert done.headers["set-cookie"].startswith("__Host-ogi_session=")
        assert "Secure" in done.headers["set-cookie"]

    def test_a_wrong_password_is_refused_and_audited(self, client: TestClient) -> None:
        """A wrong password signs nobody in, and the failure is in the audit log."""
        page = client.get("/console/login")
        token = re.search(r'name="form_token" value="([^"]+)"', page.text)
        assert token is not None
        done = client.post(
            "/console/login", data={"username": "li", "password": "wrong-password", "form_token": token.group(1)}
        )
        assert done.status_code == 401
        from infra import audit_log

        assert [e.actor for e in audit_log.entries(kinds=["login_failed"])] == ["li"]

    def test_login_without_its_form_token_is_refused(self, client: TestClient) -> None:
        """A sign-in posted from elsewhere (no double-submit token) starts no session."""
        done = client.post("/console/login", data={"username": "li", "password": PASSWORD})
        assert done.status_code == 403
        assert "set-cookie" not in done.headers or "ogi_session" not in done.headers["set-cookie"]

    def test_idle_session_ends(self, client: TestClient) -> None:
        """A session unused for longer than the idle timeout opens nothing."""
        raw, _ = web_sessions.create("session", user_id=None, via="session", data={}, lifetime=timedelta(hours=1))
        assert web_sessions.resume(raw, "session", timedelta(minutes=30)) is not None
        assert web_sessions.resume(raw, "session", timedelta(0)) is None
        assert web_sessions.resume(raw, "session", timedelta(minutes=30)) is None  # ended for good

    def test_disabled_user_loses_the_session_at_once(self, client: TestClient) -> None:
        """Disabling an account ends its sessions on the next request."""
        sign_in(client, "li")
        users.set_disabled("li", True)
        assert client.get("/console/queues").status_code == 303


class TestCsrf:
    def test_post_without_token_is_refused(self, client: TestClient) -> None:
        """A console POST with the cookie alone is 403 and does nothing."""
        token = sign_in(client, "li")
        assert client.post("/console/logout", data={}).status_code == 403
        forged = ("y" if token.startswith("x") else "x") + token[1:]  # one character off, whatever the token
        assert client.post("/console/logout", data={"csrf": forged}).status_code == 403
        assert client.get("/console/queues").status_code == 200
        assert client.post("/console/logout", data={"csrf": token}).status_code == 303
        assert client.get("/console/queues").status_code == 303

    def test_htmx_requests_carry_the_token_in_a_header(self, client: TestClient) -> None:
        """The preview endpoint refuses a request without the header, as any POST."""
        sign_in(client, "li")
        refused = client.post("/console/cases/X-1/preview/approve", headers={"HX-Request": "true"})
        assert refused.status_code == 403


class TestRoles:
    def test_queues_follow_the_roles(self, client: TestClient) -> None:
        """A reviewer sees the review queues; a supervisor only due-soon and overdue, and is refused the others."""
        sign_in(client, "li")
        page = client.get("/console/queues")
        assert set(re.findall(r'data-queue="(\w+)"', page.text)) == {
            "review",
            "consulting",
            "payment",
            "due_soon",
            "overdue",
            "mine",
        }
        client.cookies.clear()
        sign_in(client, "sun")
        page = client.get("/console/queues")
        assert set(re.findall(r'data-queue="(\w+)"', page.text)) == {"due_soon", "overdue"}
        assert client.get("/console/queues?q=review").status_code == 403

    def test_pages_render_in_english_on_request(self, client: TestClient) -> None:
        """The language switch is a cookie; the pages follow it."""
        sign_in(client, "sun")
        switched = client.get("/lang?to=en&next=/console/supervision")
        assert switched.headers["location"] == "/console/supervision"
        assert "Supervision" in client.get("/console/supervision").text
        assert client.get("/lang?to=en&next=//evil.example").headers["location"] == "/apply"


class TestPages:
    def test_every_page_has_security_headers(self, client: TestClient) -> None:
        """CSP without inline script, no framing, no referrer, never cached."""
        answer = client.get("/apply")
        assert "script-src 'self'" in answer.headers["content-security-policy"]
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["referrer-policy"] == "no-referrer"
        assert answer.headers["cache-control"] == "no-store"

    def test_api_errors_stay_problem_json(self, client: TestClient) -> None:
        """The pages' HTML errors do not leak into the API."""
        answer = client.get("/v1/cases")
        assert answer.headers["content-type"] == "application/problem+json"

    def test_report_page_and_downloads(self, client: TestClient) -> None:
        """The report shows the form's tables and downloads as CSV (with BOM) and XLSX."""
        sign_in(client, "sun")
        page = client.get("/console/report?year=2026")
        assert page.status_code == 200 and "申请人情况" in page.text
        csv = client.get("/console/report.csv?year=2026")
        assert csv.content.startswith("\ufeff".encode())
        assert client.get("/console/report.xlsx?year=2026").content[:2] == b"PK"


class TestActionForms:
    @pytest.mark.parametrize("name", sorted(ACTIONS))
    def test_every_action_has_a_form_and_a_stand_in_its_model_accepts(self, name: str) -> None:
        """Each action's model gives its form (no ``by``) and a stand-in payload the model itself accepts."""
        specs = forms.form_of(name)
        assert "by" not in {s.name for s in specs}
        ACTIONS[name].model_validate(sample_payload(name, "li", date(2026, 12, 1)))

    def test_form_values_become_the_payload(self) -> None:
        """Lines become a list, numbers ints, empty inputs are left out."""
        payload = forms.payload_from("request_correction", {"items": ["写明文号\n\n写明年份 "], "period_days": ["10"]})
        assert payload == {"items": ["写明文号", "写明年份"], "period_days": 10}
        assert forms.payload_from("approve", {"note": [""], "access": ["邮寄"]}) == {"access": "邮寄"}

    def test_decide_offers_outcomes_and_reasons_as_choices(self) -> None:
        """Enumerations and literals become selects; a list of reasons a multiple select."""
        specs = {s.name: s for s in forms.form_of("decide")}
        assert specs["outcome"].widget == "select" and "disclosed" in specs["outcome"].choices
        assert specs["reasons"].widget == "multiselect"
        assert specs["refer_to"].widget == "text"
        extend = {s.name: s for s in forms.form_of("extend")}
        assert (extend["days"].widget, extend["days"].minimum, extend["days"].maximum) == ("number", 1, 60)


class TestOffers:
    @pytest.fixture(autouse=True)
    def _roles_enforced(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("OGI_AUTH", "on")

    def test_reviewer_at_review_is_offered_the_review_actions_only(self) -> None:
        """At review a reviewer may decide, approve, deny, consult, request a correction, send a fee notice."""
        offered = {o.name for o in offers_for(case(), CasePolicy(), principal(Role.REVIEWER), NOW) if o.available}
        assert {"approve", "deny", "decide", "request_correction", "consult", "fee_notice"} <= offered
        assert not offered & {"confirm_receipt", "extend", "consultation_answer", "withdraw", "pay_fee"}

    def test_the_proposer_is_shown_why_the_secrecy_check_is_not_theirs(self) -> None:
        """After li proposed, li (holding both roles) is not offered the release: four-eyes, with the reason."""
        proposed = acted(case(), "approve", {"by": "li"})
        li = principal(Role.REVIEWER, Role.SECRECY_REVIEWER)
        offers = {o.name: o for o in offers_for(proposed, CasePolicy(), li, NOW)}
        assert not offers["approve"].available
        assert "four-eyes" in (offers["approve"].reason or "")
        wang = principal(Role.SECRECY_REVIEWER, name="wang")
        assert {o.name for o in offers_for(proposed, CasePolicy(), wang, NOW) if o.available} >= {"approve", "deny"}

    def test_consultation_answer_only_while_one_is_out(self) -> None:
        """Answering a consultation is offered once one is out, for that one."""
        consulted = acted(case(), "consult", {"by": "li", "kind": "third_party", "party": "某公司"})
        offered = {o.name for o in offers_for(consulted, CasePolicy(), principal(Role.REVIEWER), NOW) if o.available}
        assert "consultation_answer" in offered

    def test_intake_awaiting_receipt_is_offered_the_confirmation(self) -> None:
        """An online application awaiting receipt offers intake the confirmation and the withdrawal.

        Intake also routes it (assignment and transfer): who handles it once receipt is confirmed.
        """
        waiting = case(received=None)
        offered = {o.name for o in offers_for(waiting, CasePolicy(), principal(Role.INTAKE), NOW) if o.available}
        assert offered == {"confirm_receipt", "withdraw", "assign", "transfer"}


class TestApplicationForm:
    def form(self, **changes: str) -> OnlineApplication:
        base = {
            "nonce": "n" * 24,
            "agency": "六安市民政局",
            "kind": "natural_person",
            "name": "张三",
            "id_number": "11010119900307123X",
            "phone": "0564-1234567",
            "email": "z@example.com",
            "description": "申请公开低保资金发放情况",
            "form": "electronic",
            "delivery": "email",
        }
        return OnlineApplication.model_validate({**base, **changes})

    def test_a_whole_form_has_no_problem_and_becomes_an_online_application(self) -> None:
        """Online, no receipt date (awaiting confirmation), the form's id as the external reference."""
        assert portal.problems(self.form(id_number=valid_id())) == {}
        application = portal.to_application(self.form(id_number=valid_id()))
        assert (application.channel.value, application.received) == ("online", None)
        assert application.external_ref == "web-" + "n" * 24

    @pytest.mark.parametrize(
        ("changes", "field", "problem"),
        [
            ({"id_number": "110101199003071230"}, "id_number", "id_number.check"),
            ({"name": ""}, "name", "required"),
            ({"kind": "commercial_enterprise", "id_number": "91340100MA2N0X1234"}, "contact_person", "required"),
            ({"kind": "commercial_enterprise", "id_number": "short"}, "id_number", "id_number.credit_code"),
            ({"phone": "", "email": "", "delivery": "collect"}, "phone", "contact.one"),
            ({"delivery": "post"}, "address", "address.for_delivery"),
            ({"email": "", "delivery": "email"}, "email", "email.for_delivery"),
        ],
    )
    def test_each_problem_is_named_by_its_field(self, changes: dict[str, str], field: str, problem: str) -> None:
        """Required fields by applicant kind, the GB 11643 check character, contact and delivery details."""
        assert portal.problems(self.form(**changes)).get(field) == problem

    def test_field_check_endpoint_answers_one_fields_problem(self, client: TestClient) -> None:
        """The live check returns the message for the field asked about, or nothing."""
        bad = client.post("/apply/check", data={"field": "id_number", "id_number": "110101199003071230"})
        assert "GB 11643" in bad.text
        good = client.post("/apply/check", data={"field": "id_number", "id_number": valid_id()})
        assert good.text.strip() == ""

    def test_the_form_asks_a_question_after_repeated_submissions(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """After the threshold an address must answer the sum; the token checks the answer without storing it."""
        monkeypatch.setenv("OGI_APPLY_CHALLENGE_AFTER", "1")
        abuse.submissions.reset()
        assert not abuse.submissions.needs_challenge("10.0.0.1")
        abuse.submissions.add("10.0.0.1")
        assert abuse.submissions.needs_challenge("10.0.0.1")
        challenge = abuse.new_challenge()
        a, b = (int(x) for x in challenge.question.split(" + "))
        assert abuse.answer_ok(challenge.token, str(a + b))
        assert not abuse.answer_ok(challenge.token, str(a + b + 1))
        assert not abuse.answer_ok(challenge.token.replace(".", ".0", 1), str(a + b))

    def test_a_post_without_the_form_token_registers_nothing(self, client: TestClient) -> None:
        """The public form's double-submit token: a cross-site post is refused before anything is checked."""
        answer = client.post("/apply", data={"name": "张三"})
        assert answer.status_code == 403


def valid_id() -> str:
    """A resident identity number with its GB 11643 check character."""
    from tests.test_e2e_console import id_number

    return id_number()


class TestAttachments:
    def test_type_is_judged_by_content_and_size_is_bounded(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A PNG named .pdf is a PNG; an executable is refused whatever its name; too large is 413."""
        assert attachments.check_upload("id_document", b"\x89PNG\r\n\x1a\n rest")[1] == "image/png"
        with pytest.raises(BadInput):
            attachments.check_upload("id_document", b"MZ\x90\x00 an executable")
        with pytest.raises(BadInput):
            attachments.check_upload("passport_photo", b"%PDF-1.4")
        monkeypatch.setenv("OGI_ATTACHMENT_MAX_BYTES", "1024")
        with pytest.raises(TooLarge):
            attachments.check_upload("id_document", b"%PDF-" + b"0" * 2000)

    async def test_stored_sealed_and_read_back_audited(self, db: object) -> None:
        """On disk the file is ciphertext; a reviewer reads it back (audited); a supervisor may not."""
        store.engine()
        content = b"%PDF-1.4 the applicant's identity card scan"
        saved = await attachments.save(principal(Role.INTAKE, name="clerk"), "AD-2026-000001", "id_document", content)
        folder = attachments.attachments_dir() / "AD-2026-000001"
        assert content not in (folder / f"{saved.id}.bin").read_bytes()
        info, back = await attachments.read(principal(Role.REVIEWER), "AD-2026-000001", saved.id)
        assert back == content and info.kind.value == "id_document"
        from infra import audit_log

        reads = audit_log.entries(case_id="AD-2026-000001", kinds=["personal_data_read"])
        assert [e.actor for e in reads] == ["li"]
        from service.errors import Forbidden

        with pytest.raises(Forbidden):
            await attachments.read(principal(Role.SUPERVISOR, name="sun"), "AD-2026-000001", saved.id)


class TestReportGrid:
    def test_merged_cells_become_spans_and_covered_cells_disappear(self) -> None:
        """Each merge is one cell with its row and column span; no covered cell is printed."""
        report = build_report([], 2026)
        applications, _ = form_tables(report)
        rows = grid_rows(applications)
        widths = {sum(c["colspan"] for c in row) for row in rows[3:]}
        assert rows[0][0]["rowspan"] == 3
        assert len(widths) >= 1


def test_console_session_resumes_with_current_roles(db: object) -> None:
    """A session names its user; the roles are read afresh on every request."""
    store.engine()
    users.add_user("li", ["reviewer"])
    users.set_password("li", PASSWORD)
    raw, _ = console_sessions.sign_in("li", PASSWORD, "127.0.0.1")
    users.set_roles("li", ["secrecy_reviewer"])
    resumed = console_sessions.resume(raw)
    assert resumed is not None and resumed.principal.actor.roles == frozenset({Role.SECRECY_REVIEWER})
    assert resumed.principal.via == "session"
    assert datetime.now(UTC) - timedelta(seconds=5) < datetime.now(UTC)


class TestCatalog:
    def test_every_key_has_both_languages_and_every_action_a_label(self) -> None:
        """The two catalogs hold the same keys (but English's singular forms); each action has a name in both."""
        from web.i18n import EN, ZH

        singular = {key for key in set(EN) - set(ZH) if key.endswith(".one") and key.removesuffix(".one") in ZH}
        assert set(ZH) == set(EN) - singular
        assert {f"action.{name}" for name in ACTIONS} <= set(ZH)

    def test_every_event_the_case_writes_itself_has_a_label(self) -> None:
        """Events written by the workflow and the services (issued, delivery, deadline...) read in the page's language."""
        from web.i18n import ZH

        root = pathlib.Path(__file__).resolve().parents[1]
        written = {
            name
            for folder in ("workflows", "domain", "service")
            for source in (root / folder).glob("*.py")
            for name in re.findall(r'action="([a-z_]+)"', source.read_text("utf-8"))
        }
        assert {"issued", "delivery", "deadline"} <= written
        assert sorted(name for name in written if f"action.{name}" not in ZH) == []


def _rows(n: int) -> None:
    """N open cases in the read model, due on spread days (some without a due date)."""
    from sqlalchemy import insert

    from infra.schema import cases

    now = datetime.now(UTC)
    rows = [
        {
            "case_id": f"T-2026-{i:06d}",
            "agency": "六安市民政局",
            "agency_code": "LAMZ",
            "applicant_kind": "natural_person",
            "channel": "online",
            "received": date(2026, 11, 1),
            "registered_at": now,
            "due": None if i % 7 == 0 else date(2026, 12, 1) + timedelta(days=i % 5),
            "stage": "review",
            "status": "open",
            "reasons": [],
            "overdue": False,
            "extended": False,
            "revision": 1,
            "archived_at": now,
            "clock_paused": i % 3 == 0,
            "applicant_masked": "张*",
        }
        for i in range(n)
    ]
    with store.engine().begin() as conn:
        conn.execute(insert(cases), rows)


class TestListingAdditions:
    def test_descending_pages_walk_every_case_once_latest_due_first(self, db: object) -> None:
        """Latest due first, ties by id descending, cases without a due date last; every case once."""
        from infra import case_listing
        from infra.case_listing import Filters

        _rows(23)
        seen: list[tuple[date | None, str]] = []
        cursor = None
        while True:
            page = case_listing.page(Filters(), 4, cursor, descending=True)
            seen += [(r.due, r.case_id) for r in page.rows]
            if page.next is None:
                break
            cursor = page.next
        dated = sorted([s for s in seen if s[0] is not None], key=lambda s: (s[0], s[1]), reverse=True)
        undated = sorted([s for s in seen if s[0] is None], key=lambda s: s[1], reverse=True)
        assert seen == dated + undated and len(seen) == 23

    def test_queue_filters_stages_paused_clock_approvals_and_deliveries(self, db: object) -> None:
        """Several stages at once, the clock standing still, requests awaiting the head, documents to deliver."""
        from sqlalchemy import update

        from infra import case_listing
        from infra.case_listing import Filters
        from infra.schema import cases

        _rows(12)
        with store.engine().begin() as conn:
            conn.execute(update(cases).where(cases.c.case_id == "T-2026-000001").values(pending_request="extension"))
            conn.execute(
                update(cases)
                .where(cases.c.case_id == "T-2026-000002")
                .values(status="closed", stage="closed", awaiting_delivery=1)
            )
        assert case_listing.total(Filters(stages=["review", "secrecy_review"], clock_paused=True)) == 4
        assert case_listing.total(Filters(awaiting_approval=True)) == 1
        assert case_listing.total(Filters(awaiting_approval=False)) == 10  # the closed one is not open
        # The delivery queue holds replied cases too: the reply still has to be posted or collected.
        assert case_listing.total(Filters(open_only=False, awaiting_delivery=True)) == 1


class TestChallengeOnThePage:
    def test_the_form_holds_back_until_the_sum_is_answered(
        self, client: TestClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Past the threshold the form asks a sum; a wrong answer is asked again, a right one goes on to the checks."""
        monkeypatch.setenv("OGI_APPLY_CHALLENGE_AFTER", "0")
        page = client.get("/apply")
        question = re.search(r"(\d) \+ (\d) = \?", page.text)
        token = re.search(r'name="challenge_token" value="([^"]+)"', page.text)
        form_token = re.search(r'name="form_token" value="([^"]+)"', page.text)
        assert question and token and form_token
        base = {"form_token": form_token.group(1), "challenge_token": token.group(1), "name": "张三"}
        wrong = client.post("/apply", data={**base, "challenge_answer": "99"})
        assert wrong.status_code == 422 and "答案不正确" in wrong.text
        answer = str(int(question.group(1)) + int(question.group(2)))
        right = client.post("/apply", data={**base, "challenge_answer": answer})
        assert right.status_code == 422 and "请更正标出的项目" in right.text  # past the question, on to the fields
        assert "此项必填" in right.text
