"""Built front-end assets are readable by every account, whatever umask built them: vrhub's
own commands make files owner-only, and `vrhub assets build` is one of them."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from vrhub.web import assets

REPO = Path(__file__).resolve().parents[3]


def test_assets_built_under_a_private_umask_are_readable_by_all(tmp_path: Path) -> None:
    vendor = tmp_path / "vendor"
    before = os.umask(0o077)
    try:
        written = assets.build(REPO / "node_modules", vendor)
    finally:
        os.umask(before)
    assert vendor / "vrhub.css" in written
    paths = [vendor, *vendor.rglob("*")]
    assert len(paths) > len(written)
    for path in paths:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o755 if path.is_dir() else 0o644), (path, oct(mode))
