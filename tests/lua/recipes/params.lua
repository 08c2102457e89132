-- Shows which parameters the recipe file sees while it runs.
local m = require "migrate"
local seen = {}
for k, v in pairs(m.params) do
  seen[#seen + 1] = k .. "=" .. tostring(v)
end
table.sort(seen)
return m.recipe {
  name = table.concat(seen, ","),
  source = "${source}",
  target = "postgresql:///${db}",
  params = { db = "copy", since = "2020-01-01", limit = 10, dry = false },
  table_options = {
    orders = { filter = "created_at >= ${since} and n < ${limit}" },
  },
}
