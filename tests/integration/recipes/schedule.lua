-- schedule.lua: four big tables for tests/integration/schedule.sh, with
-- the scheduling options from the command line ("" leaves one unset):
--
--   migrate schedule.lua source=... target=... workers=1 max_tasks=1
--           wave_size=2 chunk_rows=70000 tables=public.big_a
--           after_a=public.big_c,public.big_d after_d=public.big_a
local m = require "migrate"

local p = m.params

local function num(v)
  return v and v ~= "" and tonumber(v) or nil
end

local function list(v)
  if not v or v == "" then return nil end
  local out = {}
  for item in v:gmatch("[^,]+") do out[#out + 1] = item end
  return out
end

return m.recipe {
  source = "${source}",
  target = "${target}",
  params = { tables = "public.big_*", workers = "", max_tasks = "", wave_size = "",
             chunk_rows = "", after_a = "", after_d = "" },
  tables = { include = list(p.tables) or { "public.big_*" } },
  create = "recreate",
  workers = num(p.workers),
  max_tasks = num(p.max_tasks),
  wave_size = num(p.wave_size),
  chunk_rows = num(p.chunk_rows),
  table_options = {
    ["public.big_a"] = { after = list(p.after_a) },
    ["public.big_d"] = { after = list(p.after_d) },
  },
}
