"""Receive one file in a process of its own and report its peak memory above idle.

    python tests/upload_probe.py {api|web|cli} SHARED_DATA_DIR WORKDIR FILE...

``api`` posts each FILE to ``/api/v1/istv/submissions`` with an API token, ``web`` to the
``/upload`` page signed in, ``cli`` runs ``vrhub istv submit FILE``. First a small valid
month is received the same way (so imports, the app and the gazetteer are warm: "idle"),
then each FILE. Prints one JSON line per FILE: the HTTP status or exit code, the message,
and ``ru_maxrss`` at idle and after it (kB; the peak of the process so far), so the
difference is the most memory any FILE so far added on top of idle.
"""

from __future__ import annotations

import json
import resource
import sys
from pathlib import Path
from typing import Any

SITE = "RAL01"


def _peak_kb() -> int:
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _cli(files: list[Path], home: Path, sites: Path, warm: Path) -> None:
    import contextlib
    import io

    from vrhub.cli.main import main

    env = {"VRHUB_HOME": str(home)}
    assert main(["load", "ed-sites", str(sites)], env) == 0
    assert main(["istv", "submit", str(warm), "--site", SITE, "--period", "2024-03"],
                env) == 0
    idle = _peak_kb()
    for file in files:
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = main(["istv", "submit", str(file), "--site", SITE, "--period", "2024-01"],
                        env)
        _report(file, code, err.getvalue(), idle)


def _report(file: Path, status: int, message: str, idle: int) -> None:
    print(json.dumps({"file": file.name, "status": status, "message": message,
                      "idle_kb": idle, "peak_kb": _peak_kb()}), flush=True)


def _http(mode: str, files: list[Path], home: Path, sites: Path, warm: Path) -> None:
    import re

    from fastapi.testclient import TestClient

    from vrhub.access.principal import console_administrator
    from vrhub.cli.main import main
    from vrhub.settings import Settings
    from vrhub.web.app import create_app

    assert main(["load", "ed-sites", str(sites)], {"VRHUB_HOME": str(home)}) == 0
    app = create_app(Settings.load({}, home=home, environment="test"))
    admin = console_administrator("probe")
    password = "plum kettle orbit lantern 42"
    app.state.access.identity.create_user(admin, "lead@ral.example", role="ed_data_lead",
                                          organisation="RAL", sites=(SITE,),
                                          password=password)
    client = TestClient(app)
    if mode == "api":
        token, _ = app.state.access.tokens.create(admin, "lead@ral.example", "probe")
        headers = {"Authorization": f"Bearer {token}"}

        def post(path: Path, period: str) -> Any:
            with path.open("rb") as handle:
                return client.post("/api/v1/istv/submissions", headers=headers,
                                   data={"site": SITE, "period": period},
                                   files={"file": (path.name, handle, "text/csv")})
    else:
        page = client.get("/sign-in").text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert csrf
        client.post("/sign-in", data={"email": "lead@ral.example", "password": password,
                                      "csrf_token": csrf.group(1)})

        def post(path: Path, period: str) -> Any:
            form = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/upload").text)
            assert form
            with path.open("rb") as handle:
                return client.post("/upload", data={"site": SITE,
                                                     "csrf_token": form.group(1)},
                                   files={"file": (path.name, handle, "text/csv")},
                                   follow_redirects=False)

    warmed = post(warm, "2024-03")
    assert warmed.status_code in (201, 303), warmed.text
    idle = _peak_kb()
    for file in files:
        response = post(file, "2024-01")
        _report(file, response.status_code, response.text, idle)


def main(argv: list[str]) -> None:
    mode, shared, work = argv[0], Path(argv[1]), Path(argv[2])
    files = [Path(f) for f in argv[3:]]
    from vrhub.synthetic.istv import write_month

    warm = write_month(work / "warm.csv", SITE, "2024-03", seed=3, n=40)
    sites = shared / "nhs" / "site_xy.csv.gz"
    home = work / "home"
    if mode == "cli":
        _cli(files, home, sites, warm)
    else:
        _http(mode, files, home, sites, warm)


if __name__ == "__main__":
    main(sys.argv[1:])
