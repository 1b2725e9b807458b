"""The models and the migrations describe one schema: autogenerate finds nothing to add."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from hotline.extensions import db
from hotline.models import render_migration_type


def test_the_migrated_database_is_what_the_models_describe(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"render_item": render_migration_type, "compare_type": False}
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == []
