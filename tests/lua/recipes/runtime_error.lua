local m = require "migrate"
local cfg = nil

return m.recipe {
  source = cfg.source,
  target = "postgresql:///b",
}
