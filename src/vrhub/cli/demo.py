"""``vrhub demo``: build a demonstration workspace and open the web app on it."""

from __future__ import annotations

from pathlib import Path

import click

from vrhub.cli.context import AppContext, json_option, pass_app
from vrhub.settings import Settings

DEFAULT_DEMO_HOME = Path("vrhub-demo")


@click.command(name="demo")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Build from the real open data in this folder (laid out like shared/data: "
              "boundaries/, lookups/, population/, imd2019/, london-datastore/, police-uk/, "
              "nhs/) instead of the synthetic data. ED assault (ISTV) data is never "
              "published, so the real London EDs get SYNTHETIC months, written to "
              "<home>/demo-data/istv-synthetic-for-real-eds.")
@click.option("--no-serve", is_flag=True, help="Build the workspace, do not start the web app.")
@click.option("--port", type=int, default=None, help="Port for the web app (default 8000).")
@click.option("--seed", type=int, default=2024, show_default=True,
              help="Seed of the synthetic data.")
@json_option
@pass_app
def command(app: AppContext, data_dir: Path | None, no_serve: bool, port: int | None,
            seed: int, as_json: bool) -> None:
    """Build a demo workspace (offline) and start the web app on it.

    With no options: writes vrhub's seeded synthetic London-like data (invented boroughs,
    wards and LSOAs with obviously synthetic codes E0199..., police.uk street files, MPS
    tables, population, deprivation, ED sites and a year of synthetic ED assault (ISTV)
    submissions for them) to <home>/demo-data and loads it through the same loaders as
    real data. Running it again changes nothing. The workspace is --home,
    else $VRHUB_HOME, else ./vrhub-demo. Demo sign-in accounts (a pan-London analyst, a
    borough analyst, an ICB analyst and an ED data lead) are created and printed with
    their passphrase, which is also kept in <home>/demo-accounts.txt. The demo also has a synthetic
    opportunities directory (a few hundred listings placed at synthetic postcodes ZZ1 ...)
    and a few dozen referrals in every state, with accounts for a youth worker, their team
    lead, a provider and a directory curator, and a synthetic outcomes year: 20 funded
    programmes across the five priority areas with four quarterly returns each (some
    late, one with errors), participants' pre/post measures and i-Statement surveys, and
    a programme lead's account.
    """
    from vrhub.demo import build_demo
    from vrhub.demo_accounts import ensure_demo_accounts

    root = click.get_current_context().find_root()
    if root.params.get("home") is None and "VRHUB_HOME" not in app.environ:
        app.close()
        app.settings = Settings.load(app.environ, home=DEFAULT_DEMO_HOME,
                                     study_area=app.settings.study_area)
        app.info(f"No --home or VRHUB_HOME given: using {app.settings.home} for the demo.")
    result = build_demo(app.warehouse(), app.settings.home, data_dir=data_dir, seed=seed,
                        progress=app.progress)
    accounts, password = ensure_demo_accounts(app.settings, app.warehouse())
    from vrhub.demo_pathways import ensure_demo_pathways

    with app.progress.task("Adding the opportunities directory and demo referrals"):
        accounts = [*accounts, *ensure_demo_pathways(app.settings, app.warehouse(), password,
                                                     seed=seed)]
    from vrhub.demo_outcomes import ensure_demo_outcomes

    with app.progress.task("Adding a synthetic outcomes year (programmes, returns, measures, "
                           "i-Statement surveys)"):
        more, outcomes_added = ensure_demo_outcomes(app.settings, app.warehouse(), password,
                                                    seed=seed)
        accounts = [*accounts, *more]
    if as_json:
        app.emit_json({**result.to_dict(), "outcomes": outcomes_added, "accounts": [
            {"email": a.email, "role": a.role, "scope": a.scope} for a in accounts],
            "password": password})
    else:
        what = "synthetic data" if result.synthetic else f"open data in {result.data_dir}"
        app.emit_table(
            f"Demo workspace {result.home} ({what})",
            ["step", "source", "files", "unchanged", "rows read", "loaded", "quarantined",
             "seconds"],
            [[s.name, s.source, s.files, s.files_unchanged, s.rows_read, s.rows_loaded,
              s.rows_quarantined, s.seconds] if s.skipped is None else
             [s.name, s.source, "skipped: " + s.skipped, "", "", "", "", ""]
             for s in result.steps],
        )
        app.emit_table("Rows per table", ["table", "rows"],
                       [[k, v] for k, v in result.tables.items()])
        app.emit_table(f"Sign in to the demo with (password: {password})",
                       ["email", "role", "sees"],
                       [[a.email, a.role, a.scope] for a in accounts])
    if not no_serve:
        from vrhub.cli.serve import run_server

        run_server(app, None, port)
