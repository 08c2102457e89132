-- migrate.cast: the recipe's type rules (`type_rules`), pgloader's CAST
-- written as Lua tables.
--
--   type_rules = {
--     { type = "datetime", default = "0000-00-00 00:00:00", not_null = true,
--       to = "timestamptz", drop_default = true, drop_not_null = true,
--       using = "zero_dates_to_null" },
--     { type = {"tinyint", "smallint"}, typmod = 1, to = "boolean", using = "int_to_boolean" },
--     { column = "legacy.*.code", to = "text" },
--   }
--
-- The rules are tried in order after the default type mapping; the first
-- whose guards all hold decides the column (a rule without guards matches
-- every column).  A rule that changes the type keeps the default mapping's
-- transform unless it says `using`.  The type of a column named in
-- table_options[..].cast wins over the rule's (the rule's other actions
-- still apply).  recipe.lua checks the rules (file:line of a mistake);
-- this module matches and applies them.
--
-- Guards: type (source base type, case-insensitive; a string or a list;
-- globs), column ("col", "table.col", "schema.table.col"; globs; or a
-- list), table ("table" or "schema.table"; globs; or a list), typmod (n or {p, s}), unsigned,
-- auto_increment, not_null (booleans), default (the source's default
-- text, quoted or not; false: none; true: any), when = function(col,
-- entry).  Actions: to, keep_typmod, drop_typmod, using (a C value
-- transform; false removes the default mapping's), drop_default,
-- drop_not_null, identity.
local select_ = require "migrate.select"

local M = {}

M.GUARDS = {"type", "column", "table", "typmod", "unsigned", "auto_increment", "not_null", "default", "when"}
M.ACTIONS = {"to", "keep_typmod", "drop_typmod", "using", "drop_default", "drop_not_null", "identity"}

-- Where each checked rule was written: rule -> {index, file, line}.
local origins = setmetatable({}, {__mode = "k"})

--- Remember where a checked rule was written (recipe.lua calls it).
function M.register(rule, index, file, line)
    origins[rule] = {index = index, file = file, line = line}
end

--- Where a rule was written: index in type_rules, file, line (nil when
-- the rule was not checked by recipe()).
function M.origin(rule)
    local o = origins[rule] or {}
    return o.index, o.file, o.line
end

--- "type_rules[2], line 14": the rule for plans and messages.
function M.describe(rule)
    local index, _, line = M.origin(rule)
    local text = "type_rules[" .. tostring(index or "?") .. "]"
    if line then
        text = text .. ", line " .. line
    end
    return text
end

---------------------------------------------------------------------------
-- Value transforms

--- The transform names the ODBC reader knows (migrate.odbc.transforms()),
-- or nil when this build does not say.
function M.transform_names()
    local ok, odbc = pcall(require, "migrate.odbc")
    if not ok or type(odbc) ~= "table" or type(odbc.transforms) ~= "function" then
        return nil
    end
    local okc, list = pcall(odbc.transforms)
    if not okc or type(list) ~= "table" then
        return nil
    end
    local names = {}
    for k, v in pairs(list) do
        local name = type(k) == "string" and k or v
        if type(name) == "string" then
            names[#names + 1] = name:match("^[^(]*")
        end
    end
    table.sort(names)
    return names
end

--- Check a transform spec ("name" or "name(args)"): nil when it is good,
-- else what is wrong, with a "did you mean" when a known name is close.
function M.check_transform(spec)
    local name = type(spec) == "string" and (spec:match("^([%a_][%w_]*)$") or spec:match("^([%a_][%w_]*)%(.*%)$"))
    if not name then
        return "a transform is written name or name(arguments), got " .. string.format("%q", tostring(spec))
    end
    local known = M.transform_names()
    if not known then
        return nil
    end
    for _, k in ipairs(known) do
        if k == name then
            -- the name is known: its arguments, as the reader checks them
            local odbc = require "migrate.odbc"
            local ok, why = true, nil
            if type(odbc.transform_check) == "function" then
                ok, why = odbc.transform_check(spec)
            end
            return not ok and tostring(why) or nil
        end
    end
    local hint = select_.close_names(name, known, 1)[1]
    return "unknown transform '" .. name .. "'" .. (hint and " (did you mean '" .. hint .. "'?)"
        or " (transforms: " .. table.concat(known, ", ") .. ")")
end

---------------------------------------------------------------------------
-- Types

--- A type without its "(..)": "numeric(12,2)" -> "numeric".
function M.without_typmod(t)
    return (t:gsub("%s*%b()", ""))
end

--- A type with the typmod list: ("numeric", {12, 2}) -> "numeric(12,2)";
-- placed before "[]" and before " with[out] time zone".
function M.with_typmod(t, typmod)
    local bare = M.without_typmod(t)
    if type(typmod) ~= "table" or #typmod == 0 then
        return bare
    end
    local head, tail = bare:match("^(.-)(%s+with.*)$")
    if not head then
        head, tail = bare:match("^(.-)(%[[%[%]]*)$")
    end
    if not head then
        head, tail = bare, ""
    end
    return head .. "(" .. table.concat(typmod, ",") .. ")" .. tail
end

-- The numbers in the first "(..)" of t, or nil.
local function parse_typmod(t)
    local inside = t and t:match("%((.-)%)")
    if not inside then
        return nil
    end
    local out = {}
    for n in inside:gmatch("[^,]+") do
        local v = tonumber((n:gsub("^%s+", ""):gsub("%s+$", "")))
        if not v then
            return nil -- enum('a','b'): not numbers
        end
        out[#out + 1] = v
    end
    return #out > 0 and out or nil
end

local function trim(s)
    return (s:gsub("^%s+", ""):gsub("%s+$", ""))
end

--- What the guards look at, for one catalog column: {names (lower-case
-- type names the type guard compares with), typmod, unsigned,
-- auto_increment, not_null, default}.  An ODBC source's column carries
-- them from the catalog (base_type, typmod, unsigned, auto_increment,
-- source_default), read from its declared type when the catalog has not;
-- a PostgreSQL column's come from its type ("numeric(12,2)": numeric,
-- {12, 2}; also the internal name, int4), identity or serial default.
function M.facts(col, entry)
    local f = {not_null = col.not_null == true}
    if entry.source_type == "odbc" then
        local declared = (col.source_type or col.type_name or ""):lower()
        local base = col.base_type or trim(M.without_typmod(declared):gsub("%f[%w]unsigned%f[%W]", "")
            :gsub("%f[%w]zerofill%f[%W]", ""))
        f.names = {base:lower()}
        f.typmod = type(col.typmod) == "table" and col.typmod or parse_typmod(declared)
        if col.unsigned ~= nil then
            f.unsigned = col.unsigned == true
        else
            f.unsigned = declared:find("%f[%w]unsigned%f[%W]") ~= nil
        end
        f.auto_increment = col.auto_increment == true or col.identity ~= nil
        f.default = col.source_default
    else
        local t = (col.type or ""):lower()
        f.names = {trim(M.without_typmod(t)), col.type_name and col.type_name:lower() or nil}
        f.typmod = parse_typmod(t)
        f.unsigned = false
        f.auto_increment = col.identity ~= nil or (col.default or ""):match("^nextval%(") ~= nil
        f.default = col.default
    end
    return f
end

---------------------------------------------------------------------------
-- Matching

local function glob_eq(pattern, s, fold)
    if s == nil then
        return false
    end
    if fold then
        pattern, s = pattern:lower(), s:lower()
    end
    if select_.is_glob(pattern) then
        return s:find(select_.glob_pattern(pattern)) ~= nil
    end
    return pattern == s
end

local function split_dots(s)
    local parts = {}
    for p in (s .. "."):gmatch("(.-)%.") do
        parts[#parts + 1] = p
    end
    return parts
end

-- column = "col" | "table.col" | "schema.table.col", each part a glob.
local function column_matches(pattern, entry, col)
    local parts = split_dots(pattern)
    local have = {entry.schema, entry.name, col.name}
    if #parts > 3 then
        return false
    end
    for i = 1, #parts do
        if not glob_eq(parts[#parts - i + 1], have[#have - i + 1]) then
            return false
        end
    end
    return true
end

-- A guard given as one pattern or a list of them holds when one matches.
local function any_of(want, match, ...)
    local list = type(want) == "table" and want or {want}
    for _, w in ipairs(list) do
        if match(w, ...) then
            return true
        end
    end
    return false
end

local function type_matches(want, names)
    local list = type(want) == "table" and want or {want}
    for _, w in ipairs(list) do
        for _, n in ipairs(names) do
            if glob_eq(w, n, true) then
                return true
            end
        end
    end
    return false
end

local function typmod_matches(want, have)
    if have == nil then
        return false
    end
    local list = type(want) == "table" and want or {want}
    for i, v in ipairs(list) do
        if have[i] ~= v then
            return false
        end
    end
    return true
end

-- The source's default as written, or without its quotes ('abc' -> abc).
local function default_matches(want, have)
    if want == true or want == false then
        return (have ~= nil) == want
    end
    if have == nil then
        return false
    end
    if have == want then
        return true
    end
    local inner = have:match("^'(.*)'$")
    return inner ~= nil and inner:gsub("''", "'") == want
end

local function fail_rule(rule, msg)
    local _, file, line = M.origin(rule)
    error(require("migrate.errors").new("recipe", msg, file, line), 0)
end

--- True when every guard of rule holds for the column (facts from
-- M.facts).  A `when` that raises is a recipe error at the rule's line.
function M.matches(rule, entry, col, facts)
    facts = facts or M.facts(col, entry)
    if rule.type ~= nil and not type_matches(rule.type, facts.names) then
        return false
    end
    if rule.column ~= nil and not any_of(rule.column, column_matches, entry, col) then
        return false
    end
    if rule.table ~= nil and not any_of(rule.table, select_.matches, entry) then
        return false
    end
    if rule.typmod ~= nil and not typmod_matches(rule.typmod, facts.typmod) then
        return false
    end
    for _, flag in ipairs({"unsigned", "auto_increment", "not_null"}) do
        if rule[flag] ~= nil and rule[flag] ~= facts[flag] then
            return false
        end
    end
    if rule.default ~= nil and not default_matches(rule.default, facts.default) then
        return false
    end
    if rule.when then
        local ok, res = pcall(rule.when, col, entry)
        if not ok then
            local msg = type(res) == "table" and (res.msg or res.message) or res
            fail_rule(rule, string.format("%s: when failed on %s.%s.%s: %s", M.describe(rule),
                entry.schema, entry.name, col.name, tostring(msg)))
        end
        return res and true or false
    end
    return true
end

--- The first rule of rules matching the column, and its facts; nil when
-- none does.
function M.find(rules, entry, col)
    if not rules or #rules == 0 then
        return nil
    end
    local facts = M.facts(col, entry)
    for _, rule in ipairs(rules) do
        if M.matches(rule, entry, col, facts) then
            return rule, facts
        end
    end
    return nil
end

--- Apply a rule's actions to a plan column decision
-- d = {type, transform, default, not_null, identity (bool), serial (bool)}
-- and return it.  facts: the column's (for keep_typmod).
function M.apply(rule, d, facts)
    local t = rule.to or d.type
    if rule.drop_typmod then
        t = M.without_typmod(t)
    end
    if rule.keep_typmod then
        t = M.with_typmod(t, facts.typmod)
    end
    d.type = t
    if rule.using == false then
        d.transform = nil
    elseif rule.using ~= nil then
        d.transform = rule.using
    end
    if rule.drop_default then
        d.default = nil
    end
    if rule.drop_not_null then
        d.not_null = false
    end
    if rule.identity ~= nil then
        d.identity = rule.identity
    end
    return d
end

return M
