-- schedule_retries.lua: public.slow_r (a view taking 1.5 s) while schedule.sh
-- cuts the target connection; retries=N reconnects N times.
local m = require "migrate"

local p = m.params

return m.recipe {
  source = "${source}",
  target = "${target}",
  params = { retries = "2" },
  tables = { "public.slow_r", "public.plain" },
  create = "recreate",
  retries = tonumber(p.retries),
}
