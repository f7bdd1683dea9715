"""Payload encryption for case data: AES-256-GCM (or SM4-GCM) under rotating keys; plain JSON let through.

Applications carry personal data (applicant name, ID number, phone, address), and Temporal stores every
workflow input, result, signal and update in its history. Every payload ogi writes is encrypted before it
leaves the process, unless ``OGI_ENCRYPTION=off``; the Temporal service, its database and its Web UI see
only ciphertext (the Web UI reads cases through the codec server, ``ogi codec-server``).

Keys, read once per process by :func:`load_codec`:

- ``OGI_KEYS_FILE``: a JSON key file ``{"active": "k2", "keys": {"k1": "<base64>", "k2": "<base64>"},
  "algorithms": {"k2": "SM4-GCM"}}`` (``ogi keys new`` creates and rotates it; a key without an algorithm is
  AES-256-GCM). New payloads use the active key; every listed key still decrypts, so cases started before
  a rotation stay readable.
- ``OGI_ENCRYPTION_KEY``: one base64 key, id ``env`` unless ``OGI_ENCRYPTION_KEY_ID`` names another; for
  deployments whose secret store hands out a single value.
- Neither: the home's ``keys/payload.json``, created on first use (mode 0600) with the suite's cipher
  (``OGI_CRYPTO_SUITE``).

Payloads that are not encrypted (``json/plain`` from the ``temporal`` CLI or another language's client) pass
through :meth:`EncryptionCodec.decode` unchanged, so any Temporal client can still drive a case.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from cryptography.exceptions import InvalidTag
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

from domain.errors import OgiError
from infra.crypto import AEAD_KEY_SIZE, aead_decrypt, aead_encrypt, suite
from infra.paths import keys_dir, private_dir
from infra.settings import settings

ENCODING = b"binary/encrypted"
KEY_ID_METADATA = "encryption-key-id"
NONCE_SIZE = 12
KEY_SIZE = 32
ENV_KEY_ID = "env"

KEYS_FILE_VAR = "OGI_KEYS_FILE"
KEY_VAR = "OGI_ENCRYPTION_KEY"
KEY_ID_VAR = "OGI_ENCRYPTION_KEY_ID"

_KEY_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_NUMBERED = re.compile(r"^k(\d+)$")


class KeyConfigError(OgiError):
    """The encryption keys are missing, malformed or do not match a payload; the message says what to fix."""


class UnknownKeyError(KeyConfigError):
    """A payload was encrypted with a key this process does not have."""

    def __init__(self, key_id: str, known: Iterable[str]) -> None:
        super().__init__(
            f"payload was encrypted with key '{key_id}', which is not among the configured keys "
            f"({', '.join(sorted(known))}); add key '{key_id}' back to the keys file named by {KEYS_FILE_VAR} "
            "(rotation keeps old keys: 'ogi keys new' adds one and keeps the rest) and restart this process"
        )
        self.key_id = key_id


DEFAULT_CIPHER = "AES-256-GCM"


def _decode_key(key_id: str, value: str, alg: str = DEFAULT_CIPHER) -> bytes:
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"key '{key_id}' is not valid base64") from None
    size = AEAD_KEY_SIZE.get(alg)
    if size is None:
        raise ValueError(f"key '{key_id}' names the unknown cipher {alg!r}; use one of {', '.join(AEAD_KEY_SIZE)}")
    if len(raw) != size:
        raise ValueError(f"key '{key_id}' is {len(raw)} bytes; {alg} needs {size} (base64 of {size} random bytes)")
    return raw


class KeyRing(BaseModel):
    """The key file's content: every key by id (base64 of 32 bytes) and the id of the one that encrypts."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    active: str = Field(description="Id of the key new payloads are encrypted with.", examples=["k2"])
    keys: dict[str, str] = Field(
        description="Every key by id, base64 of random bytes; old keys stay to decrypt old payloads.",
        min_length=1,
    )
    algorithms: dict[str, str] = Field(
        default={},
        description="The cipher of each key by id (AES-256-GCM or SM4-GCM); a key not listed is AES-256-GCM.",
    )

    @field_validator("keys")
    @classmethod
    def _key_ids(cls, keys: dict[str, str]) -> dict[str, str]:
        for key_id in keys:
            if not _KEY_ID.match(key_id):
                raise ValueError(f"key id '{key_id}' must be 1-64 letters, digits, '.', '_' or '-'")
        return keys

    @model_validator(mode="after")
    def _active_is_known(self) -> KeyRing:
        if self.active not in self.keys:
            raise ValueError(f"active key '{self.active}' is not in keys ({', '.join(sorted(self.keys))})")
        for key_id, value in self.keys.items():
            _decode_key(key_id, value, self.algorithm(key_id))
        return self

    def algorithm(self, key_id: str) -> str:
        """The cipher of a key."""
        return self.algorithms.get(key_id, DEFAULT_CIPHER)

    def secrets(self) -> dict[str, bytes]:
        """The raw key bytes by id."""
        return {key_id: _decode_key(key_id, value, self.algorithm(key_id)) for key_id, value in self.keys.items()}

    @classmethod
    def read(cls, path: Path) -> KeyRing:
        """The key ring in a key file, validated."""
        try:
            text = path.read_text("utf-8")
        except FileNotFoundError:
            raise KeyConfigError(
                f"keys file {path} does not exist; create it with 'ogi keys new --file {path}' or unset {KEYS_FILE_VAR}"
            ) from None
        except OSError as exc:
            raise KeyConfigError(f"cannot read keys file {path}: {exc.strerror}") from None
        try:
            return cls.model_validate_json(text)
        except ValidationError as exc:
            problems = "; ".join(_problem(error) for error in exc.errors())
            raise KeyConfigError(f"keys file {path} is not valid: {problems}") from None


def _problem(error: ErrorDetails) -> str:
    # pydantic's message without the offending input: that input is key material.
    where = ".".join(str(part) for part in error["loc"])
    message = error["msg"]
    return f"{where}: {message}" if where else message


def _add_key(ring: KeyRing | None, key_id: str | None) -> tuple[str, KeyRing]:
    keys = dict(ring.keys) if ring else {}
    algorithms = dict(ring.algorithms) if ring else {}
    if key_id is None:
        numbers = [int(m.group(1)) for m in map(_NUMBERED.match, keys) if m]
        key_id = f"k{max(numbers, default=0) + 1}"
    if key_id in keys:
        raise KeyConfigError(f"key '{key_id}' already exists; choose another id (old keys are never replaced)")
    if not _KEY_ID.match(key_id):
        raise KeyConfigError(f"key id '{key_id}' must be 1-64 letters, digits, '.', '_' or '-'")
    cipher = suite(settings().crypto_suite).cipher
    secret = base64.b64encode(os.urandom(AEAD_KEY_SIZE[cipher])).decode("ascii")
    if cipher != DEFAULT_CIPHER:
        algorithms[key_id] = cipher
    return key_id, KeyRing(active=key_id, keys={**keys, key_id: secret}, algorithms=algorithms)


def new_keys_file(path: Path, key_id: str | None = None) -> tuple[str, KeyRing]:
    """Create the key file, or rotate it: add a new key and make it active, keeping every old key.

    The file is replaced atomically and readable by its owner only (mode 0600). When the file does not exist
    yet and ``OGI_ENCRYPTION_KEY`` is set, that key is carried over under its id, so payloads encrypted while
    running on the environment key stay readable after switching to the file.

    Returns:
        The new key's id and the ring now in the file.
    """
    old: KeyRing | None = None
    if path.exists():
        old = KeyRing.read(path)
    elif env_ring := _ring_from_env():
        old = env_ring
    new_id, ring = _add_key(old, key_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")  # created 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(json.dumps(ring.model_dump(), indent=2) + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return new_id, ring


def default_keys_file() -> Path:
    """The key file of the embedded default: ``keys/payload.json`` in the home."""
    return keys_dir() / "payload.json"


def _first_use_ring(path: Path) -> KeyRing:
    """The default key file's ring, created once (mode 0600) if missing, whoever asks first."""
    if path.exists():
        return KeyRing.read(path)
    private_dir(path.parent)
    _, ring = _add_key(None, None)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(json.dumps(ring.model_dump(), indent=2) + "\n")
        out.flush()
        os.fsync(out.fileno())
    try:
        os.link(tmp, path)  # fails if another process linked its key first: theirs is the key
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return KeyRing.read(path)


def _ring_from_env() -> KeyRing | None:
    value = os.environ.get(KEY_VAR, "").strip()
    if not value:
        return None
    key_id = os.environ.get(KEY_ID_VAR, "").strip() or ENV_KEY_ID
    try:
        return KeyRing(active=key_id, keys={key_id: value})
    except ValidationError as exc:
        problems = "; ".join(_problem(error) for error in exc.errors())
        raise KeyConfigError(f"{KEY_VAR} is not a usable key: {problems}") from None


def load_keyring() -> KeyRing | None:
    """The keys configured for this process (``OGI_KEYS_FILE`` or ``OGI_ENCRYPTION_KEY``), or None for none.

    Raises:
        KeyConfigError: a key is configured but unusable, or both variables are set. A broken configuration
            never falls back to plaintext.
    """
    file = os.environ.get(KEYS_FILE_VAR, "").strip()
    env_ring = _ring_from_env()
    if file and env_ring:
        raise KeyConfigError(
            f"both {KEYS_FILE_VAR} and {KEY_VAR} are set; keep one (to move the environment key into the file, "
            f"unset {KEYS_FILE_VAR} and run 'ogi keys new --file FILE', then unset {KEY_VAR})"
        )
    if file:
        return KeyRing.read(Path(file))
    if env_ring is not None:
        return env_ring
    if not settings().encryption_on:
        return None
    return _first_use_ring(default_keys_file())


def sealing_keyring() -> KeyRing:
    """The keys files at rest are sealed with: the configured payload keys, else the home's own (made on first use).

    Unlike payloads, such files (applicants' attachments) are sealed even with ``OGI_ENCRYPTION=off``.
    """
    return load_keyring() or _first_use_ring(default_keys_file())


class EncryptionCodec(PayloadCodec):
    """AES-256-GCM over whole payloads: metadata ``encoding=binary/encrypted`` and ``encryption-key-id``.

    The encrypted data is a random 12-byte nonce followed by the GCM ciphertext and tag of the serialized
    original payload, the layout of Temporal's encryption samples in every SDK.
    """

    def __init__(
        self, keys: Mapping[str, bytes], active_key_id: str, algorithms: Mapping[str, str] | None = None
    ) -> None:
        if active_key_id not in keys:
            raise KeyConfigError(f"active key '{active_key_id}' is not among the keys ({', '.join(sorted(keys))})")
        algs = algorithms or {}
        self._ciphers = {key_id: (algs.get(key_id, DEFAULT_CIPHER), key) for key_id, key in keys.items()}
        self._active = active_key_id
        self._active_metadata = active_key_id.encode("utf-8")

    @classmethod
    def from_keyring(cls, ring: KeyRing) -> EncryptionCodec:
        """A codec that encrypts with the ring's active key and decrypts with any of its keys."""
        return cls(ring.secrets(), ring.active, {k: ring.algorithm(k) for k in ring.keys})

    @property
    def active_key_id(self) -> str:
        """Id of the key new payloads are encrypted with."""
        return self._active

    @property
    def key_ids(self) -> list[str]:
        """Ids of every key this codec decrypts with."""
        return sorted(self._ciphers)

    def encrypt(self, payloads: Iterable[Payload]) -> list[Payload]:
        """Encrypt each payload with the active key (synchronous core of :meth:`encode`)."""
        alg, key = self._ciphers[self._active]
        encrypted: list[Payload] = []
        for payload in payloads:
            data = aead_encrypt(alg, key, payload.SerializeToString())
            encrypted.append(
                Payload(metadata={"encoding": ENCODING, KEY_ID_METADATA: self._active_metadata}, data=data)
            )
        return encrypted

    def decrypt(self, payloads: Iterable[Payload]) -> list[Payload]:
        """Decrypt each encrypted payload with the key it names; others pass unchanged (core of :meth:`decode`).

        Raises:
            UnknownKeyError: a payload names a key this codec does not have.
            KeyConfigError: a payload fails authentication (wrong key material under its id, or altered).
        """
        decrypted: list[Payload] = []
        for payload in payloads:
            if payload.metadata.get("encoding") != ENCODING:
                decrypted.append(payload)
                continue
            key_id = payload.metadata.get(KEY_ID_METADATA, b"").decode("utf-8", "replace")
            found = self._ciphers.get(key_id)
            if found is None:
                raise UnknownKeyError(key_id, self._ciphers)
            try:
                plain = aead_decrypt(found[0], found[1], payload.data)
            except InvalidTag:
                raise KeyConfigError(
                    f"payload encrypted with key '{key_id}' does not decrypt with the key configured as "
                    f"'{key_id}': the key file holds different key material under that id, or the payload "
                    "was altered"
                ) from None
            decrypted.append(Payload.FromString(plain))
        return decrypted

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        """Encrypt each payload with the active key."""
        return self.encrypt(payloads)

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        """Decrypt encrypted payloads; plain ones (e.g. ``json/plain`` from the temporal CLI) pass unchanged."""
        return self.decrypt(payloads)


def load_codec() -> EncryptionCodec | None:
    """The codec for this process's configured keys, or None when no key is configured.

    Raises:
        KeyConfigError: a key is configured but unusable.
    """
    ring = load_keyring()
    return EncryptionCodec.from_keyring(ring) if ring else None
