-- schedule_guarded.lua: public.guarded goes into a target table made
-- beforehand (append), whose CHECK constraint schedule.sh drops while the
-- run waits to rerun the failed chunk; public.plain may wait for it.
--
--   migrate schedule_guarded.lua source=... target=... reruns=3 plain_after=public.guarded
local m = require "migrate"

local p = m.params

return m.recipe {
  source = "${source}",
  target = "${target}",
  params = { reruns = "0", plain_after = "" },
  tables = { "public.guarded", "public.plain" },
  create = "missing",
  max_rejects = 0, -- a refused row fails the chunk (to be rerun)
  table_options = {
    ["public.guarded"] = { policy = "append", reruns = tonumber(p.reruns) or 0, rerun_interval = 1 },
    ["public.plain"] = { after = (p.plain_after or "") ~= "" and { p.plain_after } or nil },
  },
}
