"""Settings read from the environment: the secret key is required outside debug."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_server_command_refuses_to_start_without_a_secret_key() -> None:
    result = run("check")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required" in result.stderr


def test_debug_runs_with_a_development_key() -> None:
    assert run("check", DJANGO_DEBUG="true").returncode == 0


def test_offline_commands_need_no_key() -> None:
    result = run("makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stderr
