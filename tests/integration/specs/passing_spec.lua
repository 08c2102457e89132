-- passing_spec.lua: a spec that passes (for cli.sh: `migrate test`).
local m = require "migrate"

describe("a passing spec", function()
    it("compares values", function()
        eq(1 + 1, 2)
        eq(m.snake_case()("OrderItems", {}), "order_items")
    end)

    it("sees the stdlib", function()
        truthy(m.recipe)
    end)
end)
