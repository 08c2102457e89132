local m = require "migrate"
return m.recipe {
  source = "postgresql:///a",
  target = "postgresql:///b",
  tables = {"public.a", "sales.b"},
}
