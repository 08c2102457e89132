-- migrate.verify: prove the target holds what the source has.
--
--   migrate verify RECIPE.lua|PLAN.yaml [key=value ...]
--
-- Per table, on both sides: the row count and an order-independent
-- checksum of the copied columns (the sum of each row's md5, read as a
-- 64-bit number), computed by each server over the same text: the source's
-- columns as the target sees them (casts and added expressions applied),
-- both sessions in UTC with exact float output.  A table with a one-column
-- integer key is compared in key ranges; a range that differs is read key
-- by key to name the keys whose rows differ.
--
-- Where the target stores a column differently on purpose (a type mapped,
-- text trimmed, numbers rounded), the recipe's `normalize` gives per target
-- column an SQL template applied on both sides before hashing, %s standing
-- for the quoted column:
--
--   normalize = { name = "btrim(%s)", price = "round(%s, 2)" }
--
-- at the top level (every table) or in table_options (merged column by
-- column).  verify.table(ctx, task) verifies one table, for the runner
-- after a load; verify.run(ctx, tasks) verifies all and prints the report.
--
-- An ODBC source is read again, whole, through the very reader the run
-- used (the same SELECT, value transforms and source encoding: plan.
-- source_copy_sql and plan.source_read_options) into a temporary table of
-- the target's copied columns, and that table is compared with the target
-- table inside PostgreSQL by the same counts, checksums and key ranges.
-- Why not checksums computed by the source: its text forms differ from
-- PostgreSQL's (1 against true, 2024-01-02 00:00:00 against 2024-01-02,
-- 0.1 printed with 15 or 17 digits, a driver's own spelling of a
-- timestamp), so no SQL run in the source can hash the same text; parsed
-- into the target's types after the same mapping, equal values are equal
-- bytes, and the comparison is exact.  Memory stays bounded: the copy
-- streams batch by batch and the temporary table spills to disk.  The
-- cost is a second read of the source (the report gives its time) and the
-- table's size in temporary space on the target.  What it proves: the
-- target holds exactly what the reader gives today (rows lost, doubled or
-- altered since the load are found); a value the reader itself maps wrong
-- would be mapped the same way twice, which the type tests guard instead,
-- and a reader whose text depends on session settings (psqlODBC sends a
-- timestamptz in the source session's zone, without its offset) must be
-- read with the same settings as during the run.
local core = require "migrate.core"
local copy = require "migrate.copy"
local pg = require "migrate.pg"
local plan = require "migrate.plan"
local report = require "migrate.report"

local M = {}

local BUCKETS = 16     -- key ranges compared per table
local MAX_KEYS = 10    -- differing keys named per table

local qi = pg.quote_ident

-- A column's expression through a recipe's normalize template: every %s
-- becomes the expression (a quoted column or a cast, never a value).
local function normalized(template, expr)
  return (template:gsub("%%s", function() return expr end))
end

-- The row text of the copied source columns: source side and target
-- side, each column through its normalize template when the task has one.
-- Added columns are left out: their values were computed at load time
-- (now(), a sequence ...) and would not compute the same again.
local function row_exprs(task)
  local src, dst = {}, {}
  for _, c in ipairs(plan.copied(task)) do
    if c.source then
      local s, d = c.expr or qi(c.source), qi(c.target)
      local template = task.normalize and task.normalize[c.target]
      if template then
        s, d = normalized(template, c.expr and "(" .. c.expr .. ")" or s), normalized(template, d)
      end
      src[#src + 1] = s
      dst[#dst + 1] = d
    end
  end
  return "ROW(" .. table.concat(src, ", ") .. ")::text", "ROW(" .. table.concat(dst, ", ") .. ")::text"
end

-- The row text of the copied target columns, through their normalize
-- templates: both sides of an ODBC source's comparison (the target table
-- and the source rows read again into a table of the same columns).
local function target_row_expr(task)
  local out = {}
  for _, c in ipairs(plan.copied(task)) do
    local template = task.normalize and task.normalize[c.target]
    out[#out + 1] = template and normalized(template, qi(c.target)) or qi(c.target)
  end
  return "ROW(" .. table.concat(out, ", ") .. ")::text"
end

local STAGE = "_migrate_verify"

-- Read an ODBC source table again, as the run read it, into a temporary
-- table of the target's copied columns (their types as they are in the
-- target); rows stream through the copy engine.  Returns the seconds the
-- read took.  The target session keeps its settings meanwhile: text
-- without a zone is read in the same time zone as during the run.
local function reread(ctx, task)
  local dst = ctx.target
  local names = {}
  for i, c in ipairs(plan.copied(task)) do names[i] = qi(c.target) end
  dst:exec("DROP TABLE IF EXISTS pg_temp." .. STAGE)
  dst:exec(string.format("CREATE TEMP TABLE %s AS SELECT %s FROM %s WITH NO DATA",
    STAGE, table.concat(names, ", "), task.target.qualified))
  local args = plan.source_read_options(task)
  args.source, args.source_sql = ctx.source.raw or ctx.source, plan.source_copy_sql(task)
  args.target = dst
  args.target_sql = plan.target_copy_sql(task, "pg_temp." .. STAGE, false)
  args.format = task.format
  local t0 = core.now()
  -- in a transaction, as the run's chunks: the task's source_timezone
  -- is set for it alone
  dst:exec("BEGIN")
  local ok, err = pcall(function()
    local tz_sql, tz = plan.timezone_sql(task)
    if tz_sql then dst:query(tz_sql, tz) end
    copy.run(args)
  end)
  if not ok then
    if dst:alive() then pcall(dst.exec, dst, "ROLLBACK") end
    error(err, 0)
  end
  dst:exec("COMMIT")
  return core.now() - t0
end

local HASH = "('x' || substr(md5(%s), 1, 16))::bit(64)::bigint"

-- count, checksum per bucket of `key` on one side.
local function buckets(conn, from, where, row, key, lo, hi)
  local bucket = key and string.format("floor((%s::numeric - %s) * %d / (%s - %s + 1))::int",
    key, lo, BUCKETS, hi, lo) or "0"
  local rows = conn:query(string.format([[
    SELECT %s AS b, count(*) AS n, sum(%s::numeric)::text AS h
      FROM %s%s GROUP BY 1]], bucket, string.format(HASH, row), from, where))
  local out = {}
  for _, r in ipairs(rows) do out[r.b] = r end
  return out
end

-- key -> row hash, for the keys of one bucket on one side.
local function keyed(conn, from, where, row, key, lo, hi, b)
  local cond = string.format("floor((%s::numeric - %s) * %d / (%s - %s + 1))::int = %d",
    key, lo, BUCKETS, hi, lo, b)
  local out = {}
  for _, r in ipairs(conn:query(string.format("SELECT %s::text AS k, md5(%s) AS h FROM %s WHERE %s%s",
      key, row, from, cond, where ~= "" and (" AND " .. where:gsub("^ WHERE ", "")) or ""))) do
    out[r.k] = r.h
  end
  return out
end

-- The keys of bucket b whose rows differ: those the target lacks or holds
-- otherwise (`changed`), and those only the target has (`extra`).
local function differing_keys(s, d, b)
  local a = keyed(s.conn, s.from, s.where, s.row, s.key, s.lo, s.hi, b)
  local z = keyed(d.conn, d.from, "", d.row, d.key, s.lo, s.hi, b)
  local changed, extra = {}, {}
  for k, h in pairs(a) do if z[k] ~= h then changed[#changed + 1] = k end end
  for k in pairs(z) do if a[k] == nil then extra[#extra + 1] = k end end
  return changed, extra
end

local function by_number(x, y) return tonumber(x) < tonumber(y) end

-- The two sides of a comparison: {conn, from, where, row, key}.  An ODBC
-- source's side is its rows read again into the target (see reread).
local function sides(ctx, task)
  local d = { conn = ctx.target, from = task.target.qualified }
  local s
  if ctx.source.kind == "odbc" then
    d.row = target_row_expr(task)
    s = { conn = ctx.target, from = "pg_temp." .. STAGE, row = d.row, where = "" }
  else
    local srow, drow = row_exprs(task)
    d.row = drow
    s = { conn = ctx.source, row = srow,
          from = (task.source.kind == "table" and "ONLY " or "") .. task.source.qualified,
          where = task.filter and (" WHERE (" .. task.filter .. ")") or "" }
  end
  local key = plan.chunk_key(task.entry)
  if key then
    for _, c in ipairs(task.columns) do
      if c.source == key then d.key = qi(c.target) end
    end
    if d.key then s.key = ctx.source.kind == "odbc" and d.key or qi(key) end
  end
  return s, d
end

-- Compare one table on both sides (sessions set up by verify.table):
-- {status = "match"|"differ", source_rows, target_rows, remark, keys}.
-- Raises on a database error.
local function compare(ctx, task)
  local res = { keys = {} }
  local s, d = sides(ctx, task)
  if s.key then
    local mm = s.conn:query(string.format("SELECT min(%s)::text AS lo, max(%s)::text AS hi FROM %s%s",
      s.key, s.key, s.from, s.where))[1]
    local tm = d.conn:query(string.format("SELECT min(%s)::text AS lo, max(%s)::text AS hi FROM %s",
      d.key, d.key, d.from))[1]
    -- one key space for both sides, so buckets line up
    local lo = { mm.lo, tm.lo }
    local hi = { mm.hi, tm.hi }
    table.sort(lo, function(x, y) return tonumber(x) < tonumber(y) end)
    table.sort(hi, function(x, y) return tonumber(x) > tonumber(y) end)
    s.lo, s.hi = lo[1], hi[1]
    if not s.lo then s.key, d.key = nil, nil end
  end
  local a = buckets(s.conn, s.from, s.where, s.row, s.key, s.lo, s.hi)
  local z = buckets(d.conn, d.from, "", d.row, d.key, s.lo, s.hi)
  local n_src, n_dst, bad = 0, 0, {}
  local seen = {}
  for b, r in pairs(a) do n_src = n_src + r.n; seen[b] = true end
  for b, r in pairs(z) do n_dst = n_dst + r.n; seen[b] = true end
  for b in pairs(seen) do
    local x, y = a[b], z[b]
    if not x or not y or x.n ~= y.n or x.h ~= y.h then bad[#bad + 1] = b end
  end
  table.sort(bad)
  res.source_rows, res.target_rows = n_src, n_dst
  if #bad == 0 then
    res.status = "match"
    return res
  end
  res.status = "differ"
  local why = {}
  if n_src ~= n_dst then
    why[#why + 1] = string.format("%s rows in the source, %s in the target",
      report.thousands(n_src), report.thousands(n_dst))
  end
  if s.key then
    -- Upsert and append leave the target's own rows in place: rows only
    -- the target has are counted, not held against it.
    local keeps = task.policy ~= "overwrite"
    local keys, n_extra = {}, 0
    for _, b in ipairs(bad) do
      local changed, extra = differing_keys(s, d, b)
      for _, k in ipairs(changed) do keys[#keys + 1] = k end
      if keeps then
        n_extra = n_extra + #extra
      else
        for _, k in ipairs(extra) do keys[#keys + 1] = k end
      end
    end
    table.sort(keys, by_number)
    for i = 1, math.min(#keys, MAX_KEYS) do res.keys[i] = keys[i] end
    local extra_note = n_extra > 0 and string.format(
      "%s rows only in the target (policy %s keeps the target's own rows)",
      report.thousands(n_extra), task.policy)
    if #keys == 0 then
      res.status, res.remark = "match", extra_note
      return res
    end
    why[#why + 1] = string.format("%d of %d key ranges differ; %s = %s%s", #bad, BUCKETS,
      plan.chunk_key(task.entry), table.concat(res.keys, ", "), #keys > MAX_KEYS and ", ..." or "")
    why[#why + 1] = extra_note or nil
  else
    why[#why + 1] = "the checksums differ (no integer key to name the rows)"
    if task.policy ~= "overwrite" then
      why[#why + 1] = "policy " .. task.policy .. ": the target may hold rows the source does not"
    end
  end
  res.remark = table.concat(why, "; ")
  return res
end

-- Set conn up for hashing: exact floats, and the time zone `zone` (UTC,
-- or the task's source_timezone, in which a PostgreSQL source's casts of
-- naive timestamps read them as the run did; both sides print in it, so
-- their text agrees).  Returns a function(ok) that puts the session back
-- as it was.  A connection inside a transaction (the source's snapshot)
-- gets a savepoint, so that a failed query does not abort the caller's
-- transaction.  Two statements see the same now() only inside one
-- transaction.
local function hashing_session(conn, zone)
  local was = conn:query([[SELECT current_setting('TimeZone') AS tz,
    current_setting('extra_float_digits') AS efd, now()::text AS t]])[1]
  was.in_tx = conn:query("SELECT now()::text AS t")[1].t == was.t
  if was.in_tx then conn:exec("SAVEPOINT migrate_verify") end
  conn:query("SELECT set_config('TimeZone', $1, false), set_config('extra_float_digits', '3', false)",
    zone or "UTC")
  return function(ok)
    if not conn:alive() then return end
    if was.in_tx then
      pcall(conn.exec, conn, ok and "RELEASE SAVEPOINT migrate_verify"
        or "ROLLBACK TO SAVEPOINT migrate_verify; RELEASE SAVEPOINT migrate_verify")
    end
    pcall(conn.query, conn, "SELECT set_config('TimeZone', $1, false), set_config('extra_float_digits', $2, false)",
      was.tz, was.efd)
  end
end

--- Verify one loaded table: row counts and order-independent checksums of
-- the copied columns on both sides (through task.normalize), and, for a
-- table with a one-column integer key, the keys of the rows that differ.
-- ctx.target is a migrate.pg connection, ctx.source a migrate.pg one or
-- an ODBC source (migrate.work's wrapper), whose table is read again into
-- a temporary table on the target, dropped afterwards (both borrowed:
-- their session settings are put back; a source inside the run's snapshot
-- is protected by a savepoint).  Returns {status = "match"|"differ"|
-- "error", source_rows, target_rows, remark, keys (at most 10 differing
-- keys, as text), seconds (an ODBC source's second read), error (the
-- error object, for "error")}.  Raises only on Ctrl-C.
function M.table(ctx, task)
  local restore = {}
  local odbc = ctx.source.kind == "odbc"
  local seconds
  local ok, res = pcall(function()
    if odbc then
      seconds = reread(ctx, task)
    else
      restore[#restore + 1] = hashing_session(ctx.source, task.timezone)
    end
    restore[#restore + 1] = hashing_session(ctx.target, task.timezone)
    return compare(ctx, task)
  end)
  for i = #restore, 1, -1 do restore[i](ok) end
  if odbc and ctx.target:alive() then
    pcall(ctx.target.exec, ctx.target, "DROP TABLE IF EXISTS pg_temp." .. STAGE)
  end
  if ok then
    if seconds then
      res.seconds = seconds
      local read = string.format("source read again in %.2f s", seconds)
      res.remark = res.remark and (res.remark .. "; " .. read) or read
    end
    return res
  end
  if core.interrupted() or (type(res) == "table" and res.code == "interrupted") then
    error(res, 0)
  end
  return { status = "error", remark = tostring(res), keys = {}, error = res }
end

-- The word the verify report shows for each status.
local SHOWN = { match = "match", differ = "different", error = "failed" }

-- Verify every task; print the report; exit 0 when every table matches.
function M.run(ctx, tasks)
  local rows, code = {}, core.exit.ok
  for _, task in ipairs(tasks) do
    local res = M.table(ctx, task)
    if res.status ~= "match" then code = core.exit.tasks_failed end
    rows[#rows + 1] = {
      task.label, task.target_label,
      res.source_rows and report.thousands(res.source_rows) or "",
      res.target_rows and report.thousands(res.target_rows) or "",
      SHOWN[res.status], res.remark or "",
    }
  end
  ctx.source:close()
  ctx.target:close()
  local lines = report.table({ "source table", "target table", "source rows", "target rows",
    "status", "remark" }, rows, { [3] = true, [4] = true })
  io.stdout:write(table.concat(lines, "\n"), "\n")
  return code
end

return M
