local m = require "migrate"

return m.recipe {
  source = "postgresql:///a",
  target = "postgresql:///b",
  -- tabels = {} in a comment does not count
  tables = nil,
  tabels = {"public.a"},
}
