-- Specs for migrate.select: choosing tables from catalog entries.
local select_ = require "migrate.select"

local function entry(key, rows, kind)
    local schema, name = key:match("^([^.]+)%.(.+)$")
    return {schema = schema, name = name, kind = kind or "table", rows = rows or 10}
end

local catalog = {
    entry("sales.orders", 100), entry("public.customers", 5), entry("sales.order_items", 0),
    entry("sales.orders_tmp", 3), entry("public.orders", 7), entry("public.v_report", 0, "view"),
    entry("sales.Orders", 1), entry("audit.log_2020", 2), entry("audit.log_2021", 2),
    entry("public.café", 1), entry("public.日本", 1), entry("audit.events", 9, "partitioned"),
    entry("public.mv_totals", 9, "matview"),
}

local function keys(list)
    local out = {}
    for i, e in ipairs(list) do
        out[i] = select_.key(e)
    end
    return out
end

describe("select.tables with an exact list", function()
    it("returns the named tables sorted by schema and name", function()
        eq(keys(select_.tables(catalog, {"sales.orders", "public.customers"})), {"public.customers", "sales.orders"})
    end)

    it("is case-sensitive", function()
        eq(keys(select_.tables(catalog, {"sales.Orders"})), {"sales.Orders"})
    end)

    it("takes views and other kinds when named", function()
        eq(keys(select_.tables(catalog, {"public.v_report"})), {"public.v_report"})
    end)

    it("lists a table named twice once", function()
        eq(keys(select_.tables(catalog, {"sales.orders", "sales.orders"})), {"sales.orders"})
    end)

    it("raises for a missing table, suggesting close names", function()
        local err = raises(function() select_.tables(catalog, {"public.customers", "sales.ordrs"}) end)
        eq(tostring(err), "table sales.ordrs not found in source (did you mean sales.orders, sales.Orders?)")
        eq(err.code, "select")
    end)

    it("raises without suggestions when nothing is close", function()
        raises(function() select_.tables(catalog, {"sales.b"}) end, "^table sales%.b not found in source$")
    end)

    it("reports every missing table", function()
        local err = raises(function() select_.tables(catalog, {"x.a", "y.b"}) end)
        eq(tostring(err), "table x.a not found in source\ntable y.b not found in source")
    end)

    it("finds a bare name that is unique across schemas", function()
        eq(keys(select_.tables(catalog, {"customers"})), {"public.customers"})
    end)

    it("refuses a bare name found in several schemas", function()
        raises(function() select_.tables(catalog, {"orders"}) end,
            "table orders is ambiguous: say which one (public.orders, sales.orders)", true)
    end)

    it("matches non-ASCII names exactly", function()
        eq(keys(select_.tables(catalog, {"public.café", "public.日本"})), {"public.café", "public.日本"})
    end)

    it("works for sources without schemas", function()
        local flat = {{name = "b"}, {name = "a"}}
        eq(keys(select_.tables(flat, {"a", "b"})), {"a", "b"})
        raises(function() select_.tables(flat, {"c"}) end, "table c not found in source", true)
    end)
end)

describe("select.tables with include/exclude/where", function()
    it("takes every table by default, partitioned ones too, not views, sorted", function()
        eq(keys(select_.tables(catalog, nil)), {
            "audit.events", "audit.log_2020", "audit.log_2021", "public.café", "public.customers", "public.orders",
            "public.日本", "sales.Orders", "sales.order_items", "sales.orders", "sales.orders_tmp"})
        eq(#select_.tables(catalog, {}), 11)
    end)

    it("include globs over schema.name", function()
        eq(keys(select_.tables(catalog, {include = {"sales.*"}})),
            {"sales.Orders", "sales.order_items", "sales.orders", "sales.orders_tmp"})
    end)

    it("a glob without a dot matches the table name in any schema", function()
        eq(keys(select_.tables(catalog, {include = {"orders"}})), {"public.orders", "sales.orders"})
        eq(keys(select_.tables(catalog, {include = {"*_tmp"}})), {"sales.orders_tmp"})
    end)

    it("? matches exactly one character, a multibyte one too", function()
        eq(keys(select_.tables(catalog, {include = {"audit.log_202?"}})), {"audit.log_2020", "audit.log_2021"})
        eq(keys(select_.tables(catalog, {include = {"caf?"}})), {"public.café"})
        eq(keys(select_.tables(catalog, {include = {"??"}})), {"public.日本"})
    end)

    it("exclude removes matches", function()
        eq(keys(select_.tables(catalog, {include = {"sales.*"}, exclude = {"*_tmp", "sales.Orders"}})),
            {"sales.order_items", "sales.orders"})
    end)

    it("treats pattern characters in globs literally", function()
        local list = {entry("s.a%b"), entry("s.axb"), entry("s.a.b")}
        eq(keys(select_.tables(list, {include = {"s.a%b"}})), {"s.a%b"})
        eq(keys(select_.tables(list, {include = {"a.b"}})), {})
    end)

    it("takes {pattern = ...} as a Lua pattern over schema.name", function()
        eq(keys(select_.tables(catalog, {include = {{pattern = "^audit%.log_%d+$"}}})),
            {"audit.log_2020", "audit.log_2021"})
        eq(keys(select_.tables(catalog, {include = {"sales.*"}, exclude = {{pattern = "items"}}})),
            {"sales.Orders", "sales.orders", "sales.orders_tmp"})
    end)

    it("is case-sensitive", function()
        eq(keys(select_.tables(catalog, {include = {"sales.O*"}})), {"sales.Orders"})
    end)

    it("where filters with a function of the entry", function()
        eq(keys(select_.tables(catalog, {include = {"sales.*"}, where = function(t) return t.rows > 0 end})),
            {"sales.Orders", "sales.orders", "sales.orders_tmp"})
    end)

    it("reports a failing where with the table", function()
        raises(function() select_.tables(catalog, {where = function(t) error("boom") end}) end,
            "tables.where failed for audit.events:", true)
    end)

    it("kinds chooses other kinds of relations", function()
        eq(keys(select_.tables(catalog, {include = {"public.*"}, kinds = {"view", "matview"}})),
            {"public.mv_totals", "public.v_report"})
        eq(#select_.tables(catalog, {kinds = {"*"}}), #catalog)
    end)

    it("returns the include items that matched nothing", function()
        local chosen, unmatched = select_.tables(catalog, {include = {"sales.orders", "nope.*", {pattern = "zzz"}}})
        eq(keys(chosen), {"sales.orders"})
        eq(unmatched, {"nope.*", '{pattern = "zzz"}'})
    end)

    it("raises on a bad item or a bad pattern", function()
        raises(function() select_.tables(catalog, {include = {42}}) end, "got number", true)
        raises(function() select_.tables(catalog, {include = {{pattern = "[a"}}}) end, "bad Lua pattern", true)
        raises(function() select_.tables(catalog, {include = "sales.*"}) end, "tables.include expects a list", true)
        raises(function() select_.tables(catalog, "sales.*") end, "a table selection is a list", true)
    end)
end)

describe("select.schemas", function()
    it("keeps the entries of the named schemas", function()
        eq(keys(select_.sort(select_.schemas(catalog, {"audit"}))), {"audit.events", "audit.log_2020", "audit.log_2021"})
        eq(#select_.schemas(catalog, nil), #catalog)
    end)

    it("raises for a schema the source does not have", function()
        raises(function() select_.schemas(catalog, {"sale"}) end,
            "schema sale not found in source (did you mean sales?) (schemas: audit, public, sales)", true)
    end)
end)

describe("select helpers", function()
    it("glob_pattern escapes and anchors", function()
        eq(select_.glob_pattern("a.b*"), "^a%.b.*$")
    end)

    it("close_names ranks by edit distance, swaps count once", function()
        eq(select_.close_names("polcy", {"policy", "conflict", "create"}), {"policy"})
        eq(select_.close_names("tabels", {"tables", "target", "table_options"}), {"tables"})
        eq(select_.close_names("xyz", {"policy"}), {})
        eq(select_.close_names("ORDERS", {"orders", "order", "x"}), {"orders", "order"})
        eq(select_.close_names("sales.ordrs", {"sales.Orders", "sales.orders"}), {"sales.orders", "sales.Orders"})
    end)

    it("distance counts edits", function()
        eq(select_.distance("kitten", "sitting"), 3)
        eq(select_.distance("ab", "ba"), 1)
        eq(select_.distance("", "abc"), 3)
    end)
end)
