"""The container image, its compose file and the systemd unit.

No container engine runs here, so the image is checked by what can be checked without
one: hadolint on the Dockerfile, shellcheck on every shell script, the compose file read
for what it promises (a read-only root, an unprivileged user, the workspace the only
volume vrhub writes, secrets from .env), and the image's entrypoint itself run as an
unprivileged user on a read-only root file system with a small /tmp in memory and the
workspace writable (as compose runs it) against the local PostgreSQL: it waits for the
database, upgrades both schemas and serves /readyz. The systemd unit passes
`systemd-analyze verify` and its hardening is scored by `systemd-analyze security`.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from vrhub.storage import warehouse_schema
from vrhub.storage.appdb import migrate

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
BIN = Path(sys.executable).parent
UNPRIVILEGED = 65534  # nobody


def _tool(name: str) -> str:
    found = BIN / name if (BIN / name).exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is missing: install the development dependencies")
    return str(found)


def _dockerfile() -> str:
    return (REPO / "Dockerfile").read_text()


def _compose() -> dict:  # type: ignore[type-arg]
    loaded = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def test_the_dockerfile_passes_hadolint() -> None:
    done = subprocess.run([_tool("hadolint"), str(REPO / "Dockerfile")], capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_shell_scripts_pass_shellcheck() -> None:
    scripts = sorted([*DEPLOY.glob("*.sh"), *(REPO / "scripts").iterdir()])
    assert DEPLOY / "entrypoint.sh" in scripts
    done = subprocess.run([_tool("shellcheck"), *map(str, scripts)], capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_image_installs_the_locked_release_and_runs_unprivileged() -> None:
    text = _dockerfile()
    runs = " ".join(re.findall(r"^RUN (.*?)(?<!\\)$", text, re.MULTILINE | re.DOTALL))
    assert "--require-hashes -r /tmp/dist/vrhub-*-requirements.txt" in runs
    assert "--no-deps /tmp/dist/vrhub-*-py3-none-any.whl" in runs
    assert "compileall" in runs
    user = re.findall(r"^USER (\S+)$", text, re.MULTILINE)
    assert user == ["10001:10001"]
    assert 'ENTRYPOINT ["vrhub-entrypoint"]' in text
    assert "COPY --chmod=0755 deploy/entrypoint.sh /usr/local/bin/vrhub-entrypoint" in text
    # the build context holds only what the Dockerfile copies
    ignore = [line.strip() for line in (REPO / ".dockerignore").read_text().splitlines()
              if line.strip() and not line.startswith("#")]
    assert ignore[0] == "*"
    assert "!dist/" in ignore and "!deploy/entrypoint.sh" in ignore


def test_compose_runs_vrhub_read_only_as_the_image_user_beside_postgres() -> None:
    compose = _compose()
    vrhub, db = compose["services"]["vrhub"], compose["services"]["db"]
    home = re.search(r"VRHUB_HOME=(\S+)", _dockerfile())
    assert home
    assert vrhub["read_only"] is True
    assert vrhub["user"] == re.findall(r"^USER (\S+)$", _dockerfile(), re.MULTILINE)[0]
    assert vrhub["cap_drop"] == ["ALL"]
    assert "no-new-privileges:true" in vrhub["security_opt"]
    assert [v.split(":")[1] for v in vrhub["volumes"]] == [home[1]]
    assert vrhub["environment"]["VRHUB_HOME"] == home[1]
    assert all(t.startswith("/tmp") for t in vrhub["tmpfs"])
    assert all(p.startswith("127.0.0.1:") for p in vrhub["ports"])
    assert vrhub["depends_on"]["db"]["condition"] == "service_healthy"
    assert vrhub["environment"]["VRHUB_ENVIRONMENT"] == "production"
    # the web app connects as the web login; only the upgrade sees the owner
    assert "//vrhub_web:" in vrhub["environment"]["VRHUB_DATABASE_URL"]
    assert "//vrhub_owner:" in vrhub["environment"]["VRHUB_OWNER_DATABASE_URL"]
    assert db["environment"]["POSTGRES_USER"] == "vrhub_owner"
    init = [v for v in db["volumes"] if "docker-entrypoint-initdb.d" in v]
    assert len(init) == 1 and (DEPLOY / init[0].split(":")[0]).exists()
    assert set(compose["volumes"]) == {"pgdata", "workspace"}
    # every variable the compose file takes from .env is in the example .env
    used = set(re.findall(r"\$\{(\w+)", (DEPLOY / "compose.yaml").read_text()))
    example = set(re.findall(r"^(\w+)=", (DEPLOY / "env.example").read_text(), re.MULTILINE))
    assert used <= example, used - example


def test_the_systemd_unit_verifies_and_is_confined(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    unit = (DEPLOY / "vrhub.service").read_text()
    settings = dict(re.findall(r"^(\w+)=(.*)$", unit, re.MULTILINE))
    assert settings["ProtectSystem"] == "strict"
    assert settings["ReadWritePaths"] == "/srv/vrhub"
    assert settings["NoNewPrivileges"] == "yes"
    assert settings["User"] == "vrhub" and settings["EnvironmentFile"] == "/etc/vrhub/vrhub.env"
    # verify needs the program to exist: point it at this environment's vrhub
    here = tmp_path / "vrhub.service"
    here.write_text(unit.replace("/opt/vrhub/bin/vrhub", str(BIN / "vrhub")))
    verified = subprocess.run([analyze, "verify", str(here)], capture_output=True, text=True,
                              timeout=120, check=False)
    assert verified.returncode == 0, verified.stderr
    scored = subprocess.run([analyze, "security", "--offline=yes", str(here)],
                            capture_output=True, text=True, timeout=120, check=False)
    level = re.search(r"Overall exposure level for \S+: ([\d.]+)", scored.stdout)
    assert level, scored.stdout + scored.stderr
    assert float(level[1]) <= 2.0  # systemd's "OK" band


# -- the entrypoint, as the container runs it -------------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def database() -> Iterator[tuple[str, str]]:
    """A fresh database whose roles are made by deploy/postgres-init.sh, as PostgreSQL's
    container makes them: (database, web login). Dropped with its roles afterwards."""
    url = os.environ.get("VRHUB_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("VRHUB_REQUIRE_POSTGRES") == "1":
            pytest.fail("VRHUB_TEST_POSTGRES_URL is not set but PostgreSQL tests are required")
        pytest.skip("VRHUB_TEST_POSTGRES_URL not set")
    name = f"vrhub_ctr_{uuid.uuid4().hex[:10]}"
    web = f"{name}_web"
    psql = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-v",
            "ON_ERROR_STOP=1", "-qc"]
    subprocess.run([*psql, f'CREATE DATABASE "{name}"'], check=True, timeout=60)
    try:
        init = subprocess.run(
            ["sh", str(DEPLOY / "postgres-init.sh")], capture_output=True, text=True,
            timeout=60, check=False,
            env={"PATH": os.environ["PATH"], "PGHOST": "127.0.0.1", "POSTGRES_USER": "postgres",
                 "POSTGRES_DB": name, "VRHUB_WEB_LOGIN": web,
                 "VRHUB_WEB_PASSWORD": "not used with trust authentication"})
        assert init.returncode == 0, init.stderr
        yield name, web
    finally:
        subprocess.run([*psql, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'],
                       timeout=60, check=False)
        subprocess.run([*psql, f'DROP ROLE IF EXISTS "{web}", "{name}_app"'], timeout=60,
                       check=False)


def _python_in_view(stash: Path) -> str:
    """Mounts that let an unprivileged user run this environment's Python when it lives
    under a folder only root may enter (pyenv in /root): a folder in memory over that
    one, holding the Python alone. The image's Python is world-readable already."""
    base = Path(sys.base_prefix)
    closed = next((p for p in reversed(base.parents) if p != Path("/")
                   and not p.stat().st_mode & 0o001), None)
    if closed is None:
        return ""
    return (f"mount --bind {base} {stash} && mount -t tmpfs -o size=1m,mode=755 tmpfs "
            f"{closed} && mkdir -p {base} && mount --bind {stash} {base} && ")


def _contained(command: list[str], workspace: Path) -> list[str]:
    """``command`` as the container runs it: a read-only root file system, a /tmp in
    memory, the workspace mounted writable at /mnt, as an unprivileged user."""
    stash = workspace.parent / "python"
    stash.mkdir(exist_ok=True)
    setup = ("umask 022 && "
             f"mount --make-rprivate / && mount --bind {workspace} /mnt && "
             f"{_python_in_view(stash)}"
             "mount -t tmpfs -o size=64m,mode=1777 tmpfs /tmp && "
             "mount -o remount,bind,ro / && "
             f'exec setpriv --reuid={UNPRIVILEGED} --regid={UNPRIVILEGED} --clear-groups -- "$@"')
    return ["unshare", "--mount", "--", "sh", "-c", setup, "contained", *command]


def test_the_entrypoint_waits_upgrades_and_serves_read_only_as_nobody(
        tmp_path: Path, database: tuple[str, str]) -> None:
    if os.geteuid() != 0 or shutil.which("unshare") is None or shutil.which("setpriv") is None:
        if os.environ.get("CI") or os.environ.get("VRHUB_REQUIRE_POSTGRES") == "1":
            pytest.fail("the entrypoint test needs root, unshare and setpriv")
        pytest.skip("the entrypoint test needs root, unshare and setpriv")
    name, web = database
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    os.chown(workspace, UNPRIVILEGED, UNPRIVILEGED)
    port = _free_port()
    env = {"PATH": f"{BIN}:/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1",
           "VRHUB_BIN": str(BIN / "vrhub"), "VRHUB_HOME": "/mnt",
           "VRHUB_ENVIRONMENT": "production", "VRHUB_PORT": str(port),
           "VRHUB_SECRET_KEY": "an entrypoint test key that is long enough " + name,
           "VRHUB_REFERRAL_KEYS": "H1bLvx6EJt0bOqXa5c6o9yQIY7b3Qm2yJx6cOeWz8aU=",
           "VRHUB_DATABASE_URL": f"postgresql+psycopg://{web}@127.0.0.1:5432/{name}",
           "VRHUB_OWNER_DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}",
           "VRHUB_UPGRADE": "1", "VRHUB_WAIT_SECONDS": "30"}
    entrypoint = str(DEPLOY / "entrypoint.sh")

    log = tmp_path / "entrypoint.log"
    with log.open("wb") as out:
        server = subprocess.Popen(_contained([entrypoint], workspace), env=env, stdout=out,
                                  stderr=subprocess.STDOUT, start_new_session=True)
    try:
        ready = None
        deadline = time.monotonic() + 240  # four vrhub starts on a busy machine
        while time.monotonic() < deadline and server.poll() is None:
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=10)
            except httpx.TransportError:
                time.sleep(0.5)
                continue
            if ready.status_code == 200:
                break
            time.sleep(0.5)
        output = log.read_text(errors="replace")
        assert ready is not None and ready.status_code == 200, output[-4000:]
        assert ready.json()["checks"] == {"app_database": "ok", "warehouse": "ok"}
        assert f"-> {migrate.head()}" in output  # the app database upgraded, as the owner
        # a new workspace: the warehouse created at the newest schema version
        assert ("warehouse /mnt/warehouse.duckdb: created at schema version "
                f"{warehouse_schema.head()}") in output
        assert (workspace / "warehouse.duckdb").stat().st_uid == UNPRIVILEGED
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
        code = server.wait(timeout=60)
    # uvicorn shuts down cleanly, then ends by the signal it was sent
    assert code in (0, -signal.SIGTERM), log.read_text(errors="replace")[-3000:]
    assert "Application shutdown complete" in log.read_text(errors="replace")

    # any other arguments are a vrhub command, in the same confinement
    listed = subprocess.run(_contained([entrypoint, "db", "current"], workspace), env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert listed.returncode == 0, listed.stderr
    assert f"revision {migrate.head()}" in listed.stdout and "up to date" in listed.stdout
    # and nothing outside the workspace can be written
    tried = subprocess.run(_contained(["touch", str(REPO / "written-by-the-container")],
                                      workspace), capture_output=True, text=True, timeout=60,
                           check=False)
    assert tried.returncode != 0 and "Read-only file system" in tried.stderr
