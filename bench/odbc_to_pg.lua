-- The ODBC benchmark's recipe (bench/odbc.sh): the shop database (orders,
-- customers, item_001 ... item_100) from an ODBC source (SQLite or MariaDB)
-- into an empty PostgreSQL database, with keys, indexes and foreign keys.
-- Tables over chunk_rows rows load in key-range chunks; the script adds
-- --workers 2.
local m = require "migrate"
local chunk = tonumber(m.params.chunk_rows or "0") or 0
return m.recipe {
  source = "${source}",
  target = "${target}",
  -- a glob without a dot matches the table in any schema: "main" for
  -- SQLite, the database for MariaDB
  tables = { include = { "orders", "customers", "item_*" } },
  target_schema = "public",
  create = "recreate",
  policy = "overwrite",
  chunk_rows = chunk > 0 and chunk or nil,
  params = { chunk_rows = 0 },
}
