-- migrate.target_mysql: MySQL or MariaDB as the TARGET of a run, reached
-- through ODBC, for a PostgreSQL source.
--
-- What differs from a PostgreSQL target, decided here once per task:
--   names     backtick-quoted (a backtick doubled); a MySQL "schema" is a
--             database, so the target schema names one;
--   types     the PostgreSQL type of each source column mapped to MySQL
--             (M.type_of), or a type rule's `to` taken as a MySQL type;
--   values    the source SELECT sends text MySQL reads as the PostgreSQL
--             value: timestamptz as UTC wall time, dates and times with
--             fixed formats (values MySQL cannot hold fail the chunk,
--             naming the column), booleans and bytea as typed parameters
--             (M.read_plan);
--   DDL       CREATE TABLE ... ENGINE=InnoDB DEFAULT CHARSET utf8mb4 with
--             the primary key (InnoDB clusters rows by it: loading in key
--             order into it beats adding it afterwards, which rebuilds
--             the table), AUTO_INCREMENT for identities, translated
--             defaults; after the data, secondary indexes and foreign keys;
--   writes    INSERT (... ON DUPLICATE KEY UPDATE for upsert) with
--             parameter arrays (runtime/conn/odbc_write.c);
--   landed    MySQL DDL commits by itself, and the record lives in
--             PostgreSQL (--state): the done-mark of each chunk is a row
--             of `_migrate_landed` in the target database, inserted in
--             the transaction holding the chunk's rows (M.landed).
local core = require "migrate.core"

local M = {}

-- ---- names -----------------------------------------------------------------

function M.quote(name)
  return "`" .. tostring(name):gsub("`", "``") .. "`"
end
local q = M.quote

function M.qualified(schema, name)
  if schema == nil or schema == "" then return q(name) end
  return q(schema) .. "." .. q(name)
end

-- A string literal for DDL.  The session runs with NO_BACKSLASH_ESCAPES
-- (M.SESSION_SQL), so only the quote is doubled.
function M.literal(s)
  return "'" .. tostring(s):gsub("'", "''") .. "'"
end

-- What every target session runs first: strict mode (a value MySQL
-- cannot hold is an error, not a silent cut or a zero date), literal
-- backslashes, 0 kept in AUTO_INCREMENT columns, UTC.
M.SESSION_SQL = {
  "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE," ..
    "ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION,NO_BACKSLASH_ESCAPES,NO_AUTO_VALUE_ON_ZERO'",
  "SET SESSION time_zone = '+00:00'",
}

-- MySQL or MariaDB, by the dbms name the driver reports.
function M.is_mysql(dbms)
  return require("migrate.odbc_types").is_mysql(dbms)
end

-- ---- types -----------------------------------------------------------------

-- Longest VARCHAR(n) kept as such: 65,535 bytes per row, 4 bytes a
-- character in utf8mb4.
M.MAX_VARCHAR = 16383

-- The MySQL type of a PostgreSQL column (the catalog's format_type text
-- in col.type; col.is_array), and a warning when the mapping loses
-- something.  Anything without a MySQL equivalent becomes LONGTEXT and
-- carries PostgreSQL's text form.
function M.type_of(col)
  local t = (col.type or ""):lower()
  if col.is_array or t:match("%[%]$") then return "LONGTEXT" end
  if t == "smallint" then return "SMALLINT" end
  if t == "integer" then return "INT" end
  if t == "bigint" then return "BIGINT" end
  if t == "real" then return "FLOAT" end
  if t == "double precision" then return "DOUBLE" end
  if t == "boolean" then return "TINYINT(1)" end
  if t == "text" or t == "character varying" then return "LONGTEXT" end
  if t == "bytea" then return "LONGBLOB" end
  if t == "date" then return "DATE" end
  if t == "uuid" then return "CHAR(36)" end
  if t == "json" or t == "jsonb" then return "JSON" end
  local p, s = t:match("^numeric%((%d+),(%d+)%)$")
  if p then
    p, s = tonumber(p), tonumber(s)
    if p <= 65 and s <= 30 then return string.format("DECIMAL(%d,%d)", p, s) end
    return "DECIMAL(65,30)", string.format("%s does not fit MySQL's DECIMAL (65 digits, 30 decimals): DECIMAL(65,30)", t)
  end
  if t == "numeric" then
    return "DECIMAL(65,30)", "numeric without precision: DECIMAL(65,30) (values with more than 30 decimals or 35 integer digits fail)"
  end
  local n = t:match("^character varying%((%d+)%)$")
  if n then
    n = tonumber(n)
    if n <= M.MAX_VARCHAR then return string.format("VARCHAR(%d)", n) end
    return "LONGTEXT"
  end
  n = t:match("^character%((%d+)%)$")
  if n then
    n = tonumber(n)
    if n <= 255 then return string.format("CHAR(%d)", n) end
    return n <= M.MAX_VARCHAR and string.format("VARCHAR(%d)", n) or "LONGTEXT"
  end
  if t == "character varying" then return "LONGTEXT" end
  local tp = t:match("^time%((%d)%) without time zone$")
  if tp then return string.format("TIME(%s)", tp) end
  if t == "time without time zone" then return "TIME(6)" end
  tp = t:match("^timestamp%((%d)%) without time zone$")
  if tp then return string.format("DATETIME(%s)", tp) end
  if t == "timestamp without time zone" then return "DATETIME(6)" end
  tp = t:match("^timestamp%((%d)%) with time zone$")
  if tp then return string.format("DATETIME(%s)", tp) end
  if t == "timestamp with time zone" then return "DATETIME(6)" end
  return "LONGTEXT"
end

-- The MySQL type without its size, upper case: "DATETIME", "VARCHAR".
local function base(mtype)
  return (mtype or ""):upper():gsub("%s*%(.*$", ""):gsub("%s+UNSIGNED.*$", "")
end
M.base = base

local TEXTLIKE = { TINYTEXT = true, TEXT = true, MEDIUMTEXT = true, LONGTEXT = true,
                   TINYBLOB = true, BLOB = true, MEDIUMBLOB = true, LONGBLOB = true, JSON = true }
local BINARY = { TINYBLOB = true, BLOB = true, MEDIUMBLOB = true, LONGBLOB = true,
                 BINARY = true, VARBINARY = true }
local NUMERIC = { TINYINT = true, SMALLINT = true, MEDIUMINT = true, INT = true, INTEGER = true,
                  BIGINT = true, BIT = true, BOOL = true, BOOLEAN = true, DECIMAL = true,
                  FLOAT = true, DOUBLE = true }

-- A TEXT, BLOB or JSON column: no literal default in MySQL, and an index
-- on it needs a prefix length.
function M.is_textlike(mtype) return TEXTLIKE[base(mtype)] == true end

-- Bytes a VARCHAR(n)/CHAR(n) column takes in an index (utf8mb4).
local function index_bytes(mtype)
  local n = tonumber((mtype or ""):match("^%a+%((%d+)%)"))
  local b = base(mtype)
  if (b == "VARCHAR" or b == "CHAR") and n then return n * 4 end
  if (b == "VARBINARY" or b == "BINARY") and n then return n end
  return 8
end

-- ---- reading the source ----------------------------------------------------

-- Where the timestamp types of the source are allowed: MySQL's DATE and
-- DATETIME hold years 1 to 9999 (MariaDB; MySQL documents 1000 to 9999
-- but stores the rest in non-strict terms): no infinity, no BC, no
-- year 10000.
local LOW, HIGH = "'0001-01-01'", "'10000-01-01'"

-- The SELECT item of one copied column (its position `i` in the copy)
-- for the source's PostgreSQL type, and the writer's parameter kind for
-- the target's MySQL type.  A value MySQL cannot hold raises an error in
-- the source's SELECT whose text carries "migrate:range:<i>:" (see
-- M.range_error), so the chunk fails naming the column.
function M.read_plan(i, src_col, mtype)
  local id = '"' .. src_col.name:gsub('"', '""') .. '"'
  local t = (src_col.type or ""):lower()
  local b = base(mtype)
  local function ranged(x, fmt)
    return string.format(
      "CASE WHEN %s IS NULL THEN NULL WHEN %s >= %s AND %s < %s THEN to_char(%s, '%s') " ..
      "ELSE ('migrate:range:%d:' || %s::text)::int::text END",
      x, x, LOW, x, HIGH, x, fmt, i, x)
  end
  if not src_col.is_array then
    if t:match("^timestamp") and t:match("with time zone$") then
      -- the instant in UTC, without an offset (DATETIME has no zone)
      return ranged(string.format("(%s AT TIME ZONE 'UTC')", id), "YYYY-MM-DD HH24:MI:SS.US"), "text"
    elseif t:match("^timestamp") then
      return ranged(id, "YYYY-MM-DD HH24:MI:SS.US"), "text"
    elseif t == "date" then
      return ranged(id, "YYYY-MM-DD"), "text"
    elseif t == "boolean" and NUMERIC[b] then
      return id, "boolean"
    elseif t == "bytea" and BINARY[b] then
      return id, "binary"
    end
  end
  return id, "text"
end

-- The column a source error of M.read_plan names, as (position, value),
-- or nil when `err` is another error.
function M.range_error(err)
  local msg = type(err) == "table" and (err.msg or err.message) or tostring(err)
  local i, v = tostring(msg):match("migrate:range:(%d+):([^\"]*)")
  if i then return tonumber(i), v end
  return nil
end

-- ---- defaults --------------------------------------------------------------

local function strip_parens(s)
  while s:match("^%b()$") do s = s:sub(2, -2) end
  return s
end

-- The MySQL DEFAULT clause (without the word) of a PostgreSQL default
-- expression on a column of MySQL type `mtype`, or nil and a reason.
function M.default_of(pg_default, mtype)
  if pg_default == nil then return nil end
  local s = strip_parens(pg_default:gsub("^%s+", ""):gsub("%s+$", ""))
  local b = base(mtype)
  local lower = s:lower()
  if lower:match("^now%(%)") or lower:match("^current_timestamp") or lower:match("^transaction_timestamp%(%)")
      or lower:match("^statement_timestamp%(%)") or lower:match("^localtimestamp") then
    if b == "DATETIME" or b == "TIMESTAMP" then
      local p = mtype:match("%((%d)%)")
      return p and p ~= "0" and ("CURRENT_TIMESTAMP(" .. p .. ")") or "CURRENT_TIMESTAMP"
    end
    if b == "DATE" then return "(CURRENT_DATE)" end
    return nil, string.format("the default %s does not fit %s", pg_default, mtype)
  end
  if lower == "current_date" and (b == "DATE") then return "(CURRENT_DATE)" end
  local value
  -- 'text'::type or 'text', whose quotes inside are doubled
  local lit = s:match("^'(.*)'::[^']+$") or s:match("^'(.*)'$")
  if lit and not lit:gsub("''", ""):find("'", 1, true) then
    value = lit:gsub("''", "'")
  elseif s:match("^%-?%d+%.?%d*$") or s:match("^%-?%d*%.%d+$") then
    value = s
  elseif lower == "true" or lower == "false" then
    value = lower == "true" and "1" or "0"
  else
    return nil, string.format("the default %s has no MySQL equivalent", pg_default)
  end
  if b == "TINYINT" and (value == "t" or value == "true") then value = "1" end
  if b == "TINYINT" and (value == "f" or value == "false") then value = "0" end
  if NUMERIC[b] and not value:match("^%-?%d*%.?%d+$") and not value:match("^%-?%d+%.?%d*$") then
    return nil, string.format("the default %s is not a number for %s", pg_default, mtype)
  end
  if TEXTLIKE[b] then return "(" .. M.literal(value) .. ")" end
  return M.literal(value)
end

-- ---- DDL -------------------------------------------------------------------

local function ident_list(names)
  local out = {}
  for i, n in ipairs(names) do out[i] = q(n) end
  return table.concat(out, ", ")
end

-- The column an AUTO_INCREMENT may be: MySQL wants it first in a key.
local function auto_increment_ok(task, c)
  return task.key ~= nil and task.key[1] == c.target
end

-- CREATE TABLE for a task: columns, NOT NULL, defaults, AUTO_INCREMENT,
-- and the primary key (always: see the header).
function M.create_sql(task)
  local lines = {}
  for _, c in ipairs(task.columns) do
    local parts = { q(c.target), c.type }
    if c.not_null then parts[#parts + 1] = "NOT NULL" end
    if c.identity and auto_increment_ok(task, c) then
      parts[#parts + 1] = "AUTO_INCREMENT"
    elseif c.mysql_default then
      parts[#parts + 1] = "DEFAULT " .. c.mysql_default
    end
    lines[#lines + 1] = "  " .. table.concat(parts, " ")
  end
  if task.key then
    lines[#lines + 1] = "  PRIMARY KEY (" .. ident_list(task.key) .. ")"
  end
  return string.format("CREATE TABLE %s (\n%s\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
    task.target.qualified, table.concat(lines, ",\n"))
end

-- The INSERT the writer runs with one `?` per copied column: plain for
-- overwrite and append (and upsert with conflict "error"), with ON
-- DUPLICATE KEY UPDATE for upsert (update: the non-key columns take the
-- new values; skip: nothing changes).
function M.insert_sql(task, copied)
  local names, marks = {}, {}
  for i, c in ipairs(copied) do
    names[i] = q(c.target)
    marks[i] = "?"
  end
  local sql = string.format("INSERT INTO %s (%s) VALUES (%s)", task.target.qualified,
    table.concat(names, ", "), table.concat(marks, ", "))
  if task.policy ~= "upsert" or task.conflict == "error" then return sql end
  local keys = {}
  for _, k in ipairs(task.key or {}) do keys[k] = true end
  local sets = {}
  if task.conflict == "update" then
    for _, c in ipairs(copied) do
      if not keys[c.target] then
        sets[#sets + 1] = string.format("%s = VALUES(%s)", q(c.target), q(c.target))
      end
    end
  end
  if #sets == 0 then
    local k = q(task.key[1])
    sets[1] = k .. " = " .. k
  end
  return sql .. " ON DUPLICATE KEY UPDATE " .. table.concat(sets, ", ")
end

-- MySQL identifiers hold 64 characters.
local function short(name)
  if #name <= 64 then return name end
  local cut = name:sub(1, 64)
  while #cut > 0 and cut:byte(#cut) >= 0x80 and cut:byte(#cut) < 0xC0 do cut = cut:sub(1, -2) end
  if #cut > 0 and cut:byte(#cut) >= 0xC0 then cut = cut:sub(1, -2) end
  return cut
end

local function exists_index(task, name)
  return { sql = "SELECT 1 AS x FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND INDEX_NAME = ?",
           params = { task.target.schema, task.target.name, name } }
end

-- One index's key parts: `col` or `col`(prefix).  nil and why when it
-- cannot be made (a unique index over a prefix would not be unique).
local function key_parts(task, cols, unique)
  local by_target = {}
  for _, c in ipairs(task.columns) do by_target[c.target] = c end
  local parts, bytes, prefixed = {}, 0, {}
  for i, name in ipairs(cols) do
    local c = by_target[name]
    local need = c and (M.is_textlike(c.type) or index_bytes(c.type) > 3072)
    if need then
      if unique then return nil, string.format("column %s is %s: a unique index on a prefix would not be unique", name, c.type) end
      parts[i] = q(name) .. "(255)"
      prefixed[#prefixed + 1] = name
      bytes = bytes + 1020
    else
      parts[i] = q(name)
      bytes = bytes + index_bytes(c and c.type)
    end
  end
  if bytes > 3072 then return nil, "its columns pass InnoDB's 3072-byte key limit" end
  return table.concat(parts, ", "), prefixed
end

-- After the data: unique constraints and indexes of the source, when
-- MySQL can make them; what it cannot is a note (and a warning).
function M.post_sql(task, mapped)
  local steps = {}
  if not task.indexes then return steps end
  local function note(msg)
    task.notes[#task.notes + 1] = msg
    core.log("warn", "plan", task.label .. ": " .. msg)
  end
  local function add(kind, name, cols, unique)
    local parts, why = key_parts(task, cols, unique)
    if not parts then
      note(string.format("%s %s skipped: %s", kind, name, why))
      return
    end
    if #why > 0 then
      note(string.format("%s %s made on the first 255 characters of %s", kind, name, table.concat(why, ", ")))
    end
    local iname = short(name)
    steps[#steps + 1] = { what = kind .. " " .. name, exists = exists_index(task, iname),
      sql = string.format("CREATE %sINDEX %s ON %s (%s)", unique and "UNIQUE " or "", q(iname),
        task.target.qualified, parts) }
  end
  for _, u in ipairs(task.entry.uniques or {}) do
    local cols = mapped(u.columns)
    if cols then add("unique", u.name, cols, true)
    else note("unique " .. u.name .. " skipped (column dropped)") end
  end
  for _, ix in ipairs(task.entry.indexes or {}) do
    local cols = mapped(ix.columns)
    if ix.has_expressions or ix.predicate then
      note(string.format("index %s skipped: MySQL has no %s index", ix.name,
        ix.predicate and "partial" or "expression"))
    elseif ix.method and ix.method ~= "btree" then
      note(string.format("index %s skipped: a %s index", ix.name, ix.method))
    elseif not cols then
      note("index " .. ix.name .. " skipped (it reads a dropped column)")
    else
      add("index", ix.name, cols, ix.unique)
    end
  end
  return steps
end

local FK_ACTIONS = { ["NO ACTION"] = true, RESTRICT = true, CASCADE = true, ["SET NULL"] = true }

-- A foreign key between two tables of the run, or nil and why.
function M.foreign_key_step(task, ref, fk, cols, refcols)
  if not FK_ACTIONS[fk.on_update] or not FK_ACTIONS[fk.on_delete] then
    return nil, string.format("ON UPDATE %s ON DELETE %s: InnoDB has no SET DEFAULT", fk.on_update, fk.on_delete)
  end
  local name = short(fk.name)
  return { what = "foreign key " .. fk.name,
    exists = { sql = "SELECT 1 AS x FROM information_schema.TABLE_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ? " ..
                     "AND TABLE_NAME = ? AND CONSTRAINT_NAME = ? AND CONSTRAINT_TYPE = 'FOREIGN KEY'",
               params = { task.target.schema, task.target.name, name } },
    sql = string.format("ALTER TABLE %s ADD CONSTRAINT %s FOREIGN KEY (%s) REFERENCES %s (%s) ON UPDATE %s ON DELETE %s",
      task.target.qualified, q(name), ident_list(cols), ref.target.qualified, ident_list(refcols),
      fk.on_update, fk.on_delete) }
end

-- ---- the task --------------------------------------------------------------

-- Finish a planned task (plan.task, or a plan file's task) for a MySQL
-- target: backtick names, the source SELECT items and parameter kinds of
-- each copied column, translated defaults, identities that MySQL can
-- keep.  Idempotent; the same task gives the same result in the run and
-- in every worker (which rebuilds tasks from the plan text).
function M.finish_task(task)
  task.dialect = "mysql"
  task.format = "text"
  task.target.qualified = M.qualified(task.target.schema, task.target.name)
  local src = {}
  for _, c in ipairs(task.entry.columns) do src[c.name] = c end
  local keys = {}
  for _, k in ipairs(task.key or {}) do keys[k] = true end
  local i = 0
  for _, c in ipairs(task.columns) do
    if keys[c.target] and M.is_textlike(c.type) and not c.rule then
      -- a key needs a length: MySQL indexes no whole TEXT
      c.type = "VARCHAR(255)"
      local msg = string.format("column %s: a text key column, made VARCHAR(255) (longer values fail; a type rule can widen it to VARCHAR(768))",
        c.target)
      task.notes[#task.notes + 1] = msg
      core.log("warn", "plan", task.label .. ": " .. msg)
    end
    c.expr = nil -- a PostgreSQL cast to a MySQL type name means nothing
    if c.source and not c.generated_expr then
      i = i + 1
      c.select, c.param_kind = M.read_plan(i, src[c.source], c.type)
    end
    if c.default and c.mysql_default == nil and not c.identity then
      local d, why = M.default_of(c.default, c.type)
      c.mysql_default = d or false
      if why then
        task.notes[#task.notes + 1] = string.format("column %s: %s (left out)", c.target, why)
        core.log("warn", "plan", string.format("%s.%s: %s (left out)", task.label, c.target, why))
      end
    end
    if c.identity and not auto_increment_ok(task, c) and not c.identity_noted then
      c.identity_noted = true
      task.notes[#task.notes + 1] = string.format(
        "column %s: not AUTO_INCREMENT (MySQL wants it first in the primary key)", c.target)
    end
  end
  return task
end

-- The columns of an existing target table, { [name] = {type = "int"} },
-- or nil when there is no such table.
function M.table_columns(conn, schema, name)
  local rows = conn:query([[
    SELECT COLUMN_NAME AS name, COLUMN_TYPE AS type FROM information_schema.COLUMNS
     WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?]], schema, name)
  if #rows == 0 then return nil end
  local out = {}
  for _, r in ipairs(rows) do out[r.name] = { type = r.type, builtin = true } end
  return out
end

-- ---- the landed marks ------------------------------------------------------

-- The done-marks of a run whose record is in PostgreSQL (--state): one
-- row per chunk or step in the target database, committed with the
-- chunk's rows.  (Deleting a chunk's key range before loading it again
-- would not do: under append or upsert the range holds rows that were
-- there before the run.)
M.LANDED = "_migrate_landed"

M.landed = {}

function M.landed.ensure(conn)
  conn:exec(string.format([[
    CREATE TABLE IF NOT EXISTS %s (
      token     VARCHAR(64) NOT NULL,
      task      VARCHAR(255) NOT NULL,
      what      VARCHAR(255) NOT NULL,
      row_count BIGINT,
      done_at   DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
      PRIMARY KEY (token, task, what)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin]], q(M.LANDED)))
end

function M.landed.mark(conn, token, task, what, rows)
  conn:query(string.format(
    "INSERT INTO %s (token, task, what, row_count) VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE token = token",
    q(M.LANDED)), token, task, what, rows and string.format("%d", rows) or nil)
end

function M.landed.done(conn, token, task, what)
  local r = conn:query(string.format(
    "SELECT row_count FROM %s WHERE token = ? AND task = ? AND what = ?", q(M.LANDED)), token, task, what)[1]
  if not r then return nil end
  return { rows = tonumber(r.row_count) }
end

return M
