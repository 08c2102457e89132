-- hooks.lua: every hook, for tests/integration/hooks.sh.
--   before_run    creates hook_log on the target and logs a line
--   before_table  skips public.skip_me (returns false); with fail=TABLE it
--                 raises an error for that table
--   after_table   writes "target rows" into hook_log
--   after_run     writes "source status" lines to the file out=PATH
-- break_run=1 makes before_run raise.
local m = require "migrate"

return m.recipe {
  source = "${source}",
  target = "${target}",
  params = { out = "", fail = "", break_run = "0" },
  hooks = {
    before_run = function(ctx)
      if ctx.params.break_run == "1" then
        error("before_run hook broke on purpose")
      end
      ctx.target:exec("CREATE TABLE IF NOT EXISTS public.hook_log (what text)")
      ctx.log("before_run hook called")
    end,
    before_table = function(ctx, task)
      if task.source.name == "skip_me" then
        return false
      end
      if task.label == ctx.params.fail then
        error("before_table hook refused " .. task.label)
      end
    end,
    after_table = function(ctx, task, res)
      ctx.target:exec("INSERT INTO public.hook_log VALUES ('" .. task.target.name .. " " .. res.rows .. "')")
    end,
    after_run = function(ctx, results)
      local f = assert(io.open(ctx.params.out, "w"))
      for _, r in ipairs(results) do
        f:write(r.source, " ", r.status, "\n")
      end
      f:close()
    end,
  },
  tables = { include = { "public.*" }, exclude = { "public.hook_log" } },
}
