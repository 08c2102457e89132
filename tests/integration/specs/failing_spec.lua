-- failing_spec.lua: one passing and one failing test (for cli.sh); the
-- failure is on line 9.
describe("a failing spec", function()
    it("passes first", function()
        eq("a", "a")
    end)

    it("then fails", function()
        eq("expected-value", "actual-value")
    end)
end)
