"""Operational failures are one line naming the cause and the fix, never "this is a bug":
an unreachable or missing database, a refused login, an owner that may not create roles,
a login without the privilege a command needs, a schema written by a newer vrhub, a
warehouse held by another process. Against the machine's real PostgreSQL."""

from __future__ import annotations

import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from vrhub.errors import OperationalError
from vrhub.storage.appdb import migrate
from vrhub.storage.diagnose import explain

pytestmark = pytest.mark.postgres


def _one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "bug" not in err and "Traceback" not in err
    return lines[0]


class Cluster:
    """Runs SQL as the test cluster's superuser; drops what it created afterwards."""

    def __init__(self, admin_url: str) -> None:
        self.admin = admin_url.replace("postgresql+psycopg://", "postgresql://")
        self.base = admin_url.rpartition("/")[0]
        self.roles: list[str] = []
        self.databases: list[str] = []

    def sql(self, *statements: str) -> None:
        import psycopg

        with psycopg.connect(self.admin, autocommit=True) as con:
            for statement in statements:
                con.execute(statement)  # type: ignore[arg-type]

    def role(self, prefix: str, options: str = "LOGIN") -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:8]}"
        self.sql(f"CREATE ROLE {name} {options}")
        self.roles.append(name)
        return name

    def database(self, owner: str) -> str:
        name = f"w17db_{uuid.uuid4().hex[:8]}"
        self.sql(f"CREATE DATABASE {name} OWNER {owner}")
        self.databases.append(name)
        self.roles.append(f"{name}_app")  # created by `vrhub db upgrade` when it may
        return name

    def url(self, user: str, database: str, port: int | None = None) -> str:
        host = "127.0.0.1" if port is None else f"127.0.0.1:{port}"
        return f"postgresql+psycopg://{user}@{host}/{database}"

    def close(self) -> None:
        for db in self.databases:
            self.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                     f"WHERE datname = '{db}'", f"DROP DATABASE IF EXISTS {db}")
        for role in reversed(self.roles):
            self.sql(f"DROP ROLE IF EXISTS {role}")


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    import os

    admin = os.environ.get("VRHUB_TEST_POSTGRES_URL")
    if not admin:
        if os.environ.get("VRHUB_REQUIRE_POSTGRES") == "1":
            pytest.fail("VRHUB_TEST_POSTGRES_URL is not set but PostgreSQL tests are required")
        pytest.skip("VRHUB_TEST_POSTGRES_URL not set")
    c = Cluster(admin)
    try:
        yield c
    finally:
        c.close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unreachable_database_names_host_port_and_the_fix(run) -> None:  # type: ignore[no-untyped-def]
    port = _closed_port()
    code, _, err = run("db", "current",
                       env={"VRHUB_DATABASE_URL": f"postgresql+psycopg://u@127.0.0.1:{port}/x"})
    assert code == 13
    line = _one_line(err)
    assert line.startswith(f"error: cannot reach the app database 127.0.0.1:{port}/x "
                           "(Connection refused); to fix: check that PostgreSQL is running")


def test_db_wait_waits_for_a_server_that_is_not_up_yet(run) -> None:  # type: ignore[no-untyped-def]
    import threading
    import time

    port = _closed_port()
    url = f"postgresql+psycopg://u@127.0.0.1:{port}/x"
    started = time.monotonic()
    code, _, err = run("db", "wait", "--timeout", "1.5", env={"VRHUB_DATABASE_URL": url})
    waited = time.monotonic() - started
    assert code == 13 and waited >= 1.0  # it retried for the time it was given
    assert _one_line(err).startswith(f"error: cannot reach the app database 127.0.0.1:{port}/x")

    # a server that comes up while it waits: PostgreSQL's port opened after a second
    admin = socket.create_connection(("127.0.0.1", 5432), timeout=5)
    admin.close()
    relay_port = _closed_port()
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)

    def open_later() -> None:
        time.sleep(1.0)
        listener.bind(("127.0.0.1", relay_port))
        listener.listen()
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", 5432))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pipe, args=(a, b), daemon=True).start()

    threading.Thread(target=open_later, daemon=True).start()
    try:
        code, _, err = run("db", "wait", "--timeout", "30", env={
            "VRHUB_DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:{relay_port}/postgres"})
    finally:
        listener.close()
    assert code == 0, err
    assert f"app database 127.0.0.1:{relay_port}/postgres answers" in err


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while chunk := source.recv(65536):
            sink.sendall(chunk)
    except OSError:
        pass
    finally:
        sink.close()


def test_db_wait_stops_at_once_when_waiting_would_not_help(run, cluster: Cluster) -> None:  # type: ignore[no-untyped-def]
    import time

    missing = f"w17missing_{uuid.uuid4().hex[:6]}"
    started = time.monotonic()
    code, _, err = run("db", "wait", "--timeout", "60",
                       env={"VRHUB_DATABASE_URL": cluster.url("postgres", missing)})
    assert code == 13 and time.monotonic() - started < 30
    assert f"the app database 127.0.0.1:5432/{missing} does not exist" in _one_line(err)


def test_a_missing_database_and_a_refused_login(run, cluster: Cluster) -> None:  # type: ignore[no-untyped-def]
    owner = cluster.role("w17own")
    missing = f"w17missing_{uuid.uuid4().hex[:6]}"
    code, _, err = run("db", "current", env={"VRHUB_DATABASE_URL": cluster.url(owner, missing)})
    assert code == 13
    assert f"the app database 127.0.0.1:5432/{missing} does not exist" in _one_line(err)
    assert "to fix: create it as the deployment guide shows" in err

    db = cluster.database(owner)
    code, _, err = run("db", "current",
                       env={"VRHUB_DATABASE_URL": cluster.url("w17_nobody_here", db)})
    assert code == 13
    line = _one_line(err)
    assert "PostgreSQL refused the login" in line and 'role "w17_nobody_here"' in line
    assert "to fix: check the user name and password in VRHUB_DATABASE_URL" in line


def test_an_owner_without_createrole_is_told_the_sql_a_dba_runs(run, cluster: Cluster) -> None:  # type: ignore[no-untyped-def]
    owner = cluster.role("w17own")
    db = cluster.database(owner)
    env = {"VRHUB_DATABASE_URL": cluster.url(owner, db)}
    code, _, err = run("db", "upgrade", env=env)
    assert code == 13
    line = _one_line(err)
    assert (f"the app role {db}_app does not exist and the database account {owner} may not "
            "create roles (it has no CREATEROLE)") in line
    assert f"ask a DBA to run `CREATE ROLE {db}_app NOLOGIN;`" in line

    # the DBA runs exactly that; the owner's upgrade then goes through
    cluster.sql(f"CREATE ROLE {db}_app NOLOGIN")
    code, _, err = run("db", "upgrade", env=env)
    assert code == 0, err
    assert f"empty -> {migrate.head()}" in err
    assert f"app role {db}_app has no login yet" in err
    web = cluster.role("w17web", f"LOGIN IN ROLE {db}_app")
    code, out, err = run("db", "current", "--json", env={"VRHUB_DATABASE_URL":
                                                         cluster.url(web, db)})
    assert code == 0, err
    assert '"current": true' in out and f'"app_role": "{db}_app"' in out


def test_the_web_login_cannot_upgrade_and_is_told_which_account_can(run, cluster: Cluster) -> None:  # type: ignore[no-untyped-def]
    owner = cluster.role("w17own", "LOGIN CREATEROLE")
    db = cluster.database(owner)
    code, _, err = run("db", "upgrade", "--revision", "0001",
                       env={"VRHUB_DATABASE_URL": cluster.url(owner, db)})
    assert code == 0, err
    web = cluster.role("w17web", f"LOGIN IN ROLE {db}_app")
    code, _, err = run("db", "upgrade", env={"VRHUB_DATABASE_URL": cluster.url(web, db)})
    assert code == 13
    line = _one_line(err)
    assert f"the database account {web} lacks a privilege on the app database" in line
    assert "permission denied" in line
    assert "as the database owner" in line


def test_two_deployments_on_one_server_get_their_own_app_roles(run, cluster: Cluster) -> None:  # type: ignore[no-untyped-def]
    owner = cluster.role("w17own", "LOGIN CREATEROLE")
    first, second = cluster.database(owner), cluster.database(owner)
    for db in (first, second):
        code, _, err = run("db", "upgrade", env={"VRHUB_DATABASE_URL": cluster.url(owner, db)})
        assert code == 0, err
        assert f"app role {db}_app" in err
    import psycopg

    with psycopg.connect(cluster.admin) as con:
        rows = con.execute("SELECT rolname FROM pg_roles WHERE rolname IN (%s, %s)",
                           [f"{first}_app", f"{second}_app"]).fetchall()
    assert len(rows) == 2


def test_a_database_upgraded_by_a_newer_vrhub_is_refused_clearly(run, cluster: Cluster,
                                                                  tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    owner = cluster.role("w17own", "LOGIN CREATEROLE")
    db = cluster.database(owner)
    env = {"VRHUB_DATABASE_URL": cluster.url(owner, db)}
    assert run("db", "upgrade", env=env)[0] == 0
    import psycopg

    with psycopg.connect(cluster.url(owner, db).replace("+psycopg", ""),
                         autocommit=True) as con:
        con.execute("UPDATE alembic_version SET version_num = '9999_future'")
    code, _, err = run("users", "list", env=env)
    assert code == 13
    line = _one_line(err)
    assert "is at schema revision 9999_future, which this version of vrhub does not know" in line
    assert "to fix: install that newer version of vrhub" in line


def test_a_warehouse_held_by_another_process_is_named(run, home: Path) -> None:  # type: ignore[no-untyped-def]
    assert run("quality")[0] == 0  # creates the warehouse
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys; con = duckdb.connect(sys.argv[1]); print('held', flush=True); "
         "sys.stdin.read()", str(home / "warehouse.duckdb")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        code, _, err = run("quality")
    finally:
        holder.communicate("", timeout=30)
    assert code == 13
    line = _one_line(err)
    assert f"the warehouse {home / 'warehouse.duckdb'} is in use by another process" in line
    assert f"(held by process {holder.pid})" in line
    assert "wait for the other vrhub command" in line


@pytest.mark.parametrize(("exc", "expected"), [
    (PermissionError(13, "Permission denied", "/srv/vrhub/warehouse.duckdb"),
     "permission denied on /srv/vrhub/warehouse.duckdb; to fix: run vrhub as the user that "
     "owns the workspace"),
    (OSError(30, "Read-only file system", "/srv/vrhub/outputs"),
     "/srv/vrhub/outputs is on a read-only file system; to fix: give vrhub a writable "
     "workspace"),
])
def test_file_system_refusals_name_the_path(exc: OSError, expected: str) -> None:
    wrapped = RuntimeError("while loading")
    wrapped.__cause__ = exc
    found = explain(wrapped)
    assert isinstance(found, OperationalError)
    assert str(found).startswith(expected)


def test_other_errors_stay_bugs() -> None:
    assert explain(ValueError("a bug")) is None
    assert explain(KeyError("x")) is None
