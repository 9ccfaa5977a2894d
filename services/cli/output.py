"""What the `hotline` commands print: JSON on standard output (progress and errors go to stderr)."""

from __future__ import annotations

import json
import sys
from typing import Any


def out(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")
