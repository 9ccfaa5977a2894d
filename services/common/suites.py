"""The two cryptographic suites (contract §14): AES-GCM with SHA-256, and 国密 SM4-GCM with SM3."""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from Crypto.Hash import SHA256
from Crypto.Protocol.KDF import HKDF as AES_HKDF
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as sm_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

NONCE, TAG, KEY_ID = 12, 16, 4


# AES-GCM through OpenSSL (PyCA): the same bytes as pycryptodome's (ciphertext, then the tag)
# at a quarter of the cost per call (the bench's suite cost, #30).
def _aes_seal(key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
    return AESGCM(key).encrypt(nonce, plaintext, aad)


def _aes_open(key: bytes, nonce: bytes, sealed: bytes, aad: bytes) -> bytes:
    try:
        return AESGCM(key).decrypt(nonce, sealed, aad)
    except InvalidTag as error:
        raise ValueError("MAC check failed") from error


@lru_cache(maxsize=64)
def _sm4_key(key: bytes) -> bytes:
    """SM4 is a 128-bit cipher: its key is derived (HKDF-SM3) from the 32-byte key, so the same
    secret never keys two algorithms directly."""
    return _sm3_hkdf(key, b"hotline/sm4-key/v1")[:16]


def sm4_gcm_seal(key16: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """SM4-GCM with a 16-byte key: ciphertext + tag."""
    encryptor = Cipher(algorithms.SM4(key16), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(aad)
    return encryptor.update(plaintext) + encryptor.finalize() + encryptor.tag


def sm4_gcm_open(key16: bytes, nonce: bytes, sealed: bytes, aad: bytes) -> bytes:
    """Raises ValueError when the tag does not verify."""
    decryptor = Cipher(algorithms.SM4(key16), modes.GCM(nonce, sealed[-TAG:])).decryptor()
    decryptor.authenticate_additional_data(aad)
    try:
        return decryptor.update(sealed[:-TAG]) + decryptor.finalize()
    except InvalidTag as error:  # one error type for both suites: altered, or other aad
        raise ValueError("MAC check failed") from error


def _sm4_seal(key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
    return sm4_gcm_seal(_sm4_key(key), nonce, plaintext, aad)


def _sm4_open(key: bytes, nonce: bytes, sealed: bytes, aad: bytes) -> bytes:
    return sm4_gcm_open(_sm4_key(key), nonce, sealed, aad)


def sm3(data: bytes) -> bytes:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize()


def hmac_sm3(key: bytes, message: bytes) -> bytes:
    mac = sm_hmac.HMAC(key, hashes.SM3())
    mac.update(message)
    return mac.finalize()


def _sm3_hkdf(key: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SM3(), length=32, salt=None, info=info).derive(key)


def _sha256_hkdf(key: bytes, info: bytes) -> bytes:
    return AES_HKDF(key, 32, b"", SHA256, context=info)  # type: ignore[arg-type,no-any-return]


@dataclass(frozen=True)
class Suite:
    """One suite's primitives. Keys are 32 bytes in both (SM4's 16 are derived from them), so one
    key file serves either suite and a switch needs no new secrets."""

    name: str
    label: str
    _seal: Callable[[bytes, bytes, bytes, bytes], bytes]
    _open: Callable[[bytes, bytes, bytes, bytes], bytes]
    hash: Callable[[bytes], bytes]
    mac: Callable[[bytes, bytes], bytes]
    derive: Callable[[bytes, bytes], bytes]

    def key_id(self, key: bytes) -> bytes:
        """Which key sealed a blob (not secret, but one-way)."""
        return self.hash(b"hotline-key-id\x1f" + key)[:KEY_ID]

    def seal(self, key: bytes, plaintext: bytes, aad: bytes) -> bytes:
        """key id(4) + nonce(12) + ciphertext + tag(16); the associated data is authenticated."""
        nonce = os.urandom(NONCE)
        return self.key_id(key) + nonce + self._seal(key, nonce, plaintext, aad)

    def open(self, keys: list[bytes], blob: bytes, aad: bytes) -> bytes:
        """Raises ValueError for an unknown key, altered bytes or other associated data."""
        key = next((k for k in keys if self.key_id(k) == blob[:KEY_ID]), None)
        if key is None:
            raise ValueError("sealed under a key this process does not hold")
        return self._open(key, blob[KEY_ID:KEY_ID + NONCE], blob[KEY_ID + NONCE:], aad)


AES_SUITE = Suite("aes", "AES-256-GCM, HMAC-SHA256, SHA-256", _aes_seal, _aes_open,
                  lambda data: hashlib.sha256(data).digest(),
                  lambda key, message: hmac.new(key, message, hashlib.sha256).digest(),
                  _sha256_hkdf)
SM_SUITE = Suite("sm", "SM4-GCM, HMAC-SM3, SM3 (国密)", _sm4_seal, _sm4_open, sm3, hmac_sm3, _sm3_hkdf)
SUITES = {s.name: s for s in (AES_SUITE, SM_SUITE)}


def suite(name: str) -> Suite:
    """The suite named by HOTLINE_CRYPTO_SUITE; an unknown name is refused at start."""
    try:
        return SUITES[name]
    except KeyError:
        raise ValueError(f"HOTLINE_CRYPTO_SUITE must be one of {', '.join(SUITES)}, not {name!r}") from None
