-- bad_enum.lua: conflict "overwrite" is not a conflict policy (line 11).
local m = require "migrate"

return m.recipe {
  source = "${source}",
  target = "${target}",
  tables = { "public.t1_first" },
  table_options = {
    ["public.t1_first"] = {
      policy = "upsert",
      conflict = "overwrite",
    },
  },
}
