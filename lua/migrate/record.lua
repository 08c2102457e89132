-- migrate.record: the migration record, kept in the target (schema
-- _migrate): runs, their tasks (one per table), the work of each task in
-- chunks, and the steps each task has finished (each key, index and
-- foreign key).
--
-- The chunks are the work queue.  A task has
--   load     one piece: make the table ready and copy all its rows, or
--   prepare  make the table ready, then
--   data     one slice of the rows each (a key range, a ctid range or a
--            recipe's condition), claimable in parallel once prepared,
--   post     keys, indexes and identity reset, once every slice is done.
-- Workers (processes, here or on other hosts) claim chunks with
-- SELECT ... FOR UPDATE SKIP LOCKED and a lease.  A chunk's work and its
-- done-mark commit in ONE target transaction, which also holds the chunk's
-- row lock; so a run killed at any instant is resumed by running the same
-- recipe or plan again, and no row is lost or copied twice.  The lease
-- lets another worker take a chunk whose worker died.
--
-- With --state URL the record lives in another database.  The done-marks
-- must still commit with the rows, so the target then keeps one table,
-- _migrate.landed (run token, task, chunk or step): a chunk's rows and its
-- landed row commit in the target transaction, which runs inside the state
-- transaction holding the chunk's lock; the state learns of it right
-- after.  A worker dying between the two commits leaves a landed chunk
-- that the record calls undone: the next worker to claim it finds the
-- landed row and only marks it done.
local core = require "migrate.core"

local M = {}

local SCHEMA_SQL = [[
CREATE SCHEMA IF NOT EXISTS _migrate;
CREATE TABLE IF NOT EXISTS _migrate.runs (
  run_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_key     text NOT NULL,
  started_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  status      text NOT NULL DEFAULT 'running',
  plan        text,
  settings    text,
  snapshot    text,
  token       text NOT NULL DEFAULT gen_random_uuid()::text
);
CREATE TABLE IF NOT EXISTS _migrate.tasks (
  run_id      bigint NOT NULL REFERENCES _migrate.runs ON DELETE CASCADE,
  task        text NOT NULL,
  target      text NOT NULL,
  target_sql  text NOT NULL,
  position    integer NOT NULL DEFAULT 0,
  wave        integer NOT NULL DEFAULT 0,
  after       text[] NOT NULL DEFAULT '{}',
  estimate    bigint,
  timeout     double precision,
  reruns      integer NOT NULL DEFAULT 0,
  rerun_interval double precision NOT NULL DEFAULT 0,
  status      text NOT NULL DEFAULT 'waiting',
  rows        bigint,
  bytes       bigint,
  seconds     double precision,
  attempts    integer NOT NULL DEFAULT 0,
  worker      text,
  reason      text,
  started_at  timestamptz,
  finished_at timestamptz,
  rejected    bigint,
  PRIMARY KEY (run_id, task)
);
CREATE TABLE IF NOT EXISTS _migrate.steps (
  run_id  bigint NOT NULL,
  task    text NOT NULL,
  step    text NOT NULL,
  rows    bigint,
  done_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (run_id, task, step),
  FOREIGN KEY (run_id, task) REFERENCES _migrate.tasks ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS _migrate.chunks (
  run_id      bigint NOT NULL,
  task        text NOT NULL,
  chunk       integer NOT NULL,
  kind        text NOT NULL,
  cond        text,
  rows        bigint,
  bytes       bigint,
  inserted    bigint,
  updated     bigint,
  attempts    integer NOT NULL DEFAULT 0,
  worker      text,
  claimed_at  timestamptz,
  lease_until timestamptz,
  error       text,
  done_at     timestamptz,
  rejected    bigint,
  PRIMARY KEY (run_id, task, chunk),
  FOREIGN KEY (run_id, task) REFERENCES _migrate.tasks ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS chunks_to_do ON _migrate.chunks (run_id, task) WHERE done_at IS NULL;
-- A record made before rows were rejected gets the columns; an ALTER
-- only then, as it would wait for every running chunk's row locks.
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_attribute
                  WHERE attrelid = '_migrate.chunks'::regclass AND attname = 'rejected') THEN
    ALTER TABLE _migrate.tasks ADD COLUMN IF NOT EXISTS rejected bigint;
    ALTER TABLE _migrate.chunks ADD COLUMN IF NOT EXISTS rejected bigint;
  END IF;
END $$]]

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

local LANDED_SQL = [[
CREATE SCHEMA IF NOT EXISTS _migrate;
CREATE TABLE IF NOT EXISTS _migrate.landed (
  token   text NOT NULL,
  task    text NOT NULL,
  what    text NOT NULL,
  rows    bigint,
  done_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (token, task, what)
)]]

-- Make the record's tables (or the target's landed table) if needed.
local function ensure(conn, sql)
  -- Several runs may create the schema at once; one lock makes it so.
  conn:exec("BEGIN")
  conn:query("SELECT pg_advisory_xact_lock(hashtext('migrate record'))")
  conn:exec(sql)
  conn:exec("COMMIT")
end

-- A record kept apart from the target: its run token and the target.
function M.attach_target(rec, target)
  if not target then return rec end
  -- a target of another dialect keeps its marks its own way (target.landed:
  -- ensure, mark, done; see migrate.target_mysql)
  if target.landed then target.landed.ensure(target) else ensure(target, LANDED_SQL) end
  rec.target = target
  rec.token = rec.conn:query("SELECT token FROM _migrate.runs WHERE run_id = $1", rec.run_id)[1].token
  rec.pending = {}
  return rec
end

-- Open the record on `conn`: the unfinished run with this key is resumed
-- unless `restart`; else a new run starts.  `target` is given when the
-- record is kept apart from it (--state).  Returns the record.
function M.open(conn, run_key, restart, target)
  ensure(conn, SCHEMA_SQL)
  local rec = { conn = conn, resumed = false }
  local rows = conn:query([[
    SELECT run_id FROM _migrate.runs
     WHERE run_key = $1 AND status <> 'succeeded'
     ORDER BY run_id DESC LIMIT 1]], run_key)
  if rows[1] and not restart then
    rec.run_id = rows[1].run_id
    rec.resumed = true
    -- What was running when the last attempt stopped runs again; what it
    -- finished stays finished.
    conn:exec("BEGIN")
    conn:query("UPDATE _migrate.runs SET status = 'running', finished_at = NULL WHERE run_id = $1",
      rec.run_id)
    conn:query([[
      UPDATE _migrate.tasks SET status = 'waiting', worker = NULL
       WHERE run_id = $1 AND (status NOT IN ('succeeded', 'skipped')
                              OR reason LIKE 'not started:%')]], rec.run_id)
    conn:query([[
      UPDATE _migrate.chunks SET worker = NULL, lease_until = NULL, error = NULL
       WHERE run_id = $1 AND done_at IS NULL]], rec.run_id)
    conn:query([[
      UPDATE _migrate.chunks c SET done_at = NULL, worker = NULL, lease_until = NULL
        FROM _migrate.tasks t
       WHERE c.run_id = $1 AND t.run_id = c.run_id AND t.task = c.task
         AND c.kind = 'post' AND t.status = 'waiting']], rec.run_id)
    conn:exec("COMMIT")
  else
    rec.run_id = conn:query(
      "INSERT INTO _migrate.runs (run_key) VALUES ($1) RETURNING run_id", run_key)[1].run_id
  end
  return M.attach_target(rec, target)
end

-- The record of run `run_id` (a worker joining it), or of the latest run
-- still running when run_id is nil.  Returns the record and the run row.
function M.join(conn, run_id)
  local run = conn:query([[
    SELECT run_id, status, plan, settings, snapshot, token FROM _migrate.runs
     WHERE CASE WHEN $1::bigint IS NULL THEN status = 'running' ELSE run_id = $1 END
     ORDER BY run_id DESC LIMIT 1]], run_id)[1]
  if not run then return nil end
  return { conn = conn, run_id = run.run_id }, run
end

-- What this attempt runs: the plan document (YAML, passwords masked),
-- the run's settings (JSON) and the source snapshot workers import.
function M.attempt(rec, plan_text, settings_json, snapshot)
  rec.conn:query("UPDATE _migrate.runs SET plan = $2, settings = $3, snapshot = $4 WHERE run_id = $1",
    rec.run_id, plan_text, settings_json, snapshot)
end

-- The finished step `step` of `task` ({rows = n}), or nil.
function M.done(rec, task, step)
  if rec.target and rec.target.landed then
    return rec.target.landed.done(rec.target, rec.token, task, step)
  elseif rec.target then
    return rec.target:query("SELECT rows FROM _migrate.landed WHERE token = $1 AND task = $2 AND what = $3",
      rec.token, task, step)[1]
  end
  return rec.conn:query("SELECT rows FROM _migrate.steps WHERE run_id = $1 AND task = $2 AND step = $3",
    rec.run_id, task, step)[1]
end

local function pg_array(list)
  local out = {}
  for i, v in ipairs(list or {}) do out[i] = '"' .. v:gsub('[\\"]', "\\%0") .. '"' end
  return "{" .. table.concat(out, ",") .. "}"
end

-- Register a task (idempotent): its label, its target as shown and as SQL
-- (quoted: what clean drops), and how it is scheduled.
function M.task(rec, t)
  rec.conn:query([[
    INSERT INTO _migrate.tasks (run_id, task, target, target_sql, position, wave, after,
                                estimate, timeout, reruns, rerun_interval)
    VALUES ($1, $2, $3, $4, $5, $6, $7::text[], $8, $9, $10, $11)
    ON CONFLICT (run_id, task) DO UPDATE
      SET target = EXCLUDED.target, target_sql = EXCLUDED.target_sql,
          position = EXCLUDED.position, wave = EXCLUDED.wave, after = EXCLUDED.after,
          estimate = EXCLUDED.estimate, timeout = EXCLUDED.timeout,
          reruns = EXCLUDED.reruns, rerun_interval = EXCLUDED.rerun_interval]],
    rec.run_id, t.label, t.target_label, t.target.qualified, t.position or 0, t.wave or 0,
    pg_array(t.after), t.entry and t.entry.rows, t.timeout, t.reruns or 0, t.rerun_interval or 0)
end

-- The chunks of a task, as first planned (a resume uses the very same
-- ones): { {chunk, kind, cond, done, rows}, ... } in order.
function M.chunks(rec, task)
  return rec.conn:query([[
    SELECT chunk, kind, cond, done_at IS NOT NULL AS done, rows
      FROM _migrate.chunks WHERE run_id = $1 AND task = $2 ORDER BY chunk]],
    rec.run_id, task)
end

-- Save the chunks of a task: { {chunk, kind, cond}, ... }.
function M.save_chunks(rec, task, chunks)
  rec.conn:exec("BEGIN")
  rec.conn:query("DELETE FROM _migrate.chunks WHERE run_id = $1 AND task = $2", rec.run_id, task)
  for _, c in ipairs(chunks) do
    rec.conn:query([[
      INSERT INTO _migrate.chunks (run_id, task, chunk, kind, cond) VALUES ($1, $2, $3, $4, $5)]],
      rec.run_id, task, c.chunk, c.kind, c.cond)
  end
  rec.conn:exec("COMMIT")
end

-- Claim the next chunk that is ready for `worker`, for `lease` seconds.
-- Ready: not done, not leased (or leased by this worker), its task active
-- and startable (its wave reached, what it comes `after` succeeded, fewer
-- than `max_tasks` tasks running), a data chunk after its prepare, a post
-- chunk after all the rest.  Biggest tasks first, then in chunk order.
-- Returns the chunk (with its task's timeout and elapsed seconds), or nil
-- and the number of chunks still to do (0: nothing left for anyone).
local CLAIM_SQL = [[
WITH active AS (
  SELECT t.* FROM _migrate.tasks t
   WHERE t.run_id = $1 AND t.status IN ('waiting', 'running')
), wave AS (
  SELECT min(wave) AS w FROM active
)
SELECT c.task, c.chunk, c.kind, c.cond, c.attempts,
       (SELECT count(*) FROM _migrate.chunks s
         WHERE s.run_id = c.run_id AND s.task = c.task AND s.kind = 'data') AS slices
  FROM _migrate.chunks c JOIN active t USING (run_id, task), wave
 WHERE c.done_at IS NULL
   AND (c.lease_until IS NULL OR c.lease_until < now() OR c.worker = $2)
   AND t.wave <= wave.w
   AND NOT EXISTS (
     SELECT 1 FROM unnest(t.after) AS d(task)
       JOIN _migrate.tasks dt ON dt.run_id = t.run_id AND dt.task = d.task
      WHERE dt.status <> 'succeeded')
   AND (t.status = 'running'
        OR (SELECT count(*) FROM active WHERE status = 'running') < $3)
   AND NOT EXISTS (
     SELECT 1 FROM _migrate.chunks z
      WHERE z.run_id = c.run_id AND z.task = c.task AND z.done_at IS NULL
        AND ((z.kind = 'prepare' AND c.kind <> 'prepare')
             OR (c.kind = 'post' AND z.kind <> 'post')))
 ORDER BY (c.worker = $2) DESC NULLS LAST, (c.kind = 'post') DESC, t.estimate DESC NULLS LAST,
          t.position, c.chunk
 LIMIT 1
   FOR UPDATE OF c SKIP LOCKED]]

function M.claim(rec, worker, lease, max_tasks)
  local conn = rec.conn
  conn:exec("BEGIN")
  -- One claim at a time per run: the scheduling limits hold exactly.
  conn:query("SELECT pg_advisory_xact_lock(hashtext('migrate claim'), $1::int)", rec.run_id)
  local run = conn:query("SELECT status FROM _migrate.runs WHERE run_id = $1", rec.run_id)[1]
  if not run or run.status ~= "running" then
    conn:exec("COMMIT")
    return nil, 0
  end
  conn:query([[
    UPDATE _migrate.tasks t
       SET status = 'skipped', finished_at = clock_timestamp(),
           reason = 'not started: ' || (SELECT string_agg(dt.task || ' ' || dt.status, ', ')
                                          FROM unnest(t.after) AS d(task)
                                          JOIN _migrate.tasks dt ON dt.run_id = t.run_id AND dt.task = d.task
                                         WHERE dt.status IN ('failed', 'skipped', 'interrupted'))
     WHERE t.run_id = $1 AND t.status = 'waiting' AND EXISTS (
       SELECT 1 FROM unnest(t.after) AS d(task)
         JOIN _migrate.tasks dt ON dt.run_id = t.run_id AND dt.task = d.task
        WHERE dt.status IN ('failed', 'skipped', 'interrupted'))]], rec.run_id)
  local c = conn:query(CLAIM_SQL, rec.run_id, worker, max_tasks or 2147483647)[1]
  if not c then
    local left = conn:query([[
      SELECT count(*) AS n FROM _migrate.chunks c JOIN _migrate.tasks t USING (run_id, task)
       WHERE c.run_id = $1 AND c.done_at IS NULL AND t.status IN ('waiting', 'running')]],
      rec.run_id)[1].n
    conn:exec("COMMIT")
    return nil, left
  end
  conn:query([[
    UPDATE _migrate.chunks
       SET worker = $4, claimed_at = now(), attempts = attempts + 1,
           lease_until = now() + make_interval(secs => $5), error = NULL
     WHERE run_id = $1 AND task = $2 AND chunk = $3]], rec.run_id, c.task, c.chunk, worker, lease)
  local t = conn:query([[
    UPDATE _migrate.tasks
       SET status = 'running', worker = $3,
           attempts = attempts + CASE WHEN status = 'waiting' THEN 1 ELSE 0 END,
           started_at = CASE WHEN status = 'waiting' THEN clock_timestamp() ELSE started_at END,
           finished_at = NULL, reason = CASE WHEN status = 'waiting' THEN NULL ELSE reason END
     WHERE run_id = $1 AND task = $2
    RETURNING timeout, reruns, rerun_interval,
              extract(epoch FROM clock_timestamp() - started_at)::float8 AS elapsed]],
    rec.run_id, c.task, worker)[1]
  conn:exec("COMMIT")
  c.attempts = c.attempts + 1
  c.timeout, c.reruns, c.rerun_interval, c.elapsed = t.timeout, t.reruns, t.rerun_interval, t.elapsed
  return c
end

-- Inside the transaction that does a chunk's work: lock its row, so no
-- one else can take it while the work may still commit.  False when the
-- chunk is no longer this worker's (its lease ran out and another took it,
-- or it is done).
function M.hold(rec, task, chunk, worker)
  local rows = rec.conn:query([[
    SELECT 1 FROM _migrate.chunks
     WHERE run_id = $1 AND task = $2 AND chunk = $3 AND worker = $4 AND done_at IS NULL
       FOR UPDATE NOWAIT]], rec.run_id, task, chunk, worker)
  return rows[1] ~= nil
end

-- Mark a chunk done, INSIDE the transaction that did its work.  With the
-- record apart, the target gets the landed row now and the record the
-- mark at M.flush, after the target's commit.
function M.chunk_done(rec, task, chunk, stats)
  stats = stats or {}
  if rec.target and not stats.flushing then
    M.mark(rec, task, "chunk " .. chunk, stats.rows)
    stats.flushing = true
    rec.pending[#rec.pending + 1] = { task, chunk, stats }
    return
  end
  rec.conn:query([[
    UPDATE _migrate.chunks
       SET done_at = clock_timestamp(), rows = $4, bytes = $5, inserted = $6, updated = $7,
           rejected = $8, lease_until = NULL
     WHERE run_id = $1 AND task = $2 AND chunk = $3]],
    rec.run_id, task, chunk, stats.rows, stats.bytes, stats.inserted, stats.updated, stats.rejected)
end

-- The record learns what the target committed (the record apart).
function M.flush(rec)
  for _, p in ipairs(rec.pending or {}) do M.chunk_done(rec, p[1], p[2], p[3]) end
  if rec.pending then rec.pending = {} end
end

-- Forget the marks of a target transaction that rolled back.
function M.forget(rec)
  if rec.pending then rec.pending = {} end
end

-- Give a chunk back: claimable again after `delay` seconds (0: now).
function M.release(rec, task, chunk, reason, delay)
  rec.conn:query([[
    UPDATE _migrate.chunks
       SET worker = NULL, error = $4,
           lease_until = CASE WHEN $5::float8 > 0 THEN now() + make_interval(secs => $5) END
     WHERE run_id = $1 AND task = $2 AND chunk = $3 AND done_at IS NULL]],
    rec.run_id, task, chunk, reason, delay or 0)
end

-- The chunks a dead worker held become claimable at once.  (Its
-- transaction is gone with its connection; a still-open one keeps the row
-- locked and SKIP LOCKED passes over it.)
function M.release_worker(rec, worker)
  rec.conn:query([[
    UPDATE _migrate.chunks SET lease_until = NULL
     WHERE run_id = $1 AND worker = $2 AND done_at IS NULL]], rec.run_id, worker)
end

-- All chunks of a task done (a task skipped by its hook).
function M.finish_chunks(rec, task)
  rec.conn:query([[
    UPDATE _migrate.chunks SET done_at = now(), rows = 0, lease_until = NULL
     WHERE run_id = $1 AND task = $2 AND done_at IS NULL]], rec.run_id, task)
end

-- What the data chunks of a task added up to.
function M.totals(rec, task)
  return rec.conn:query([[
    SELECT COALESCE(sum(c.rows), 0) AS rows, COALESCE(sum(c.bytes), 0) AS bytes,
           COALESCE(sum(c.inserted), 0) AS inserted, COALESCE(sum(c.updated), 0) AS updated,
           COALESCE(sum(c.rejected), 0) AS rejected,
           count(*) FILTER (WHERE c.kind = 'data') AS slices, max(c.cond) AS cond,
           extract(epoch FROM clock_timestamp() - min(t.started_at))::float8 AS seconds
      FROM _migrate.chunks c JOIN _migrate.tasks t USING (run_id, task)
     WHERE c.run_id = $1 AND c.task = $2 AND c.kind IN ('load', 'data')]],
    rec.run_id, task)[1]
end

-- Mark a step done.  Call it INSIDE the transaction that did the step's
-- work: both commit together or neither does.
function M.mark(rec, task, step, rows)
  if rec.target and rec.target.landed then
    rec.target.landed.mark(rec.target, rec.token, task, step, rows)
    return
  elseif rec.target then
    rec.target:query([[
      INSERT INTO _migrate.landed (token, task, what, rows) VALUES ($1, $2, $3, $4)
      ON CONFLICT DO NOTHING]], rec.token, task, step, rows)
    return
  end
  rec.conn:query([[
    INSERT INTO _migrate.steps (run_id, task, step, rows) VALUES ($1, $2, $3, $4)
    ON CONFLICT DO NOTHING]], rec.run_id, task, step, rows)
end

-- Task state: running, succeeded, failed, skipped or interrupted, with
-- the reason (or the report's remark).
function M.set_status(rec, task, status, fields)
  fields = fields or {}
  rec.conn:query([[
    UPDATE _migrate.tasks
       SET status = $3,
           attempts = attempts + CASE WHEN $3 = 'running' AND status <> 'running' THEN 1 ELSE 0 END,
           started_at = CASE WHEN $3 = 'running' THEN COALESCE(started_at, clock_timestamp()) ELSE started_at END,
           finished_at = CASE WHEN $3 = 'running' THEN NULL ELSE clock_timestamp() END,
           rows = COALESCE($4::bigint, rows),
           seconds = COALESCE($5::float8, seconds),
           reason = CASE WHEN $3 = 'running' THEN NULL ELSE COALESCE($6, reason) END,
           bytes = COALESCE($7::bigint, bytes),
           rejected = COALESCE($8::bigint, rejected)
     WHERE run_id = $1 AND task = $2]],
    rec.run_id, task, status, fields.rows, fields.seconds, fields.reason, fields.bytes, fields.rejected)
end

-- When an attempt stops early: the tasks running become `status` (with
-- `reason`), the waiting ones skipped, "not started: " .. `why`.
function M.stop_running(rec, status, reason, why)
  rec.conn:query([[
    UPDATE _migrate.tasks
       SET status = CASE WHEN status = 'running' THEN $2 ELSE 'skipped' END,
           reason = CASE WHEN status = 'running' THEN COALESCE($3, reason)
                         ELSE 'not started: ' || $4 END,
           finished_at = now()
     WHERE run_id = $1 AND status IN ('running', 'waiting')]], rec.run_id, status, reason, why)
end

-- Ask every worker to stop claiming (the run stops after a failure).
function M.stopping(rec)
  rec.conn:query("UPDATE _migrate.runs SET status = 'stopping' WHERE run_id = $1 AND status = 'running'",
    rec.run_id)
end

function M.run_status(rec)
  return rec.conn:query("SELECT status FROM _migrate.runs WHERE run_id = $1", rec.run_id)[1].status
end

-- Where the run stands: tasks by status, chunks and rows done.
function M.progress(rec)
  return rec.conn:query([[
    SELECT (SELECT count(*) FROM _migrate.tasks WHERE run_id = $1) AS tasks,
           (SELECT count(*) FROM _migrate.tasks WHERE run_id = $1
               AND status IN ('succeeded', 'failed', 'skipped')) AS finished,
           (SELECT count(*) FROM _migrate.tasks WHERE run_id = $1 AND status = 'running') AS running,
           (SELECT COALESCE(sum(estimate), 0) FROM _migrate.tasks WHERE run_id = $1) AS estimate,
           count(*) FILTER (WHERE kind IN ('load', 'data')) AS slices,
           count(*) FILTER (WHERE kind IN ('load', 'data') AND done_at IS NOT NULL) AS slices_done,
           COALESCE(sum(rows), 0) AS rows, COALESCE(sum(bytes), 0) AS bytes
      FROM _migrate.chunks WHERE run_id = $1]], rec.run_id)[1]
end

-- The running tasks with their data chunks done and planned.
function M.running(rec)
  return rec.conn:query([[
    SELECT t.target, count(c.chunk) FILTER (WHERE c.kind = 'data') AS slices,
           count(c.chunk) FILTER (WHERE c.kind = 'data' AND c.done_at IS NOT NULL) AS done
      FROM _migrate.tasks t LEFT JOIN _migrate.chunks c USING (run_id, task)
     WHERE t.run_id = $1 AND t.status = 'running'
     GROUP BY t.target, t.position ORDER BY t.position LIMIT 4]], rec.run_id)
end

-- The tasks of the run as the report shows them, in plan order.
function M.results(rec)
  return rec.conn:query([[
    SELECT t.task, t.target, t.status, t.rows, t.bytes, t.seconds, t.reason, t.attempts, t.rejected,
           (SELECT count(*) FROM _migrate.chunks c
             WHERE c.run_id = t.run_id AND c.task = t.task AND c.kind IN ('load', 'data')) AS slices
      FROM _migrate.tasks t WHERE t.run_id = $1 ORDER BY t.position, t.task]], rec.run_id)
end

-- The end of the run.
function M.finish(rec, status)
  rec.conn:query(
    "UPDATE _migrate.runs SET status = $2, finished_at = now() WHERE run_id = $1",
    rec.run_id, status)
end

return M
