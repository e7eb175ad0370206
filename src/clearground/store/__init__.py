"""Persistence: SQLAlchemy tables for SQLite and PostGIS, migrations, repositories."""
