-- "polcy" in table_options is a typo for "policy" (line 14).
local m = require "migrate"

return m.recipe {
  source = "postgresql:///a",
  target = "postgresql:///b",
  policy = "append",
  table_options = {
    ["public.customers"] = {
      policy = "overwrite",
    },
    ["sales.orders"] = {
      key = {"id"},
      polcy = "upsert",
    },
  },
}
