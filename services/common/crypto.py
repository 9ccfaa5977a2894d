"""Field sealing for personal data and keyed hashes for matching without clear text."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from typing import Any

from Crypto.Cipher import AES
from Crypto.Hash import SHA256
from Crypto.Protocol.KDF import HKDF
from eventsourcing.cipher import AESCipher
from eventsourcing.persistence import Cipher
from eventsourcing.utils import Environment

from services.common.digits import fold

_LOOKUP_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read out on the phone
# The upward summary's subkey of the event key (§12): triage seals with it, notify opens.
UPWARD_SUMMARY = b"hotline/upward-summary/v1"


def _keys(keys_b64: str) -> list[bytes]:
    """'current[,older,…]': the first key seals, every key opens (rotation)."""
    return [base64.b64decode(k) for k in keys_b64.split(",") if k.strip()]


def subkeys(keys_b64: str, info: bytes) -> str:
    """Each key of 'current[,older,…]' turned into its subkey for one purpose (HKDF-SHA256), in
    order: the raw key never seals for that purpose, and a rotation carries over."""
    return ",".join(base64.b64encode(HKDF(k, 32, b"", SHA256, context=info)).decode()  # type: ignore[arg-type]
                    for k in _keys(keys_b64))


def legacy_open(keys: list[bytes], blob: bytes) -> bytes:
    """What was sealed before v1.1 (eventsourcing's AESCipher: no key id, no associated data)."""
    for key in keys:
        try:
            legacy = AESCipher(Environment(env={"CIPHER_KEY": base64.b64encode(key).decode()}))
            return legacy.decrypt(blob)  # type: ignore[no-any-return]
        except ValueError:
            continue
    raise ValueError("cannot open: none of the keys does, or the bytes were altered")


def fingerprint(key: bytes) -> bytes:
    return hashlib.sha256(b"hotline-key-id\x1f" + key).digest()[:4]


def gcm_seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """fingerprint(4) + nonce(12) + ciphertext + tag(16); the associated data is authenticated."""
    nonce = os.urandom(12)
    cipher = AES.new(key, AES.MODE_GCM, nonce=nonce)
    cipher.update(aad)
    ciphertext, tag = cipher.encrypt_and_digest(plaintext)
    return fingerprint(key) + nonce + ciphertext + tag


def gcm_open(keys: list[bytes], blob: bytes, aad: bytes) -> bytes:
    """Raises ValueError for an unknown key, altered bytes or other associated data."""
    key = next((k for k in keys if fingerprint(k) == blob[:4]), None)
    if key is None:
        raise ValueError("sealed under a key this process does not hold")
    cipher = AES.new(key, AES.MODE_GCM, nonce=blob[4:16])
    cipher.update(aad)
    return cipher.decrypt_and_verify(blob[16:-16], blob[-16:])  # type: ignore[no-any-return]


class Sealer:
    """AES-GCM sealing of JSON-able values under one key (a report's data key, the data key that
    wraps them, or the event key for the audit trail). A context (the owner's id) is bound in
    as associated data: a blob moved to another owner does not open."""

    PREFIX = "v2:"

    def __init__(self, keys_b64: str, context: str = ""):
        self._keys = _keys(keys_b64)
        self.context = context

    def _aad(self, context: str | None) -> bytes:
        return f"hotline-sealed\x1f{self.context if context is None else context}".encode()

    def seal(self, value: Any, context: str | None = None) -> str:
        plaintext = json.dumps(value, ensure_ascii=False, sort_keys=True).encode()
        blob = gcm_seal(self._keys[0], plaintext, self._aad(context))
        return self.PREFIX + base64.b64encode(blob).decode()

    def open(self, sealed: str, context: str | None = None) -> Any:
        if sealed.startswith(self.PREFIX):
            return json.loads(gcm_open(self._keys, base64.b64decode(sealed[len(self.PREFIX):]),
                                       self._aad(context)))
        return json.loads(legacy_open(self._keys, base64.b64decode(sealed)))


class RotatingCipher(Cipher):
    """The event store's cipher: CIPHER_KEY is 'current[,older,…]'. New events are sealed
    under the current key (with its fingerprint in front); events under any listed key open,
    so `hotline keys rotate` changes the key without rewriting history."""

    MAGIC = b"\x00hk1"

    def __init__(self, environment: Environment):
        value = environment.get("CIPHER_KEY")
        if not value:
            raise OSError("'CIPHER_KEY' not in env")
        self._keys = _keys(value)

    def encrypt(self, plaintext: bytes) -> bytes:
        return self.MAGIC + gcm_seal(self._keys[0], plaintext, self.MAGIC)

    def decrypt(self, ciphertext: bytes) -> bytes:
        if ciphertext.startswith(self.MAGIC):
            return gcm_open(self._keys, ciphertext[len(self.MAGIC):], self.MAGIC)
        return legacy_open(self._keys, ciphertext)  # events stored before rotation existed


class Hasher:
    """HMAC-SHA256 under the hash key: stable, one-way, useless without the key."""

    def __init__(self, hash_key_b64: str):
        self._key = base64.b64decode(hash_key_b64)

    def digest(self, purpose: str, value: str) -> str:
        mac = hmac.new(self._key, f"{purpose}\x1f{value}".encode(), hashlib.sha256)
        return mac.hexdigest()

    def child_keys(self, child: dict[str, Any], region_code: str) -> list[str]:
        """Keys under which repeat reports about one child meet (contract §3)."""
        keys = []
        if child.get("id_number"):
            # Folded: a number stored before digits were normalised meets its ASCII form.
            keys.append(self.digest("child-id", fold(str(child["id_number"])).strip().upper()))
        if child.get("name") and child.get("age") is not None:
            county = region_code[:6]
            name = "".join(str(child["name"]).split())
            keys.append(self.digest("child-name-age-county", f"{name}|{child['age']}|{county}"))
        return keys

    def lookup_code(self, receipt_no: str) -> str:
        """Ten characters derived from the receipt number: repeatable, unguessable without the key."""
        raw = hmac.new(self._key, f"lookup\x1f{receipt_no}".encode(), hashlib.sha256).digest()
        return "".join(_LOOKUP_ALPHABET[b % len(_LOOKUP_ALPHABET)] for b in raw[:10])

    def check_lookup_code(self, receipt_no: str, code: str) -> bool:
        # Bytes, not str: compare_digest refuses non-ASCII str (a 500 found by schemathesis).
        return hmac.compare_digest(self.lookup_code(receipt_no).encode(),
                                   code.strip().upper().encode())
