-- hostile.lua: copy tables with hostile names (quotes, semicolons, "--",
-- spaces, mixed case, unicode, 63-byte names).  From the command line:
--   tables=GLOB      which tables (default hostile.*)
--   prefix=TEXT      a prefix naming rule (default none)
--   quote=false      refuse names that need quoting
--   label=VALUE      a filter value for public.labels (injection test)
--   policy=POLICY    the load policy (default overwrite; upsert updates)
local m = require "migrate"

local p = m.params
local naming = {}
if p.prefix and p.prefix ~= "" then
  naming = { m.prefix(p.prefix) }
end

return m.recipe {
  source = "${source}",
  target = "${target}",
  params = { label = "none" },
  tables = { include = { p.tables or "hostile.*" } },
  naming = naming,
  quote_names = p.quote ~= "false",
  create = "missing",
  policy = p.policy or "overwrite",
  conflict = "update",
  table_options = {
    ["public.labels"] = { filter = "label = ${label}" },
  },
}
