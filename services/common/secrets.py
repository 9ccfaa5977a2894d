"""The keys: one per purpose, none built in. A fresh `var/` gets random ones in `var/secrets/`
(mode 0600) on first start; `HOTLINE_<PURPOSE>_KEY` overrides a file. Which keys each process
gets (least privilege) is declared with the system's topology (`services/bootstrap/topology.py`)."""

from __future__ import annotations

import base64
import os
from pathlib import Path

PURPOSES = {
    "event": "encrypts every stored event (each process that reads an event store)",
    "data": "wraps the per-report data keys: crypto-shredding (intake, triage, admin CLI)",
    "hash": "keyed hashes that match reports about one child (triage, and the API's repeat check)",
    "receipt": "lookup codes, request fingerprints, submitter pseudonyms (intake)",
    "token": "signs bearer tokens and CSRF tokens (API)",
    "audit": "signs audit checkpoints, kept outside the database (audit sequencer; API, admin CLI verify)",
}

# Keys published in this project's history (the development defaults of v1): never accepted.
PUBLISHED = frozenset(base64.b64encode(raw).decode() for raw in (
    b"hotline-dev-data-key-32-bytes!!!", b"hotline-dev-hash-key-32-bytes!!!",
    b"hotline-dev-token-key-32-bytes!!",
))

class MissingKey(ValueError):
    """A key the process needs was given neither in the environment nor in a key file."""


def check_key(value: str, where: str) -> str:
    """One key, or (the event key, after rotation) 'current,older,…'."""
    for part in value.split(","):
        try:
            raw = base64.b64decode(part.strip(), validate=True)
        except ValueError as exc:
            raise ValueError(f"{where}: keys must be base64 (e.g. `openssl rand -base64 32`)") from exc
        if len(raw) != 32:
            raise ValueError(f"{where}: keys must decode to 32 bytes (e.g. `openssl rand -base64 32`)")
        if part.strip() in PUBLISHED:
            raise ValueError(f"{where}: this key was published in the project's history; "
                             "use a new one (`openssl rand -base64 32`)")
    return value


def rotate_event_key(secrets_dir: Path) -> int:
    """A new current event key in front of the old ones; returns how many keys are kept."""
    path = key_file(secrets_dir, "event")
    old = read_key(secrets_dir, "event")
    if old is None:
        raise MissingKey(f"no event key in {path} to rotate")
    keys = f"{base64.b64encode(os.urandom(32)).decode()},{old}"
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(keys + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return len(keys.split(","))


def key_file(secrets_dir: Path, purpose: str) -> Path:
    return secrets_dir / f"{purpose}.key"


def read_key(secrets_dir: Path, purpose: str) -> str | None:
    path = key_file(secrets_dir, purpose)
    if not path.exists():
        return None
    return check_key(path.read_text().strip(), str(path))


def ensure_keys(secrets_dir: Path) -> list[str]:
    """Create every missing key file (0600 in a 0700 folder); returns the purposes created.
    Concurrent first starts agree: a file is created exclusively, the loser reads it."""
    secrets_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(secrets_dir, 0o700)
    created = []
    for purpose in PURPOSES:
        path = key_file(secrets_dir, purpose)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        with os.fdopen(fd, "w") as f:
            f.write(base64.b64encode(os.urandom(32)).decode() + "\n")
        created.append(purpose)
    return created
