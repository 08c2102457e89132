-- migrate.planfile: a plan as a YAML document to read, diff and edit.
--
--   migrate plan RECIPE.lua -o plan.yaml    writes it (M.write)
--   migrate run plan.yaml                   runs exactly it (M.run)
--
-- A plan holds the decisions, not the SQL: per table the source and target
-- names, the load policy, the key, the filter (already expanded), the
-- column mapping with types.  Editing any of these and running the plan
-- runs the edit; removing a task skips the table.  The DDL in a task is
-- shown for review only and is made again from the fields at run time.
--
-- The plan records each source table's columns and a fingerprint of them;
-- a run refuses a source whose tables changed since, naming what changed
-- (--force runs it anyway).  Passwords never reach the plan: connection
-- strings and parameters are written masked, and a masked one must be
-- given again on the command line (or come from PG* variables/.pgpass).
local cast = require "migrate.cast"
local core = require "migrate.core"
local errors = require "migrate.errors"
local pg = require "migrate.pg"
local plan = require "migrate.plan"
local recipe = require "migrate.recipe"
local record = require "migrate.record"
local runner = require "migrate.runner"
local yaml = require "migrate.yaml"

local M = {}

M.VERSION = 1

local TOP_ORDER = { "migrate_plan", "recipe", "made", "source", "target", "params",
                    "stop_on_error", "source_encoding", "source_timezone", "fingerprint", "tasks" }
local TASK_ORDER = { "source", "target", "policy", "conflict", "create", "key",
                     "filter", "format", "indexes", "foreign_keys", "reset_sequences",
                     "source_encoding", "source_timezone",
                     "normalize", "columns", "source_columns", "ddl" }
local COLUMN_ORDER = { "source", "target", "type", "enum", "transform", "rule", "not_null", "default",
                       "identity", "generated", "collation", "expr" }

local function ordered(t, order) return setmetatable(t, { __order = order }) end

local function null_if_nil(v)
  if v == nil then return yaml.null end
  return v
end

-- "name type [not null]" per source column, and the primary key: what the
-- plan was made from, compared again at run time.
function M.source_columns(entry)
  local out = {}
  for _, c in ipairs(entry.columns) do
    out[#out + 1] = string.format("%s %s%s", c.name, c.type, c.not_null and " not null" or "")
  end
  if entry.primary_key then
    out[#out + 1] = "primary key (" .. table.concat(entry.primary_key.columns, ", ") .. ")"
  end
  return out
end

local function fingerprint(conn, tasks_docs)
  local parts = {}
  for _, t in ipairs(tasks_docs) do
    parts[#parts + 1] = t.source.schema .. "." .. t.source.table .. "\n" ..
      table.concat(t.source_columns, "\n")
  end
  return conn:query("SELECT md5($1) AS h", table.concat(parts, "\n\n"))[1].h
end

local function column_doc(c)
  return ordered({
    source = c.source, target = c.target, type = c.type,
    -- an enum type made with the table: its labels
    enum = c.enum and yaml.array(c.enum.labels) or nil,
    -- the reader's value transform, and which recipe rule chose the type
    transform = c.transform, rule = c.rule,
    not_null = c.not_null or nil, default = c.default, identity = c.identity,
    generated = c.generated_expr, collation = c.collation,
    expr = c.source == nil and c.expr or nil,
  }, COLUMN_ORDER)
end

-- A task's encoding and time zone are written when they differ from the
-- plan's (the recipe's top level).
local function task_doc(task, top)
  local cols = {}
  for i, c in ipairs(task.columns) do cols[i] = column_doc(c) end
  return ordered({
    source = ordered({ schema = task.source.schema, table = task.source.name }, { "schema", "table" }),
    target = ordered({ schema = task.target.schema, table = task.target.name }, { "schema", "table" }),
    policy = task.policy, conflict = task.conflict, create = task.create,
    key = task.key and yaml.array(task.key) or yaml.null,
    filter = null_if_nil(task.filter), format = task.format,
    indexes = task.indexes, foreign_keys = task.foreign_keys,
    reset_sequences = task.reset_sequences,
    source_encoding = task.encoding ~= top.source_encoding and task.encoding or nil,
    source_timezone = task.timezone ~= top.source_timezone and task.timezone or nil,
    -- verify's templates (target column -> SQL with %s); left out when none
    normalize = task.normalize and next(task.normalize) ~= nil and task.normalize or nil,
    columns = yaml.array(cols),
    source_columns = yaml.array(M.source_columns(task.entry)),
    ddl = plan.create_sql(task, task.policy == "upsert"),
  }, TASK_ORDER)
end

local function masked_params(params)
  local out = {}
  for k, v in pairs(params or {}) do
    out[k] = type(v) == "string" and core.mask(v) or v
  end
  return out
end

-- The plan document of a recipe, planned against the live source.
function M.document(r, ctx, tasks)
  local docs = {}
  for i, t in ipairs(tasks) do docs[i] = task_doc(t, r) end
  return ordered({
    migrate_plan = M.VERSION,
    recipe = (recipe.origin(r)),
    made = os.date("!%Y-%m-%dT%H:%M:%SZ"),
    source = core.mask(r.source), target = core.mask(r.target),
    params = masked_params(r.params),
    stop_on_error = r.stop_on_error,
    source_encoding = r.source_encoding, source_timezone = r.source_timezone,
    -- md5 on the target's server: the source may not be PostgreSQL
    fingerprint = fingerprint(ctx.target, docs),
    tasks = yaml.array(docs),
  }, TOP_ORDER)
end

-- `migrate plan RECIPE.lua [-o FILE]`: write the plan; returns the exit code.
function M.write(path, params, options)
  local r = recipe.load(path, params)
  local ctx, tasks = runner.prepare(r)
  local text = yaml.encode(M.document(r, ctx, tasks))
  ctx.source:close()
  ctx.target:close()
  local out = options.output
  if out and out ~= "-" then
    local f, err = io.open(out, "w")
    if not f then errors.raise("io", "cannot write the plan: " .. tostring(err)) end
    f:write(text)
    f:close()
    core.log("info", "plan", string.format("%d tables planned into %s", #tasks, out))
  else
    io.stdout:write(text)
  end
  return core.exit.ok
end

---------------------------------------------------------------------------
-- Reading a plan back

-- A mistake in the plan names the file and the line.
local function plan_error(file, line, msg)
  errors.raise("recipe", msg, file, line)
end

local function check_type(st, line, what, v, want)
  if type(v) ~= want then
    plan_error(st.file, line, string.format("%s expects a %s, got %s", what, want,
      v == yaml.null and "null" or type(v)))
  end
  return v
end

local function one_of(st, line, what, v, allowed)
  for _, a in ipairs(allowed) do if v == a then return v end end
  plan_error(st.file, line, string.format("%s expects one of %s, got %s", what,
    table.concat(allowed, ", "), tostring(v)))
end

local function opt(v)
  if v == yaml.null then return nil end
  return v
end

-- Check the plan's source columns against the live entry; what changed.
local function changes(doc_cols, entry)
  local now = M.source_columns(entry)
  local was_set, now_set, out = {}, {}, {}
  for _, c in ipairs(doc_cols) do was_set[c] = true end
  for _, c in ipairs(now) do now_set[c] = true end
  for _, c in ipairs(doc_cols) do
    if not now_set[c] then out[#out + 1] = "was: " .. c end
  end
  for _, c in ipairs(now) do
    if not was_set[c] then out[#out + 1] = "now: " .. c end
  end
  return out
end

-- A column of the plan -> a column of the task.
local function task_column(st, line, cd, entry_cols, entry)
  local c = {
    source = opt(cd.source),
    target = check_type(st, line, "a column's target", cd.target, "string"),
    type = check_type(st, line, "column " .. tostring(cd.target) .. ": type", cd.type, "string"),
    not_null = opt(cd.not_null) == true, default = opt(cd.default),
    identity = opt(cd.identity), generated_expr = opt(cd.generated),
    collation = opt(cd.collation), expr = opt(cd.expr),
    transform = opt(cd.transform), rule = opt(cd.rule),
  }
  local labels = opt(cd.enum)
  if labels ~= nil then
    check_type(st, line, "column " .. c.target .. ": enum", labels, "table")
    for _, l in ipairs(labels) do check_type(st, line, "column " .. c.target .. ": an enum label", l, "string") end
    c.enum = { labels = labels }
  end
  if c.transform ~= nil then
    check_type(st, line, "column " .. c.target .. ": transform", c.transform, "string")
    if entry.source_type ~= "odbc" then
      plan_error(st.file, line, string.format(
        "column %s: transform %s: value transforms are for ODBC sources only in this version",
        c.target, c.transform))
    end
    local problem = cast.check_transform(c.transform)
    if problem then plan_error(st.file, line, "column " .. c.target .. ": " .. problem) end
    if not c.source then
      plan_error(st.file, line, "column " .. c.target .. ": a transform needs a source column")
    end
  end
  if c.identity then one_of(st, line, "identity", c.identity, { "ALWAYS", "BY DEFAULT" }) end
  if c.source then
    local src = entry_cols[c.source]
    if not src then
      plan_error(st.file, line, string.format("column %s: the source has no column %s",
        c.target, c.source))
    end
    if c.type ~= src.type then
      -- A type edited in the plan is a cast, made on the source side.
      c.expr = string.format("%s::%s", pg.quote_ident(c.source), c.type)
    end
  elseif not c.expr then
    plan_error(st.file, line, string.format("column %s has neither a source nor an expr", c.target))
  end
  return c
end

-- A task of the plan -> a task the runner executes.
local function task_from_doc(st, td, entry, doc)
  local line = st.lines[td]
  local function text(v, what) return check_type(st, line, what, v, "string") end
  check_type(st, line, "a task's target", td.target, "table")
  local entry_cols = {}
  for _, c in ipairs(entry.columns) do entry_cols[c.name] = c end
  local cols, mapped, renamed = {}, 0, false
  for _, cd in ipairs(check_type(st, line, "columns", td.columns, "table")) do
    local c = task_column(st, st.lines[cd] or line, cd, entry_cols, entry)
    cols[#cols + 1] = c
    if c.source then
      mapped = mapped + 1
      renamed = renamed or c.source ~= c.target
    end
  end
  local tschema = text(td.target.schema, "target.schema")
  local tname = text(td.target.table, "target.table")
  local task = {
    entry = entry,
    label = entry.schema .. "." .. entry.name,
    source = { schema = entry.schema, name = entry.name, kind = entry.kind,
               qualified = plan.qualified(entry.schema, entry.name) },
    target = { schema = tschema, name = tname, qualified = plan.qualified(tschema, tname) },
    target_label = tschema .. "." .. tname,
    columns = cols,
    renamed_columns = renamed or mapped < #entry.columns,
    dropped_columns = mapped < #entry.columns,
    policy = one_of(st, line, "policy", td.policy, { "overwrite", "append", "upsert" }),
    conflict = one_of(st, line, "conflict", td.conflict, { "update", "skip", "error" }),
    create = one_of(st, line, "create", td.create, { "missing", "recreate", "never" }),
    format = one_of(st, line, "format", td.format, { "binary", "text" }),
    filter = opt(td.filter),
    indexes = td.indexes ~= false, foreign_keys = td.foreign_keys ~= false,
    reset_sequences = td.reset_sequences ~= false,
    normalize = {},
    notes = {},
  }
  -- encoding and time zone: the task's own, else the plan's
  for field, key in pairs { encoding = "source_encoding", timezone = "source_timezone" } do
    local v = opt(td[key])
    if v == nil then v = opt(doc[key]) end
    if v ~= nil then task[field] = check_type(st, line, key, v, "string") end
  end
  -- normalize: target column -> SQL template holding %s (for verify)
  local normalize = opt(td.normalize)
  if normalize then
    local nline = st.lines[check_type(st, line, "normalize", normalize, "table")] or line
    for col, tpl in pairs(normalize) do
      if type(col) ~= "string" or type(tpl) ~= "string" or not tpl:find("%s", 1, true) then
        plan_error(st.file, nline, string.format(
          "normalize: %s expects an SQL expression holding %%s (the column), got %s", tostring(col),
          tpl == yaml.null and "null" or type(tpl) == "string" and string.format("%q", tpl) or type(tpl)))
      end
      task.normalize[col] = tpl
    end
  end
  local key = opt(td.key)
  if key then
    local targets = {}
    for _, c in ipairs(cols) do targets[c.target] = true end
    for _, k in ipairs(check_type(st, line, "key", key, "table")) do
      if not targets[k] then
        plan_error(st.file, line, string.format("key column %s is not a target column of %s",
          tostring(k), task.target_label))
      end
    end
    task.key = key
  end
  if task.policy == "upsert" and task.conflict ~= "error" and not task.key then
    plan_error(st.file, line, task.label .. ": upsert needs a key")
  end
  return task
end

-- The recipe-like settings of a plan: connections and parameters, with
-- masked values given again on the command line.
local function settings(st, doc, params)
  local merged = {}
  for k, v in pairs(opt(doc.params) or {}) do merged[k] = v end
  for k, v in pairs(params or {}) do merged[k] = v end
  local r = { source = check_type(st, 1, "source", doc.source, "string"),
              target = check_type(st, 1, "target", doc.target, "string"),
              params = merged, hooks = {}, stop_on_error = doc.stop_on_error == true,
              source_encoding = opt(doc.source_encoding), source_timezone = opt(doc.source_timezone) }
  for _, field in ipairs { "source", "target" } do
    if r[field]:find("***", 1, true) then
      errors.raise("usage", string.format(
        "%s: the plan's %s connection was written with its password masked; give %s=... on the command line",
        st.file, field, field))
    end
  end
  for k, v in pairs(merged) do
    if type(v) == "string" and v:find("***", 1, true) then
      errors.raise("usage", string.format(
        "%s: parameter '%s' was written masked (it holds a password); give %s=... on the command line",
        st.file, k, k))
    end
  end
  return r
end

-- Read a plan and check it against the live source: the run context and
-- the tasks, ready for runner.execute (or verify).
-- Read a plan file without connecting: the document, the reading state
-- (file, lines) and its recipe-like settings (connections, parameters,
-- run_key).
function M.read(path, params)
  local ok, doc, lines = pcall(yaml.decode_file, path)
  if not ok then
    -- A plan that does not parse is wrong like a recipe that does not.
    local err = doc
    if type(err) == "table" and err.code ~= "io" then err.code = "recipe" end
    error(err, 0)
  end
  local st = { file = path, lines = lines }
  if type(doc) ~= "table" or doc.migrate_plan ~= M.VERSION then
    plan_error(path, 1, "not a migrate plan (version " .. M.VERSION ..
      "): make one with `migrate plan RECIPE.lua -o " .. path .. "`")
  end
  local r = settings(st, doc, params)
  r.run_key = record.run_key(runner.absolute(path), r.params)
  return doc, st, r
end

-- The tasks of a plan document, against the live catalog entries: the
-- tasks and the problems (tables gone or changed since the plan was made).
function M.tasks_of(doc, st, entries)
  local by_key = {}
  for _, e in ipairs(entries) do by_key[e.schema .. "." .. e.name] = e end
  local tasks, problems = {}, {}
  for _, td in ipairs(check_type(st, 1, "tasks", doc.tasks, "table")) do
    local line = st.lines[td]
    check_type(st, line, "a task's source", td.source, "table")
    local label = tostring(td.source.schema) .. "." .. tostring(td.source.table)
    local entry = by_key[label]
    if not entry then
      problems[#problems + 1] = string.format("%s:%s: %s: the table is gone from the source",
        st.file, line, label)
    else
      local diff = changes(opt(td.source_columns) or {}, entry)
      if #diff > 0 then
        problems[#problems + 1] = string.format("%s:%s: %s changed since the plan was made: %s",
          st.file, line, label, table.concat(diff, "; "))
      end
      tasks[#tasks + 1] = task_from_doc(st, td, entry, doc)
    end
  end
  return tasks, problems
end

-- The plan a worker joins (the run's, from the record): its tasks.
function M.tasks_from_text(text, entries)
  local doc, lines = yaml.decode(text)
  local tasks = M.tasks_of(doc, { file = "the run's plan", lines = lines or {} }, entries)
  return tasks, doc
end

-- The settings of a plan a worker joins: connections and parameters
-- (masked ones given again on the command line).
function M.settings_of_text(text, params)
  local doc = yaml.decode(text)
  return settings({ file = "the run's plan", lines = {} }, doc, params), doc
end

function M.load(path, params, options)
  local doc, st, r = M.read(path, params)
  local ctx, entries = runner.open(r)
  local tasks, problems = M.tasks_of(doc, st, entries)
  if #problems > 0 then
    if not options.force then
      ctx.source:close()
      ctx.target:close()
      errors.raise("recipe", "the source changed since the plan was made (--force runs it anyway):\n  " ..
        table.concat(problems, "\n  "))
    end
    for _, p in ipairs(problems) do core.log("warn", "plan", p .. " (--force)") end
  end
  ctx.run_key = r.run_key
  return ctx, tasks
end

return M
