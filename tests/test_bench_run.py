"""`make bench BENCH_ARGS="--reuse"`: measure an already generated database."""

from __future__ import annotations

from typing import Any

import pytest

from tests.bench import run


def test_reuse_and_fresh_exclude_each_other() -> None:
    assert run.arguments(["--reuse"]).reuse
    with pytest.raises(SystemExit):
        run.arguments(["--reuse", "--fresh"])


def test_the_rebuild_commands_run_only_where_they_exist(monkeypatch: Any) -> None:
    ran: list[tuple[str, ...]] = []
    monkeypatch.setattr(run, "manage", lambda *args: ran.append(args))
    monkeypatch.setattr(run, "REBUILD_COMMANDS", [["rebuild_a"], ["rebuild_b", "-v0"]])
    assert run.rebuild({"migrate", "rebuild_b"}) == ["rebuild_b -v0"]
    assert ran == [("rebuild_b", "-v0")]
    assert run.rebuild({"migrate"}) == []


def test_the_rollup_rebuild_is_listed_under_a_command_that_exists() -> None:
    # The KPI rollup (issue 19 point 4) is rebuilt after a COPY; a listed name
    # that no command has would be skipped without a word (run.rebuild).
    from django.core.management import get_commands

    assert ["rollup_kpis", "--rebuild"] in run.REBUILD_COMMANDS
    assert {c[0] for c in run.REBUILD_COMMANDS} <= set(get_commands())
