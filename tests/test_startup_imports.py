"""What a process loads at start-up: the admin registry without the
statistics and machine-learning libraries, which only the insight commands
and pages use (issue 19: an export's whole process within 150 MB, start-up
included; SciPy, scikit-learn and pypinyin's dictionary were 125 MB of it)."""

from __future__ import annotations

from tests.fresh_process import run_python

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
    result = run_python(PROBE, *HEAVY, keep_database=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == []
