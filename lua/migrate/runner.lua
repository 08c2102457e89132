-- migrate.runner: run a recipe or a plan.
--
--   connect -> read the source catalog (under one snapshot) -> select ->
--   plan (names, DDL) -> the record: tasks and their chunks -> workers
--   claim and do the chunks (migrate.work) -> foreign keys, after all the
--   data -> report
--
-- With --workers 1 the work is done in this process; with N it is done by
-- N worker processes (each with its own LuaJIT state and connections)
-- that read the source under the snapshot this process exports and
-- holds, while this process shows the progress.  A failing table is
-- rolled back and reported; the others go on unless the recipe (or
-- --stop-on-error) says stop.  Ctrl-C rolls back the chunks being copied,
-- prints the report and exits 130.
local core = require "migrate.core"
local cjson = require "cjson"
local errors = require "migrate.errors"
local catalog = require "migrate.catalog"
local pg = require "migrate.pg"
local plan = require "migrate.plan"
local recipe = require "migrate.recipe"
local record = require "migrate.record"
local report = require "migrate.report"
local work = require "migrate.work"
local yaml = require "migrate.yaml"

local M = {}

local function log(level, fmt, ...)
  core.log(level, "run", string.format(fmt, ...))
end

local connect = work.connect
M.connect = connect

-- "pg", or "mysql" for an ODBC target (work.connect refuses other
-- ODBC databases as targets).
local function target_type_of(r)
  return work.kind_of(r, "target") == "odbc" and "mysql" or "pg"
end

-- The record of a run into MySQL must be in PostgreSQL: --state.
local function need_state(r, options)
  if target_type_of(r) == "mysql" and not (options and options.state) then
    require("migrate.errors").raise("usage",
      "a MySQL/MariaDB target keeps the migration record in PostgreSQL: give --state URL " ..
      "(a PostgreSQL database for the record, e.g. --state postgresql:///migrate_state)")
  end
end
M.need_state = need_state

-- Key ranges between the bounds, open at both ends: a resumed run (a new
-- snapshot) sees keys below the first and above the last bound too.
-- nil without bounds (the table is not split).
local function range_conditions(k, bounds)
  if #bounds == 0 then return nil end
  local conds = { string.format("%s < %s", k, bounds[1]) }
  for i = 2, #bounds do
    conds[i] = string.format("%s >= %s AND %s < %s", k, bounds[i - 1], k, bounds[i])
  end
  conds[#conds + 1] = string.format("%s >= %s", k, bounds[#bounds])
  return conds
end

-- Split a big table: key ranges over a one-column integer key, else ctid
-- (page) ranges, or the recipe's own conditions (split = function(ctx,
-- task) returning a list of SQL conditions on the source).  Returns the
-- conditions, or nil to copy the table in one piece.
local function split_conditions(ctx, task)
  if task.split then
    local okf, conds = pcall(task.split, ctx, task)
    if not okf then
      if type(conds) == "table" and conds.code then error(conds, 0) end
      require("migrate.errors").raise("recipe", string.format("%s: split failed: %s", task.label,
        tostring(type(conds) == "table" and (conds.msg or conds.message) or conds)), (recipe.origin(ctx.recipe)))
    end
    if type(conds) ~= "table" then
      require("migrate.errors").raise("recipe", string.format(
        "%s: split must return a list of SQL conditions, got %s", task.label, type(conds)), (recipe.origin(ctx.recipe)))
    end
    for i, cnd in ipairs(conds) do
      if type(cnd) ~= "string" or cnd == "" then
        require("migrate.errors").raise("recipe", string.format(
          "%s: split returned a %s as condition %d (expects SQL text)", task.label, type(cnd), i), (recipe.origin(ctx.recipe)))
      end
      conds[i] = "(" .. cnd .. ")"
    end
    return #conds > 1 and conds or nil
  end
  local estimate = task.entry.rows or 0
  if not task.chunk_rows or estimate <= task.chunk_rows then return nil end
  local n = math.ceil(estimate / task.chunk_rows)
  local key = plan.chunk_key(task.entry)
  if task.entry.source_type == "odbc" then
    -- key ranges only (no ctid): bounds computed here from min and max
    if not key then return nil end
    local k = plan.source_ident(task.entry, key)
    local mm = ctx.source:query(string.format("SELECT min(%s) AS lo, max(%s) AS hi FROM %s",
      k, k, task.entry.source_qualified))[1]
    local lo, hi = tonumber(mm.lo), tonumber(mm.hi)
    if not lo or not hi then return nil end
    local bounds = {}
    for g = 1, n - 1 do
      local b = string.format("%d", lo + math.floor((hi - lo + 1) * g / n))
      if bounds[#bounds] ~= b then bounds[#bounds + 1] = b end
    end
    return range_conditions(k, bounds)
  end
  if key then
    local k = pg.quote_ident(key)
    local rows = ctx.source:query(string.format([[
      WITH b AS (SELECT min(%s)::numeric AS lo, max(%s)::numeric AS hi FROM ONLY %s)
      SELECT (lo + floor((hi - lo + 1) * g / $1))::text AS lo
        FROM b, generate_series(1, $1 - 1) AS g
       WHERE b.lo IS NOT NULL ORDER BY g]], k, k, task.source.qualified), n)
    local bounds = {}
    for _, r in ipairs(rows) do
      if bounds[#bounds] ~= r.lo then bounds[#bounds + 1] = r.lo end
    end
    return range_conditions(k, bounds)
  end
  -- ctid ranges read only their pages (TID range scans).  They hold in one
  -- snapshot only, so a resumed run reloads such a table whole; an append
  -- into a table the run did not make could not be redone, so it is not split.
  if task.source.kind ~= "table" or task.policy == "append" then return nil end
  local pages = ctx.source:query(string.format(
    "SELECT (pg_relation_size('%s'::regclass) / current_setting('block_size')::int)::bigint AS n",
    task.source.qualified:gsub("'", "''")))[1].n
  if pages < n * 2 then return nil end
  local conds, prev = {}, 0
  for i = 1, n - 1 do
    local at = math.floor(pages * i / n)
    conds[i] = string.format("ctid >= '(%d,0)'::tid AND ctid < '(%d,0)'::tid", prev, at)
    prev = at
  end
  conds[n] = string.format("ctid >= '(%d,0)'::tid", prev)
  return conds
end

-- The chunks of a task in the record: as saved by an earlier attempt
-- (a resume uses the very same ones), else planned now.
local function plan_chunks(ctx, rec, task)
  local saved = record.chunks(rec, task.label)
  if #saved > 0 then
    local done, todo, ctid = 0, 0, false
    for _, c in ipairs(saved) do
      if c.kind == "data" then
        if c.done then done = done + 1 else todo = todo + 1 end
        ctid = ctid or (c.cond or ""):match("^ctid") ~= nil
      end
    end
    if not (ctid and done > 0 and todo > 0) then return end
    log("info", "%s: ctid ranges hold in one snapshot only; reloading the table whole", task.label)
  end
  local conds = split_conditions(ctx, task)
  local chunks = {}
  if conds then
    chunks[1] = { chunk = 0, kind = "prepare" }
    for i, cnd in ipairs(conds) do chunks[#chunks + 1] = { chunk = i, kind = "data", cond = cnd } end
  else
    chunks[1] = { chunk = 1, kind = "load" }
  end
  chunks[#chunks + 1] = { chunk = chunks[#chunks].chunk + 1, kind = "post" }
  record.save_chunks(rec, task.label, chunks)
end

-- Open both sides of a recipe (or a plan: any table with source, target,
-- params and hooks) and read the source catalog, every name spelled
-- fully qualified (types, defaults, index definitions) as the target
-- needs.  Returns the run context and the catalog entries.
function M.open(r)
  local ctx = { recipe = r, params = r.params, source_type = work.kind_of(r, "source"),
                target_type = target_type_of(r) }
  ctx.log = function(msg) core.log("info", "recipe", tostring(msg)) end
  ctx.source = connect(r, "source", "source")
  ctx.target = connect(r, "target", "target")
  if ctx.target_type == "mysql" then
    if ctx.source_type == "odbc" then
      require("migrate.errors").raise("usage",
        "an ODBC source into a MySQL target is not supported in this version: the source must be PostgreSQL")
    end
    ctx.target_database = ctx.target:query("SELECT DATABASE() AS db")[1].db
    if not ctx.target_database then
      require("migrate.errors").raise("usage",
        "the MySQL target connection names no database: add Database=... to it")
    end
  end
  if ctx.source_type == "odbc" then
    ctx.source_dbms = ctx.source:dbms()
    -- no snapshot to share: the source is read as it is
    return ctx, catalog.load_odbc(ctx.source, { schemas = r.schemas })
  end
  -- One snapshot for the whole run: every table and chunk is read as the
  -- source was at this instant, so rows and foreign keys agree even while
  -- the source is being written (as pg_dump does).  The catalog is read
  -- in it too.
  ctx.source:exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
  ctx.source:exec("SET LOCAL search_path = pg_catalog")
  local entries = catalog.load(ctx.source)
  ctx.source:exec("SET LOCAL search_path TO DEFAULT")
  return ctx, entries
end

-- path made absolute against the current directory: a worker started
-- elsewhere writes where the run said.
local function absolute(path)
  if path:sub(1, 1) == "/" then return path end
  local cwd = assert(core.cwd())
  return cwd .. "/" .. path
end

-- Rows one chunk may reject before it fails: past this many, the cause
-- is rarely the rows (a type mapped wrong, a constraint the source never
-- had) and a failed table says so sooner than a full reject file.
local DEFAULT_MAX_REJECTS = 1000

-- --max-rejects N: a whole number >= 0, or nil when not given.
local function max_rejects(given)
  if given == nil then return nil end
  local n = tonumber(given)
  if not n or n < 0 or n % 1 ~= 0 then
    errors.raise("usage", "--max-rejects expects a whole number >= 0, got '" .. tostring(given) .. "'")
  end
  return n
end

-- The settings every worker of a run follows (kept in the record, so a
-- `migrate worker` joining from elsewhere follows them too).
local function run_settings(r, options)
  return {
    workers = tonumber(options.workers) or r.workers or core.ncpu(),
    lease = tonumber(options.lease) or r.lease or 60,
    max_tasks = r.max_tasks, retries = r.retries or 5,
    stop_on_error = (options.stop_on_error or r.stop_on_error) and true or false,
    verify = options.verify and true or false,
    separate_state = options.state ~= nil,
    reject_dir = absolute(options.reject_dir or
      (r.reject_dir and require("migrate.template").expand(r.reject_dir, r.params or {})) or "migrate-rejects"),
    max_rejects = max_rejects(options.max_rejects) or r.max_rejects or DEFAULT_MAX_REJECTS,
  }
end

-- A worker for this process (migrate.work), over the run's connections.
function M.worker(ctx, rec, tasks, s, options, snapshot)
  local by_label = {}
  for _, t in ipairs(tasks) do by_label[t.label] = t end
  ctx.record = rec
  return { ctx = ctx, rec = rec, tasks = by_label, id = core.hostname() .. ":" .. core.pid(),
           lease = s.lease, max_tasks = s.max_tasks, retries = s.retries,
           stop_on_error = s.stop_on_error, snapshot = snapshot, state_url = options.state,
           options = { progress = options.progress, verify = s.verify, run_id = rec.run_id,
                       reject_dir = s.reject_dir, max_rejects = s.max_rejects } }
end

local function log_level()
  for _, l in ipairs { "debug", "info", "warn", "error" } do
    if core.log_enabled(l) then return l end
  end
  return "none"
end

-- Start n `migrate worker` processes for this run.  They get the
-- connections (with their passwords) through their environment, never
-- their command line.  Returns { [pid] = worker id }.
local function spawn_workers(ctx, rec, n, state_url)
  local r = ctx.recipe
  local exe = core.self_exe()
  local env = { "MIGRATE_WORKER=" .. cjson.encode {
    source = r.source, target = r.target, params = r.params or {},
    recipe = recipe.origin(r), state = state_url,
  } }
  local children = {}
  for _ = 1, n do
    local pid, err = core.spawn({ exe, "worker", "--run", tostring(rec.run_id),
                                  "--log-level", log_level() }, env)
    if not pid then
      log("warn", "cannot start a worker process (%s); going on with fewer", tostring(err))
      break
    end
    children[pid] = core.hostname() .. ":" .. pid
  end
  return children
end

local function show_progress(rec, t0)
  local ok, p = pcall(record.progress, rec)
  if not ok then return end
  p.tasks_running = select(2, pcall(record.running, rec))
  local secs = core.now() - t0
  local line = string.format("\r\27[K  %d/%d tables, %d running  %d/%d chunks  %s rows  %s/s",
    p.finished, p.tasks, p.running, p.slices_done, p.slices, report.thousands(p.rows),
    report.bytes(secs > 0 and p.bytes / secs or 0))
  if p.estimate > 0 and p.rows > 0 and secs > 0 then
    local done = math.min(p.rows / p.estimate, 0.99)
    line = line .. string.format("  ~%d%%  %ds left", math.floor(done * 100),
      math.ceil(secs * (1 - done) / done))
  end
  local running = {}
  for _, t in ipairs(type(p.tasks_running) == "table" and p.tasks_running or {}) do
    running[#running + 1] = t.slices > 1 and string.format("%s %d/%d", t.target, t.done, t.slices)
      or t.target
  end
  if #running > 0 then line = line .. "  [" .. table.concat(running, ", ") .. "]" end
  io.stderr:write(line)
end

-- Wait for the workers; forward Ctrl-C to them once; give a dead
-- worker's chunks to the others at once.
local function supervise(rec, children, options, t0)
  local tty = options.progress and core.isatty(2)
  local shown, forwarded = 0, false
  while next(children) do
    if core.interrupted() and not forwarded then
      for pid in pairs(children) do core.kill(pid, "INT") end
      forwarded = true
    end
    for pid, id in pairs(children) do
      local ended, code = core.wait(pid, forwarded)
      if ended then
        children[pid] = nil
        if code ~= 0 and not forwarded then
          log("warn", "worker %s exited with code %d; its chunks go to the others", id, code)
          if not pcall(record.release_worker, rec, id) then
            rec.unreleased = rec.unreleased or {}
            rec.unreleased[#rec.unreleased + 1] = id
          end
        end
      end
    end
    if tty and core.now() - shown >= 1 then
      show_progress(rec, t0)
      shown = core.now()
    end
    core.sleep(0.1)
  end
  if tty then io.stderr:write("\r\27[K") end
end

-- Foreign keys, after all the data: a task's keys once both its table
-- and the referenced ones succeeded.
local function foreign_keys(ctx, rec, tasks)
  local status = {}
  for _, row in ipairs(record.results(rec)) do status[row.task] = row.status end
  local by_source = {}
  for _, t in ipairs(tasks) do
    if status[t.label] == "succeeded" then by_source[t.label] = t end
  end
  for _, t in ipairs(tasks) do
    if by_source[t.label] and record.done(rec, t.label, "created") then
      local failure = work.run_steps(ctx, t.label, plan.foreign_key_sql(t, by_source))
      if failure then work.fail_after_load(rec, t, failure) end
    end
  end
end

-- The results of this attempt's tasks, from the record, in plan order.
local function results_of(rec, tasks, before)
  local by_label = {}
  for _, t in ipairs(tasks) do by_label[t.label] = t end
  local results = {}
  for _, row in ipairs(record.results(rec)) do
    local task = by_label[row.task]
    if task then
      local res = { source = row.task, target = row.target, status = row.status, rows = row.rows,
                    bytes = row.bytes, seconds = row.seconds, remark = row.reason,
                    attempts = row.attempts, chunks = row.slices, task = task,
                    rejected = tonumber(row.rejected) }
      if before[row.task] == "succeeded" then
        res.seconds, res.remark = 0, "loaded by an earlier attempt of this run"
      end
      results[#results + 1] = res
    end
  end
  return results
end

local function write_json_report(path, rec, results, seconds, code)
  local tasks = {}
  for i, r in ipairs(results) do
    tasks[i] = { source = r.source, target = r.target, status = r.status, rows = r.rows or 0,
                 bytes = r.bytes or 0, seconds = r.seconds or 0, attempts = r.attempts,
                 chunks = r.chunks, rejected = r.rejected or 0, remark = r.remark or cjson.null }
  end
  local f, err = io.open(path, "w")
  if not f then
    log("error", "cannot write the report %s: %s", path, tostring(err))
    return
  end
  f:write(cjson.encode { run_id = rec.run_id, exit_code = code, seconds = seconds, tasks = tasks }, "\n")
  f:close()
end

-- Run planned tasks: register them and their chunks in the record, have
-- workers do the chunks, then the foreign keys; print the report; close
-- both sides.  Returns the exit code.
function M.execute(ctx, tasks, options)
  options = options or {}
  local r = ctx.recipe
  need_state(r, options)
  if ctx.target_type == "mysql" then
    -- tasks of a plan file too (finish_task is idempotent)
    for _, t in ipairs(tasks) do require("migrate.target_mysql").finish_task(t) end
  end
  local s = run_settings(r, options)
  local t0 = core.now()
  local state = ctx.target
  if options.state then state = require("migrate.pg").connect(options.state, "state") end
  local rec = record.open(state, ctx.run_key, options.restart, options.state and ctx.target)
  ctx.record = rec
  if rec.resumed then
    log("info", "resuming run %d (--restart starts over)", rec.run_id)
  end
  local before = {}
  for _, row in ipairs(record.results(rec)) do before[row.task] = row.status end
  for i, task in ipairs(tasks) do
    task.position = i
    task.wave = r.wave_size and math.floor((i - 1) / r.wave_size) or 0
  end
  -- A task waits for what it comes after: never in an earlier wave.
  local by = {}
  for _, t in ipairs(tasks) do by[t.label] = t end
  local changed = true
  while changed do
    changed = false
    for _, t in ipairs(tasks) do
      for _, dep in ipairs(t.after or {}) do
        if by[dep] and by[dep].wave > t.wave then t.wave, changed = by[dep].wave, true end
      end
    end
  end
  for _, task in ipairs(tasks) do record.task(rec, task) end
  log("info", "%d tables selected from %s", #tasks, ctx.source:display())
  work.call_hook(ctx, "before_run")
  local okp, perr = pcall(function()
    for _, task in ipairs(tasks) do plan_chunks(ctx, rec, task) end
  end)
  if not okp then
    pcall(record.finish, rec, "failed")
    error(perr, 0)
  end

  local snapshot
  if ctx.source_type ~= "odbc" then
    snapshot = ctx.source:query("SELECT pg_export_snapshot() AS s")[1].s
  end
  -- (the plan's fingerprint is an md5 on a PostgreSQL server: the record's)
  local doc = require("migrate.planfile").document(r,
    ctx.target_type == "pg" and ctx or setmetatable({ target = state }, { __index = ctx }), tasks)
  record.attempt(rec, yaml.encode(doc), cjson.encode(s), snapshot)
  local w = M.worker(ctx, rec, tasks, s, options, nil)
  if s.workers > 1 then
    log("info", "%d workers", s.workers)
    supervise(rec, spawn_workers(ctx, rec, s.workers, options.state), options, t0)
  end
  -- What the workers left (all of it with --workers 1; a dead worker's
  -- chunks) is done here.
  local outcome = core.interrupted() and "interrupted" or nil
  if not outcome then
    local ok, res = pcall(work.loop, w)
    if not ok and work.is_interruption(res) then
      ok, res = true, "interrupted"
    end
    if not ok then
      core.hold_interrupts(true)
      log("error", "%s", tostring(res))
      outcome = "failed"
      if not ctx.target:alive() or not pcall(ctx.target.exec, ctx.target, "SELECT 1") then
        io.stderr:write(string.format("migrate: %s\nmigrate: the run stopped: the target cannot be reached; run the same command again to resume\n", tostring(res)))
        pcall(ctx.source.close, ctx.source)
        pcall(ctx.target.close, ctx.target)
        return core.exit.connect
      end
    else
      outcome = res
    end
  end
  core.hold_interrupts(true)
  if outcome == "interrupted" then
    pcall(record.stop_running, rec, "interrupted", nil, "interrupted")
  else
    if record.run_status(rec) == "stopping" then
      record.stop_running(rec, "failed", "stopped after a table failed", "stopped after a table failed")
    elseif outcome == "failed" then
      record.stop_running(rec, "failed", "the run stopped: see the log", "the run stopped")
    end
    local ok, err = pcall(foreign_keys, ctx, rec, tasks)
    if not ok then log("error", "%s", tostring(err)) end
  end
  local results = results_of(rec, tasks, before)
  local seconds = core.now() - t0
  local text = report.render(results, seconds)
  if outcome ~= "interrupted" then work.call_hook(ctx, "after_run", results) end
  io.stdout:write("\n", text)
  io.stdout:flush()
  local code = core.exit.ok
  for _, res in ipairs(results) do
    if res.status ~= "succeeded" and res.status ~= "skipped" or
       (res.status == "skipped" and res.remark and res.remark:match("^not started")) then
      code = core.exit.tasks_failed
    end
  end
  if code == core.exit.ok then
    for _, res in ipairs(results) do
      if (tonumber(res.rejected) or 0) > 0 then code = core.exit.rows_rejected end
    end
  end
  if outcome == "interrupted" or core.interrupted() then code = core.exit.interrupted end
  if options.report then write_json_report(options.report, rec, results, seconds, code) end
  pcall(record.finish, rec, (code == core.exit.ok or code == core.exit.rows_rejected) and "succeeded"
    or code == core.exit.interrupted and "interrupted" or "failed")
  ctx.source:close()
  ctx.target:close()
  if rec.target then rec.conn:close() end
  return code
end

-- `migrate worker`: join a running migration and do its chunks until none
-- is left.  Started by `migrate run --workers N` (the connections come
-- through the environment) or by hand on any host with --state URL (the
-- database holding the record: the run's target); the source's password,
-- when the plan has it masked, comes from source=... or PG* / .pgpass.
function M.worker_main(params, options)
  local given = os.getenv("MIGRATE_WORKER")
  local settings = given and cjson.decode(given)
  local r
  local state, target
  local pg = require "migrate.pg"
  if settings then
    r = { source = settings.source, target = settings.target, params = settings.params, hooks = {} }
    if settings.recipe then r = recipe.load(settings.recipe, settings.params) end
    target = connect(r, "target", "target")
    state = settings.state and pg.connect(settings.state, "state") or target
    options.state = settings.state
  else
    if not options.state then
      errors.raise("usage", "migrate worker needs --state URL: the database holding the run's record (its target)")
    end
    state = pg.connect(options.state, "state")
  end
  local rec, run = record.join(state, tonumber(options.run))
  if not rec then
    errors.raise("usage", string.format("no running migration in %s%s", state:display(),
      options.run and (" with run id " .. options.run) or ""))
  end
  if run.status ~= "running" or not run.plan then
    state:close()
    core.log("info", "worker", string.format("run %d is %s: nothing to do", rec.run_id, run.status))
    return core.exit.ok
  end
  local s = cjson.decode(run.settings)
  if not settings then
    local doc = yaml.decode(run.plan)
    local merged = {}
    for k, v in pairs(doc.params ~= yaml.null and doc.params or {}) do merged[k] = v end
    for k, v in pairs(params) do merged[k] = v end
    r = { source = params.source or doc.source, target = params.target or doc.target,
          params = merged, hooks = {} }
    for _, field in ipairs { "source", "target" } do
      if tostring(r[field]):find("***", 1, true) and (field == "source" or s.separate_state) then
        errors.raise("usage", string.format("the run's %s connection is written with its password masked; " ..
          "give %s=... (or use PGPASSWORD / ~/.pgpass)", field, field))
      end
    end
    target = s.separate_state and connect(r, "target", "target") or state
    local origin = doc.recipe ~= yaml.null and doc.recipe or nil
    local f = origin and io.open(origin)
    if f then
      f:close()
      r.hooks = recipe.load(origin, merged).hooks or {}
    end
  end
  if s.separate_state then record.attach_target(rec, target) end
  local ctx = { recipe = r, params = r.params, source_type = work.kind_of(r, "source"),
                target_type = target_type_of(r), target = target }
  ctx.log = function(msg) core.log("info", "recipe", tostring(msg)) end
  ctx.source = work.connect_source(r, run.snapshot)
  local entries
  if ctx.source_type == "odbc" then
    ctx.source_dbms = ctx.source:dbms()
    entries = catalog.load_odbc(ctx.source, { schemas = r.schemas })
  else
    ctx.source:exec("SAVEPOINT migrate_catalog")
    ctx.source:exec("SET LOCAL search_path = pg_catalog")
    entries = catalog.load(ctx.source)
    ctx.source:exec("RELEASE SAVEPOINT migrate_catalog")
    ctx.source:exec("SET LOCAL search_path TO DEFAULT")
  end
  local tasks = require("migrate.planfile").tasks_from_text(run.plan, entries)
  for _, t in ipairs(tasks) do
    t.source_dbms = ctx.source_dbms
    if ctx.target_type == "mysql" then require("migrate.target_mysql").finish_task(t) end
  end
  local w = M.worker(ctx, rec, tasks, s, { progress = false, state = options.state }, run.snapshot)
  core.log("info", "worker", string.format("%s joined run %d", w.id, rec.run_id))
  local outcome = work.loop(w)
  ctx.source:close()
  ctx.target:close()
  if rec.target then rec.conn:close() end
  return outcome == "done" and core.exit.ok or core.exit.interrupted
end

-- An absolute path (the record knows a recipe by it, from any directory).
function M.absolute(path)
  if path:sub(1, 1) == "/" then return path end
  local cwd = os.getenv("PWD")
  return cwd and (cwd .. "/" .. path) or path
end

-- Plan a loaded recipe against the live source: the context and tasks.
function M.prepare(r)
  local ctx, entries = M.open(r)
  return ctx, plan.tasks(r, recipe.select(r, entries), ctx)
end

-- Run a loaded recipe; returns the exit code.
-- What the record knows a recipe's runs by (see record.run_key).
function M.run_key(r)
  return record.run_key(M.absolute(recipe.origin(r) or "recipe"), r.params)
end


local function is_plan(path) return path:match("%.ya?ml$") ~= nil end

-- The settings of a recipe file or a plan file (.yaml), without
-- connecting: a recipe-like table (source, target, params, ...) and the
-- key the record knows its runs by.
function M.settings_of(path, params)
  if is_plan(path) then
    local _, _, r = require("migrate.planfile").read(path, params)
    return r, r.run_key
  end
  local r = recipe.load(path, params)
  return r, M.run_key(r)
end

-- A recipe or a plan, planned against the live source: context and tasks.
function M.prepare_file(path, params, options)
  if is_plan(path) then
    return require("migrate.planfile").load(path, params, options)
  end
  local r = recipe.load(path, params)
  local ctx, tasks = M.prepare(r)
  ctx.run_key = M.run_key(r)
  return ctx, tasks
end

-- Run a recipe file, or a plan file written by `migrate plan`.
function M.run_file(path, params, options)
  need_state(M.settings_of(path, params), options)
  local ctx, tasks = M.prepare_file(path, params, options)
  return M.execute(ctx, tasks, options)
end

return M
