"""The foundation: settings, errors, CLI behaviour, generated docs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from vrhub.cli.reference import stale
from vrhub.errors import CodeError, ConfigError, InputError
from vrhub.ingest.inputs import discover
from vrhub.secret_strength import new_secret_key
from vrhub.settings import Settings
from vrhub.standards.codes import BoroughCode, LSOACode, ODSCode, WardCode

REPO = Path(__file__).resolve().parents[3]


def test_settings_read_only_the_given_environment(tmp_path: Path) -> None:
    s = Settings.load({"VRHUB_HOME": str(tmp_path), "VRHUB_PORT": "9000", "OTHER": "x"})
    assert s.home == tmp_path.resolve()
    assert s.port == 9000
    assert s.resolved_database_url == f"sqlite:///{tmp_path.resolve() / 'app.db'}"


@pytest.mark.parametrize("secret", ["", "changeme", "secret", "short-but-random"])
def test_production_refuses_placeholder_secrets(tmp_path: Path, secret: str) -> None:
    with pytest.raises(ConfigError, match="VRHUB_SECRET_KEY"):
        Settings.load({"VRHUB_HOME": str(tmp_path), "VRHUB_ENVIRONMENT": "production",
                       "VRHUB_SECRET_KEY": secret})


def test_production_accepts_a_real_secret(tmp_path: Path) -> None:
    s = Settings.load({"VRHUB_HOME": str(tmp_path), "VRHUB_ENVIRONMENT": "production",
                       "VRHUB_SECRET_KEY": new_secret_key()})
    assert s.environment == "production"


def test_bad_setting_is_a_clear_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="VRHUB_PORT"):
        Settings.load({"VRHUB_HOME": str(tmp_path), "VRHUB_PORT": "not-a-port"})


@pytest.mark.parametrize(
    ("kind", "good", "bad"),
    [(LSOACode, "e01000001", "E05000001"), (WardCode, "E05009288", "E0500928"),
     (BoroughCode, "E09000033", "E08000001"), (ODSCode, "RJ122", "R!1")],
)
def test_codes_are_checked_on_creation(kind: type, good: str, bad: str) -> None:
    assert kind(good) == good.upper()
    with pytest.raises(CodeError, match=rf"^{re.escape(repr(bad))} is not an? "):
        kind(bad)


def test_unknown_command_exits_non_zero(run) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run("no-such-command")
    assert code == 2
    assert "No such command" in err


def test_user_error_prints_one_message_without_traceback(run) -> None:  # type: ignore[no-untyped-def]
    code, _out, err = run("load", "no-such-source", "x.csv")
    assert code == 2
    assert "Traceback" not in err
    assert err.startswith("error: unknown source 'no-such-source'")


def test_missing_input_path_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"missing\.csv: no such file or folder"):
        discover([tmp_path / "missing.csv"])


def test_truncated_gzip_is_an_input_error(tmp_path: Path) -> None:
    import gzip

    path = tmp_path / "2024-01-x-street.csv.gz"
    path.write_bytes(gzip.compress(b"Crime ID,Month\n" * 5000)[:200])
    (source,) = discover([path])
    with pytest.raises(InputError, match="truncated or corrupt") as info:
        source.sha256()
    assert str(path) in str(info.value)


def test_reference_docs_are_current() -> None:
    assert stale(REPO / "docs" / "reference") == [], "run `vrhub docs build` and commit"
