"""Alembic migrations of the server's database (env.py, versions/); run by server.migrate."""
