-- Specs for migrate.recipe: validation with file:line errors, loading,
-- parameters, per-table options and target names.
local recipe = require "migrate.recipe"
local m = require "migrate"

local dir = spec.dir() .. "/recipes/"
local this_file = debug.getinfo(1, "S").source:sub(2)

-- Load a fixture recipe expecting an error; returns the error object.
local function load_error(name, params)
    local ok, err = pcall(recipe.load, dir .. name, params)
    falsy(ok, name .. " should not load")
    return err
end

-- The line of the caller plus offset (for errors inside this file).
local function here(offset)
    return debug.getinfo(2, "l").currentline + (offset or 0)
end

local function minimal(extra)
    local desc = {source = "postgresql:///a", target = "postgresql:///b"}
    for k, v in pairs(extra or {}) do
        desc[k] = v
    end
    return desc
end

describe("recipe.load", function()
    it("loads a complete recipe and fills defaults", function()
        local r = recipe.load(dir .. "full.lua", {source = "postgresql:///shop"})
        truthy(recipe.is_recipe(r))
        eq(r.source, "${source}") -- kept unexpanded
        eq(r.target_schema, "${schema}")
        eq(r.params, {source = "postgresql:///shop", since = "2020-01-01", limit = 10})
        eq(r.version, 1)
        eq(#r.naming, 3)
        eq(r.table_options["sales.orders"].key, {"order_id"})
        eq(type(r.hooks.before_run), "function")
        eq(recipe.expand(r, r.source), "postgresql:///shop")
    end)

    it("fills defaults for a minimal recipe", function()
        local r = m.recipe(minimal())
        eq({r.create, r.policy, r.conflict, r.indexes, r.foreign_keys, r.reset_sequences, r.quote_names,
            r.stop_on_error, r.target_schema},
           {"missing", "overwrite", "update", true, true, true, false, false, "${schema}"})
        eq({r.naming, r.column_naming, r.table_options, r.hooks, r.tables, r.params}, {{}, {}, {}, {}, {}, {}})
    end)

    it("reports a syntax error as a recipe error with file and line", function()
        local err = load_error("syntax_error.lua")
        eq(err.code, "recipe")
        eq(err.file, dir .. "syntax_error.lua")
        eq(err.line, 6)
        matches(tostring(err), "^" .. (dir .. "syntax_error.lua:6: "):gsub("%p", "%%%0") .. ".*'}' expected")
    end)

    it("reports a typo in table_options at the line of the key", function()
        local err = load_error("typo_option.lua")
        eq(tostring(err), dir .. "typo_option.lua:14: unknown option 'polcy' in "
            .. 'table_options["sales.orders"] (did you mean \'policy\'?)')
        eq({err.code, err.file, err.line, err.msg}, {"recipe", dir .. "typo_option.lua", 14,
            "unknown option 'polcy' in table_options[\"sales.orders\"] (did you mean 'policy'?)"})
    end)

    it("reports a top-level typo, not fooled by comments", function()
        eq(tostring(load_error("top_typo.lua")),
            dir .. "top_typo.lua:8: unknown option 'tabels' (did you mean 'tables'?)")
    end)

    it("reports a wrong type at the top-level key, not a nested one", function()
        eq(tostring(load_error("wrong_type.lua")),
            dir .. "wrong_type.lua:9: option 'naming' expects a list of rules, got number")
    end)

    it("reports a bad enum value with the allowed values", function()
        eq(tostring(load_error("bad_enum.lua")), dir .. 'bad_enum.lua:10: option \'create\' expects one of '
            .. '"missing", "recreate", "never", got "always"')
    end)

    it("reports a bad item in a rule list at its line", function()
        eq(tostring(load_error("bad_rule.lua")), dir .. "bad_rule.lua:7: option 'naming' expects a list of rules, "
            .. 'but item 2 is "snake_case"')
    end)

    it("reports a bad rule argument at the line that made the rule", function()
        eq(tostring(load_error("bad_rule_arg.lua")),
            dir .. "bad_rule_arg.lua:7: replace(): the text to replace must not be empty")
    end)

    it("reports a missing parameter where it is used", function()
        local err = load_error("full.lua")
        eq(tostring(err), dir .. "full.lua:4: option 'source' uses ${source}, but no parameter 'source' is given "
            .. "(pass source=... on the command line, or set a default in params)")
    end)

    it("reports a runtime error in the recipe file with its line", function()
        local err = load_error("runtime_error.lua")
        eq({err.code, err.file, err.line}, {"recipe", dir .. "runtime_error.lua", 5})
        contains(tostring(err), "attempt to index local 'cfg'")
    end)

    it("insists that the file returns m.recipe{...}", function()
        eq(tostring(load_error("no_return.lua")), dir .. "no_return.lua: the recipe must return m.recipe{...}")
    end)

    it("reports a file that cannot be read", function()
        local err = load_error("does_not_exist.lua")
        eq(tostring(err), dir .. "does_not_exist.lua: cannot read the recipe file (No such file or directory)")
        eq(err.code, "recipe")
    end)

    it("accepts an exact table list", function()
        eq(recipe.load(dir .. "exact_tables.lua").tables, {"public.a", "sales.b"})
    end)

    it("remembers where the recipe was made", function()
        local r = recipe.load(dir .. "exact_tables.lua")
        eq({recipe.origin(r)}, {dir .. "exact_tables.lua", 2})
    end)
end)

describe("recipe parameters", function()
    it("shows command-line parameters to the file as m.params while it runs", function()
        local r = recipe.load(dir .. "params.lua", {source = "pg://x", limit = "5"})
        eq(r.name, "limit=5,source=pg://x")
    end)

    it("overrides defaults, converting to the default's type", function()
        local r = recipe.load(dir .. "params.lua", {source = "pg://x", limit = "5", dry = "true"})
        eq(r.params, {source = "pg://x", db = "copy", since = "2020-01-01", limit = 5, dry = true})
        eq(recipe.expand(r, r.target), "postgresql:///copy")
    end)

    it("leaves m.params holding the merged parameters after loading", function()
        recipe.load(dir .. "params.lua", {source = "pg://x"})
        eq(m.params, {source = "pg://x", db = "copy", since = "2020-01-01", limit = 10, dry = false})
        truthy(m.params == recipe.params)
    end)

    it("raises when a value does not fit the default's type", function()
        local err = load_error("params.lua", {source = "pg://x", limit = "ten"})
        eq(tostring(err), dir .. "params.lua:12: parameter 'limit' expects a number (its default is 10), got \"ten\"")
    end)

    it("expands with extra variables and a quote function", function()
        local r = recipe.load(dir .. "params.lua", {source = "pg://x", since = "2021-01-01'; drop"})
        local filter = recipe.table_options(r, "public.orders").filter
        local quote = function(v) return "'" .. tostring(v):gsub("'", "''") .. "'" end
        eq(recipe.expand(r, filter, nil, {quote = quote}), "created_at >= '2021-01-01''; drop' and n < '10'")
        eq(recipe.expand(r, "${schema}_${db}", {schema = "sales", db = "override"}), "sales_override")
    end)

    it("m.recipe called directly uses desc.params alone", function()
        recipe.load(dir .. "params.lua", {source = "pg://x"})
        local r = m.recipe(minimal({source = "postgresql://${host}/a", params = {host = "db1"}}))
        eq(r.params, {host = "db1"})
        eq(recipe.expand(r, r.source), "postgresql://db1/a")
    end)

    it("rejects parameter names that cannot be used in ${...}", function()
        raises(function() m.recipe(minimal({params = {["my-param"] = 1}})) end,
            "parameter name \"my-param\" cannot be used in ${...}", true)
        raises(function() m.recipe(minimal({params = {x = {}}})) end,
            "parameter 'x' expects a string, number or boolean, got table", true)
    end)

    it("suggests a close parameter name for a misspelt placeholder", function()
        raises(function() m.recipe(minimal({params = {since = "x"},
            table_options = {t = {filter = "d > ${sinse}"}}})) end,
            "uses ${sinse}, but no parameter 'sinse' is given (did you mean 'since'?)", true)
    end)
end)

describe("recipe validation in place", function()
    it("points at the line of a bad option in this file", function()
        local line = here(3)
        local err = raises(function() m.recipe {
            source = "postgresql:///a", target = "postgresql:///b",
            policy = "upsret",
        } end)
        eq(tostring(err), this_file .. ":" .. line .. ': option \'policy\' expects one of "overwrite", "append", '
            .. '"upsert", got "upsret" (did you mean "upsert"?)')
    end)

    it("finds keys written as [\"key\"] = too", function()
        local line = here(3)
        local err = raises(function() m.recipe {
            source = "postgresql:///a", target = "postgresql:///b",
            ["stop_on_error"] = "yes",
        } end)
        eq(tostring(err), this_file .. ":" .. line .. ": option 'stop_on_error' expects true or false, got string")
    end)

    it("points at the line of a normalize template without %s", function()
        local line = here(4)
        local err = raises(function() m.recipe {
            source = "postgresql:///a", target = "postgresql:///b",
            table_options = {["public.items"] = {normalize = {
                name = "btrim(name)",
            }}},
        } end)
        eq({err.code, err.file, err.line}, {"recipe", this_file, line})
        eq(tostring(err), this_file .. ":" .. line .. ": option 'normalize' in table_options[\"public.items\"] "
            .. "expects a map of target column names to SQL expressions holding %s, but [\"name\"] is "
            .. "\"btrim(name)\" (no %s)")
    end)

    it("points at the line of a bad type rule, and at the rule's own key", function()
        local line = here(4)
        local err = raises(function() m.recipe {
            source = "postgresql:///a", target = "postgresql:///b",
            type_rules = {{type = "int", to = "bigint"},
                {type = "datetime", to = "timestamptz", keep_typmod = "yes"}},
        } end)
        eq({err.code, err.file, err.line}, {"recipe", this_file, line})
        eq(err.msg, "option 'keep_typmod' in type_rules[2] expects true or false, got string")
    end)

    it("takes a column guard as a list, and names a bad one", function()
        local r = m.recipe {
            source = "postgresql:///a", target = "postgresql:///b",
            type_rules = {{column = {"a.x", "b.*"}, using = "empty_to_null"}},
        }
        eq(r.type_rules[1].column, {"a.x", "b.*"})
        local err = raises(function() m.recipe {
            source = "postgresql:///a", target = "postgresql:///b",
            type_rules = {{column = 5, to = "text"}},
        } end)
        eq(err.msg, "option 'column' in type_rules[1] expects a name or a glob, or a list of them, got number")
    end)

    it("keeps type rules in order, each knowing its line", function()
        local line = here(3)
        local r = m.recipe {
            source = "postgresql:///a", target = "postgresql:///b", type_rules = {
                {type = "int", to = "bigint"},
                {column = "*.code", to = "text", using = false},
            },
        }
        eq(r.type_rules, {{type = "int", to = "bigint"}, {column = "*.code", to = "text", using = false}})
        eq({require("migrate.cast").origin(r.type_rules[2])}, {2, this_file, line + 1})
        eq(require("migrate.cast").describe(r.type_rules[1]), "type_rules[1], line " .. line)
        eq(m.recipe(minimal()).type_rules, {})
    end)

    it("takes source_encoding and source_timezone at the top and per table", function()
        local line = here(4)
        local r = m.recipe {
            source = "odbc:DSN=x", target = "postgresql:///b", source_encoding = "latin1",
            table_options = {["main.t"] = {source_encoding = "gbk",
                source_timezone = "Europe/Paris"}},
        }
        eq({recipe.table_options(r, "main.t").source_encoding, recipe.table_options(r, "main.t").source_timezone},
           {"gbk", "Europe/Paris"})
        eq({recipe.table_options(r, "main.u").source_encoding, recipe.table_options(r, "main.u").source_timezone},
           {"latin1", nil})
        eq({recipe.option_line(r, {"table_options", "main.t", "source_timezone"})}, {this_file, line})
        eq({recipe.option_line(r, {"source_encoding"})}, {this_file, line - 2})
    end)

    it("falls back to the call line when the key is not written literally", function()
        local line = here(2)
        local desc = minimal({create = "sometimes"})
        local err = raises(function() m.recipe(desc) end)
        eq(err.line, line)
    end)

    it("requires source and target", function()
        raises(function() m.recipe({target = "x"}) end, "option 'source' is required", true)
        raises(function() m.recipe({source = "x"}) end, "option 'target' is required", true)
    end)

    it("refuses something other than a table", function()
        raises(function() m.recipe("x") end, "m.recipe expects a table of options, got string", true)
    end)

    it("refuses positional values", function()
        raises(function() m.recipe(minimal({"oops"})) end,
            "unexpected value at [1]; options are written name = value", true)
    end)

    it("lists the options when no close name exists", function()
        raises(function() m.recipe(minimal({zzzzzz = 1})) end, "unknown option 'zzzzzz' (options: batch_rows, chunk_rows,", true)
    end)

    it("checks every documented option's type", function()
        local cases = {
            {{schemas = "public"}, "option 'schemas' expects a list of schema names, got string"},
            {{schemas = {"a", 2}}, "option 'schemas' expects a list of schema names, but item 2 is number"},
            {{tables = 5}, "option 'tables' expects a list of tables or {include = ..., exclude = ..., where = ...}, got number"},
            {{tables = {include = "a"}}, "option 'include' in tables expects a list of globs"},
            {{tables = {include = {{pattern = "[x"}}}}, "option 'include' in tables expects a list of globs or {pattern = \"lua pattern\"}, but item 1 is table"},
            {{tables = {where = true}}, "option 'where' in tables expects a function, got boolean"},
            {{tables = {inclde = {"a"}}}, "unknown option 'inclde' in tables (did you mean 'include'?)"},
            {{column_naming = "lower"}, "option 'column_naming' expects a list of rules, got string"},
            {{target_schema = 1}, "option 'target_schema' expects a string, got number"},
            {{target_schema = "${nope}"}, "option 'target_schema' uses ${nope}, but no parameter 'nope' is given"},
            {{quote_names = "true"}, "option 'quote_names' expects true or false, got string"},
            {{conflict = "replace"}, "option 'conflict' expects one of \"error\", \"update\", \"skip\", got \"replace\""},
            {{policy = 1}, "got number"},
            {{indexes = 0}, "option 'indexes' expects true or false, got number"},
            {{chunk_rows = 0}, "option 'chunk_rows' expects a whole number >= 1, got number 0"},
            {{chunk_rows = 1.5}, "option 'chunk_rows' expects a whole number >= 1, got number 1.5"},
            {{normalize = "btrim(%s)"}, "option 'normalize' expects a map of target column names to SQL "
                .. "expressions holding %s, got string"},
            {{normalize = {name = 1}}, "option 'normalize' expects a map of target column names to SQL "
                .. "expressions holding %s, but [\"name\"] is number"},
            {{normalize = {"btrim(%s)"}}, "option 'normalize' expects a map of target column names to SQL "
                .. "expressions holding %s, but it has the key 1"},
            {{params = "x"}, "option 'params' expects a map of parameter names to values, got string"},
            {{hooks = {before_rnu = print}}, "unknown option 'before_rnu' in hooks (did you mean 'before_run'?)"},
            {{hooks = {after_run = "x"}}, "option 'after_run' in hooks expects a function, got string"},
            {{table_options = {"x"}}, "option 'table_options' expects a map of \"schema.table\" (or globs) to options, but it has the key 1"},
            {{table_options = {t = 5}}, "option 'table_options' expects a table of options, got number"},
            {{version = 2}, "option 'version' expects 1 (the recipe version this migrate knows), got number 2"},
            {{source = "${a"}, "option 'source': unterminated ${"},
        }
        for _, case in ipairs(cases) do
            raises(function() m.recipe(minimal(case[1])) end, case[2], true)
        end
    end)

    it("checks table_options entries", function()
        local cases = {
            {{t = {key = {}}}, "option 'key' in table_options[\"t\"] expects a list of column names, got an empty list"},
            {{t = {key = "id"}}, "option 'key' in table_options[\"t\"] expects a list of column names, got string"},
            {{t = {filter = 1}}, "option 'filter' in table_options[\"t\"] expects a string, got number"},
            {{t = {rename = {a = 1}}}, "option 'rename' in table_options[\"t\"] expects a map of column names to new names, but [\"a\"] is number"},
            {{t = {rename = {"a"}}}, "option 'rename' in table_options[\"t\"] expects a map of column names to new names, but it has the key 1"},
            {{t = {drop = "a"}}, "option 'drop' in table_options[\"t\"] expects a list of column names, got string"},
            {{t = {add = {c = {type = "int"}}}}, "option 'expr' in table_options[\"t\"].add[\"c\"] is required"},
            {{t = {add = {c = {type = "int", expr = "1", defualt = 2}}}}, "unknown option 'defualt' in table_options[\"t\"].add[\"c\"] (did you mean 'default'?)"},
            {{t = {cast = {a = false}}}, "option 'cast' in table_options[\"t\"] expects a map of column names to SQL types, but [\"a\"] is boolean"},
            {{t = {polcy = "append"}}, "unknown option 'polcy' in table_options[\"t\"] (did you mean 'policy'?)"},
            {{["s.*"] = {target = "x"}}, "option 'target' in table_options[\"s.*\"] names one table, so its key must not be a glob"},
            {{t = {drop = {"a"}, rename = {a = "b"}}}, "column 'a' in table_options[\"t\"] is both dropped and in rename"},
            {{t = {drop = {"a"}, cast = {a = "int"}}}, "column 'a' in table_options[\"t\"] is both dropped and in cast"},
            {{t = {naming = {}}}, "unknown option 'naming' in table_options[\"t\"]"},
            {{t = {normalize = {name = "btrim(name)"}}}, "option 'normalize' in table_options[\"t\"] expects a map "
                .. "of target column names to SQL expressions holding %s, but [\"name\"] is \"btrim(name)\" (no %s)"},
        }
        for _, case in ipairs(cases) do
            raises(function() m.recipe(minimal({table_options = case[1]})) end, case[2], true)
        end
    end)

    it("accepts a single rule in place of a list", function()
        local r = m.recipe(minimal({naming = m.lower(), column_naming = function(n) return n end}))
        eq(#r.naming, 1)
        eq(#r.column_naming, 1)
    end)

    it("returns a recipe unchanged when given one", function()
        local r = m.recipe(minimal())
        truthy(m.recipe(r) == r)
    end)
end)

local catalog = {
    {schema = "sales", name = "orders", rows = 10, columns = {
        {name = "order_id", type = "int4"}, {name = "OldCol", type = "text"}, {name = "internal_note", type = "text"},
        {name = "amount", type = "numeric"}, {name = "Region", type = "text"}}},
    {schema = "sales", name = "order_items", rows = 0, columns = {"id"}},
    {schema = "sales", name = "tbl_Returns_tmp", rows = 1},
    {schema = "sales", name = "tbl_CustomerNotes", rows = 4, columns = {"id"}},
    {schema = "public", name = "customers", rows = 3},
    {schema = "public", name = "products", rows = 3},
    {schema = "hr", name = "staff", rows = 3},
}

describe("recipe.table_options", function()
    local r = recipe.load(dir .. "full.lua", {source = "pg://x"})

    it("uses the top-level values for a table without options", function()
        local o = recipe.table_options(r, {schema = "public", name = "customers"})
        eq({o.policy, o.conflict, o.create, o.indexes, o.target_schema}, {"overwrite", "update", "missing", false, "${schema}"})
        eq({o.rename, o.drop, o.add, o.cast}, {{}, {}, {}, {}})
    end)

    it("applies globs, then exact keys, which win", function()
        local o, keys = recipe.table_options(r, {schema = "sales", name = "orders"})
        eq(keys, {"*", "sales.*", "sales.orders"})
        eq({o.policy, o.conflict, o.create, o.indexes}, {"upsert", "skip", "recreate", false})
        eq(o.key, {"order_id"})
        eq(o.rename, {OldCol = "new_col"})
        eq(o.filter, "created_at >= ${since}")
    end)

    it("applies a glob alone", function()
        local o = recipe.table_options(r, "sales.order_items")
        eq({o.policy, o.create, o.key}, {"append", "recreate", nil})
    end)

    it("orders globs by how specific they are", function()
        local r2 = m.recipe(minimal({table_options = {
            ["s.*"] = {policy = "append"}, ["s.ord*"] = {policy = "upsert"}, ["*"] = {policy = "overwrite"}}}))
        eq(recipe.table_options(r2, "s.orders").policy, "upsert")
        eq(recipe.table_options(r2, "s.items").policy, "append")
        eq(recipe.table_options(r2, "t.items").policy, "overwrite")
    end)

    it("merges normalize column by column, the most specific key winning", function()
        local r2 = m.recipe(minimal({normalize = {name = "btrim(%s)", price = "round(%s)"}, table_options = {
            ["s.*"] = {normalize = {price = "round(%s, 2)"}},
            ["s.t"] = {normalize = {seen = "date_trunc('second', %s)"}}}}))
        eq(recipe.table_options(r2, "s.t").normalize,
            {name = "btrim(%s)", price = "round(%s, 2)", seen = "date_trunc('second', %s)"})
        eq(recipe.table_options(r2, "x.t").normalize, {name = "btrim(%s)", price = "round(%s)"})
        eq(recipe.table_options(m.recipe(minimal()), "x.t").normalize, {})
    end)

    it("a bare name key matches that table in any schema, below schema.name", function()
        local r2 = m.recipe(minimal({table_options = {orders = {policy = "append"}, ["b.orders"] = {policy = "upsert"}}}))
        eq(recipe.table_options(r2, "a.orders").policy, "append")
        eq(recipe.table_options(r2, "b.orders").policy, "upsert")
    end)

    it("lists table_options keys that match no table", function()
        local r2 = m.recipe(minimal({table_options = {["sales.orders"] = {}, ["nope.*"] = {}, ghost = {}}}))
        eq(recipe.unused_table_options(r2, catalog), {"ghost", "nope.*"})
    end)
end)

describe("recipe.select", function()
    it("applies schemas, include, exclude and where", function()
        local r = recipe.load(dir .. "full.lua", {source = "pg://x"})
        local chosen = recipe.select(r, catalog)
        local keys = {}
        for i, e in ipairs(chosen) do
            keys[i] = e.schema .. "." .. e.name
        end
        eq(keys, {"public.customers", "sales.orders", "sales.tbl_CustomerNotes"})
    end)

    it("raises for a missing table in an exact list", function()
        local r = recipe.load(dir .. "exact_tables.lua")
        raises(function() recipe.select(r, catalog) end, "table public.a not found in source", true)
    end)
end)

describe("recipe target names", function()
    local r = recipe.load(dir .. "full.lua", {source = "pg://x"})

    it("applies the naming rules, or the explicit target", function()
        eq(recipe.target_table(r, catalog[4]), {schema = "sales", name = "app_customer_notes",
            truncated = false, full_name = "app_customer_notes"})
        eq(recipe.target_table(r, catalog[1]).name, "orders_v2")
    end)

    it("expands target_schema with ${schema}, ${table} and params", function()
        local r2 = m.recipe(minimal({target_schema = "${prefix}_${schema}", params = {prefix = "stage"}}))
        eq(recipe.target_table(r2, catalog[5]), {schema = "stage_public", name = "customers",
            truncated = false, full_name = "customers"})
    end)

    it("truncates long names to 63 bytes at a character boundary", function()
        local r2 = m.recipe(minimal({quote_names = true}))
        local t = recipe.target_table(r2, {schema = "s", name = string.rep("a", 62) .. "é"})
        eq({t.name, t.truncated}, {string.rep("a", 62), true})
    end)

    it("rejects names that need quoting unless quote_names", function()
        local strange = {schema = "s", name = "Order Items; drop"}
        raises(function() recipe.target_table(m.recipe(minimal()), strange) end,
            'target table name "Order Items; drop" (from s.Order Items; drop) is not a plain identifier', true)
        eq(recipe.target_table(m.recipe(minimal({quote_names = true})), strange).name, "Order Items; drop")
    end)

    it("raises on collisions, naming both sources", function()
        local r2 = m.recipe(minimal({naming = {m.lower()}}))
        raises(function() recipe.target_tables(r2, {{schema = "s", name = "Orders"}, {schema = "s", name = "ORDERS"}}) end,
            "table name collision: s.Orders and s.ORDERS both become s.orders", true)
    end)

    it("raises on collisions caused by truncation, saying so", function()
        local long = string.rep("x", 63)
        local r2 = m.recipe(minimal())
        local err = raises(function()
            recipe.target_tables(r2, {{schema = "s", name = long .. "_a"}, {schema = "s", name = long .. "_b"}})
        end)
        contains(tostring(err), "s." .. long .. "_a and s." .. long .. "_b both become s." .. long)
        contains(tostring(err), "after truncation")
    end)
end)

describe("recipe target columns", function()
    local r = recipe.load(dir .. "full.lua", {source = "pg://x"})

    it("drops, renames, casts, names and adds columns", function()
        local cols = recipe.target_columns(r, catalog[1])
        local got = {}
        for i, c in ipairs(cols) do
            got[i] = {c.source, c.target, c.cast, c.added}
        end
        eq(got, {{"order_id", "order_id"}, {"OldCol", "new_col"}, {"amount", "amount", "numeric(12,2)"},
                 {"Region", "region"}, {"add.loaded_at", "loaded_at", nil, true}})
        eq(cols[5].expr, "now()")
        eq(cols[5].type, "timestamptz")
    end)

    it("applies cast by source column name, saying where it is written", function()
        local r2 = m.recipe(minimal({table_options = {["s.t"] = {cast = {amount = "numeric(12,2)"}}}}))
        local cols = recipe.target_columns(r2, {schema = "s", name = "t", columns = {{name = "amount", type = "float8"}}})
        eq({cols[1].cast, cols[1].source_type}, {"numeric(12,2)", "float8"})
        eq(cols[1].cast_from, 'table_options["s.t"].cast["amount"]')
    end)

    it("raises on a rename of a column the table does not have, at the recipe line", function()
        local line = here(3)
        local r2 = m.recipe {
            source = "postgresql:///a", target = "postgresql:///b",
            table_options = {["s.t"] = {rename = {Nmae = "x"}}},
        }
        local err = raises(function()
            recipe.target_columns(r2, {schema = "s", name = "t", columns = {{name = "Name"}}})
        end)
        eq(tostring(err), this_file .. ":" .. line .. ": table_options[\"s.t\"].rename: column 'Nmae' not found "
            .. "in s.t (did you mean 'Name'?)")
    end)

    it("ignores missing columns named through a glob", function()
        local r2 = m.recipe(minimal({table_options = {["s.*"] = {drop = {"internal_note"}}}}))
        eq(#recipe.target_columns(r2, {schema = "s", name = "t", columns = {"a"}}), 1)
    end)

    it("raises on column collisions within the table", function()
        local r2 = m.recipe(minimal({column_naming = {m.snake_case()}}))
        raises(function()
            recipe.target_columns(r2, {schema = "s", name = "t", columns = {"OrderID", "order_id"}})
        end, "column name collision in s.t: OrderID and order_id both become order_id", true)
    end)
end)

describe("m.try", function()
    it("returns true and every result", function()
        eq({m.try(function(a, b) return a + b, nil, "x" end, 1, 2)}, {true, 3, nil, "x"})
        eq(select("#", m.try(function() return 1, nil, nil end)), 4)
    end)

    it("returns false and the error object as it is", function()
        local ok, err = m.try(m.recipe, "x")
        eq({ok, err.code}, {false, "recipe"})
    end)

    it("wraps string errors into {code = \"lua\"} objects", function()
        local ok, err = m.try(function() error("plain failure", 0) end)
        eq({ok, err.code, err.msg, tostring(err)}, {false, "lua", "plain failure", "plain failure"})
    end)
end)
