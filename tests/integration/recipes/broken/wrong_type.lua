-- wrong_type.lua: quote_names must be true or false (line 9).
local m = require "migrate"

return m.recipe {
  source = "${source}",
  target = "${target}",
  tables = { "public.t1_first" },

  quote_names = "yes",
}
