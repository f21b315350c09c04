"""``python -m vrhub``: the module runs the command line and exits with its code."""

from __future__ import annotations

import sys

import pytest

from vrhub.versions import version_line


def run_module(monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    """Import ``vrhub.__main__`` afresh with ``args`` on the command line; its exit code."""
    monkeypatch.setattr(sys, "argv", ["vrhub", *args])
    monkeypatch.delitem(sys.modules, "vrhub.__main__", raising=False)
    with pytest.raises(SystemExit) as done:
        import vrhub.__main__  # noqa: F401
    code = done.value.code
    return 0 if code is None else int(code)


def test_the_module_prints_the_version_and_exits_0(monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert run_module(monkeypatch, "--version") == 0
    assert capsys.readouterr().out.strip() == version_line()


def test_an_unknown_command_exits_2_naming_it(monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert run_module(monkeypatch, "no-such-command") == 2
    assert "no-such-command" in capsys.readouterr().err
