"""The one typed settings object. Every setting is read from ``VRHUB_*`` variables.

Settings are never read at import time: the CLI builds them from the environment it is
given (``main(args, environ)``) and hands them to what needs them (``create_app(settings)``,
``Workspace(settings.home)``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from vrhub import setting_checks as checks
from vrhub.errors import ConfigError
from vrhub.standards.deprivation import HIGH_VIOLENCE_OFFENCES
from vrhub.standards.study_area import StudyArea, study_area

ENV_PREFIX = "VRHUB_"


def production(note: str) -> dict[str, Any]:
    """What a setting should be in production: the deployment guide's settings table is
    generated from these notes (``vrhub docs build``)."""
    return {"production": note}


def three_a_processor() -> int:
    """The default size of the web process's thread pools: three a processor, at least 4."""
    return max(4, 3 * (os.cpu_count() or 1))


def default_home() -> Path:
    return Path.home() / ".vrhub"


class Settings(BaseSettings):
    """vrhub's configuration. Environment variable names are the field names in upper case
    with the ``VRHUB_`` prefix (``home`` is ``VRHUB_HOME``)."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    home: Path = Field(
        json_schema_extra=production(
            "the workspace, owned by the service's user: `/srv/vrhub` (the container: "
            "`/var/lib/vrhub`, a volume)"),
        default_factory=default_home,
        description="Workspace directory: warehouse, app database, downloads and outputs.",
    )
    environment: Literal["development", "test", "production"] = Field(
        json_schema_extra=production(
            "`production`: Secure cookies, JSON logs, placeholder secrets refused"),
        default="development",
        description="development allows generated secrets and plain-HTTP cookies; production "
        "refuses placeholder secrets and insists on Secure cookies.",
    )
    database_url: str | None = Field(
        json_schema_extra=production(
            "the web login's URL, "
            "`postgresql+psycopg://vrhub_web:PASSWORD@db.internal:5432/vrhub`; the owner's "
            "URL only for `vrhub db upgrade` and restores"),
        default=None,
        description="SQLAlchemy URL of the app database (accounts, audit). Defaults to SQLite "
        "in the workspace; use postgresql+psycopg://... in production.",
    )
    secret_key: SecretStr | None = Field(
        json_schema_extra=production("required: `vrhub secret-key` prints one"),
        default=None,
        description="Key that signs sessions and CSRF tokens. Required in production, where "
        "a key shorter than 32 characters or measuring under 112 bits of entropy (repeats, "
        "runs, few distinct characters) is refused; `vrhub secret-key` prints a good one.",
    )
    host: str = Field(
        json_schema_extra=production(
            "`127.0.0.1` with the proxy on the same host, else the server's private address"
            " (the container: `0.0.0.0`)"),
        default="127.0.0.1", description="Address the web app listens on.")
    port: int = Field(
        json_schema_extra=production("`8000`, or the port the proxy forwards to"),
        default=8000, ge=1, le=65535, description="Port the web app listens on.")
    web_threads: int | None = Field(
        default=None, ge=1, le=1024,
        description="Threads each web process runs blocking work in (sign-in and access "
        "checks, audit events, page routes, exports, file answers). Unset: three a "
        "processor, at least 4. Few threads take turns fairly; many contend for the "
        "interpreter, and under load every answer waits longer (50 clients on 2 cores: "
        "counts' p95 63 ms with 6 threads, 131 ms with 40). Raise it when many long exports or "
        "uploads run at once, since each holds a thread while it runs.",
    )
    answer_threads: int | None = Field(
        default=None, ge=1, le=1024,
        description="Answers each web process computes at a time when they are asked for "
        "the first time (aggregates, pages of records); others wait their turn, first asked "
        "first answered. Unset: three a processor, at least 4. A computation is partly "
        "Python, which holds the interpreter, and partly the warehouse's query, which runs "
        "beside it: a few more than processors keep both busy (50 clients asking 64 new "
        "pages of records on 2 cores: p95 441 ms with 6 at a time, 591 ms with 2, medians "
        "of five runs), while many more would each wait longer for the interpreter.",
    )
    tile_url: str | None = Field(
        json_schema_extra=production("unset, unless the server may reach a tile server"),
        default=None,
        description="Optional basemap tile URL template ({z}/{x}/{y}) for deployments that can "
        "reach a tile server; maps draw vrhub's own boundary layers without it.",
    )
    basemap_file: Path | None = Field(
        json_schema_extra=production(
            "unset, or a PMTiles extract when the server cannot reach a tile server"),
        default=None,
        description="Optional raster PMTiles file (for example an extract of London made with "
        "the pmtiles tool) that vrhub serves itself as the maps' basemap, for deployments "
        "without a tile server; used when no tile URL is set.",
    )
    tile_attribution: str | None = Field(
        default=None,
        description="Attribution shown on maps with a basemap (the tile URL's or the "
        "basemap file's licence, e.g. '© OpenStreetMap contributors').",
    )
    max_upload_bytes: int = Field(
        json_schema_extra=production(
            "the default (50 MB); the proxy must allow at least as much"),
        default=50 * 1024 * 1024, ge=1024, description="Largest request body the web app accepts."
    )
    upload_max_file_bytes: int = Field(
        default=16 * 1024 * 1024, ge=1024,
        description="Largest submitted file (ISTV upload, API upload, `vrhub istv submit`, "
        "`vrhub load istv`) as received, compressed or not; a larger one is refused unread.",
    )
    upload_max_data_bytes: int = Field(
        default=16 * 1024 * 1024, ge=1024,
        description="Most bytes a submitted file may hold once decompressed (a .gz file) or "
        "unpacked (the parts of an .xlsx workbook); reading stops and the file is refused "
        "at this many.",
    )
    upload_max_rows: int = Field(
        default=50_000, ge=10,
        description="Most rows a submitted file may have (CSV lines, sheet rows across a "
        "workbook, XML records); a sheet whose declared dimension is larger is refused "
        "before its cells are read.",
    )
    upload_max_columns: int = Field(
        default=256, ge=10,
        description="Most cells in one row of a submitted file (CSV fields, sheet columns, "
        "elements of an XML record); a sheet declaring more columns is refused unread.",
    )
    upload_max_cell_chars: int = Field(
        default=32_767, ge=255,
        description="Most characters in one cell of a submitted file (Excel's own limit); "
        "longer values are kept to 255 characters when stored, but a cell past this limit "
        "refuses the file.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        json_schema_extra=production("`INFO`"),
        default="INFO", description="Logging level. Logs never carry row-level data."
    )
    police_api_url: str = Field(
        default="https://data.police.uk/api",
        description="Base URL of the data.police.uk API used by `vrhub fetch police` and "
        "`vrhub fetch police-dates` (crimes-street-dates, forces, neighbourhoods, crimes).",
    )
    police_archive_url: str = Field(
        default="https://data.police.uk/data/archive",
        description="Base URL of the data.police.uk monthly archive; `vrhub fetch "
        "police-archive --month YYYY-MM` downloads <this URL>/YYYY-MM.zip.",
    )
    oidc_providers: list[dict[str, Any]] = Field(
        json_schema_extra=production(
            "each organisation's identity provider; empty for local passwords only"),
        default_factory=list,
        description="Single sign-on providers as a JSON list, one object per organisation's "
        "OpenID Connect provider (name, issuer, client_id, client_secret, claim mapping to "
        "organisation, role, boroughs and sites); see docs/explanation/access-and-audit.md.",
    )
    login_max_failures: int = Field(
        default=5, ge=1, le=100,
        description="Failed sign-ins in a row that lock a local account.",
    )
    login_lockout_minutes: int = Field(
        default=15, ge=1, le=24 * 60,
        description="How long a locked local account stays locked.",
    )
    login_rate_limit: int = Field(
        default=10, ge=1, le=10_000,
        description="Sign-in attempts allowed per account and per client address in each "
        "rate-limit window.",
    )
    login_rate_window_seconds: int = Field(
        default=60, ge=1, le=24 * 3600, description="Length of the sign-in rate-limit window."
    )
    token_lifetime_days: int = Field(
        default=90, ge=1, le=365,
        description="Default lifetime of API tokens for scripts (at most 365 days).",
    )
    study_area: str | None = Field(
        json_schema_extra=production("unset for London, or your violence-reduction area"),
        default=None,
        description="The study area: a named violence-reduction area (london, merseyside, "
        "south-wales, greater-manchester, west-midlands, west-yorkshire, south-yorkshire, "
        "northumbria, cleveland) or local authority district codes separated by commas "
        "(E08000011,E08000012). Rows outside it are kept and flagged, announced at load and "
        "left out of every count, trend, hotspot, near-repeat and public figure. Unset: the "
        "area the workspace was last given, London for a new one.",
    )
    warehouse_memory_limit: str | None = Field(
        json_schema_extra=production(
            "each vrhub process (a web worker, a load) may hold this much: `2GB` on an "
            "8 GB host with two web workers and a load; unset on a host of its own"),
        default=None,
        description="The most memory DuckDB keeps for the warehouse in each vrhub process, "
        "e.g. 3GB or 512MB: a load or question needing more spills to the workspace's disk "
        "(the warehouse's .tmp folder) instead. Unset: DuckDB's default, 80% of the "
        "machine's memory.",
    )
    engine: Literal["duckdb", "spark"] = Field(
        default="duckdb",
        description="What answers the warehouse's named queries: DuckDB over the workspace "
        "(the default), or Apache Spark over the same Parquet layout (needs the 'spark' "
        "extra and Java 17+; see docs/explanation/engines.md).",
    )
    spark_master: str | None = Field(
        default=None,
        description="The Spark master for engine 'spark': unset for local mode on this "
        "machine's cores (local[2]); spark://HOST:7077 for a standalone cluster, yarn, "
        "or k8s://... .",
    )
    study_area_name: str | None = Field(
        default=None,
        description="Name announced and shown for the study area (for a list of district "
        "codes, e.g. 'Liverpool City Region'); named areas have their own.",
    )
    postgres_app_role: str | None = Field(
        json_schema_extra=production(
            "`<database>_app` (the default; `vrhub_app` for `vrhub`), or the name your DBA "
            "created; unique on the PostgreSQL server"),
        default=None, pattern=r"^[a-z_][a-z0-9_]{0,62}$",
        description="PostgreSQL role (NOLOGIN) that holds the web app's privileges; the web "
        "app's login is a member of it. Migrations grant it only SELECT and INSERT on the "
        "audit table, so it can never change or delete audit rows. Roles are shared by every "
        "database of a PostgreSQL server, so the default is per deployment: the database's "
        "name followed by `_app` (`vrhub_app` for a database called `vrhub`).",
    )
    log_format: Literal["auto", "json", "text"] = Field(
        json_schema_extra=production("`auto` (JSON in production)"),
        default="auto",
        description="Log lines as JSON objects (one a line, for a log collector) or as text "
        "for people; auto is JSON in production and text otherwise.",
    )
    log_file: Path | None = Field(
        json_schema_extra=production(
            "unset under systemd or a container (the journal and `docker compose logs` keep"
            " standard error); else `logs/vrhub.log`"),
        default=None,
        description="A file to append logs to as well as standard error (a relative path is "
        "taken inside the workspace, e.g. logs/vrhub.log). vrhub reopens it when logrotate "
        "moves it away.",
    )
    trusted_proxies: list[str] = Field(
        json_schema_extra=production(
            "the reverse proxy's address as vrhub sees it (`127.0.0.1` on one host)"),
        default_factory=list,
        description="Addresses or networks (comma-separated, e.g. 10.0.0.5,10.1.0.0/16) of "
        "the reverse proxies in front of the web app. Only requests arriving from these "
        "take the client address and scheme from X-Forwarded-For and X-Forwarded-Proto; "
        "empty (the default) trusts no proxy, so every client is the address that connected.",
    )
    audit_key_file: Path | None = Field(
        json_schema_extra=production(
            "the default (`audit.key` in the workspace) on the application server, never the "
            "database server; keep a copy in your secret manager"),
        default=None,
        description="File holding the audit key, which seals every audit event "
        "(HMAC-SHA256 of its chain hash) so that someone who can write the database but "
        "not read this file cannot rewrite the trail unnoticed. Default: audit.key in the "
        "workspace, made owner-only on first use. Keep it, and a copy, where database "
        "administrators cannot read it; every process of a deployment must use the same "
        "file.",
    )
    metrics_token: SecretStr | None = Field(
        json_schema_extra=production(
            "a random token Prometheus sends; unset, `/metrics` is off"),
        default=None,
        description="Bearer token a Prometheus scraper sends to read /metrics "
        "(Authorization: Bearer ...). Unset, /metrics answers 404: metrics are off. In "
        "production it must measure as random as VRHUB_SECRET_KEY (`vrhub secret-key`).",
    )
    oruk_rate_limit: int = Field(
        default=3000, ge=1, le=1_000_000,
        description="Requests a minute each client address may make to the open directory "
        "feed (/oruk/); beyond that the feed answers 429 with Retry-After.",
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis that several `vrhub serve` processes or hosts behind one address "
        "share (redis://host:6379/0; rediss:// for TLS): sign-in rate limits, the lockout "
        "of addresses with no account, the open directory feed's throttle and cached "
        "aggregate answers are kept there, so every "
        "process sees the same. Unset: each process keeps them in its own memory (right for "
        "one process). Sessions are in the app database either way.",
    )
    directory_review_months: int = Field(
        default=6, ge=1, le=60,
        description="A directory listing not reviewed by a VRU curator for this many months "
        "is flagged stale on curators' and providers' pages.",
    )
    directory_import_timeout_seconds: float = Field(
        default=20.0, gt=0, le=600,
        description="How long `vrhub directory import` waits for each page of an ORUK feed "
        "before trying again (three tries, then the import stops with nothing written).",
    )
    referral_keys: SecretStr | None = Field(
        json_schema_extra=production(
            "required: `vrhub referrals new-key`; when rotating, the new key first, the old"
            " after it"),
        default=None,
        description="Fernet keys (comma-separated, newest first) that seal the identity "
        "fields and notes of referrals at rest. Required in production, where keys that "
        "are not Fernet keys or are visibly weak are refused; elsewhere a key is made and "
        "kept in the workspace. Make one with `vrhub referrals new-key`.",
    )
    referral_retention_years: int = Field(
        default=8, ge=1, le=100,
        description="Closed referrals are kept this many years after closing, and at least "
        "until the young person's 25th birthday (26th if 17 at closing), then erased by "
        "`vrhub referrals purge`.",
    )

    outcomes_return_due_days: int = Field(
        default=30, ge=0, le=366,
        description="Days after the end of a reporting period that a programme's "
        "monitoring return is due; a return received later is counted late.",
    )
    outcomes_max_upload_bytes: int = Field(
        default=20 * 1024 * 1024, ge=1024,
        description="Largest return file (XLSX or CSV) accepted through any channel; a "
        "larger one is refused before it is read.",
    )
    high_violence_offences: int = Field(
        default=HIGH_VIOLENCE_OFFENCES, ge=0,
        description="A 'high violence' ward on the violence x deprivation map (the overview, "
        "its published output and `vrhub deprivation map`): more than this many violence "
        "with injury offences in 12 months (the VRU strategy's threshold).",
    )
    outcomes_max_rows: int = Field(
        default=100_000, ge=10,
        description="Most rows read from one sheet of a return (an XLSX sheet whose declared "
        "dimensions exceed it is refused before it is read).",
    )
    outcomes_warm_up: bool = Field(
        default=True,
        description="When `vrhub serve` starts a web process, read the participants' "
        "measures and i-Statement survey responses the outcomes dashboards are computed "
        "from in the background, so that the first requests do not wait for that read "
        "(they wait for the same read if it has not finished). Off: the first request "
        "that needs them reads them.",
    )

    smtp_host: str | None = Field(
        default=None,
        description="SMTP server that sends e-mail notices of critical incidents to "
        "subscribed partners. Without it, notices are shown in the app only.",
    )
    smtp_port: int = Field(default=25, ge=1, le=65535, description="Port of `smtp_host`.")
    smtp_starttls: bool = Field(
        default=False,
        description="Upgrade the SMTP connection with STARTTLS before sending (use it "
        "whenever the server offers it outside a closed network).",
    )
    smtp_username: str | None = Field(
        default=None, description="SMTP user name, when the server asks for one.")
    smtp_password: SecretStr | None = Field(
        default=None, description="SMTP password for `smtp_username`.")
    smtp_from: str = Field(
        default="vrhub@localhost",
        description="The From address of e-mail notices.",
    )
    app_url: str | None = Field(
        default=None,
        description="The web app's address as partners reach it (e.g. "
        "https://vrhub.example.org), used for links in e-mail notices.",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Only explicit values: the caller passes the environment it wants honoured.
        return (init_settings,)

    # Each value's own check (vrhub.setting_checks), then the secrets together.
    _providers_from_json = field_validator("oidc_providers", mode="before")(
        staticmethod(checks.providers_from_json))
    _memory_size = field_validator("warehouse_memory_limit", mode="after")(
        staticmethod(checks.memory_size_or_unset))
    _known_study_area = field_validator("study_area", mode="after")(
        staticmethod(checks.known_study_area))
    _proxies_from_text = field_validator("trusted_proxies", mode="before")(
        staticmethod(checks.proxies_from_text))
    _proxies_are_addresses = field_validator("trusted_proxies", mode="after")(
        staticmethod(checks.proxies_are_addresses))

    @field_validator("home", mode="after")
    @classmethod
    def _absolute_home(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @model_validator(mode="after")
    def _secrets_outside_development(self) -> Settings:
        checks.refuse_weak_production_secrets(
            self.environment, secret_key=self.secret_key, metrics_token=self.metrics_token,
            referral_keys=self.referral_keys)
        return self

    @classmethod
    def load(cls, environ: Mapping[str, str], **overrides: Any) -> Settings:
        """Settings from ``VRHUB_*`` entries of ``environ``, with ``overrides`` on top."""
        values: dict[str, Any] = {}
        for key, raw in environ.items():
            if key.startswith(ENV_PREFIX):
                name = key[len(ENV_PREFIX) :].lower()
                if name in cls.model_fields:
                    values[name] = raw
        values.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return cls(**values)
        except ValidationError as exc:
            problems = "; ".join(
                f"{ENV_PREFIX}{'.'.join(str(p) for p in err['loc']).upper() or 'SETTINGS'}: "
                f"{err['msg']}"
                for err in exc.errors()
            )
            raise ConfigError(f"invalid settings: {problems}") from None

    def chosen_study_area(self) -> StudyArea | None:
        """The study area the settings give (None when VRHUB_STUDY_AREA is unset)."""
        if not (self.study_area or "").strip():
            return None
        return study_area(self.study_area, name=self.study_area_name)

    @property
    def resolved_audit_key_file(self) -> Path:
        return self.audit_key_file or self.home / "audit.key"

    @property
    def resolved_web_threads(self) -> int:
        """:attr:`web_threads`, or three a processor (at least 4)."""
        return self.web_threads if self.web_threads is not None else three_a_processor()

    @property
    def resolved_answer_threads(self) -> int:
        """:attr:`answer_threads`, or three a processor (at least 4)."""
        return (self.answer_threads if self.answer_threads is not None
                else three_a_processor())

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'app.db'}"

    @property
    def app_role(self) -> str:
        """The PostgreSQL app role: ``VRHUB_POSTGRES_APP_ROLE``, else the database's name
        followed by ``_app``."""
        return self.postgres_app_role or default_app_role(self.resolved_database_url)

    @property
    def resolved_log_file(self) -> Path | None:
        if self.log_file is None:
            return None
        return self.log_file if self.log_file.is_absolute() else self.home / self.log_file

    @property
    def json_logs(self) -> bool:
        if self.log_format == "auto":
            return self.environment == "production"
        return self.log_format == "json"


def default_app_role(database_url: str) -> str:
    """``<database name>_app`` as a plain lower-case identifier of at most 63 characters
    (``vrhub_app`` for a database called ``vrhub``)."""
    from urllib.parse import unquote, urlsplit

    name = unquote(urlsplit(database_url).path.rsplit("/", 1)[-1]).lower()
    name = re.sub(r"[^a-z0-9_]", "_", name).strip("_") or "vrhub"
    if not re.match(r"[a-z_]", name):
        name = f"_{name}"
    return f"{name[:59]}_app"
