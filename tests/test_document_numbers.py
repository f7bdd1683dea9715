"""Document numbers (文号): per agency and year, gap-free, idempotent per document, on SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date

from infra.document_numbers import (
    StoredFile,
    allocate_document_number,
    issued_documents,
    issued_on_day,
    latest_reply,
    record_issued,
)

PATTERN = "{short}依申请〔{year}〕{seq}号"


def allocate(case_id: str, kind: str = "reply", key: str = "main", code: str = "LAMZ", year: int = 2026) -> str:
    number = allocate_document_number(
        case_id, kind, key, agency_code=code, year=year, pattern=PATTERN, short="六民"
    ).number
    assert number is not None
    return number


class TestAllocation:
    def test_numbers_follow_the_pattern_without_gaps(self, store_url: str) -> None:
        """Consecutive documents get 1, 2, 3 in the agency's pattern."""
        got = [allocate(f"LAMZ-2026-{i:06d}") for i in range(1, 4)]
        assert got == ["六民依申请〔2026〕1号", "六民依申请〔2026〕2号", "六民依申请〔2026〕3号"]

    def test_a_retry_gets_its_number_back(self, store_url: str) -> None:
        """The same (case, kind, key) always has the same number; no number is used up by the retry."""
        first = allocate("LAMZ-2026-000001")
        again = allocate_document_number(
            "LAMZ-2026-000001", "reply", "main", agency_code="LAMZ", year=2026, pattern=PATTERN, short="六民"
        )
        assert again.number == first and not again.new
        assert allocate("LAMZ-2026-000002") == "六民依申请〔2026〕2号"

    def test_each_agency_and_year_counts_alone(self, store_url: str) -> None:
        """Another agency, or the next year, starts again at 1; kinds and keys share the agency's series."""
        assert allocate("LAMZ-2026-000001") == "六民依申请〔2026〕1号"
        assert allocate("LAMZ-2026-000001", kind="extension_notice") == "六民依申请〔2026〕2号"
        assert allocate("LAMZ-2026-000001", kind="consultation_letter", key="c1") == "六民依申请〔2026〕3号"
        assert allocate("LACZ-2026-000001", code="LACZ") == "六民依申请〔2026〕1号"
        assert allocate("LAMZ-2027-000001", year=2027) == "六民依申请〔2027〕1号"

    def test_concurrent_allocations_are_unique_and_gap_free(self, store_url: str) -> None:
        """Twelve documents allocated at once (each twice, as retries would) get 1..12 exactly once."""
        cases = [f"LAMZ-2026-{i:06d}" for i in range(1, 13)]
        with ThreadPoolExecutor(max_workers=6) as pool:
            numbers = list(pool.map(allocate, cases + cases))
        first, second = numbers[:12], numbers[12:]
        assert first == second
        seqs = sorted(int(n.split("〕")[1].rstrip("号")) for n in first)
        assert seqs == list(range(1, 13))


class TestRegister:
    def test_issued_documents_are_found_again(self, store_url: str) -> None:
        """A reply entered as issued is the earlier reply a repeated request names, with its date and files."""
        allocate("LAMZ-2026-000001")
        files = [StoredFile(format="pdf", path="/x/reply.pdf", sha256="ab" * 32)]
        record_issued(
            "LAMZ-2026-000001",
            "reply",
            "main",
            agency_code="LAMZ",
            issued_on=date(2026, 3, 9),
            files=files,
            delivery="post",
        )
        record_issued(
            "LAMZ-2026-000001", "acknowledgement", "main", agency_code="LAMZ", issued_on=date(2026, 3, 2), files=[]
        )
        earlier = latest_reply(["LAMZ-2026-000001", "LAMZ-2026-000099"])
        assert earlier is not None
        assert (earlier.number, earlier.issued_on, earlier.files) == ("六民依申请〔2026〕1号", date(2026, 3, 9), files)
        assert [d.kind for d in issued_documents("LAMZ-2026-000001")] == ["reply", "acknowledgement"]
        assert [d.case_id for d in issued_on_day("LAMZ", date(2026, 3, 9), delivery="post")] == ["LAMZ-2026-000001"]
        assert issued_on_day("LAMZ", date(2026, 3, 9), delivery="email") == []

    def test_a_number_not_yet_issued_is_no_earlier_reply(self, store_url: str) -> None:
        """A reply whose number was taken but which was never issued is not named by a later reply."""
        allocate("LAMZ-2026-000001")
        assert latest_reply(["LAMZ-2026-000001"]) is None
