local m = require "migrate"
return m.recipe {
  source = "postgresql:///a",
  target = "postgresql:///b",
  naming = {
    m.snake_case(),
    m.replace("", "x"),
  },
}
