-- acme.pg_to_pg: Acme's base recipe for PostgreSQL -> PostgreSQL moves.
-- Customer recipes extend it with what differs per customer:
--
--   local m = require "migrate"
--   return m.extend(require "acme.pg_to_pg", {
--     target_schema = "crm",
--     table_options = { ["public.tbl_Orders"] = { filter = [["Status" <> 'void']] } },
--   })
--
-- and run as `migrate customer.lua source=... target=...` (or with a
-- migrate.yaml profile giving source and target).
local m = require "migrate"
local naming = require "acme.naming"

return m.recipe {
  name = "acme pg_to_pg",
  description = "Acme's PostgreSQL -> PostgreSQL base: house naming, timestamps with zones",
  source = "${source}",
  target = "${target}",

  -- everything but scratch tables
  tables = { include = { "*" }, exclude = { "*_tmp", "*_backup", "*_old" } },

  naming = naming.tables,
  column_naming = naming.columns,

  -- re-runnable: same-name target tables are dropped and made again
  create = "recreate",
  policy = "overwrite",
  chunk_rows = 500000,

  -- Acme stores instants: naive timestamps become timestamptz (read in
  -- the source's zone; a customer sets source_timezone = "Europe/Paris"
  -- when its server runs in one), money becomes numeric.
  type_rules = {
    { type = "timestamp", to = "timestamptz", keep_typmod = true },
    { type = "money", to = "numeric(19,4)" },
  },

  hooks = {
    after_run = function(ctx, results)
      local failed = 0
      for _, r in ipairs(results) do
        if r.status == "failed" then failed = failed + 1 end
      end
      ctx.log(string.format("acme: %d tables, %d failed", #results, failed))
    end,
  },
}
