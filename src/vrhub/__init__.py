"""vrhub: the data platform of London's violence-reduction partnership."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("vrhub")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
