-- sqlite_to_pg.lua: load a SQLite database file into PostgreSQL, through
-- the SQLite ODBC driver (Debian: libsqliteodbc, registered as "SQLite3").
--
--   migrate recipes/sqlite_to_pg.lua db=/path/to/app.db target=postgresql:///app
--
-- Copy this file and edit it: the rules below are the ones people change.
-- What the run does: reads the SQLite catalog (tables, columns, primary
-- keys, indexes, foreign keys) through ODBC, maps the types to
-- PostgreSQL's (INTEGER -> bigint, REAL -> double precision, NUMERIC and
-- DECIMAL -> numeric, VARCHAR(n) -> text (SQLite keeps any length), TEXT -> text, BLOB ->
-- bytea, DATE/TIME/DATETIME -> date/time/timestamp, BOOLEAN -> boolean;
-- see lua/migrate/odbc_types.lua), creates the tables, copies the rows in
-- C (ODBC block fetch encoded straight into COPY), then builds the keys,
-- indexes and foreign keys.  Every chunk is recorded in the target
-- (schema _migrate): run the same command again after a crash and it
-- resumes.
--
-- Column defaults are carried where PostgreSQL reads them (literals,
-- CURRENT_TIMESTAMP); `migrate verify` (or --verify) reads the file again
-- and compares.  Not for ODBC sources: `add` columns.  SQLite gives no
-- snapshot: do not write to the file while it is being copied.
local m = require "migrate"

return m.recipe {
  -- The SQLite file comes from db=... on the command line; any ODBC
  -- connection string works after "odbc:" (Driver=...;Database=...).
  source = "odbc:Driver=SQLite3;Database=${db}",
  target = "${target}",

  -- SQLite has no schemas: its tables are read as "main.<table>".
  -- Which tables: globs over "main.table" (views are only taken when
  -- named exactly).
  tables = {
    include = { "main.*" },
    exclude = { "main.*_tmp", "main.*_backup" },
  },

  -- Where they land: one PostgreSQL schema for all of them (pg_schema=...).
  target_schema = "${pg_schema}",
  params = { pg_schema = "public" },

  -- Names: SQLite apps often use CamelCase; PostgreSQL prefers snake_case.
  naming = { m.snake_case() },
  column_naming = { m.snake_case() },

  -- Drop and create same-name target tables (a table other tables
  -- reference by foreign key cannot be truncated, so recreate is the
  -- re-runnable choice).
  create = "recreate",
  policy = "overwrite",

  -- Tables over 200,000 rows load in key-range chunks over their integer
  -- primary key, several at once with --workers N, each resumable.
  chunk_rows = 200000,

  table_options = {
    -- For example: only recent rows of a log table, and a column renamed.
    -- ["main.event_log"] = { filter = "created_at >= ${since}", rename = { ts = "created_at" } },
  },
}
