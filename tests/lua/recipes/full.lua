-- A complete, valid recipe (the example from the recipe format).
local m = require "migrate"
return m.recipe {
  source = "${source}",
  target = "postgresql:///shop_copy",
  schemas = {"public", "sales"},
  tables = { include = {"sales.*", "public.customers"}, exclude = {"*_tmp"},
             where = function(t) return t.rows > 0 end },
  naming = { m.replace("tbl_", ""), m.snake_case(), m.prefix("app_") },
  column_naming = { m.lower() },
  target_schema = "${schema}",
  quote_names = false,
  create = "missing",
  policy = "overwrite",
  conflict = "update",
  indexes = true, foreign_keys = true, reset_sequences = true,
  stop_on_error = false,
  params = { since = "2020-01-01", limit = 10 },
  table_options = {
    ["sales.orders"] = {
      policy = "upsert", conflict = "skip", key = {"order_id"},
      filter = "created_at >= ${since}",
      rename = { OldCol = "new_col" }, drop = { "internal_note" },
      add = { loaded_at = { type = "timestamptz", expr = "now()" } },
      target = "orders_v2",
      cast = { amount = "numeric(12,2)" },
    },
    ["sales.*"] = { policy = "append", create = "recreate" },
    ["*"] = { indexes = false },
  },
  hooks = { before_run = function(ctx) end, after_run = function(ctx, report) end,
            before_table = function(ctx, task) end, after_table = function(ctx, task, result) end },
}
