"""Field sealing for personal data and keyed hashes for matching without clear text."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from eventsourcing.cipher import AESCipher
from eventsourcing.utils import Environment

_LOOKUP_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read out on the phone


def derive_key(master_b64: str, purpose: str) -> str:
    """A 32-byte subkey per purpose, so one leaked subkey opens only its own data."""
    raw = hmac.new(base64.b64decode(master_b64), purpose.encode(), hashlib.sha256).digest()
    return base64.b64encode(raw).decode()


class Sealer:
    """AES-GCM sealing of JSON-able values under one key (a report's data key, or the master
    key-encryption key that wraps the data keys)."""

    def __init__(self, data_key_b64: str):
        self._cipher = AESCipher(Environment(env={"CIPHER_KEY": data_key_b64}))

    def seal(self, value: Any) -> str:
        plaintext = json.dumps(value, ensure_ascii=False, sort_keys=True).encode()
        return base64.b64encode(self._cipher.encrypt(plaintext)).decode()

    def open(self, sealed: str) -> Any:
        return json.loads(self._cipher.decrypt(base64.b64decode(sealed)))


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
            keys.append(self.digest("child-id", str(child["id_number"]).strip().upper()))
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
