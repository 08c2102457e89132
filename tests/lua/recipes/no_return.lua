local m = require "migrate"
local r = m.recipe {
  source = "postgresql:///a",
  target = "postgresql:///b",
}
-- forgot: return r
return { source = "postgresql:///a" }
