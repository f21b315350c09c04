"""Front-end assets: installed from npm at build time, compiled and copied into
``vrhub/web/static/vendor`` (git-ignored), and served by vrhub itself — never from a CDN.

``vrhub assets build`` (run by ``scripts/bootstrap``) compiles GOV.UK Frontend's Sass with
vrhub's settings (Arial, vrhub's asset path, no GOV.UK branding) and copies the JavaScript,
fonts-free assets, Leaflet and the PMTiles reader (for a basemap file served by vrhub).
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from vrhub.errors import UserError

WEB = Path(__file__).resolve().parent
STATIC = WEB / "static"
VENDOR = STATIC / "vendor"
SCSS = WEB / "scss" / "vrhub.scss"

# (source under node_modules, destination under static/vendor)
COPIES: tuple[tuple[str, str], ...] = (
    ("govuk-frontend/dist/govuk/govuk-frontend.min.js", "govuk/govuk-frontend.min.js"),
    ("govuk-frontend/dist/govuk/assets/images", "govuk/assets/images"),
    ("govuk-frontend/dist/govuk/assets/manifest.json", "govuk/assets/manifest.json"),
    ("leaflet/dist/leaflet.js", "leaflet/leaflet.js"),
    ("leaflet/dist/leaflet.css", "leaflet/leaflet.css"),
    ("leaflet/dist/images", "leaflet/images"),
    ("pmtiles/dist/pmtiles.js", "pmtiles/pmtiles.js"),
)
REQUIRED = ("vrhub.css", "govuk/govuk-frontend.min.js", "leaflet/leaflet.js", "leaflet/leaflet.css")


@dataclass(frozen=True)
class AssetStatus:
    ready: bool
    missing: tuple[str, ...]


def status(vendor: Path = VENDOR) -> AssetStatus:
    missing = tuple(name for name in REQUIRED if not (vendor / name).exists())
    return AssetStatus(ready=not missing, missing=missing)


def find_node_modules(start: Path) -> Path:
    for folder in (start, *start.parents):
        candidate = folder / "node_modules"
        if (candidate / "govuk-frontend").is_dir():
            return candidate
    raise UserError(
        "front-end packages are not installed (no node_modules/govuk-frontend found)",
        hint="run `npm ci` in the repository (scripts/bootstrap does it), then "
        "`vrhub assets build`",
    )


def build(node_modules: Path | None = None, vendor: Path = VENDOR) -> list[Path]:
    """Compile the stylesheet and copy vendor files; returns what was written."""
    modules = node_modules or find_node_modules(Path.cwd())
    vendor.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for source, dest in COPIES:
        src = modules / source
        dst = vendor / dest
        if not src.exists():
            raise UserError(f"front-end file {src} is missing",
                            hint="run `npm ci` again; the package may be incomplete")
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else:
            shutil.copy2(src, dst)
        written.append(dst)
    sass = modules / ".bin" / "sass"
    if not sass.exists():
        raise UserError("the sass compiler is not installed", hint="run `npm ci`")
    css = vendor / "vrhub.css"
    result = subprocess.run(
        [str(sass), f"--load-path={modules}", "--no-source-map", "--style=compressed",
         "--quiet-deps", "--silence-deprecation=import", str(SCSS), str(css)],
        capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        raise UserError(f"compiling {SCSS.name} failed: {result.stderr.strip()[:500]}")
    written.append(css)
    _readable_by_all(vendor)
    return written


def _readable_by_all(vendor: Path) -> None:
    """The built assets are part of the installed package, served to anyone, and read by
    whichever account runs vrhub: readable by all (0644 / 0755), whatever the umask of the
    process that built them (vrhub's own commands make their files owner-only)."""
    vendor.chmod(0o755)
    for path in vendor.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
