-- runtime_error.lua: a Lua error while the recipe file runs (line 6).
local m = require "migrate"

local naming = {}
local function rules()
  return naming.rules.table -- indexing nil
end

return m.recipe {
  source = "${source}",
  target = "${target}",
  naming = rules(),
}
