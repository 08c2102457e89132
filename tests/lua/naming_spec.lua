-- Specs for migrate.naming: rules, identifier checks, truncation, collisions.
local naming = require "migrate.naming"
local m = require "migrate"

local this_file = debug.getinfo(1, "S").source:sub(2)

describe("naming rules", function()
    it("replace() swaps every occurrence of a plain substring", function()
        eq(m.replace("tbl_", "")("tbl_orders_tbl_x"), "orders_x")
        eq(m.replace(".", "_")("a.b.c"), "a_b_c") -- not a pattern
        eq(m.replace("%", "pct")("100%"), "100pct")
        eq(m.replace("x", "%1")("axb"), "a%1b") -- replacement is plain too
    end)

    it("gsub() uses a Lua pattern", function()
        eq(m.gsub("^t_(%w+)$", "%1")("t_orders"), "orders")
        eq(m.gsub("%d+", "")("orders2020"), "orders")
        eq(m.gsub("[aeiou]", {a = "4", e = "3"})("table"), "t4bl3")
    end)

    it("prefix() and suffix() add text", function()
        eq(m.prefix("app_")("orders"), "app_orders")
        eq(m.suffix("_v2")("orders"), "orders_v2")
    end)

    it("lower() and upper() change ASCII and common European letters", function()
        eq(m.lower()("OrdersÄÖÜ_ΣΑΣ_ДОМ"), "ordersäöü_σασ_дом")
        eq(m.upper()("straße_été"), "STRAßE_ÉTÉ")
        eq(m.lower()("日本語ABC"), "日本語abc")
    end)

    it("snake_case() splits CamelCase and camelCase", function()
        local sc = m.snake_case()
        eq(sc("CamelCase"), "camel_case")
        eq(sc("camelCase"), "camel_case")
        eq(sc("OrderLineItem"), "order_line_item")
    end)

    it("snake_case() turns spaces, dashes and dots into single underscores", function()
        local sc = m.snake_case()
        eq(sc("Mixed Case-names"), "mixed_case_names")
        eq(sc("a  b"), "a_b")
        eq(sc("x-_-y"), "x_y")
        eq(sc("order.items"), "order_items")
        eq(sc(" Name (old) "), "name_old")
    end)

    it("snake_case() keeps acronyms together", function()
        local sc = m.snake_case()
        eq(sc("HTTPServer"), "http_server")
        eq(sc("getHTTPResponseCode"), "get_http_response_code")
        eq(sc("ORDERS"), "orders")
        eq(sc("IDs"), "ids")
        eq(sc("URLsList"), "urls_list")
        eq(sc("order_ID"), "order_id")
    end)

    it("snake_case() keeps digits", function()
        local sc = m.snake_case()
        eq(sc("Table2Name"), "table2_name")
        eq(sc("Base64Encode"), "base64_encode")
        eq(sc("MD5Hash"), "md5_hash")
        eq(sc("orders2020"), "orders2020")
        eq(sc("2020Orders"), "2020_orders")
    end)

    it("snake_case() collapses repeated underscores", function()
        eq(m.snake_case()("__init__"), "_init_")
        eq(m.snake_case()("a___b"), "a_b")
    end)

    it("snake_case() keeps non-ASCII letters whole and lowercases common ones", function()
        local sc = m.snake_case()
        eq(sc("ÜberName"), "über_name")
        eq(sc("straßeName"), "straße_name")
        eq(sc("ÅNGSTRÖM"), "ångström")
        eq(sc("Ärger-Über"), "ärger_über")
        eq(sc("Заказы Клиентов"), "заказы_клиентов")
        eq(sc("ΑλφαΒήτα"), "αλφα_βήτα")
        eq(sc("日本語Table"), "日本語_table")
        eq(sc("naïve café"), "naïve_café")
        eq(sc("price\194\160list"), "price_list") -- no-break space
    end)

    it("snake_case() never splits a multibyte character", function()
        local out = m.snake_case()("ÄÖÜßÉÈÊËÎÏÔŒÙÛÇ日本語中文한국어😀Name")
        -- every byte sequence stays valid UTF-8
        for _, c in ipairs(naming.chars(out)) do
            truthy(c[2], "invalid UTF-8 in " .. out)
        end
        contains(out, "😀_name")
    end)

    it("snake_case() keeps stray invalid bytes as they are", function()
        eq(m.snake_case()("ab\255Cd"), "ab\255_cd")
    end)

    it("template() sees ${table}, ${schema}, types and params", function()
        local rule = m.template("${schema}_${table}_${suffix}")
        eq(rule("orders", {schema = "sales", params = {suffix = "v2"}}), "sales_orders_v2")
    end)

    it("template() for columns: ${column} is the name, ${table} the table", function()
        local rule = m.template("${table}_${column}_${source_type}")
        eq(rule("id", {kind = "column", table = "orders", source_type = "int4"}), "orders_id_int4")
    end)

    it("template() raises on an unknown variable at use", function()
        raises(function() m.template("${nope}")("orders", {schema = "s"}) end,
            "unknown template variable ${nope}", true)
    end)

    it("fn() calls a user function with name and ctx", function()
        local rule = m.fn(function(name, ctx) return ctx.schema .. "__" .. name end)
        eq(rule("orders", {schema = "sales"}), "sales__orders")
    end)

    it("every rule describes itself for plans", function()
        eq(naming.describe({m.replace("tbl_", ""), m.gsub("^x", "y"), m.prefix("app_"), m.suffix("_v"),
            m.lower(), m.upper(), m.snake_case(), m.template("${table}_x")}),
            {'replace("tbl_", "")', 'gsub("^x", "y")', 'prefix("app_")', 'suffix("_v")',
             "lower()", "upper()", "snake_case()", 'template("${table}_x")'})
        local line = debug.getinfo(1, "l").currentline + 1
        local d = m.fn(function(n) return n end).describe
        eq(d, "fn(" .. this_file .. ":" .. line .. ")")
    end)

    it("reports bad rule arguments at the line that made the rule", function()
        local line = debug.getinfo(1, "l").currentline + 1
        local err = raises(function() m.replace("", "x") end)
        eq(err.code, "recipe")
        eq(tostring(err), this_file .. ":" .. line .. ": replace(): the text to replace must not be empty")
        raises(function() m.prefix(5) end, "prefix() expects a prefix (a string), got number", true)
        raises(function() m.gsub("(", "") end, 'gsub(): bad Lua pattern "("', true)
        raises(function() m.fn("f") end, "fn() expects a function(name, ctx), got string", true)
        raises(function() m.template("${a") end, "unterminated ${", true)
    end)
end)

describe("naming.apply", function()
    it("applies rules in order", function()
        local rules = {m.replace("tbl_", ""), m.snake_case(), m.prefix("app_")}
        eq(naming.apply(rules, "tbl_OrderItems", {}), "app_order_items")
        -- order matters
        eq(naming.apply({m.prefix("tbl_"), m.replace("tbl_", "")}, "x", {}), "x")
    end)

    it("accepts plain functions in the list", function()
        eq(naming.apply({m.lower(), function(n, ctx) return n .. "_" .. ctx.schema end}, "ORDERS",
            {schema = "s"}), "orders_s")
    end)

    it("returns the name unchanged without rules", function()
        eq(naming.apply(nil, "Orders"), "Orders")
        eq(naming.apply({}, "Orders"), "Orders")
    end)

    it("raises when a rule returns something other than a string", function()
        local err = raises(function() naming.apply({m.lower(), m.fn(function() end)}, "Orders", {}) end)
        contains(tostring(err), "naming rule 2 (fn(")
        contains(tostring(err), 'returned nil for "orders", expected a string')
        eq(err.code, "naming")
    end)
end)

describe("naming.validate", function()
    it("accepts plain identifiers", function()
        eq(naming.validate("orders_2020"), "orders_2020")
        eq(naming.validate("_x"), "_x")
        eq(naming.validate("Orders"), "Orders")
    end)

    it("rejects spaces, quotes and semicolons, pointing at quote_names", function()
        local err = raises(function() naming.validate("Order Items", {source = "sales.Order Items"}) end)
        eq(tostring(err), 'target table name "Order Items" (from sales.Order Items) is not a plain identifier: '
            .. 'it contains " " (plain names match [A-Za-z_][A-Za-z0-9_]*); set quote_names = true to allow it')
        raises(function() naming.validate('a"b') end, [[it contains "\""]], true)
        raises(function() naming.validate("x;drop table y") end, 'it contains ";"', true)
        raises(function() naming.validate("a-b", {what = "column"}) end, 'target column name "a-b"', true)
    end)

    it("rejects a leading digit and non-ASCII letters without quote_names", function()
        raises(function() naming.validate("1abc") end, "it starts with a digit", true)
        raises(function() naming.validate("café") end, 'it contains the non-ASCII character "é"', true)
    end)

    it("allows any name under quote_names", function()
        for _, name in ipairs({"Order Items", 'a"b', "x;drop table y", "café", "1abc", "日本語", "'quoted'"}) do
            eq(naming.validate(name, {quote_names = true}), name)
        end
    end)

    it("always rejects empty names", function()
        raises(function() naming.validate("", {quote_names = true, source = "s.t"}) end,
            "the target table name (from s.t) is empty", true)
        raises(function() naming.validate(nil) end, "is empty", true)
    end)

    it("always rejects NUL bytes and invalid UTF-8", function()
        raises(function() naming.validate("a\0b", {quote_names = true}) end, "contains a NUL byte", true)
        raises(function() naming.validate("a\255b", {quote_names = true}) end, "is not valid UTF-8", true)
        raises(function() naming.validate("\237\160\128", {quote_names = true}) end, "is not valid UTF-8", true)
    end)
end)

describe("naming.truncate", function()
    it("keeps names of up to 63 bytes", function()
        local name = string.rep("a", 63)
        eq({naming.truncate(name)}, {name, false})
        eq({naming.truncate("")}, {"", false})
    end)

    it("cuts ASCII names to 63 bytes", function()
        eq({naming.truncate(string.rep("a", 70))}, {string.rep("a", 63), true})
    end)

    it("cuts at a UTF-8 character boundary", function()
        -- 62 ASCII bytes + a 2-byte character = 64 bytes: the character goes
        local name, cut = naming.truncate(string.rep("a", 62) .. "é")
        eq({name, cut, #name}, {string.rep("a", 62), true, 62})
        -- 61 + 2 = 63 bytes fits
        eq(naming.truncate(string.rep("a", 61) .. "é"), string.rep("a", 61) .. "é")
        -- 3-byte characters: 21 * 3 = 63 fit, the 22nd goes
        eq(naming.truncate(string.rep("日", 22)), string.rep("日", 21))
        -- 4-byte characters: 15 * 4 = 60, the 16th would end at 64
        eq(#naming.truncate(string.rep("😀", 20)), 60)
        -- 2-byte characters: 31 * 2 = 62
        eq(naming.truncate(string.rep("é", 40)), string.rep("é", 31))
    end)

    it("takes another limit", function()
        eq({naming.truncate("ééé", 3)}, {"é", true})
    end)
end)

describe("naming.check_collisions", function()
    it("passes distinct targets", function()
        local list = {{source = "a.x", target = "a.x"}, {source = "a.y", target = "a.y"}}
        eq(naming.check_collisions(list), list)
    end)

    it("names both sources and the shared target", function()
        local err = raises(function()
            naming.check_collisions({{source = "sales.Orders", target = "sales.orders"},
                                     {source = "sales.other", target = "sales.other"},
                                     {source = "sales.orders", target = "sales.orders"}})
        end)
        eq(tostring(err), "table name collision: sales.Orders and sales.orders both become sales.orders; "
            .. "give one of them an explicit name (table_options[...].target) or change the naming rules")
        eq(err.code, "naming")
    end)

    it("ignores the same source listed twice", function()
        naming.check_collisions({{source = "a.x", target = "a.x"}, {source = "a.x", target = "a.x"}})
    end)

    it("mentions truncation when it caused the collision", function()
        local long = string.rep("x", 60)
        local a, ta = "s." .. long .. "_2020", naming.truncate(long .. "_2020")
        local b, tb = "s." .. long .. "_2021", naming.truncate(long .. "_2021")
        eq(ta, tb)
        local err = raises(function()
            naming.check_collisions({{source = a, target = "s." .. ta, full_target = a},
                                     {source = b, target = "s." .. tb, full_target = b}})
        end)
        contains(tostring(err), a .. " and " .. b .. " both become s." .. ta)
        contains(tostring(err), "after truncation to PostgreSQL's 63-byte identifier limit")
        contains(tostring(err), "full names: " .. a .. ", " .. b)
    end)

    it("uses the truncated flag too", function()
        raises(function()
            naming.check_collisions({{source = "a", target = "t", truncated = true}, {source = "b", target = "t"}})
        end, "after truncation", true)
    end)

    it("does not mention truncation when none happened", function()
        local err = raises(function()
            naming.check_collisions({{source = "a", target = "t"}, {source = "b", target = "t"}})
        end)
        falsy(tostring(err):find("truncation"))
    end)

    it("reports every collision, three-way ones too", function()
        local err = raises(function()
            naming.check_collisions({{source = "A", target = "a"}, {source = "a ", target = "a"},
                                     {source = "a-", target = "a"}, {source = "B", target = "b"},
                                     {source = "b", target = "b"}})
        end)
        local lines = {}
        for line in tostring(err):gmatch("[^\n]+") do
            lines[#lines + 1] = line
        end
        eq(#lines, 2)
        contains(lines[1], "A and a  and a- all become a")
        contains(lines[2], "B and b both become b")
    end)

    it("works for columns within a table", function()
        raises(function()
            naming.check_collisions({{source = "OrderID", target = "order_id"}, {source = "order_id", target = "order_id"}},
                {what = "column", context = "in sales.orders"})
        end, "column name collision in sales.orders: OrderID and order_id both become order_id; rename one", true)
    end)
end)
