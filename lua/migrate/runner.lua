-- migrate.runner: run a recipe, table by table.
--
--   connect -> read the source catalog -> select -> plan (names, DDL)
--   -> for each table, in ONE target transaction: create or truncate,
--      COPY (or COPY into a staging table + one INSERT ... ON CONFLICT),
--      identity reset
--   -> keys, indexes, then foreign keys, after all the data
--   -> report
--
-- A failing table is rolled back and reported; the others go on unless
-- the recipe (or --stop-on-error) says stop.  Ctrl-C rolls back the table
-- being loaded, prints the report and exits 130.
local core = require "migrate.core"
local errors = require "migrate.errors"
local pg = require "migrate.pg"
local copy = require "migrate.copy"
local catalog = require "migrate.catalog"
local plan = require "migrate.plan"
local recipe = require "migrate.recipe"
local record = require "migrate.record"
local report = require "migrate.report"
local template = require "migrate.template"

local M = {}

local function log(level, fmt, ...)
  core.log(level, "run", string.format(fmt, ...))
end

local function is_interruption(err)
  return core.interrupted() or (type(err) == "table" and err.code == "interrupted")
end

-- Attach the table to an error object (for the remark and the log line).
local function with_table(err, label)
  if not core.is_error(err) then
    local msg = type(err) == "table" and (err.msg or err.message) or err
    err = errors.new("internal", tostring(msg))
  end
  if err.table == nil then err.table = label end
  return err
end

-- Open the source or target named by the recipe (or plan settings).
local function connect(r, field, side)
  local str = template.expand(r[field], r.params or {})
  if str:match("^odbc:") or str:match("^https?://") then
    error(core.error { code = "connect", side = side, msg = string.format(
      "%s: only PostgreSQL connections are supported in this version (got %s)",
      side, core.mask(str)) }, 0)
  end
  return pg.connect(str, side)
end

M.connect = connect

-- Run fn inside BEGIN/COMMIT on conn; roll back and re-raise on error.
local function in_transaction(conn, fn)
  conn:exec("BEGIN")
  local ok, err = pcall(fn)
  if ok then
    conn:exec("COMMIT")
    return
  end
  if conn:alive() then pcall(conn.exec, conn, "ROLLBACK") end
  error(err, 0)
end

-- An existing target table: every copied column must be there; any type
-- difference sends the rows through the text path (the target parses).
local function adopt_existing(task, existing)
  local missing = {}
  for _, c in ipairs(plan.copied(task)) do
    local t = existing[c.target]
    if not t then
      missing[#missing + 1] = c.target
    elseif t.type ~= c.type or not t.builtin then
      task.format = "text"
    end
  end
  if #missing > 0 then
    error(core.error { code = "target", side = "target", msg = string.format(
      "target table %s has no column %s", task.target_label, table.concat(missing, ", ")) }, 0)
  end
end

local function progress_printer(task, options)
  if not options.progress or not core.isatty(2) then return nil end
  -- A PostgreSQL COPY sends one piece per row; the catalog's estimate
  -- gives the percentage and the time left.
  local estimate = task.entry.rows
  return function(s)
    local rate = s.seconds > 0 and s.bytes / s.seconds or 0
    local line = string.format("\r\27[K  %s  %s rows  %s  %s/s", task.target_label,
      report.thousands(s.pieces), report.bytes(s.bytes), report.bytes(rate))
    if estimate and estimate > 0 and s.pieces > 0 and s.seconds > 0 then
      local done = math.min(s.pieces / estimate, 0.99)
      local left = s.seconds * (1 - done) / done
      line = line .. string.format("  ~%d%%  %ds left", math.floor(done * 100), math.ceil(left))
    end
    io.stderr:write(line)
  end
end

local function run_copy(ctx, task, source_sql, target_sql, options)
  local progress = progress_printer(task, options)
  local stats = copy.run {
    source = ctx.source, source_sql = source_sql,
    target = ctx.target, target_sql = target_sql,
    format = task.format, progress = progress,
  }
  if progress then io.stderr:write("\r\27[K") end
  return stats
end

-- The target table, made ready inside the transaction of the first rows:
-- dropped and created, created, truncated or adopted as it is.  Returns
-- true when that transaction may COPY with FREEZE.
local function prepare_target(ctx, task, existing)
  local dst = ctx.target
  if existing and task.create == "recreate" then
    dst:exec("DROP TABLE " .. task.target.qualified .. " CASCADE")
    existing = nil
  end
  if existing then
    adopt_existing(task, existing)
    task.key_created = true -- the table is the user's; its keys stay as they are
    if task.policy == "overwrite" then dst:exec("TRUNCATE " .. task.target.qualified) end
  else
    if task.create == "never" then
      error(core.error { code = "target", side = "target", msg = string.format(
        "target table %s does not exist (create = \"never\")", task.target_label) }, 0)
    end
    dst:exec("CREATE SCHEMA IF NOT EXISTS " .. pg.quote_ident(task.target.schema))
    -- Upsert needs the key now; otherwise it is built after the data.
    task.key_created = task.policy == "upsert"
    dst:exec(plan.create_sql(task, task.key_created))
    task.created = true
    record.mark(ctx.record, task.label, "created")
    if task.key_created then record.mark(ctx.record, task.label, "primary key") end
  end
  -- Created or truncated in this transaction: FREEZE is allowed.
  return task.policy == "overwrite"
end

-- Copy one slice of the source (all of it, or one key range) into the
-- target, inside the caller's transaction.  Upsert stages and merges.
local function copy_slice(ctx, task, range, freeze, options)
  local dst = ctx.target
  if task.policy ~= "upsert" then
    local stats = run_copy(ctx, task, plan.source_copy_sql(task, range),
      plan.target_copy_sql(task, task.target.qualified, freeze), options)
    return { rows = stats.rows, bytes = stats.bytes }
  end
  local stage = "pg_temp._migrate_stage"
  local names = {}
  for i, c in ipairs(plan.copied(task)) do names[i] = pg.quote_ident(c.target) end
  dst:exec(string.format("CREATE TEMP TABLE _migrate_stage ON COMMIT DROP AS SELECT %s FROM %s WITH NO DATA",
    table.concat(names, ", "), task.target.qualified))
  local stats = run_copy(ctx, task, plan.source_copy_sql(task, range),
    plan.target_copy_sql(task, stage, false), options)
  -- The merge's hash joins want the matching keys in memory.
  dst:exec("SET LOCAL work_mem = '256MB'")
  local out = { rows = stats.rows, bytes = stats.bytes, inserted = 0, updated = 0 }
  for _, step in ipairs(plan.merge_sql(task, stage)) do
    local _, _, tag = dst:query(step.sql)
    if step.counts then out[step.counts] = tonumber(tag:match("(%d+)$")) end
  end
  return out
end

-- The key ranges of a big table (saved in the record, so a resume uses
-- the same ones), or nil to copy it in one piece.
local function chunks_of(ctx, task)
  local key = task.chunk_rows and plan.chunk_key(task.entry)
  if not key then return nil end
  local saved = record.chunks(ctx.record, task.label)
  if #saved > 0 then return saved, key end
  local estimate = task.entry.rows or 0
  if estimate <= task.chunk_rows then return nil end
  local n = math.ceil(estimate / task.chunk_rows)
  local k = pg.quote_ident(key)
  local chunks = ctx.source:query(string.format([[
    WITH b AS (SELECT min(%s)::numeric AS lo, max(%s)::numeric AS hi FROM ONLY %s)
    SELECT g + 1 AS chunk,
           (lo + floor((hi - lo + 1) * g / $1))::text AS lo,
           (lo + floor((hi - lo + 1) * (g + 1) / $1))::text AS hi
      FROM b, generate_series(0, $1 - 1) AS g
     WHERE b.lo IS NOT NULL
     ORDER BY g]], k, k, task.source.qualified), n)
  if #chunks < 2 then return nil end
  record.save_chunks(ctx.record, task.label, chunks)
  return chunks, key
end

-- Load a table: in one transaction, or chunk by chunk (key ranges), each
-- chunk's rows committing with its done-mark.  The first transaction also
-- creates or truncates the table; the last marks the table's data done.
local function load_table(ctx, task, options)
  local dst = ctx.target
  local existing = catalog.table_columns(dst, task.target.schema, task.target.name)
  local chunks, key = chunks_of(ctx, task)
  local slices, started, total = {}, false, { rows = 0, bytes = 0, inserted = 0, updated = 0 }
  for _, c in ipairs(chunks or { {} }) do
    if c.done then
      started = true -- an earlier attempt made the table and copied this chunk
      total.rows = total.rows + (c.rows or 0)
    else
      slices[#slices + 1] = c
    end
  end
  if started then
    task.created = record.done(ctx.record, task.label, "created") ~= nil
    if existing and not task.created then adopt_existing(task, existing) end
  end
  for i, c in ipairs(slices) do
    local range
    if c.chunk then
      local k = pg.quote_ident(key)
      range = string.format("%s >= %s AND %s < %s", k, c.lo, k, c.hi)
      log("info", "%s: chunk %d of %d", task.target_label, c.chunk, #chunks)
    end
    in_transaction(dst, function()
      local freeze = false
      if not started then freeze = prepare_target(ctx, task, existing) end
      local r = copy_slice(ctx, task, range, freeze, options)
      if c.chunk then record.chunk_done(ctx.record, task.label, c.chunk, r.rows) end
      for k2, v in pairs(r) do total[k2] = (total[k2] or 0) + v end
      -- The rows and their done-mark commit together, or neither does.
      if i == #slices then record.mark(ctx.record, task.label, "data", total.rows) end
    end)
    started = true
  end
  if task.policy == "upsert" then
    total.remark = string.format("%s inserted, %s updated, %s unchanged",
      report.thousands(total.inserted), report.thousands(total.updated),
      report.thousands(total.rows - total.inserted - total.updated))
  end
  if chunks then
    local note = string.format("%d chunks by %s", #chunks, key)
    total.remark = total.remark and (total.remark .. "; " .. note) or note
  end
  return total
end

-- A hook is recipe code: its failure is a recipe error naming the hook
-- (Lua's message already carries the recipe's file:line).
local function call_hook(ctx, name, ...)
  local hooks = ctx.recipe.hooks
  local fn = hooks and hooks[name]
  if not fn then return nil end
  local results = { pcall(fn, ctx, ...) }
  if results[1] then return unpack(results, 2) end
  local err = results[2]
  if is_interruption(err) or core.is_error(err) then error(err, 0) end
  local msg = type(err) == "table" and (err.msg or err.message) or err
  errors.raise("recipe", string.format("hook %s failed: %s", name, tostring(msg)))
end

-- One table: hooks around the load; the result never raises (except on
-- Ctrl-C, which must stop the run).
local function run_task(ctx, task, options)
  local res = { source = task.label, target = task.target_label, task = task }
  local rec = ctx.record
  local earlier = record.done(rec, task.label, "data")
  if earlier then
    -- Loaded by an earlier attempt of this run: its rows committed with
    -- their done-mark, so they are there exactly once.
    task.created = record.done(rec, task.label, "created") ~= nil
    res.status, res.rows, res.seconds = "succeeded", earlier.rows, 0
    res.remark = "loaded by an earlier attempt of this run"
    -- That attempt may have died between its commit and its status update.
    record.set_status(rec, task.label, "succeeded", { rows = earlier.rows })
    return res
  end
  record.set_status(rec, task.label, "running")
  local t0 = core.now()
  -- A failed or cancelled read must not abort the run's source snapshot.
  ctx.source:exec("SAVEPOINT migrate_table")
  local ok, err = pcall(function()
    if call_hook(ctx, "before_table", task) == false then
      res.status, res.remark = "skipped", "skipped by the before_table hook"
      return
    end
    log("info", "%s -> %s (%s, %s)", task.label, task.target_label, task.policy, task.format)
    local loaded = load_table(ctx, task, options)
    res.rows, res.bytes, res.remark = loaded.rows, loaded.bytes, loaded.remark
    res.status = "succeeded"
    call_hook(ctx, "after_table", task, res)
  end)
  res.seconds = core.now() - t0
  if ctx.source:alive() then
    pcall(ctx.source.exec, ctx.source, ok and "RELEASE SAVEPOINT migrate_table"
      or "ROLLBACK TO SAVEPOINT migrate_table")
  end
  if not ok then
    err = with_table(err, task.label)
    res.status = is_interruption(err) and "interrupted" or "failed"
    res.remark, res.error = tostring(err), err
    log("error", "%s", tostring(err))
    if not ctx.target:alive() then
      -- The target went away: reconnect so the next tables can go on.
      local reok, conn = pcall(connect, ctx.recipe, "target", "target")
      if reok then ctx.target, rec.conn = conn, conn end
    end
    pcall(record.set_status, rec, task.label, res.status, { reason = res.remark })
  else
    log("info", "%s: %s rows in %.2f s", task.target_label, report.thousands(res.rows or 0), res.seconds)
    record.set_status(rec, task.label, res.status,
      { rows = res.rows, seconds = res.seconds, reason = res.remark })
  end
  return res
end

-- Run steps (post-load DDL) for a result; the first failure marks it.
-- Each step and its done-mark commit together; a done step is skipped
-- when a run resumes (steps with once = false are simply run again).
local function run_steps(ctx, res, steps)
  local t0 = core.now()
  local label = res.task.label
  for _, step in ipairs(steps) do
    local ok, err = true, nil
    if step.once == false then
      ok, err = pcall(ctx.target.exec, ctx.target, step.sql)
    elseif not record.done(ctx.record, label, step.what) then
      ok, err = pcall(in_transaction, ctx.target, function()
        ctx.target:exec(step.sql)
        record.mark(ctx.record, label, step.what)
      end)
    end
    if not ok then
      if is_interruption(err) then error(err, 0) end
      res.status = "failed"
      res.remark = string.format("%s on %s failed: %s", step.what, res.target, tostring(err))
      log("error", "%s", res.remark)
      break
    end
  end
  res.seconds = res.seconds + (core.now() - t0)
end

local function finish_tables(ctx, results)
  local by_source = {}
  for _, res in ipairs(results) do
    if res.status == "succeeded" then by_source[res.source] = res.task end
  end
  for _, res in ipairs(results) do
    if res.status == "succeeded" and res.task.created then
      run_steps(ctx, res, plan.post_sql(res.task))
    end
  end
  for _, res in ipairs(results) do
    if res.status == "succeeded" and res.task.created then
      run_steps(ctx, res, plan.foreign_key_sql(res.task, by_source))
    end
  end
  -- setval is not transactional anyway; once the keys exist, max() reads
  -- one index page instead of the whole table.
  for _, res in ipairs(results) do
    if res.status == "succeeded" and res.task.reset_sequences then
      local steps = {}
      for _, sql in ipairs(plan.identity_reset_sql(res.task)) do
        steps[#steps + 1] = { what = "identity reset", sql = sql, once = false }
      end
      run_steps(ctx, res, steps)
    end
  end
  for _, res in ipairs(results) do
    local notes = res.task and res.task.notes or {}
    if res.status == "succeeded" and #notes > 0 then
      local remark = res.remark and { res.remark } or {}
      for _, n in ipairs(notes) do remark[#remark + 1] = n end
      res.remark = table.concat(remark, "; ")
    end
  end
end

-- Open both sides of a recipe (or a plan: any table with source, target,
-- params and hooks) and read the source catalog, every name spelled
-- fully qualified (types, defaults, index definitions) as the target
-- needs.  Returns the run context and the catalog entries.
function M.open(r)
  local ctx = { recipe = r, params = r.params, source_type = "pg", target_type = "pg" }
  ctx.log = function(msg) core.log("info", "recipe", tostring(msg)) end
  ctx.source = connect(r, "source", "source")
  ctx.target = connect(r, "target", "target")
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

-- Run planned tasks table by table, then keys, indexes, foreign keys and
-- identity resets; print the report; close both sides.  Returns the exit
-- code.
function M.execute(ctx, tasks, options)
  options = options or {}
  local stop_on_error = options.stop_on_error or ctx.recipe.stop_on_error
  local t0 = core.now()
  local rec = record.open(ctx.target, ctx.run_key, options.restart)
  ctx.record = rec
  if rec.resumed then
    log("info", "resuming run %d (--restart starts over)", rec.run_id)
  end
  for _, task in ipairs(tasks) do
    record.task(rec, task.label, task.target_label, task.target.qualified)
  end
  log("info", "%d tables selected from %s", #tasks, ctx.source:display())
  call_hook(ctx, "before_run")

  local results, stopped = {}, nil
  for _, task in ipairs(tasks) do
    if stopped then
      results[#results + 1] = { source = task.label, target = task.target_label,
                                status = "skipped", remark = stopped, task = task }
    else
      local res = run_task(ctx, task, options)
      results[#results + 1] = res
      if res.status == "interrupted" then
        core.hold_interrupts(true)
        stopped = "not started: interrupted"
      elseif res.status == "failed" and stop_on_error then
        stopped = "not started: stopped after " .. task.label .. " failed"
      end
    end
  end
  if not core.interrupted() then
    local ok, err = pcall(finish_tables, ctx, results)
    if not ok then
      core.hold_interrupts(true)
      log("error", "%s", tostring(err))
    end
  end
  local text = report.render(results, core.now() - t0)
  if not core.interrupted() then call_hook(ctx, "after_run", results) end
  io.stdout:write("\n", text)
  io.stdout:flush()
  local code = core.exit.ok
  for _, res in ipairs(results) do
    if res.status ~= "succeeded" and res.status ~= "skipped" or
       (res.status == "skipped" and stopped and res.remark == stopped) then
      code = core.exit.tasks_failed
    end
  end
  if core.interrupted() then code = core.exit.interrupted end
  pcall(record.finish, rec, code == core.exit.ok and "succeeded"
    or code == core.exit.interrupted and "interrupted" or "failed")
  ctx.source:close()
  ctx.target:close()
  return code
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
  local ctx, tasks = M.prepare_file(path, params, options)
  return M.execute(ctx, tasks, options)
end

return M
