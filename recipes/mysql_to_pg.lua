-- mysql_to_pg.lua: load a MySQL or MariaDB database into PostgreSQL
-- through the MariaDB ODBC driver (Debian: odbc-mariadb, registered as
-- "MariaDB Unicode"; it talks to MySQL servers too).
--
--   migrate recipes/mysql_to_pg.lua \
--     source='odbc:Driver={MariaDB Unicode};Server=db.example;Port=3306;Database=shop;UID=app;PWD=...;Charset=utf8mb4' \
--     target=postgresql:///shop --workers 4
--
-- or with a DSN from odbc.ini: source='odbc:DSN=shop' (add ";Database=other"
-- to read another database through the same DSN).  The password is never
-- printed; put it in odbc.ini to keep it off the command line.
--
-- Copy this file and edit it: the rules below are the ones people change.
-- What the run does: reads the catalog from information_schema (tables,
-- columns with their declared types and defaults, primary keys, indexes,
-- foreign keys), maps the types (see lua/migrate/odbc_types.lua, M.mysql):
--   tinyint(1) -> boolean            tinyint, smallint -> smallint
--   mediumint, int -> integer        unsigned: one size up
--   int unsigned -> bigint           bigint unsigned -> numeric(20)
--   bit(1) -> boolean, bit(n) -> bit(n)        year -> integer
--   decimal(p,s) -> numeric(p,s)     float -> real, double -> double precision
--   char(n), varchar(n) -> varchar(n)          *text -> text
--   binary, varbinary, *blob -> bytea          json -> jsonb
--   date -> date, datetime(p)/timestamp(p) -> timestamp(p)  (zero dates -> NULL)
--   time -> time (MySQL's time goes to 838:59:59; see the rules below)
--   enum -> text, set -> text[]
-- translates the defaults (numbers, strings, b'1', CURRENT_TIMESTAMP; a
-- zero date or an expression PostgreSQL has not is dropped, with a
-- warning naming table.column), makes auto_increment columns identities
-- (reset to max + 1 after the load), creates the tables, copies the rows
-- in C (ODBC block fetch encoded straight into COPY; the value transforms
-- above run there too), then builds keys, indexes and foreign keys.
-- Every chunk is recorded in the target (schema _migrate): run the same
-- command again after a crash and it resumes.
--
-- The source is read as it is, without a snapshot: stop the application
-- (or read a replica) while it is copied.  `migrate plan` shows each
-- column's source type, target type, transform and the rule that chose
-- them: run it first on a new customer's database.
local m = require "migrate"

return m.recipe {
  source = "${source}",
  target = "${target}",

  -- The database named in the connection string (Database=...) is read;
  -- its tables are "<database>.<table>" (a database is a schema).  A
  -- glob without a dot matches the table name alone.  Views are taken
  -- only when named exactly.
  tables = {
    include = { "*" },
    exclude = { "*_tmp", "*_backup", "*_old" },
  },

  -- Where they land: one PostgreSQL schema (pg_schema=...); "${schema}"
  -- would name it after the MySQL database.
  target_schema = "${pg_schema}",
  params = { pg_schema = "public" },

  -- Names: MySQL's are often camelCase; PostgreSQL prefers snake_case
  -- (unquoted names fold to lower case).  Remove to keep them as they
  -- are.  quote_names allows names outside [A-Za-z0-9_] ("straße"); they
  -- are always quoted in the SQL migrate writes.
  naming = { m.snake_case() },
  column_naming = { m.snake_case() },
  quote_names = true,

  -- Drop and create same-name target tables: re-runnable.
  create = "recreate",
  policy = "overwrite",

  -- Tables over 200,000 rows load in key-range chunks over their integer
  -- primary key, several at once with --workers N (default: the cores).
  chunk_rows = 200000,
  -- workers = 4,

  -- Type rules: tried in order after the default mapping above, the
  -- first that matches decides.  Guards: type, column ("table.col",
  -- globs), table, typmod, unsigned, auto_increment, not_null, default,
  -- when = function(col, entry).  Actions: to, keep_typmod, drop_typmod,
  -- using (a C transform), drop_default, drop_not_null, identity = false.
  type_rules = {
    -- A NOT NULL datetime whose default is the zero date holds zero
    -- dates: they become NULL, so the column must take NULLs
    -- (pgloader's default rule).  Without a time zone rule: timestamp.
    { type = { "datetime", "timestamp" }, default = "0000-00-00 00:00:00", not_null = true,
      to = "timestamp", keep_typmod = true, drop_default = true, drop_not_null = true,
      using = "zero_dates_to_null" },
    { type = "date", default = "0000-00-00", not_null = true,
      drop_default = true, drop_not_null = true, using = "zero_dates_to_null" },

    -- binary(16) holding uuids (UUID_TO_BIN): uuid.  Remove if yours
    -- hold hashes (an MD5 is binary(16) too).
    { type = "binary", typmod = 16, to = "uuid", using = "binary_to_uuid" },

    -- tinyint(1) that is a number, not a flag: keep it a smallint.
    -- { column = "orders.quantity", to = "smallint", using = false },

    -- enum: text by default.  A PostgreSQL enum type instead, made with
    -- the table and named after it ("orders_status"), MySQL's invalid
    -- value '' becoming NULL:
    -- { type = "enum", to = "enum" },

    -- MySQL's time also holds durations (up to 838:59:59), which
    -- PostgreSQL's time refuses: interval takes them.
    -- { type = "time", to = "interval" },

    -- bigint unsigned whose values stay below 2^63: bigint, not numeric(20).
    -- { type = "bigint", unsigned = true, to = "bigint" },

    -- Keep an auto_increment column a plain integer (no identity).
    -- { auto_increment = true, identity = false },

    -- Naive datetimes that are local times: timestamptz, read in the
    -- zone of source_timezone below.
    -- { type = "datetime", to = "timestamptz", keep_typmod = true },
  },

  -- The zone naive DATETIMEs are in, for timestamptz targets.
  -- source_timezone = "Europe/Paris",

  -- The connection's character set: with Charset=utf8mb4 in the
  -- connection string the server converts every column (latin1 tables
  -- too) to UTF-8, and nothing needs setting.  Only for a connection that
  -- must use another charset:
  -- source_encoding = "latin1",

  table_options = {
    -- For example: only recent rows of a log table, and a column renamed.
    -- ["shop.event_log"] = { filter = "created_at >= ${since}", rename = { ts = "created_at" } },
    -- A column kept as the source type name says, whatever the rules:
    -- ["shop.legacy"] = { cast = { code = "text" } },
  },
}
