"""What a process loads at start-up: the admin registry without the
statistics and machine-learning libraries, which only the insight commands
and pages use (issue 19: an export's whole process within 150 MB, start-up
included; SciPy, scikit-learn and pypinyin's dictionary were 125 MB of it)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("scipy", "sklearn", "pypinyin")

PROBE = """
import sys
import django

django.setup()
from django.contrib import admin

assert admin.site._registry
print(" ".join(name for name in sys.argv[1:] if name in sys.modules))
"""


def test_django_setup_and_the_admin_leave_heavy_libraries_unloaded() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *HEAVY],
        cwd=ROOT,
        env={
            **env,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_DEBUG": "true",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == []
