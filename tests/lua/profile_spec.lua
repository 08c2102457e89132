-- Specs for migrate.profile: migrate.yaml with connections and profiles,
-- ${ENV} expansion, connection names, precedence when applied to a
-- command, and errors that name the file and line.
local profile = require "migrate.profile"

local tmp = (os.getenv("MG_TEST_TMP") or "/tmp") .. "/profile_spec"
assert(os.execute("rm -rf '" .. tmp .. "' && mkdir -p '" .. tmp .. "'") == 0)
local PATH = assert(os.getenv("PATH")) -- a variable that is always set
local UNSET = "MG_PROFILE_SPEC_UNSET_VARIABLE"
assert(os.getenv(UNSET) == nil)

local n = 0
-- Write a configuration file; returns {config = path} (options as the
-- command line gives them).
local function config(text, extra)
    n = n + 1
    local path = tmp .. "/c" .. n .. ".yaml"
    local f = assert(io.open(path, "w"))
    f:write(text)
    f:close()
    local options = {config = path}
    for k, v in pairs(extra or {}) do
        options[k] = v
    end
    return options
end

local GOOD = [[
connections:
  crm: "postgresql://app:${PATH}@db1/crm"
  legacy: "odbc:DSN=legacy;UID=app;PWD=${PATH}"
  needs_unset: "postgresql://x:${]] .. UNSET .. [[}@h/db"
profiles:
  default:
    source: legacy
    target: crm
    options: { workers: 4, verify: true, max_rejects: 0 }
    params: { region: eu, limit: 10, literal: "$${not_env}" }
  prod:
    description: the production run
    source: "dbname=src_${PATH}"
    target: crm
    options:
      state: crm
      progress: false
      reject_dir: /var/tmp/rejects
  empty: {}
]]

describe("profile.load", function()
    it("picks the default profile, resolving connection names and ${ENV}", function()
        local p = profile.load(config(GOOD))
        eq(p.name, "default")
        eq(p.source, "odbc:DSN=legacy;UID=app;PWD=" .. PATH)
        eq(p.target, "postgresql://app:" .. PATH .. "@db1/crm")
        eq(p.options, {workers = 4, verify = true, max_rejects = 0})
        eq(p.params, {region = "eu", limit = 10, literal = "${not_env}"})
        contains(p.path, "/c")
    end)

    it("picks --profile NAME; a URL is expanded as it is; state may be a connection", function()
        local p = profile.load(config(GOOD, {profile = "prod"}))
        eq(p.name, "prod")
        eq(p.source, "dbname=src_" .. PATH)
        eq(p.options.state, "postgresql://app:" .. PATH .. "@db1/crm")
        eq(p.options.progress, false)
        eq(p.params, {})
        eq(profile.load(config(GOOD, {profile = "empty"})).source, nil)
    end)

    it("does not expand what the chosen profile does not use", function()
        -- needs_unset refers to an unset variable, but no profile uses it
        truthy(profile.load(config(GOOD)))
    end)

    it("is nil without a configuration file, and a file without profiles has none", function()
        local old = io.open("migrate.yaml")
        if old then
            old:close()
        else
            eq(profile.load({}), nil)
        end
        local p = profile.load(config("connections:\n  a: dbname=a\n"))
        eq(p.name, nil)
        eq(p.source, nil)
    end)
end)

describe("profile.resolve", function()
    it("turns a connection name into its URL, anything else unchanged", function()
        local o = config(GOOD)
        eq(profile.resolve("crm", o), "postgresql://app:" .. PATH .. "@db1/crm")
        eq(profile.resolve("postgresql:///x", o), "postgresql:///x")
        eq(profile.resolve("nosuch", o), "nosuch")
        eq(profile.connection_names(o), {"crm", "legacy", "needs_unset"})
    end)

    it("names the file, line and variable of an unset ${ENV}", function()
        local o = config(GOOD)
        local err = raises(function() profile.resolve("needs_unset", o) end)
        eq(err.code, "usage")
        eq(err.file, o.config)
        eq(err.line, 4)
        contains(tostring(err), "uses ${" .. UNSET .. "}, but the environment variable " .. UNSET .. " is not set")
    end)
end)

describe("profile errors", function()
    it("an unknown profile lists the known ones", function()
        local o = config(GOOD, {profile = "staging"})
        raises(function() profile.load(o) end, o.config .. ":5: no profile 'staging' (profiles: default, empty, prod)",
            true)
    end)

    it("--config of a missing file, --profile without any file", function()
        raises(function() profile.load({config = tmp .. "/none.yaml"}) end,
            "--config " .. tmp .. "/none.yaml: no such file", true)
    end)

    it("bad YAML names the file, line and column", function()
        local o = config("profiles:\n  default:\n    source: a\n     target: b\n")
        local err = raises(function() profile.load(o) end)
        contains(tostring(err), o.config .. ":4:")
    end)

    it("unknown keys name their line and the allowed ones", function()
        local o = config("connections: {}\nprofile:\n  default: {}\n")
        raises(function() profile.load(o) end,
            o.config .. ":2: unknown key 'profile' (keys: connections, profiles)", true)
        o = config("profiles:\n  default:\n    source: dbname=a\n    tagret: dbname=b\n")
        raises(function() profile.load(o) end, o.config .. ":4: unknown key 'tagret' in profile 'default'", true)
        o = config("profiles:\n  default:\n    options:\n      workers: 2\n      wokers: 3\n")
        raises(function() profile.load(o) end,
            o.config .. ":5: unknown option 'wokers' in profile 'default' (options: lease, max_rejects,", true)
    end)

    it("wrong values name their line", function()
        local o = config("profiles:\n  default:\n    options:\n      workers: many\n")
        raises(function() profile.load(o) end,
            o.config .. ":4: option 'workers' in profile 'default' expects a whole number >= 1, got many", true)
        o = config("profiles:\n  default:\n    params:\n      a: [1, 2]\n")
        raises(function() profile.load(o) end, o.config .. ":4: parameter 'a' expects a string", true)
        o = config("connections:\n  a: 12\n")
        raises(function() profile.load(o) end, o.config .. ":2: connection 'a' expects a URL string", true)
        o = config("- a\n- b\n")
        raises(function() profile.load(o) end, o.config .. ":1: expected a map", true)
    end)

    it("a connection name that does not exist", function()
        local o = config("connections:\n  crm: dbname=crm\nprofiles:\n  default:\n    source: crn\n")
        raises(function() profile.load(o) end, o.config
            .. ":5: 'source' names the connection 'crn', which " .. o.config
            .. " does not have (connections: crm)", true)
    end)

    it("a bad placeholder names its line", function()
        local o = config("profiles:\n  default:\n    params:\n      a: \"x${1bad}\"\n")
        raises(function() profile.load(o) end, o.config .. ":4: bad placeholder ${1bad}", true)
    end)

    it("an error never shows an expanded secret", function()
        local o = config("profiles:\n  default:\n    options:\n      workers: \"${PATH}\"\n")
        local err = raises(function() profile.load(o) end, o.config .. ":4: option 'workers'", true)
        -- the value is shown as written in the file, not expanded
        falsy(tostring(err):find(PATH, 1, true))
    end)
end)

describe("profile.apply", function()
    it("fills what the command line did not set; gives params with source and target", function()
        local options = {config = config(GOOD).config, workers = "2", verify = false, progress = true}
        local params = profile.apply("run", {"r.lua"}, options)
        eq(options.workers, "2") -- the command line wins
        eq(options.verify, true)
        eq(options.max_rejects, "0")
        eq(params.region, "eu")
        eq(params.source, "odbc:DSN=legacy;UID=app;PWD=" .. PATH)
        eq(params.target, "postgresql://app:" .. PATH .. "@db1/crm")
    end)

    it("--no-progress stays; status without a recipe reads the profile's target", function()
        local options = {config = config(GOOD).config, profile = "prod", progress = false}
        profile.apply("status", {}, options)
        eq(options.progress, false)
        eq(options.state, "postgresql://app:" .. PATH .. "@db1/crm")
        options = {config = config(GOOD).config, progress = true}
        profile.apply("status", {}, options)
        eq(options.state, "postgresql://app:" .. PATH .. "@db1/crm")
        eq(options.progress, true)
    end)
end)
