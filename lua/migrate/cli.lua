-- migrate.cli: the commands behind the `migrate` binary.  main.c parses
-- the options and calls main(command, args, options); the return value is
-- the process exit code (migrate.core.exit).
local core = require "migrate.core"

local M = {}

local exit = core.exit

-- Exit code for an error that reached the top.
local function exit_code_of(err)
  if core.interrupted() then return exit.interrupted end
  if type(err) ~= "table" then return exit.internal end
  -- what the recipe asks for is wrong: its names, selection or templates
  if err.code == "recipe" or err.code == "template" or err.code == "naming"
     or err.code == "select" then return exit.recipe end
  if err.code == "connect" then return exit.connect end
  if err.code == "interrupted" then return exit.interrupted end
  if err.code == "usage" then return exit.usage end
  return exit.internal
end

local function report_error(err)
  core.hold_interrupts(true)
  local msg = tostring(err)
  if type(err) == "table" and err.traceback and core.log_enabled("debug") then
    msg = msg .. "\n" .. err.traceback
  end
  io.stderr:write("migrate: ", msg, "\n")
end

-- Keep error objects; wrap string errors (bugs) with their traceback.
local function handler(err)
  if type(err) == "table" then return err end
  return core.error { code = "internal", msg = debug.traceback(tostring(err), 2) }
end

-- The commands a profile (migrate.yaml, --profile) applies to; main sets
-- the params it gives (the defaults key=value overrides) and the options.
local PROFILE_COMMANDS = { run = true, plan = true, verify = true, clean = true, status = true }
local profile_params, cli_options = {}, {}

-- key=value arguments after the recipe path, over the profile's params;
-- source=NAME and target=NAME may name a connection of migrate.yaml.
local function parse_params(args)
  local params = {}
  for k, v in pairs(profile_params) do params[k] = v end
  for i = 2, #args do
    local k, v = args[i]:match("^([%a_][%w_]*)=(.*)$")
    if not k then
      error(core.error { code = "usage",
        msg = string.format("expected key=value after the recipe, got '%s'", args[i]) }, 0)
    end
    if k == "source" or k == "target" then v = require("migrate.profile").resolve(v, cli_options) end
    params[k] = v
  end
  return params
end

function M.run(args, options)
  local params = parse_params(args)
  local runner = require "migrate.runner"
  return runner.run_file(args[1], params, options)
end

function M.plan(args, options)
  local params = parse_params(args)
  return require("migrate.planfile").write(args[1], params, options)
end

function M.verify(args, options)
  local params = parse_params(args)
  local runner = require "migrate.runner"
  local ctx, tasks = runner.prepare_file(args[1], params, options)
  return require("migrate.verify").run(ctx, tasks)
end

function M.clean(args, options)
  local params = parse_params(args)
  return require("migrate.clean").main(args[1], params, options)
end

function M.status(args, options)
  -- key=value arguments follow the recipe or plan, when one is given
  local params = {}
  if args[1] then params = parse_params(args) end
  return require("migrate.status").main(args, params, options)
end

function M.worker(args, options)
  local params = {}
  for _, a in ipairs(args) do
    local k, v = a:match("^([%a_][%w_]*)=(.*)$")
    if not k then
      error(core.error { code = "usage", msg = string.format("expected key=value, got '%s'", a) }, 0)
    end
    params[k] = v
  end
  return require("migrate.runner").worker_main(params, options)
end

-- `migrate repl [CONNECTION ...]`: interactive Lua (migrate.repl).
function M.repl(args, options)
  return require("migrate.repl").main(args, options)
end

function M.test(args)
  local spec = require "migrate.spec"
  local failed = 0
  for _, file in ipairs(args) do failed = failed + spec.run_file(file) end
  return failed == 0 and exit.ok or exit.tasks_failed
end

function M.main(command, args, options)
  local fn = M[command]
  if not fn then
    io.stderr:write("migrate: unknown command '", tostring(command), "'\n")
    return exit.usage
  end
  local ok, code = xpcall(function()
    cli_options = options
    if PROFILE_COMMANDS[command] then
      profile_params = require("migrate.profile").apply(command, args, options)
    end
    return fn(args, options)
  end, handler)
  if ok then return code end
  report_error(code)
  return exit_code_of(code)
end

return M
