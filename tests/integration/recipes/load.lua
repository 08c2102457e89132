-- load.lua: one load policy for every table, from the command line:
--   migrate load.lua source=... target=... policy=upsert conflict=skip
-- public.codes has no primary key: upsert uses key = {"code"} (a unique
-- index on the target).  Existing target tables are kept (create =
-- "missing").
local m = require "migrate"

local p = m.params
return m.recipe {
  source = "${source}",
  target = "${target}",
  params = { policy = "upsert", conflict = "update", tables = "public.*" },
  tables = { include = { p.tables or "public.*" } },
  create = "missing",
  policy = p.policy or "upsert",
  conflict = p.conflict or "update",
  table_options = {
    ["public.codes"] = { key = { "code" } },
  },
}
