"""The PostgreSQL side of the run: the load database, and the server restart.

The load database is created fresh and dropped afterwards; an existing
database of that name is only ever dropped when it carries this tool's
comment, so a mistyped --db-name cannot remove somebody's data.

--scratch-cluster runs a throwaway PostgreSQL server (initdb in a temporary
directory, its own port) so that restarting it disturbs nobody else on a
shared machine; without it the restart hits the server of DATABASE_URL.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

MARK = "complaints load test (tests/bench/load); safe to drop"


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def create_database(server_url: str, name: str) -> None:
    with psycopg.connect(with_database(server_url, "postgres"), autocommit=True) as db:
        row = db.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
            "WHERE datname = %s",
            [name],
        ).fetchone()
        if row is not None:
            if row[0] != MARK:
                raise SystemExit(
                    f"Database {name!r} exists and was not made by this tool; "
                    "choose another --db-name."
                )
            db.execute(
                sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name))
            )
        db.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        db.execute(
            sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                sql.Identifier(name), sql.Literal(MARK)
            )
        )


def drop_database(server_url: str, name: str) -> None:
    with psycopg.connect(with_database(server_url, "postgres"), autocommit=True) as db:
        db.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)
            )
        )


def server_version(server_url: str) -> str:
    with psycopg.connect(with_database(server_url, "postgres")) as db:
        row = db.execute("SHOW server_version").fetchone()
    return str(row[0]).split()[0] if row else "?"


def cluster_restart_command(server_url: str) -> list[str]:
    """Debian's restart of the cluster that serves `server_url`."""
    major = server_version(server_url).split(".")[0]
    return ["pg_ctlcluster", "--skip-systemctl-redirect", major, "main", "restart"]


class ScratchCluster:
    """A private PostgreSQL server for the run, removed afterwards."""

    def __init__(self, port: int) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        initdb = shutil.which("initdb") or (found[-1] if found else None)
        if initdb is None:
            raise SystemExit("--scratch-cluster needs PostgreSQL's initdb.")
        self.bin = Path(initdb).parent
        self.port = port
        self.dir = Path(tempfile.mkdtemp(prefix="complaints-load-pg-"))
        self.prefix: list[str] = []
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            owner = pwd.getpwnam("postgres")
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)
            self.prefix = ["runuser", "-u", "postgres", "--"]
        self.url = f"postgres://postgres@127.0.0.1:{port}/postgres"

    def _run(self, *args: str) -> None:
        subprocess.run([*self.prefix, *args], check=True, stdout=subprocess.DEVNULL)

    def start(self) -> None:
        data = str(self.dir / "data")
        self._run(
            str(self.bin / "initdb"),
            "-D",
            data,
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir}"
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            data,
            "-l",
            str(self.dir / "server.log"),
            "-o",
            options,
            "-w",
            "start",
        )

    def restart_command(self) -> list[str]:
        # pg_ctl restart reuses the options the server was started with; the
        # log file keeps the new server off pg_ctl's stdout.
        data, log = str(self.dir / "data"), str(self.dir / "server.log")
        pg_ctl = str(self.bin / "pg_ctl")
        return [
            *self.prefix,
            pg_ctl,
            "-D",
            data,
            "-l",
            log,
            "-m",
            "fast",
            "-w",
            "restart",
        ]

    def remove(self) -> None:
        data = str(self.dir / "data")
        subprocess.run(
            [*self.prefix, str(self.bin / "pg_ctl"), "-D", data, "-m", "fast", "stop"],
            check=False,
            stdout=subprocess.DEVNULL,
        )
        shutil.rmtree(self.dir, ignore_errors=True)
