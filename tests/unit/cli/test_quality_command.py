"""``vrhub quality``: one report per source found in the quality package, every one of them
readable on an empty warehouse, and an unknown source refused naming the known ones."""

from __future__ import annotations

import json

from tests.conftest import Runner
from vrhub.cli import quality as quality_command
from vrhub.errors import UserError
from vrhub.quality import all_reports, get_report, istv, police, reference


def test_every_module_declaring_reports_is_found() -> None:
    declared = {report.source: report for module in (police, istv, reference)
                for report in module.REPORTS}
    found = all_reports()
    assert found == dict(sorted(declared.items()))
    assert {"police", "istv"} <= set(found)


def test_each_report_reads_an_empty_workspace(run: Runner) -> None:
    assert quality_command.command.name == "quality"
    code, out, err = run("quality", "--json")
    assert code == 0, err
    sources = json.loads(out)["sources"]
    assert set(sources) == set(all_reports())
    code, out, err = run("quality", "--source", "police", "--json")
    assert code == 0, err
    assert list(json.loads(out)["sources"]) == ["police"]


def test_an_unknown_source_is_refused_naming_the_known_ones(run: Runner) -> None:
    code, _, err = run("quality", "--source", "weather")
    assert code == UserError.exit_code
    assert "no quality report for source 'weather'" in err
    assert get_report("police").source == "police"
    for source in all_reports():
        assert source in err
