-- schedule_verify.lua: run with --verify.  public.vbad goes into a target
-- table made beforehand (append) whose trigger schedule.sh uses to alter
-- a row on insert.
local m = require "migrate"

return m.recipe {
  source = "${source}",
  target = "${target}",
  tables = { "public.vgood", "public.vbad" },
  create = "missing",
  table_options = {
    ["public.vbad"] = { policy = "append" },
  },
}
