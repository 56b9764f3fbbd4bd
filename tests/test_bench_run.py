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


def test_a_rollup_rebuild_command_is_listed() -> None:
    # The dashboards' rollup (issue 19 point 4) is rebuilt after a COPY.
    assert ["rebuild_rollup"] in run.REBUILD_COMMANDS
