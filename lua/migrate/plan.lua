-- migrate.plan: turn a recipe and the chosen catalog entries into tasks.
--
-- A task says everything the runner needs for one table, decided once
-- before any row moves: source and target names, the column mapping, the
-- DDL, the COPY statements on both sides (binary pass-through or the text
-- path), the load policy, and the post-load steps (keys, indexes, foreign
-- keys, identity resets).  Every identifier is quoted here; values in
-- filters become quoted literals.
local cast = require "migrate.cast"
local core = require "migrate.core"
local errors = require "migrate.errors"
local odbc_types = require "migrate.odbc_types"
local pg = require "migrate.pg"
local recipe = require "migrate.recipe"
local target_mysql = require "migrate.target_mysql"

local M = {}

local qi = pg.quote_ident

function M.qualified(schema, name) return qi(schema) .. "." .. qi(name) end

local function recipe_error(r, msg)
  errors.raise("recipe", msg, (recipe.origin(r)))
end

local function set_of(list)
  local s = {}
  for _, v in ipairs(list or {}) do s[v] = true end
  return s
end

-- Types whose binary form is not portable between databases: user types
-- (OIDs inside arrays and records) and reg* (OIDs themselves).
local function binary_safe(col)
  if col.expr then return true end -- cast to a declared type on the source
  if col.type_schema and col.type_schema ~= "pg_catalog" then return false end
  local t = col.type_name or ""
  return not t:match("^_?reg")
end

local check_timezones -- below

local function integer_type(t)
  return t == "smallint" or t == "integer" or t == "bigint"
end

-- The type, transform, default, not null and identity of one source
-- column: the default mapping's (the catalog's), changed by the first
-- type rule that matches; a type in the recipe's cast map wins over the
-- rule's.  `rule` says which decided ("type_rules[2], line 14").  For a
-- MySQL target (`dialect` "mysql") the types are MySQL's: the default
-- mapping is migrate.target_mysql's, and a rule's `to` is a MySQL type.
local function decide(r, entry, t, dialect)
  local c = t.column
  local serial = not c.identity and c.default and c.default:match("^nextval%(") ~= nil
  local d = { type = c.type, transform = c.transform, default = c.default,
              not_null = c.not_null, identity = c.identity ~= nil or serial }
  if dialect == "mysql" then
    local why
    d.type, why = target_mysql.type_of(c)
    if why then d.warning = why end
  end
  local mapped = d.type
  local rule, facts = cast.find(r.type_rules, entry, c)
  if rule then
    cast.apply(rule, d, facts)
    d.rule = cast.describe(rule)
  end
  if t.cast then
    d.type = t.cast
    d.rule = d.rule and (t.cast_from .. "; " .. d.rule) or t.cast_from
  end
  if d.type ~= mapped then d.warning = nil end
  if entry.source_type == "odbc" and d.type ~= c.type and c.default_kind ~= nil
      and not (rule and rule.drop_default) and not d.identity then
    -- The catalog translated the default for the mapped type; a rule's
    -- type needs it again (DEFAULT CURRENT_TIMESTAMP on a date is
    -- CURRENT_DATE, '1' on a boolean true).
    local why
    d.default, why = odbc_types.column_default(c, d.type)
    if why then
      core.log("warn", "plan", string.format("%s.%s.%s: %s; the target column gets no default",
        entry.schema, entry.name, c.name, why))
    end
  end
  if d.type == "enum" then
    -- to = "enum": a PostgreSQL enum type of the source column's labels,
    -- made with the table (named in M.task, once the target is known)
    if not (c.enum_values and c.base_type == "enum") then
      local _, file, line = cast.origin(rule)
      errors.raise("recipe", string.format(
        "%s: to = \"enum\" needs a source enum column; %s.%s.%s is %s",
        d.rule or "type rule", entry.schema, entry.name, c.name, tostring(c.source_type or c.type)), file, line)
    end
    d.enum = c.enum_values
    -- MySQL stores an invalid value as '' (no label): it becomes NULL
    local has_empty = false
    for _, l in ipairs(c.enum_values) do if l == "" then has_empty = true end end
    if d.transform == nil and not has_empty then d.transform = "empty_to_null" end
  end
  if rule and d.transform and entry.source_type ~= "odbc" then
    local _, file, line = cast.origin(rule)
    errors.raise("recipe", string.format(
      "%s: using = \"%s\" on %s.%s.%s: value transforms run in the ODBC reader, for ODBC sources only in this version",
      d.rule, d.transform, entry.schema, entry.name, c.name), file, line)
  end
  return d, serial
end

-- Column mapping of one table: the recipe's target columns (names after
-- rename, column_naming, truncation and checks), with types, identity,
-- defaults and generated expressions carried over from the source, and
-- the value transform the ODBC reader applies.
local function map_columns(r, entry, vars, dialect)
  local cols, renamed = {}, false
  for _, t in ipairs(recipe.target_columns(r, entry)) do
    if t.added then
      cols[#cols + 1] = {
        target = t.target, type = t.type,
        expr = string.format("(%s)::%s", recipe.expand(r, t.expr, vars), t.type),
        not_null = t.not_null, default = t.default,
      }
    else
      local c = t.column
      if t.truncated then
        core.log("warn", "plan", string.format("column %s.%s.%s truncated to 63 bytes: %s",
          entry.schema, entry.name, c.name, t.target))
      end
      if t.target ~= c.name then renamed = true end
      local d, serial = decide(r, entry, t, dialect)
      if d.warning then
        core.log("warn", "plan", string.format("%s.%s.%s: %s", entry.schema, entry.name, c.name, d.warning))
      end
      local col = {
        source = c.name, target = t.target, type = d.type,
        type_name = c.type_name, type_schema = c.type_schema,
        not_null = d.not_null, collation = c.collation,
        transform = d.transform, rule = d.rule, enum = d.enum,
      }
      if d.type ~= c.type and dialect ~= "mysql" then
        -- a PostgreSQL source casts; an ODBC source's text is parsed by the target
        col.expr = string.format("%s::%s", qi(c.name), d.type)
        col.type_schema, col.type_name = nil, nil
      end
      local default = d.default
      if d.identity then
        col.identity = c.identity == "a" and "ALWAYS" or "BY DEFAULT"
        if serial then default = nil end -- serial: identity on the target
      elseif serial then
        default = nil -- its sequence is the source's
      end
      if col.identity and not integer_type(dialect == "mysql" and c.type or col.type) then
        col.identity = nil
      end
      if c.generated == "s" then
        col.generated_expr = default
      else
        col.default = default
      end
      cols[#cols + 1] = col
    end
  end
  if #cols < #entry.columns then renamed = true end -- dropped columns
  -- A generated column stays generated only if its expression still reads
  -- right, i.e. no column of the table was renamed or dropped.
  for _, col in ipairs(cols) do
    if col.generated_expr and renamed then col.generated_expr = nil end
  end
  return cols, renamed
end

-- The key columns (target names) used by upsert and the primary key.
local function key_columns(r, entry, opts, cols)
  local by_source = {}
  for _, c in ipairs(cols) do if c.source then by_source[c.source] = c.target end end
  if opts.key then
    local targets = set_of((function()
      local t = {}
      for _, c in ipairs(cols) do t[#t + 1] = c.target end
      return t
    end)())
    for _, k in ipairs(opts.key) do
      if not targets[k] then
        recipe_error(r, string.format("key column '%s' of %s.%s is not a target column",
          k, entry.schema, entry.name))
      end
    end
    return opts.key
  end
  if not entry.primary_key then return nil end
  local key = {}
  for _, name in ipairs(entry.primary_key.columns) do
    if not by_source[name] then return nil end -- the key column was dropped
    key[#key + 1] = by_source[name]
  end
  return key
end

local function ident_list(names)
  local q = {}
  for i, n in ipairs(names) do q[i] = qi(n) end
  return table.concat(q, ", ")
end

-- CREATE TABLE for a task (with the primary key when with_key; a MySQL
-- target always has it, see migrate.target_mysql).
function M.create_sql(task, with_key)
  if task.dialect == "mysql" then return target_mysql.create_sql(task) end
  local lines = {}
  for _, c in ipairs(task.columns) do
    local parts = { qi(c.target), c.type }
    if c.collation then parts[#parts + 1] = "COLLATE " .. qi(c.collation) end
    if c.generated_expr then
      parts[#parts + 1] = string.format("GENERATED ALWAYS AS (%s) STORED", c.generated_expr)
    elseif c.identity then
      parts[#parts + 1] = "GENERATED " .. c.identity .. " AS IDENTITY"
    end
    if c.not_null then parts[#parts + 1] = "NOT NULL" end
    if c.default and not c.identity and not c.generated_expr then
      parts[#parts + 1] = "DEFAULT " .. c.default
    end
    lines[#lines + 1] = "  " .. table.concat(parts, " ")
  end
  if with_key and task.key then
    lines[#lines + 1] = "  PRIMARY KEY (" .. ident_list(task.key) .. ")"
  end
  return string.format("CREATE TABLE %s (\n%s\n)", task.target.qualified,
    table.concat(lines, ",\n"))
end

-- The columns that travel in the COPY stream (generated ones do not).
function M.copied(task)
  local out = {}
  for _, c in ipairs(task.columns) do
    if not c.generated_expr then out[#out + 1] = c end
  end
  return out
end

-- An identifier in the source's own SQL: quoted with the driver's quote
-- for an ODBC source (entry.source_quote), as PostgreSQL does otherwise.
function M.source_ident(entry, name)
  local q = entry.source_type == "odbc" and entry.source_quote
  if not q then return qi(name) end
  return q .. name:gsub(q, q .. q) .. q
end

-- psqlODBC rewrites these when it fetches them as characters (infinity
-- as a zero date, BC dropped, years past 9999 cut, timestamptz without
-- its offset); as text the server's own spelling comes through.
local PG_AS_TEXT = { date = true, timestamp = true, timestamptz = true, time = true,
                     timetz = true, interval = true }

-- An ODBC source: a plain SELECT in the source's dialect, whose rows the
-- copy engine encodes as COPY text.  No ONLY, no casts (but for the
-- date and time types of PostgreSQL through psqlODBC): the target parses.
local function odbc_select(task, range)
  local entry = task.entry
  local by_name = {}
  for _, c in ipairs(entry.columns) do by_name[c.name] = c end
  local select = {}
  for i, c in ipairs(M.copied(task)) do
    if not c.source then
      errors.raise("recipe", string.format(
        "%s: added columns (%s) are for PostgreSQL sources only in this version",
        task.label, c.target))
    end
    select[i] = M.source_ident(entry, c.source)
    local src = by_name[c.source]
    if task.source_dbms == "PostgreSQL" and src and PG_AS_TEXT[(src.type_name or ""):lower()] then
      select[i] = select[i] .. "::text"
    end
  end
  local conds = {}
  if task.filter then conds[#conds + 1] = "(" .. task.filter .. ")" end
  if range then conds[#conds + 1] = range end
  local where = #conds > 0 and (" WHERE " .. table.concat(conds, " AND ")) or ""
  return string.format("SELECT %s FROM %s%s", table.concat(select, ", "),
    entry.source_qualified, where)
end

-- A PostgreSQL source for a MySQL target: COPY text of a SELECT whose
-- items send what MySQL reads (target_mysql.read_plan), in primary key
-- order: InnoDB appends to its clustered index instead of splitting
-- pages, and a failing row's position names its key (M.row_key_sql).
local function mysql_read_sql(task, range, list)
  local select = {}
  for i, c in ipairs(M.copied(task)) do
    if not c.source then
      errors.raise("recipe", string.format(
        "%s: added columns (%s) are for PostgreSQL targets only in this version", task.label, c.target))
    end
    select[i] = c.select
  end
  if list then select = { list } end
  local from = (task.source.kind == "table" and "ONLY " or "") .. task.source.qualified
  local conds = {}
  if task.filter then conds[#conds + 1] = "(" .. task.filter .. ")" end
  if range then conds[#conds + 1] = range end
  local where = #conds > 0 and (" WHERE " .. table.concat(conds, " AND ")) or ""
  local order = ""
  local pk = task.entry.primary_key
  if pk then
    local cols = {}
    for i, n in ipairs(pk.columns) do cols[i] = qi(n) end
    order = " ORDER BY " .. table.concat(cols, ", ")
  end
  return string.format("SELECT %s FROM %s%s%s", table.concat(select, ", "), from, where, order)
end

-- The primary key of the n-th row (1-based) a MySQL target's chunk read,
-- as "a = 1, b = x" text through a query on the source; nil without a key.
function M.row_key_sql(task, range, n)
  local pk = task.entry.primary_key
  if not pk then return nil end
  local parts = {}
  for i, name in ipairs(pk.columns) do
    parts[i] = string.format("%s || ' = ' || coalesce(%s::text, 'NULL')", pg.quote_literal(name), qi(name))
  end
  local sql = mysql_read_sql(task, range, table.concat(parts, " || ', ' || ") .. " AS k")
  return string.format("%s OFFSET %d LIMIT 1", sql, n - 1)
end

-- The source side's COPY; `range` (optional) is SQL selecting one chunk.
-- For an ODBC source: the SELECT the copy engine reads.
function M.source_copy_sql(task, range)
  if task.entry and task.entry.source_type == "odbc" then return odbc_select(task, range) end
  if task.dialect == "mysql" then
    return string.format("COPY (%s) TO STDOUT (FORMAT text)", mysql_read_sql(task, range))
  end
  local cols = M.copied(task)
  local fmt = task.format
  local plain = task.source.kind == "table" and not task.filter and not range
  local select = {}
  for i, c in ipairs(cols) do
    if c.expr then plain = false end
    select[i] = c.expr and (c.expr .. " AS " .. qi(c.target)) or qi(c.source)
  end
  if plain then
    return string.format("COPY %s (%s) TO STDOUT (FORMAT %s)", task.source.qualified,
      table.concat(select, ", "), fmt)
  end
  local from = (task.source.kind == "table" and "ONLY " or "") .. task.source.qualified
  local conds = {}
  if task.filter then conds[#conds + 1] = "(" .. task.filter .. ")" end
  if range then conds[#conds + 1] = range end
  local where = #conds > 0 and (" WHERE " .. table.concat(conds, " AND ")) or ""
  return string.format("COPY (SELECT %s FROM %s%s) TO STDOUT (FORMAT %s)",
    table.concat(select, ", "), from, where, fmt)
end

-- The copy.run options of the source side of a task (migrate.copy):
-- { transforms = { [i] = "spec" } by copied column (1-based, the order of
-- plan.copied and of the SELECT), encoding = "latin1", rows_per_fetch =
-- the recipe's fetch_rows }; each nil when none.  The reader of an ODBC source applies them; the run and verify
-- read a source through the same options.
function M.source_read_options(task)
  local opts = {}
  if not (task.entry and task.entry.source_type == "odbc") then return opts end
  for i, c in ipairs(M.copied(task)) do
    if c.transform then
      opts.transforms = opts.transforms or {}
      opts.transforms[i] = c.transform
    end
  end
  opts.encoding = task.encoding
  opts.rows_per_fetch = task.fetch_rows
  return opts
end

-- The statement (and its parameter) that makes the current transaction
-- read naive timestamps in the task's source_timezone, or nil.  The zone
-- is a bound parameter, never spliced into the SQL.
function M.timezone_sql(task)
  if not task.timezone then return nil end
  return "SELECT set_config('TimeZone', $1, true)", task.timezone
end

-- COPY into `into` (the table, or the upsert staging table).
function M.target_copy_sql(task, into, freeze)
  local names = {}
  for i, c in ipairs(M.copied(task)) do names[i] = c.target end
  return string.format("COPY %s (%s) FROM STDIN (FORMAT %s%s)", into,
    ident_list(names), task.format, freeze and ", FREEZE" or "")
end

-- Merge the staging table into the target, by conflict policy: a list of
-- statements, each { sql, counts = "updated" | "inserted" | nil } (the
-- count comes from the command tag).
--
-- Not INSERT ... ON CONFLICT: measured on 2M rows into a half-filled table
-- it took 18.7 s against 11 s for UPDATE ... FROM (a hash join) followed by
-- INSERT ... WHERE NOT EXISTS, which write fewer WAL records (no
-- speculative insertion, no tuple locks).  The lock keeps concurrent
-- writers out between the two statements (readers go on), which is what
-- made ON CONFLICT's atomicity necessary.  Rows whose binary image equals
-- the target's are not updated (no dead tuple, no WAL) and count as
-- unchanged; record_image_eq also handles types without an equality
-- operator (json, point) and tells 1.0 from 1.00.
function M.merge_sql(task, stage)
  local names = {}
  for i, c in ipairs(M.copied(task)) do names[i] = c.target end
  local cols = ident_list(names)
  local overriding = ""
  for _, c in ipairs(task.columns) do
    if c.identity == "ALWAYS" then overriding = " OVERRIDING SYSTEM VALUE" end
  end
  local target = task.target.qualified
  local steps = {}
  local match
  if task.key then
    local on = {}
    for i, k in ipairs(task.key) do on[i] = string.format("t.%s = s.%s", qi(k), qi(k)) end
    match = table.concat(on, " AND ")
  end
  if task.conflict ~= "error" then
    if not match then return nil end
    steps[#steps + 1] = { sql = string.format("LOCK TABLE %s IN SHARE ROW EXCLUSIVE MODE", target) }
  end
  if task.conflict == "update" then
    local keys, sets, old, new = set_of(task.key), {}, {}, {}
    for _, n in ipairs(names) do
      if not keys[n] then
        sets[#sets + 1] = string.format("%s = s.%s", qi(n), qi(n))
        old[#old + 1] = "t." .. qi(n)
        new[#new + 1] = "s." .. qi(n)
      end
    end
    if #sets > 0 then
      steps[#steps + 1] = { counts = "updated", sql = string.format(
        "UPDATE %s AS t SET %s FROM %s AS s WHERE %s AND NOT record_image_eq(ROW(%s), ROW(%s))",
        target, table.concat(sets, ", "), stage, match,
        table.concat(old, ", "), table.concat(new, ", ")) }
    end
  end
  local missing = ""
  if task.conflict ~= "error" then
    missing = string.format(" WHERE NOT EXISTS (SELECT 1 FROM %s AS t WHERE %s)", target, match)
  end
  steps[#steps + 1] = { counts = "inserted", sql = string.format(
    "INSERT INTO %s (%s)%s SELECT %s FROM %s AS s%s", target, cols, overriding,
    cols, stage, missing) }
  return steps
end

-- Statements that finish a table this run created, after its data.
function M.post_sql(task)
  local steps = {}
  local by_source = {}
  for _, c in ipairs(task.columns) do if c.source then by_source[c.source] = c.target end end
  local function mapped(cols)
    local out = {}
    for i, n in ipairs(cols) do
      if not by_source[n] then return nil end
      out[i] = by_source[n]
    end
    return out
  end
  if task.dialect == "mysql" then return target_mysql.post_sql(task, mapped) end
  if task.key and not task.key_created then
    steps[#steps + 1] = { what = "primary key", sql = string.format(
      "ALTER TABLE %s ADD PRIMARY KEY (%s)", task.target.qualified, ident_list(task.key)) }
  end
  if task.indexes then
    for _, u in ipairs(task.entry.uniques) do
      local cols = mapped(u.columns)
      if cols then
        steps[#steps + 1] = { what = "unique " .. u.name, sql = string.format(
          "ALTER TABLE %s ADD UNIQUE (%s)", task.target.qualified, ident_list(cols)) }
      else
        task.notes[#task.notes + 1] = "unique " .. u.name .. " skipped (column dropped)"
      end
    end
    for _, ix in ipairs(task.entry.indexes) do
      local sql = M.index_sql(task, ix, mapped)
      if sql then
        steps[#steps + 1] = { what = "index " .. ix.name, sql = sql }
      else
        task.notes[#task.notes + 1] = "index " .. ix.name .. " skipped (it reads a dropped column)"
      end
    end
  end
  return steps
end

-- Wrap statements written with the SOURCE column names so they run on the
-- target table: rename its columns to the source names (through temporary
-- names, so swapped names cannot collide), run, rename back.  One PQexec
-- string is one implicit transaction.  PostgreSQL rewrites the stored
-- expressions on the way back, so expression and partial indexes follow.
function M.with_source_names(task, sql)
  local fwd, fwd2, back, back2 = {}, {}, {}, {}
  local function rename(from, to)
    return string.format("ALTER TABLE %s RENAME COLUMN %s TO %s",
      task.target.qualified, qi(from), qi(to))
  end
  for i, c in ipairs(task.columns) do
    if c.source and c.source ~= c.target then
      local tmp = "_migrate_rename_" .. i
      fwd[#fwd + 1] = rename(c.target, tmp)
      fwd2[#fwd2 + 1] = rename(tmp, c.source)
      back[#back + 1] = rename(c.source, tmp)
      back2[#back2 + 1] = rename(tmp, c.target)
    end
  end
  local all = {}
  for _, list in ipairs { fwd, fwd2, { sql }, back, back2 } do
    for _, stmt in ipairs(list) do all[#all + 1] = stmt end
  end
  return table.concat(all, ";\n")
end

-- One index on the target, from the source definition (keeping operator
-- classes, sort order, expressions and predicates).
function M.index_sql(task, ix, mapped)
  local dropped = task.dropped_columns
  for _, n in ipairs(ix.columns) do
    if n and not mapped({ n }) then return nil end -- a key column was dropped
  end
  if dropped and (ix.has_expressions or ix.predicate) then
    return nil -- the expression may read a dropped column
  end
  -- "ON ONLY" marks an index of a partitioned parent; the target is a
  -- plain table, so the index is made on it whole.
  local name = task.entry.qualified_name or ""
  local marker = " ON " .. name .. " USING "
  local at = ix.definition:find(marker, 1, true)
  if not at then
    marker = " ON ONLY " .. name .. " USING "
    at = ix.definition:find(marker, 1, true)
  end
  if not at then return nil end
  local sql = string.format("CREATE %sINDEX ON %s%s", ix.unique and "UNIQUE " or "",
    task.target.qualified, ix.definition:sub(at + #marker - #" USING "))
  if task.renamed_columns then sql = M.with_source_names(task, sql) end
  return sql
end

-- Foreign keys between tables of this run, once both sides are loaded.
function M.foreign_key_sql(task, tasks_by_source)
  local steps = {}
  if not task.foreign_keys then return steps end
  local by_source = {}
  for _, c in ipairs(task.columns) do if c.source then by_source[c.source] = c.target end end
  for _, fk in ipairs(task.entry.foreign_keys) do
    local ref = tasks_by_source[fk.ref_schema .. "." .. fk.ref_table]
    local cols, refcols = {}, {}
    local ok = ref ~= nil
    for i, n in ipairs(fk.columns) do
      cols[i] = by_source[n]
      ok = ok and cols[i] ~= nil
    end
    if ref then
      local ref_by_source = {}
      for _, c in ipairs(ref.columns) do if c.source then ref_by_source[c.source] = c.target end end
      for i, n in ipairs(fk.ref_columns) do
        refcols[i] = ref_by_source[n]
        ok = ok and refcols[i] ~= nil
      end
    end
    if ok and task.dialect == "mysql" then
      local step, why = target_mysql.foreign_key_step(task, ref, fk, cols, refcols)
      if step then
        steps[#steps + 1] = step
      else
        task.notes[#task.notes + 1] = "foreign key " .. fk.name .. " skipped: " .. why
      end
    elseif ok then
      local sql = string.format("ALTER TABLE %s ADD FOREIGN KEY (%s) REFERENCES %s (%s) ON UPDATE %s ON DELETE %s",
        task.target.qualified, ident_list(cols), ref.target.qualified, ident_list(refcols),
        fk.on_update, fk.on_delete)
      if fk.deferrable then
        sql = sql .. " DEFERRABLE" .. (fk.deferred and " INITIALLY DEFERRED" or "")
      end
      steps[#steps + 1] = { what = "foreign key " .. fk.name, sql = sql }
    else
      task.notes[#task.notes + 1] = "foreign key " .. fk.name ..
        " skipped (references a table or column not in this run)"
    end
  end
  return steps
end

-- setval for every identity column, to the column's max.
function M.identity_reset_sql(task)
  local out = {}
  -- InnoDB moves AUTO_INCREMENT past every value inserted explicitly.
  if task.dialect == "mysql" then return out end
  for _, c in ipairs(task.columns) do
    if c.identity then
      out[#out + 1] = string.format(
        "SELECT setval(pg_get_serial_sequence(%s, %s), COALESCE(max(%s), 1), max(%s) IS NOT NULL) FROM %s",
        pg.quote_literal(task.target.qualified), pg.quote_literal(c.target),
        qi(c.target), qi(c.target), task.target.qualified)
    end
  end
  return out
end

-- The column a big table is cut into key ranges by: its primary key when
-- that is one integer column, else nil.
function M.chunk_key(entry)
  local pk = entry.primary_key
  if entry.kind ~= "table" or not pk or #pk.columns ~= 1 then return nil end
  for _, c in ipairs(entry.columns) do
    if c.name == pk.columns[1] and integer_type(c.type) then return c.name end
  end
  return nil
end

-- A column whose type rule says to = "enum": its type is named after the
-- target table and column ("orders_status" in the target's schema) and
-- made with the table (M.enum_sql).  col.enum: the labels, in order.
function M.name_enum(col, target)
  local name = require("migrate.naming").truncate(target.name .. "_" .. col.target)
  col.enum = { labels = col.enum.labels or col.enum, schema = target.schema, name = name }
  col.type = M.qualified(target.schema, name)
end

-- The statements that make a task's enum types before its table: for
-- each, {sql = "CREATE TYPE ...", check = SQL reading the labels of a
-- type of that name, with its qualified name as $1}.  Labels are
-- literals: DDL takes no parameters.
function M.enum_sql(task)
  local out = {}
  for _, c in ipairs(task.columns) do
    if c.enum then
      local labels = {}
      for i, l in ipairs(c.enum.labels) do labels[i] = pg.quote_literal(l) end
      out[#out + 1] = {
        type = c.type, labels = c.enum.labels,
        sql = string.format("CREATE TYPE %s AS ENUM (%s)", c.type, table.concat(labels, ", ")),
        drop = "DROP TYPE " .. c.type,
      }
    end
  end
  return out
end

-- Build the task of one catalog entry; `target` comes from
-- recipe.target_tables (names checked for collisions).
function M.task(r, entry, target, ctx)
  local opts = recipe.table_options(r, entry)
  local vars = { schema = entry.schema, table = entry.name,
                 source_type = ctx.source_type, target_type = ctx.target_type }
  if target.truncated then
    core.log("warn", "plan", string.format("target name of %s.%s truncated to 63 bytes: %s",
      entry.schema, entry.name, target.name))
  end
  local dialect = ctx.target_type == "mysql" and "mysql" or nil
  local cols, renamed = map_columns(r, entry, vars, dialect)
  if dialect and r.target_schema == "${schema}" then
    -- MySQL's schemas are databases: by default, the connection's
    target = { schema = ctx.target_database, name = target.name, truncated = target.truncated }
  end
  for _, c in ipairs(cols) do
    if c.enum then M.name_enum(c, target) end
  end
  local task = {
    entry = entry,
    source_dbms = ctx.source_dbms,
    label = entry.schema .. "." .. entry.name,
    source = { schema = entry.schema, name = entry.name, kind = entry.kind,
               qualified = M.qualified(entry.schema, entry.name) },
    target = { schema = target.schema, name = target.name,
               qualified = M.qualified(target.schema, target.name) },
    target_label = target.schema .. "." .. target.name,
    columns = cols,
    renamed_columns = renamed,
    dropped_columns = #opts.drop > 0,
    policy = opts.policy,
    conflict = opts.conflict,
    create = opts.create,
    indexes = opts.indexes,
    foreign_keys = opts.foreign_keys,
    reset_sequences = opts.reset_sequences,
    chunk_rows = opts.chunk_rows,
    fetch_rows = opts.fetch_rows, -- rows per ODBC block fetch (reader's default: 1024)
    batch_rows = opts.batch_rows, -- rows per ODBC execute of a MySQL target (default: 1000)
    normalize = opts.normalize, -- target column -> SQL template for verify
    split = opts.split,
    after = opts.after,
    timeout = opts.timeout,
    reruns = opts.reruns,
    rerun_interval = opts.rerun_interval,
    encoding = opts.source_encoding,
    timezone = opts.source_timezone,
    notes = {},
  }
  if task.encoding and entry.source_type ~= "odbc" then
    core.log("warn", "plan", string.format(
      "%s: source_encoding is for ODBC sources (PostgreSQL converts to the client's encoding itself): ignored",
      task.label))
    task.encoding = nil
  end
  task.key = key_columns(r, entry, opts, cols)
  if opts.filter then
    task.filter = recipe.expand(r, opts.filter, vars, { quote = pg.quote_literal })
  end
  task.format = "binary"
  for _, c in ipairs(cols) do
    if not binary_safe(c) then task.format = "text" end
  end
  if entry.source_type == "odbc" then task.format = "text" end
  if task.policy == "upsert" and task.conflict ~= "error" and not task.key then
    recipe_error(r, string.format(
      "%s: upsert with conflict '%s' needs a key: the table has no primary key; set key = {...} in table_options",
      task.label, task.conflict))
  end
  if dialect then target_mysql.finish_task(task) end
  return task
end

-- Where a source_timezone is written: the top level, or the
-- table_options entry that gives this value.
local function timezone_path(r, tz)
  if r.source_timezone == tz then return { "source_timezone" } end
  local keys = {}
  for key in pairs(r.table_options or {}) do keys[#keys + 1] = key end
  table.sort(keys)
  for _, key in ipairs(keys) do
    if r.table_options[key].source_timezone == tz then
      return { "table_options", key, "source_timezone" }
    end
  end
  return {}
end

-- Every source_timezone must be one the target knows: a recipe error at
-- its line, not a failed chunk later.
function check_timezones(r, tasks, target)
  if not (target and target.query) then return end
  local seen = {}
  for _, t in ipairs(tasks) do
    local tz = t.timezone
    if tz and not seen[tz] then
      seen[tz] = true
      local ok, err = pcall(target.query, target, "SELECT set_config('TimeZone', $1, true)", tz)
      if not ok then
        local file, line = recipe.option_line(r, timezone_path(r, tz))
        errors.raise("recipe", string.format("source_timezone \"%s\" is not a time zone the target knows (%s)",
          tz, tostring(type(err) == "table" and err.msg or err):gsub("%s+$", "")), file, line)
      end
    end
  end
end

-- Plan every chosen entry; target names that collide (also after
-- truncation) are an error naming both sources.
function M.tasks(r, entries, ctx)
  local kinds = { source_type = ctx.source_type, target_type = ctx.target_type }
  local tasks = {}
  for i, t in ipairs(recipe.target_tables(r, entries, kinds)) do
    tasks[i] = M.task(r, t.entry, t.target, ctx)
  end
  if ctx.target_type == "mysql" then
    -- several source schemas may land in one database
    local seen = {}
    for _, t in ipairs(tasks) do
      local other = seen[t.target.qualified]
      if other then
        recipe_error(r, string.format("%s and %s both go to the MySQL table %s: rename one (naming, target_schema or table_options target)",
          other, t.label, t.target_label))
      end
      seen[t.target.qualified] = t.label
    end
  else
    check_timezones(r, tasks, ctx.target)
  end
  -- `after` names tables of this run (what a task waits for).
  local labels = {}
  for _, t in ipairs(tasks) do labels[t.label] = true end
  for _, t in ipairs(tasks) do
    for _, dep in ipairs(t.after or {}) do
      if not labels[dep] then
        recipe_error(r, string.format("%s: after = {\"%s\"}: no selected source table is named %s",
          t.label, dep, dep))
      end
    end
  end
  local by = {}
  for _, t in ipairs(tasks) do by[t.label] = t end
  local state = {}
  local function visit(t, path)
    if state[t.label] == "done" then return end
    if state[t.label] == "open" then
      recipe_error(r, string.format("after: %s wait for each other", table.concat(path, " -> ")))
    end
    state[t.label] = "open"
    for _, dep in ipairs(t.after or {}) do
      path[#path + 1] = dep
      visit(by[dep], path)
      path[#path] = nil
    end
    state[t.label] = "done"
  end
  for _, t in ipairs(tasks) do visit(t, { t.label }) end
  return tasks
end

return M
