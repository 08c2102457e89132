-- syntax.lua: a missing comma after target (the error is on line 9,
-- where the parser finds "policy").
local m = require "migrate"

return m.recipe {
  source = "${source}",
  target = "${target}",
  tables = { "public.t1_first" }
  policy = "append",
}
