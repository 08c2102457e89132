local m = require "migrate"

local r = m.recipe {
  source = "postgresql:///a",
  target = "postgresql:///b",
  table_options = {
    ["x.y"] = { naming = 1 },  -- not this one: per-table naming is unknown
  },
  naming = 5,
}
return r
