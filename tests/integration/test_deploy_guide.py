"""The deployment guide, followed literally.

Every ```sh block of docs/how-to/deploy-with-postgresql.md runs, in order, as root in a
fresh scratch tree against the local PostgreSQL: the release built by scripts/build-release
installed into a new virtual environment, a real system account for the service, the
database and its three roles created by the SQL `vrhub db roles-sql` prints, the settings
file, both schemas, the first administrator, a first load of real open data, publishing,
the real server (checked through /readyz and a signed-in page) and the systemd unit
checked by `systemd-analyze verify`. Only the guide's first block, the one it tells the
reader to edit, is changed: its names point into the scratch tree and at a uniquely named
database, whose roles and account are removed afterwards.

The install step takes minutes (pip fetching every locked dependency). With
VRHUB_DEPLOY_GUIDE_VENV=/some/dir the guide installs into that folder instead of a fresh
one, and a second run finds the dependencies there; CI leaves it unset.
"""

from __future__ import annotations

import gzip
import http.cookies
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from vrhub.storage.appdb import migrate
from vrhub.versions import warehouse_head

REPO = Path(__file__).resolve().parents[2]
GUIDE = REPO / "docs" / "how-to" / "deploy-with-postgresql.md"
FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)
#: what the test's first load reads from ../shared/data (small: the run stays quick)
POLICE_MONTHS = ("2025-07", "2025-08", "2025-09")
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#: bash's own variables, never carried from one block to the next
BASH_OWN = re.compile(r"^(BASH.*|EUID|PPID|UID|SHELLOPTS|GROUPS|FUNCNAME|PIPESTATUS|DIRSTACK|"
                      r"HIST.*|RANDOM|SRANDOM|SECONDS|LINENO|EPOCH.*|OPT.*|_|COMP.*|PS\d|IFS|"
                      r"HOSTNAME|HOSTTYPE|MACHTYPE|OSTYPE|SHLVL|PWD|OLDPWD|COLUMNS|LINES|"
                      r"MAIL.*|TERM|PWD)$")


@dataclass(frozen=True)
class Block:
    info: str
    body: str

    @property
    def runnable(self) -> bool:
        return self.info.split()[:1] == ["sh"]

    @property
    def foreground(self) -> bool:
        return self.info.split() == ["sh", "foreground"]


def guide_blocks(text: str) -> list[Block]:
    return [Block(m[1].strip(), m[2]) for m in FENCE.finditer(text)]


def test_every_block_of_the_guide_says_whether_it_runs() -> None:
    blocks = guide_blocks(GUIDE.read_text())
    assert {b.info for b in blocks} <= {"sh", "sh foreground", "text", "json", "yaml"}, (
        "mark each block ```sh (run by the test) or ```text (not runnable here)")
    runnable = [b for b in blocks if b.runnable]
    assert len(runnable) >= 10
    assert sum(b.foreground for b in runnable) == 1
    # the first block is the one the reader edits: names only
    assert all(line.startswith("export ") for line in runnable[0].body.splitlines())


def test_the_guides_settings_are_real_settings() -> None:
    from vrhub.settings import Settings

    text = "".join(b.body for b in guide_blocks(GUIDE.read_text()) if b.runnable)
    named = set(re.findall(r"^(VRHUB_\w+)=", text, re.MULTILINE))
    assert {"VRHUB_DATABASE_URL", "VRHUB_POSTGRES_APP_ROLE", "VRHUB_SECRET_KEY",
            "VRHUB_REFERRAL_KEYS", "VRHUB_TRUSTED_PROXIES"} <= named
    assert {n.removeprefix("VRHUB_").lower() for n in named} <= set(Settings.model_fields)


def test_the_roles_a_dba_creates_are_named_after_the_database(run) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run("db", "roles-sql", "--database", "staging_vrhub")
    assert code == 0, err
    assert re.findall(r"^CREATE (?:ROLE|DATABASE) (\w+)", out, re.MULTILINE) == [
        "staging_vrhub_owner", "staging_vrhub", "staging_vrhub_app", "staging_vrhub_web"]
    assert "IN ROLE staging_vrhub_app;" in out


def with_names(block: Block, names: dict[str, str]) -> str:
    """The first block with the test's names in place of the guide's."""
    lines, seen = [], set()
    for line in block.body.splitlines():
        found = re.match(r"export ([A-Z_]+)=(\S+)(?: ([A-Z_]+)=(\S+))?(\s+#.*)?$", line)
        assert found, f"not a plain `export NAME=value` line: {line}"
        pairs = [(found[1], found[2])] + ([(found[3], found[4])] if found[3] else [])
        for name, _ in pairs:
            seen.add(name)
        lines.append("export " + " ".join(
            f"{name}={_quote(names[name]) if name in names else value}"
            for name, value in pairs))
    assert set(names) <= seen, f"the guide's first block no longer sets {set(names) - seen}"
    return "\n".join(lines) + "\n"


def _quote(value: str) -> str:
    return "'" + value.replace("'", "'\\''") + "'"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _rows(path: Path) -> int:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return sum(1 for _ in handle) - 1


class Shell:
    """Runs blocks one after another as the reader's one root shell would: each block in
    bash with the variables the blocks before it set."""

    def __init__(self, workdir: Path, env: dict[str, str], stdin: str) -> None:
        self.workdir = workdir
        self.env = env
        self.stdin = stdin
        self.state = workdir / ".guide-state"
        self.transcript: list[str] = []

    def script(self, body: str, *, keep_state: bool = True) -> str:
        save = (f"\ndeclare -p $(compgen -v | grep -Ev '{BASH_OWN.pattern}') > "
                f"{self.state} 2>/dev/null\n") if keep_state else ""
        # umask 077, as on a hardened server: the guide must say what others may read
        return (f"set -euo pipefail\numask 077\n[ -f {self.state} ] && . {self.state}\n"
                f"cd {self.workdir}\n{body}{save}")

    def run(self, body: str) -> None:
        done = subprocess.run(["bash", "-c", self.script(body)], input=self.stdin, text=True,
                              capture_output=True, env=self.env, timeout=1200, check=False)
        self.transcript.append(f"$ {body}\n{done.stdout}{done.stderr}")
        assert done.returncode == 0, (
            f"the guide's block failed (exit {done.returncode}):\n{body}\n--- stdout\n"
            f"{done.stdout[-4000:]}\n--- stderr\n{done.stderr[-4000:]}")

    def start(self, body: str, log: Path) -> subprocess.Popen[bytes]:
        with log.open("wb") as out:
            return subprocess.Popen(["bash", "-c", self.script(body, keep_state=False)],
                                    stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=subprocess.STDOUT, env=self.env,
                                    start_new_session=True)


@pytest.fixture
def scratch() -> Iterator[Path]:
    """A scratch tree the service's account can reach (pytest's own is private to root)."""
    root = Path(tempfile.mkdtemp(prefix="vrhub-guide-"))
    root.chmod(0o755)
    yield root
    shutil.rmtree(root, ignore_errors=True)


def _postgres() -> dict[str, str]:
    url = os.environ.get("VRHUB_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("VRHUB_REQUIRE_POSTGRES") == "1":
            pytest.fail("VRHUB_TEST_POSTGRES_URL is not set but PostgreSQL tests are required")
        pytest.skip("VRHUB_TEST_POSTGRES_URL not set")
    parts = urlsplit(url)
    return {"host": parts.hostname or "127.0.0.1", "port": str(parts.port or 5432),
            "user": parts.username or "postgres"}


def _require_tools() -> None:
    missing = [tool for tool in ("runuser", "useradd", "userdel", "psql", "systemd-analyze")
               if shutil.which(tool) is None]
    problem = ("the guide runs as root (it adds a system account)" if os.geteuid() != 0
               else f"missing {', '.join(missing)}" if missing else None)
    if problem:
        if os.environ.get("CI") or os.environ.get("VRHUB_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"cannot follow the deployment guide: {problem}")
        pytest.skip(problem)


def _psql(pg: dict[str, str], sql: str) -> str:
    done = subprocess.run(["psql", "-h", pg["host"], "-p", pg["port"], "-U", pg["user"],
                           "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-Atc", sql],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _drop(pg: dict[str, str], db: str, account: str) -> None:
    subprocess.run(["psql", "-h", pg["host"], "-p", pg["port"], "-U", pg["user"], "-d",
                    "postgres", "-c", f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)',
                    "-c", f'DROP ROLE IF EXISTS "{db}_web", "{db}_app", "{db}_owner"'],
                   capture_output=True, timeout=60, check=False)
    subprocess.run(["userdel", account], capture_output=True, timeout=60, check=False)
    subprocess.run(["groupdel", account], capture_output=True, timeout=60, check=False)


def _open_data(data: Path, shared: Path) -> int:
    """Links to a small part of the real open data, laid out as the guide's $DATA;
    returns the police rows in it, counted from the files."""
    folders = {"boundaries": [shared / "boundaries" / "london_boroughs.geojson.gz",
                              shared / "boundaries" / "london_wards.json.gz"],
               "police-uk": [shared / "police-uk" / "city-of-london" /
                             f"{month}-city-of-london-street.csv.gz"
                             for month in POLICE_MONTHS],
               "mps": [shared / "london-datastore" / "mps-recorded-crime" /
                       "recorded-crime-borough.csv.gz"]}
    data.mkdir()
    data.chmod(0o755)  # readable by the service's account, whatever the umask
    for folder, files in folders.items():
        (data / folder).mkdir()
        (data / folder).chmod(0o755)
        for file in files:
            (data / folder / file.name).symlink_to(file)
    return sum(_rows(file) for file in folders["police-uk"])


def _build_release(into: Path) -> str:
    built = subprocess.run([str(REPO / "scripts" / "build-release"), "--reuse-assets"],
                           cwd=REPO,
                           env={**os.environ, "DIST": str(into)}, capture_output=True,
                           text=True, timeout=900, check=False)
    assert built.returncode == 0, built.stderr
    wheel = Path(built.stdout.strip().splitlines()[-1])
    return wheel.name.split("-")[1]


class Browser:
    """A client keeping its cookies by hand: production cookies are Secure, and the test
    talks plain HTTP to vrhub as its trusted proxy would, saying the user came by HTTPS."""

    def __init__(self, base: str) -> None:
        self.client = httpx.Client(base_url=base, timeout=60,
                                   headers={"X-Forwarded-Proto": "https"})
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, **kwargs: object) -> httpx.Response:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        answer = self.client.request(method, path, headers=headers, **kwargs)  # type: ignore[arg-type]
        for raw in answer.headers.get_list("set-cookie"):
            jar = http.cookies.SimpleCookie()
            jar.load(raw)
            for name, morsel in jar.items():
                assert morsel["secure"], f"cookie {name} is not Secure in production"
                self.cookies[name] = morsel.value
        return answer


def _wait_ready(base: str, server: subprocess.Popen[bytes], log: Path) -> httpx.Response:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"vrhub serve stopped (exit {server.returncode}):\n"
                        f"{log.read_text(errors='replace')[-4000:]}")
        try:
            answer = httpx.get(f"{base}/readyz", timeout=10)
        except httpx.TransportError:
            time.sleep(0.5)
            continue
        if answer.status_code == 200:
            return answer
        time.sleep(0.5)
    pytest.fail(f"/readyz never answered 200:\n{log.read_text(errors='replace')[-4000:]}")


def _check_the_running_server(base: str, email: str, password: str, police_rows: int) -> None:
    ready = httpx.get(f"{base}/readyz", timeout=10).json()
    assert ready["status"] == "ready"
    assert ready["checks"] == {"app_database": "ok", "warehouse": "ok"}

    browser = Browser(base)
    page = browser.request("GET", "/sign-in")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, "the sign-in page has no CSRF token"
    signed = browser.request("POST", "/sign-in", data={
        "email": email, "password": password, "csrf_token": token[1], "next": "/account"},
        follow_redirects=False)
    assert signed.status_code == 303, signed.text[:2000]
    account = browser.request("GET", "/account")
    assert account.status_code == 200
    shown = dict(re.findall(r'<dt class="govuk-summary-list__key">([^<]+)</dt>'
                            r'<dd class="govuk-summary-list__value">([^<]+)</dd>', account.text))
    assert shown["Email"] == email and shown["Role"].lower() == "administrator"
    # what the first load read, as the administrator sees it: every police row loaded
    sources = browser.request("GET", "/api/v1/sources").json()["sources"]
    police = next(s for s in sources if s["source"] == "police")
    assert (police["files"], police["rows_read"], police["rows_loaded"]) == (
        len(POLICE_MONTHS), police_rows, police_rows)
    # and the public figures publish wrote
    public = httpx.get(f"{base}/api/v1/public", timeout=30)
    assert public.status_code == 200, public.text[:500]


@pytest.mark.slow
def test_the_deployment_guide_works_when_followed_literally(
        scratch: Path, shared_data: Path) -> None:
    pg = _postgres()
    _require_tools()
    run_id = uuid.uuid4().hex[:8]
    db = f"vrhub_guide_{run_id}"
    account = f"vrguide{run_id}"
    port = _free_port()
    release = scratch / "release"
    police_rows = _open_data(scratch / "data", shared_data)
    version = _build_release(release)
    prefix = os.environ.get("VRHUB_DEPLOY_GUIDE_VENV") or str(scratch / "opt" / "vrhub")
    if Path(prefix, "bin", "pip").exists():  # a kept environment: install this vrhub afresh
        subprocess.run([f"{prefix}/bin/pip", "uninstall", "--quiet", "--yes", "vrhub"],
                       check=True, timeout=300)
    names = {"RELEASE": version, "PREFIX": prefix, "CONFIG": str(scratch / "etc" / "vrhub"),
             "VRHUB_HOME": str(scratch / "srv" / "vrhub"), "DATA": str(scratch / "data"),
             "SERVICE_USER": account, "UNIT": str(scratch / "systemd" / "vrhub.service"),
             "PGHOST": pg["host"], "PGPORT": pg["port"], "DB": db, "PORT": str(port)}
    (scratch / "systemd").mkdir()
    email = "first.admin@london.gov.uk"
    password = f"deploy guide {run_id} walk through"
    # a fresh server's root shell: the system's Python, which the service's account can run
    env = {"PATH": SYSTEM_PATH, "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8",
           "PGUSER": pg["user"]}
    for name in ("PIP_FIND_LINKS", "PIP_CERT", "PIP_DEFAULT_TIMEOUT", "PIP_INDEX_URL",
                 "PIP_EXTRA_INDEX_URL", "PIP_DISABLE_PIP_VERSION_CHECK", "PIP_CONFIG_FILE",
                 "SSL_CERT_FILE", "HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY"):
        if name in os.environ:
            env[name] = os.environ[name]
    shell = Shell(release, env, stdin=password + "\n")

    blocks = [b for b in guide_blocks(GUIDE.read_text()) if b.runnable]
    server: subprocess.Popen[bytes] | None = None
    try:
        shell.run(with_names(blocks[0], names))
        for block in blocks[1:]:
            if not block.foreground:
                shell.run(block.body)
                continue
            log = scratch / "serve.log"
            server = shell.start(block.body, log)
            base = f"http://127.0.0.1:{port}"
            _wait_ready(base, server, log)
            _check_the_running_server(base, email, password, police_rows)
            os.killpg(server.pid, signal.SIGINT)  # Ctrl+C: a clean shutdown
            code = server.wait(timeout=60)
            assert code in (0, 130, -signal.SIGINT), log.read_text(errors="replace")[-3000:]
            assert "Application shutdown complete" in log.read_text(errors="replace")
            server = None

        # what the guide promised along the way
        home = Path(names["VRHUB_HOME"])
        owner = subprocess.run(["id", "-u", account], capture_output=True, text=True,
                               check=True).stdout.strip()
        assert (home / "warehouse.duckdb").stat().st_uid == int(owner)
        assert oct((Path(names["CONFIG"]) / "vrhub.env").stat().st_mode & 0o777) == "0o640"
        assert oct((Path(names["CONFIG"]) / "owner.env").stat().st_mode & 0o777) == "0o600"
        settings = (Path(names["CONFIG"]) / "vrhub.env").read_text()
        assert f"VRHUB_POSTGRES_APP_ROLE={db}_app" in settings
        assert f"{db}_owner" not in settings  # the web app never sees the owner's login
        assert _psql(pg, f"SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_roles "
                         f"WHERE rolname LIKE '{db}%'") == f"{db}_app,{db}_owner,{db}_web"
        assert _psql(pg, f"SELECT pg_has_role('{db}_web', '{db}_app', 'MEMBER')") == "t"
        current = subprocess.run(
            [f"{prefix}/bin/vrhub", "db", "current", "--json"], capture_output=True,
            text=True, check=True, timeout=120,
            env={**env, "VRHUB_HOME": str(home), "VRHUB_DATABASE_URL":
                 f"postgresql+psycopg://{db}_web@{pg['host']}:{pg['port']}/{db}"})
        assert json.loads(current.stdout)["revision"] == migrate.head()
        assert (home / "warehouse.duckdb").exists() and warehouse_head() >= 1
        unit = Path(names["UNIT"]).read_text()
        assert f"User={account}" in unit and f"ReadWritePaths={home}" in unit
        assert f"ExecStart={prefix}/bin/vrhub serve" in unit
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=30)
        _drop(pg, db, account)
