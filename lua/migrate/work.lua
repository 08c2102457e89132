-- migrate.work: a worker.  It claims chunks from the record and does them
-- until none is left: in the `migrate run` process itself (--workers 1),
-- in the processes that run starts (--workers N), or in `migrate worker`
-- started anywhere else against the same record.
--
--   load     before_table hook; in ONE target transaction: the chunk's row
--            lock, create/truncate/adopt the table, COPY (FREEZE when
--            the table was made in it), the done-mark
--   prepare  the same without rows (a table split into slices)
--   data     one slice's COPY (or stage + merge for upsert) and its mark
--   post     after_table hook, keys and indexes (each committing with its
--            own mark), identity reset, --verify, the task's status
--
-- A failed chunk is rolled back and given back: rerun after the task's
-- rerun_interval while reruns are left, else its task fails.  A lost
-- connection (SQLSTATE class 08) is retried with backoff; the chunk stays
-- this worker's meanwhile.
local core = require "migrate.core"
local errors = require "migrate.errors"
local pg = require "migrate.pg"
local copy = require "migrate.copy"
local catalog = require "migrate.catalog"
local plan = require "migrate.plan"
local record = require "migrate.record"
local report = require "migrate.report"
local target_mysql = require "migrate.target_mysql"
local template = require "migrate.template"

-- Tries a chunk gets beyond its reruns when the server picks it as a
-- deadlock or serialization victim.
local TRANSIENT_TRIES = 3

local M = {}

local function log(level, fmt, ...)
  core.log(level, "run", string.format(fmt, ...))
end

local function is_interruption(err)
  return core.interrupted() or (type(err) == "table" and err.code == "interrupted")
end
M.is_interruption = is_interruption

-- A connection that broke (the server went away, the network cut): worth
-- reconnecting and trying again.
local function is_connection_loss(err, ctx)
  if type(err) == "table" and type(err.sqlstate) == "string" and err.sqlstate:sub(1, 2) == "08" then
    return true
  end
  return not ctx.target:alive() or not ctx.source:alive()
    or (ctx.record and not ctx.record.conn:alive())
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
M.with_table = with_table

-- "odbc" or "pg": the kind of database the recipe's `field` names.
function M.kind_of(r, field)
  local str = template.expand(r[field], r.params or {})
  return str:match("^odbc:") and "odbc" or "pg"
end

-- An ODBC connection (migrate.odbc) with the methods the run uses on a
-- migrate.pg one: query, exec, catalog, display, dbms, alive, close, and
-- begin, commit, rollback (autocommit off between begin and the end).
-- `raw` is the binding's userdata, for migrate.copy.run.
local function odbc_connection(str, side)
  local raw = require("migrate.odbc").connect(str, side)
  local c = { raw = raw, kind = "odbc", open = true }
  function c.query(_, sql, ...) return raw:query(sql, ...) end
  function c.exec(_, sql) return raw:exec(sql) end
  function c.begin() raw:autocommit(false) end
  function c.commit()
    raw:commit()
    raw:autocommit(true)
  end
  function c.rollback()
    raw:rollback()
    raw:autocommit(true)
  end
  function c.catalog(_, ...) return raw:catalog(...) end
  function c.display() return raw:display() end
  function c.dbms() return raw:dbms() end
  function c.side() return raw:side() end
  function c.alive() return c.open end
  function c.close()
    c.open = false
    raw:close()
  end
  return setmetatable(c, { __tostring = function() return tostring(raw) end })
end

-- A MySQL or MariaDB target session: strict, UTC, its landed marks in
-- the target database (migrate.target_mysql).  Any other ODBC target is
-- refused: its DDL and writes are not made yet.
local function mysql_target(c)
  local dbms = c.dbms()
  if not target_mysql.is_mysql(dbms) then
    c.close()
    error(core.error { code = "connect", side = "target", msg = string.format(
      "target: %s through ODBC is not a supported target in this version (MySQL and MariaDB are)",
      tostring(dbms)) }, 0)
  end
  for _, sql in ipairs(target_mysql.SESSION_SQL) do c.exec(c, sql) end
  -- PostgreSQL's $1, $2 ... (the plan's fingerprint, hooks written for
  -- either target) become ODBC's ? when they come in order, once each.
  local raw_query = c.query
  function c.query(self, sql, ...)
    local n, seq = select("#", ...), 0
    local odbc_sql = sql:gsub("%$(%d+)", function(d)
      seq = seq + 1
      if tonumber(d) ~= seq then seq = math.huge end
      return "?"
    end)
    if n > 0 and seq == n then sql = odbc_sql end
    return raw_query(self, sql, ...)
  end
  c.landed = target_mysql.landed
  c.dialect = "mysql"
  return c
end

-- Open the source or target named by the recipe (or plan settings).
-- An ODBC target is MySQL or MariaDB.
function M.connect(r, field, side)
  local str = template.expand(r[field], r.params or {})
  if str:match("^odbc:") and side == "source" then
    return odbc_connection(str, side)
  end
  if str:match("^odbc:") and side == "target" then
    return mysql_target(odbc_connection(str, side))
  end
  if str:match("^odbc:") or str:match("^https?://") then
    error(core.error { code = "connect", side = side, msg = string.format(
      "%s: only PostgreSQL connections are supported here in this version (got %s)",
      side, core.mask(str)) }, 0)
  end
  return pg.connect(str, side)
end

-- The source, read under the run's snapshot: one consistent state for
-- every chunk of every worker (as pg_dump --jobs does).  An ODBC source
-- has no exported snapshot: each worker reads it as it is.
function M.connect_source(r, snapshot)
  local conn = M.connect(r, "source", "source")
  if conn.kind == "odbc" then return conn end
  conn:exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
  if snapshot then
    local ok, err = pcall(conn.exec, conn, "SET TRANSACTION SNAPSHOT " .. pg.quote_literal(snapshot))
    if not ok then
      conn:close()
      errors.raise("connect", "source: cannot join the run's snapshot " .. snapshot ..
        " (the run that exported it has ended?): " .. tostring(err.msg or err))
    end
  end
  return conn
end

-- Run fn inside BEGIN/COMMIT on conn; roll back and re-raise on error.
-- (An ODBC connection: autocommit off, then commit or rollback.  MySQL
-- commits DDL by itself: callers order their statements for it.)
function M.in_transaction(conn, fn)
  if conn.kind == "odbc" then conn:begin() else conn:exec("BEGIN") end
  local ok, err = pcall(fn)
  if ok then
    if conn.kind == "odbc" then conn:commit() else conn:exec("COMMIT") end
    return
  end
  if conn:alive() then
    if conn.kind == "odbc" then pcall(conn.rollback, conn) else pcall(conn.exec, conn, "ROLLBACK") end
  end
  error(err, 0)
end
local in_transaction = M.in_transaction

-- Do fn as chunk c's work: in one target transaction that holds the
-- chunk's lock and commits its done-mark.  With the record apart
-- (--state), the record's transaction holds the lock around the target's,
-- and a chunk the target already has (landed by a worker that died before
-- telling the record) is only marked done.  Returns false when the chunk
-- is no longer this worker's.
function M.in_chunk(w, task, c, fn)
  local rec, dst = w.rec, w.ctx.target
  if not rec.target then
    local held = true
    in_transaction(dst, function()
      held = record.hold(rec, task.label, c.chunk, w.id)
      if held then fn() end
    end)
    return held
  end
  local held = true
  in_transaction(rec.conn, function()
    held = record.hold(rec, task.label, c.chunk, w.id)
    if not held then return end
    local landed = record.done(rec, task.label, "chunk " .. c.chunk)
    if landed then
      log("info", "%s: chunk %d had landed already", task.target_label, c.chunk)
      record.chunk_done(rec, task.label, c.chunk, { rows = landed.rows, flushing = true })
      return
    end
    local ok, err = pcall(in_transaction, dst, fn)
    if not ok then
      record.forget(rec)
      error(err, 0)
    end
    record.flush(rec)
  end)
  return held
end
local in_chunk = M.in_chunk

-- A hook is recipe code: its failure is a recipe error naming the hook
-- (Lua's message already carries the recipe's file:line).
function M.call_hook(ctx, name, ...)
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
local call_hook = M.call_hook

-- An existing target table: every copied column must be there; any type
-- difference sends the rows through the text path (the target parses).
local function adopt_existing(task, existing)
  local missing = {}
  for _, c in ipairs(plan.copied(task)) do
    local t = existing[c.target]
    if not t then
      missing[#missing + 1] = c.target
    elseif task.dialect ~= "mysql" and (t.type ~= c.type or not t.builtin) then
      task.format = "text"
    end
  end
  if #missing > 0 then
    error(core.error { code = "target", side = "target", msg = string.format(
      "target table %s has no column %s", task.target_label, table.concat(missing, ", ")) }, 0)
  end
  task.key_created = true -- the table is the user's; its keys stay as they are
end

-- What this worker must know of a task another worker prepared: whether
-- the run created its table, else the table's columns as they are.
local function know(w, task)
  if w.known[task.label] then return end
  task.created = record.done(w.rec, task.label, "created") ~= nil
  if task.created then
    task.key_created = task.policy == "upsert" or task.dialect == "mysql"
  else
    local existing = (task.dialect == "mysql" and target_mysql or catalog).table_columns(
      w.ctx.target, task.target.schema, task.target.name)
    if existing then adopt_existing(task, existing) end
  end
  w.known[task.label] = true
end

-- prepare_target for MySQL, whose DDL commits by itself.  The "created"
-- mark goes in first and the CREATE TABLE commits it: killed before the
-- CREATE, the resumed run finds the mark and no table, and makes it;
-- after, it finds both and empties the table (its rows were not marked
-- done).  A table the run found is emptied with DELETE, inside the
-- chunk's transaction, so that its old rows go only when the new ones
-- come (and a foreign key to it does not stop it, as it stops TRUNCATE).
local function prepare_mysql(w, task)
  local dst = w.ctx.target
  local existing = target_mysql.table_columns(dst, task.target.schema, task.target.name)
  local ours = existing and record.done(w.rec, task.label, "created") ~= nil
  w.known[task.label] = true
  task.key_created = true
  local function without_fk_checks(sql)
    dst:exec("SET SESSION foreign_key_checks = 0")
    local ok, err = pcall(dst.exec, dst, sql)
    dst:exec("SET SESSION foreign_key_checks = 1")
    if not ok then error(err, 0) end
  end
  if existing and task.create == "recreate" and not ours then
    without_fk_checks("DROP TABLE " .. task.target.qualified)
    existing = nil
  end
  if ours then
    task.created = true
    without_fk_checks("TRUNCATE TABLE " .. task.target.qualified)
    return false
  end
  if existing then
    adopt_existing(task, existing)
    task.created = false
    if task.policy == "overwrite" then dst:exec("DELETE FROM " .. task.target.qualified) end
    return false
  end
  if task.create == "never" then
    error(core.error { code = "target", side = "target", msg = string.format(
      "target table %s does not exist (create = \"never\")", task.target_label) }, 0)
  end
  record.mark(w.ctx.record, task.label, "created")
  record.mark(w.ctx.record, task.label, "primary key")
  dst:exec(plan.create_sql(task, true))
  task.created = true
  return false
end

-- The enum types of a task's columns (type rules with to = "enum"), made
-- before its table: one with the same labels is used as it is; one with
-- other labels is dropped and made again under create = "recreate", and
-- stops the table otherwise.
local function make_enums(dst, task)
  for _, e in ipairs(plan.enum_sql(task)) do
    local have = {}
    local exists = dst:query("SELECT to_regtype($1) IS NOT NULL AS x", e.type)[1].x
    for _, row in ipairs(dst:query([[SELECT enumlabel FROM pg_enum
        WHERE enumtypid = to_regtype($1) ORDER BY enumsortorder]], e.type)) do
      have[#have + 1] = row.enumlabel
    end
    local same = exists and #have == #e.labels
    for i, l in ipairs(e.labels) do same = same and have[i] == l end
    if exists and not same then
      if task.create ~= "recreate" then
        error(core.error { code = "target", side = "target", msg = string.format(
          "type %s exists on the target with labels (%s), the source's are (%s): drop it, or create = \"recreate\"",
          e.type, table.concat(have, ", "), table.concat(e.labels, ", ")) }, 0)
      end
      dst:exec(e.drop)
    end
    if not same then dst:exec(e.sql) end
  end
end

-- The target table, made ready inside the transaction of the chunk that
-- prepares it: dropped and created, created, truncated or adopted as it
-- is.  Returns true when that transaction may COPY with FREEZE.
local function prepare_target(w, task)
  if task.dialect == "mysql" then return prepare_mysql(w, task) end
  local ctx, dst = w.ctx, w.ctx.target
  local existing = catalog.table_columns(dst, task.target.schema, task.target.name)
  local ours = existing and record.done(w.rec, task.label, "created") ~= nil
  if existing and task.create == "recreate" and not ours then
    dst:exec("DROP TABLE " .. task.target.qualified .. " CASCADE")
    existing = nil
  end
  w.known[task.label] = true
  if ours then
    -- made by an earlier attempt of this run, whose rows are to be redone
    task.created, task.key_created = true, task.policy == "upsert"
    dst:exec("TRUNCATE " .. task.target.qualified)
    return true
  end
  if existing then
    adopt_existing(task, existing)
    task.created = false
    if task.policy == "overwrite" then dst:exec("TRUNCATE " .. task.target.qualified) end
    return task.policy == "overwrite"
  end
  if task.create == "never" then
    error(core.error { code = "target", side = "target", msg = string.format(
      "target table %s does not exist (create = \"never\")", task.target_label) }, 0)
  end
  make_enums(dst, task)
  -- Upsert needs the key now; otherwise it is built after the data.
  task.key_created = task.policy == "upsert"
  dst:exec(plan.create_sql(task, task.key_created))
  task.created = true
  record.mark(ctx.record, task.label, "created")
  if task.key_created then record.mark(ctx.record, task.label, "primary key") end
  return true
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

-- The copy itself; the source side reads through the task's transforms
-- and encoding (plan.source_read_options).
local function run_copy(ctx, task, source_sql, target_sql, options, rejects)
  local progress = progress_printer(task, options)
  local read = plan.source_read_options(task)
  local stats = copy.run {
    source = ctx.source.raw or ctx.source, source_sql = source_sql,
    target = ctx.target, target_sql = target_sql,
    format = task.format, progress = progress,
    transforms = read.transforms, encoding = read.encoding,
    rows_per_fetch = read.rows_per_fetch, rejects = rejects,
  }
  if progress then io.stderr:write("\r\27[K") end
  return stats
end

-- A failed copy into MySQL, told the way a user can act on it: a source
-- value MySQL cannot hold names its column and value; a row the target
-- refused names its key (read again from the source, in the same
-- snapshot and order) besides the SQLSTATE and the driver's message.
local function mysql_copy_error(ctx, task, cond, err)
  if not core.is_error(err) then return err end
  local i, value = target_mysql.range_error(err)
  if i then
    local c = plan.copied(task)[i]
    return core.error { code = "copy", side = "source", sqlstate = "22008",
      table = task.label, msg = string.format(
        "column %s holds %s, which MySQL's %s cannot hold (years 1 to 9999, no infinity): " ..
        "filter the rows, or give the column a type rule (to = \"VARCHAR(40)\")",
        c and c.source or ("#" .. i), value, c and c.type or "type") }
  end
  local n = err.side == "target" and tonumber(tostring(err.msg):match("at row (%d+)"))
  if n and ctx.source.kind ~= "odbc" then
    local sql = plan.row_key_sql(task, cond, n)
    local ok, rows = pcall(function()
      ctx.source:exec("ROLLBACK TO SAVEPOINT migrate_rows")
      return ctx.source:query(sql)
    end)
    if ok and sql and rows[1] then
      err.msg = string.format("row %s: %s", rows[1].k, err.msg)
    end
  end
  return err
end

-- Copy a slice into MySQL: INSERT (or INSERT ... ON DUPLICATE KEY UPDATE)
-- with parameter arrays, bytea and booleans as typed parameters.
local function copy_mysql(ctx, task, cond, options)
  local copied = plan.copied(task)
  local kinds = {}
  for i, c in ipairs(copied) do kinds[i] = c.param_kind or "text" end
  local progress = progress_printer(task, options)
  ctx.source:exec("SAVEPOINT migrate_rows")
  local ok, stats = pcall(copy.run, {
    source = ctx.source, source_sql = plan.source_copy_sql(task, cond),
    target = ctx.target.raw, target_sql = target_mysql.insert_sql(task, copied),
    format = "text", param_kinds = kinds, progress = progress, batch_rows = task.batch_rows,
  })
  if progress then io.stderr:write("\r\27[K") end
  if not ok then error(mysql_copy_error(ctx, task, cond, stats), 0) end
  ctx.source:exec("RELEASE SAVEPOINT migrate_rows")
  return { rows = stats.rows, bytes = stats.bytes }
end

-- Copy one slice of the source (all of it, or the rows matching `cond`)
-- into the target, inside the caller's transaction.  Upsert stages and
-- merges.
--
-- With `rejects` (the chunk's second try after a row the target refused,
-- see execute) the rows travel as COPY text in batches under savepoints,
-- and each row the target refuses goes to the reject files instead.
local function copy_rows(ctx, task, cond, freeze, options, rejects)
  if task.dialect == "mysql" then return copy_mysql(ctx, task, cond, options) end
  local dst = ctx.target
  if rejects then
    -- text on both sides (the reject file is COPY text); no FREEZE under
    -- savepoints
    task, freeze = setmetatable({ format = "text" }, { __index = task }), false
  end
  if task.policy ~= "upsert" then
    local stats = run_copy(ctx, task, plan.source_copy_sql(task, cond),
      plan.target_copy_sql(task, task.target.qualified, freeze), options, rejects)
    return { rows = stats.rows, bytes = stats.bytes, rejected = stats.rejected }
  end
  local stage = "pg_temp._migrate_stage"
  local names = {}
  for i, c in ipairs(plan.copied(task)) do names[i] = pg.quote_ident(c.target) end
  dst:exec(string.format("CREATE TEMP TABLE _migrate_stage ON COMMIT DROP AS SELECT %s FROM %s WITH NO DATA",
    table.concat(names, ", "), task.target.qualified))
  local stats = run_copy(ctx, task, plan.source_copy_sql(task, cond),
    plan.target_copy_sql(task, stage, false), options, rejects)
  -- The merge's hash joins want the matching keys in memory.
  dst:exec("SET LOCAL work_mem = '256MB'")
  local out = { rows = stats.rows, bytes = stats.bytes, inserted = 0, updated = 0,
                rejected = stats.rejected }
  for _, step in ipairs(plan.merge_sql(task, stage)) do
    local _, _, tag = dst:query(step.sql)
    if step.counts then out[step.counts] = tonumber(tag:match("(%d+)$")) end
  end
  return out
end

-- copy_rows in the task's source_timezone: naive timestamps are read in
-- that zone.  The target parses them (set for the chunk's transaction); a
-- PostgreSQL source casts them, so its run-long transaction gets its own
-- zone back after the copy (a failed copy is rolled back to the chunk's
-- savepoint, which undoes the setting too).
local function copy_slice(ctx, task, cond, freeze, options, rejects)
  local tz_sql, tz = plan.timezone_sql(task)
  if task.dialect == "mysql" then tz_sql = nil end
  if not tz_sql then return copy_rows(ctx, task, cond, freeze, options, rejects) end
  ctx.target:query(tz_sql, tz)
  local src = ctx.source.kind ~= "odbc" and ctx.source
  local was = src and src:query("SELECT current_setting('TimeZone') AS tz")[1].tz
  if src then src:query(tz_sql, tz) end
  local out = copy_rows(ctx, task, cond, freeze, options, rejects)
  if src then src:query(tz_sql, was) end
  return out
end

-- Run steps (post-load DDL) of a task; the first failure is returned.
-- Each step and its done-mark commit together; a done step is skipped
-- when a run resumes (steps with once = false are simply run again).
function M.run_steps(ctx, label, steps)
  for _, step in ipairs(steps) do
    local ok, err = true, nil
    if step.once == false then
      ok, err = pcall(ctx.target.exec, ctx.target, step.sql)
    elseif not record.done(ctx.record, label, step.what) then
      ok, err = pcall(in_transaction, ctx.target, function()
        if ctx.target.kind ~= "odbc" then
          -- two workers may reach the same step (a foreign key made as
          -- soon as both its tables are loaded): one makes it, the other
          -- finds it done
          ctx.target:query("SELECT pg_advisory_xact_lock(hashtext($1))", label .. "\n" .. step.what)
          if record.done(ctx.record, label, step.what) then return end
        end
        -- MySQL's DDL commits by itself, before the mark: a step found
        -- made (killed in between) is only marked.
        local made = step.exists and ctx.target:query(step.exists.sql, unpack(step.exists.params))[1]
        if not made then ctx.target:exec(step.sql) end
        record.mark(ctx.record, label, step.what)
      end)
    end
    if not ok then
      if is_interruption(err) then error(err, 0) end
      return string.format("%s failed: %s", step.what, tostring(err))
    end
  end
  return nil
end

-- SQLSTATE classes of an error about one row's values (data exception,
-- integrity constraint, WITH CHECK OPTION, a PL/pgSQL raise in a
-- trigger), and 54000 (a value too large to store): the reject loader's.
local ROW_CLASSES = { ["22"] = true, ["23"] = true, ["44"] = true, P0 = true }

-- True when a failed chunk should be loaded again with rejects: the
-- target refused a row, the target is PostgreSQL, and the recipe allows
-- rejects (max_rejects = 0 turns them off).
local function rejects_wanted(w, task, c, err)
  if c.rejects or task.dialect == "mysql" or w.options.max_rejects == 0 then return false end
  if not (type(err) == "table" and err.side == "target" and err.sqlstate) then return false end
  return ROW_CLASSES[err.sqlstate:sub(1, 2)] or err.sqlstate == "54000"
end

-- The directory of a task's reject files in this run.
local function reject_dir(options, task)
  local name = (task.target.schema .. "." .. task.target.name):gsub("[%z\1-\31/]", "_")
  return string.format("%s/run-%s/%s", options.reject_dir or "migrate-rejects",
    tostring(options.run_id or 0), name)
end

-- The reject files of one chunk: made afresh for each try, so that the
-- files of a chunk are those of the try that committed.
local function reject_files(w, task, c)
  local dir = reject_dir(w.options, task)
  local ok, err = core.mkdir_p(dir)
  if not ok then errors.raise("target", "rejects: " .. err) end
  local base = string.format("%s/chunk-%d", dir, c.chunk)
  os.remove(base .. ".dat")
  os.remove(base .. ".log")
  return { data = base .. ".dat", log = base .. ".log", max = w.options.max_rejects or 0 }
end

-- The remark of a finished task: upsert counts, how it was split, notes.
local function remark_of(task, totals, w_options)
  local parts = {}
  if task.policy == "upsert" and task.dialect == "mysql" then
    -- ON DUPLICATE KEY UPDATE does not tell the writer which rows it updated
    parts[#parts + 1] = string.format("%s rows inserted or updated", report.thousands(totals.rows))
  elseif task.policy == "upsert" then
    parts[#parts + 1] = string.format("%s inserted, %s updated, %s unchanged",
      report.thousands(totals.inserted), report.thousands(totals.updated),
      report.thousands(totals.rows - totals.inserted - totals.updated))
  end
  if totals.slices > 1 then
    local key = totals.cond and totals.cond:match('^"(.-)" [<>]')
    local by = key or (totals.cond and totals.cond:match("^ctid") and "ctid range") or "condition"
    parts[#parts + 1] = string.format("%d chunks by %s", totals.slices, by)
  end
  if (tonumber(totals.rejected) or 0) > 0 then
    local n = tonumber(totals.rejected)
    parts[#parts + 1] = string.format("%s %s rejected to %s", report.thousands(n),
      n == 1 and "row" or "rows", reject_dir(w_options, task))
  end
  for _, n in ipairs(task.notes or {}) do parts[#parts + 1] = n end
  return #parts > 0 and table.concat(parts, "; ") or nil
end

-- A loaded table whose foreign keys failed: failed, the reason logged.
function M.fail_after_load(rec, task, failure)
  failure = string.format("%s on %s", failure, task.target_label)
  log("error", "%s", failure)
  record.set_status(rec, task.label, "failed", { reason = failure })
end

-- Foreign keys as soon as they can be made, by the worker that finishes a
-- table, rather than all at the end of the run: those of `task` whose
-- referenced tables have all succeeded, and those of succeeded tables
-- that were waiting for `task`.  (A foreign key validates every row: on
-- a big table it is the run's serial tail otherwise.)  What cannot be
-- made yet is left to the end of the run (runner's foreign_keys), which
-- skips the steps done here.  Returns the failure of task's own keys; a
-- failure of another table's marks that table failed.
local function early_foreign_keys(w, task)
  local ctx, rec = w.ctx, w.rec
  if task.dialect == "mysql" then return nil end
  local status = {}
  for _, row in ipairs(record.results(rec)) do status[row.task] = row.status end
  status[task.label] = "succeeded"
  local done = {}
  for label, t in pairs(w.tasks) do
    if status[label] == "succeeded" then done[label] = t end
  end
  local function ready(x)
    if not x.foreign_keys or not record.done(rec, x.label, "created") then return false end
    for _, fk in ipairs(x.entry.foreign_keys or {}) do
      local ref = fk.ref_schema .. "." .. fk.ref_table
      if w.tasks[ref] and not done[ref] then return false end
    end
    return true
  end
  local own
  for label, x in pairs(done) do
    local refers = label == task.label
    for _, fk in ipairs(x.entry.foreign_keys or {}) do
      refers = refers or (fk.ref_schema .. "." .. fk.ref_table) == task.label
    end
    if refers and ready(x) then
      local failure = M.run_steps(ctx, x.label, plan.foreign_key_sql(x, done))
      if failure and x == task then
        own = failure
      elseif failure then
        M.fail_after_load(rec, x, failure)
      end
    end
  end
  return own
end

-- The post chunk: after_table, keys and indexes, identity reset, verify;
-- then the task's status commits with the chunk's done-mark.
local function finish_task(w, task, c)
  local ctx, rec = w.ctx, w.rec
  local totals = record.totals(rec, task.label)
  local res = { source = task.label, target = task.target_label, task = task,
                status = "succeeded", rows = totals.rows, bytes = totals.bytes }
  res.rejected = tonumber(totals.rejected)
  res.remark = remark_of(task, totals, w.options)
  call_hook(ctx, "after_table", task, res)
  local failure
  if task.created then failure = M.run_steps(ctx, task.label, plan.post_sql(task)) end
  if not failure and task.reset_sequences then
    -- setval is not transactional anyway; once the keys exist, max()
    -- reads one index page instead of the whole table.
    local steps = {}
    for _, sql in ipairs(plan.identity_reset_sql(task)) do
      steps[#steps + 1] = { what = "identity reset", sql = sql, once = false }
    end
    failure = M.run_steps(ctx, task.label, steps)
  end
  if not failure and task.created then failure = early_foreign_keys(w, task) end
  if not failure and w.options.verify and task.dialect == "mysql" then
    log("warn", "%s: --verify is for PostgreSQL targets in this version: not verified", task.target_label)
  elseif not failure and w.options.verify then
    local v = require("migrate.verify").table(ctx, task)
    if v.status ~= "match" then failure = "verify: " .. tostring(v.remark) end
    res.remark = res.remark and (res.remark .. "; verified") or "verified"
  end
  if failure then
    res.status = "failed"
    res.remark = string.format("%s on %s", failure, task.target_label)
    log("error", "%s", res.remark)
  else
    log("info", "%s: %s rows in %.2f s", task.target_label, report.thousands(res.rows), totals.seconds or 0)
  end
  in_chunk(w, task, c, function()
    record.chunk_done(rec, task.label, c.chunk)
    record.set_status(rec, task.label, res.status,
      { rows = res.rows, bytes = res.bytes, seconds = totals.seconds, reason = res.remark,
        rejected = res.rejected })
  end)
  if res.status == "failed" and w.stop_on_error then record.stopping(rec) end
end

-- A task skipped by its before_table hook: its chunks are done, no rows.
local function skip_task(w, task)
  in_transaction(w.rec.conn, function()
    record.finish_chunks(w.rec, task.label)
    record.set_status(w.rec, task.label, "skipped", { reason = "skipped by the before_table hook" })
  end)
end

-- Do one claimed chunk.  Returns "done", "lost" (another worker has it
-- now), "failed", "interrupted", or "reconnect" and the error.
local function do_chunk(w, task, c)
  local ctx, rec = w.ctx, w.rec
  if c.timeout and c.elapsed and c.elapsed >= c.timeout then
    errors.raise("timeout", string.format("timed out: the task ran %d s (timeout = %d)",
      math.floor(c.elapsed), c.timeout))
  end
  if c.kind == "post" then
    know(w, task)
    return finish_task(w, task, c)
  end
  if c.kind == "data" then
    know(w, task)
  elseif call_hook(ctx, "before_table", task) == false then
    return skip_task(w, task)
  end
  if c.kind == "data" then
    log("info", "%s: chunk %d of %d", task.target_label, c.chunk, c.slices or 0)
  else
    log("info", "%s -> %s (%s, %s)", task.label, task.target_label, task.policy, task.format)
  end
  if c.kind ~= "data" and task.create ~= "never" and task.dialect == "mysql" then
    local ok, err = pcall(ctx.target.exec, ctx.target,
      "CREATE DATABASE IF NOT EXISTS " .. target_mysql.quote(task.target.schema))
    if not ok and not ctx.target:query("SELECT 1 AS x FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?",
        task.target.schema)[1] then
      error(err, 0)
    end
  elseif c.kind ~= "data" and task.create ~= "never" then
    -- Before the chunk's transaction, which may be long: workers making
    -- the same schema at once wait for each other only this long.
    local ok, err = pcall(ctx.target.exec, ctx.target,
      "CREATE SCHEMA IF NOT EXISTS " .. pg.quote_ident(task.target.schema))
    if not ok and not (type(err) == "table" and (err.sqlstate == "23505" or err.sqlstate == "42P06")) then
      error(err, 0)
    end
  end
  local held = in_chunk(w, task, c, function()
    if c.timeout then
      local left = math.max(1, math.floor((c.timeout - (c.elapsed or 0)) * 1000))
      if task.dialect ~= "mysql" then
        ctx.target:exec(string.format("SET LOCAL statement_timeout = %d", left))
      end
      -- the source too: a slow read ends at the deadline, not when it is done
      if ctx.source.kind ~= "odbc" then
        ctx.source:exec(string.format("SET LOCAL statement_timeout = %d", left))
      end
    end
    local freeze = false
    if c.kind ~= "data" then freeze = prepare_target(w, task) end
    local stats = {}
    if c.kind ~= "prepare" then stats = copy_slice(ctx, task, c.cond, freeze, w.options, c.rejects) end
    -- The rows and their done-mark commit together, or neither does.
    record.chunk_done(rec, task.label, c.chunk, stats)
  end)
  return held and "done" or "lost"
end

local function execute(w, c)
  local ctx, rec = w.ctx, w.rec
  local task = w.tasks[c.task]
  if not task then
    local reason = "this worker's plan has no task " .. c.task .. " (plan changed?)"
    record.release(rec, c.task, c.chunk, reason, 0)
    errors.raise("internal", reason)
  end
  -- A failed or cancelled read must not abort the run's source snapshot
  -- (PostgreSQL; an ODBC source is read outside a transaction).
  local pg_source = ctx.source.kind ~= "odbc"
  if pg_source then ctx.source:exec("SAVEPOINT migrate_chunk") end
  local ok, outcome = pcall(do_chunk, w, task, c)
  if not ok and rejects_wanted(w, task, c, outcome) then
    -- The chunk's transaction rolled back whole: load it again, this
    -- time with the refused rows going to the reject files.
    c.rejects = reject_files(w, task, c)
    log("warn", "%s: %s; loading it again with the rows the target refuses written to %s",
      task.target_label, tostring(with_table(outcome, task.label)), c.rejects.data)
    if pg_source then ctx.source:exec("ROLLBACK TO SAVEPOINT migrate_chunk") end
    ok, outcome = pcall(do_chunk, w, task, c)
    c.rejects = nil
  end
  if pg_source and ctx.source:alive() then
    pcall(ctx.source.exec, ctx.source, ok and "RELEASE SAVEPOINT migrate_chunk"
      or "ROLLBACK TO SAVEPOINT migrate_chunk")
    if ok and c.timeout then pcall(ctx.source.exec, ctx.source, "SET LOCAL statement_timeout = 0") end
  end
  if ok then return outcome or "done" end
  local err = with_table(outcome, task.label)
  if is_interruption(err) then
    if ctx.target:alive() then pcall(record.release, rec, c.task, c.chunk, nil, 0) end
    return "interrupted"
  end
  if is_connection_loss(err, ctx) then return "reconnect", err end
  if err.sqlstate == "57014" and c.timeout then
    err = with_table(core.error { code = "timeout", side = "target", sqlstate = err.sqlstate,
      msg = string.format("timed out after %d s (timeout = %d)", c.timeout, c.timeout) }, task.label)
  end
  local reason = tostring(err)
  -- A deadlock or a serialization failure is the server choosing a
  -- victim among concurrent transactions (two workers recreating tables
  -- linked by a foreign key): the chunk's transaction was rolled back
  -- whole, so it goes back to the queue for a few more tries.
  if (err.sqlstate == "40P01" or err.sqlstate == "40001")
      and c.attempts <= (c.reruns or 0) + TRANSIENT_TRIES then
    log("warn", "%s (transient: tried again in 1 s)", reason)
    record.release(rec, c.task, c.chunk, reason, 1)
    return "failed"
  end
  if c.attempts <= (c.reruns or 0) then
    log("warn", "%s (rerun %d of %d in %d s)", reason, c.attempts, c.reruns, c.rerun_interval or 0)
    record.release(rec, c.task, c.chunk, reason, c.rerun_interval or 0)
    return "failed"
  end
  log("error", "%s", reason)
  in_transaction(rec.conn, function()
    record.release(rec, c.task, c.chunk, reason, 0)
    record.set_status(rec, c.task, "failed", { reason = reason })
  end)
  if w.stop_on_error then record.stopping(rec) end
  return "failed"
end

-- After a lost connection: reconnect what broke, waiting 1, 2, 4 ... s
-- between tries (w.retries tries).  The source can only come back while
-- the run's snapshot lives.
local function reconnect(w, err)
  local ctx = w.ctx
  for attempt = 1, w.retries do
    if core.interrupted() then return false end
    local wait = math.min(2 ^ (attempt - 1), 30)
    log("warn", "%s; reconnecting in %d s (try %d of %d)", tostring(err), wait, attempt, w.retries)
    core.sleep(wait)
    local ok, e = pcall(function()
      if not ctx.target:alive() or not pcall(ctx.target.exec, ctx.target, "SELECT 1") then
        pcall(ctx.target.close, ctx.target)
        ctx.target = M.connect(ctx.recipe, "target", "target")
        if w.rec.target then w.rec.target = ctx.target else w.rec.conn = ctx.target end
      end
      if w.rec.target and (not w.rec.conn:alive() or not pcall(w.rec.conn.exec, w.rec.conn, "SELECT 1")) then
        pcall(w.rec.conn.close, w.rec.conn)
        w.rec.conn = require("migrate.pg").connect(w.state_url, "state")
      end
      if not ctx.source:alive() or not pcall(ctx.source.exec, ctx.source, "SELECT 1") then
        if not w.snapshot and ctx.source.kind ~= "odbc" then
          errors.raise("connect", "source: the connection holding the run's snapshot was lost")
        end
        pcall(ctx.source.close, ctx.source)
        ctx.source = M.connect_source(ctx.recipe, w.snapshot)
      end
    end)
    if ok then
      log("info", "reconnected")
      return true
    end
    err = e
  end
  error(with_table(err, nil), 0)
end

-- Claim and do chunks until none is left for anyone.  Returns "done" or
-- "interrupted"; raises when a connection cannot be had back.
function M.loop(w)
  w.known = w.known or {}
  while true do
    if core.interrupted() then return "interrupted" end
    if w.rec.unreleased and #w.rec.unreleased > 0 then
      local keep = {}
      for _, id in ipairs(w.rec.unreleased) do
        if not pcall(record.release_worker, w.rec, id) then keep[#keep + 1] = id end
      end
      w.rec.unreleased = keep
    end
    local ok, c, left = pcall(record.claim, w.rec, w.id, w.lease, w.max_tasks)
    if not ok then
      local err = c
      if is_interruption(err) then return "interrupted" end
      if not is_connection_loss(err, w.ctx) then error(err, 0) end
      if not reconnect(w, err) then return "interrupted" end
    elseif c then
      local outcome, err = execute(w, c)
      if outcome == "interrupted" then return "interrupted" end
      if outcome == "reconnect" and not reconnect(w, err) then return "interrupted" end
    elseif left == 0 then
      return "done"
    else
      core.sleep(0.2)
    end
  end
end

return M
