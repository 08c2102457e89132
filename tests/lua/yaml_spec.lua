-- Specs for migrate.yaml: decode/encode round trips, key order, nulls,
-- numbers, quoting, source lines and error messages.
local yaml = require "migrate.yaml"

local function round_trip(v)
    return (yaml.decode(yaml.encode(v)))
end

local tricky = {
    "yes", "no", "on", "off", "Yes", "NO", "y", "n", "true", "False", "null", "~",
    "007", "12", "-1", "1e20", "0.1", ".5", ".inf", "-.inf", ".nan", "0x10", "1_000",
    "2020-01-01", "12:30", "", " ", "  lead", "trail  ", "a: b", "a:b", "# x", "a #b",
    "- x", "-", "?", "[1]", "{a: 1}", "&anchor", "*alias", "!tag", "|", ">", "%x",
    "@x", "`x", "'", '"', "'single'", '"double"', "it's", 'say "hi"',
    "O'Reilly; DROP TABLE users; --", "back\\slash", "tab\there", "cr\r\nlf",
    "line1\nline2", "line1\nline2\n", "\n", "\n\n", "  indented\nblock", "trailing \nspace",
    "Zürich", "東京", "Ωμέγα", "rocket 🚀", "---", "...", "nul\0byte",
    string.rep("long ", 100),
}

describe("yaml.decode", function()
    it("turns maps into tables and sequences into arrays", function()
        local v = yaml.decode("name: shop\ntasks:\n  - a\n  - b\nopts: {x: 1}\n")
        eq(v, {name = "shop", tasks = {"a", "b"}, opts = {x = 1}})
        eq(getmetatable(v.tasks), yaml.array_mt)
        eq(getmetatable(v.opts), nil)
    end)

    it("reads plain true/false as booleans and numbers as numbers", function()
        local v = yaml.decode("a: true\nb: False\nc: 0\nd: -1\ne: 1e20\nf: 0.1\ng: 007\nh: 1.5e-3\ni: +3\n")
        eq(v, {a = true, b = false, c = 0, d = -1, e = 1e20, f = 0.1, g = 7, h = 1.5e-3, i = 3})
    end)

    it("keeps quoted scalars as strings", function()
        local v = yaml.decode("a: 'true'\nb: \"007\"\nc: '1e20'\nd: !!str 12\ne: '~'\nf: ''\n")
        eq(v, {a = "true", b = "007", c = "1e20", d = "12", e = "~", f = ""})
    end)

    it("reads YAML 1.1 words (yes, no, on, off) as text", function()
        eq(yaml.decode("[yes, no, on, off, y, n]"), {"yes", "no", "on", "off", "y", "n"})
    end)

    it("keeps integers that no double holds as text", function()
        local v = yaml.decode("id: 12345678901234567890\nok: 9007199254740992\nnot: 9007199254740993\nhuge: 1e400\n")
        eq(v.id, "12345678901234567890")
        eq(v.ok, 9007199254740992)
        eq(v["not"], "9007199254740993")
        eq(v.huge, "1e400")
    end)

    it("reads .inf and .nan", function()
        local v = yaml.decode("[.inf, -.inf, .nan]")
        eq(v[1], math.huge)
        eq(v[2], -math.huge)
        truthy(v[3] ~= v[3])
    end)

    it("reads ~, null and empty values as yaml.null, keeping the key", function()
        local v = yaml.decode("a: ~\nb: null\nc:\nd: [~, 1]\n")
        eq(v.a, yaml.null)
        eq(v.b, yaml.null)
        eq(v.c, yaml.null)
        eq(v.d[1], yaml.null)
        eq(#v.d, 2)
        eq(type(yaml.null), "userdata")
        eq(yaml.decode(""), yaml.null)
    end)

    it("keeps empty sequences and empty maps apart", function()
        local v = yaml.decode("s: []\nm: {}\n")
        eq(getmetatable(v.s), yaml.array_mt)
        eq(getmetatable(v.m), nil)
        eq(yaml.encode(v), "m: {}\ns: []\n")
    end)

    it("reads multi-line blocks and UTF-8", function()
        local v = yaml.decode("sql: |\n  SELECT 1\n  FROM t\nname: Zürich 東京 🚀\n")
        eq(v.sql, "SELECT 1\nFROM t\n")
        eq(v.name, "Zürich 東京 🚀")
    end)

    it("reads plain numeric keys as numbers", function()
        eq(yaml.decode("1: a\n'2': b\n"), {[1] = "a", ["2"] = "b"})
    end)

    it("returns the line of every table and of every key", function()
        local text = "name: shop\ntasks:\n  - name: orders\n    target: public.orders\n\n  - name: lines\n    target: public.lines\n"
        local v, lines, key_lines = yaml.decode(text, "plan.yaml")
        eq(lines[v], 1)
        eq(lines[v.tasks], 3)
        eq(lines[v.tasks[2]], 6)
        eq(key_lines[v].tasks, 2)
        eq(key_lines[v.tasks][2], 6)
        eq(key_lines[v.tasks[2]].target, 7)
        eq(getmetatable(lines).__mode, "k")
    end)
end)

describe("yaml.decode errors", function()
    it("names the file, line and column of a syntax error", function()
        local err = raises(function() yaml.decode("a: 1\nb: c: d\n", "plan.yaml") end)
        eq(tostring(err), "plan.yaml:2:5: mapping values are not allowed in this context")
        eq(err.code, "usage")
        eq(err.line, 2)
        eq(err.col, 5)
        eq(err.filename, "plan.yaml")
    end)

    it("says where an unclosed block started", function()
        raises(function() yaml.decode("a: [1, 2\nb: 3\n", "plan.yaml") end,
            "while parsing a flow sequence that starts at line 1, column 4", true)
    end)

    it("uses <yaml> when no file name is given", function()
        raises(function() yaml.decode("a: 'x") end, "<yaml>:1:", true)
    end)

    it("refuses anchors and aliases", function()
        raises(function() yaml.decode("a: &x 1\nb: *x\n", "p.yaml") end,
            "p.yaml:1:4: anchors (&x) are not allowed: plans and configuration files must stay plain", true)
        raises(function() yaml.decode("- *x\n", "p.yaml") end, "p.yaml:1:3: aliases (*x) are not allowed", true)
    end)

    it("refuses duplicate keys, naming both lines", function()
        raises(function() yaml.decode("name: a\ntarget: b\nname: c\n", "p.yaml") end,
            "p.yaml:3:1: duplicate key 'name' (first at line 1, again at line 3)", true)
        raises(function() yaml.decode("1: a\n1.0: b\n", "p.yaml") end,
            "p.yaml:2:1: duplicate key '1.0' (same as the key at line 1)", true)
    end)

    it("refuses a null key and a second document", function()
        raises(function() yaml.decode("~: 1\n", "p.yaml") end, "p.yaml:1:1: a map key cannot be null", true)
        raises(function() yaml.decode("a: 1\n---\nb: 2\n", "p.yaml") end,
            "p.yaml:2:1: a second YAML document starts here", true)
    end)

    it("decode_file names the path, for I/O errors too", function()
        local dir = os.getenv("MG_TEST_TMP") or "/tmp"
        os.execute("mkdir -p '" .. dir .. "'")
        local path = dir .. "/yaml_spec_plan.yaml"
        local f = assert(io.open(path, "w"))
        f:write("tasks:\n  - name: a\n    name: b\n")
        f:close()
        raises(function() yaml.decode_file(path) end, path .. ":3:5: duplicate key 'name'", true)
        f = assert(io.open(path, "w"))
        f:write("tasks:\n  - name: a\n")
        f:close()
        local v, lines = yaml.decode_file(path)
        eq(v.tasks[1].name, "a")
        eq(lines[v.tasks[1]], 2)
        os.remove(path)
        local err = raises(function() yaml.decode_file(path) end, "cannot open " .. path, true)
        eq(err.code, "io")
    end)
end)

describe("yaml.encode", function()
    it("writes maps with sorted keys and arrays in order", function()
        eq(yaml.encode({b = 1, a = {3, 2, 1}, c = {x = true}}), "a:\n- 3\n- 2\n- 1\nb: 1\nc:\n  x: true\n")
    end)

    it("writes numbers without .0 when integral, and exactly", function()
        eq(yaml.encode({0, -1, 1e20, 0.1, 3.0, 2^53, 1/3, -0.5}),
            "- 0\n- -1\n- 1e+20\n- 0.1\n- 3\n- 9007199254740992\n- 0.3333333333333333\n- -0.5\n")
        eq(round_trip({1/3, 2^60, -1e-300, 123456.789}), {1/3, 2^60, -1e-300, 123456.789})
    end)

    it("writes booleans, yaml.null and nil", function()
        eq(yaml.encode({t = true, f = false, none = yaml.null}), "f: false\nnone: null\nt: true\n")
        eq(yaml.encode(nil), "null\n")
        eq(yaml.encode(yaml.null), "null\n")
    end)

    it("quotes only strings that would be misread", function()
        eq(yaml.encode({"plain text", "yes", "007", "", "a: b", "# x", "  lead", "O'Hare"}),
            "- plain text\n- 'yes'\n- '007'\n- ''\n- 'a: b'\n- '# x'\n- '  lead'\n- O'Hare\n")
    end)

    it("writes multi-line text as a literal block", function()
        eq(yaml.encode({sql = "SELECT 1\nFROM t\n"}), "sql: |\n  SELECT 1\n  FROM t\n")
    end)

    it("lets UTF-8 through unescaped", function()
        eq(yaml.encode({name = "Zürich 東京"}), "name: Zürich 東京\n")
    end)

    it("round-trips every tricky string, as a value and as a key", function()
        for _, s in ipairs(tricky) do
            eq(round_trip({s}), {s}, "value " .. string.format("%q", s))
            eq(round_trip({[s] = 1}), {[s] = 1}, "key " .. string.format("%q", s))
        end
    end)

    it("keeps empty arrays and empty maps apart", function()
        eq(yaml.encode({a = {}, b = yaml.array(), c = setmetatable({}, yaml.array_mt)}),
            "a: {}\nb: []\nc: []\n")
        local v = round_trip({list = yaml.array(), map = {}})
        eq(getmetatable(v.list), yaml.array_mt)
        eq(getmetatable(v.map), nil)
    end)

    it("writes tables with holes or other keys as maps", function()
        eq(yaml.encode({[1] = "a", [3] = "c"}), "1: a\n3: c\n")
        eq(round_trip({[1] = "a", [3] = "c"}), {[1] = "a", [3] = "c"})
        eq(yaml.encode({"a", x = 1}), "1: a\nx: 1\n")
        eq(yaml.encode({[true] = 1, [2] = 2, z = 3}), "2: 2\ntrue: 1\nz: 3\n")
    end)

    it("follows an __order metafield, then sorts the other keys", function()
        local task_mt = {__order = {"name", "source", "target", "columns", "missing"}}
        local task = setmetatable({columns = {"id"}, target = "public.t", zeta = 1, source = "dbo.T",
            name = "t", alpha = 2}, task_mt)
        eq(yaml.encode({tasks = {task}}),
            "tasks:\n- name: t\n  source: dbo.T\n  target: public.t\n  columns:\n  - id\n  alpha: 2\n  zeta: 1\n")
    end)

    it("writes the same bytes for the same value", function()
        local big = {}
        for i = 1, 200 do
            big["k" .. i] = {i, tostring(i), {nested = i % 2 == 0}}
        end
        local first = yaml.encode(big)
        for _ = 1, 3 do
            eq(yaml.encode(big), first)
        end
        eq(yaml.encode(yaml.decode(first)), first)
    end)

    it("round-trips a nested plan", function()
        local plan = {
            name = "erp_to_pg",
            source = "odbc:DSN=legacy",
            tasks = {
                {name = "orders", target = "public.orders", where = "region = 'EU'; --",
                 columns = {{name = "id", type = "bigint"}, {name = "note", type = "text", nullable = true}},
                 hooks = {}, keys = yaml.array(), comment = yaml.null, rows = 0},
                {name = "Straße", target = "public.\"Straße\"", sql = "SELECT *\n  FROM x\n"},
            },
        }
        eq(round_trip(plan), plan)
    end)
end)

describe("yaml.encode errors", function()
    it("names the path to a value it cannot encode", function()
        local err = raises(function()
            yaml.encode({tasks = {{}, {}, {hooks = print}}})
        end, "tasks[3].hooks: cannot encode a function", true)
        eq(err.code, "usage")
        eq(err.path, "tasks[3].hooks")
        raises(function() yaml.encode({["odd key"] = {coroutine.create(print)}}) end,
            '["odd key"][1]: cannot encode a thread', true)
        raises(function() yaml.encode(print) end, "cannot encode a function", true)
        raises(function() yaml.encode({x = io.stdout}) end, "x: cannot encode a userdata", true)
    end)

    it("refuses keys that are not text, numbers or booleans", function()
        raises(function() yaml.encode({a = {[{}] = 1}}) end, "a: cannot encode a table as a map key", true)
    end)

    it("refuses cycles", function()
        local t = {name = "x"}
        t.self = {t}
        raises(function() yaml.encode(t) end, "self[1]: a table that contains itself cannot be encoded", true)
        local shared = {1}
        eq(yaml.encode({a = shared, b = shared}), "a:\n- 1\nb:\n- 1\n")
    end)

    it("refuses text that is not UTF-8", function()
        raises(function() yaml.encode({name = "\255\254"}) end, "name: the text is not valid UTF-8", true)
    end)

    it("refuses arrays with keys other than 1..n", function()
        raises(function() yaml.encode({list = setmetatable({1, x = 2}, yaml.array_mt)}) end,
            "list: an array (yaml.array_mt) must have only the keys 1..n", true)
    end)

    it("ignores extra arguments, so encode(decode(text)) works", function()
        eq(yaml.encode(yaml.decode("b: 1\na: [x]\n")), "a:\n- x\nb: 1\n")
    end)

end)
