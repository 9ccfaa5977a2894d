"""Field sealing for personal data and keyed hashes for matching without clear text, under the
suite of HOTLINE_CRYPTO_SUITE (contract §14); what either suite sealed or hashed stays usable."""

from __future__ import annotations

import base64
import hmac
import json
from typing import Any

from eventsourcing.cipher import AESCipher
from eventsourcing.persistence import Cipher
from eventsourcing.utils import Environment

from services.common.numbers import fold
from services.common.suites import AES_SUITE, SUITES, Suite
from services.common.suites import suite as named

_LOOKUP_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read out on the phone
# The upward summary's subkey of the event key (§12): triage seals with it, notify opens.
UPWARD_SUMMARY = b"hotline/upward-summary/v1"
# The suite each stored item names (formats30): a reader picks by these, never by trying.
SEALED_PREFIX = {"aes": "v2:", "sm": "s4:"}
EVENT_MAGIC = {"aes": b"\x00hk1", "sm": b"\x00hs1"}
HASH_PREFIX = {"aes": "", "sm": "sm3:"}
SUITE_ENV = "HOTLINE_CRYPTO_SUITE"


def _keys(keys_b64: str) -> list[bytes]:
    """'current[,older,…]': the first key seals, every key opens (rotation)."""
    return [base64.b64decode(k) for k in keys_b64.split(",") if k.strip()]


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
    return AES_SUITE.key_id(key)


def gcm_seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """AES-GCM: key id(4) + nonce(12) + ciphertext + tag; the associated data is authenticated."""
    return AES_SUITE.seal(key, plaintext, aad)


def gcm_open(keys: list[bytes], blob: bytes, aad: bytes) -> bytes:
    """Raises ValueError for an unknown key, altered bytes or other associated data."""
    return AES_SUITE.open(keys, blob, aad)


def sealed_suite(sealed: str) -> str | None:
    """The suite a sealed text names by its prefix; None: the legacy (pre-v1.1) AES blob."""
    return next((name for name, prefix in SEALED_PREFIX.items() if sealed.startswith(prefix)), None)


def hash_suite(stored: str) -> str:
    """The family of a keyed hash by its prefix (HMAC-SHA256 ones have none)."""
    return "sm" if stored.startswith(HASH_PREFIX["sm"]) else "aes"


class Sealer:
    """Sealing of JSON-able values under one key (a report's data key, the data key that wraps
    them, or the event key for the audit trail), in the current suite; opened in the suite its
    prefix names. A context (the owner's id) is bound in as associated data: a blob moved to
    another owner does not open. With `info`, each suite seals under its own HKDF subkey of the
    keys (HKDF-SHA256 or HKDF-SM3), so what either sealed opens after a switch."""

    def __init__(self, keys_b64: str, context: str = "", suite: str = "aes",
                 info: bytes | None = None):
        self._raw = _keys(keys_b64)
        self._info = info
        self._derived: dict[str, list[bytes]] = {}
        self.suite = named(suite)
        self.context = context

    def _keys_of(self, chosen: Suite) -> list[bytes]:
        if self._info is None:
            return self._raw
        if chosen.name not in self._derived:
            info = self._info
            self._derived[chosen.name] = [chosen.derive(k, info) for k in self._raw]
        return self._derived[chosen.name]

    def _aad(self, context: str | None) -> bytes:
        return f"hotline-sealed\x1f{self.context if context is None else context}".encode()

    def seal(self, value: Any, context: str | None = None) -> str:
        plaintext = json.dumps(value, ensure_ascii=False, sort_keys=True).encode()
        blob = self.suite.seal(self._keys_of(self.suite)[0], plaintext, self._aad(context))
        return SEALED_PREFIX[self.suite.name] + base64.b64encode(blob).decode()

    def open(self, sealed: str, context: str | None = None) -> Any:
        name = sealed_suite(sealed)
        if name is None:
            return json.loads(legacy_open(self._keys_of(AES_SUITE), base64.b64decode(sealed)))
        chosen = SUITES[name]
        blob = base64.b64decode(sealed[len(SEALED_PREFIX[name]):])
        return json.loads(chosen.open(self._keys_of(chosen), blob, self._aad(context)))


class RotatingCipher(Cipher):
    """The event store's cipher: CIPHER_KEY is 'current[,older,…]' and HOTLINE_CRYPTO_SUITE the
    suite of new events. New events are sealed under the current key (its id in front, the
    suite's magic before it); events under any listed key and either suite open, so `hotline
    keys rotate` and a switch of suite change nothing already written."""

    MAGIC = EVENT_MAGIC["aes"]

    def __init__(self, environment: Environment):
        value = environment.get("CIPHER_KEY")
        if not value:
            raise OSError("'CIPHER_KEY' not in env")
        self._keys = _keys(value)
        self.suite = named(environment.get(SUITE_ENV) or "aes")

    def encrypt(self, plaintext: bytes) -> bytes:
        magic = EVENT_MAGIC[self.suite.name]
        return magic + self.suite.seal(self._keys[0], plaintext, magic)

    def decrypt(self, ciphertext: bytes) -> bytes:
        for name, magic in EVENT_MAGIC.items():
            if ciphertext.startswith(magic):
                return SUITES[name].open(self._keys, ciphertext[len(magic):], magic)
        return legacy_open(self._keys, ciphertext)  # events stored before rotation existed


class Hasher:
    """Keyed hashes under one key in the current suite's family (HMAC-SHA256, unprefixed, or
    "sm3:" + HMAC-SM3): stable, one-way, useless without the key. Lookups ask for every family
    (`digests`, `families`): a value hashed before a switch of suite is still found."""

    def __init__(self, hash_key_b64: str, suite: str = "aes"):
        self._key_b64 = hash_key_b64
        self._key = base64.b64decode(hash_key_b64)
        self.suite = named(suite)

    def _mac(self, message: str) -> bytes:
        return self.suite.mac(self._key, message.encode())

    def digest(self, purpose: str, value: str) -> str:
        return HASH_PREFIX[self.suite.name] + self._mac(f"{purpose}\x1f{value}").hex()

    def short(self, purpose: str, value: str, length: int) -> str:
        """The digest cut to `length` hex characters, its family's prefix kept (pseudonyms)."""
        return HASH_PREFIX[self.suite.name] + self._mac(f"{purpose}\x1f{value}").hex()[:length]

    def families(self) -> list[Hasher]:
        """This hasher, then one per other suite under the same key."""
        return [self, *(Hasher(self._key_b64, name) for name in SUITES if name != self.suite.name)]

    def digests(self, purpose: str, value: str) -> list[str]:
        """The value's digest in every family, the current first: what lookups ask for."""
        return [h.digest(purpose, value) for h in self.families()]

    def matches(self, stored: str, purpose: str, value: str) -> bool:
        """Whether a stored digest is the value's, computed in the stored digest's family."""
        family = next(h for h in self.families() if h.suite.name == hash_suite(stored))
        return hmac.compare_digest(family.digest(purpose, value).encode(), stored.encode())

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

    def every_child_key(self, child: dict[str, Any], region_code: str) -> list[str]:
        """The child's keys in every family, the current first: what matching looks up."""
        return [k for h in self.families() for k in h.child_keys(child, region_code)]

    def lookup_code(self, receipt_no: str) -> str:
        """Ten characters derived from the receipt number: repeatable, unguessable without the key."""
        raw = self._mac(f"lookup\x1f{receipt_no}")
        return "".join(_LOOKUP_ALPHABET[b % len(_LOOKUP_ALPHABET)] for b in raw[:10])

    def check_lookup_code(self, receipt_no: str, code: str) -> bool:
        """A code issued under either suite checks (a receipt keeps the code it was given)."""
        typed = code.strip().upper().encode()
        # Bytes, not str: compare_digest refuses non-ASCII str (a 500 found by schemathesis).
        return any([hmac.compare_digest(h.lookup_code(receipt_no).encode(), typed)
                    for h in self.families()])
