"""Generated passwords an administrator reads out over the phone: letters and digits only, no
look-alikes (O/0, l/1/I), in dash-separated groups, every class present, about 87 bits."""

from __future__ import annotations

import secrets

UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I, O
LOWER = "abcdefghijkmnpqrstuvwxyz"  # no l, o
DIGITS = "23456789"  # no 0, 1
ALPHABET = UPPER + LOWER + DIGITS
GROUPS, GROUP_SIZE = 3, 5


def generate_password() -> str:
    """A random password such as `Kp7mQ-4xz9T-fRa2b`, with upper, lower and digits each present."""
    while True:
        chars = "".join(secrets.choice(ALPHABET) for _ in range(GROUPS * GROUP_SIZE))
        if all(any(c in cls for c in chars) for cls in (UPPER, LOWER, DIGITS)):
            return "-".join(chars[i:i + GROUP_SIZE] for i in range(0, len(chars), GROUP_SIZE))


MIN_LENGTH, MIN_CLASSES = 10, 3
CLASSES = (str.islower, str.isupper, str.isdigit)


def weakness(password: str) -> str | None:
    """Why a password a person chose is too weak (None when it is strong enough): at least 10
    characters of at least 3 classes among lower case, upper case, digits and others."""
    classes = sum(any(test(c) for c in password) for test in CLASSES)
    classes += any(not any(test(c) for test in CLASSES) for c in password)
    if len(password) < MIN_LENGTH or classes < MIN_CLASSES:
        return (f"a password needs at least {MIN_LENGTH} characters of at least {MIN_CLASSES} kinds "
                f"(lower case, upper case, digits, others); this one has {len(password)} "
                f"characters of {classes} kind{'s' if classes != 1 else ''}")
    return None
