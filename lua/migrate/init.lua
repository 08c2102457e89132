-- migrate: the facade recipes use (`local m = require "migrate"`).
--
-- A plain table of exports: the recipe constructor, the naming rule
-- constructors, the command-line parameters and try().  Other modules add
-- their exports here (connect, copy, run ...).
local naming = require "migrate.naming"
local recipe = require "migrate.recipe"

local m = {}

local has_core, core = pcall(require, "migrate.core")

local error_mt = {
    __tostring = function(e)
        local where = e.file and (e.file .. (e.line and ":" .. e.line or "") .. ": ") or ""
        return where .. tostring(e.msg)
    end,
}

-- the recipe model
m.recipe = recipe.recipe
m.params = recipe.params -- key=value from the command line (same table)

-- naming rules
m.replace = naming.replace
m.gsub = naming.gsub
m.prefix = naming.prefix
m.suffix = naming.suffix
m.lower = naming.lower
m.upper = naming.upper
m.snake_case = naming.snake_case
m.template = naming.template
m.fn = naming.fn

local function pack(...)
    return {n = select("#", ...), ...}
end

--- Call fn(...) protected: returns true and fn's results, or false and an
-- error object (a string error becomes {code = "lua", msg = ...}).
function m.try(fn, ...)
    local r = pack(pcall(fn, ...))
    if r[1] then
        return unpack(r, 1, r.n)
    end
    local err = r[2]
    if type(err) ~= "table" then
        local e = {code = "lua", msg = tostring(err)}
        err = has_core and core.error(e) or setmetatable(e, error_mt)
    end
    return false, err
end

return m
