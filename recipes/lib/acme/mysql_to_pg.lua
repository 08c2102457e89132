-- acme.mysql_to_pg: Acme's base recipe for MySQL/MariaDB (through the
-- MariaDB ODBC driver) -> PostgreSQL.  See recipes/mysql_to_pg.lua for
-- the default type mapping; these are Acme's rules on top of it.
--
--   local m = require "migrate"
--   return m.extend(require "acme.mysql_to_pg", { target_schema = "shop" })
local m = require "migrate"
local naming = require "acme.naming"

return m.recipe {
  name = "acme mysql_to_pg",
  source = "${source}",
  target = "${target}",
  tables = { include = { "*" }, exclude = { "*_tmp", "*_backup", "*_old" } },

  target_schema = "${pg_schema}",
  params = { pg_schema = "public" },

  naming = naming.tables,
  column_naming = naming.columns,
  quote_names = true,
  create = "recreate",
  policy = "overwrite",
  chunk_rows = 200000,

  type_rules = {
    -- Acme's apps keep flags in tinyint(1) and char(1) 'Y'/'N' columns
    { type = "tinyint", typmod = 1, to = "boolean" },
    -- zero dates are "no date" in every Acme schema
    { type = { "date", "datetime", "timestamp" }, using = "zero_dates_to_null" },
    -- free text arrives padded
    { type = "char", to = "text", using = "trim_right" },
  },
}
