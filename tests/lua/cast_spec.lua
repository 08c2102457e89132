-- Specs for migrate.cast and the recipe's type_rules: each guard and each
-- action alone, precedence (first rule, cast map over rules), what plans
-- carry (transform, rule), the source side's read options, and mistakes
-- reported at the file and line of the rule.
local cast = require "migrate.cast"
local plan = require "migrate.plan"
local m = require "migrate"

local this_file = debug.getinfo(1, "S").source:sub(2)

local function here(offset)
    return debug.getinfo(2, "l").currentline + (offset or 0)
end

local function recipe_with(rules, extra)
    local desc = {source = "odbc:DSN=x", target = "postgresql:///b", type_rules = rules}
    for k, v in pairs(extra or {}) do
        desc[k] = v
    end
    return m.recipe(desc)
end

-- A MySQL column as catalog.load_odbc describes it (the shared contract).
local function my(name, source_type, extra)
    local base = source_type:gsub("%(.*%)", ""):gsub(" unsigned", ""):gsub(" zerofill", "")
    local c = {name = name, source_type = source_type, base_type = base,
               type = "text", unsigned = source_type:find("unsigned", 1, true) ~= nil,
               auto_increment = false, not_null = false}
    local mod = source_type:match("%(([%d,]+)%)")
    if mod then
        c.typmod = {}
        for n in mod:gmatch("%d+") do
            c.typmod[#c.typmod + 1] = tonumber(n)
        end
    end
    for k, v in pairs(extra or {}) do
        c[k] = v
    end
    return c
end

local function odbc_entry(name, cols, schema)
    return {schema = schema or "shop", name = name, kind = "table", source_type = "odbc",
            columns = cols, uniques = {}, indexes = {}, foreign_keys = {}}
end

local function pg_entry(name, cols)
    return {schema = "public", name = name, kind = "table", columns = cols,
            uniques = {}, indexes = {}, foreign_keys = {}}
end

-- Plan one entry with recipe r; its columns by source name.
local function planned(r, entry)
    local ctx = {source_type = entry.source_type == "odbc" and "odbc" or "pg", target_type = "pg"}
    local task = plan.task(r, entry, {schema = "public", name = entry.name}, ctx)
    local by = {}
    for _, c in ipairs(task.columns) do
        by[c.source] = c
    end
    return by, task
end

-- Does the single rule of `rule` match column c of entry?
local function hits(rule, entry, c)
    local r = recipe_with({rule})
    return cast.matches(r.type_rules[1], entry, c)
end

describe("type rule guards", function()
    local e = odbc_entry("orders", {})

    it("type: the source base type, any case; a list; a glob", function()
        local c = my("n", "tinyint(1) unsigned")
        truthy(hits({type = "tinyint", to = "boolean"}, e, c))
        truthy(hits({type = "TinyInt", to = "boolean"}, e, c))
        falsy(hits({type = "int", to = "boolean"}, e, c))
        truthy(hits({type = {"smallint", "tinyint"}, to = "boolean"}, e, c))
        truthy(hits({type = "*int", to = "boolean"}, e, c))
        falsy(hits({type = "*char", to = "boolean"}, e, c))
    end)

    it("column: col, table.col, schema.table.col, with globs", function()
        local c = my("created_at", "datetime")
        truthy(hits({column = "created_at", to = "timestamptz"}, e, c))
        falsy(hits({column = "created", to = "timestamptz"}, e, c))
        truthy(hits({column = "orders.created_at", to = "timestamptz"}, e, c))
        falsy(hits({column = "customers.created_at", to = "timestamptz"}, e, c))
        truthy(hits({column = "shop.orders.created_at", to = "timestamptz"}, e, c))
        falsy(hits({column = "other.orders.created_at", to = "timestamptz"}, e, c))
        truthy(hits({column = "*_at", to = "timestamptz"}, e, c))
        truthy(hits({column = "ord*.created_*", to = "timestamptz"}, e, c))
        falsy(hits({column = "a.b.c.d", to = "timestamptz"}, e, c))
    end)

    it("column and table: a list matches when one of its patterns does", function()
        local c = my("created_at", "datetime")
        truthy(hits({column = {"customers.x", "orders.created_at"}, to = "timestamptz"}, e, c))
        falsy(hits({column = {"customers.x", "orders.y"}, to = "timestamptz"}, e, c))
        truthy(hits({table = {"customers", "shop.ord*"}, to = "timestamptz"}, e, c))
        falsy(hits({table = {"customers", "items"}, to = "timestamptz"}, e, c))
    end)

    it("table: name or schema.table, with globs", function()
        local c = my("x", "int")
        truthy(hits({table = "orders", to = "bigint"}, e, c))
        truthy(hits({table = "shop.orders", to = "bigint"}, e, c))
        truthy(hits({table = "shop.ord*", to = "bigint"}, e, c))
        falsy(hits({table = "customers", to = "bigint"}, e, c))
        falsy(hits({table = "other.*", to = "bigint"}, e, c))
    end)

    it("typmod: the first number, or {precision, scale}", function()
        local c = my("amount", "decimal(12,2)")
        truthy(hits({typmod = 12, to = "numeric"}, e, c))
        falsy(hits({typmod = 2, to = "numeric"}, e, c))
        truthy(hits({typmod = {12, 2}, to = "numeric"}, e, c))
        falsy(hits({typmod = {12, 3}, to = "numeric"}, e, c))
        falsy(hits({typmod = 1, to = "numeric"}, e, my("t", "text")), "no typmod: no match")
    end)

    it("unsigned, auto_increment, not_null", function()
        local id = my("id", "bigint(20) unsigned", {auto_increment = true, not_null = true})
        local n = my("n", "bigint(20)")
        truthy(hits({unsigned = true, to = "numeric(20)"}, e, id))
        falsy(hits({unsigned = true, to = "numeric(20)"}, e, n))
        truthy(hits({unsigned = false, to = "numeric(20)"}, e, n))
        truthy(hits({auto_increment = true, to = "bigint"}, e, id))
        falsy(hits({auto_increment = true, to = "bigint"}, e, n))
        truthy(hits({not_null = true, to = "bigint"}, e, id))
        falsy(hits({not_null = true, to = "bigint"}, e, n))
        truthy(hits({not_null = false, to = "bigint"}, e, n))
    end)

    it("default: the source's text, quoted or not; false: none; true: any", function()
        local zero = my("d", "datetime", {source_default = "0000-00-00 00:00:00"})
        local quoted = my("s", "varchar(5)", {source_default = "'it''s'"})
        local none = my("x", "datetime")
        truthy(hits({default = "0000-00-00 00:00:00", to = "timestamptz"}, e, zero))
        falsy(hits({default = "0000-00-00", to = "timestamptz"}, e, zero))
        truthy(hits({default = "it's", to = "text"}, e, quoted))
        truthy(hits({default = "'it''s'", to = "text"}, e, quoted))
        truthy(hits({default = false, to = "text"}, e, none))
        falsy(hits({default = false, to = "text"}, e, zero))
        truthy(hits({default = true, to = "text"}, e, zero))
        falsy(hits({default = true, to = "text"}, e, none))
        falsy(hits({default = "0000-00-00 00:00:00", to = "text"}, e, none))
    end)

    it("when: a function of the column and the entry", function()
        local c = my("code", "char(3)")
        truthy(hits({when = function(col, entry) return col.name == "code" and entry.name == "orders" end,
                     to = "text"}, e, c))
        falsy(hits({when = function() return nil end, to = "text"}, e, c))
    end)

    it("no guard matches every column; all guards given must hold", function()
        truthy(hits({to = "text"}, e, my("a", "blob")))
        local c = my("flag", "tinyint(1)", {not_null = true})
        truthy(hits({type = "tinyint", typmod = 1, not_null = true, column = "flag", to = "boolean"}, e, c))
        falsy(hits({type = "tinyint", typmod = 1, not_null = false, column = "flag", to = "boolean"}, e, c))
        falsy(hits({type = "tinyint", typmod = 4, column = "flag", to = "boolean"}, e, c))
    end)
end)

describe("type rule facts", function()
    it("reads an ODBC column's declared type when the catalog gives no base type", function()
        local f = cast.facts({name = "v", type_name = "VARCHAR(40)"}, {source_type = "odbc"})
        eq({f.names, f.typmod, f.unsigned, f.auto_increment, f.default}, {{"varchar"}, {40}, false, false, nil})
        f = cast.facts({name = "v", source_type = "int(10) unsigned zerofill"}, {source_type = "odbc"})
        eq({f.names, f.typmod, f.unsigned}, {{"int"}, {10}, true})
        f = cast.facts({name = "e", source_type = "enum('a','b')", base_type = "enum"}, {source_type = "odbc"})
        eq({f.names, f.typmod}, {{"enum"}, nil})
    end)

    it("reads a PostgreSQL column: format_type name, internal name, typmod, serial", function()
        local f = cast.facts({name = "a", type = "numeric(12,2)", type_name = "numeric", not_null = true}, {})
        eq({f.names, f.typmod, f.not_null, f.unsigned}, {{"numeric", "numeric"}, {12, 2}, true, false})
        f = cast.facts({name = "t", type = "timestamp(3) without time zone", type_name = "timestamp"}, {})
        eq({f.names, f.typmod}, {{"timestamp without time zone", "timestamp"}, {3}})
        f = cast.facts({name = "id", type = "integer", type_name = "int4",
                        default = "nextval('t_id_seq'::regclass)"}, {})
        eq({f.names, f.auto_increment, f.default}, {{"integer", "int4"}, true, "nextval('t_id_seq'::regclass)"})
    end)

    it("puts a typmod where PostgreSQL wants it, and takes it off", function()
        eq(cast.with_typmod("numeric", {12, 2}), "numeric(12,2)")
        eq(cast.with_typmod("varchar(10)", {40}), "varchar(40)")
        eq(cast.with_typmod("timestamp with time zone", {6}), "timestamp(6) with time zone")
        eq(cast.with_typmod("numeric[]", {5}), "numeric(5)[]")
        eq(cast.with_typmod("text", nil), "text")
        eq(cast.without_typmod("character varying(20)"), "character varying")
        eq(cast.without_typmod("numeric(12,2)[]"), "numeric[]")
    end)
end)

describe("type rule actions (through the plan)", function()
    local cols = {
        my("id", "int(10) unsigned", {type = "bigint", auto_increment = true, identity = "d", not_null = true}),
        my("made", "datetime", {type = "timestamp", transform = "zero_dates_to_null", not_null = true,
                                source_default = "0000-00-00 00:00:00", default = "'0001-01-01 00:00:00'"}),
        my("amount", "decimal(12,2)", {type = "numeric(12,2)"}),
        my("code", "varchar(8)", {type = "varchar(8)", not_null = true, source_default = "'x'", default = "'x'"}),
        my("flag", "tinyint(1)", {type = "boolean", transform = "int_to_boolean"}),
    }
    local e = odbc_entry("orders", cols)

    it("without rules: the default mapping, its transforms, no rule", function()
        local c = planned(recipe_with({}), e)
        eq({c.id.type, c.id.identity, c.made.type, c.made.transform, c.made.default, c.made.not_null, c.made.rule},
           {"bigint", "BY DEFAULT", "timestamp", "zero_dates_to_null", "'0001-01-01 00:00:00'", true, nil})
        eq({c.flag.type, c.flag.transform}, {"boolean", "int_to_boolean"})
    end)

    it("to, keep_typmod, drop_typmod", function()
        local c = planned(recipe_with({
            {column = "amount", to = "numeric", keep_typmod = true},
            {column = "code", drop_typmod = true},
            {column = "made", to = "timestamptz"},
        }), e)
        eq({c.amount.type, c.code.type, c.made.type}, {"numeric(12,2)", "varchar", "timestamptz"})
        eq(c.made.transform, "zero_dates_to_null", "the default mapping's transform stays")
    end)

    it("using sets a transform, using = false removes the default mapping's", function()
        local c = planned(recipe_with({
            {column = "code", using = "trim_right"},
            {column = "flag", to = "smallint", using = false},
        }), e)
        eq({c.code.transform, c.code.type}, {"trim_right", "varchar(8)"})
        eq({c.flag.transform, c.flag.type}, {nil, "smallint"})
    end)

    it("drop_default, drop_not_null, identity = false", function()
        local c = planned(recipe_with({
            {column = "code", drop_default = true, drop_not_null = true},
            {column = "id", identity = false},
        }), e)
        eq({c.code.default, c.code.not_null}, {nil, false})
        eq({c.id.identity, c.id.not_null}, {nil, true})
        local task = select(2, planned(recipe_with({{column = "code", drop_default = true, drop_not_null = true}}), e))
        contains(plan.create_sql(task), '"code" varchar(8),\n')
    end)

    it("pgloader's zero-date CAST, written as one rule", function()
        local c = planned(recipe_with({
            {type = "datetime", default = "0000-00-00 00:00:00", not_null = true, to = "timestamptz",
             drop_default = true, drop_not_null = true, using = "zero_dates_to_null"},
        }), e)
        eq({c.made.type, c.made.default, c.made.not_null, c.made.transform},
           {"timestamptz", nil, false, "zero_dates_to_null"})
        eq({c.amount.type, c.amount.rule}, {"numeric(12,2)", nil}, "other columns keep the default mapping")
    end)
end)

describe("type rule precedence", function()
    local e = odbc_entry("orders", {
        my("a", "int(11)", {type = "integer"}),
        my("b", "int(11)", {type = "integer"}),
    })

    it("the first matching rule wins, and the plan says which (number and line)", function()
        local line = here(2)
        local r = m.recipe {source = "odbc:DSN=x", target = "postgresql:///b", type_rules = {
            {type = "bigint", to = "numeric"},
            {column = "a", to = "bigint"},
            {type = "int", to = "text"},
        }}
        local c = planned(r, e)
        eq({c.a.type, c.b.type}, {"bigint", "text"})
        eq({c.a.rule, c.b.rule}, {"type_rules[2], line " .. (line + 1), "type_rules[3], line " .. (line + 2)})
        eq({cast.origin(r.type_rules[3])}, {3, this_file, line + 2})
    end)

    it("a type in table_options[..].cast wins over the rule's; the rule's other actions apply", function()
        local r = recipe_with({{type = "int", to = "text", using = "trim_right"}},
            {table_options = {["shop.orders"] = {cast = {a = "numeric(10)"}}}})
        local c = planned(r, e)
        eq({c.a.type, c.a.transform}, {"numeric(10)", "trim_right"})
        matches(c.a.rule, '^table_options%["shop.orders"%]%.cast%["a"%]; type_rules%[1%], line %d+$')
        eq({c.b.type, c.b.transform}, {"text", "trim_right"})
        local flag = odbc_entry("orders", {my("f", "tinyint(1)", {type = "boolean", transform = "int_to_boolean"})})
        c = planned(recipe_with({}, {table_options = {["shop.orders"] = {cast = {f = "smallint"}}}}), flag)
        eq({c.f.type, c.f.transform, c.f.rule}, {"smallint", "int_to_boolean", 'table_options["shop.orders"].cast["f"]'},
            "a cast alone keeps the default mapping's transform")
        c = planned(recipe_with({{column = "f", using = false}},
            {table_options = {["shop.orders"] = {cast = {f = "smallint"}}}}), flag)
        eq({c.f.type, c.f.transform}, {"smallint", nil}, "a rule removes it")
    end)
end)

describe("type rules on a PostgreSQL source", function()
    local e = pg_entry("items", {
        {name = "id", type = "integer", type_name = "int4", not_null = true, default = "nextval('items_id_seq'::regclass)"},
        {name = "price", type = "numeric(12,2)", type_name = "numeric", default = "0"},
        {name = "seen", type = "timestamp without time zone", type_name = "timestamp"},
    })

    it("match the PostgreSQL type name (either spelling), cast on the source side", function()
        local c = planned(recipe_with({
            {type = "timestamp", to = "timestamptz"},
            {type = "numeric", typmod = {12, 2}, to = "numeric", drop_typmod = true, drop_default = true},
        }), e)
        eq({c.seen.type, c.seen.expr}, {"timestamptz", '"seen"::timestamptz'})
        eq({c.price.type, c.price.default, c.price.expr}, {"numeric", nil, '"price"::numeric'})
        eq({c.id.type, c.id.identity, c.id.expr}, {"integer", "BY DEFAULT", nil})
    end)

    it("identity = false on a serial: a plain column without the source's sequence", function()
        local c = planned(recipe_with({{auto_increment = true, identity = false}}), e)
        eq({c.id.identity, c.id.default}, {nil, nil})
    end)

    it("using is a recipe error naming the rule's line and the column", function()
        local line = here(2)
        local r = m.recipe {source = "postgresql:///a", target = "postgresql:///b", type_rules = {
            {type = "timestamp", using = "zero_dates_to_null"},
        }}
        local err = raises(function() planned(r, e) end)
        eq({err.code, err.file, err.line}, {"recipe", this_file, line})
        contains(tostring(err), "type_rules[1], line " .. line .. ": using = \"zero_dates_to_null\" on "
            .. "public.items.seen: value transforms run in the ODBC reader, for ODBC sources only")
    end)

    it("a failing when is a recipe error at the rule's line", function()
        local line = here(2)
        local r = m.recipe {source = "postgresql:///a", target = "postgresql:///b", type_rules = {
            {when = function(col) return col.nope.x end, to = "text"},
        }}
        local err = raises(function() planned(r, e) end)
        eq({err.file, err.line}, {this_file, line})
        contains(tostring(err), "type_rules[1], line " .. line .. ": when failed on public.items.id:")
    end)
end)

describe("the source side's read options", function()
    it("transforms by copied column (1-based, SELECT order), and the encoding", function()
        local e = odbc_entry("t", {
            my("a", "int", {type = "integer"}),
            my("b", "datetime", {type = "timestamp", transform = "zero_dates_to_null"}),
            my("c", "varchar(3)", {type = "text"}),
        })
        local r = recipe_with({{column = "c", using = "empty_to_null"}},
            {source_encoding = "latin1", table_options = {["shop.t"] = {drop = {"a"}}}})
        local _, task = planned(r, e)
        eq(plan.source_read_options(task), {transforms = {"zero_dates_to_null", "empty_to_null"}, encoding = "latin1"})
        eq(plan.source_copy_sql(task), 'SELECT "b", "c" FROM ' .. tostring(e.source_qualified))
    end)

    it("none for a PostgreSQL source; source_encoding is ignored there", function()
        local e = pg_entry("t", {{name = "a", type = "text", type_name = "text"}})
        local _, task = planned(recipe_with({}, {source_encoding = "latin1"}), e)
        eq(plan.source_read_options(task), {})
    end)

    it("per table encoding and time zone override the top level", function()
        local e = odbc_entry("t", {my("a", "int", {type = "integer", transform = "year_to_integer"})})
        local r = recipe_with({}, {source_encoding = "latin1", source_timezone = "UTC",
            table_options = {["shop.t"] = {source_encoding = "gbk", source_timezone = "Europe/Paris"}}})
        local _, task = planned(r, e)
        eq(plan.source_read_options(task), {transforms = {"year_to_integer"}, encoding = "gbk"})
        eq({plan.timezone_sql(task)}, {"SELECT set_config('TimeZone', $1, true)", "Europe/Paris"})
        local _, other = planned(r, odbc_entry("u", {my("a", "int", {type = "integer"})}))
        eq({other.encoding, other.timezone}, {"latin1", "UTC"})
        local _, none = planned(recipe_with({}), e)
        eq({plan.timezone_sql(none)}, {})
    end)
end)

describe("type rule mistakes, at the file and line of the rule", function()
    -- m.recipe{} written here; the error names this file and the line.
    local function rule_error(rule_line_offset, fn)
        local err = raises(fn)
        eq({err.code, err.file}, {"recipe", this_file})
        return err, rule_line_offset
    end

    it("an unknown key, with a did-you-mean", function()
        local line = here(3)
        local err = rule_error(0, function() m.recipe {source = "odbc:DSN=x", target = "pg", type_rules = {
            {type = "datetime", to = "timestamptz"},
            {type = "datetime", drop_defualt = true},
        }} end)
        eq(tostring(err), this_file .. ":" .. line .. ": unknown option 'drop_defualt' in type_rules[2] "
            .. "(did you mean 'drop_default'?)")
    end)

    it("an empty to", function()
        local line = here(3)
        local err = rule_error(0, function() m.recipe {source = "odbc:DSN=x", target = "pg", type_rules = {
            {type = "datetime",
             to = ""},
        }} end)
        eq(tostring(err), this_file .. ":" .. line .. ": option 'to' in type_rules[1] expects a target type, "
            .. "got an empty string")
    end)

    it("a rule without an action", function()
        local line = here(2)
        local err = rule_error(0, function() m.recipe {source = "odbc:DSN=x", target = "pg", type_rules = {
            {type = "datetime"},
        }} end)
        eq(tostring(err), this_file .. ":" .. line .. ": type_rules[1] has no action (to, keep_typmod, "
            .. "drop_typmod, using, drop_default, drop_not_null, identity)")
    end)

    it("wrong types, each named", function()
        local cases = {
            {"x", "option 'type_rules' expects a list of rules {type = ..., to = ...}, got string"},
            {{"datetime"}, "option 'type_rules' expects a list of rules {type = ..., to = ...}, but item 1 is \"datetime\""},
            {{{type = 1, to = "x"}}, "option 'type' in type_rules[1] expects a type name or a list of type names, got number"},
            {{{type = {}, to = "x"}}, "option 'type' in type_rules[1] expects a type name or a list of type names, got an empty list"},
            {{{type = "tinyint(1)", to = "boolean"}}, "option 'type' in type_rules[1] expects a type name without "
                .. "\"(..)\", got \"tinyint(1)\" (write type = \"tinyint\", typmod = 1)"},
            {{{type = "decimal(12,2)", to = "numeric"}}, "(write type = \"decimal\", typmod = {12,2})"},
            {{{column = "", to = "x"}}, "option 'column' in type_rules[1] expects a name or a glob, or a list of them, got \"\""},
            {{{table = 3, to = "x"}}, "option 'table' in type_rules[1] expects a name or a glob, or a list of them, got number"},
            {{{typmod = "1", to = "x"}}, "option 'typmod' in type_rules[1] expects a whole number or {precision, scale}, got \"1\""},
            {{{typmod = {1, 2, 3}, to = "x"}}, "option 'typmod' in type_rules[1] expects a whole number or {precision, scale}, got table"},
            {{{unsigned = "yes", to = "x"}}, "option 'unsigned' in type_rules[1] expects true or false, got string"},
            {{{default = 0, to = "x"}}, "option 'default' in type_rules[1] expects the source's default as a string, "
                .. "or true (has one) or false (has none), got number"},
            {{{when = "x", to = "x"}}, "option 'when' in type_rules[1] expects a function, got string"},
            {{{to = 5}}, "option 'to' in type_rules[1] expects a target type, got number"},
            {{{using = true}}, "option 'using' in type_rules[1] expects a transform name, or false (no transform), got boolean"},
            {{{using = "zero dates"}}, "option 'using' in type_rules[1]: a transform is written name or name(arguments), "
                .. "got \"zero dates\""},
            {{{to = "x", keep_typmod = true, drop_typmod = true}}, "type_rules[1] sets both keep_typmod and drop_typmod"},
            {{{identity = "no"}}, "option 'identity' in type_rules[1] expects true or false, got string"},
        }
        for _, case in ipairs(cases) do
            raises(function() recipe_with(case[1]) end, case[2], true)
        end
    end)

    it("an unknown transform name, with a did-you-mean from migrate.odbc.transforms()", function()
        local names = cast.transform_names()
        if not names then
            -- this build's reader does not list its transforms: any name is taken
            eq(cast.check_transform("zero_datse_to_null"), nil)
            return
        end
        for _, n in ipairs({"zero_dates_to_null", "empty_to_null", "hex_to_bytea", "trim_right", "int_to_boolean"}) do
            eq(cast.check_transform(n), nil, n .. " is a transform")
        end
        eq(cast.check_transform("bit_to_bitstring(10)"), nil)
        raises(function() recipe_with({{using = "zero_datse_to_null"}}) end,
            "option 'using' in type_rules[1]: unknown transform 'zero_datse_to_null' (did you mean 'zero_dates_to_null'?)",
            true)
    end)

    it("source_encoding and source_timezone are names", function()
        raises(function() recipe_with({}, {source_encoding = ""}) end,
            "option 'source_encoding' expects an encoding name (\"latin1\", \"gbk\" ...), got \"\"", true)
        raises(function() recipe_with({}, {table_options = {t = {source_timezone = 1}}}) end,
            "option 'source_timezone' in table_options[\"t\"] expects a time zone name (\"Europe/Paris\", \"UTC\" ...), got number",
            true)
    end)
end)
