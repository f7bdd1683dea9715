"""The cryptographic suites ogi can run on, chosen by configuration (``OGI_CRYPTO_SUITE``).

``standard``: AES-256-GCM, Ed25519, HMAC-SHA256. ``sm``: SM4-GCM, SM2 (with SM3, GB/T 32918) and
HMAC-SM3, for deployments assessed under GB/T 39786 (商用密码应用安全性评估). Every key records its
algorithm beside its id, so a key keeps working after the suite for new keys changes.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

NONCE_SIZE = 12
TAG_SIZE = 16


class CryptoError(ValueError):
    """A key or algorithm cannot be used; the message says which."""


@dataclass(frozen=True)
class Signer:
    """A signature algorithm: key generation, signing, verification (keys as raw bytes)."""

    alg: str
    generate: Callable[[], tuple[bytes, bytes]]
    sign: Callable[[bytes, bytes], bytes]
    verify: Callable[[bytes, bytes, bytes], bool]


def _ed_generate() -> tuple[bytes, bytes]:
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return private, key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def _ed_sign(private: bytes, data: bytes) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(private).sign(data)


def _ed_verify(public: bytes, data: bytes, signature: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, data)
    except (InvalidSignature, ValueError):
        return False
    return True


def _sm2() -> Any:
    try:
        from gmssl import sm2  # type: ignore[import-untyped]  # optional: pip install 'ogi[sm]'
    except ImportError:
        msg = "the SM suite needs the gmssl package for SM2: pip install 'ogi[sm]'"
        raise CryptoError(msg) from None
    return sm2


def _sm2_crypt(private_hex: str, public_hex: str) -> Any:
    """Gmssl's SM2 object for raw keys (public key: x‖y, 128 hex digits, no ``04`` prefix).

    The key is set after construction: gmssl's constructor drops a leading ``04`` with
    ``lstrip("04")``, which also strips any 0 and 4 digits of x after it, so about one key in 256
    (x beginning with 04) would sign with a mangled key and fail.
    """
    crypt = _sm2().CryptSM2(private_key=private_hex, public_key="")
    crypt.public_key = public_hex
    return crypt


@functools.lru_cache(maxsize=16)
def _sm2_public_hex(private_hex: str) -> str:
    """The public key of a private one: derived once per key (a scalar multiplication in pure Python, 5 ms)."""
    public_hex: str = _sm2_crypt(private_hex, "")._kg(int(private_hex, 16), _sm2().default_ecc_table["g"])
    return public_hex


def _sm2_generate() -> tuple[bytes, bytes]:
    order = int(_sm2().default_ecc_table["n"], 16)
    private_int = int.from_bytes(os.urandom(32), "big") % (order - 1) + 1
    private_hex = f"{private_int:064x}"
    return bytes.fromhex(private_hex), bytes.fromhex(_sm2_public_hex(private_hex))


def _sm2_sign(private: bytes, data: bytes) -> bytes:
    crypt = _sm2_crypt(private.hex(), _sm2_public_hex(private.hex()))
    signature_hex: str = crypt.sign_with_sm3(data, os.urandom(32).hex())
    return bytes.fromhex(signature_hex)


def _sm2_verify(public: bytes, data: bytes, signature: bytes) -> bool:
    crypt = _sm2_crypt("", public.hex())
    try:
        return bool(crypt.verify_with_sm3(signature.hex(), data))
    except (ValueError, TypeError, IndexError):
        return False


SIGNERS: dict[str, Signer] = {
    "Ed25519": Signer("Ed25519", _ed_generate, _ed_sign, _ed_verify),
    "SM2": Signer("SM2", _sm2_generate, _sm2_sign, _sm2_verify),
}


def signer(alg: str) -> Signer:
    """The signature algorithm named ``alg`` (as recorded beside a key)."""
    found = SIGNERS.get(alg)
    if found is None:
        msg = f"unknown signature algorithm {alg!r}; known: {', '.join(SIGNERS)}"
        raise CryptoError(msg)
    return found


def mac(alg: str, key: bytes, data: bytes) -> bytes:
    """A message authentication code of ``data`` under ``key``: HMAC-SHA256 or HMAC-SM3."""
    if alg == "HMAC-SHA256":
        return hmac.new(key, data, hashlib.sha256).digest()
    if alg == "HMAC-SM3":
        h = crypto_hmac.HMAC(key, hashes.SM3())
        h.update(data)
        return h.finalize()
    msg = f"unknown MAC algorithm {alg!r}; known: HMAC-SHA256, HMAC-SM3"
    raise CryptoError(msg)


def aead_encrypt(alg: str, key: bytes, plaintext: bytes) -> bytes:
    """Nonce followed by the ciphertext and tag: AES-256-GCM (32-byte key) or SM4-GCM (16-byte key)."""
    nonce = os.urandom(NONCE_SIZE)
    if alg == "AES-256-GCM":
        return nonce + AESGCM(key).encrypt(nonce, plaintext, None)
    if alg == "SM4-GCM":
        encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
        return nonce + encryptor.update(plaintext) + encryptor.finalize() + encryptor.tag
    msg = f"unknown cipher {alg!r}; known: AES-256-GCM, SM4-GCM"
    raise CryptoError(msg)


def aead_decrypt(alg: str, key: bytes, data: bytes) -> bytes:
    """The plaintext of ``aead_encrypt``'s output; ``InvalidTag`` when the key is wrong or the data altered."""
    nonce, body = data[:NONCE_SIZE], data[NONCE_SIZE:]
    if alg == "AES-256-GCM":
        return AESGCM(key).decrypt(nonce, body, None)
    if alg == "SM4-GCM":
        if len(body) < TAG_SIZE:
            raise InvalidTag
        decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, body[-TAG_SIZE:])).decryptor()
        return decryptor.update(body[:-TAG_SIZE]) + decryptor.finalize()
    msg = f"unknown cipher {alg!r}; known: AES-256-GCM, SM4-GCM"
    raise CryptoError(msg)


AEAD_KEY_SIZE = {"AES-256-GCM": 32, "SM4-GCM": 16}


@dataclass(frozen=True)
class Suite:
    """The algorithms new keys are made for."""

    name: str
    cipher: str
    signature: str
    mac: str


SUITES = {
    "standard": Suite("standard", "AES-256-GCM", "Ed25519", "HMAC-SHA256"),
    "sm": Suite("sm", "SM4-GCM", "SM2", "HMAC-SM3"),
}


def suite(name: str) -> Suite:
    """The suite named by ``OGI_CRYPTO_SUITE``."""
    return SUITES[name]
