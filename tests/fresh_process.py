"""Python code run in a fresh process with the project's settings: for what
one test process cannot show (settings read at start-up, modules loaded)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_python(
    code: str,
    *args: str,
    env: dict[str, str] | None = None,
    keep_database: bool = False,
    check: bool = False,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """`code` under config.settings with DEBUG on; this process's DJANGO_
    variables are left out, and its DATABASE_ ones unless `keep_database`;
    `env` is added last."""
    dropped = ("DJANGO_",) if keep_database else ("DJANGO_", "DATABASE_")
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env={
            **inherited,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_DEBUG": "true",
            **(env or {}),
        },
        capture_output=True,
        text=True,
        timeout=timeout,
        check=check,
    )
