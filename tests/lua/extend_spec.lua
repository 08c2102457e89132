-- Specs for m.extend: a customer recipe on top of a library recipe.  The
-- merge rules (scalars, params, table_options, type_rules, naming, hooks,
-- m.replace_list, m.super), the base as a module or a function, and
-- errors that name the file and line where the mistake is written.
local recipe = require "migrate.recipe"
local naming = require "migrate.naming"
local cast = require "migrate.cast"
local m = require "migrate"

-- (files stay in the scratch directory: the its run after this file)
local tmp = (os.getenv("MG_TEST_TMP") or "/tmp") .. "/extend_spec"
local lib = tmp .. "/lib"
assert(os.execute("rm -rf '" .. tmp .. "' && mkdir -p '" .. lib .. "/teamlib'") == 0)
package.path = lib .. "/?.lua;" .. package.path

local function write(path, text)
    local f = assert(io.open(path, "w"))
    f:write(text)
    f:close()
    return path
end

-- The library: a base recipe module (ending in a tail call, as library
-- recipes usually do), and one whose function returns a recipe.
write(lib .. "/teamlib/base.lua", [[
local m = require "migrate"
return m.recipe {
  source = "${source}",
  target = "postgresql:///team",
  params = { source = "postgresql:///src", batch = 100, region = "eu" },
  target_schema = "team_${schema}",
  policy = "overwrite",
  naming = { m.lower(), m.prefix("t_") },
  column_naming = { m.snake_case() },
  table_options = {
    ["app.orders"] = { key = {"id"}, rename = { Amount = "amount" }, filter = "id > 0" },
    ["app.audit"] = { policy = "append" },
  },
  type_rules = {
    { type = "tinyint", to = "smallint" },
    { type = "datetime", to = "timestamptz" },
  },
  hooks = {
    before_run = function(ctx) ctx.calls[#ctx.calls + 1] = "base before_run" return "base" end,
    after_table = function(ctx, task) ctx.calls[#ctx.calls + 1] = "base after_table " .. task end,
  },
}
]])

write(lib .. "/teamlib/factory.lua", [[
local m = require "migrate"
return function(params)
  return m.recipe {
    source = "${source}",
    target = "postgresql:///" .. (params.db or "none"),
    params = { source = "postgresql:///src" },
  }
end
]])

write(lib .. "/teamlib/broken.lua", [[
local m = require "migrate"
return m.recipe {
  source = "postgresql:///a",
  target = "postgresql:///b",
  polcy = "append",
}
]])

local base = require "teamlib.base"

local function load_error(path, params)
    local ok, err = pcall(recipe.load, path, params)
    falsy(ok, path .. " should not load")
    return err
end

describe("m.extend merges", function()
    it("replaces scalars and keeps the base's other options", function()
        local r = m.extend(base, {target_schema = "crm", policy = "upsert", workers = 3})
        truthy(recipe.is_recipe(r))
        eq(r.target_schema, "crm")
        eq(r.policy, "upsert")
        eq(r.workers, 3)
        eq(r.source, "${source}")
        eq(r.target, "postgresql:///team")
        eq(r.conflict, "update") -- a default, from the base
        -- the base is not changed
        eq(base.target_schema, "team_${schema}")
        eq(base.policy, "overwrite")
        eq(base.workers, nil)
    end)

    it("merges params by name", function()
        local r = m.extend(base, {params = {region = "us", extra = "x"}})
        eq(r.params, {source = "postgresql:///src", batch = 100, region = "us", extra = "x"})
        eq(base.params.region, "eu")
    end)

    it("merges table_options per table key, then per option", function()
        local r = m.extend(base, {table_options = {
            ["app.orders"] = {filter = "id > 10", drop = {"note"}},
            ["app.items"] = {key = {"item_id"}},
        }})
        local orders = r.table_options["app.orders"]
        eq(orders.filter, "id > 10") -- the customer's
        eq(orders.key, {"id"}) -- the base's
        eq(orders.rename, {Amount = "amount"}) -- the base's
        eq(orders.drop, {"note"})
        eq(r.table_options["app.audit"].policy, "append")
        eq(r.table_options["app.items"].key, {"item_id"})
        eq(base.table_options["app.orders"].filter, "id > 0")
        eq(base.table_options["app.orders"].drop, nil)
    end)

    it("puts the customer's type_rules first, the base's after, keeping their lines", function()
        local r = m.extend(base, {type_rules = {{type = "tinyint", to = "boolean"}}})
        eq(#r.type_rules, 3)
        eq(r.type_rules[1].to, "boolean")
        eq(r.type_rules[2].to, "smallint")
        eq(r.type_rules[3].to, "timestamptz")
        local index, file, line = cast.origin(r.type_rules[3])
        eq(index, 3)
        eq(file, lib .. "/teamlib/base.lua")
        eq(line, 16)
        index, file = cast.origin(r.type_rules[1])
        eq(index, 1)
        eq(file, spec.dir() .. "/extend_spec.lua")
        -- the base's own rules keep their places
        eq((cast.origin(base.type_rules[1])), 1)
        eq(#base.type_rules, 2)
    end)

    it("replaces a list given as m.replace_list", function()
        local r = m.extend(base, {
            type_rules = m.replace_list {{type = "tinyint", to = "boolean"}},
            naming = m.replace_list {m.upper()},
        })
        eq(#r.type_rules, 1)
        eq(r.type_rules[1].to, "boolean")
        eq(naming.apply(r.naming, "Orders"), "ORDERS")
    end)

    it("runs the customer's naming rules first, then the base's", function()
        local r = m.extend(base, {naming = {m.replace("TBL_", "")}})
        eq(#r.naming, 3)
        -- the customer's rule sees the source name, the base's house style applies last
        eq(naming.apply(r.naming, "TBL_Orders"), "t_orders")
        eq(naming.apply(base.naming, "TBL_Orders"), "t_tbl_orders")
        local c = m.extend(base, {column_naming = m.fn(function(n) return n .. "_x" end, "x")})
        eq(naming.apply(c.column_naming, "OrderId"), "order_id_x")
    end)

    it("overrides hooks by name; m.super calls the base's hook", function()
        local r = m.extend(base, {hooks = {
            before_run = function(ctx)
                ctx.calls[#ctx.calls + 1] = "customer before_run"
                return "customer+" .. m.super(ctx)
            end,
            after_run = function(ctx)
                ctx.calls[#ctx.calls + 1] = "customer after_run"
                return select("#", m.super(ctx))
            end,
        }})
        local ctx = {calls = {}}
        eq(r.hooks.before_run(ctx), "customer+base")
        r.hooks.after_table(ctx, "app.orders") -- not overridden: the base's
        eq(r.hooks.after_run(ctx), 0) -- the base has none: m.super returns nothing
        eq(ctx.calls, {"customer before_run", "base before_run", "base after_table app.orders",
            "customer after_run"})
    end)

    it("chains m.super through an extension of an extension", function()
        local mid = m.extend(base, {hooks = {before_run = function(ctx)
            ctx.calls[#ctx.calls + 1] = "mid"
            return "mid+" .. m.super(ctx)
        end}})
        local top = m.extend(mid, {hooks = {before_run = function(ctx)
            ctx.calls[#ctx.calls + 1] = "top"
            return "top+" .. m.super(ctx)
        end}})
        local ctx = {calls = {}}
        eq(top.hooks.before_run(ctx), "top+mid+base")
        eq(ctx.calls, {"top", "mid", "base before_run"})
        raises(function() m.super() end, "outside a hook given to m.extend", true)
    end)

    it("passes an error of an override hook through", function()
        local r = m.extend(base, {hooks = {before_run = function() error("boom in hook") end}})
        raises(function() r.hooks.before_run({calls = {}}) end, "boom in hook", true)
        -- and the stack of bases is left clean
        raises(function() m.super() end, "outside a hook", true)
    end)

    it("calls a base function with the parameters", function()
        local factory = require "teamlib.factory"
        local r = m.extend(factory, {params = {db = "crm"}})
        eq(r.target, "postgresql:///crm")
        eq(r.params, {source = "postgresql:///src", db = "crm"})
    end)
end)

describe("a customer recipe file", function()
    it("is a few lines, known by its own file; key=value wins over both", function()
        local path = write(tmp .. "/customer.lua", [[
local m = require "migrate"
return m.extend(require "teamlib.base", {
  target_schema = "crm",
  params = { region = "apac" },
})
]])
        local r = recipe.load(path, {region = "latam", batch = "500"})
        eq(r.target_schema, "crm")
        eq(r.params.region, "latam")
        eq(r.params.batch, 500) -- coerced to the type of the base's default
        eq((recipe.origin(r)), path)
        eq(m.params.region, "latam")
    end)

    it("names the customer's file and line for a mistake in the overrides", function()
        local path = write(tmp .. "/typo.lua", [[
local m = require "migrate"
-- a customer recipe with a typo
return m.extend(require "teamlib.base", {
  target_schema = "crm",
  table_options = {
    ["app.orders"] = {
      polcy = "append",
    },
  },
})
]])
        local err = load_error(path)
        eq(err.code, "recipe")
        eq(err.file, path)
        eq(err.line, 7)
        contains(tostring(err), "unknown option 'polcy'")
        contains(tostring(err), "did you mean 'policy'")
    end)

    it("names the line of a wrong value and of an unknown top-level option", function()
        local path = write(tmp .. "/wrong.lua", [[
local m = require "migrate"
local base = require "teamlib.base"

return m.extend(base, { target_schema = "crm",
  workers = "four" })
]])
        local err = load_error(path)
        eq(err.file, path)
        eq(err.line, 5)
        contains(tostring(err), "option 'workers' expects a whole number")
        path = write(tmp .. "/unknown.lua", [[
local m = require "migrate"
local r = m.extend(require "teamlib.base", {
  target_shema = "crm",
})
return r
]])
        err = load_error(path)
        eq(err.file, path)
        eq(err.line, 3)
        contains(tostring(err), "did you mean 'target_schema'")
    end)

    it("checks a merged table entry (a column both dropped and renamed)", function()
        local path = write(tmp .. "/conflict.lua", [[
local m = require "migrate"
return m.extend(require "teamlib.base", {
  table_options = { ["app.orders"] = { drop = { "Amount" } } },
})
]])
        local err = load_error(path)
        eq(err.file, path)
        eq(err.line, 3)
        contains(tostring(err), "column 'Amount'")
        contains(tostring(err), "both dropped and in rename")
    end)

    it("checks ${params} in the overrides against the merged params", function()
        local path = write(tmp .. "/param.lua", [[
local m = require "migrate"
return m.extend(require "teamlib.base", {
  target_schema = "${regoin}",
})
]])
        local err = load_error(path)
        eq(err.line, 3)
        contains(tostring(err), "uses ${regoin}, but no parameter 'regoin' is given (did you mean 'region'?)")
        local ok = pcall(recipe.load, write(tmp .. "/param_ok.lua", [[
local m = require "migrate"
return m.extend(require "teamlib.base", { target_schema = "${region}_x" })
]]))
        truthy(ok)
    end)

    it("names the library's file for a mistake in the library recipe", function()
        local path = write(tmp .. "/uses_broken.lua", [[
local m = require "migrate"
return m.extend(require "teamlib.broken", { target_schema = "crm" })
]])
        local err = load_error(path)
        eq(err.file, lib .. "/teamlib/broken.lua")
        eq(err.line, 5)
        contains(tostring(err), "unknown option 'polcy'")
    end)

    it("refuses a base that is not a recipe, and m.replace_list where no list merges", function()
        raises(function() m.extend({source = "x"}, {}) end,
            "m.extend expects as base a recipe (m.recipe{...}", true)
        raises(function() m.extend(base, "crm") end, "expects a table of options as overrides, got string", true)
        raises(function() m.extend(function() return 42 end, {}) end,
            "the base function given to m.extend must return m.recipe{...}, got number", true)
        raises(function() m.extend(base, {tables = m.replace_list {"a.b"}}) end,
            "m.replace_list is for type_rules, naming and column_naming, not 'tables'", true)
    end)
end)
