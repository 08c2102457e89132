-- mssql_to_pg.lua: load a SQL Server database into PostgreSQL through
-- FreeTDS's ODBC driver (Debian: tdsodbc; register it in odbcinst.ini as
-- "FreeTDS").
--
-- UNTESTED against a live SQL Server: there is none in this project's
-- test suite.  The type mapping below follows the names FreeTDS reports
-- (sp_columns); check `migrate plan` on your database before a real run.
--
--   migrate recipes/mssql_to_pg.lua \
--     source='odbc:Driver=FreeTDS;Server=sql.example;Port=1433;Database=Shop;UID=app;PWD=...;TDS_Version=7.4;ClientCharset=UTF-8' \
--     target=postgresql:///shop --workers 4
--
-- TDS_Version=7.3 or later is needed for date, time, datetime2 and
-- datetimeoffset (older versions send them as strings FreeTDS cannot
-- describe); ClientCharset=UTF-8 makes varchar and nvarchar arrive as
-- UTF-8 whatever the column's collation.  The password is never printed.
--
-- Copy this file and edit it: the rules below are the ones people change.
-- The default mapping (lua/migrate/odbc_types.lua, M.by_dbms["Microsoft
-- SQL Server"]):
--   bit -> boolean                     tinyint -> smallint
--   int, bigint, smallint -> the same  decimal(p,s), numeric -> numeric
--   money -> numeric(19,4)             smallmoney -> numeric(10,4)
--   datetime -> timestamp(3)           smalldatetime -> timestamp(0)
--   datetime2(p) -> timestamp(p)       (p 7 -> 6: PostgreSQL keeps microseconds)
--   datetimeoffset -> timestamptz      date, time -> the same
--   uniqueidentifier -> uuid           xml -> xml
--   char, varchar, nchar, nvarchar(n) -> varchar(n); (max), text, ntext -> text
--   binary, varbinary, varbinary(max), image -> bytea
--   timestamp/rowversion -> bytea      (8 bytes, not a time)
--   sql_variant -> text, geography/geometry/hierarchyid -> bytea
-- An identity column ("int identity") becomes an identity, reset to max
-- + 1 after the load.  Defaults: numbers, strings and getdate() /
-- sysdatetime() (CURRENT_TIMESTAMP) are carried; other expressions are
-- dropped with a warning naming table.column.
local m = require "migrate"

return m.recipe {
  source = "${source}",
  target = "${target}",

  -- SQL Server tables are "<schema>.<table>" (dbo.Orders).
  tables = {
    include = { "dbo.*" },
    exclude = { "dbo.sysdiagrams", "*_tmp", "*_backup" },
  },

  -- One PostgreSQL schema for all of them (pg_schema=...); "${schema}"
  -- keeps SQL Server's schema names (dbo, sales ...).
  target_schema = "${pg_schema}",
  params = { pg_schema = "public" },

  -- SQL Server names are PascalCase (OrderLines.CustomerID): snake_case
  -- gives order_lines.customer_id.
  naming = { m.snake_case() },
  column_naming = { m.snake_case() },
  quote_names = true,

  create = "recreate",
  policy = "overwrite",

  -- Tables over 200,000 rows load in key-range chunks over their integer
  -- primary key, several at once with --workers N.
  chunk_rows = 200000,

  -- Type rules, tried in order after the default mapping; the first that
  -- matches decides.  The default mapping already covers SQL Server's
  -- types; these restate the ones most often changed.
  type_rules = {
    -- datetime2 and datetime hold local times: timestamptz, read in the
    -- zone of source_timezone below.  (Without it they stay timestamp.)
    -- { type = { "datetime", "datetime2", "smalldatetime" }, to = "timestamptz" },

    -- datetimeoffset carries its offset: timestamptz keeps the instant.
    { type = "datetimeoffset", to = "timestamptz" },

    -- money as numeric(19,4): exact, like SQL Server's.
    { type = "money", to = "numeric(19,4)" },

    -- uniqueidentifier as uuid (FreeTDS sends the text form).
    { type = "uniqueidentifier", to = "uuid" },

    -- nvarchar(n) with n the declared length: keep it; or, when lengths
    -- do not matter, plain text for every string:
    -- { type = { "char", "varchar", "nchar", "nvarchar" }, to = "text" },

    -- char(n) pads with blanks: trim them while copying.
    -- { type = { "char", "nchar" }, to = "text", using = "trim_right" },

    -- rowversion ("timestamp" in the catalog): 8 opaque bytes.  Usually
    -- not worth carrying: drop the column in table_options instead.
    { type = { "timestamp", "rowversion" }, to = "bytea", drop_default = true },

    -- bit that is a count, not a flag (rare): smallint.
    -- { column = "Stock.Flags", to = "smallint" },

    -- Keep an identity column a plain integer (no identity on the target).
    -- { auto_increment = true, identity = false },
  },

  -- The zone datetime/datetime2 values are in, for timestamptz rules.
  -- source_timezone = "Europe/Paris",

  table_options = {
    -- A rowversion column dropped, a filter on a log table:
    -- ["dbo.Orders"] = { drop = { "RowVersion" } },
    -- ["dbo.EventLog"] = { filter = "LoggedAt >= ${since}" },
  },
}
