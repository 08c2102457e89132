-- Specs for the pure parts of `migrate repl`: chunk compilation and the
-- unfinished-chunk test, argument and meta-command parsing, value and
-- table formatting, completion candidates.  (tests/integration/repl.sh
-- drives the REPL itself through tmux.)
local repl = require "migrate.repl"
local fmt = require "migrate.repl_format"
local complete = require "migrate.repl_complete"
local meta = require "migrate.repl_meta"

describe("repl.compile", function()
    it("returns an expression's value", function()
        local f = repl.compile("1 + 2")
        eq(f(), 3)
        eq(repl.compile("= 'a' .. 'b'")(), "ab")
    end)

    it("runs statements that are not expressions", function()
        local f = repl.compile("local x = 2; return x * 21")
        eq(f(), 42)
        eq(select("#", repl.compile("local y = 1")()), 0)
    end)

    it("says incomplete for an unfinished function, table or long string", function()
        local _, why = repl.compile("function f(x)")
        eq(why, "incomplete")
        eq(select(2, repl.compile("t = {1,")), "incomplete")
        eq(select(2, repl.compile("s = [[abc")), "incomplete")
        eq(select(2, repl.compile("if x then\n  y = 1")), "incomplete")
    end)

    it("accepts the chunk once it is finished", function()
        local f = repl.compile("function dbl(x)\n  return x * 2\nend")
        truthy(f)
        f()
        eq(dbl(21), 42)
        dbl = nil
    end)

    it("reports a real syntax error with its line", function()
        local f, err = repl.compile("x = = 1")
        eq(f, nil)
        matches(err, "^stdin:1: ")
        falsy(repl.incomplete(err))
        -- an unfinished short string is an error, not a continuation
        falsy(repl.incomplete(select(2, repl.compile("s = 'abc"))))
    end)
end)

describe("repl.parse_args", function()
    it("opens the first two as src and dst, name=URL as name", function()
        local a = repl.parse_args({"postgresql:///shop", "legacy=odbc:DSN=old", "odbc:DSN=x"})
        eq(a, {{name = "src", target = "postgresql:///shop"},
               {name = "legacy", target = "odbc:DSN=old"},
               {name = "dst", target = "odbc:DSN=x"}})
    end)

    it("takes a libpq conninfo for a connection, not a name", function()
        local a = repl.parse_args({"dbname=shop host=db1"})
        eq(a, {{name = "src", target = "dbname=shop host=db1"}})
    end)

    it("refuses a third unnamed connection, password masked", function()
        local err = raises(function()
            repl.parse_args({"a", "b", "postgresql://u:secret@h/db"})
        end)
        eq(err.code, "usage")
        falsy(tostring(err):find("secret", 1, true))
    end)
end)

describe("repl_format.rowset", function()
    it("aligns like psql: headers centered, numbers right, NULL distinct", function()
        local rows = {{id = 1, name = "Ann", note = nil}, {id = 100, name = "", note = "x"}}
        eq(fmt.rowset(rows, {"id", "name", "note"}), {
            " id  | name |  note",
            "-----+------+--------",
            "   1 | Ann  | (null)",
            " 100 |      | x",
            "(2 rows)",
        })
    end)

    it("says (1 row) and (0 rows)", function()
        local one = fmt.rowset({{n = 5}}, {"n"})
        eq(one[#one], "(1 row)")
        local none = fmt.rowset({}, {"a", "b"})
        eq(none, {" a | b", "---+---", "(0 rows)"})
    end)

    it("right-aligns numeric text (numeric columns) and escapes control characters", function()
        local lines = fmt.rowset({{amount = "12.50", memo = "a\tb\nc"}, {amount = "3.00", memo = "é"}},
            {"amount", "memo"}, {footer = false})
        eq(lines[3], "  12.50 | a\\tb\\nc")
        eq(lines[4], "   3.00 | é")
    end)

    it("recognises what conn:query returns", function()
        truthy(fmt.is_rowset({{a = 1}}, {"a"}))
        truthy(fmt.is_rowset({}, {}))
        falsy(fmt.is_rowset({1, 2}, {"a"}))
        falsy(fmt.is_rowset({{a = 1}}, {1, 2}))
        falsy(fmt.is_rowset("x", {"a"}))
    end)
end)

describe("repl_format.value", function()
    it("prints tables one level deep, nested ones shortened", function()
        eq(fmt.value({1, "two", k = {1, 2, 3}, e = {}}), '{ 1, "two", e = {}, k = {...3} }')
    end)

    it("prints scalars as they are", function()
        eq(fmt.value("plain"), "plain")
        eq(fmt.value(10000), "10000")
        eq(fmt.value(1.5), "1.5")
        eq(fmt.value(nil), "nil")
    end)

    it("uses __tostring (migrate error objects)", function()
        local err = require("migrate.core").error{code = "x", side = "source", sqlstate = "42P01", msg = "no table"}
        eq(fmt.value(err), "[source] [42P01] no table")
    end)
end)

describe("repl_meta.parse", function()
    it("splits the name, the arguments and @connection", function()
        local name, args, conn = meta.parse([[\sample @dst orders status 5]])
        eq(name, "sample")
        eq(args, {"orders", "status", "5"})
        eq(conn, "dst")
    end)

    it("keeps a quoted argument whole, with doubled quotes", function()
        local name, args = meta.parse([[\d "odd ""name"" here"]])
        eq(name, "d")
        eq(args, {'odd "name" here'})
    end)

    it("refuses an unterminated quote", function()
        raises(function() meta.parse([[\d "open]]) end, "unterminated")
    end)

    it("finds the rules of \\name before the last argument", function()
        eq(meta.rules_text([[m.snake_case(), m.prefix("a b") OrderItems]]), [[m.snake_case(), m.prefix("a b")]])
        eq(meta.rules_text([[@src m.upper() *]]), "m.upper()")
        eq(meta.rules_text([[m.lower() "Order ""X"" Items"]]), "m.lower()")
        eq(meta.rules_text("OrderItems"), nil)
    end)

    it("turns a glob into a whole-name pattern", function()
        truthy(("big_orders"):match(meta.glob("big_*")))
        falsy(("a_big_orders"):match(meta.glob("big_*")))
        truthy(("public.t1"):match(meta.glob("public.t?")))
        falsy(("publicXt1"):match(meta.glob("public.t?")))
    end)

    it("lists the meta-commands for completion", function()
        local names = meta.names()
        for _, want in ipairs({"\\tables", "\\d", "\\preview", "\\count", "\\sample", "\\plan",
                               "\\name", "\\conn", "\\help", "\\q"}) do
            local found = false
            for _, n in ipairs(names) do found = found or n == want end
            truthy(found, want)
        end
    end)
end)

describe("repl_complete.complete", function()
    local conn_methods = {query = function() end, exec = function() end, display = function() end}
    local fake_conn = setmetatable({}, {__index = conn_methods})
    local env = {src = fake_conn, string = string, settings = {workers = 4, window = 2},
                 select = select, setmetatable = setmetatable}
    local ctx = {
        env = env,
        meta = meta.names(),
        connections = {"src", "dst"},
        default_connection = "src",
        tables = function(name)
            if name == "src" then return {"public.big_orders", "big_orders", "public.customers", "customers"} end
            if name == "dst" then return {"public.archive", "archive"} end
            return {}
        end,
    }

    it("completes globals and keywords", function()
        local word, insert, list = complete.complete("x = sel", ctx)
        eq(word, "sel")
        eq(insert, "select")
        eq(list, {"select"})
        eq(select(3, complete.complete("loc", ctx)), {"local"})
        eq(select(3, complete.complete("set", ctx)), {"setmetatable", "settings"})
        eq(select(2, complete.complete("set", ctx)), "set")
    end)

    it("completes fields of tables and methods through __index", function()
        eq(select(3, complete.complete("settings.w", ctx)), {"settings.window", "settings.workers"})
        eq(select(2, complete.complete("settings.wo", ctx)), "settings.workers")
        eq(select(2, complete.complete("src:qu", ctx)), "src:query")
        eq(select(3, complete.complete("string.for", ctx)), {"string.format"})
        -- methods of a string value, through its metatable
        env.name = "abc"
        eq(select(3, complete.complete("name:up", ctx)), {"name:upper"})
        -- only functions after ':'
        eq(select(3, complete.complete("settings:w", ctx)), {})
    end)

    it("completes meta-command names, connections and table names", function()
        eq(select(2, complete.complete("\\pre", ctx)), "\\preview")
        eq(select(2, complete.complete("\\d big", ctx)), "big_orders")
        eq(select(3, complete.complete("\\tables @d", ctx)), {"@dst"})
        eq(select(3, complete.complete("\\d @dst arc", ctx)), {"archive"})
        eq(select(3, complete.complete("\\count public.c", ctx)), {"public.customers"})
    end)

    it("completes table names inside a query string, of that connection", function()
        eq(select(2, complete.complete('src:query("SELECT * FROM big', ctx)), "big_orders")
        eq(select(3, complete.complete('dst:query("SELECT * FROM ar', ctx)), {"archive"})
        -- outside the string it is Lua again
        eq(select(3, complete.complete('src:query("x") + sel', ctx)), {"select"})
    end)

    it("gives nothing (and no error) for unknown names", function()
        eq(select(3, complete.complete("nothing.he", ctx)), {})
        eq(select(3, complete.complete("", ctx)), {})
        eq(select(2, complete.complete("\\d zz", ctx)), "")
    end)

    it("finds the common prefix", function()
        eq(complete.common_prefix({"abcd", "abce", "abx"}), "ab")
        eq(complete.common_prefix({}), "")
    end)
end)
