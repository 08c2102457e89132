-- migrate.clean: undo what a run created, so the migration can be retried
-- from nothing.
--
--   migrate clean RECIPE.lua|PLAN.yaml [key=value ...] [--yes]
--
-- Drops the target tables the latest run of this recipe or plan created
-- (the record says which: a table it found and merged into, or appended
-- to, is never dropped) and deletes that run from the record.  Asks on a
-- terminal; elsewhere it needs --yes.
local core = require "migrate.core"
local errors = require "migrate.errors"
local record = require "migrate.record"
local report = require "migrate.report"

local M = {}

local function confirm(run_id, tables, options)
  if options.yes then return true end
  if not core.isatty(0) then
    errors.raise("usage", "clean drops tables: give --yes when not on a terminal")
  end
  io.stderr:write(string.format("Drop %d table(s) created by run %d and delete the run from the record? [y/N] ",
    #tables, run_id))
  local answer = io.stdin:read("*l") or ""
  return answer:match("^[yY]") ~= nil
end

-- The enum types the run made with its tables (type rules with to =
-- "enum", listed in the run's plan), once those tables are dropped.  A
-- type something else still uses is kept, and said so.
local function drop_enum_types(conn, plan_text, dropped)
  if conn.kind == "odbc" or type(plan_text) ~= "string" then return end
  local ok, doc = pcall(require("migrate.yaml").decode, plan_text)
  if not ok or type(doc) ~= "table" or type(doc.tasks) ~= "table" then return end
  local gone = {}
  for _, name in ipairs(dropped) do gone[name] = true end
  for _, t in ipairs(doc.tasks) do
    local target = type(t.target) == "table" and (t.target.schema .. "." .. t.target.table)
    for _, c in ipairs(target and gone[target] and t.columns or {}) do
      if type(c.enum) == "table" and type(c.type) == "string" then
        conn:exec("SAVEPOINT migrate_enum")
        local dropped_ok, err = pcall(conn.exec, conn, "DROP TYPE IF EXISTS " .. c.type)
        conn:exec(dropped_ok and "RELEASE SAVEPOINT migrate_enum" or "ROLLBACK TO SAVEPOINT migrate_enum")
        if not dropped_ok then
          io.stdout:write(string.format("type %s kept: %s\n", c.type, tostring(err.msg or err)))
        end
      end
    end
  end
end

function M.main(path, params, options)
  local runner = require "migrate.runner"
  local r, run_key = runner.settings_of(path, params)
  local conn = runner.connect(r, "target", "target")
  -- The record: in the target, or apart (--state)
  local state = options.state and require("migrate.pg").connect(options.state, "state") or conn
  local function close()
    conn:close()
    if state ~= conn then state:close() end
  end
  local has = state:query("SELECT to_regclass('_migrate.runs') IS NOT NULL AS yes")[1].yes
  local run = has and state:query([[
    SELECT run_id, plan FROM _migrate.runs WHERE run_key = $1 ORDER BY run_id DESC LIMIT 1]], run_key)[1]
  if not run then
    io.stderr:write("migrate: nothing to clean: no run of ", path, " in the record of ",
      state:display(), "\n")
    close()
    return core.exit.ok
  end
  local rec = { conn = state, run_id = run.run_id }
  if state ~= conn then record.attach_target(rec, conn) end
  local created, names = {}, {}
  for _, t in ipairs(state:query(
      "SELECT task, target, target_sql FROM _migrate.tasks WHERE run_id = $1 ORDER BY target", run.run_id)) do
    if record.done(rec, t.task, "created") then
      created[#created + 1] = t
      names[#names + 1] = t.target
    end
  end
  io.stdout:write(string.format("run %d created %d table(s)%s\n", run.run_id, #names,
    #names > 0 and (": " .. table.concat(names, ", ")) or ""))
  if not confirm(run.run_id, names, options) then
    io.stdout:write("nothing dropped\n")
    close()
    return core.exit.ok
  end
  -- One transaction: the tables and the record go together, or not at all
  -- (with the record apart: the tables and their landed marks, then the run).
  conn:exec("BEGIN")
  for _, c in ipairs(created) do
    conn:exec("DROP TABLE IF EXISTS " .. c.target_sql .. " CASCADE")
  end
  drop_enum_types(conn, run.plan, names)
  if rec.target then
    conn:query("DELETE FROM _migrate.landed WHERE token = $1", rec.token)
    conn:exec("COMMIT")
  end
  state:query("DELETE FROM _migrate.runs WHERE run_id = $1", run.run_id)
  if not rec.target then conn:exec("COMMIT") end
  close()
  io.stdout:write(string.format("dropped %s table(s); run %d deleted from the record\n",
    report.thousands(#names), run.run_id))
  return core.exit.ok
end

return M
