-- migrate.recipe: the recipe model (version 1).
--
-- A recipe file is ordinary Lua that returns m.recipe{...}.  recipe()
-- validates the description and returns the normalised recipe: the same
-- fields with defaults filled in, marked as a recipe by its metatable.
-- Mistakes are raised as error objects {code = "recipe", msg, file, line}
-- whose tostring is "file:line: msg"; the line is the one where the
-- offending option is written, found by reading the recipe's source text.
-- ${name} strings stay unexpanded; recipe.expand() expands them with the
-- parameters (recipe defaults overridden by key=value on the command line).
local cast = require "migrate.cast"
local naming = require "migrate.naming"
local select_ = require "migrate.select"
local template = require "migrate.template"

local M = {}

M.VERSION = 1

--- Parameters from the command line; the same table is m.params.  It is
-- refilled by load(): while the recipe file runs it holds the command-line
-- values (which override desc.params), afterwards the recipe's merged
-- parameters.  m.recipe() outside load() uses desc.params alone.
M.params = {}

local errors = require "migrate.errors"

--- A recipe error object: {code = "recipe", msg = msg, file = file, line = line}.
function M.error(msg, file, line)
    return errors.new("recipe", msg, file, line)
end

local function quoted(s)
    return (string.format("%q", tostring(s)):gsub("\\\n", "\\n"))
end

local function is_identifier(s)
    return type(s) == "string" and s:match("^[%a_][%w_]*$") ~= nil
end

---------------------------------------------------------------------------
-- Finding the line of an option in the recipe's source text

local function count_lines(src, a, b)
    local _, n = src:sub(a, b):gsub("\n", "")
    return n
end

-- End of the long bracket opened at i ("[==[" with eq "=="), or #src.
local function long_end(src, i, eq)
    local close = src:find("]" .. eq .. "]", i, true)
    return close and close + #eq + 1 or #src
end

local function quoted_end(src, i, q)
    local j = i + 1
    while j <= #src do
        local c = src:sub(j, j)
        if c == "\\" then
            j = j + 2
        elseif c == q or c == "\n" then
            return j
        else
            j = j + 1
        end
    end
    return #src
end

local OPS = {"...", "..", "==", "~=", "<=", ">=", "::"}

local function op_at(src, i)
    for _, op in ipairs(OPS) do
        if src:sub(i, i + #op - 1) == op then
            return op
        end
    end
    return src:sub(i, i)
end

-- Lua tokens of src: {t = "name"|"string"|"number"|"op", v = text, line = n}.
-- Comments and whitespace are skipped; string values are the raw text
-- between the quotes.
local function tokenize(src)
    local toks, i, line = {}, 1, 1
    local function add(t, v, stop)
        toks[#toks + 1] = {t = t, v = v, line = line}
        line = line + count_lines(src, i, stop)
        i = stop + 1
    end
    while i <= #src do
        local c = src:sub(i, i)
        if c == "\n" then
            line, i = line + 1, i + 1
        elseif c:match("%s") then
            i = i + 1
        elseif src:sub(i, i + 1) == "--" then
            local eq = src:match("^%[(=*)%[", i + 2)
            local stop = eq and long_end(src, i, eq) or ((src:find("\n", i, true) or #src + 1) - 1)
            line = line + count_lines(src, i, stop)
            i = stop + 1
        elseif src:match("^%[=*%[", i) then
            local eq = src:match("^%[(=*)%[", i)
            local stop = long_end(src, i, eq)
            add("string", src:sub(i + #eq + 2, stop - #eq - 2), stop)
        elseif c == '"' or c == "'" then
            local stop = quoted_end(src, i, c)
            add("string", src:sub(i + 1, stop - 1), stop)
        elseif c:match("[%a_]") then
            local stop = select(2, src:find("^[%w_]*", i + 1))
            add("name", src:sub(i, stop), stop)
        elseif c:match("%d") then
            local stop = select(2, src:find("^[%w_%.]*", i + 1))
            add("number", src:sub(i, stop), stop)
        else
            local op = op_at(src, i)
            add("op", op, i + #op - 1)
        end
    end
    toks[#toks + 1] = {t = "eof", v = "", line = line}
    return toks
end

local function is_op(tok, v)
    return tok ~= nil and tok.t == "op" and tok.v == v
end

-- The line of the "}" closing the constructor opened at toks[open].
local function closing_line(toks, open)
    local depth = 0
    for i = open, #toks do
        if is_op(toks[i], "{") then
            depth = depth + 1
        elseif is_op(toks[i], "}") then
            depth = depth - 1
            if depth == 0 then
                return toks[i].line
            end
        end
    end
    return toks[#toks].line
end

local OPENERS = {["{"] = true, ["("] = true, ["["] = true}
local CLOSERS = {["}"] = true, [")"] = true, ["]"] = true}

-- In `extend(base, {`: the index of the "{" opening the second argument
-- (the overrides), or nil when it is not a table constructor.
local function second_argument(toks, paren)
    local depth = 0
    for i = paren + 1, #toks do
        local t = toks[i]
        if t.t == "eof" then
            return nil
        elseif t.t == "op" and OPENERS[t.v] then
            depth = depth + 1
        elseif t.t == "op" and CLOSERS[t.v] then
            if depth == 0 then
                return nil
            end
            depth = depth - 1
        elseif depth == 0 and is_op(t, ",") then
            return is_op(toks[i + 1], "{") and i + 1 or nil
        end
    end
end

-- Index of the "{" of the recipe{...} call: the `recipe {` or `recipe({`
-- whose text spans call_line, or the first one when call_line is nil.
-- With name "extend", the overrides table of an `extend(base, {...})`.
local function find_call(toks, call_line, name)
    local best
    for i = 1, #toks - 2 do
        local t = toks[i]
        if t.t == "name" and t.v == (name or "recipe") then
            local open
            if name == "extend" then
                open = is_op(toks[i + 1], "(") and second_argument(toks, i + 1)
            else
                open = is_op(toks[i + 1], "{") and i + 1
                    or (is_op(toks[i + 1], "(") and is_op(toks[i + 2], "{") and i + 2)
            end
            if open and not call_line then
                return open
            elseif open and t.line <= call_line and closing_line(toks, open) >= call_line then
                best = open
            end
        end
    end
    return best
end

-- In the table constructor opened at toks[open], the field key (a string
-- key, or a number for the n-th positional field).  Returns the index of
-- the field's value and the line of the field, or nil.
local function find_field(toks, open, key)
    local depth, at_start, count, i = 0, true, 0, open + 1
    while toks[i].t ~= "eof" do
        local t = toks[i]
        if t.t == "op" and OPENERS[t.v] then
            if depth == 0 and at_start then
                if t.v == "[" and toks[i + 1].v == key and is_op(toks[i + 2], "]") and is_op(toks[i + 3], "=") then
                    return i + 4, t.line
                elseif t.v ~= "[" then
                    count = count + 1
                    if count == key then
                        return i, t.line
                    end
                end
            end
            depth, at_start = depth + 1, false
        elseif t.t == "op" and CLOSERS[t.v] then
            if depth == 0 then
                return nil
            end
            depth = depth - 1
        elseif depth == 0 and (is_op(t, ",") or is_op(t, ";")) then
            at_start = true
        elseif depth == 0 and at_start then
            if t.t == "name" and is_op(toks[i + 1], "=") then
                if t.v == key then
                    return i + 2, t.line
                end
            else
                count = count + 1
                if count == key then
                    return i, t.line
                end
            end
            at_start = false
        end
        i = i + 1
    end
end

local function read_file(path)
    local f = path and io.open(path, "rb")
    if not f then
        return nil
    end
    local src = f:read("*a")
    f:close()
    return src
end

-- The line where the option at path (a list of keys) is written in the
-- recipe{...} call; the call line when it cannot be found.
local function locate(st, path)
    if st.toks == nil then
        local src = read_file(st.file)
        st.toks = src and tokenize(src) or false
    end
    local open = st.toks and find_call(st.toks, st.call_line, st.call_name)
    if not open then
        return st.call_line
    end
    local line = st.call_line or st.toks[open].line
    for _, key in ipairs(path) do
        local value, key_line = find_field(st.toks, open, key)
        if not value then
            break
        end
        line = key_line
        if not is_op(st.toks[value], "{") then
            break
        end
        open = value
    end
    return line
end

---------------------------------------------------------------------------
-- Validation

local MAP_OPTIONS = {table_options = true, rename = true, cast = true, add = true, params = true,
                     normalize = true}

-- For each position of path: true when that key is a key of a map option
-- (a table name in table_options, a column in rename ...), not an option.
local function map_keys(path)
    local flags = {}
    for i = 2, #path do
        flags[i] = MAP_OPTIONS[path[i - 1]] and not flags[i - 1] or false
    end
    return flags
end

-- "table_options[\"sales.orders\"].rename" for the first n keys of path.
local function render(path, n)
    local out, flags = {}, map_keys(path)
    for i = 1, n do
        local k = path[i]
        if i == 1 then
            out[1] = tostring(k)
        elseif type(k) == "number" then
            out[#out + 1] = "[" .. k .. "]"
        elseif flags[i] or not is_identifier(k) then
            out[#out + 1] = "[" .. quoted(k) .. "]"
        else
            out[#out + 1] = "." .. k
        end
    end
    return table.concat(out)
end

-- "option 'policy' in table_options[\"sales.orders\"]": the innermost
-- option of path (list items and map keys belong to their option).
local function option_text(path)
    local n, flags = #path, map_keys(path)
    while n > 1 and (type(path[n]) == "number" or flags[n]) do
        n = n - 1
    end
    local text = "option '" .. tostring(path[n]) .. "'"
    if n > 1 then
        text = text .. " in " .. render(path, n - 1)
    end
    return text
end

local function fail(st, path, msg)
    error(M.error(msg, st.file, locate(st, path)), 0)
end

local function extend(path, key)
    local p = {}
    for i, k in ipairs(path) do
        p[i] = k
    end
    p[#p + 1] = key
    return p
end

local function describe_value(v)
    if type(v) == "string" then
        return quoted(#v > 40 and v:sub(1, 37) .. "..." or v)
    end
    return type(v)
end

-- Checkers: function(v, path, st) that raise on a bad value (v is never
-- nil) and may return a normalised value.
local C = {}
M.checks = C

local function typed(tname, expects)
    return function(v, path, st)
        if type(v) ~= tname then
            fail(st, path, option_text(path) .. " expects " .. expects .. ", got " .. type(v))
        end
    end
end

C.string = typed("string", "a string")
C.boolean = typed("boolean", "true or false")
C.fn = typed("function", "a function")

function C.integer(min)
    local expects = min == 0 and "a whole number >= 0" or "a whole number >= " .. min
    return function(v, path, st)
        if type(v) ~= "number" or v % 1 ~= 0 or v < min then
            fail(st, path, option_text(path) .. " expects " .. expects .. ", got " .. describe_value(v)
                .. (type(v) == "number" and " " .. v or ""))
        end
    end
end

function C.enum(...)
    local values, shown = {...}, {}
    for i, v in ipairs(values) do
        shown[i] = quoted(v)
    end
    return function(v, path, st)
        for _, ok in ipairs(values) do
            if v == ok then
                return
            end
        end
        local hint = type(v) == "string" and select_.close_names(v, values, 1)[1]
        fail(st, path, option_text(path) .. " expects one of " .. table.concat(shown, ", ") .. ", got "
            .. describe_value(v) .. (hint and " (did you mean " .. quoted(hint) .. "?)" or ""))
    end
end

-- The first key of t that is not 1..#t, or nil when t is a list.
local function non_list_key(t)
    local n = #t
    for k in pairs(t) do
        if type(k) ~= "number" or k < 1 or k > n or k % 1 ~= 0 then
            return k
        end
    end
end

-- A list whose items satisfy pred(item) -> true | false.
function C.list(pred, expects, nonempty)
    return function(v, path, st)
        if type(v) ~= "table" then
            fail(st, path, option_text(path) .. " expects " .. expects .. ", got " .. type(v))
        end
        local bad = non_list_key(v)
        if bad ~= nil then
            fail(st, extend(path, bad), option_text(path) .. " expects " .. expects
                .. ", but it has the key " .. quoted(bad))
        end
        if nonempty and #v == 0 then
            fail(st, path, option_text(path) .. " expects " .. expects .. ", got an empty list")
        end
        for i, item in ipairs(v) do
            if not pred(item) then
                fail(st, extend(path, i), option_text(path) .. " expects " .. expects .. ", but item " .. i
                    .. " is " .. describe_value(item))
            end
        end
    end
end

local function is_name(v)
    return type(v) == "string" and v ~= ""
end

-- A map from non-empty string keys to values satisfying check.
function C.map(check, expects)
    return function(v, path, st)
        if type(v) ~= "table" then
            fail(st, path, option_text(path) .. " expects " .. expects .. ", got " .. type(v))
        end
        local keys = {}
        for k in pairs(v) do
            if not is_name(k) then
                fail(st, path, option_text(path) .. " expects " .. expects .. ", but it has the key "
                    .. (type(k) == "string" and '""' or tostring(k)))
            end
            keys[#keys + 1] = k
        end
        table.sort(keys)
        for _, k in ipairs(keys) do
            check(v[k], extend(path, k), st)
        end
    end
end

local function field_names(fields)
    local names = {}
    for _, f in ipairs(fields) do
        names[#names + 1] = f[1]
    end
    return names
end

local function unknown_key(st, path, k, fields)
    local where = #path > 0 and " in " .. render(path, #path) or ""
    if type(k) ~= "string" then
        fail(st, extend(path, k), "unexpected value at [" .. tostring(k) .. "]" .. where
            .. "; options are written name = value")
    end
    local names = field_names(fields)
    local hint = select_.close_names(k, names, 1)[1]
    table.sort(names)
    fail(st, extend(path, k), "unknown option '" .. k .. "'" .. where
        .. (hint and " (did you mean '" .. hint .. "'?)" or " (options: " .. table.concat(names, ", ") .. ")"))
end

-- A table of named options.  fields: list of {name, checker, required}.
-- Unknown keys are errors, with a "did you mean".  Returns a copy with the
-- checkers' normalised values.
function C.record(fields, expects)
    local by_name = {}
    for _, f in ipairs(fields) do
        by_name[f[1]] = f
    end
    return function(v, path, st)
        if type(v) ~= "table" then
            fail(st, path, (#path > 0 and option_text(path) .. " expects " or "expected ") .. expects
                .. ", got " .. type(v))
        end
        local keys = {}
        for k in pairs(v) do
            keys[#keys + 1] = k
        end
        table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
        for _, k in ipairs(keys) do
            if not by_name[k] then
                unknown_key(st, path, k, fields)
            end
        end
        local out = {}
        for k, item in pairs(v) do
            out[k] = item
        end
        for _, f in ipairs(fields) do
            local name, check, required = f[1], f[2], f[3]
            if v[name] == nil and required then
                fail(st, path, option_text(extend(path, name)) .. " is required")
            elseif v[name] ~= nil then
                local norm = check(v[name], extend(path, name), st)
                if norm ~= nil then
                    out[name] = norm
                end
            end
        end
        return out
    end
end

-- Naming rules: a list of rule objects or functions (one rule alone is
-- accepted and wrapped in a list).
function C.rules(v, path, st)
    if naming.is_callable(v) then
        return {v}
    end
    if type(v) ~= "table" then
        fail(st, path, option_text(path) .. " expects a list of rules, got " .. type(v))
    end
    C.list(naming.is_callable, "a list of rules")(v, path, st)
end

local function param_hint(st, name)
    local known = {}
    for k in pairs(st.params) do
        known[#known + 1] = k
    end
    local hint = select_.close_names(name, known, 1)[1]
    return hint and " (did you mean '" .. hint .. "'?)" or ""
end

-- A string that may hold ${name} placeholders; builtins are the names
-- allowed besides the parameters.
function C.template(builtins)
    local allowed = {}
    for _, b in ipairs(builtins or {}) do
        allowed[b] = true
    end
    return function(v, path, st)
        C.string(v, path, st)
        local ok, names = pcall(template.names, v)
        if not ok then
            fail(st, path, option_text(path) .. ": " .. tostring(names.msg or names))
        end
        for _, name in ipairs(names) do
            if not allowed[name] and st.params[name] == nil then
                fail(st, path, option_text(path) .. " uses ${" .. name .. "}, but no parameter '" .. name
                    .. "' is given" .. param_hint(st, name) .. " (pass " .. name
                    .. "=... on the command line, or set a default in params)")
            end
        end
    end
end

-- A glob string, or {pattern = "lua pattern"} with a pattern that compiles.
local function is_selection_item(item)
    if type(item) == "string" then
        return item ~= ""
    end
    if type(item) ~= "table" or type(item.pattern) ~= "string" then
        return false
    end
    for k in pairs(item) do
        if k ~= "pattern" then
            return false
        end
    end
    return (pcall(string.find, "", item.pattern))
end

local selection_items = C.list(is_selection_item, "a list of globs or {pattern = \"lua pattern\"}")
local string_list = C.list(is_name, "a list of names")

local selection_record = C.record({
    {"include", selection_items},
    {"exclude", selection_items},
    {"where", C.fn},
    {"kinds", string_list},
}, "a list of tables or {include = ..., exclude = ..., where = ...}")

-- tables = {"public.a", "sales.b"} or {include = ..., exclude = ..., where = ...}
function C.tables(v, path, st)
    if type(v) == "table" and v[1] ~= nil and v.include == nil and v.exclude == nil and v.where == nil then
        C.list(is_name, "a list of \"schema.table\" names")(v, path, st)
        return
    end
    return selection_record(v, path, st)
end

local function is_scalar(v)
    local t = type(v)
    return t == "string" or t == "number" or t == "boolean"
end

function C.params(v, path, st)
    C.map(function(item, p, s)
        if not is_identifier(p[#p]) then
            fail(s, p, "parameter name " .. quoted(p[#p]) .. " cannot be used in ${...}; use letters, digits and _")
        end
        if not is_scalar(item) then
            fail(s, p, "parameter '" .. p[#p] .. "' expects a string, number or boolean, got " .. type(item))
        end
    end, "a map of parameter names to values")(v, path, st)
end

local hook_names = {"before_run", "after_run", "before_table", "after_table"}
local hook_fields = {}
for i, name in ipairs(hook_names) do
    hook_fields[i] = {name, C.fn}
end

local added_column = C.record({
    {"type", C.string, true},
    {"expr", C.template(), true},
    {"not_null", C.boolean},
    {"default", C.string},
}, "{type = \"sql type\", expr = \"sql expression\"}")

local policy = C.enum("overwrite", "append", "upsert")
local conflict = C.enum("error", "update", "skip")
local create = C.enum("missing", "recreate", "never")

-- normalize = {column = "sql template"}: verify hashes each target column
-- through its template on both sides; %s stands for the quoted column.
local NORMALIZE_EXPECTS = "a map of target column names to SQL expressions holding %s"

function C.normalize(v, path, st)
    C.map(function(item, p, s)
        if type(item) ~= "string" or not item:find("%s", 1, true) then
            fail(s, p, option_text(p) .. " expects " .. NORMALIZE_EXPECTS .. ", but [" .. quoted(p[#p])
                .. "] is " .. describe_value(item) .. (type(item) == "string" and " (no %s)" or ""))
        end
    end, NORMALIZE_EXPECTS)(v, path, st)
end

-- A non-empty string (an encoding or time zone name).
local function nonempty(expects)
    return function(v, path, st)
        if not is_name(v) then
            fail(st, path, option_text(path) .. " expects " .. expects .. ", got " .. describe_value(v))
        end
    end
end

-- Options allowed both at the top level (as defaults) and per table.
local shared_fields = {
    {"policy", policy},
    {"conflict", conflict},
    {"create", create},
    {"target_schema", C.template({"schema", "table", "source_type", "target_type"})},
    {"column_naming", C.rules},
    {"indexes", C.boolean},
    {"foreign_keys", C.boolean},
    {"reset_sequences", C.boolean},
    {"chunk_rows", C.integer(1)},
    {"fetch_rows", C.integer(1)},
    {"batch_rows", C.integer(1)},
    {"normalize", C.normalize},
    {"split", C.fn},
    {"timeout", C.integer(1)},
    {"reruns", C.integer(0)},
    {"rerun_interval", C.integer(0)},
    {"source_encoding", nonempty("an encoding name (\"latin1\", \"gbk\" ...)")},
    {"source_timezone", nonempty("a time zone name (\"Europe/Paris\", \"UTC\" ...)")},
}

-- A checker for the values of a map of names to non-empty strings.
local function map_value(expects)
    return function(v, p, s)
        if not is_name(v) then
            fail(s, p, option_text(p) .. " expects " .. expects .. ", but [" .. quoted(p[#p]) .. "] is "
                .. describe_value(v))
        end
    end
end

local function with_shared(fields)
    local out = {}
    for _, f in ipairs(shared_fields) do
        out[#out + 1] = f
    end
    for _, f in ipairs(fields) do
        out[#out + 1] = f
    end
    return out
end

M.table_fields = with_shared({
    {"key", C.list(is_name, "a list of column names", true)},
    {"filter", C.template()},
    {"rename", C.map(map_value("a map of column names to new names"), "a map of column names to new names")},
    {"drop", C.list(is_name, "a list of column names")},
    {"add", C.map(added_column, "a map of column names to {type = ..., expr = ...}")},
    {"target", C.template({"schema", "table", "source_type", "target_type"})},
    {"cast", C.map(map_value("a map of column names to SQL types"), "a map of column names to SQL types")},
    {"after", C.list(is_name, "a list of \"schema.table\" source names")},
})

-- Checks between the options of one table_options entry.
local function check_table_entry(key, opts, path, st)
    if opts.target ~= nil and select_.is_glob(key) then
        fail(st, extend(path, "target"), option_text(extend(path, "target"))
            .. " names one table, so its key must not be a glob")
    end
    local dropped = {}
    for _, col in ipairs(opts.drop or {}) do
        dropped[col] = true
    end
    for _, opt in ipairs({"rename", "cast"}) do
        for col in pairs(opts[opt] or {}) do
            if dropped[col] then
                fail(st, extend(extend(path, opt), col), "column '" .. col .. "' in " .. render(path, #path)
                    .. " is both dropped and in " .. opt)
            end
        end
    end
end

local table_entry = C.record(M.table_fields, "a table of options")

function C.table_options(v, path, st)
    local out = {}
    C.map(function(opts, p, s)
        local norm = table_entry(opts, p, s)
        check_table_entry(p[#p], norm, p, s)
        out[p[#p]] = norm
    end, "a map of \"schema.table\" (or globs) to options")(v, path, st)
    return out
end

function C.version(v, path, st)
    if v ~= M.VERSION then
        fail(st, path, option_text(path) .. " expects " .. M.VERSION .. " (the recipe version this migrate knows), got "
            .. describe_value(v) .. (type(v) == "number" and " " .. v or ""))
    end
end

---------------------------------------------------------------------------
-- type_rules (matched and applied by migrate.cast)

local function whole(v)
    return type(v) == "number" and v % 1 == 0 and v >= 0
end

-- type = "datetime" or {"tinyint", "smallint"}: names without "(..)".
local function check_rule_type(v, path, st)
    local list = type(v) == "table" and v or {v}
    if type(v) == "table" then
        C.list(is_name, "a type name or a list of type names", true)(v, path, st)
    elseif not is_name(v) then
        fail(st, path, option_text(path) .. " expects a type name or a list of type names, got " .. describe_value(v))
    end
    for _, t in ipairs(list) do
        local base, mod = t:match("^(.-)%s*%((.*)%)")
        if base then
            fail(st, path, option_text(path) .. " expects a type name without \"(..)\", got " .. quoted(t)
                .. " (write type = " .. quoted(base) .. ", typmod = " .. (mod:find(",", 1, true)
                and "{" .. mod .. "}" or mod) .. ")")
        end
    end
end

-- column = "t.c" or {"t.c", "u.*"}: a name or glob, or a list of them.
local function rule_name(v, path, st)
    if type(v) == "table" then
        C.list(is_name, "a name or a glob, or a list of them", true)(v, path, st)
    elseif not is_name(v) then
        fail(st, path, option_text(path) .. " expects a name or a glob, or a list of them, got " .. describe_value(v))
    end
end

local function check_rule_typmod(v, path, st)
    local ok = whole(v)
    if type(v) == "table" then
        ok = #v >= 1 and #v <= 2 and non_list_key(v) == nil and whole(v[1]) and (v[2] == nil or whole(v[2]))
    end
    if not ok then
        fail(st, path, option_text(path) .. " expects a whole number or {precision, scale}, got "
            .. describe_value(v))
    end
end

local function check_rule_default(v, path, st)
    if type(v) ~= "string" and type(v) ~= "boolean" then
        fail(st, path, option_text(path) .. " expects the source's default as a string, or true (has one) or"
            .. " false (has none), got " .. type(v))
    end
end

local function check_rule_to(v, path, st)
    if type(v) ~= "string" or v:match("^%s*$") then
        fail(st, path, option_text(path) .. " expects a target type, got "
            .. (type(v) == "string" and "an empty string" or type(v)))
    end
end

local function check_rule_using(v, path, st)
    if v == false then
        return
    end
    if type(v) ~= "string" then
        fail(st, path, option_text(path) .. " expects a transform name, or false (no transform), got " .. type(v))
    end
    local problem = cast.check_transform(v)
    if problem then
        fail(st, path, option_text(path) .. ": " .. problem)
    end
end

local type_rule = C.record({
    {"type", check_rule_type},
    {"column", rule_name},
    {"table", rule_name},
    {"typmod", check_rule_typmod},
    {"unsigned", C.boolean},
    {"auto_increment", C.boolean},
    {"not_null", C.boolean},
    {"default", check_rule_default},
    {"when", C.fn},
    {"to", check_rule_to},
    {"keep_typmod", C.boolean},
    {"drop_typmod", C.boolean},
    {"using", check_rule_using},
    {"drop_default", C.boolean},
    {"drop_not_null", C.boolean},
    {"identity", C.boolean},
}, "a rule {type = ..., to = ...}")

-- A list of rules; each remembers its index and line (cast.origin).
function C.type_rules(v, path, st)
    C.list(function(item) return type(item) == "table" end, "a list of rules {type = ..., to = ...}")(v, path, st)
    local out = {}
    for i, rule in ipairs(v) do
        local p = extend(path, i)
        local norm = type_rule(rule, p, st)
        local acts = false
        for _, a in ipairs(cast.ACTIONS) do
            acts = acts or norm[a] ~= nil
        end
        if not acts then
            fail(st, p, render(p, #p) .. " has no action (" .. table.concat(cast.ACTIONS, ", ") .. ")")
        end
        if norm.keep_typmod and norm.drop_typmod then
            fail(st, extend(p, "drop_typmod"), render(p, #p) .. " sets both keep_typmod and drop_typmod")
        end
        out[i] = norm
        cast.register(norm, i, st.file, locate(st, p))
    end
    return out
end

M.top_fields = with_shared({
    {"version", C.version},
    {"name", C.string},
    {"description", C.string},
    {"source", C.template(), true},
    {"target", C.template(), true},
    {"schemas", C.list(is_name, "a list of schema names")},
    {"tables", C.tables},
    {"naming", C.rules},
    {"quote_names", C.boolean},
    {"stop_on_error", C.boolean},
    {"reject_dir", C.template()},
    {"max_rejects", C.integer(0)},
    {"workers", C.integer(1)},
    {"max_tasks", C.integer(1)},
    {"wave_size", C.integer(1)},
    {"lease", C.integer(1)},
    {"retries", C.integer(0)},
    {"params", C.params},
    {"table_options", C.table_options},
    {"type_rules", C.type_rules},
    {"hooks", C.record(hook_fields, "a table of hook functions")},
})

M.defaults = {
    create = "missing", policy = "overwrite", conflict = "update",
    indexes = true, foreign_keys = true, reset_sequences = true,
    quote_names = false, stop_on_error = false, target_schema = "${schema}",
}

---------------------------------------------------------------------------
-- Parameters

-- Convert a command-line string to the type of the recipe's default.
local function coerce(name, value, default, st)
    if type(value) ~= "string" or default == nil or type(default) == "string" then
        return value
    end
    if type(default) == "number" and tonumber(value) then
        return tonumber(value)
    elseif type(default) == "boolean" and (value == "true" or value == "false") then
        return value == "true"
    end
    fail(st, {"params", name}, "parameter '" .. name .. "' expects a " .. type(default)
        .. " (its default is " .. tostring(default) .. "), got " .. quoted(value))
end

local function merge_params(defaults, given, st)
    local merged = {}
    for k, v in pairs(defaults or {}) do
        merged[k] = v
    end
    for k, v in pairs(given) do
        if not is_identifier(k) or not is_scalar(v) then
            fail(st, {}, "bad parameter " .. quoted(k) .. "=" .. tostring(v)
                .. ": names are letters, digits and _, values strings, numbers or booleans")
        end
        merged[k] = coerce(k, v, merged[k], st)
    end
    return merged
end

---------------------------------------------------------------------------
-- The recipe

local recipe_mt = {__name = "migrate.recipe"}
local origins = setmetatable({}, {__mode = "k"})
local loading -- {path = ...} while load() runs a recipe file

--- True when x was made by recipe().
function M.is_recipe(x)
    return getmetatable(x) == recipe_mt
end

--- Where the recipe was made: file, line.
function M.origin(r)
    local o = origins[r] or {}
    return o.file, o.line
end

local run_chunk -- defined below; recognised on the stack
local run_module -- likewise: a library module (or base function) running
local module_paths = {} -- the files of the run_module frames, innermost last

-- "@/path/to/lua/migrate/": frames from the stdlib itself (m.try, say) are
-- not where a recipe was written.
local stdlib_prefix = debug.getinfo(1, "S").source:match("^(.*/)[^/]*$")

-- File and line of the code that called recipe().  A recipe file that ends
-- in `return m.recipe{...}` makes a tail call, which leaves no frame: then
-- the file is the one load() is running and the line is found in the text.
local function caller()
    for level = 3, 40 do
        local info = debug.getinfo(level, "Slf")
        if not info then
            break
        end
        if info.func == run_chunk and loading then
            return loading.path, nil
        end
        if info.func == run_module and #module_paths > 0 then
            return module_paths[#module_paths], nil
        end
        local own = stdlib_prefix and info.source:sub(1, #stdlib_prefix) == stdlib_prefix
        if info.what ~= "C" and not own then
            local file = info.source:match("^@(.*)")
            return file or info.short_src, file and info.currentline or nil
        end
    end
    return loading and loading.path, nil
end

local function fill_defaults(r)
    for k, v in pairs(M.defaults) do
        if r[k] == nil then
            r[k] = v
        end
    end
    r.naming = r.naming or {}
    r.column_naming = r.column_naming or {}
    r.table_options = r.table_options or {}
    r.hooks = r.hooks or {}
    r.tables = r.tables or {}
    r.type_rules = r.type_rules or {}
    r.version = M.VERSION
end

--- Validate a recipe description and return the normalised recipe.
-- Raises a recipe error object naming the file and line of the mistake.
function M.recipe(desc)
    if M.is_recipe(desc) then
        return desc
    end
    local file, line = caller()
    local st = {file = file, call_line = line}
    if type(desc) ~= "table" then
        fail(st, {}, "m.recipe expects a table of options, got " .. type(desc))
    end
    if desc.params ~= nil then
        C.params(desc.params, {"params"}, st)
    end
    -- command-line parameters apply to the recipe file load() runs
    st.params = merge_params(desc.params, loading and M.params or {}, st)
    local r = C.record(M.top_fields, "a table of options")(desc, {}, st)
    r.params = st.params
    fill_defaults(r)
    origins[r] = {file = st.file, line = st.call_line or locate(st, {})}
    return setmetatable(r, recipe_mt)
end

---------------------------------------------------------------------------
-- Loading a recipe file

local function fill_params(values)
    for k in pairs(M.params) do
        M.params[k] = nil
    end
    for k, v in pairs(values or {}) do
        M.params[k] = v
    end
end

-- "path:12: message" -> a recipe error object for that file and line.
local function from_message(msg, path)
    local file, line, text = tostring(msg):match("^(.-):(%d+): (.*)$")
    if file then
        -- Lua shortens a long chunk name to "...tail": name the whole path
        local tail = file:match("^%.%.%.(.*)$")
        if tail and path and path:sub(-#tail) == tail then
            file = path
        end
        return M.error(text, file, tonumber(line))
    end
    return M.error(tostring(msg), path)
end

-- Not a tail call, so that its frame stays on the stack for caller().
run_chunk = function(chunk)
    local ok, result = pcall(chunk)
    return ok, result
end

--- Load and validate the recipe file at path.  params: key=value strings
-- from the command line; they override the recipe's params and are m.params
-- while the file runs.  Raises recipe error objects.
function M.load(path, params)
    fill_params(params)
    local chunk, err = loadfile(path)
    if not chunk then
        err = tostring(err)
        if err:sub(1, 7) == "cannot " then
            local reason = err:match(":%s*([^:]+)$") or err
            error(M.error("cannot read the recipe file (" .. reason .. ")", path), 0)
        end
        error(from_message(err, path), 0)
    end
    local saved = loading
    loading = {path = path}
    local ok, result = run_chunk(chunk)
    loading = saved
    if not ok then
        error(type(result) == "table" and result or from_message(result, path), 0)
    end
    if not M.is_recipe(result) then
        error(M.error("the recipe must return m.recipe{...}", path), 0)
    end
    fill_params(result.params)
    return result
end

-- A module found on package.path runs through run_module, so that a
-- library recipe ending in `return m.recipe{...}` (a tail call: the
-- module's own frame is gone) is known by its own file, not by the file
-- that required it.  Otherwise the same as Lua's own searcher.
run_module = function(path, fn, ...)
    module_paths[#module_paths + 1] = path
    local r = {n = select("#", ...) + 1, pcall(fn, ...)}
    module_paths[#module_paths] = nil
    if not r[1] then
        error(r[2], 0)
    end
    return unpack(r, 2, r.n)
end

local function lua_searcher(name)
    local path, err = package.searchpath(name, package.path)
    if not path then
        return err
    end
    local chunk, lerr = loadfile(path)
    if not chunk then
        error(string.format("error loading module '%s' from file '%s':\n\t%s", name, path, lerr), 0)
    end
    return function(...)
        return run_module(path, chunk, ...)
    end
end

package.loaders[2] = lua_searcher

---------------------------------------------------------------------------
-- Extending a recipe: m.extend(base, overrides)

local replace_mt = {__name = "migrate.replace_list"}

--- m.replace_list{...}: in extend's overrides, a type_rules, naming or
-- column_naming list that replaces the base's list instead of coming
-- before it.
function M.replace_list(list)
    local out = {}
    for i, v in ipairs(type(list) == "table" and list or {}) do
        out[i] = v
    end
    if type(list) ~= "table" then
        out = list -- validated (and refused) where it is used
    end
    return type(out) == "table" and setmetatable(out, replace_mt) or out
end

local supers = {} -- the base hook of each running override hook (false: none)

--- m.super(...): inside a hook given to extend(), call the base recipe's
-- hook of the same name with these arguments; returns what it returns
-- (nothing when the base has no such hook).
function M.super(...)
    local top = #supers
    if top == 0 then
        error(M.error("m.super() is called outside a hook given to m.extend()"), 0)
    end
    local base = supers[top]
    if not base then
        return
    end
    -- while the base hook runs, its own m.super() finds no further base
    supers[top] = false
    local r = {n = select("#", ...) + 1, pcall(base, ...)}
    supers[top] = base
    if not r[1] then
        error(r[2], 0)
    end
    return unpack(r, 2, r.n)
end

-- An override hook, run with its base hook reachable through m.super().
local function chain_hook(override, base)
    return function(...)
        supers[#supers + 1] = base or false
        local r = {n = select("#", ...) + 1, pcall(override, ...)}
        supers[#supers] = nil
        if not r[1] then
            error(r[2], 0)
        end
        return unpack(r, 2, r.n)
    end
end

-- Every top-level option, none required (the base has them).
local override_fields = {}
for i, f in ipairs(M.top_fields) do
    override_fields[i] = {f[1], f[2]}
end
local check_overrides = C.record(override_fields, "a table of recipe options")

local function copy(t)
    local out = {}
    for k, v in pairs(t or {}) do
        out[k] = v
    end
    return out
end

-- The base as a recipe: a recipe, or a function(params) returning one,
-- called (with the parameters it will run with) as from its own file.
local function base_recipe(base, params, st)
    if M.is_recipe(base) then
        return base
    end
    if type(base) ~= "function" then
        fail(st, {}, "m.extend expects as base a recipe (m.recipe{...}, e.g. require \"acme.mysql_to_pg\")"
            .. " or a function(params) returning one, got " .. type(base))
    end
    local file = debug.getinfo(base, "S").source:match("^@(.*)")
    local r = file and run_module(file, base, params) or base(params)
    if not M.is_recipe(r) then
        fail(st, {}, "the base function given to m.extend must return m.recipe{...}, got " .. type(r))
    end
    return r
end

-- Overrides' list first, then the base's (a copy: the base keeps its own).
local function merge_list(key)
    return function(base_list, list, st, replaced)
        if replaced then
            return list
        end
        local out = copy(list)
        for _, item in ipairs(base_list or {}) do
            out[#out + 1] = item
        end
        if key == "type_rules" then
            -- base rules keep the file and line they were written at
            for i = #list + 1, #out do
                local rule = copy(out[i])
                local _, file, line = cast.origin(out[i])
                cast.register(rule, i, file, line)
                out[i] = rule
            end
        end
        return out
    end
end

local merge = {
    type_rules = merge_list("type_rules"),
    naming = merge_list("naming"),
    column_naming = merge_list("column_naming"),
}

-- Per table key; inside a table's options, per option.
function merge.table_options(base_map, map, st)
    local out = copy(base_map)
    for key, opts in pairs(map) do
        if out[key] then
            local merged = copy(out[key])
            for k, v in pairs(opts) do
                merged[k] = v
            end
            check_table_entry(key, merged, {"table_options", key}, st)
            opts = merged
        end
        out[key] = opts
    end
    return out
end

-- Per hook name; the base's hook is m.super() inside the override.
function merge.hooks(base_hooks, hooks)
    local out = copy(base_hooks)
    for name, fn in pairs(hooks) do
        out[name] = chain_hook(fn, base_hooks and base_hooks[name])
    end
    return out
end

--- m.extend(base, overrides) -> a new recipe: base (a recipe, such as
-- require "acme.mysql_to_pg", or a function(params) returning one) with
-- overrides (a table of recipe options) applied:
--
--   - scalars (source, target, target_schema, policy, workers ...) and
--     tables/schemas replace the base's;
--   - params merge by name (overrides win; key=value on the command line
--     wins over both);
--   - table_options merge by table key, and inside one table's options by
--     option (an option given replaces the base's value of that option);
--   - type_rules, naming and column_naming: the overrides' rules come
--     first, then the base's.  type_rules match first-wins, so the
--     customer's rules win; naming rules run in order, so the customer's
--     rules see the source names and the base's house style applies last.
--     Write m.replace_list{...} to replace the base's list instead;
--   - hooks override by name; inside an override, m.super(ctx, ...) calls
--     the base's hook of that name (the base's hooks also stay reachable as
--     base.hooks.NAME).
--
-- The result is validated like any recipe; a mistake in the overrides is
-- reported at its file and line in the file that calls extend.  The base
-- is not changed.
function M.extend(base, overrides)
    local file, line = caller()
    local st = {file = file, call_line = line, call_name = "extend"}
    if type(overrides) ~= "table" or M.is_recipe(overrides) then
        fail(st, {}, "m.extend expects a table of options as overrides, got "
            .. (M.is_recipe(overrides) and "a recipe" or type(overrides)))
    end
    if overrides.params ~= nil then
        C.params(overrides.params, {"params"}, st)
    end
    local given = merge_params(overrides.params, loading and M.params or {}, st)
    base = base_recipe(base, given, st)
    local params = copy(base.params)
    for k, v in pairs(overrides.params or {}) do
        params[k] = v
    end
    st.params = merge_params(params, loading and M.params or {}, st)
    local raw, replaced = {}, {}
    for k, v in pairs(overrides) do
        if getmetatable(v) == replace_mt then
            if not merge[k] or k == "table_options" or k == "hooks" then
                fail(st, {k}, "m.replace_list is for type_rules, naming and column_naming, not '"
                    .. tostring(k) .. "'")
            end
            replaced[k], v = true, copy(v)
        end
        raw[k] = v
    end
    local ov = check_overrides(raw, {}, st)
    local r = copy(base)
    for k, v in pairs(ov) do
        if merge[k] then
            r[k] = merge[k](base[k], v, st, replaced[k])
        else
            r[k] = v
        end
    end
    r.params = st.params
    origins[r] = {file = st.file, line = st.call_line or locate(st, {})}
    return setmetatable(r, recipe_mt)
end

---------------------------------------------------------------------------
-- Using a recipe

--- Expand ${name} in str with the recipe's parameters and extra_vars
-- (extra_vars win).  opts.quote as in template.expand.
function M.expand(r, str, extra_vars, opts)
    local vars = {}
    for k, v in pairs(r.params or {}) do
        vars[k] = v
    end
    for k, v in pairs(extra_vars or {}) do
        vars[k] = v
    end
    return template.expand(str, vars, opts)
end

-- Which table_options keys apply to entry, least specific first: globs
-- (fewer literal characters first), then bare names, then schema.name.
local function matching_keys(r, entry)
    local found = {}
    for key in pairs(r.table_options) do
        local rank
        if select_.is_glob(key) then
            rank = select_.matches(key, entry) and 1
        elseif key:find(".", 1, true) then
            rank = key == select_.key(entry) and 3
        else
            rank = key == entry.name and 2
        end
        if rank then
            found[#found + 1] = {key = key, rank = rank, literal = #key:gsub("[*?]", "")}
        end
    end
    table.sort(found, function(a, b)
        if a.rank ~= b.rank then return a.rank < b.rank end
        if a.literal ~= b.literal then return a.literal < b.literal end
        return a.key < b.key
    end)
    return found
end

local function as_entry(entry)
    if type(entry) == "string" then
        local schema, name = entry:match("^([^.]+)%.(.+)$")
        return {schema = schema, name = name or entry}
    end
    return entry
end

-- The merged options, the matching keys, and which key set each option.
local function merge_options(r, entry)
    local opts, from, keys = {}, {}, {}
    for _, f in ipairs(shared_fields) do
        opts[f[1]] = r[f[1]]
    end
    -- normalize is merged column by column, not replaced whole
    local normalize = {}
    for col, tpl in pairs(r.normalize or {}) do
        normalize[col] = tpl
    end
    for _, m in ipairs(matching_keys(r, entry)) do
        keys[#keys + 1] = m.key
        for k, v in pairs(r.table_options[m.key]) do
            opts[k], from[k] = v, m.key
        end
        for col, tpl in pairs(r.table_options[m.key].normalize or {}) do
            normalize[col] = tpl
        end
    end
    opts.normalize = normalize
    opts.rename = opts.rename or {}
    opts.drop = opts.drop or {}
    opts.add = opts.add or {}
    opts.cast = opts.cast or {}
    opts.column_naming = opts.column_naming or {}
    return opts, keys, from
end

--- The options for one catalog entry (or "schema.table"): the recipe's
-- top-level values, overridden by each matching table_options entry (globs
-- first, exact keys last; each option replaced whole, except normalize,
-- merged column by column).  rename, drop, add, cast, column_naming and
-- normalize are always tables.  Second result: the matching
-- keys, least specific first.
function M.table_options(r, entry)
    local opts, keys = merge_options(r, as_entry(entry))
    return opts, keys
end

--- The table_options keys that match none of the entries (for plan warnings).
function M.unused_table_options(r, entries)
    local used = {}
    for _, e in ipairs(entries) do
        for _, m in ipairs(matching_keys(r, e)) do
            used[m.key] = true
        end
    end
    local unused = {}
    for key in pairs(r.table_options) do
        if not used[key] then
            unused[#unused + 1] = key
        end
    end
    table.sort(unused)
    return unused
end

--- Choose the recipe's tables from catalog entries (schemas, then tables).
function M.select(r, entries)
    return select_.tables(select_.schemas(entries, r.schemas), r.tables)
end

--- The target of one table: {schema, name, truncated, full_name}, after
-- target_schema, the explicit target or the naming rules, truncation to 63
-- bytes and the identifier checks.
-- `kinds` (optional) gives {source_type = "pg", target_type = "pg"} for
-- ${source_type} and ${target_type} in table naming rules.
function M.target_table(r, entry, kinds)
    kinds = kinds or {}
    local opts = M.table_options(r, entry)
    local vars = {schema = entry.schema, table = entry.name,
                  source_type = kinds.source_type, target_type = kinds.target_type}
    local schema = M.expand(r, opts.target_schema, vars)
    local full_name
    if opts.target then
        full_name = M.expand(r, opts.target, vars)
    else
        full_name = naming.apply(r.naming, entry.name, {
            kind = "table", schema = entry.schema, table = entry.name, params = r.params,
            source_type = kinds.source_type, target_type = kinds.target_type})
    end
    local name, truncated = naming.truncate(full_name)
    local source = select_.key(entry)
    naming.validate(schema, {what = "schema", source = source, quote_names = r.quote_names})
    naming.validate(name, {what = "table", source = source, quote_names = r.quote_names})
    return {schema = schema, name = name, truncated = truncated, full_name = full_name}
end

--- Target tables for a list of entries, checked for collisions.  Returns a
-- list of {entry, target} in the order of entries.
function M.target_tables(r, entries, kinds)
    local out, items = {}, {}
    for i, e in ipairs(entries) do
        local t = M.target_table(r, e, kinds)
        out[i] = {entry = e, target = t}
        items[i] = {source = select_.key(e), target = t.schema .. "." .. t.name,
                    full_target = t.schema .. "." .. t.full_name, truncated = t.truncated}
    end
    naming.check_collisions(items, {what = "table"})
    return out
end

---------------------------------------------------------------------------
-- Columns

local function column_list(entry)
    local cols = {}
    for i, c in ipairs(entry.columns or {}) do
        cols[i] = type(c) == "string" and {name = c} or c
    end
    return cols
end

--- The file and line where the option at path (a list of keys, as
-- {"table_options", "s.t", "source_timezone"}) is written in recipe r;
-- the recipe's line when it cannot be found.
function M.option_line(r, path)
    local file, line = M.origin(r)
    return file, locate({file = file, call_line = line}, path)
end

-- Raise a recipe error at the line of table_options[key].opt[item].
local function option_error(r, path, msg)
    error(M.error(msg, M.option_line(r, path)), 0)
end

-- rename, cast and drop given for this very table (not through a glob) must
-- name existing columns.
local function check_columns_exist(r, entry, opts, from, by_name, names)
    local function check(opt, col, item)
        local key = from[opt]
        if by_name[col] or select_.is_glob(key) then
            return
        end
        local hint = select_.close_names(col, names, 1)[1]
        option_error(r, {"table_options", key, opt, item}, render({"table_options", key, opt}, 3) .. ": column '"
            .. col .. "' not found in " .. select_.key(entry) .. (hint and " (did you mean '" .. hint .. "'?)" or ""))
    end
    for _, opt in ipairs({"rename", "cast"}) do
        local cols = {}
        for col in pairs(opts[opt]) do
            cols[#cols + 1] = col
        end
        table.sort(cols)
        for _, col in ipairs(cols) do
            check(opt, col, col)
        end
    end
    for i, col in ipairs(opts.drop) do
        check("drop", col, i)
    end
end

local function target_column(r, entry, opts, from, col)
    local full = opts.rename[col.name] or naming.apply(opts.column_naming, col.name, {
        kind = "column", schema = entry.schema, table = entry.name, column = col.name,
        source_type = col.type, target_type = opts.cast[col.name], params = r.params})
    local name, truncated = naming.truncate(full)
    naming.validate(name, {what = "column", source = select_.key(entry) .. "." .. col.name,
                           quote_names = r.quote_names})
    local cast_from = opts.cast[col.name] and render({"table_options", from.cast, "cast", col.name}, 4)
    return {source = col.name, target = name, full_target = full, truncated = truncated,
            source_type = col.type, cast = opts.cast[col.name], cast_from = cast_from, column = col}
end

--- The target columns of one table: for each source column not dropped
-- {source, target, full_target, truncated, source_type, cast, cast_from
-- (where the cast is written: 'table_options["s.t"].cast["col"]'), column},
-- then each added column {target, type, expr, added = true}.  Applies
-- rename (which skips column_naming), column_naming, truncation and the
-- identifier checks, and raises on collisions or on rename/cast/drop of a
-- column the table does not have.
function M.target_columns(r, entry)
    local opts, _, from = merge_options(r, entry)
    local cols, by_name, names = column_list(entry), {}, {}
    for i, c in ipairs(cols) do
        by_name[c.name], names[i] = c, c.name
    end
    check_columns_exist(r, entry, opts, from, by_name, names)
    local dropped = {}
    for _, col in ipairs(opts.drop) do
        dropped[col] = true
    end
    local out = {}
    for _, col in ipairs(cols) do
        if not dropped[col.name] then
            out[#out + 1] = target_column(r, entry, opts, from, col)
        end
    end
    local added = {}
    for name in pairs(opts.add) do
        added[#added + 1] = name
    end
    table.sort(added)
    for _, name in ipairs(added) do
        local add = opts.add[name]
        naming.validate(name, {what = "column", source = "add", quote_names = r.quote_names})
        out[#out + 1] = {source = "add." .. name, target = name, type = add.type, expr = add.expr, added = true}
    end
    naming.check_collisions(out, {what = "column", context = "in " .. select_.key(entry)})
    return out
end

return M
