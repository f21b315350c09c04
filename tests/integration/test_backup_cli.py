"""``vrhub backup create`` and ``verify`` (vrhub.cli.backup): the manifest pairs the files,
and a changed file is found."""

from __future__ import annotations

import json
from pathlib import Path

from vrhub.cli import backup
from vrhub.errors import UserError


def test_a_backup_verifies_until_a_file_changes(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert run("db", "upgrade")[0] == 0
    assert run("users", "add", "tom@towerhamlets.gov.uk", "--role", "borough_analyst",
               "--org", "E09000030", "--borough", "E09000030")[0] == 0
    destination = tmp_path / "backups" / "first"
    code, out, err = run("backup", backup.create.name, destination, "--json")
    assert code == 0, err
    manifest = json.loads(out)
    on_disk = {p.relative_to(destination).as_posix() for p in destination.rglob("*")
               if p.is_file()}
    assert set(manifest["files"]) <= on_disk and manifest["files"]
    code, out, err = run("backup", backup.verify_.name, destination)
    assert code == 0, err
    assert f"{len(manifest['files'])} files match the manifest" in out + err
    changed = destination / sorted(manifest["files"])[0]
    changed.write_bytes(changed.read_bytes() + b"\0")
    code, out, err = run("backup", backup.verify_.name, destination)
    assert code == UserError.exit_code
    assert f"{changed.name} in {destination} does not belong to this backup" in err
