-- naming.lua: every naming feature at once, for tests/integration/naming.sh.
--   tables: legacy.*, without *_tmp
--   table names: "tbl_" dropped, snake_case, then "x_" ... "_v1"
--   column names: snake_case (rename wins over it)
--   target schema: "${region}_${schema}" (region from the command line)
--   legacy.tbl_OrderItems: a rename, a drop, two added columns and a
--   filter on ${since} and ${min_qty} (from the command line)
--   legacy.CustomerAccounts: an explicit target name, a cast and its own
--   column naming
local m = require "migrate"

return m.recipe {
  source = "${source}",
  target = "${target}",
  params = { region = "eu", since = "2000-01-01", min_qty = 0 },

  tables = { include = { "legacy.*" }, exclude = { "*_tmp" } },
  naming = { m.replace("tbl_", ""), m.snake_case(), m.prefix("x_"), m.suffix("_v1") },
  column_naming = { m.snake_case() },
  target_schema = "${region}_${schema}",
  create = "recreate",

  table_options = {
    ["legacy.tbl_OrderItems"] = {
      rename = { ItemID = "item_key" },
      drop = { "InternalNote" },
      add = {
        migrated_from = { type = "text", expr = "'legacy'" },
        qty_x2 = { type = "bigint", expr = "\"Qty\" * 2" },
      },
      filter = "\"CreatedAt\" >= ${since} AND \"Qty\" >= ${min_qty}",
    },
    ["legacy.CustomerAccounts"] = {
      target = "clients",
      cast = { AccountId = "bigint" },
      column_naming = { m.snake_case(), m.prefix("c_") },
    },
  },
}
