"""The one store: a SQL database (SQLite by default, PostgreSQL by URL) that batch grading and
the web platform both write and every page, file and export reads.

- `tables`: the one declarative base and the gradebook's table (the web's tables are declared
  on the same base, in graders/web/models.py);
- `database`: URLs, one engine per database per process, schema migrations (Alembic);
- `gradebook`: recording outcomes, what a rerun skips, and the score of record;
- `exports`: CSV and Gradescope files read from the score of record.
"""
