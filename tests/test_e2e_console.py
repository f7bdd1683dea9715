"""The console and the applicant pages in a real browser, on a real stack with the portal in its own zone.

A dev server, a worker, the internal ``ogi serve`` and ``ogi serve --public`` run as processes; chromium
(through Playwright) applies online on the public server, and staff work the case in the console. Every
page is screenshotted and scanned with axe-core: no critical violation is allowed.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.api_stack import ApiStack, api_stack, application
from tests.browser import DESKTOP, PHONE, PageChecker, artifacts_dir, browser

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

PASSWORD = "correct-horse-battery"
PORTAL_TOKEN = "portal-service-token-for-tests-0123456789"
AGENCY = "六安市民政局"
MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def id_number(prefix17: str = "11010119900307123") -> str:
    """A resident identity number with its GB 11643 check character."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return prefix17 + "10X98765432"[sum(int(d) * w for d, w in zip(prefix17, weights, strict=True)) % 11]


@pytest.fixture(scope="module")
def stack(dev_server_address: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiStack]:
    """The internal stack (plain-http cookies for localhost), its users with passwords, and the public zone."""
    home = tmp_path_factory.mktemp("console-home")
    with api_stack(dev_server_address, home, OGI_COOKIE_SECURE="false", OGI_PORTAL_TOKEN=PORTAL_TOKEN) as st:
        for name, roles in {
            "portal": ["intake"],
            "clerk": ["intake"],
            "li": ["reviewer", "secrecy_reviewer"],
            "wang": ["secrecy_reviewer"],
            "sun": ["supervisor"],
        }.items():
            st.user(name, *roles)
            st.password(name, PASSWORD)
        st.public_base = st.start_public(OGI_COOKIE_SECURE="false")  # type: ignore[attr-defined]
        yield st


@pytest.fixture(scope="module")
def checker() -> PageChecker:
    """One screenshot folder and accessibility record for the module."""
    return PageChecker(artifacts_dir())


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """One browser for the module; each user gets a context (cookies) of their own."""
    with browser() as launched:
        yield launched


def sign_in(chromium: Any, stack: ApiStack, name: str, checker: PageChecker | None = None) -> Any:
    """A desktop page signed in to the console as ``name``."""
    page = chromium.new_context(viewport=DESKTOP, locale="zh-CN").new_page()
    page.goto(f"{stack.base}/console")
    assert "/console/login" in page.url
    if checker is not None:
        checker.check(page, "login")
    page.fill("#username", name)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/console/(queues|supervision)"))
    return page


def fits(page: Any) -> bool:
    """Whether the page fits its viewport's width (no sideways scrolling on a phone)."""
    return bool(page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"))


def open_case(page: Any, stack: ApiStack, case_id: str) -> None:
    page.goto(f"{stack.base}/console/cases/{case_id}")
    page.wait_for_selector("h1")


def act(page: Any, action: str, fill: dict[str, str] | None = None) -> None:
    """Open an action's form, fill it, wait for its what-if, and send it."""
    form = page.locator(f"details[data-action={action}]")
    form.locator("summary").click()
    for name, value in (fill or {}).items():
        field = form.locator(f"[name={name}]")
        kind = field.evaluate("e => e.tagName === 'SELECT' ? 'select' : e.type")
        if kind == "select":
            field.select_option(value)
        elif kind == "checkbox":
            field.set_checked(value == "true")
        else:
            field.fill(value)
    form.locator("[data-preview=accepted]").wait_for(timeout=15_000)
    form.locator("button[type=submit]").click()
    page.wait_for_selector(".notice.ok", timeout=30_000)


def stage_of(page: Any) -> str:
    return str(page.locator("h1 .badge").get_attribute("data-stage"))


def lookup(chromium: Any, stack: ApiStack, case_id: str, code: str, checker: PageChecker, name: str) -> str:
    """The applicant's status page on a phone: the status line and the rest of the answer."""
    page = chromium.new_context(viewport=PHONE, locale="zh-CN").new_page()
    page.goto(f"{stack.public_base}/status")  # type: ignore[attr-defined]
    page.fill("#case_id", case_id)
    page.fill("#code", code)
    page.click("button[type=submit]")
    page.wait_for_selector("#status-stage")
    checker.check(page, name)
    assert fits(page)
    text = str(page.locator("main").inner_text())
    page.context.close()
    return text


class TestApplicationToReply:
    def test_online_application_through_correction_and_four_eyes_to_reply(
        self, stack: ApiStack, chromium: Any, checker: PageChecker
    ) -> None:
        """Applied online, confirmed, corrected, proposed, refused to its proposer, released: the applicant sees each step."""
        applicant = chromium.new_context(viewport=PHONE, locale="zh-CN").new_page()
        applicant.goto(f"{stack.public_base}/apply")  # type: ignore[attr-defined]
        checker.check(applicant, "apply")
        assert fits(applicant)
        applicant.fill("#agency", AGENCY)
        applicant.fill("#name", "张三")
        good = id_number()
        applicant.fill("#id_number", good[:-1] + ("1" if good[-1] == "0" else "0"))
        applicant.locator("#id_number").dispatch_event("change")
        expect(applicant.locator("#err-id_number")).to_contain_text("GB 11643")
        applicant.fill("#id_number", good)
        applicant.locator("#id_number").dispatch_event("change")
        expect(applicant.locator("#err-id_number")).to_have_text("")
        applicant.fill("#phone", "0564-1234567")
        applicant.fill("#email", "zhangsan@example.com")
        applicant.fill("#description", "申请公开2025年度城乡最低生活保障资金发放情况")
        applicant.set_input_files(
            "#id_document", files=[{"name": "id.pdf", "mimeType": "application/pdf", "buffer": MINIMAL_PDF}]
        )
        applicant.click("button[type=submit]")
        applicant.wait_for_selector("#tracking-number")
        checker.check(applicant, "applied")
        case_id = applicant.inner_text("#tracking-number").strip()
        code = applicant.inner_text("#query-code").strip()
        assert "身份证明扫描件" in applicant.inner_text("main")

        clerk = sign_in(chromium, stack, "clerk", checker)
        checker.check(clerk, "queue-receipt")
        row = clerk.locator("tr", has=clerk.locator(f"a:text-is('{case_id}')"))
        assert "张*" in row.inner_text() and "张三" not in clerk.inner_text("main")
        open_case(clerk, stack, case_id)
        checker.check(clerk, "case-awaiting-receipt")
        assert clerk.locator("[data-personal]").first.inner_text() == "张三"
        act(clerk, "confirm_receipt")
        assert stage_of(clerk) == "review"

        li = sign_in(chromium, stack, "li")
        li.goto(f"{stack.base}/console/queues?q=review")
        assert li.locator(f"a:text-is('{case_id}')").count() == 1
        checker.check(li, "queue-review")
        assert fits(li)
        open_case(li, stack, case_id)
        act(li, "request_correction", {"items": "请写明所需信息的文件名称或文号"})
        checker.check(li, "case-correction-requested")
        assert stage_of(li) == "awaiting_correction"

        status = lookup(chromium, stack, case_id, code, checker, "status-correction")
        assert "待补正" in status and "请写明所需信息的文件名称或文号" in status

        open_case(clerk, stack, case_id)
        act(clerk, "submit_correction")
        assert stage_of(clerk) == "review"

        open_case(li, stack, case_id)
        act(li, "approve", {"access": "通过电子邮件发送"})
        assert stage_of(li) == "secrecy_review"
        # Li proposed the answer: neither the queue nor the case page offers li its secrecy check...
        li.goto(f"{stack.base}/console/queues?q=secrecy")
        assert li.locator(f"a:text-is('{case_id}')").count() == 0
        open_case(li, stack, case_id)
        checker.check(li, "case-four-eyes")
        assert li.locator("details[data-action=approve]").count() == 0
        assert "four-eyes" in li.inner_text("[data-unavailable=approve]")
        # ...and a forged post of the form, with li's own valid token, is refused by the case.
        csrf = li.locator("meta[name=csrf-token]").get_attribute("content")
        forged = li.request.post(
            f"{stack.base}/console/cases/{case_id}/actions/approve", form={"csrf": csrf}, max_redirects=0
        )
        assert forged.status == 409
        assert "four-eyes" in forged.text()
        open_case(li, stack, case_id)
        assert stage_of(li) == "secrecy_review"
        assert "four-eyes" in li.inner_text("ol.timeline li.refused")  # the refusal is on the record

        wang = sign_in(chromium, stack, "wang")
        wang.goto(f"{stack.base}/console/queues?q=secrecy")
        assert wang.locator(f"a:text-is('{case_id}')").count() == 1
        open_case(wang, stack, case_id)
        act(wang, "approve")
        for _ in range(100):
            if lookup_stage(stack, case_id, code) == "closed":
                break
            time.sleep(0.2)
        final = lookup(chromium, stack, case_id, code, checker, "status-closed")
        assert "已办结" in final and "已答复" in final and "予以公开" in final
        open_case(wang, stack, case_id)
        checker.check(wang, "case-closed")
        assert wang.locator("#no-actions").count() == 1
        audit = stack.ogi("audit", "list", "--case", case_id, "--kind", "personal_data_read", "--json")
        readers = {e["actor"] for e in json.loads(audit.stdout)["entries"]}
        assert {"clerk", "li", "wang"} <= readers  # every view of the applicant's data is in the audit log
        assert not checker.critical, "\n".join(checker.critical)

    def test_the_public_zone_serves_only_the_applicant_pages(self, stack: ApiStack) -> None:
        """``ogi serve --public`` has no console and no API of its own, and never opened a store."""
        import httpx

        public = stack.public_base  # type: ignore[attr-defined]
        assert httpx.get(f"{public}/console/login").status_code == 404
        assert httpx.get(f"{public}/v1/cases").status_code == 404
        assert httpx.get(f"{public}/apply").status_code == 200
        assert not (stack.home / "public-zone" / "must-not-exist.sqlite").exists()
        portal = httpx.get(f"{stack.base}/v1/portal/status/X-1", params={"code": "x"})
        assert portal.status_code == 401  # the internal routes need the service token
        with httpx.Client(base_url=public) as applicant:
            form = applicant.get("/status")
            token = re.search(r'name="form_token" value="([^"]+)"', form.text)
            assert token is not None
            unknown = applicant.post("/status", data={"case_id": "X-1", "code": "WRONG", "form_token": token.group(1)})
        assert unknown.status_code == 404 and "没有与该案件编号和查询码相符的申请" in unknown.text


class TestRouting:
    def test_transfer_sign_for_and_the_heads_approval_through_the_console(
        self, stack: ApiStack, chromium: Any, checker: PageChecker
    ) -> None:
        """转办 to 法规科, 签收 there only, then the handler's extension request approved by the head.

        The clerk transfers the case; a reviewer of another department is offered nothing; 法规科 signs for
        it and finds it in its department's queue; the handler asks for an extension, which the head
        approves from the approval queue.
        """
        for name, role, department in (
            ("zhou", "reviewer", "法规科"),
            ("qian", "reviewer", "办公室"),
            ("zhao", "head", "办公室"),
        ):
            added = stack.ogi("user", "add", name, "--role", role, "--department", department)
            assert added.returncode == 0, added.stderr
            stack.password(name, PASSWORD)
        made = stack.call("POST", "/v1/cases", stack.user("clerk", "intake"), application())
        assert made.status_code == 201, made.text
        case_id = made.json()["id"]

        clerk = sign_in(chromium, stack, "clerk")
        open_case(clerk, stack, case_id)
        act(clerk, "transfer", {"department": "法规科", "reason": "涉及行政规范性文件"})
        checker.check(clerk, "case-transferred")
        assert "法规科" in clerk.inner_text("main")

        qian = sign_in(chromium, stack, "qian")  # a reviewer of another department: not theirs to sign for
        open_case(qian, stack, case_id)
        assert qian.locator("details[data-action=sign_for]").count() == 0
        assert qian.locator("details[data-action=approve]").count() == 0  # nobody handles it before 签收

        zhou = sign_in(chromium, stack, "zhou")
        open_case(zhou, stack, case_id)
        act(zhou, "sign_for")
        zhou.goto(f"{stack.base}/console/queues?q=department")
        assert zhou.locator(f"a:text-is('{case_id}')").count() == 1
        checker.check(zhou, "queue-department")
        open_case(zhou, stack, case_id)
        due_before = zhou.inner_text("[data-due]") if zhou.locator("[data-due]").count() else ""
        act(zhou, "request_approval", {"kind": "extension", "reason": "需要调取多个年度的档案", "days": "15"})

        zhao = sign_in(chromium, stack, "zhao")
        zhao.goto(f"{stack.base}/console/queues?q=approval")
        assert zhao.locator(f"a:text-is('{case_id}')").count() == 1
        checker.check(zhao, "queue-approval")
        open_case(zhao, stack, case_id)
        act(zhao, "decide_request", {"approve": "true"})
        checker.check(zhao, "case-extended")
        shown = stack.call("GET", f"/v1/cases/{case_id}", stack.user("li", "reviewer", "secrecy_reviewer")).json()
        assert shown["extension"] is not None and shown["extension"]["by"] == "zhao"
        assert shown["pending_request"] is None and shown["department"] == "法规科"
        if due_before:
            assert zhao.inner_text("[data-due]") != due_before
        assert not checker.critical, "\n".join(checker.critical)


def lookup_stage(stack: ApiStack, case_id: str, code: str) -> str:
    """The case's status through the public API (polling while the reply is sent)."""
    import httpx

    done = httpx.get(f"{stack.base}/v1/public/status/{case_id}", params={"code": code}, timeout=30)
    return "closed" if done.status_code == 200 and done.json()["outcome"] else "open"


class TestSessions:
    def test_wrong_password_logout_and_the_session_ends(
        self, stack: ApiStack, chromium: Any, checker: PageChecker
    ) -> None:
        """A wrong password is refused; signing out ends the session in the store, so the cookie opens nothing."""
        page = chromium.new_context(viewport=DESKTOP).new_page()
        page.goto(f"{stack.base}/console/login")
        page.fill("#username", "clerk")
        page.fill("#password", "not-the-password")
        page.click("button[type=submit]")
        assert page.locator(".notice.bad").count() == 1
        checker.check(page, "login-failed")
        page = sign_in(chromium, stack, "clerk")
        cookies = page.context.cookies()
        page.click("header form button")
        page.wait_for_url(re.compile(r"/console/login\?bye=1"))
        again = chromium.new_context(viewport=DESKTOP)
        again.add_cookies(cookies)
        replayed = again.new_page()
        replayed.goto(f"{stack.base}/console/queues")
        assert "/console/login" in replayed.url

    def test_a_post_without_the_sessions_csrf_token_is_refused(self, stack: ApiStack, chromium: Any) -> None:
        """The session cookie alone does not make a form post: no token or a wrong one is 403 and nothing happens."""
        page = sign_in(chromium, stack, "clerk")
        missing = page.request.post(f"{stack.base}/console/logout", form={}, max_redirects=0)
        wrong = page.request.post(f"{stack.base}/console/logout", form={"csrf": "x" * 43}, max_redirects=0)
        assert (missing.status, wrong.status) == (403, 403)
        page.goto(f"{stack.base}/console/queues")
        assert "/console/queues" in page.url  # still signed in


class TestRolesAndPrivacy:
    def test_a_supervisor_sees_only_its_queues_and_no_personal_data(
        self, stack: ApiStack, chromium: Any, checker: PageChecker
    ) -> None:
        """The supervisor's queues are due-soon and overdue; the case shows no applicant data; supervision and report render."""
        sun = sign_in(chromium, stack, "sun")
        sun.goto(f"{stack.base}/console/queues")
        tabs = {a.get_attribute("data-queue") for a in sun.locator("[data-queue]").all()}
        assert tabs == {"due_soon", "overdue"}
        forbidden = sun.goto(f"{stack.base}/console/queues?q=review")
        assert forbidden is not None and forbidden.status == 403
        case_id = next(iter(_any_case(stack)))
        open_case(sun, stack, case_id)
        assert sun.locator("[data-personal]").count() == 0
        assert sun.locator("details.action").count() == 0
        checker.check(sun, "case-as-supervisor")
        sun.goto(f"{stack.base}/console/supervision")
        sun.wait_for_selector("[data-stat=open]")
        checker.check(sun, "supervision")
        sun.goto(f"{stack.base}/console/report")
        sun.wait_for_selector("table.form-table")
        checker.check(sun, "report")
        download = sun.request.get(f"{stack.base}/console/report.xlsx")
        assert download.status == 200 and download.body()[:2] == b"PK"
        sun.click("header .who a[href^='/lang']")
        sun.wait_for_selector("text=Annual report on government information disclosure")
        checker.check(sun, "report-en")
        assert not checker.critical, "\n".join(checker.critical)


def _any_case(stack: ApiStack) -> list[str]:
    listed = stack.call("GET", "/v1/cases", stack.tokens["clerk"], closed="true")
    found = [c["id"] for c in listed.json()["cases"]]
    if not found:
        listed = stack.call("GET", "/v1/cases", stack.tokens["clerk"])
        found = [c["id"] for c in listed.json()["cases"]]
    if not found:
        from tests.api_stack import application

        made = stack.call("POST", "/v1/cases", stack.tokens["clerk"], application())
        found = [made.json()["id"]]
    return found


class TestAttachmentsApi:
    def test_upload_list_and_read_back_through_the_api(self, stack: ApiStack) -> None:
        """Intake attaches a scan over HTTP; a reviewer reads it back; a supervisor may not; an executable is refused."""
        import httpx

        from tests.api_stack import application

        made = stack.call("POST", "/v1/cases", stack.tokens["clerk"], application())
        case_id = made.json()["id"]
        png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

        def upload(token: str, kind: str, content: bytes) -> httpx.Response:
            return httpx.post(
                f"{stack.base}/v1/cases/{case_id}/attachments",
                headers={"Authorization": f"Bearer {token}"},
                data={"kind": kind},
                files={"file": ("scan.pdf", content, "application/pdf")},
                timeout=30,
            )

        done = upload(stack.tokens["clerk"], "business_licence", png)
        assert done.status_code == 201, done.text
        assert done.json()["content_type"] == "image/png"  # by its bytes, not its name or declared type
        refused = upload(stack.tokens["clerk"], "id_document", b"MZ\x90\x00 not a scan")
        assert (refused.status_code, refused.json()["code"]) == (422, "bad_input.attachment_type")
        listed = stack.call("GET", f"/v1/cases/{case_id}/attachments", stack.tokens["li"])
        assert [a["kind"] for a in listed.json()] == ["business_licence"]
        path = f"/v1/cases/{case_id}/attachments/{done.json()['id']}"
        assert stack.call("GET", path, stack.tokens["li"]).content == png
        assert stack.call("GET", path, stack.tokens["sun"]).status_code == 403
        assert png not in (stack.home / "attachments" / case_id / f"{done.json()['id']}.bin").read_bytes()
