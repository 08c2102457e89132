-- migrate.template: ${name} substitution for recipe strings (connection
-- URLs, target schema and table names, SQL filters).
--
-- Only names are substituted; nothing is ever evaluated.  A placeholder is
-- "${" NAME "}" where NAME is a Lua identifier.  "$${" is a literal "${";
-- every other "$" is kept as it is, so SQL dollar quoting ($$ ... $$) and
-- positional parameters ($1) pass through untouched.
local M = {}

local core = require "migrate.core"
local errors = require "migrate.errors"

-- Raise an error object {code = "template", msg = msg}.
local function fail(msg)
    errors.raise("template", msg)
end

-- A template quoted for a message: passwords masked (a template is often a
-- connection string), long ones shortened.
local function show(s)
    s = core.mask(s)
    if #s > 80 then
        s = s:sub(1, 77) .. "..."
    end
    return (string.format("%q", s):gsub("\\\n", "\\n"))
end

-- Split str into a list of parts: literal strings and {name = NAME}.
local function parse(str)
    local parts, pos = {}, 1
    while true do
        local i = str:find("$", pos, true)
        if not i then
            parts[#parts + 1] = str:sub(pos)
            return parts
        end
        parts[#parts + 1] = str:sub(pos, i - 1)
        if str:sub(i, i + 2) == "$${" then
            parts[#parts + 1] = "${"
            pos = i + 3
        elseif str:sub(i, i + 1) == "${" then
            local close = str:find("}", i + 2, true)
            if not close then
                fail("unterminated ${ in template " .. show(str))
            end
            local name = str:sub(i + 2, close - 1)
            if not name:match("^[%a_][%w_]*$") then
                fail("bad placeholder ${" .. name .. "} in template " .. show(str)
                    .. " (a name is letters, digits and _; write $${ for a literal ${)")
            end
            parts[#parts + 1] = {name = name}
            pos = close + 1
        else
            parts[#parts + 1] = "$"
            pos = i + 1
        end
    end
end

local function known_names(vars)
    local names = {}
    for k in pairs(vars) do
        if type(k) == "string" then
            names[#names + 1] = k
        end
    end
    table.sort(names)
    return names
end

local function unknown(name, str, vars)
    local names = known_names(vars)
    local known = #names > 0 and "known: " .. table.concat(names, ", ") or "no variables are defined"
    fail("unknown template variable ${" .. name .. "} in " .. show(str) .. " (" .. known .. ")")
end

local function value_text(name, value, quote)
    local t = type(value)
    if t ~= "string" and t ~= "number" and t ~= "boolean" then
        fail("template variable ${" .. name .. "} is a " .. t .. ", expected a string, number or boolean")
    end
    if quote then
        local q = quote(value, name)
        if type(q) ~= "string" then
            fail("the quote function returned a " .. type(q) .. " for ${" .. name .. "}")
        end
        return q
    end
    return tostring(value)
end

--- The names a template refers to, each once, in order of appearance.
-- Raises a template error when the template is malformed.
function M.names(str)
    local names, seen = {}, {}
    for _, part in ipairs(parse(str)) do
        if type(part) == "table" and not seen[part.name] then
            seen[part.name] = true
            names[#names + 1] = part.name
        end
    end
    return names
end

--- True when str contains at least one placeholder.
function M.has_vars(str)
    return #M.names(str) > 0
end

--- Expand str: each ${name} becomes vars[name]; opts.quote(value, name), if
-- given, turns each value into its final text (a quoted SQL literal, say).
-- An unknown name raises an error naming it and listing the known names.
function M.expand(str, vars, opts)
    if type(str) ~= "string" then
        fail("a template must be a string, got " .. type(str))
    end
    vars = vars or {}
    local quote = opts and opts.quote
    local out = {}
    for i, part in ipairs(parse(str)) do
        if type(part) == "string" then
            out[i] = part
        else
            local value = vars[part.name]
            if value == nil then
                unknown(part.name, str, vars)
            end
            out[i] = value_text(part.name, value, quote)
        end
    end
    return table.concat(out)
end

return M
