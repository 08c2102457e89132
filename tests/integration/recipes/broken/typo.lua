-- typo.lua: "polcy" in table_options is a typo for "policy" (line 13).
local m = require "migrate"

return m.recipe {
  source = "${source}",
  target = "${target}",
  policy = "append",
  table_options = {
    ["public.t1_first"] = {
      policy = "overwrite",
    },
    ["public.t2_checked"] = { key = { "id" },
      polcy = "upsert",
    },
  },
}
