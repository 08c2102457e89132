-- migrate.select: choose the tables a recipe moves from the source catalog.
--
-- A catalog entry is {schema = "sales", name = "orders", kind = "table",
-- rows = ..., bytes = ..., columns = {...}, primary_key = {...}}; its key is
-- "schema.name" (just the name when the source has no schemas).
--
-- A selection is either an exact list {"public.a", "sales.b"} (each must
-- exist) or {include = {...}, exclude = {...}, where = function(entry),
-- kinds = {...}}.  include/exclude items are globs over the key ("*" any run
-- of characters, "?" one character; a glob without a dot matches the table
-- name in any schema) or {pattern = "lua pattern"} matched against the key.
-- include defaults to everything; kinds defaults to {"table",
-- "partitioned"} (the catalog's other kinds: "view", "matview", "foreign";
-- {"*"} takes all; entries without a kind count as tables).  An exact list
-- takes any kind.  Matching is case-sensitive.
local M = {}

--- The kinds a pattern selection takes unless it says otherwise.
M.DEFAULT_KINDS = {"table", "partitioned"}

local errors = require "migrate.errors"

-- Raise an error object {code = "select", msg = msg}.
local function fail(msg)
    errors.raise("select", msg)
end

--- "schema.name", or the name alone when the entry has no schema.
function M.key(entry)
    if entry.schema and entry.schema ~= "" then
        return entry.schema .. "." .. entry.name
    end
    return entry.name
end

local function before(a, b)
    local sa, sb = a.schema or "", b.schema or ""
    if sa ~= sb then
        return sa < sb
    end
    return a.name < b.name
end

--- A new list of the entries sorted by (schema, name).
function M.sort(entries)
    local out = {}
    for i, e in ipairs(entries) do
        out[i] = e
    end
    table.sort(out, before)
    return out
end

---------------------------------------------------------------------------
-- Close names, for "did you mean" hints

--- Edit distance (insert, delete, substitute, swap two neighbours).
function M.distance(a, b)
    local prev2, prev, cur = {}, {}, {}
    for j = 0, #b do
        prev[j] = j
    end
    for i = 1, #a do
        cur = {[0] = i}
        for j = 1, #b do
            local cost = a:byte(i) == b:byte(j) and 0 or 1
            local d = math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a:byte(i) == b:byte(j - 1) and a:byte(i - 1) == b:byte(j) then
                d = math.min(d, prev2[j - 2] + 1)
            end
            cur[j] = d
        end
        prev2, prev = prev, cur
    end
    return prev[#b]
end

--- Up to max (default 3) candidates close to word, closest first.
function M.close_names(word, candidates, max)
    local scored = {}
    local limit = #word <= 3 and 1 or (#word <= 8 and 2 or 3)
    for _, c in ipairs(candidates) do
        -- case differences count half
        local d = M.distance(word:lower(), c:lower())
        if M.distance(word, c) > d then
            d = d + 0.5
        end
        if d <= limit and c ~= word then
            scored[#scored + 1] = {c, d}
        end
    end
    table.sort(scored, function(x, y)
        if x[2] ~= y[2] then
            return x[2] < y[2]
        end
        return x[1] < y[1]
    end)
    local out = {}
    for i = 1, math.min(#scored, max or 3) do
        out[i] = scored[i][1]
    end
    return out
end

---------------------------------------------------------------------------
-- Globs and patterns

-- One UTF-8 character (or one stray byte).
local ONE_CHAR = "[%z\1-\127\192-\255][\128-\191]*"

--- The anchored Lua pattern for a glob.
function M.glob_pattern(glob)
    local out = {"^"}
    for i = 1, #glob do
        local c = glob:sub(i, i)
        if c == "*" then
            out[#out + 1] = ".*"
        elseif c == "?" then
            out[#out + 1] = ONE_CHAR
        elseif c:match("%W") then
            out[#out + 1] = "%" .. c
        else
            out[#out + 1] = c
        end
    end
    out[#out + 1] = "$"
    return table.concat(out)
end

--- True when s contains glob wildcards.
function M.is_glob(s)
    return s:find("[*?]") ~= nil
end

--- Describe a selection item for messages and plans.
function M.describe_item(item)
    if type(item) == "table" then
        return "{pattern = " .. string.format("%q", tostring(item.pattern)) .. "}"
    end
    return tostring(item)
end

--- A predicate for one include/exclude item: a glob string or
-- {pattern = "lua pattern"}.
function M.matcher(item)
    if type(item) == "string" then
        local pattern = M.glob_pattern(item)
        if item:find(".", 1, true) then
            return function(entry) return M.key(entry):find(pattern) ~= nil end
        end
        return function(entry) return entry.name:find(pattern) ~= nil end
    end
    if type(item) == "table" and type(item.pattern) == "string" then
        local ok, err = pcall(string.find, "", item.pattern)
        if not ok then
            fail("bad Lua pattern " .. M.describe_item(item) .. ": " .. tostring(err):gsub("^.-:%d+: ", ""))
        end
        return function(entry) return M.key(entry):find(item.pattern) ~= nil end
    end
    fail("a table selection item is a glob string or {pattern = \"lua pattern\"}, got " .. type(item))
end

--- True when entry matches the item (glob or {pattern = ...}).
function M.matches(item, entry)
    return M.matcher(item)(entry)
end

---------------------------------------------------------------------------
-- Selections

local function is_exact_list(spec)
    return spec[1] ~= nil and spec.include == nil and spec.exclude == nil and spec.where == nil
end

local function keys_of(entries)
    local keys = {}
    for i, e in ipairs(entries) do
        keys[i] = M.key(e)
    end
    return keys
end

local function not_found(want, entries)
    local hints = M.close_names(want, keys_of(entries))
    local names = {}
    for _, e in ipairs(entries) do
        names[#names + 1] = e.name
    end
    if #hints == 0 and not want:find(".", 1, true) then
        hints = M.close_names(want, names)
    end
    local msg = "table " .. want .. " not found in source"
    if #hints > 0 then
        msg = msg .. " (did you mean " .. table.concat(hints, ", ") .. "?)"
    end
    return msg
end

-- The entry named by want ("schema.name", or a name unique across schemas).
local function find_exact(want, by_key, by_name, entries)
    if by_key[want] then
        return by_key[want]
    end
    local found = not want:find(".", 1, true) and by_name[want]
    if found and #found == 1 then
        return found[1]
    elseif found and #found > 1 then
        local keys = keys_of(M.sort(found))
        return nil, "table " .. want .. " is ambiguous: say which one (" .. table.concat(keys, ", ") .. ")"
    end
    return nil, not_found(want, entries)
end

local function select_exact(entries, list)
    local by_key, by_name = {}, {}
    for _, e in ipairs(entries) do
        by_key[M.key(e)] = e
        by_name[e.name] = by_name[e.name] or {}
        table.insert(by_name[e.name], e)
    end
    local chosen, seen, problems = {}, {}, {}
    for _, want in ipairs(list) do
        if type(want) ~= "string" then
            fail("a table list holds \"schema.table\" strings, got " .. type(want))
        end
        local e, err = find_exact(want, by_key, by_name, entries)
        if e and not seen[e] then
            seen[e] = true
            chosen[#chosen + 1] = e
        elseif not e then
            problems[#problems + 1] = err
        end
    end
    if #problems > 0 then
        fail(table.concat(problems, "\n"))
    end
    return M.sort(chosen), {}
end

local function kind_filter(kinds)
    local set = {}
    for _, k in ipairs(kinds or M.DEFAULT_KINDS) do
        set[k] = true
    end
    return function(entry)
        return set["*"] or set[entry.kind or "table"] or false
    end
end

local function matchers(items, what)
    if items ~= nil and type(items) ~= "table" then
        fail("tables." .. what .. " expects a list of globs, got " .. type(items))
    end
    local list = {}
    for i, item in ipairs(items or {}) do
        list[i] = {item = item, match = M.matcher(item), used = false}
    end
    return list
end

local function any_match(list, entry)
    local hit = false
    for _, m in ipairs(list) do
        if m.match(entry) then
            m.used, hit = true, true
        end
    end
    return hit
end

local function call_where(where, entry)
    local ok, keep = pcall(where, entry)
    if not ok then
        fail("tables.where failed for " .. M.key(entry) .. ": " .. tostring(keep))
    end
    return keep
end

local function select_filtered(entries, spec)
    local include, exclude = matchers(spec.include, "include"), matchers(spec.exclude, "exclude")
    local kind_ok, where = kind_filter(spec.kinds), spec.where
    local chosen = {}
    for _, e in ipairs(M.sort(entries)) do
        local included = #include == 0 or any_match(include, e)
        if included and kind_ok(e) and not any_match(exclude, e) and (not where or call_where(where, e)) then
            chosen[#chosen + 1] = e
        end
    end
    local unmatched = {}
    for _, m in ipairs(include) do
        if not m.used then
            unmatched[#unmatched + 1] = M.describe_item(m.item)
        end
    end
    return chosen, unmatched
end

--- Choose tables from entries.  spec: nil (every table), an exact list, or
-- {include, exclude, where, kinds}.  Returns the chosen entries sorted by
-- (schema, name), and the include items that matched nothing.
function M.tables(entries, spec)
    if spec == nil then
        return select_filtered(entries, {})
    end
    if type(spec) ~= "table" then
        fail("a table selection is a list of names or {include = ..., exclude = ...}, got " .. type(spec))
    end
    if is_exact_list(spec) then
        return select_exact(entries, spec)
    end
    return select_filtered(entries, spec)
end

--- Keep only the entries in the named schemas (nil: all); a schema that
-- does not exist in the source is an error.
function M.schemas(entries, names)
    if names == nil then
        return entries
    end
    local present, wanted = {}, {}
    for _, e in ipairs(entries) do
        present[e.schema or ""] = true
    end
    local missing = {}
    for _, s in ipairs(names) do
        wanted[s] = true
        if not present[s] then
            missing[#missing + 1] = s
        end
    end
    if #missing > 0 then
        local all = {}
        for s in pairs(present) do
            all[#all + 1] = s
        end
        table.sort(all)
        local hints = M.close_names(missing[1], all)
        fail("schema " .. table.concat(missing, ", ") .. " not found in source"
            .. (#hints > 0 and " (did you mean " .. table.concat(hints, ", ") .. "?)" or "")
            .. " (schemas: " .. table.concat(all, ", ") .. ")")
    end
    local out = {}
    for _, e in ipairs(entries) do
        if wanted[e.schema or ""] then
            out[#out + 1] = e
        end
    end
    return out
end

return M
