"""The opportunities directory in the Open Referral UK (HSDS 3.0) data model.

Organisations, services, locations, services at locations, schedules, cost options,
contacts, languages, accessibility, service areas, funding, capacity, taxonomies, terms and
service-term links; feeds, imports, quarantined records and per-record provenance; and the
directory's version number (one row, raised by every change). On PostgreSQL the app role
gets ordinary rights on every directory table.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import context, op

_ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TABLES = (
    "directory_feed",
    "directory_taxonomy",
    "directory_version",
    "directory_import",
    "directory_organisation",
    "directory_provenance",
    "directory_taxonomy_term",
    "directory_location",
    "directory_quarantine",
    "directory_service",
    "directory_accessibility",
    "directory_capacity",
    "directory_contact",
    "directory_cost_option",
    "directory_funding",
    "directory_language",
    "directory_schedule",
    "directory_service_area",
    "directory_service_at_location",
    "directory_service_term",
)


def upgrade() -> None:
    op.create_table(
        "directory_feed",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=1000), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_import_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_directory_feed"),
        sa.UniqueConstraint("source", name="uq_directory_feed_source"),
    )
    op.create_table(
        "directory_taxonomy",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("uri", sa.String(length=500), nullable=True),
        sa.Column("version", sa.String(length=40), nullable=True),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_directory_taxonomy"),
    )
    op.create_table(
        "directory_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_directory_version"),
    )
    op.create_table(
        "directory_import",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("records_read", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("merged", sa.Integer(), nullable=False),
        sa.Column("quarantined", sa.Integer(), nullable=False),
        sa.Column("quality", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["feed_id"], ["directory_feed.id"], name="fk_directory_import_feed_id_directory_feed"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_directory_import"),
    )
    op.create_index("ix_directory_import_feed_id", "directory_import", ["feed_id"])

    op.create_table(
        "directory_organisation",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("website", sa.String(length=500), nullable=True),
        sa.Column("logo", sa.String(length=500), nullable=True),
        sa.Column("uri", sa.String(length=500), nullable=True),
        sa.Column("parent_id", sa.String(length=36), nullable=True),
        sa.Column("owner_code", sa.String(length=64), nullable=True),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("modified_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["feed_id"],
            ["directory_feed.id"],
            name="fk_directory_organisation_feed_id_directory_feed",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_directory_organisation"),
    )
    op.create_index(
        "ix_directory_organisation_owner_code", "directory_organisation", ["owner_code"]
    )

    op.create_table(
        "directory_provenance",
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("last_import_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["feed_id"],
            ["directory_feed.id"],
            name="fk_directory_provenance_feed_id_directory_feed",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("record_id", "feed_id", name="pk_directory_provenance"),
    )
    op.create_table(
        "directory_taxonomy_term",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("taxonomy_id", sa.String(length=36), nullable=True),
        sa.Column("parent_id", sa.String(length=36), nullable=True),
        sa.Column("code", sa.String(length=100), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("term_uri", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["taxonomy_id"],
            ["directory_taxonomy.id"],
            name="fk_directory_taxonomy_term_taxonomy_id_directory_taxonomy",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_directory_taxonomy_term"),
    )
    op.create_index(
        "ix_directory_taxonomy_term_taxonomy_id", "directory_taxonomy_term", ["taxonomy_id"]
    )

    op.create_table(
        "directory_location",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=True),
        sa.Column("location_type", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("easting", sa.Float(), nullable=True),
        sa.Column("northing", sa.Float(), nullable=True),
        sa.Column("point_source", sa.String(length=16), nullable=True),
        sa.Column("borough_code", sa.String(length=9), nullable=True),
        sa.Column("address_id", sa.String(length=36), nullable=True),
        sa.Column("address_1", sa.String(length=300), nullable=True),
        sa.Column("address_2", sa.String(length=300), nullable=True),
        sa.Column("city", sa.String(length=120), nullable=True),
        sa.Column("region", sa.String(length=120), nullable=True),
        sa.Column("state_province", sa.String(length=120), nullable=True),
        sa.Column("postcode", sa.String(length=10), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("external_identifier", sa.String(length=120), nullable=True),
        sa.Column("external_identifier_type", sa.String(length=60), nullable=True),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["directory_organisation.id"],
            name="fk_directory_location_organisation_id_directory_organisation",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_directory_location"),
    )
    op.create_index(
        "ix_directory_location_organisation_id", "directory_location", ["organisation_id"]
    )

    op.create_table(
        "directory_quarantine",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("page", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.String(length=200), nullable=True),
        sa.Column("name", sa.String(length=300), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["directory_import.id"],
            name="fk_directory_quarantine_import_id_directory_import",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_directory_quarantine"),
    )
    op.create_index("ix_directory_quarantine_import_id", "directory_quarantine", ["import_id"])

    op.create_table(
        "directory_service",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("fees_description", sa.Text(), nullable=True),
        sa.Column("accreditations", sa.Text(), nullable=True),
        sa.Column("eligibility_description", sa.Text(), nullable=True),
        sa.Column("minimum_age", sa.Float(), nullable=True),
        sa.Column("maximum_age", sa.Float(), nullable=True),
        sa.Column("alert", sa.Text(), nullable=True),
        sa.Column("is_free", sa.Boolean(), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("feed_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_modified", sa.DateTime(), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.Column("reviewed_by", sa.String(length=320), nullable=True),
        sa.ForeignKeyConstraint(
            ["feed_id"], ["directory_feed.id"], name="fk_directory_service_feed_id_directory_feed"
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["directory_organisation.id"],
            name="fk_directory_service_organisation_id_directory_organisation",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_directory_service"),
    )
    op.create_index("ix_directory_service_last_modified", "directory_service", ["last_modified"])
    op.create_index(
        "ix_directory_service_organisation_id", "directory_service", ["organisation_id"]
    )

    op.create_table(
        "directory_accessibility",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("location_id", sa.String(length=36), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("details", sa.Text(), nullable=True),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["directory_location.id"],
            name="fk_directory_accessibility_location_id_directory_location",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_directory_accessibility"),
    )
    op.create_index(
        "ix_directory_accessibility_location_id", "directory_accessibility", ["location_id"]
    )

    op.create_table(
        "directory_capacity",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("service_id", sa.String(length=36), nullable=False),
        sa.Column("unit_id", sa.String(length=36), nullable=False),
        sa.Column("unit_name", sa.String(length=100), nullable=False),
        sa.Column("available", sa.Integer(), nullable=True),
        sa.Column("maximum", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("updated", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["directory_service.id"],
            name="fk_directory_capacity_service_id_directory_service",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_directory_capacity"),
    )
    op.create_index("ix_directory_capacity_service_id", "directory_capacity", ["service_id"])

    op.create_table(
        "directory_contact",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("service_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("department", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("phone_id", sa.String(length=36), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["directory_service.id"],
            name="fk_directory_contact_service_id_directory_service",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_directory_contact"),
    )
    op.create_index("ix_directory_contact_service_id", "directory_contact", ["service_id"])

    op.create_table(
        "directory_cost_option",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("service_id", sa.String(length=36), nullable=False),
        sa.Column("option", sa.String(length=300), nullable=True),
        sa.Column("amount", sa.Float(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("amount_description", sa.String(length=300), nullable=True),
        sa.Column("valid_from", sa.String(length=10), nullable=True),
        sa.Column("valid_to", sa.String(length=10), nullable=True),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["directory_service.id"],
            name="fk_directory_cost_option_service_id_directory_service",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_directory_cost_option"),
    )
    op.create_index("ix_directory_cost_option_service_id", "directory_cost_option", ["service_id"])

    op.create_table(
        "directory_funding",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("service_id", sa.String(length=36), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["directory_service.id"],
            name="fk_directory_funding_service_id_directory_service",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_directory_funding"),
    )
    op.create_index("ix_directory_funding_service_id", "directory_funding", ["service_id"])

    op.create_table(
        "directory_language",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("service_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=True),
        sa.Column("code", sa.String(length=20), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["directory_service.id"],
            name="fk_directory_language_service_id_directory_service",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_directory_language"),
    )
    op.create_index("ix_directory_language_service_id", "directory_language", ["service_id"])

    op.create_table(
        "directory_schedule",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("service_id", sa.String(length=36), nullable=False),
        sa.Column("service_at_location_id", sa.String(length=36), nullable=True),
        sa.Column("freq", sa.String(length=8), nullable=True),
        sa.Column("interval", sa.Integer(), nullable=True),
        sa.Column("byday", sa.String(length=60), nullable=True),
        sa.Column("bymonthday", sa.String(length=60), nullable=True),
        sa.Column("opens_at", sa.String(length=8), nullable=True),
        sa.Column("closes_at", sa.String(length=8), nullable=True),
        sa.Column("valid_from", sa.String(length=10), nullable=True),
        sa.Column("valid_to", sa.String(length=10), nullable=True),
        sa.Column("dtstart", sa.String(length=10), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("attending_type", sa.String(length=200), nullable=True),
        sa.Column("schedule_link", sa.String(length=500), nullable=True),
        sa.Column("term_time_only", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["directory_service.id"],
            name="fk_directory_schedule_service_id_directory_service",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_directory_schedule"),
    )
    op.create_index("ix_directory_schedule_service_id", "directory_schedule", ["service_id"])

    op.create_table(
        "directory_service_area",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("service_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("extent", sa.Text(), nullable=True),
        sa.Column("extent_type", sa.String(length=40), nullable=True),
        sa.Column("uri", sa.String(length=500), nullable=True),
        sa.Column("borough_code", sa.String(length=9), nullable=True),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["directory_service.id"],
            name="fk_directory_service_area_service_id_directory_service",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_directory_service_area"),
    )
    op.create_index(
        "ix_directory_service_area_service_id", "directory_service_area", ["service_id"]
    )

    op.create_table(
        "directory_service_at_location",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("service_id", sa.String(length=36), nullable=False),
        sa.Column("location_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["directory_location.id"],
            name="fk_directory_service_at_location_location_id_directory_location",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["directory_service.id"],
            name="fk_directory_service_at_location_service_id_directory_service",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_directory_service_at_location"),
    )
    op.create_index(
        "ix_directory_service_at_location_location_id",
        "directory_service_at_location",
        ["location_id"],
    )
    op.create_index(
        "ix_directory_service_at_location_service_id",
        "directory_service_at_location",
        ["service_id"],
    )

    op.create_table(
        "directory_service_term",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("service_id", sa.String(length=36), nullable=False),
        sa.Column("term_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["directory_service.id"],
            name="fk_directory_service_term_service_id_directory_service",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["term_id"],
            ["directory_taxonomy_term.id"],
            name="fk_directory_service_term_term_id_directory_taxonomy_term",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_directory_service_term"),
        sa.UniqueConstraint("service_id", "term_id", name="uq_directory_service_term_pair"),
    )
    op.create_index(
        "ix_directory_service_term_service_id", "directory_service_term", ["service_id"]
    )
    op.create_index("ix_directory_service_term_term_id", "directory_service_term", ["term_id"])

    op.execute("INSERT INTO directory_version (id, version) VALUES (1, 1)")
    if op.get_bind().dialect.name == "postgresql":
        role = context.config.attributes.get("app_role", "vrhub_app")
        if not _ROLE_NAME.fullmatch(role):
            raise ValueError(f"app role name {role!r} is not a plain lower-case identifier")
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {', '.join(TABLES)} TO {role}")
        schema = op.get_bind().execute(sa.text("SELECT current_schema()")).scalar_one()
        op.execute(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "{schema}" TO {role}')


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
