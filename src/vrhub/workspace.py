"""The workspace: one directory holding everything vrhub keeps for a deployment.

Everything in it is its owner's alone: vrhub's processes make files 0600 and folders 0700
(:func:`keep_private`, called by the command line and the web app before they touch the
workspace), and the workspace folder itself is kept 0700, which also closes an older
workspace whose files were made readable by others.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

#: the file-mode creation mask: no rights for group or others
PRIVATE_UMASK = 0o077


def keep_private() -> None:
    """Files and folders this process makes from now on are owner-only (0600 / 0700):
    the app database, the warehouse and its parts, caches, logs, keys and backups."""
    os.umask(PRIVATE_UMASK)


@dataclass(frozen=True)
class Workspace:
    """Paths inside a workspace directory. Creating the object touches nothing on disk;
    :meth:`ensure` creates the directories."""

    home: Path

    @property
    def warehouse_path(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def downloads(self) -> Path:
        return self.home / "downloads"

    @property
    def outputs(self) -> Path:
        return self.home / "outputs"

    @property
    def public(self) -> Path:
        """Pre-computed, disclosure-checked public outputs."""
        return self.home / "public"

    @property
    def logs(self) -> Path:
        return self.home / "logs"

    @property
    def codelists(self) -> Path:
        return self.home / "codelists"

    def ensure(self) -> Workspace:
        for path in (self.home, self.downloads, self.outputs, self.public, self.logs):
            path.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.close_to_others()
        return self

    def close_to_others(self) -> None:
        """Make the workspace folder owner-only (0700), if it exists."""
        if self.home.is_dir() and self.home.stat().st_mode & 0o077:
            self.home.chmod(0o700)
