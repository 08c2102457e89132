-- migrate.status: the migration record as an aligned table or JSON.
--
--   migrate status --state URL | RECIPE.lua [key=value ...] | PLAN.yaml
--                  [--run ID] [--status S] [--table GLOB] [--since TIME] [--json]
--
-- Shows the tasks of the latest run (or of --run ID): status, rows, time,
-- attempts and the failure reason.  Exit code 1 when a shown task failed,
-- so scripts can ask "did it work?".
local cjson = require "cjson"
local core = require "migrate.core"
local errors = require "migrate.errors"
local pg = require "migrate.pg"
local report = require "migrate.report"
local template = require "migrate.template"

local M = {}

-- The connection holding the record: --state, else the target of the
-- recipe or plan named on the command line.
local function state_url(args, params, options)
  if options.state then return options.state end
  if not args[1] then
    errors.raise("usage", "status needs --state URL, or the recipe or plan of the run")
  end
  local r = require("migrate.runner").settings_of(args[1], params)
  return template.expand(r.target, r.params or {})
end

-- A glob over "schema.table" as a LIKE pattern (\ escapes LIKE's own).
local function like(glob)
  return (glob:gsub("[\\%%_]", "\\%0"):gsub("%*", "%%"):gsub("%?", "_"))
end

local QUERY = [[
SELECT t.run_id, t.task, t.target, t.status, t.rows, t.seconds, t.attempts,
       t.reason, to_char(t.started_at, 'YYYY-MM-DD HH24:MI:SS') AS started,
       to_char(t.finished_at, 'YYYY-MM-DD HH24:MI:SS') AS finished, t.worker,
       (SELECT count(*) FROM _migrate.chunks c WHERE c.run_id = t.run_id AND c.task = t.task
           AND c.kind IN ('load', 'data')) AS chunks,
       (SELECT count(*) FROM _migrate.chunks c WHERE c.run_id = t.run_id AND c.task = t.task
           AND c.kind IN ('load', 'data') AND c.done_at IS NOT NULL) AS chunks_done
  FROM _migrate.tasks t
 WHERE t.run_id = COALESCE($1::bigint, (SELECT max(run_id) FROM _migrate.runs))
   AND ($2::text IS NULL OR t.status = $2)
   AND ($3::text IS NULL OR t.task LIKE $3 OR t.target LIKE $3)
   AND ($4::timestamptz IS NULL OR COALESCE(t.finished_at, t.started_at) >= $4)
 ORDER BY t.position, t.task]]

local function render(rows)
  local out = {}
  for i, r in ipairs(rows) do
    out[i] = {
      tostring(r.run_id), r.task, r.target, r.status,
      r.rows and report.thousands(r.rows) or "",
      r.seconds and string.format("%.2f", r.seconds) or "",
      tostring(r.attempts), string.format("%d/%d", r.chunks_done, r.chunks),
      r.worker or "", r.finished or r.started or "",
      ((r.reason or ""):gsub("\n", " ")),
    }
  end
  return report.table({ "run", "source table", "target table", "status", "rows",
    "seconds", "attempts", "chunks", "worker", "at", "remark" }, out,
    { [1] = true, [5] = true, [6] = true, [7] = true, [8] = true })
end

function M.main(args, params, options)
  local conn = pg.connect(state_url(args, params, options), options.state and "state" or "target")
  local has = conn:query("SELECT to_regclass('_migrate.tasks') IS NOT NULL AS yes")[1].yes
  if not has then
    io.stderr:write("migrate: no migration record in ", conn:display(), "\n")
    conn:close()
    return core.exit.ok
  end
  local rows = conn:query(QUERY, options.run, options.status,
    options.table and like(options.table) or nil, options.since)
  local run = conn:query([[
    SELECT run_id, status, to_char(started_at, 'YYYY-MM-DD HH24:MI:SS') AS started
      FROM _migrate.runs WHERE run_id = COALESCE($1::bigint, (SELECT max(run_id) FROM _migrate.runs))]],
    options.run)[1]
  conn:close()
  if options.json then
    local list = {}
    for i, r in ipairs(rows) do
      list[i] = {}
      for _, k in ipairs { "run_id", "task", "target", "status", "rows", "seconds",
                           "attempts", "reason", "started", "finished", "worker",
                           "chunks", "chunks_done" } do
        local v = r[k]
        if v == nil then v = cjson.null end
        list[i][k] = v
      end
    end
    io.stdout:write(cjson.encode({ run = run and { run_id = run.run_id, status = run.status,
      started = run.started } or cjson.null, tasks = list }), "\n")
  else
    if run then
      io.stdout:write(string.format("run %d (%s), started %s\n\n", run.run_id, run.status, run.started))
    end
    io.stdout:write(table.concat(render(rows), "\n"), "\n")
  end
  for _, r in ipairs(rows) do
    if r.status == "failed" then return core.exit.tasks_failed end
  end
  return core.exit.ok
end

return M
