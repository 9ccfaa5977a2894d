"""Generated passwords an administrator reads out over the phone: letters and digits only, no
look-alikes (O/0, l/1/I), in dash-separated groups, every class present, about 87 bits."""

from __future__ import annotations

import re
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


# Words and keyboard runs that guessing starts with (the security officer's second review, stop 61:
# Password@123 and Qwerty@12345 were taken); symbols, case and number runs around them add nothing.
COMMON = ("password", "passwd", "qwertyuiop", "qwerty", "asdfghjkl", "asdfgh", "zxcvbnm", "zxcvbn",
          "1qaz2wsx", "qazwsx", "administrator", "admin", "welcome", "letmein", "iloveyou", "woaini",
          "abcdefg", "abcdef", "abcd", "abc", "root", "hotline", "china", "login", "master", "sunshine",
          "monkey", "dragon", "football", "superman")
RUNS = re.compile(r"(?:0123456789|1234567890|9876543210|(?:19|20)\d\d|(\d)\1{2,}|"
                  r"0?1?2?3?4?5?6?7?8?9?)")
LEFT_AT_LEAST = 4  # characters a guesser's list does not cover


def common(password: str) -> bool:
    """Whether little but a common word and a run of digits is left once symbols and case go."""
    left = re.sub(r"[\W_]+", "", password.lower())  # letters of any script and digits stay
    for word in COMMON:
        left = left.replace(word, "")
    return len(RUNS.sub("", left)) < LEFT_AT_LEAST


def weakness(password: str) -> str | None:
    """Why a password a person chose is too weak (None when it is strong enough): at least 10
    characters of at least 3 classes among lower case, upper case, digits and others, and more
    than a common word with digits and symbols around it."""
    classes = sum(any(test(c) for c in password) for test in CLASSES)
    classes += any(not any(test(c) for test in CLASSES) for c in password)
    if len(password) < MIN_LENGTH or classes < MIN_CLASSES:
        return (f"a password needs at least {MIN_LENGTH} characters of at least {MIN_CLASSES} kinds "
                f"(lower case, upper case, digits, others); this one has {len(password)} "
                f"characters of {classes} kind{'s' if classes != 1 else ''}")
    if common(password):
        return "a password of a common word, keyboard run or number run with symbols added is too common"
    return None
