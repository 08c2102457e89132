local m = require "migrate"
local target = "postgresql:///b"

return m.recipe {
  source = "postgresql:///a",
  target = target,
  table_options = {
    ["sales.orders"] = { create = "never" },
  },
  create = "always",
}
