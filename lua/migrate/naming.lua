-- migrate.naming: naming rules that turn source table and column names into
-- target names, and the checks on the result (identifier rules, PostgreSQL's
-- 63-byte limit, collisions).
--
-- A rule is a callable object: rule(name, ctx) -> new name, with a
-- `describe` string for plans ("replace(\"tbl_\", \"\")").  ctx carries
-- schema, table, column, kind ("table" or "column"), source_type,
-- target_type and params (the recipe parameters).  Case mapping (lower,
-- upper, snake_case) knows ASCII, Latin-1, Latin Extended-A, Greek and
-- Cyrillic letters; other characters are kept as they are, whole.
local template = require "migrate.template"

local M = {}

M.MAX_IDENTIFIER_BYTES = 63 -- PostgreSQL's NAMEDATALEN - 1

local errors = require "migrate.errors"

-- Raise an error object {code = code, msg = msg, file = ?, line = ?}.
local raise = errors.raise

local this_file = debug.getinfo(1, "S").source

-- A mistake in a rule's arguments: reported at the line (outside this file)
-- that made the rule, normally in the recipe.
local function arg_error(msg)
    for level = 2, 20 do
        local info = debug.getinfo(level, "Sl")
        if not info then
            break
        end
        if info.source ~= this_file and info.what ~= "C" then
            local file = info.source:match("^@(.*)")
            raise("recipe", msg, file, file and info.currentline or nil)
        end
    end
    raise("recipe", msg)
end

local function show(s)
    return (string.format("%q", tostring(s)):gsub("\\\n", "\\n"))
end

---------------------------------------------------------------------------
-- UTF-8 characters and case mapping

local lower_of, upper_of, lower_only = {}, {}, {}

local function pair(up, low)
    lower_of[up], upper_of[low] = low, up
end

local function build_case_tables()
    for cp = 0x41, 0x5A do pair(cp, cp + 32) end
    for cp = 0xC0, 0xDE do
        if cp ~= 0xD7 then pair(cp, cp + 32) end
    end
    pair(0x178, 0xFF)
    for cp = 0x100, 0x137, 2 do
        if cp ~= 0x130 then pair(cp, cp + 1) end
    end
    for cp = 0x139, 0x147, 2 do pair(cp, cp + 1) end
    for cp = 0x14A, 0x177, 2 do pair(cp, cp + 1) end
    for cp = 0x179, 0x17D, 2 do pair(cp, cp + 1) end
    pair(0x386, 0x3AC)
    for cp = 0x388, 0x38A do pair(cp, cp + 37) end
    pair(0x38C, 0x3CC)
    pair(0x38E, 0x3CD)
    pair(0x38F, 0x3CE)
    for cp = 0x391, 0x3A9 do
        if cp ~= 0x3A2 then pair(cp, cp + 32) end
    end
    for cp = 0x400, 0x40F do pair(cp, cp + 80) end
    for cp = 0x410, 0x42F do pair(cp, cp + 32) end
    for _, cp in ipairs({0xDF, 0x131, 0x138, 0x149, 0x17F, 0x3C2}) do
        lower_only[cp] = true
    end
end
build_case_tables()

-- Non-ASCII characters that separate words like a space does.
local function is_unicode_space(cp)
    return cp == 0xA0 or (cp >= 0x2000 and cp <= 0x200B) or (cp >= 0x2010 and cp <= 0x2015) or cp == 0x3000
end

local function encode(cp)
    if cp < 0x80 then
        return string.char(cp)
    elseif cp < 0x800 then
        return string.char(0xC0 + math.floor(cp / 64), 0x80 + cp % 64)
    end
    return string.char(0xE0 + math.floor(cp / 4096), 0x80 + math.floor(cp / 64) % 64, 0x80 + cp % 64)
end

-- Decode the character at byte i: returns its bytes and code point (nil for
-- a byte that does not start a valid sequence; it is kept as it is).
local function char_at(s, i)
    local b = s:byte(i)
    local len = b < 0x80 and 1 or (b >= 0xC2 and b <= 0xDF) and 2 or (b >= 0xE0 and b <= 0xEF) and 3
        or (b >= 0xF0 and b <= 0xF4) and 4 or nil
    if not len then
        return s:sub(i, i), nil
    end
    local cp = len == 1 and b or b % (2 ^ (7 - len))
    for j = i + 1, i + len - 1 do
        local c = s:byte(j)
        if not c or c < 0x80 or c > 0xBF then
            return s:sub(i, i), nil
        end
        cp = cp * 64 + c % 64
    end
    local min = ({0, 0x80, 0x800, 0x10000})[len]
    if cp < min or cp > 0x10FFFF or (cp >= 0xD800 and cp <= 0xDFFF) then
        return s:sub(i, i), nil
    end
    return s:sub(i, i + len - 1), cp
end

-- The characters of s: a list of {text, cp}.
local function chars(s)
    local list, i = {}, 1
    while i <= #s do
        local text, cp = char_at(s, i)
        list[#list + 1] = {text, cp}
        i = i + #text
    end
    return list
end
M.chars = chars

local function map_case(s, map)
    if not s:find("[%a\128-\255]") then
        return s
    end
    local out = {}
    for i, c in ipairs(chars(s)) do
        local mapped = c[2] and map[c[2]]
        out[i] = mapped and encode(mapped) or c[1]
    end
    return table.concat(out)
end

--- Lowercase / uppercase s (see the top of the file for which letters).
function M.to_lower(s) return map_case(s, lower_of) end
function M.to_upper(s) return map_case(s, upper_of) end

-- Character class for snake_case: "U"pper, "L"ower (or caseless letter),
-- "D"igit, "_" underscore, "S"eparator.
local function class_of(c)
    local cp = c[2]
    if not cp then
        return "L"
    elseif cp < 0x80 then
        local ch = c[1]
        if ch:match("%u") then return "U" end
        if ch:match("%l") then return "L" end
        if ch:match("%d") then return "D" end
        return ch == "_" and "_" or "S"
    elseif lower_of[cp] then
        return "U"
    end
    return is_unicode_space(cp) and "S" or "L"
end

-- True when an underscore goes before character i (of class "U").
local function word_starts(cls, list, i)
    local prev, next_c = cls[i - 1], cls[i + 1]
    if prev == "L" or prev == "D" then
        return true
    end
    if prev ~= "U" or next_c ~= "L" then
        return false
    end
    -- "URLs", "IDsList": a plural s after an acronym stays with it
    return not (list[i + 1][1] == "s" and cls[i + 2] ~= "L")
end

--- CamelCase, camelCase and "Mixed Case-names" -> camel_case,
-- mixed_case_names.  Digits are kept, runs of underscores collapse, leading
-- and trailing separators go; non-ASCII letters are kept whole.
function M.to_snake_case(s)
    local list, cls = chars(s), {}
    for i, c in ipairs(list) do
        cls[i] = class_of(c)
    end
    local first, last = 1, #list
    while first <= last and cls[first] == "S" do first = first + 1 end
    while last >= first and cls[last] == "S" do last = last - 1 end
    local out = {}
    for i = first, last do
        if cls[i] == "S" or cls[i] == "_" then
            out[#out + 1] = "_"
        else
            if cls[i] == "U" and i > first and word_starts(cls, list, i) then
                out[#out + 1] = "_"
            end
            out[#out + 1] = list[i][1]
        end
    end
    return (M.to_lower(table.concat(out)):gsub("__+", "_"))
end

---------------------------------------------------------------------------
-- Rules

local rule_mt = {}
rule_mt.__call = function(self, name, ctx)
    return self.apply(name, ctx or {})
end
rule_mt.__tostring = function(self)
    return "naming rule " .. self.describe
end

local function rule(describe, apply)
    return setmetatable({describe = describe, apply = apply}, rule_mt)
end

--- True when x is a rule made by this module.
function M.is_rule(x)
    return getmetatable(x) == rule_mt
end

local function check_string(fname, what, v, allow_empty)
    if type(v) ~= "string" then
        arg_error(fname .. "() expects " .. what .. " (a string), got " .. type(v))
    end
    if v == "" and not allow_empty then
        arg_error(fname .. "(): " .. what .. " must not be empty")
    end
end

-- Replace every occurrence of the plain string from with to.
local function replace_plain(s, from, to)
    local out, pos = {}, 1
    while true do
        local i, j = s:find(from, pos, true)
        if not i then
            out[#out + 1] = s:sub(pos)
            return table.concat(out)
        end
        out[#out + 1] = s:sub(pos, i - 1)
        out[#out + 1] = to
        pos = j + 1
    end
end

--- replace(from, to): every occurrence of the plain substring from.
function M.replace(from, to)
    check_string("replace", "the text to replace", from)
    check_string("replace", "the replacement", to, true)
    return rule("replace(" .. show(from) .. ", " .. show(to) .. ")", function(name)
        return replace_plain(name, from, to)
    end)
end

--- gsub(pattern, repl): string.gsub with a Lua pattern.
function M.gsub(pattern, repl)
    check_string("gsub", "a Lua pattern", pattern)
    local rt = type(repl)
    if rt ~= "string" and rt ~= "table" and rt ~= "function" then
        arg_error("gsub() expects a replacement string, table or function, got " .. rt)
    end
    local ok, err = pcall(string.find, "", pattern)
    if not ok then
        arg_error("gsub(): bad Lua pattern " .. show(pattern) .. ": " .. tostring(err):gsub("^.-:%d+: ", ""))
    end
    local shown = rt == "string" and show(repl) or rt
    return rule("gsub(" .. show(pattern) .. ", " .. shown .. ")", function(name)
        return (name:gsub(pattern, repl))
    end)
end

function M.prefix(s)
    check_string("prefix", "a prefix", s)
    return rule("prefix(" .. show(s) .. ")", function(name) return s .. name end)
end

function M.suffix(s)
    check_string("suffix", "a suffix", s)
    return rule("suffix(" .. show(s) .. ")", function(name) return name .. s end)
end

function M.lower()
    return rule("lower()", M.to_lower)
end

function M.upper()
    return rule("upper()", M.to_upper)
end

function M.snake_case()
    return rule("snake_case()", M.to_snake_case)
end

-- The variables a template rule sees.
local function template_vars(name, ctx)
    local vars = {}
    for k, v in pairs(ctx.params or {}) do
        vars[k] = v
    end
    vars.name = name
    vars.schema = ctx.schema
    vars.source_type = ctx.source_type
    vars.target_type = ctx.target_type
    if ctx.kind == "column" then
        vars.column = name
        vars.table = ctx.table
    else
        vars.table = name
    end
    return vars
end

--- template(t): ${table} is the name so far (for columns: ${column}, and
-- ${table} is the table), plus ${schema}, ${source_type}, ${target_type},
-- ${name} and every recipe parameter.
function M.template(t)
    check_string("template", "a template", t)
    local ok, err = pcall(template.names, t)
    if not ok then
        arg_error("template(): " .. tostring(err.msg or err))
    end
    return rule("template(" .. show(t) .. ")", function(name, ctx)
        return template.expand(t, template_vars(name, ctx))
    end)
end

local function where_defined(f)
    local info = debug.getinfo(f, "S")
    if info.source:sub(1, 1) == "@" then
        return info.source:sub(2) .. ":" .. info.linedefined
    end
    return info.short_src
end

--- fn(f): a user function f(name, ctx) -> new name.
function M.fn(f)
    if type(f) ~= "function" then
        arg_error("fn() expects a function(name, ctx), got " .. type(f))
    end
    return rule("fn(" .. where_defined(f) .. ")", f)
end

local function describe_rule(r)
    if type(r) == "function" then
        return "function (" .. where_defined(r) .. ")"
    end
    return r.describe or tostring(r)
end

--- One description per rule, for plans.
function M.describe(rules)
    local out = {}
    for i, r in ipairs(rules or {}) do
        out[i] = describe_rule(r)
    end
    return out
end

--- True when x can be used as a rule: a rule object, a function or a
-- callable table.
function M.is_callable(x)
    if type(x) == "function" then
        return true
    end
    local mt = type(x) == "table" and getmetatable(x)
    return mt and mt.__call ~= nil or false
end

--- Apply rules in order to name; each gets (name so far, ctx).
function M.apply(rules, name, ctx)
    ctx = ctx or {}
    for i, r in ipairs(rules or {}) do
        local out = r(name, ctx)
        if type(out) ~= "string" then
            raise("naming", "naming rule " .. i .. " (" .. describe_rule(r) .. ") returned "
                .. (out == nil and "nil" or "a " .. type(out)) .. " for " .. show(name) .. ", expected a string")
        end
        name = out
    end
    return name
end

---------------------------------------------------------------------------
-- Checks on target names

local function utf8_valid(s)
    for _, c in ipairs(chars(s)) do
        if not c[2] then
            return false
        end
    end
    return true
end

-- Why name is not a plain identifier (nil when it is one).
local function plain_problem(name)
    if name:match("^[A-Za-z_][A-Za-z0-9_]*$") then
        return nil
    end
    if name:match("^%d") then
        return "it starts with a digit"
    end
    for _, c in ipairs(chars(name)) do
        if not c[1]:match("^[A-Za-z0-9_]$") then
            local what = (c[2] or 128) >= 128 and "the non-ASCII character " or ""
            return "it contains " .. what .. show(c[1])
        end
    end
end

local function subject(opts)
    return "target " .. (opts.what or "table") .. " name"
end

--- Check a target name.  Unless opts.quote_names, it must be a plain
-- identifier ([A-Za-z_][A-Za-z0-9_]*).  Empty names, NUL bytes and invalid
-- UTF-8 are always errors.  opts.what ("table", "column", "schema") and
-- opts.source (the source name) make the message precise.  Returns name.
function M.validate(name, opts)
    opts = opts or {}
    local from = opts.source and " (from " .. opts.source .. ")" or ""
    if type(name) ~= "string" or name == "" then
        raise("naming", "the " .. subject(opts) .. from .. " is empty")
    end
    if name:find("%z") then
        raise("naming", subject(opts) .. " " .. show(name) .. from .. " contains a NUL byte")
    end
    if not utf8_valid(name) then
        raise("naming", subject(opts) .. " " .. show(name) .. from .. " is not valid UTF-8")
    end
    if not opts.quote_names then
        local problem = plain_problem(name)
        if problem then
            raise("naming", subject(opts) .. " " .. show(name) .. from .. " is not a plain identifier: "
                .. problem .. " (plain names match [A-Za-z_][A-Za-z0-9_]*); set quote_names = true to allow it")
        end
    end
    return name
end

--- Truncate name to limit bytes (default 63, PostgreSQL's) at a UTF-8
-- character boundary, as PostgreSQL does.  Returns name, was_truncated.
function M.truncate(name, limit)
    limit = limit or M.MAX_IDENTIFIER_BYTES
    if #name <= limit then
        return name, false
    end
    local cut = limit
    while cut > 0 do
        local b = name:byte(cut + 1)
        if b < 0x80 or b >= 0xC0 then
            break
        end
        cut = cut - 1
    end
    return name:sub(1, cut), true
end

local function was_truncated(item)
    return item.truncated or (item.full_target ~= nil and item.full_target ~= item.target)
end

local function collision_text(group, opts)
    local sources, truncated, full = {}, false, {}
    for i, item in ipairs(group) do
        sources[i] = item.source
        full[i] = item.full_target or item.target
        truncated = truncated or was_truncated(item)
    end
    local what = opts.what or "table"
    local text = what .. " name collision" .. (opts.context and " " .. opts.context or "") .. ": "
        .. table.concat(sources, " and ") .. (#group == 2 and " both" or " all") .. " become " .. group[1].target
    if truncated then
        text = text .. " after truncation to PostgreSQL's " .. M.MAX_IDENTIFIER_BYTES
            .. "-byte identifier limit (full names: " .. table.concat(full, ", ") .. ")"
    end
    local fix = what == "column" and "rename one of them (rename = {...})"
        or "give one of them an explicit name (table_options[...].target)"
    return text .. "; " .. fix .. " or change the naming rules"
end

--- Raise an error when two items with different sources share a target.
-- list: {{source = "sales.Orders", target = "sales.orders",
--         truncated = bool?, full_target = "before truncation"?}, ...}
-- opts.what ("table" or "column"), opts.context ("in sales.orders").
-- Every collision is reported, one per line.  Returns list.
function M.check_collisions(list, opts)
    opts = opts or {}
    local groups, order = {}, {}
    for _, item in ipairs(list) do
        local group = groups[item.target]
        if not group then
            group = {}
            groups[item.target] = group
            order[#order + 1] = item.target
        end
        local dup = false
        for _, other in ipairs(group) do
            dup = dup or other.source == item.source
        end
        if not dup then
            group[#group + 1] = item
        end
    end
    local lines = {}
    for _, target in ipairs(order) do
        if #groups[target] > 1 then
            lines[#lines + 1] = collision_text(groups[target], opts)
        end
    end
    if #lines > 0 then
        raise("naming", table.concat(lines, "\n"))
    end
    return list
end

return M
