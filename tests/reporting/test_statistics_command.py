"""export_regulator_statistics writes into the reports folder (a setting,
DJANGO_REPORTS_DIR), never the working directory, and speaks the active
language."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from openpyxl import load_workbook

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("export_regulator_statistics", "--period", "2026Q3", *args, stdout=out)
    return out.getvalue().strip()


def test_the_workbook_goes_to_the_reports_folder(
    tree: dict[str, Any], settings: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    reports = tmp_path / "reports"  # created by the command
    settings.COMPLAINT_REPORTS_DIR = reports
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)

    said = run("--institution", "GD")

    written = reports / "regulator-statistics-GD-2026Q3.xlsx"
    assert load_workbook(written).sheetnames
    assert os.listdir(cwd) == []
    assert said == (
        f"Wrote {written}: GD 2026Q3, 3 institutions, 0 group or "
        "regulator-transferred complaints listed."
    )


def test_the_summary_and_refusals_are_in_the_active_language(
    tree: dict[str, Any], settings: Any, tmp_path: Path
) -> None:
    settings.COMPLAINT_REPORTS_DIR = tmp_path
    with translation.override("zh-hans"):
        said = run()
        with pytest.raises(CommandError) as refused:
            run("--institution", "NOPE")
    assert said.startswith(f"已写入 {tmp_path / 'regulator-statistics-HO-2026Q3.xlsx'}")
    assert "HO 2026Q3" in said
    assert str(refused.value) == "不存在代码为 NOPE 的机构。"
