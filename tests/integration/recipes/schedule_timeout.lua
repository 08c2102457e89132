-- schedule_timeout.lua: public.slow (a view that sleeps 10 ms a row, 5 s
-- in all) may run 1 s; the other tables have no limit.
local m = require "migrate"

return m.recipe {
  source = "${source}",
  target = "${target}",
  tables = { "public.slow", "public.plain", "public.big_d" },
  create = "recreate",
  table_options = {
    ["public.slow"] = { timeout = 1 },
  },
}
