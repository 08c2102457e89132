-- migrate.profile: configuration profiles (migrate.yaml).
--
--   connections:                 # name -> URL, as recipes take them
--     crm: "postgresql://migrate:${CRM_PASSWORD}@db1.example.com/crm"
--     legacy: "odbc:DSN=legacy;UID=app;PWD=${LEGACY_PASSWORD}"
--   profiles:
--     default:                   # used when --profile is not given
--       source: legacy           # a connection name, or a URL
--       target: crm
--       options: { workers: 4, verify: true }
--       params: { region: eu }   # the recipe's params (key=value)
--
-- The file is --config FILE, else ./migrate.yaml, else
-- $XDG_CONFIG_HOME/migrate/migrate.yaml (~/.config/migrate/migrate.yaml).
-- ${NAME} in a value is the environment variable NAME (unset: an error
-- naming the file, line and variable); $${ is a literal ${.  Only what
-- the chosen profile uses is expanded, so another profile's missing
-- secret does not stop this one.
--
-- Precedence: command-line options and key=value win over the profile;
-- the profile wins over the recipe's own defaults: its params (and its
-- source and target, as the params `source` and `target`) are the
-- defaults that key=value overrides, so a recipe written with
-- source = "${source}" takes the profile's connection.
--
-- The expanded values hold passwords: they go only where connections go
-- (the recipe's params, the workers' environment); every place that shows
-- a connection masks it (core.mask, conn:display).
local core = require "migrate.core"
local errors = require "migrate.errors"
local template = require "migrate.template"
local yaml = require "migrate.yaml"

local M = {}

M.FILE_NAME = "migrate.yaml"

local function raise(msg, file, line)
    errors.raise("usage", msg, file, line)
end

local function file_exists(path)
    local f = io.open(path, "r")
    if f then
        f:close()
    end
    return f ~= nil
end

--- The configuration files looked at, in order (without --config).
function M.candidates()
    local list = {M.FILE_NAME}
    local xdg, home = os.getenv("XDG_CONFIG_HOME"), os.getenv("HOME")
    if xdg and xdg ~= "" then
        list[2] = xdg .. "/migrate/" .. M.FILE_NAME
    elseif home and home ~= "" then
        list[2] = home .. "/.config/migrate/" .. M.FILE_NAME
    end
    return list
end

--- The configuration file to read: options.config (which must exist),
-- else the first candidate that exists, else nil.
function M.find(options)
    local given = options and options.config
    if given then
        if not file_exists(given) then
            raise("--config " .. given .. ": no such file")
        end
        return given
    end
    for _, path in ipairs(M.candidates()) do
        if file_exists(path) then
            return path
        end
    end
end

---------------------------------------------------------------------------
-- Reading and checking the file

local function sorted_keys(t)
    local keys = {}
    for k in pairs(t) do
        keys[#keys + 1] = tostring(k)
    end
    table.sort(keys)
    return keys
end

local function is_null(v)
    return v == nil or v == yaml.null
end

-- cfg = {path, value, lines, key_lines}: the line of key k in table t.
local function line_of(cfg, t, k)
    local kl = cfg.key_lines[t]
    return kl and kl[k] or cfg.lines[t]
end

local function fail_at(cfg, t, k, msg)
    raise(msg, cfg.path, line_of(cfg, t, k))
end

-- A map (YAML mapping) at t[k], or an empty one when absent or null.
local function map_at(cfg, t, k, what)
    local v = t[k]
    if is_null(v) then
        return {}
    end
    if type(v) ~= "table" or getmetatable(v) == yaml.array_mt then
        fail_at(cfg, t, k, what .. " expects a map (name: value ...), got "
            .. (type(v) == "table" and "a list" or type(v)))
    end
    return v
end

local function check_keys(cfg, t, allowed, where)
    local known = {}
    for _, k in ipairs(allowed) do
        known[k] = true
    end
    for _, k in ipairs(sorted_keys(t)) do
        if not known[k] then
            local sorted = {}
            for i, a in ipairs(allowed) do
                sorted[i] = a
            end
            table.sort(sorted)
            fail_at(cfg, t, k, string.format("unknown key '%s'%s (keys: %s)", k, where,
                table.concat(sorted, ", ")))
        end
    end
end

-- Checkers of profile options: function(v) -> problem text or nil.
local function whole(min)
    return function(v)
        if type(v) ~= "number" or v % 1 ~= 0 or v < min then
            return "expects a whole number >= " .. min
        end
    end
end

local function boolean(v)
    if type(v) ~= "boolean" then
        return "expects true or false"
    end
end

local function text(v)
    if type(v) ~= "string" or v == "" then
        return "expects a string"
    end
end

-- The run options a profile may set (the command line's names, without
-- dashes); connection = the value may be a connection name.
local OPTIONS = {
    workers = {check = whole(1)},
    lease = {check = whole(1)},
    max_rejects = {check = whole(0)},
    verify = {check = boolean},
    stop_on_error = {check = boolean},
    progress = {check = boolean},
    report = {check = text},
    reject_dir = {check = text},
    state = {check = text, connection = true},
}

local function check_profile(cfg, name, p)
    check_keys(cfg, p, {"source", "target", "options", "params", "description"},
        " in profile '" .. name .. "'")
    for _, k in ipairs({"source", "target", "description"}) do
        if not is_null(p[k]) and text(p[k]) then
            fail_at(cfg, p, k, string.format("%s of profile '%s' expects a string (a connection name or a URL)",
                k, name))
        end
    end
    local opts = map_at(cfg, p, "options", "options of profile '" .. name .. "'")
    local names = sorted_keys(OPTIONS)
    for _, k in ipairs(sorted_keys(opts)) do
        local spec = OPTIONS[k]
        if not spec then
            fail_at(cfg, opts, k, string.format("unknown option '%s' in profile '%s' (options: %s)", k, name,
                table.concat(names, ", ")))
        end
        local problem = spec.check(opts[k])
        if problem then
            fail_at(cfg, opts, k, string.format("option '%s' in profile '%s' %s, got %s", k, name, problem,
                core.mask(tostring(opts[k]))))
        end
    end
    local params = map_at(cfg, p, "params", "params of profile '" .. name .. "'")
    for _, k in ipairs(sorted_keys(params)) do
        local v = params[k]
        if not k:match("^[%a_][%w_]*$") then
            fail_at(cfg, params, k, "parameter name '" .. k .. "' cannot be used in ${...}; use letters, digits and _")
        end
        local t = type(v)
        if t ~= "string" and t ~= "number" and t ~= "boolean" then
            fail_at(cfg, params, k, "parameter '" .. k .. "' expects a string, number or boolean")
        end
    end
end

local function check(cfg)
    local doc = cfg.value
    if is_null(doc) then
        cfg.value, doc = {}, {}
    end
    if type(doc) ~= "table" or getmetatable(doc) == yaml.array_mt then
        raise("expected a map with connections and profiles", cfg.path, 1)
    end
    check_keys(cfg, doc, {"connections", "profiles"}, "")
    cfg.connections = map_at(cfg, doc, "connections", "connections")
    for _, name in ipairs(sorted_keys(cfg.connections)) do
        if text(cfg.connections[name]) then
            fail_at(cfg, cfg.connections, name, "connection '" .. name .. "' expects a URL string")
        end
    end
    cfg.profiles = map_at(cfg, doc, "profiles", "profiles")
    for _, name in ipairs(sorted_keys(cfg.profiles)) do
        local p = cfg.profiles[name]
        if type(p) ~= "table" or getmetatable(p) == yaml.array_mt then
            fail_at(cfg, cfg.profiles, name, "profile '" .. name .. "' expects a map (source, target, options, params)")
        end
        check_profile(cfg, name, p)
    end
    return cfg
end

local cache = {} -- path -> checked configuration

local function read(path)
    if cache[path] then
        return cache[path]
    end
    local value, lines, key_lines = yaml.decode_file(path)
    local cfg = check({path = path, value = value, lines = lines, key_lines = key_lines})
    cache[path] = cfg
    return cfg
end

---------------------------------------------------------------------------
-- ${ENV} and connection names

--- Expand ${NAME} in str from the environment; t[k] is where str is
-- written (for the line of an error).  $${ is a literal ${.
local function expand_env(cfg, t, k, str)
    if type(str) ~= "string" then
        return str
    end
    local ok, names = pcall(template.names, str)
    if not ok then
        fail_at(cfg, t, k, tostring(type(names) == "table" and names.msg or names))
    end
    local vars = {}
    for _, name in ipairs(names) do
        local v = os.getenv(name)
        if v == nil then
            fail_at(cfg, t, k, string.format("'%s' uses ${%s}, but the environment variable %s is not set",
                tostring(k), name, name))
        end
        vars[name] = v
    end
    return template.expand(str, vars)
end

local function known_connections(cfg)
    local names = sorted_keys(cfg.connections)
    return #names > 0 and table.concat(names, ", ") or "none"
end

-- A value that can only be a connection name (no URL or conninfo has
-- neither ':' nor '/' nor '=').
local function looks_like_name(s)
    return s:match("^[%w_%.%-]+$") ~= nil
end

-- value (written at t[k]) as a URL: a connection of the file, expanded,
-- or the value itself, expanded.
local function connection(cfg, t, k, value)
    if is_null(value) then
        return nil
    end
    local url = cfg.connections[value]
    if url then
        return expand_env(cfg, cfg.connections, value, url)
    end
    if looks_like_name(value) then
        fail_at(cfg, t, k, string.format("'%s' names the connection '%s', which %s does not have (connections: %s)",
            tostring(k), value, cfg.path, known_connections(cfg)))
    end
    return expand_env(cfg, t, k, value)
end

--- A connection name of the configuration as its URL (${ENV} expanded);
-- anything else (a URL, or a name when there is no configuration file)
-- unchanged.  options: {config = ...} as given on the command line.
function M.resolve(name_or_url, options)
    if type(name_or_url) ~= "string" then
        return name_or_url
    end
    local path = M.find(options)
    if not path then
        return name_or_url
    end
    local cfg = read(path)
    local url = cfg.connections[name_or_url]
    if not url then
        return name_or_url
    end
    return expand_env(cfg, cfg.connections, name_or_url, url)
end

--- The names of the connections in the configuration (sorted; empty
-- without a configuration file).
function M.connection_names(options)
    local path = M.find(options)
    return path and sorted_keys(read(path).connections) or {}
end

--- The chosen profile: {path, name, source, target, options, params}
-- with connections resolved and ${ENV} expanded, or nil when there is no
-- configuration file.  options.profile names it (an error when it is not
-- there, listing the known ones); else "default" when present; else a
-- profile with nothing in it (name nil).
function M.load(options)
    options = options or {}
    local path = M.find(options)
    if not path then
        if options.profile then
            raise(string.format("--profile %s: no configuration file (looked for %s)", options.profile,
                table.concat(M.candidates(), ", ")))
        end
        return nil
    end
    local cfg = read(path)
    local name = options.profile
    if name and not cfg.profiles[name] then
        local known = sorted_keys(cfg.profiles)
        raise(string.format("no profile '%s' (profiles: %s)", name,
            #known > 0 and table.concat(known, ", ") or "none"), path, line_of(cfg, cfg.value, "profiles") or 1)
    end
    if not name and cfg.profiles.default then
        name = "default"
    end
    local out = {path = path, name = name, options = {}, params = {}}
    local p = name and cfg.profiles[name]
    if not p then
        return out
    end
    out.source = connection(cfg, p, "source", p.source)
    out.target = connection(cfg, p, "target", p.target)
    local opts = is_null(p.options) and {} or p.options
    for k, v in pairs(opts) do
        if OPTIONS[k].connection then
            out.options[k] = connection(cfg, opts, k, v)
        else
            out.options[k] = expand_env(cfg, opts, k, v)
        end
    end
    local params = is_null(p.params) and {} or p.params
    for k, v in pairs(params) do
        out.params[k] = expand_env(cfg, params, k, v)
    end
    return out
end

---------------------------------------------------------------------------
-- Applying a profile to a command

--- Apply the chosen profile to a command's options (changed in place:
-- what the command line did not set) and return the parameters it gives
-- the recipe: its params, plus source and target.  args: the command's
-- arguments (status without a recipe reads the record in the profile's
-- target).  Returns {} without a configuration file.
function M.apply(command, args, options)
    local p = M.load(options)
    if not p then
        return {}
    end
    if p.name then
        core.log("info", "config", string.format("profile %s from %s", p.name, p.path))
    end
    for k, v in pairs(p.options) do
        if k == "progress" then
            options.progress = options.progress ~= false and v
        elseif type(v) == "boolean" then
            options[k] = options[k] or v
        elseif options[k] == nil then
            options[k] = tostring(v)
        end
    end
    if command == "status" and not (args and args[1]) and options.state == nil then
        options.state = p.target
    end
    local params = {}
    for k, v in pairs(p.params) do
        params[k] = v
    end
    params.source = p.source or params.source
    params.target = p.target or params.target
    return params
end

return M
