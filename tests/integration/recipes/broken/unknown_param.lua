-- unknown_param.lua: the filter uses ${snice}, a typo for ${since} (line 10).
local m = require "migrate"

return m.recipe {
  source = "${source}",
  target = "${target}",
  params = { since = "2024-01-01" },
  table_options = {
    ["public.t1_first"] = {
      filter = "created >= ${snice}",
    },
  },
}
