"""The workspace: one directory holding everything vrhub keeps for a deployment."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


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
            path.mkdir(parents=True, exist_ok=True)
        return self
