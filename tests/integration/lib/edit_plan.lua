-- Edits a plan the way a person would, through migrate's own YAML module
-- (run as `PLAN=plan.yaml migrate test edit_plan.lua` by plan.sh): the
-- task of table b is removed, a's target is renamed and its column n
-- becomes bigint, c is appended instead of overwritten.
local yaml = require "migrate.yaml"

describe("editing the plan", function()
  it("removes, renames, retypes and changes a policy", function()
    local path = assert(os.getenv("PLAN"), "PLAN is not set")
    local doc = yaml.decode_file(path)
    local kept = yaml.array()
    for _, t in ipairs(doc.tasks) do
      if t.source.table ~= "b" then
        if t.source.table == "a" then
          t.target.table = "a_renamed"
          for _, c in ipairs(t.columns) do
            if c.target == "n" then c.type = "bigint" end
          end
        end
        if t.source.table == "c" then t.policy = "append" end
        kept[#kept + 1] = t
      end
    end
    eq(#kept, #doc.tasks - 1)
    doc.tasks = kept
    local f = assert(io.open(path, "w"))
    f:write(yaml.encode(doc))
    f:close()
  end)
end)
