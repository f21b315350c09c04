"""``vrhub serve`` sets the libraries' objects aside from the garbage collector before it
serves, so full collections no longer pause every request; its server listens where it is
told (port 0: a free port the system chooses)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from vrhub.cli.serve import server_config
from vrhub.settings import Settings


def test_the_server_listens_on_the_port_asked_for_and_port_zero_is_a_free_one(
        tmp_path: Path) -> None:
    settings = Settings.load({"VRHUB_PORT": "8123"}, home=tmp_path, environment="test")
    assert server_config(settings, object()).port == 8123  # the setting, when not asked
    assert server_config(settings, object(), port=9000).port == 9000
    # 0 asks the system for a free port (tests serving side by side); it was taken as
    # "not asked", and two servers then both bound the setting's port
    assert server_config(settings, object(), port=0).port == 0


def test_settle_memory_imports_first_use_modules_and_freezes_them() -> None:
    code = (
        "import gc, sys, time\n"
        "from vrhub.cli.serve import FIRST_USE_MODULES, settle_memory\n"
        "import vrhub.web.app\n"
        "settle_memory()\n"
        "assert all(name in sys.modules for name in FIRST_USE_MODULES)\n"
        "frozen = gc.get_freeze_count()\n"
        "start = time.process_time(); gc.collect(); took = time.process_time() - start\n"
        "gc.unfreeze()\n"
        "start = time.process_time(); gc.collect(); unfrozen = time.process_time() - start\n"
        "print(frozen, took, unfrozen)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    frozen, took, unfrozen = done.stdout.split()
    assert int(frozen) > 100_000  # the libraries' objects, set aside
    assert float(took) < float(unfrozen)  # a full collection no longer walks them


def test_routes_are_prepared_before_the_first_request(tmp_path: Path,
                                                      monkeypatch: Any) -> None:
    """Each route's parameter validators are built before serving, not while the first
    requests wait: the first health check and the first unknown address build none."""
    import fastapi.routing
    from fastapi.testclient import TestClient

    from vrhub.cli.serve import prepare_routes
    from vrhub.web.app import create_app

    built: list[str] = []
    make = fastapi.routing.create_model_field

    def counted(*args: Any, **kwargs: Any) -> Any:
        built.append(str(kwargs.get("name", args[0] if args else "")))
        return make(*args, **kwargs)

    monkeypatch.setattr(fastapi.routing, "create_model_field", counted)
    for prepared in (False, True):
        app = create_app(Settings.load({}, home=tmp_path / str(prepared),
                                       environment="test"))
        if prepared:
            prepare_routes(app)
            assert len(built) > 100  # every route's, now
        built.clear()
        client = TestClient(app)
        assert client.get("/healthz").status_code == 200
        assert client.get("/no/such/page").status_code == 404
        assert (built == []) is prepared, built[:5]
        built.clear()
        app.state.access.close()
