-- schedule_split.lua: public.parts in the recipe's own chunks.
--   split=three      three conditions (computed with the source at hand)
--   split=number     returns a number: a recipe error
--   split=nonstring  a number among the conditions: a recipe error
--   split=raises     raises an error: a recipe error
local m = require "migrate"

local p = m.params

local splits = {
  three = function(ctx, task)
    local max = ctx.source:query("SELECT max(id) AS n FROM public.parts")[1].n
    return { "id <= 1000", "id > 1000 AND id <= 4000", string.format("id > 4000 AND id <= %d", max) }
  end,
  number = function() return 3 end,
  nonstring = function() return { "id <= 1000", 42 } end,
  raises = function() error("no idea how to split public.parts") end,
}

return m.recipe {
  source = "${source}",
  target = "${target}",
  params = { split = "three" },
  tables = { "public.parts", "public.plain" },
  create = "recreate",
  table_options = {
    ["public.parts"] = { split = splits[p.split or "three"] },
  },
}
