-- migrate.spec: a tiny test framework for the Lua specs (tests/lua/*_spec.lua).
--
-- `migrate test FILE` calls spec.run_file(FILE), which runs the file with
-- these globals visible to it (and only to it): describe, it, before_each,
-- eq, truthy, falsy, raises, matches, contains and spec (this module).
-- Every `it` runs in order; the output is TAP:
--
--   ok 1 - naming > snake_case > splits CamelCase
--   not ok 2 - naming > validate > rejects spaces
--   #   at tests/lua/naming_spec.lua:42
--   #   expected: "a"
--   #        got: "b"
--   1..2
--
-- run_file returns the number of failed tests.
local M = {}

local current -- the file being run: {path, root, level, tests}

local failure_mt = {__tostring = function(f) return f.msg end}

-- Raise an assertion failure (reported without a traceback).
local function fail(msg)
    error(setmetatable({msg = msg}, failure_mt), 0)
end

-- Show a value readably: strings quoted, tables as sorted constructors.
local function show(v, depth)
    depth = depth or 0
    local t = type(v)
    if t == "string" then
        local s = string.format("%q", v):gsub("\\\n", "\\n")
        return s
    elseif t ~= "table" then
        return tostring(v)
    end
    local mt = getmetatable(v)
    if mt and mt.__tostring and depth > 0 then
        return "<" .. tostring(v) .. ">"
    end
    if depth >= 3 then
        return "{...}"
    end
    local keys, n = {}, #v
    for k in pairs(v) do
        if not (type(k) == "number" and k >= 1 and k <= n and k % 1 == 0) then
            keys[#keys + 1] = k
        end
    end
    table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
    local items = {}
    for i = 1, n do
        items[#items + 1] = show(v[i], depth + 1)
    end
    for _, k in ipairs(keys) do
        local key = (type(k) == "string" and k:match("^[%a_][%w_]*$")) and k or "[" .. show(k, depth + 1) .. "]"
        items[#items + 1] = key .. " = " .. show(v[k], depth + 1)
    end
    local s = "{" .. table.concat(items, ", ") .. "}"
    if #s > 300 then
        s = s:sub(1, 297) .. "..."
    end
    return s
end
M.show = show

local function key_path(path, k)
    if type(k) == "string" and k:match("^[%a_][%w_]*$") then
        return path .. "." .. k
    end
    return path .. "[" .. show(k) .. "]"
end

local function same_scalar(a, b)
    return a == b or (a ~= a and b ~= b)
end

-- Append to out one line per difference between got and want.
local function diff(got, want, path, out, seen)
    if #out >= 20 then
        return
    end
    if type(got) ~= "table" or type(want) ~= "table" then
        if not same_scalar(got, want) then
            out[#out + 1] = (path == "" and "value" or path) .. ": expected " .. show(want) .. ", got " .. show(got)
        end
        return
    end
    if seen[got] == want then
        return
    end
    seen[got] = want
    for k, w in pairs(want) do
        diff(got[k], w, key_path(path, k), out, seen)
    end
    for k, g in pairs(got) do
        if want[k] == nil then
            out[#out + 1] = key_path(path, k) .. ": unexpected " .. show(g)
        end
    end
end

--- Deep equality for tables (metatables ignored), == for everything else.
-- On failure the message lists the differing paths.
function M.eq(got, want, msg)
    local out = {}
    diff(got, want, "", out, {})
    if #out == 0 then
        return got
    end
    table.sort(out)
    local lines = {"expected: " .. show(want), "     got: " .. show(got)}
    if msg then
        table.insert(lines, 1, msg)
    end
    if type(got) == "table" and type(want) == "table" then
        lines[#lines + 1] = "differences:\n  " .. table.concat(out, "\n  ")
    end
    fail(table.concat(lines, "\n"))
end

function M.truthy(v, msg)
    if not v then
        fail((msg and msg .. "\n" or "") .. "expected a true value, got " .. show(v))
    end
    return v
end

function M.falsy(v, msg)
    if v then
        fail((msg and msg .. "\n" or "") .. "expected false or nil, got " .. show(v))
    end
    return v
end

--- Assert that str matches the Lua pattern.
function M.matches(str, pattern, msg)
    if type(str) ~= "string" or not str:find(pattern) then
        fail((msg and msg .. "\n" or "") .. "expected " .. show(str) .. " to match pattern " .. show(pattern))
    end
    return str
end

--- Assert that str contains text (a plain substring, no pattern).
function M.contains(str, text, msg)
    if type(str) ~= "string" or not str:find(text, 1, true) then
        fail((msg and msg .. "\n" or "") .. "expected " .. show(str) .. " to contain " .. show(text))
    end
    return str
end

--- Assert that fn raises an error whose tostring matches pattern (a Lua
-- pattern; pass plain = true for a plain substring).  Returns the error.
function M.raises(fn, pattern, plain)
    local ok, err = pcall(fn)
    if ok then
        fail("expected an error" .. (pattern and " matching " .. show(pattern) or "") .. ", but none was raised")
    end
    local text = tostring(err)
    if pattern and not text:find(pattern, 1, plain) then
        fail("expected an error " .. (plain and "containing " or "matching ") .. show(pattern) .. "\n     got: " .. show(text))
    end
    return err
end

--- The directory of the spec file being run (for fixtures next to it).
function M.dir()
    return current and (current.path:match("^(.*)/[^/]*$") or ".") or "."
end

function M.describe(name, fn)
    local level = {name = name, parent = current.level, hooks = {}}
    current.level = level
    local ok, err = xpcall(fn, debug.traceback)
    current.level = level.parent
    if not ok then
        -- the block itself failed: report it as a failed test
        current.tests[#current.tests + 1] = {level = level, name = "(describe block)", load_error = err}
    end
end

function M.it(name, fn)
    current.tests[#current.tests + 1] = {level = current.level, name = name, fn = fn}
end

function M.before_each(fn)
    local hooks = current.level.hooks
    hooks[#hooks + 1] = fn
end

local function full_name(test)
    local parts, level = {test.name}, test.level
    while level and level.name do
        table.insert(parts, 1, level.name)
        level = level.parent
    end
    return table.concat(parts, " > ")
end

local function hooks_of(level)
    local chain = {}
    while level do
        for i = #level.hooks, 1, -1 do
            table.insert(chain, 1, level.hooks[i])
        end
        level = level.parent
    end
    return chain
end

-- The line of the spec file closest to where the error was raised.
local function spec_line(path)
    local source = "@" .. path
    for level = 3, 60 do
        local info = debug.getinfo(level, "Sl")
        if not info then
            break
        end
        if info.source == source and info.currentline > 0 then
            return info.currentline
        end
    end
end

local function run_test(test, path)
    local info
    local function handler(err)
        info = {err = err, line = spec_line(path)}
        if getmetatable(err) ~= failure_mt and type(err) ~= "table" then
            info.trace = debug.traceback("", 2)
        end
        return err
    end
    local ok = xpcall(function()
        for _, hook in ipairs(hooks_of(test.level)) do
            hook()
        end
        test.fn()
    end, handler)
    return ok, info
end

local function comment(out, text)
    for line in (tostring(text) .. "\n"):gmatch("(.-)\n") do
        out("#   " .. line)
    end
end

-- The traceback without the framework's own frames (from the first frame
-- in migrate/spec.lua on, everything is the runner).
local function user_frames(trace)
    local kept = {}
    for line in (trace:gsub("^\n", "") .. "\n"):gmatch("(.-)\n") do
        if line:find("migrate/spec.lua:", 1, true) then
            break
        end
        kept[#kept + 1] = line
    end
    if kept[#kept] and kept[#kept]:find("in function 'xpcall'", 1, true) then
        kept[#kept] = nil
    end
    return table.concat(kept, "\n")
end

local function report_failure(out, n, test, info, path)
    out("not ok " .. n .. " - " .. full_name(test))
    if info.line then
        out("#   at " .. path .. ":" .. info.line)
    end
    comment(out, tostring(info.err))
    if info.trace then
        comment(out, user_frames(info.trace))
    end
end

local function spec_env(path)
    local env = {spec = M, describe = M.describe, it = M.it, before_each = M.before_each,
                 eq = M.eq, truthy = M.truthy, falsy = M.falsy, raises = M.raises,
                 matches = M.matches, contains = M.contains}
    return setmetatable(env, {__index = _G})
end

-- Load the spec file and collect its tests; returns the list, or nil and
-- the load error.
local function collect(path)
    local chunk, err = loadfile(path)
    if not chunk then
        return nil, err
    end
    setfenv(chunk, spec_env(path))
    current = {path = path, tests = {}}
    current.level = {hooks = {}}
    local ok, run_err = xpcall(chunk, debug.traceback)
    if not ok then
        current.tests[#current.tests + 1] = {level = current.level, name = "(file body)", load_error = run_err}
    end
    return current.tests
end

--- Run one spec file, print TAP through opts.out (default: stdout) and
-- return the number of failures.
function M.run_file(path, opts)
    local out = opts and opts.out or function(line) io.stdout:write(line, "\n") end
    local saved = current
    local tests, err = collect(path)
    if not tests then
        current = saved
        out("not ok 1 - load " .. path)
        comment(out, err)
        out("1..1")
        return 1
    end
    local failed = 0
    for n, test in ipairs(tests) do
        local ok, info
        if test.load_error then
            ok, info = false, {err = user_frames(tostring(test.load_error))}
        else
            ok, info = run_test(test, path)
        end
        if ok then
            out("ok " .. n .. " - " .. full_name(test))
        else
            failed = failed + 1
            report_failure(out, n, test, info, path)
        end
    end
    out("1.." .. #tests)
    if failed > 0 then
        out("# " .. failed .. " of " .. #tests .. " failed in " .. path)
    end
    current = saved
    io.stdout:flush()
    return failed
end

--- Run several files; returns the total number of failures.
function M.run_files(paths, opts)
    local failed = 0
    for _, path in ipairs(paths) do
        failed = failed + M.run_file(path, opts)
    end
    return failed
end

-- Run as a script (plain luajit, before the binary exists):
--   luajit lua/migrate/spec.lua tests/lua/*_spec.lua
if ... ~= "migrate.spec" and type(arg) == "table" and arg[0] and arg[0]:match("spec%.lua$") then
    local root = arg[0]:match("^(.-)/?migrate/spec%.lua$")
    root = (root == "" and ".") or root or "lua"
    package.path = root .. "/?.lua;" .. root .. "/?/init.lua;" .. package.path
    package.loaded["migrate.spec"] = M
    os.exit(M.run_files({...}) == 0 and 0 or 1)
end

return M
