-- Specs for migrate.template: ${name} expansion.
local template = require "migrate.template"

local function sql_literal(v)
    return "'" .. tostring(v):gsub("'", "''") .. "'"
end

describe("template.expand", function()
    it("replaces each ${name} with its value", function()
        eq(template.expand("postgresql://${host}/${db}", {host = "db1", db = "shop"}), "postgresql://db1/shop")
    end)

    it("replaces a name used several times", function()
        eq(template.expand("${a}-${a}-${b}", {a = "x", b = "y"}), "x-x-y")
    end)

    it("leaves strings without placeholders as they are", function()
        eq(template.expand("plain text", {}), "plain text")
        eq(template.expand("", {}), "")
    end)

    it("turns numbers and booleans into text", function()
        eq(template.expand("${n}/${f}/${b}", {n = 42, f = 1.5, b = false}), "42/1.5/false")
    end)

    it("raises on an unknown name, naming it and the known names", function()
        local err = raises(function() template.expand("x >= ${sinse}", {since = "2020", until_ = "2021"}) end)
        contains(tostring(err), "unknown template variable ${sinse}")
        contains(tostring(err), '"x >= ${sinse}"')
        contains(tostring(err), "known: since, until_")
        eq(err.code, "template")
    end)

    it("says when no variables are defined", function()
        raises(function() template.expand("${x}") end, "no variables are defined", true)
    end)

    it("lets a literal ${ through as $${", function()
        eq(template.expand("cost: $${price} and ${price}", {price = 3}), "cost: ${price} and 3")
        eq(template.expand("$${unknown}", {}), "${unknown}")
    end)

    it("keeps other dollar signs (SQL dollar quoting, $1)", function()
        eq(template.expand("$$ select $1 $$ ${x}$", {x = "y"}), "$$ select $1 $$ y$")
        eq(template.expand("$", {}), "$")
        eq(template.expand("a$b", {}), "a$b")
    end)

    it("raises on an unterminated placeholder", function()
        raises(function() template.expand("abc ${x", {x = 1}) end, "unterminated ${", true)
    end)

    it("raises on a placeholder that is not a name", function()
        raises(function() template.expand("${a b}", {}) end, "bad placeholder ${a b}", true)
        raises(function() template.expand("${}", {}) end, "bad placeholder ${}", true)
        raises(function() template.expand("${os.exit()}", {}) end, "bad placeholder", true)
        raises(function() template.expand("${1x}", {}) end, "bad placeholder", true)
    end)

    it("never evaluates code", function()
        -- a value that looks like a placeholder or code stays text
        eq(template.expand("${v}", {v = "${w}"}), "${w}")
        eq(template.expand("${v}", {v = "os.exit(1)"}), "os.exit(1)")
    end)

    it("refuses values that are not text, numbers or booleans", function()
        raises(function() template.expand("${t}", {t = {}}) end, "template variable ${t} is a table", true)
        raises(function() template.expand("${f}", {f = print}) end, "is a function", true)
    end)

    it("refuses a template that is not a string", function()
        raises(function() template.expand(nil, {}) end, "a template must be a string, got nil", true)
    end)

    it("applies opts.quote to each substituted value only", function()
        local got = template.expand("created_at >= ${since} and region = ${r}",
            {since = "2020-01-01", r = "O'Hare"}, {quote = sql_literal})
        eq(got, "created_at >= '2020-01-01' and region = 'O''Hare'")
    end)

    it("passes the raw value and the name to opts.quote", function()
        local seen = {}
        template.expand("${n}", {n = 5}, {quote = function(v, name)
            seen = {v, name}
            return tostring(v)
        end})
        eq(seen, {5, "n"})
    end)

    it("raises when opts.quote returns something other than a string", function()
        raises(function() template.expand("${n}", {n = 5}, {quote = function() return nil end}) end,
            "the quote function returned a nil", true)
    end)

    it("keeps UTF-8 text around and inside values", function()
        eq(template.expand("ß ${x} 日本", {x = "é"}), "ß é 日本")
    end)
end)

describe("template.names", function()
    it("lists the names in order, each once", function()
        eq(template.names("${b} ${a} ${b} $${c}"), {"b", "a"})
    end)

    it("is empty for plain text", function()
        eq(template.names("nothing here $1"), {})
        eq(template.has_vars("nothing"), false)
        eq(template.has_vars("${x}"), true)
    end)
end)
