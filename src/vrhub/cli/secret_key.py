"""``vrhub secret-key``: a new random key for VRHUB_SECRET_KEY (or VRHUB_METRICS_TOKEN)."""

from __future__ import annotations

import click

from vrhub.cli.context import AppContext, pass_app


@click.command(name="secret-key")
@click.option("--check", "check", is_flag=True,
              help="Instead of making a key, measure the one in VRHUB_SECRET_KEY (or read "
              "from standard input) as production would.")
@pass_app
def command(app: AppContext, check: bool) -> None:
    """Print a new random key for VRHUB_SECRET_KEY: 48 random bytes, url-safe (384 bits).

    Production refuses a key shorter than 32 characters or measuring under 112 bits of
    entropy (repeats, runs, few distinct characters); this one measures over 300."""
    from vrhub import secret_strength

    if not check:
        click.echo(secret_strength.new_secret_key())
        return
    import sys

    from vrhub.errors import ConfigError

    value = app.environ.get("VRHUB_SECRET_KEY") or sys.stdin.readline().strip()
    problem = secret_strength.weakness("VRHUB_SECRET_KEY", value)
    if problem:
        raise ConfigError(problem, hint=secret_strength.GENERATE)
    measured = secret_strength.strength(value)
    click.echo(f"VRHUB_SECRET_KEY measures about {measured.bits:.0f} bits: production "
               "accepts it")
