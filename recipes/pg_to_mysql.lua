-- pg_to_mysql.lua: load a PostgreSQL database into MySQL or MariaDB
-- through the MariaDB ODBC driver (Debian: odbc-mariadb, registered as
-- "MariaDB Unicode"; it talks to MySQL servers too).
--
--   migrate recipes/pg_to_mysql.lua source=postgresql:///shop \
--     target='odbc:Driver={MariaDB Unicode};Server=db.example;Database=shop;UID=app;PWD=...;Charset=utf8mb4' \
--     --state postgresql:///migrate_state --workers 4
--
-- or with a DSN from odbc.ini: target='odbc:DSN=shop;Database=shop'.  The
-- password is never printed; put it in odbc.ini to keep it off the
-- command line.
--
-- The migration record (runs, tasks, chunks) lives in PostgreSQL: give
-- --state with a database for it (the source's server will do).  The
-- target gets one small table, _migrate_landed, whose rows commit with
-- each chunk's rows: run the same command again after a crash and it
-- resumes, without losing or doubling a row.
--
-- Copy this file and edit it: the rules below are the ones people change.
-- What the run does: reads the source under one snapshot, maps the types
-- (lua/migrate/target_mysql.lua, M.type_of):
--   smallint, integer, bigint -> SMALLINT, INT, BIGINT
--   numeric(p,s) -> DECIMAL(p,s)     numeric -> DECIMAL(65,30) (a warning)
--   real -> FLOAT, double precision -> DOUBLE       boolean -> TINYINT(1)
--   text, varchar -> LONGTEXT        varchar(n) -> VARCHAR(n) (n > 16383: LONGTEXT)
--   char(n) -> CHAR(n)               bytea -> LONGBLOB
--   date -> DATE, time(p) -> TIME(p), timestamp(p) -> DATETIME(p)
--   timestamptz -> DATETIME(6), the instant in UTC
--   uuid -> CHAR(36), json and jsonb -> JSON
--   arrays, interval, inet, ... -> LONGTEXT (PostgreSQL's text form)
-- creates the tables (ENGINE=InnoDB, utf8mb4, the primary key; identity
-- and serial columns AUTO_INCREMENT; defaults that translate: literals,
-- now() and CURRENT_TIMESTAMP), inserts the rows in primary key order with
-- parameter arrays, then builds the unique constraints, indexes (on the
-- first 255 characters of a text column; a partial or expression index
-- is skipped with a warning) and foreign keys.
--
-- Values MySQL cannot hold stop the table with a message naming the
-- column (dates of year 0, BC or past 9999, and infinity; NaN and
-- infinite numbers; a string too long for a VARCHAR(n) rule): filter the
-- rows or give the column a type rule.
local m = require "migrate"

return m.recipe {
  source = "${source}",
  target = "${target}",

  -- Globs over "schema.table".
  tables = {
    include = { "public.*" },
    exclude = { "*_tmp", "*_backup", "*_old" },
  },

  -- Where they land: MySQL's schemas are databases.  "${schema}" (the
  -- default) means the database of the target connection (Database=...);
  -- a template names another one, e.g. "${schema}" -> "app_${schema}".
  -- target_schema = "app_${schema}",

  -- Names: PostgreSQL's are often lower case already; camelCase ones
  -- ("orderItems") become snake_case.  Remove to keep them as they are.
  -- quote_names allows names outside [A-Za-z0-9_] ("straße"); they are
  -- always quoted (`...`) in the SQL migrate writes.
  naming = { m.snake_case() },
  column_naming = { m.snake_case() },
  quote_names = true,

  -- Drop and create same-name target tables: re-runnable.  "missing"
  -- keeps a table that is there (its columns must be); "never" wants it.
  create = "recreate",
  -- "overwrite" empties the table first, "append" adds, "upsert" inserts
  -- or updates by the primary key (INSERT ... ON DUPLICATE KEY UPDATE).
  policy = "overwrite",

  -- Tables over 200,000 rows load in key-range chunks over their integer
  -- primary key, several at once with --workers N (default: the cores).
  chunk_rows = 200000,
  -- workers = 4,

  -- Type rules: tried in order after the default mapping above, the
  -- first that matches decides.  Guards are about the source column:
  -- type (PostgreSQL's name: "numeric", "text", "int4" ...), column
  -- ("table.col", globs), table, typmod, not_null, default.  `to` is a
  -- MySQL type.
  type_rules = {
    -- numeric without precision: DECIMAL(65,30) by default; money-like
    -- columns are better narrower
    -- { column = "*.price", to = "DECIMAL(20,4)" },
    -- short text columns that MySQL should index whole
    -- { column = "*.email", to = "VARCHAR(255)" },
    -- jsonb kept as text (MySQL's JSON reorders keys)
    -- { type = "jsonb", to = "LONGTEXT" },
  },

  table_options = {
    -- keep the target's customers, merge the source rows on the key
    -- ["public.customers"] = { create = "missing", policy = "upsert" },
    -- only recent orders
    -- ["public.orders"] = { filter = "created_at >= now() - interval '2 years'" },
  },
}
