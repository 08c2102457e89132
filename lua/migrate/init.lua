-- migrate: the facade recipes use (`local m = require "migrate"`).
--
-- A plain table of exports: the recipe constructor, the naming rule
-- constructors, the command-line parameters and try().  Other modules add
-- their exports here (connect, copy, run ...).
local naming = require "migrate.naming"
local recipe = require "migrate.recipe"

local m = {}

local errors = require "migrate.errors"

-- the recipe model
m.recipe = recipe.recipe
m.params = recipe.params -- key=value from the command line (same table)
m.extend = recipe.extend -- a recipe on top of another (a library's)
m.replace_list = recipe.replace_list
m.super = recipe.super

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
        err = errors.new("lua", tostring(err))
    end
    return false, err
end

return m
