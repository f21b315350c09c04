"""Sub-commands of ``vrhub outcomes`` for returns: templates, submission, review."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from vrhub.cli.context import AppContext, json_option, pass_app
from vrhub.cli.outcomes_support import emit, open_outcomes
from vrhub.errors import UserError


@click.command(name="template")
@click.argument("programme")
@click.argument("period")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv"]), default="xlsx",
              show_default=True, help="XLSX (dropdowns and checks) or CSV.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write it (default: its own name in this folder).")
@pass_app
def template(app: AppContext, programme: str, period: str, fmt: str,
             output: Path | None) -> None:
    """Write the return template of PROGRAMME for PERIOD (e.g. 2024-25-Q1)."""
    from vrhub.outcomes.returns import return_template

    outcomes, principal = open_outcomes(app)
    name, data = return_template(outcomes, principal, programme, period, fmt)
    target = output or Path(name)
    target.write_bytes(data)
    app.info(f"wrote {target} ({len(data):,} bytes)")


def show_receipt(app: AppContext, receipt: dict[str, Any]) -> None:
    app.emit_table(f"Receipt {receipt['return_id']}", ["", ""], [
        ["programme", f"{receipt['programme']} {receipt['programme_name']}"],
        ["period", receipt["period_label"] or "-"],
        ["version", receipt["version"]],
        ["status", receipt["status"]],
        ["file", receipt["file"]],
        ["received", receipt["received_at"]],
        ["due", f"{receipt['due_date']} ({'on time' if receipt['on_time'] else 'late'})"],
        ["rows read / accepted / quarantined",
         f"{receipt['rows_read']} / {receipt['rows_accepted']} / "
         f"{receipt['rows_quarantined']}"],
        ["identifiers removed", ", ".join(f"{k} {v}" for k, v in
                                          receipt["redactions"].items()) or "none"],
        ["framework", receipt["framework_version"]],
    ])
    if receipt["errors"]:
        app.emit_table("Errors (rows quarantined)",
                       ["sheet", "row", "column", "value", "problem", "how to fix"],
                       [[e["sheet"] or "-", e["row"] or "-", e["column"] or "-",
                         "-" if e["value"] is None else e["value"], e["problem"],
                         e["how_to_fix"] or ""] for e in receipt["errors"]])
    if receipt["flags"]:
        app.emit_table("Flags (rows kept)", ["sheet", "row", "column", "problem"],
                       [[f["sheet"], f["row"], f["column"], f["problem"]]
                        for f in receipt["flags"]])
    for note in receipt.get("notes") or []:
        app.info(f"note: {note}")


@click.command(name="submit")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--programme", required=True, help="Programme code, e.g. LCPF-CAM-01.")
@click.option("--period", help="Reporting period (else the one the template names).")
@json_option
@pass_app
def submit(app: AppContext, path: Path, programme: str, period: str | None,
           as_json: bool) -> None:
    """Submit a filled-in return template (XLSX or CSV) and print its receipt.

    Valid rows are kept and the others quarantined with their reasons; a file that cannot
    be read is kept as a rejected version with a receipt saying why (exit code 2). A
    resubmission adds a version; an approved return is locked until reopened."""
    from vrhub.ingest.bounded import read_limited
    from vrhub.outcomes.returns import submit_return

    outcomes, principal = open_outcomes(app)
    with path.open("rb") as handle:  # never more than one byte past the limit
        data = read_limited(handle, outcomes.config.max_upload_bytes)
    receipt = submit_return(outcomes, principal, programme, data or b"", path.name,
                            period=period, too_large=data is None)
    if as_json:
        app.emit_json(receipt)
    else:
        show_receipt(app, receipt)
    if receipt["status"] == "rejected":
        error = receipt["errors"][0]
        raise UserError(f"{path.name} was refused: {error['problem']}",
                        hint=error["how_to_fix"])


@click.group(name="returns")
def returns_group() -> None:
    """Returns: list, show, the board, and the approval workflow."""


@returns_group.command(name="list")
@click.option("--programme", help="Only this programme's returns.")
@json_option
@pass_app
def returns_list(app: AppContext, programme: str | None, as_json: bool) -> None:
    """List every version of the returns you may read, newest first."""
    from vrhub.outcomes.returns import list_returns

    outcomes, principal = open_outcomes(app)
    found = list_returns(outcomes, principal, programme=programme)
    emit(app, as_json, found, "Returns",
         ["return", "programme", "period", "v", "status", "received", "read", "accepted",
          "quarantined"],
         [[r["return_id"], r["programme"], r["period"], r["version"],
           r["status"] + ("" if r["is_current"] else " (old)"), r["submitted_at"],
           r["rows_read"], r["rows_accepted"], r["rows_quarantined"]] for r in found])


@returns_group.command(name="show")
@click.argument("return_id")
@json_option
@pass_app
def returns_show(app: AppContext, return_id: str, as_json: bool) -> None:
    """Show a return's receipt, figures and history."""
    from vrhub.outcomes.returns import return_detail

    outcomes, principal = open_outcomes(app)
    detail = return_detail(outcomes, principal, return_id)
    if as_json:
        app.emit_json(detail)
        return
    show_receipt(app, detail)
    app.emit_table("History", ["at", "by", "step", "to", "note"],
                   [[e["at"], e["by"], e["action"], e["to"], e["note"]]
                    for e in detail["events"]])


@returns_group.command(name="board")
@json_option
@pass_app
def returns_board(app: AppContext, as_json: bool) -> None:
    """Returns due, late (missing past their due date) and awaiting review."""
    from vrhub.outcomes.returns import board

    outcomes, principal = open_outcomes(app)
    found = board(outcomes, principal)
    if as_json:
        app.emit_json({k: [r.to_dict() for r in v] for k, v in found.items()})
        return
    for key, title in (("late", "Late (missing past the due date)"), ("due", "Due"),
                       ("awaiting_review", "Awaiting review"),
                       ("changes_requested", "Changes requested or reopened")):
        app.emit_table(title, ["programme", "period", "due", "timeliness", "status",
                               "return"],
                       [[r.programme_code, r.period, r.due_date, r.timeliness,
                         r.status or "-", r.return_id or "-"] for r in found[key]])


def _step(name: str, help_text: str, needs_note: bool) -> click.Command:
    @click.command(name=name.replace("_", "-"), help=help_text)
    @click.argument("return_id")
    @click.option("--note", default="", required=needs_note,
                  help="Why (required)." if needs_note else "A note for the history.")
    @pass_app
    def step(app: AppContext, return_id: str, note: str) -> None:
        from vrhub.outcomes.return_workflow import move

        outcomes, principal = open_outcomes(app)
        status = move(outcomes, principal, return_id, name, note)
        app.info(f"return {return_id} is now {status.replace('_', ' ')}")

    return step


for _name, _help, _note in (
        ("review", "Mark a submitted return reviewed (VRU analysts).", False),
        ("approve", "Approve a reviewed return; it is then locked (VRU analysts).", False),
        ("request_changes", "Send a return back to its programme lead with a reason.", True),
        ("reopen", "Reopen an approved return, giving a reason (administrators).", True)):
    returns_group.add_command(_step(_name, _help, _note))

subcommands: tuple[click.Command, ...] = (template, submit, returns_group)
