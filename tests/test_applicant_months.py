"""Fees by count need the applicant's n-th application in a month: keyed pseudonyms and their counts."""

from __future__ import annotations

import os
import stat
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.intake import RegisterRequest, register_application
from domain.applicant_key import applicant_key, content_key, key_fingerprint
from domain.application import Applicant
from infra import store
from infra.applicant_secret import KEY_FILE, KEY_VAR, ApplicantKeyError, applicant_secret
from infra.store import ApplicantMark
from tests.store_support import sql_rows, sql_run
from tests.workflow_support import application

PERSON = Applicant(kind="natural_person", name="张三", id_number="34150219800101001X", phone="13800000000")
SECRET = b"k" * 32
SHARED = "shared-by-every-worker-0123456789abcdef"


class TestApplicantKey:
    def test_same_identity_same_key_however_written(self) -> None:
        """Spaces, a lower-case check letter or another phone do not make another applicant."""
        again = PERSON.model_copy(update={"id_number": " 34150219800101001x ", "phone": "0564-1234567"})
        assert applicant_key(again, SECRET) == applicant_key(PERSON, SECRET)

    def test_other_identity_or_secret_other_key(self) -> None:
        """Another ID number, or the same one under another installation's key, is another pseudonym."""
        other = PERSON.model_copy(update={"id_number": "110101199003070011"})
        assert applicant_key(other, SECRET) != applicant_key(PERSON, SECRET)
        assert applicant_key(PERSON, b"other") != applicant_key(PERSON, SECRET)

    def test_without_id_number_by_name_and_phone(self) -> None:
        """Without an ID number the name and phone digits identify the applicant."""
        bare = PERSON.model_copy(update={"id_number": None})
        spaced = bare.model_copy(update={"name": "张 三", "phone": "138 0000 0000"})
        assert applicant_key(spaced, SECRET) == applicant_key(bare, SECRET)
        assert applicant_key(bare.model_copy(update={"phone": "13900000000"}), SECRET) != applicant_key(bare, SECRET)

    def test_name_alone_is_no_identity(self) -> None:
        """Without identity number, phone or e-mail there is no pseudonym: two people named alike stay apart."""
        bare = PERSON.model_copy(update={"id_number": None, "phone": None, "address": "某路1号"})
        assert applicant_key(bare, SECRET) is None
        assert applicant_key(bare, SECRET, email="  ") is None

    def test_without_id_or_phone_by_name_and_email(self) -> None:
        """The e-mail of the application recognises an applicant who gave neither identity number nor phone."""
        bare = PERSON.model_copy(update={"id_number": None, "phone": None})
        key = applicant_key(bare, SECRET, email="Zhang@Example.com")
        assert key is not None
        assert applicant_key(bare, SECRET, email="zhang@example.com ") == key
        assert applicant_key(bare, SECRET, email="li@example.com") != key

    def test_key_reveals_nothing_of_the_identity(self) -> None:
        """The pseudonym is a 64-hex HMAC: no part of the ID number or name is in it."""
        key = applicant_key(PERSON, SECRET)
        assert len(key) == 64 and int(key, 16) >= 0
        assert "1980" not in key and "张" not in key


class TestSecret:
    def test_created_once_private_and_reused(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without OGI_APPLICANT_KEY the home gets a private key file on first use; later calls read it."""
        monkeypatch.delenv(KEY_VAR, raising=False)
        monkeypatch.setenv("OGI_HOME", str(tmp_path))
        first = applicant_secret()
        assert len(first) == 64
        assert stat.S_IMODE(os.stat(tmp_path / KEY_FILE).st_mode) == 0o600
        assert applicant_secret() == first
        assert [p.name for p in tmp_path.iterdir() if not p.name.startswith(".")] == [KEY_FILE]

    def test_environment_wins(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """OGI_APPLICANT_KEY, when set, is the key (a trailing newline from a secrets file dropped); no file is made."""
        monkeypatch.setenv("OGI_HOME", str(tmp_path))
        monkeypatch.setenv(KEY_VAR, SHARED + "\n")
        assert applicant_secret() == SHARED.encode()
        assert not (tmp_path / KEY_FILE).exists()

    def test_short_environment_key_is_refused_without_echoing_it(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A short key is refused with how to make a good one; the key itself is not in the message."""
        monkeypatch.setenv(KEY_VAR, "letmein-applicants")
        with pytest.raises(ApplicantKeyError) as caught:
            applicant_secret()
        assert "fewer than 32" in str(caught.value) and "token_hex" in str(caught.value)
        assert "letmein" not in str(caught.value)


class TestKeyFingerprint:
    def test_first_key_is_recorded_another_is_refused(self, store_url: str) -> None:
        """The store remembers the first key's fingerprint; another key is refused naming both fingerprints."""
        mine, theirs = key_fingerprint(SECRET), key_fingerprint(b"o" * 32)
        store.claim_key("applicant", mine)
        store.claim_key("applicant", mine)
        store.reset_engines()  # a restart checks against the store again, not a cache
        store.claim_key("applicant", mine)
        with pytest.raises(store.KeyMismatch) as caught:
            store.claim_key("applicant", theirs)
        assert mine in str(caught.value) and theirs in str(caught.value)
        assert "same OGI_APPLICANT_KEY" in str(caught.value)
        assert sql_rows(store_url, "SELECT name, fingerprint FROM installation_keys") == [("applicant", mine)]

    def test_a_worker_with_another_key_registers_nothing(
        self, store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Intake on a worker holding another key fails (retryably) before numbering: nothing is counted."""
        monkeypatch.setenv("OGI_HOME", str(tmp_path))
        monkeypatch.setenv(KEY_VAR, SHARED)
        env = ActivityEnvironment()
        first = env.run(register_application, RegisterRequest(application=application(), today=date.today()))
        assert first.case_id.endswith("-000001")
        monkeypatch.setenv(KEY_VAR, "z" * 40)
        store.reset_engines()
        with pytest.raises(ApplicationError) as caught:
            env.run(register_application, RegisterRequest(application=application(), today=date.today()))
        assert caught.value.type == "ConfigError" and not caught.value.non_retryable
        assert sql_rows(store_url, "SELECT COUNT(*) FROM case_numbers") == [(1,)]


def mark(month: str, key: str, content: str = "c") -> ApplicantMark:
    """An applicant's mark with plain stand-ins for the pseudonyms."""
    return ApplicantMark(month=month, applicant_key=key, content_key=content)


class TestContentKey:
    def test_same_request_however_spaced_or_punctuated(self) -> None:
        """Spacing, full-width forms and punctuation do not make another request."""
        a = content_key("申请公开2019年度城乡最低生活保障资金发放情况。", SECRET)
        b = content_key(" 申请公开 ２０１９ 年度，城乡最低生活保障资金发放情况 ", SECRET)
        assert a == b
        assert content_key("申请公开2020年度城乡最低生活保障资金发放情况", SECRET) != a


class TestCounting:
    def test_ranks_per_applicant_agency_and_month(self, store_url: str) -> None:
        """Each new application is counted once in its applicant's month at its agency."""
        march, april = mark("2026-03", "key-a"), mark("2026-04", "key-a")
        ranks = [
            store.allocate_case_number("局", "TEST", 2026, f"r{n}", f"run{n}", applicant=march).applicant_month_rank
            for n in range(3)
        ]
        assert ranks == [1, 2, 3]
        assert store.allocate_case_number("局", "TEST", 2026, "r3", "run3", applicant=april).applicant_month_rank == 1
        other = store.allocate_case_number("局", "TEST", 2026, "r4", "run4", applicant=mark("2026-03", "key-b"))
        assert other.applicant_month_rank == 1
        elsewhere = store.allocate_case_number("署", "ELSE", 2026, "r0", "run5", applicant=march)
        assert elsewhere.applicant_month_rank == 1

    def test_retry_and_duplicate_do_not_count_again(self, store_url: str) -> None:
        """A retried registration gets its rank back; a duplicate reference learns the case, uncounted."""
        who = mark("2026-03", "key-a")
        first = store.allocate_case_number("局", "TEST", 2026, "r1", "run1", applicant=who)
        retried = store.allocate_case_number("局", "TEST", 2026, "r1", "run1", applicant=who)
        duplicate = store.allocate_case_number("局", "TEST", 2026, "r1", "run2", applicant=who)
        assert (first.applicant_month_rank, retried.applicant_month_rank) == (1, 1)
        assert duplicate.duplicate and duplicate.case_id == first.case_id
        assert store.allocate_case_number("局", "TEST", 2026, "r2", "run3", applicant=who).applicant_month_rank == 2

    def test_store_of_version_2_gains_the_counts(self, store_url: str) -> None:
        """A store made before counting keeps its numbers (their rank unknown); its next registration is counted."""
        sql_run(
            store_url,
            "CREATE TABLE case_numbers (case_id VARCHAR(40) PRIMARY KEY, agency_code VARCHAR(16) NOT NULL, "
            "year INTEGER NOT NULL, seq INTEGER NOT NULL, agency VARCHAR(100) NOT NULL, "
            "external_ref VARCHAR(100) NOT NULL, intake_run_id VARCHAR(64) NOT NULL, "
            "created_at TIMESTAMP NOT NULL)",
            "INSERT INTO case_numbers VALUES ('TEST-2026-000001', 'TEST', 2026, 1, '局', 'old', 'run0', "
            "'2026-03-02 08:00:00')",
            "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, "
            "applied_at TIMESTAMP NOT NULL)",
            "INSERT INTO schema_version VALUES (1, 'earlier', '2026-01-01 00:00:00')",
            "INSERT INTO schema_version VALUES (2, 'earlier', '2026-01-01 00:00:00')",
            "CREATE TABLE case_counters (agency_code VARCHAR(16), year INTEGER, last_seq INTEGER NOT NULL, "
            "PRIMARY KEY (agency_code, year))",
            "INSERT INTO case_counters VALUES ('TEST', 2026, 1)",
        )
        old = store.allocate_case_number("局", "TEST", 2026, "old", "run0", applicant=mark("2026-03", "key-a"))
        assert (old.case_id, old.applicant_month_rank) == ("TEST-2026-000001", None)  # registered uncounted
        new = store.allocate_case_number("局", "TEST", 2026, "new", "run1", applicant=mark("2026-03", "key-a"))
        assert (new.case_id, new.applicant_month_rank) == ("TEST-2026-000002", 1)
        versions = sql_rows(store_url, "SELECT version FROM schema_version ORDER BY version")
        assert [r[0] for r in versions] == list(range(1, store.SCHEMA_VERSION + 1))
        assert sql_rows(store_url, "SELECT requests FROM applicant_months") == [(1,)]

    def test_applicant_not_recognised_is_not_counted(self, store_url: str) -> None:
        """Intake with no applicant mark: a number, no rank (None), nothing counted; a retry agrees."""
        first = store.allocate_case_number("局", "TEST", 2026, "r1", "run1", applicant=None)
        assert (first.case_id, first.applicant_month_rank, first.same_content_as) == ("TEST-2026-000001", None, ())
        assert store.allocate_case_number("局", "TEST", 2026, "r1", "run1").applicant_month_rank is None
        assert sql_rows(store_url, "SELECT COUNT(*) FROM applicant_months") == [(0,)]

    def test_same_content_lists_earlier_cases_of_the_applicant(self, store_url: str) -> None:
        """The applicant's earlier cases with the same content, oldest first; other content or people do not count."""
        first = store.allocate_case_number("局", "TEST", 2026, "r1", "run1", applicant=mark("2026-03", "a", "x"))
        store.allocate_case_number("局", "TEST", 2026, "r2", "run2", applicant=mark("2026-03", "a", "y"))
        store.allocate_case_number("局", "TEST", 2026, "r3", "run3", applicant=mark("2026-03", "b", "x"))
        second = store.allocate_case_number("局", "TEST", 2026, "r4", "run4", applicant=mark("2026-05", "a", "x"))
        third = store.allocate_case_number("局", "TEST", 2026, "r5", "run5", applicant=mark("2026-06", "a", "x"))
        assert first.same_content_as == ()
        assert second.same_content_as == (first.case_id,)
        assert third.same_content_as == (first.case_id, second.case_id)
        retried = store.allocate_case_number("局", "TEST", 2026, "r4", "run4", applicant=mark("2026-05", "a", "x"))
        assert retried.same_content_as == (first.case_id,)
        other_agency = store.allocate_case_number("署", "ELSE", 2026, "r1", "run6", applicant=mark("2026-06", "a", "x"))
        assert other_agency.same_content_as == ()

    def test_a_new_worker_without_the_key_does_not_make_its_own(
        self, store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The store holds pseudonyms; a worker with neither OGI_APPLICANT_KEY nor a key file makes no new key."""
        first_home, new_home = tmp_path / "first", tmp_path / "new"
        monkeypatch.setenv("OGI_HOME", str(first_home))
        monkeypatch.delenv(KEY_VAR, raising=False)
        env = ActivityEnvironment()
        env.run(register_application, RegisterRequest(application=application(), today=date.today()))
        assert (first_home / KEY_FILE).exists()
        monkeypatch.setenv("OGI_HOME", str(new_home))
        with pytest.raises(ApplicationError) as caught:
            env.run(register_application, RegisterRequest(application=application(), today=date.today()))
        assert "has no applicant key" in str(caught.value) and "copy applicant.key" in str(caught.value)
        assert not (new_home / KEY_FILE).exists()
        assert sql_rows(store_url, "SELECT COUNT(*) FROM case_numbers") == [(1,)]


class TestOfficeHoursCutoff:
    def test_a_submission_after_the_cutoff_is_due_a_working_day_later(
        self, store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """With a 17:30 cut-off, an online application at 18:05 counts from the next working day; 09:10 does not.

        The case's own first clock agrees with the one intake computed.
        """
        from domain.calendar import load_calendar
        from domain.case import CaseInput, initial_clock, new_case
        from domain.clock import clock_under

        config = tmp_path / "ogi.toml"
        config.write_text('[receipt]\noffice_hours_cutoff = "17:30:00"\n', "utf-8")
        monkeypatch.setenv("OGI_CONFIG", str(config))
        monkeypatch.setenv("OGI_HOME", str(tmp_path))
        monkeypatch.setenv(KEY_VAR, SHARED)
        env = ActivityEnvironment()
        day = date(2026, 11, 20)  # a Friday
        regs = {
            at: env.run(
                register_application,
                RegisterRequest(application=application(received=day.isoformat(), received_time=at), today=day),
            )
            for at in ("09:10:00", "18:05:00")
        }
        morning, evening = (regs[k].clock for k in ("09:10:00", "18:05:00"))
        assert morning is not None and evening is not None
        assert evening.due == load_calendar().add_working_days(morning.due, 1)
        late_app = application(received=day.isoformat(), received_time="18:05:00")
        facts = initial_clock(late_app, regs["18:05:00"].policy)
        assert facts is not None and facts.after_hours
        assert clock_under(regs["18:05:00"].policy, facts, load_calendar(), day).due == evening.due
        state = new_case(
            CaseInput(case_id="X-1", agency_code="X", application=late_app, policy=regs["18:05:00"].policy),
            datetime(2026, 11, 20, 10, tzinfo=UTC),
        )
        assert state.clock == facts

    def test_a_time_without_a_date_is_refused(self) -> None:
        """received_time alone says nothing: the application is refused with what to add."""
        from pydantic import ValidationError

        with pytest.raises(ValidationError, match="received_time is given without received"):
            application(received=None, channel="online", received_time="18:05:00")
