"""``vrhub serve`` sets the libraries' objects aside from the garbage collector before it
serves, so full collections no longer pause every request."""

from __future__ import annotations

import subprocess
import sys


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
