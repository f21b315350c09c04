"""What a load reports back: per file, rows read / loaded / quarantined and why."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class FileReport:
    file: str
    sha256: str
    status: str  # loaded | unchanged | replaced-older
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    partition: str | None = None
    quarantined_by_rule: dict[str, int] = field(default_factory=dict)
    replaced_files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class LoadReport:
    source: str
    files: list[FileReport] = field(default_factory=list)
    #: what the whole load announces (the study area, rows outside it, ...)
    notes: list[str] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return sum(f.rows_read for f in self.files)

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    @property
    def rows_quarantined(self) -> int:
        return sum(f.rows_quarantined for f in self.files)

    def quarantined_by_rule(self) -> dict[str, int]:
        total: Counter[str] = Counter()
        for f in self.files:
            total.update(f.quarantined_by_rule)
        return dict(total)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "rows_read": self.rows_read,
            "rows_loaded": self.rows_loaded,
            "rows_quarantined": self.rows_quarantined,
            "quarantined_by_rule": self.quarantined_by_rule(),
            "notes": list(self.notes),
            "files": [f.to_dict() for f in self.files],
        }
