-- pg_to_pg.lua: copy a PostgreSQL database into another PostgreSQL
-- database, renaming tables and columns on the way.
--
--   migrate recipes/pg_to_pg.lua source=postgresql:///shop target=postgresql:///shop_copy
--
-- Copy this file per customer and edit the rules below: they are the ones
-- people change most.
local m = require "migrate"

return m.recipe {
  -- Connections: libpq URLs or conninfo strings.  ${source} and ${target}
  -- come from source=... target=... on the command line.
  source = "${source}",
  target = "${target}",

  -- Which tables: globs over "schema.table".  Add exclude patterns for
  -- scratch tables, or a `where` predicate over the catalog entry.
  tables = {
    include = { "sales.*", "inventory.*", "crm.*" },
    exclude = { "*_tmp", "*_backup" },
  },

  -- Table names: drop the legacy "tbl_" prefix, then snake_case
  -- ("tbl_OrderItems" -> "order_items", "ProductCatalog" -> "product_catalog").
  naming = { m.replace("tbl_", ""), m.snake_case() },
  -- Column names: snake_case too ("CustomerId" -> "customer_id").
  column_naming = { m.snake_case() },

  -- Same-name tables on the target are dropped and created again; the
  -- load policy of every table is overwrite unless table_options says.
  create = "recreate",
  policy = "overwrite",
  -- Tables over 400,000 rows load in key-range chunks, side by side on
  -- the workers, each chunk resumable on its own.
  chunk_rows = 400000,

  table_options = {
    -- The customers table on the target is shared with the new system:
    -- keep it, and merge the source rows into it on the primary key.
    ["sales.customers"] = { create = "missing", policy = "upsert", conflict = "update" },
  },
}
