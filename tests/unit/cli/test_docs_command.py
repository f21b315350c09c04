"""``vrhub docs build`` writes the reference pages and ``vrhub docs check`` names every
page that is missing or differs."""

from __future__ import annotations

from pathlib import Path

from vrhub.cli.docs import DEFAULT_DIR
from vrhub.errors import UserError

REPO = Path(__file__).resolve().parents[3]


def test_the_default_folder_is_the_repositorys_reference_and_it_is_current(run) -> None:  # type: ignore[no-untyped-def]
    assert (REPO / DEFAULT_DIR).is_dir()
    code, _, err = run("docs", "check", "--dir", REPO / DEFAULT_DIR)
    assert code == 0, err


def test_check_names_the_pages_missing_or_changed_and_build_mends_them(  # type: ignore[no-untyped-def]
        run, tmp_path: Path) -> None:
    folder = tmp_path / "reference"
    code, _, err = run("docs", "check", "--dir", folder)
    assert code == UserError.exit_code
    expected = sorted(p.name for p in (REPO / DEFAULT_DIR).iterdir() if p.is_file())
    assert "stale reference docs: " in err
    named = err.split("stale reference docs: ")[1].splitlines()[0].split(", ")
    assert sorted(named) == expected  # every page of the reference, none written yet

    code, _, err = run("docs", "build", "--dir", folder)
    assert code == 0
    assert err.count("wrote ") == len(list(folder.iterdir()))
    assert run("docs", "check", "--dir", folder)[0] == 0

    page = sorted(folder.iterdir())[0]
    page.write_text(page.read_text(encoding="utf-8") + "\nedited by hand\n", encoding="utf-8")
    code, _, err = run("docs", "check", "--dir", folder)
    assert code == UserError.exit_code
    assert f"stale reference docs: {page.name}" in err
    assert "vrhub docs build" in err
