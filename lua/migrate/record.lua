-- migrate.record: the migration record, kept in the target (schema
-- _migrate): runs, their tasks (one per table) and the steps each task has
-- finished (its data, then each key, index and foreign key).
--
-- A step's work and its done-mark commit in ONE target transaction
-- (M.mark runs inside the caller's transaction), so a run killed at any
-- instant is resumed by running the same recipe or plan again: finished
-- steps are skipped, the step that was running had rolled back and is done
-- again, and no row is lost or copied twice.
local core = require "migrate.core"

local M = {}

local SCHEMA_SQL = [[
CREATE SCHEMA IF NOT EXISTS _migrate;
CREATE TABLE IF NOT EXISTS _migrate.runs (
  run_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_key     text NOT NULL,
  started_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  status      text NOT NULL DEFAULT 'running'
);
CREATE TABLE IF NOT EXISTS _migrate.tasks (
  run_id      bigint NOT NULL REFERENCES _migrate.runs ON DELETE CASCADE,
  task        text NOT NULL,
  target      text NOT NULL,
  target_sql  text NOT NULL,
  status      text NOT NULL DEFAULT 'waiting',
  rows        bigint,
  seconds     double precision,
  attempts    integer NOT NULL DEFAULT 0,
  reason      text,
  started_at  timestamptz,
  finished_at timestamptz,
  PRIMARY KEY (run_id, task)
);
CREATE TABLE IF NOT EXISTS _migrate.steps (
  run_id  bigint NOT NULL,
  task    text NOT NULL,
  step    text NOT NULL,
  rows    bigint,
  done_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, task, step),
  FOREIGN KEY (run_id, task) REFERENCES _migrate.tasks ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS _migrate.chunks (
  run_id  bigint NOT NULL,
  task    text NOT NULL,
  chunk   integer NOT NULL,
  lo      numeric NOT NULL,
  hi      numeric NOT NULL,
  rows    bigint,
  done_at timestamptz,
  PRIMARY KEY (run_id, task, chunk),
  FOREIGN KEY (run_id, task) REFERENCES _migrate.tasks ON DELETE CASCADE
)]]

-- What identifies "the same run again": the recipe or plan file and its
-- parameters (masked: the record never holds a password).
function M.run_key(path, params)
  local keys = {}
  for k in pairs(params or {}) do keys[#keys + 1] = k end
  table.sort(keys)
  local parts = { path }
  for _, k in ipairs(keys) do
    parts[#parts + 1] = k .. "=" .. core.mask(tostring(params[k]))
  end
  return table.concat(parts, " ")
end

-- Open the record on `conn` (the target): the unfinished run with this key
-- is resumed unless `restart`; else a new run starts.  Returns the record.
function M.open(conn, run_key, restart)
  -- Several runs may create the schema at once; one lock makes it so.
  conn:exec("BEGIN")
  conn:query("SELECT pg_advisory_xact_lock(hashtext('migrate record'))")
  conn:exec(SCHEMA_SQL)
  conn:exec("COMMIT")
  local rec = { conn = conn, done = {}, resumed = false }
  local rows = conn:query([[
    SELECT run_id FROM _migrate.runs
     WHERE run_key = $1 AND status <> 'succeeded'
     ORDER BY run_id DESC LIMIT 1]], run_key)
  if rows[1] and not restart then
    rec.run_id = rows[1].run_id
    rec.resumed = true
    conn:query("UPDATE _migrate.runs SET status = 'running', finished_at = NULL WHERE run_id = $1",
      rec.run_id)
    for _, s in ipairs(conn:query(
        "SELECT task, step, rows FROM _migrate.steps WHERE run_id = $1", rec.run_id)) do
      rec.done[s.task] = rec.done[s.task] or {}
      rec.done[s.task][s.step] = { rows = s.rows }
    end
  else
    rec.run_id = conn:query(
      "INSERT INTO _migrate.runs (run_key) VALUES ($1) RETURNING run_id", run_key)[1].run_id
  end
  return rec
end

-- The finished step `step` of `task`, or nil.
function M.done(rec, task, step)
  return rec.done[task] and rec.done[task][step]
end

-- Register a task (idempotent): its label, its target as shown and as
-- SQL (quoted: what clean drops).
function M.task(rec, task, target, target_sql)
  rec.conn:query([[
    INSERT INTO _migrate.tasks (run_id, task, target, target_sql) VALUES ($1, $2, $3, $4)
    ON CONFLICT (run_id, task) DO UPDATE
      SET target = EXCLUDED.target, target_sql = EXCLUDED.target_sql]],
    rec.run_id, task, target, target_sql)
end

-- Mark a step done.  Call it INSIDE the transaction that did the step's
-- work: both commit together or neither does.
function M.mark(rec, task, step, rows)
  rec.conn:query([[
    INSERT INTO _migrate.steps (run_id, task, step, rows) VALUES ($1, $2, $3, $4)]],
    rec.run_id, task, step, rows)
  -- rec.done is what earlier attempts finished (read at open); this mark
  -- only counts once its transaction commits, which a resume will read.
end

-- The key ranges of a chunked task, as first planned (a resume must use
-- the very same ranges): { {chunk, lo, hi, done, rows}, ... } in order,
-- lo and hi as text (numeric, exact for any bigint).
function M.chunks(rec, task)
  return rec.conn:query([[
    SELECT chunk, lo::text AS lo, hi::text AS hi, done_at IS NOT NULL AS done, rows
      FROM _migrate.chunks WHERE run_id = $1 AND task = $2 ORDER BY chunk]],
    rec.run_id, task)
end

-- Save the key ranges of a task (before its first chunk is copied).
function M.save_chunks(rec, task, chunks)
  for _, c in ipairs(chunks) do
    rec.conn:query([[
      INSERT INTO _migrate.chunks (run_id, task, chunk, lo, hi) VALUES ($1, $2, $3, $4, $5)]],
      rec.run_id, task, c.chunk, c.lo, c.hi)
  end
end

-- Mark a chunk done, INSIDE the transaction that copied its rows.
function M.chunk_done(rec, task, chunk, rows)
  rec.conn:query([[
    UPDATE _migrate.chunks SET done_at = now(), rows = $4
     WHERE run_id = $1 AND task = $2 AND chunk = $3]], rec.run_id, task, chunk, rows)
end

-- Task state: running (attempts + 1), succeeded, failed or skipped with
-- the reason.  Outside any data transaction.
function M.set_status(rec, task, status, fields)
  fields = fields or {}
  rec.conn:query([[
    UPDATE _migrate.tasks
       SET status = $3,
           attempts = attempts + CASE WHEN $3 = 'running' THEN 1 ELSE 0 END,
           started_at = CASE WHEN $3 = 'running' THEN now() ELSE started_at END,
           finished_at = CASE WHEN $3 = 'running' THEN NULL ELSE now() END,
           rows = COALESCE($4::bigint, rows),
           seconds = COALESCE($5::float8, seconds),
           reason = CASE WHEN $3 = 'running' THEN NULL ELSE COALESCE($6, reason) END
     WHERE run_id = $1 AND task = $2]],
    rec.run_id, task, status, fields.rows, fields.seconds, fields.reason)
end

-- The end of the run.
function M.finish(rec, status)
  rec.conn:query(
    "UPDATE _migrate.runs SET status = $2, finished_at = now() WHERE run_id = $1",
    rec.run_id, status)
end

return M
