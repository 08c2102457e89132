-- migrate.catalog: one entry per source table, assembled from the
-- connector's catalog calls (conn:catalog(kind, schema_pattern)).
--
-- An entry:
--   { schema, name, kind, rows, bytes, comment,
--     qualified_name (quote_ident(schema).quote_ident(name), as
--                     pg_get_indexdef spells it),
--     columns     = { {name, position, type, type_name, type_schema, typmod,
--                      not_null, default, identity, generated, is_array}, ... },
--     primary_key = { name, columns = {...} } or nil,
--     uniques     = { {name, columns = {...}}, ... },
--     indexes     = { {name, unique, method, definition, predicate,
--                      has_expressions, columns = {...}}, ... },
--     foreign_keys= { {name, columns, ref_schema, ref_table, ref_columns,
--                      on_update, on_delete, deferrable, deferred}, ... } }
local pg = require "migrate.pg"

local M = {}

local function key(schema, name) return schema .. "." .. name end

-- Group rows that describe one object over several rows (one per column).
local function grouped(rows, name_field, make)
  local by_table = {}
  for _, r in ipairs(rows) do
    local tk = key(r.schema_name, r.table_name)
    local objs = by_table[tk]
    if not objs then objs = { list = {}, by_name = {} }; by_table[tk] = objs end
    local obj = objs.by_name[r[name_field]]
    if not obj then
      obj = make(r)
      objs.by_name[r[name_field]] = obj
      objs.list[#objs.list + 1] = obj
    end
    obj._rows = obj._rows or {}
    obj._rows[#obj._rows + 1] = r
  end
  for _, objs in pairs(by_table) do
    for _, obj in ipairs(objs.list) do
      table.sort(obj._rows, function(a, b) return a.position < b.position end)
    end
  end
  return by_table
end

local function column_list(obj, field)
  local cols = {}
  for i, r in ipairs(obj._rows) do cols[i] = r[field or "column_name"] end
  return cols
end

local function constraints(rows)
  local by_table = grouped(rows, "constraint_name", function(r)
    return { name = r.constraint_name }
  end)
  for _, objs in pairs(by_table) do
    for _, c in ipairs(objs.list) do c.columns = column_list(c); c._rows = nil end
  end
  return by_table
end

local function indexes(rows)
  local by_table = grouped(rows, "index_name", function(r)
    return { name = r.index_name, unique = r.is_unique, method = r.method,
             definition = r.definition, predicate = r.predicate,
             has_expressions = r.has_expressions }
  end)
  for _, objs in pairs(by_table) do
    for _, ix in ipairs(objs.list) do ix.columns = column_list(ix); ix._rows = nil end
  end
  return by_table
end

local function foreign_keys(rows)
  local by_table = grouped(rows, "constraint_name", function(r)
    return { name = r.constraint_name, ref_schema = r.ref_schema,
             ref_table = r.ref_table, on_update = r.on_update,
             on_delete = r.on_delete, deferrable = r.deferrable,
             deferred = r.deferred }
  end)
  for _, objs in pairs(by_table) do
    for _, fk in ipairs(objs.list) do
      fk.columns = column_list(fk)
      fk.ref_columns = column_list(fk, "ref_column")
      fk._rows = nil
    end
  end
  return by_table
end

local function list_of(by_table, tk)
  return by_table[tk] and by_table[tk].list or {}
end

-- Order catalog entries by schema and name (in place); returns them.
local function sort_entries(entries)
  table.sort(entries, function(a, b)
    if a.schema ~= b.schema then return a.schema < b.schema end
    return a.name < b.name
  end)
  return entries
end

-- Load every user table of `conn` as catalog entries, ordered by schema
-- and name.
function M.load(conn)
  local entries, by_key = {}, {}
  for _, r in ipairs(conn:catalog("tables")) do
    local e = { schema = r.schema_name, name = r.table_name, kind = r.kind,
                rows = r.rows, bytes = r.bytes, comment = r.comment,
                qualified_name = r.qualified_name, columns = {} }
    entries[#entries + 1] = e
    by_key[key(e.schema, e.name)] = e
  end
  for _, r in ipairs(conn:catalog("columns")) do
    local e = by_key[key(r.schema_name, r.table_name)]
    if e then
      e.columns[#e.columns + 1] = {
        name = r.column_name, position = r.position, type = r.type,
        type_name = r.type_name, type_schema = r.type_schema, typmod = r.typmod,
        not_null = r.not_null, default = r.default, identity = r.identity,
        generated = r.generated, is_array = r.is_array, collation = r.collation,
      }
    end
  end
  local pks = constraints(conn:catalog("primary_keys"))
  local uqs = constraints(conn:catalog("unique_constraints"))
  local ixs = indexes(conn:catalog("indexes"))
  local fks = foreign_keys(conn:catalog("foreign_keys"))
  for tk, e in pairs(by_key) do
    table.sort(e.columns, function(a, b) return a.position < b.position end)
    e.primary_key = list_of(pks, tk)[1]
    e.uniques = list_of(uqs, tk)
    e.indexes = list_of(ixs, tk)
    e.foreign_keys = list_of(fks, tk)
  end
  return sort_entries(entries)
end

-- ---- ODBC sources -----------------------------------------------------------

local INTEGER_TYPES = { smallint = true, integer = true, bigint = true }

local function warn(msg) require("migrate.core").log("warn", "catalog", msg) end

-- Fill a column's type, transform, default and identity from the fields
-- the loader read (base_type, typmod, unsigned, auto_increment,
-- source_default ...), by the default mapping of migrate.odbc_types.
local function map_column(col, parsed_default, dbms, label)
  local types = require "migrate.odbc_types"
  local m = types.map(col, dbms)
  col.type, col.transform = m.type, m.transform
  col.source_default = types.source_default(parsed_default)
  col.default_kind = parsed_default and parsed_default.kind or nil
  if col.auto_increment and INTEGER_TYPES[col.type] then
    col.identity = "d"
  elseif parsed_default and parsed_default.kind == "expression"
      and parsed_default.text:lower():match("^nextval%(") and INTEGER_TYPES[col.type] then
    col.identity = "d" -- a serial column (psqlODBC)
  elseif parsed_default then
    local expr, why = types.pg_default(parsed_default, col.type)
    col.default = expr
    if why then
      warn(string.format("%s.%s: %s; the target column gets no default", label, col.name, why))
    end
  end
  return col
end

-- Character and binary SQL types: their size is a length.
local SIZED_CODES = { [1] = true, [12] = true, [-8] = true, [-9] = true, [-2] = true, [-3] = true }
local DECIMAL_CODES = { [2] = true, [3] = true }

-- A column of a generic ODBC driver, from a conn:catalog("columns") row:
-- source_type is the type name plus "(size[,scale])" when it has one.
local function odbc_column(r, dbms, label)
  local name = (r.type or ""):gsub("%s+[iI][dD][eE][nN][tT][iI][tT][yY]$", "")
  local auto = name ~= (r.type or "") -- SQL Server: "int identity"
  local base, typmod, unsigned, enum_values = require("migrate.odbc_types").parse_type(name)
  local source_type = name:lower()
  if not typmod and dbms ~= "SQLite" then
    local size, scale = r.column_size, r.decimal_digits
    if SIZED_CODES[r.sql_type] and size and size > 0 then
      typmod = { size }
    elseif DECIMAL_CODES[r.sql_type] and size and size > 0 then
      typmod = { size, scale or 0 }
    end
    if typmod then source_type = base .. "(" .. table.concat(typmod, ",") .. ")" end
  end
  local col = {
    name = r.column_name, position = r.position, not_null = r.not_null == true,
    type_name = r.type, sql_type = r.sql_type, column_size = r.column_size,
    decimal_digits = r.decimal_digits,
    source_type = source_type, base_type = base, typmod = typmod, unsigned = unsigned,
    auto_increment = auto, enum_values = enum_values,
  }
  local parsed = require("migrate.odbc_types").parse_default(r.default, dbms)
  return map_column(col, parsed, dbms, label)
end

-- The last step of both ODBC loaders: columns in position order, exact
-- row counts (count(*)), entries ordered by schema and name.
local function finish_odbc(conn, entries)
  for _, e in ipairs(entries) do
    table.sort(e.columns, function(a, b) return a.position < b.position end)
    local n = conn:query("SELECT count(*) AS n FROM " .. e.source_qualified)[1].n
    e.rows = tonumber(n) or 0
  end
  return sort_entries(entries)
end

-- ---- MySQL and MariaDB: information_schema --------------------------------

-- The ODBC SQL type code a MySQL data type reads as (the Unicode driver's
-- wide character codes).
local MYSQL_CODES = {
  tinyint = -6, smallint = 5, mediumint = 4, int = 4, bigint = -5, year = 5,
  decimal = 3, float = 7, double = 8, date = 91, time = 92, datetime = 93, timestamp = 93,
  char = -8, varchar = -9, tinytext = -10, text = -10, mediumtext = -10, longtext = -10,
  enum = -8, set = -8, json = -10, binary = -2, varbinary = -3, tinyblob = -4, blob = -4,
  mediumblob = -4, longblob = -4,
}

local SYSTEM_SCHEMAS = { "mysql", "information_schema", "performance_schema", "sys" }

-- The databases to read: opts.schemas, else the connection's current
-- database, else every database but the system ones.
local function mysql_schemas(conn, opts)
  if opts.schemas then return opts.schemas end
  local db = conn:query("SELECT DATABASE() AS db")[1].db
  if db and db ~= "" then return { db } end
  local out = {}
  local rows = conn:query("SELECT SCHEMA_NAME AS s FROM information_schema.SCHEMATA " ..
    "WHERE SCHEMA_NAME NOT IN (?, ?, ?, ?) ORDER BY SCHEMA_NAME", unpack(SYSTEM_SCHEMAS))
  for _, r in ipairs(rows) do out[#out + 1] = r.s end
  return out
end

-- MariaDB's JSON is LONGTEXT with a CHECK (json_valid(`col`)): the set of
-- "table\0column" that are JSON in `schema` (empty where the server has
-- no CHECK_CONSTRAINTS view).
local function mariadb_json_columns(conn, schema)
  local out = {}
  local ok, rows = pcall(conn.query, conn, "SELECT TABLE_NAME AS t, CHECK_CLAUSE AS c " ..
    "FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ?", schema)
  if not ok then return out end
  for _, r in ipairs(rows) do
    local col = (r.c or ""):match("^%s*json_valid%(`(.-)`%)%s*$")
    if col then out[r.t .. "\0" .. col:gsub("``", "`")] = true end
  end
  return out
end

local function mysql_column(r, dbms, json, label)
  local types = require "migrate.odbc_types"
  local source_type = r.COLUMN_TYPE:lower()
  if json then source_type = "json" end
  local base, typmod, unsigned, enum_values = types.parse_type(r.COLUMN_TYPE)
  if json then base, typmod = "json", nil end
  local extra = (r.EXTRA or ""):lower()
  local data_type = json and "json" or (r.DATA_TYPE or base):lower()
  local col = {
    name = r.COLUMN_NAME, position = tonumber(r.ORDINAL_POSITION),
    not_null = r.IS_NULLABLE == "NO",
    type_name = data_type:upper() .. (unsigned and " UNSIGNED" or ""),
    sql_type = (base == "bit" and (typmod or { 1 })[1] == 1) and -7
      or (base == "bit" and -2) or MYSQL_CODES[data_type],
    column_size = tonumber(r.CHARACTER_MAXIMUM_LENGTH) or tonumber(r.NUMERIC_PRECISION)
      or tonumber(r.DATETIME_PRECISION),
    decimal_digits = tonumber(r.NUMERIC_SCALE) or tonumber(r.DATETIME_PRECISION),
    source_type = source_type, base_type = base, typmod = typmod, unsigned = unsigned,
    auto_increment = extra:find("auto_increment", 1, true) ~= nil,
    enum_values = enum_values, charset = r.CHARACTER_SET_NAME,
  }
  local parsed = types.parse_default(r.COLUMN_DEFAULT, dbms, r.EXTRA)
  return map_column(col, parsed, dbms, label)
end

local KINDS = { ["BASE TABLE"] = "table", ["SYSTEM VERSIONED"] = "table", VIEW = "view" }

local function backquote(name) return "`" .. name:gsub("`", "``") .. "`" end

-- The tables and views of one database, appended to `entries`; returns
-- them by name.
local function mysql_tables(conn, schema, entries)
  local by_name = {}
  local rows = conn:query([[
    SELECT TABLE_NAME, TABLE_TYPE, TABLE_COMMENT FROM information_schema.TABLES
     WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME]], schema)
  for _, r in ipairs(rows) do
    local kind = KINDS[r.TABLE_TYPE]
    if kind then
      local comment = r.TABLE_COMMENT
      if comment == "" or (kind == "view" and comment == "VIEW") then comment = nil end
      local e = { schema = schema, name = r.TABLE_NAME, kind = kind, comment = comment,
                  qualified_name = pg.quote_ident(schema) .. "." .. pg.quote_ident(r.TABLE_NAME),
                  columns = {}, uniques = {}, indexes = {}, foreign_keys = {},
                  source_type = "odbc", source_quote = "`", source_schema = schema,
                  source_qualified = backquote(schema) .. "." .. backquote(r.TABLE_NAME) }
      by_name[e.name] = e
      entries[#entries + 1] = e
    end
  end
  return by_name
end

local function mysql_columns(conn, dbms, schema, by_name)
  local json = dbms == "MariaDB" and mariadb_json_columns(conn, schema) or {}
  local rows = conn:query([[
    SELECT TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, COLUMN_TYPE, DATA_TYPE, EXTRA,
           COLUMN_DEFAULT, IS_NULLABLE, CHARACTER_SET_NAME, CHARACTER_MAXIMUM_LENGTH,
           NUMERIC_PRECISION, NUMERIC_SCALE, DATETIME_PRECISION
      FROM information_schema.COLUMNS
     WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION]], schema)
  for _, r in ipairs(rows) do
    local e = by_name[r.TABLE_NAME]
    if e then
      e.columns[#e.columns + 1] = mysql_column(r, dbms, json[r.TABLE_NAME .. "\0" .. r.COLUMN_NAME],
        schema .. "." .. e.name)
    end
  end
end

-- Why an index of STATISTICS cannot be made on PostgreSQL, or nil.
local function index_problem(r)
  local t = r.INDEX_TYPE or "BTREE"
  if t ~= "BTREE" and t ~= "HASH" then return "it is a " .. t .. " index" end
  if r.COLUMN_NAME == nil then return "it indexes an expression" end
  if r.SUB_PART ~= nil then
    return string.format("it indexes a column prefix, %s(%s)", r.COLUMN_NAME, tostring(r.SUB_PART))
  end
  return nil
end

-- Primary keys (PRIMARY) and indexes; an index that repeats the primary
-- key, or that PostgreSQL cannot make (FULLTEXT, SPATIAL, a prefix, an
-- expression), is left out (the latter with a warning).
local function mysql_indexes(conn, schema, by_name)
  local rows = conn:query([[
    SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, COLUMN_NAME, INDEX_TYPE, SUB_PART
      FROM information_schema.STATISTICS
     WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX]], schema)
  local seen, list = {}, {}
  for _, r in ipairs(rows) do
    local e = by_name[r.TABLE_NAME]
    if e and e.kind == "table" then
      local k = r.TABLE_NAME .. "\0" .. r.INDEX_NAME
      local ix = seen[k]
      if not ix then
        ix = { name = r.INDEX_NAME, unique = tonumber(r.NON_UNIQUE) == 0, method = "btree",
               columns = {} }
        seen[k] = ix
        list[#list + 1] = { e, ix }
      end
      ix.problem = ix.problem or index_problem(r)
      ix.columns[#ix.columns + 1] = r.COLUMN_NAME
    end
  end
  for _, item in ipairs(list) do
    local e, ix = item[1], item[2]
    if ix.name == "PRIMARY" then e.primary_key = { name = e.name .. "_pkey", columns = ix.columns } end
  end
  for _, item in ipairs(list) do
    local e, ix = item[1], item[2]
    local pk = e.primary_key and table.concat(e.primary_key.columns, "\0")
    if ix.problem and ix.name ~= "PRIMARY" then
      warn(string.format("%s.%s: index %s not carried over: %s", schema, e.name, ix.name, ix.problem))
    elseif ix.name ~= "PRIMARY" and not (ix.unique and table.concat(ix.columns, "\0") == pk) then
      local qcols = {}
      for i, c in ipairs(ix.columns) do qcols[i] = pg.quote_ident(c) end
      -- the shape of pg_get_indexdef, which plan.index_sql reads
      ix.definition = string.format("CREATE %sINDEX %s ON %s USING btree (%s)",
        ix.unique and "UNIQUE " or "", pg.quote_ident(ix.name), e.qualified_name,
        table.concat(qcols, ", "))
      e.indexes[#e.indexes + 1] = ix
    end
    ix.problem = nil
  end
end

local function mysql_foreign_keys(conn, schema, by_name)
  local rows = conn:query([[
    SELECT k.TABLE_NAME, k.CONSTRAINT_NAME, k.COLUMN_NAME, k.ORDINAL_POSITION,
           k.REFERENCED_TABLE_SCHEMA, k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME,
           r.UPDATE_RULE, r.DELETE_RULE
      FROM information_schema.KEY_COLUMN_USAGE k
      JOIN information_schema.REFERENTIAL_CONSTRAINTS r
        ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME
       AND r.TABLE_NAME = k.TABLE_NAME
     WHERE k.TABLE_SCHEMA = ? AND k.REFERENCED_TABLE_NAME IS NOT NULL
     ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION]], schema)
  local seen = {}
  for _, r in ipairs(rows) do
    local e = by_name[r.TABLE_NAME]
    if e then
      local k = r.TABLE_NAME .. "\0" .. r.CONSTRAINT_NAME
      local fk = seen[k]
      if not fk then
        fk = { name = r.CONSTRAINT_NAME, ref_schema = r.REFERENCED_TABLE_SCHEMA,
               ref_table = r.REFERENCED_TABLE_NAME, on_update = r.UPDATE_RULE or "NO ACTION",
               on_delete = r.DELETE_RULE or "NO ACTION", deferrable = false, deferred = false,
               columns = {}, ref_columns = {} }
        seen[k] = fk
        e.foreign_keys[#e.foreign_keys + 1] = fk
      end
      fk.columns[#fk.columns + 1] = r.COLUMN_NAME
      fk.ref_columns[#fk.ref_columns + 1] = r.REFERENCED_COLUMN_NAME
    end
  end
end

-- Catalog entries of MySQL/MariaDB databases, from information_schema
-- (its table and schema names always bound as parameters).  The ODBC
-- catalog functions are weak there: SQLTables lists every database's
-- tables with no schema, SQLColumns hides auto_increment's NOT NULL and
-- MariaDB's JSON.  Each database is a schema.
local function load_mysql(conn, dbms, opts)
  local entries = {}
  for _, schema in ipairs(mysql_schemas(conn, opts)) do
    local by_name = mysql_tables(conn, schema, entries)
    mysql_columns(conn, dbms, schema, by_name)
    mysql_indexes(conn, schema, by_name)
    mysql_foreign_keys(conn, schema, by_name)
  end
  return finish_odbc(conn, entries)
end

-- Load every table (and view) of an ODBC source as catalog entries of
-- the same shape.  Each entry also says how to name the table in the
-- source's own SQL: `source_type = "odbc"`, `source_quote` (the
-- identifier quote), `source_schema` (nil when the driver has none) and
-- `source_qualified`.  Row counts come from count(*): exact.
--
-- MySQL and MariaDB are read from information_schema; a schema is a
-- database: `opts.schemas` (a list), else the connection's current
-- database (Database= in the connection string), else every database but
-- the system ones.  Other drivers are read through the ODBC catalog
-- functions; a driver without schemas (SQLite) gets `opts.default_schema`
-- ("main").  `opts` may be the default schema alone (a string).
--
-- Every column carries, besides name, position and not_null: type and
-- transform (the default mapping of migrate.odbc_types), type_name,
-- sql_type, column_size, decimal_digits (the driver's), source_type (the
-- declared type, lower case: "tinyint(1) unsigned", "enum('a','b')"),
-- base_type ("tinyint"), typmod ({1}, {12,2} or nil), unsigned,
-- auto_increment, source_default (a literal's value unquoted, b'..' for
-- bits, an expression as spelled) and default_kind ("literal", "bits",
-- "expression"), default (the PostgreSQL expression, or nil with a
-- warning naming table.column when it cannot be carried), identity ("d"
-- for an auto_increment integer), enum_values (enum and set labels) and
-- charset (MySQL).
function M.load_odbc(conn, opts)
  if type(opts) ~= "table" then opts = { default_schema = opts } end
  local dbms = conn:dbms()
  if require("migrate.odbc_types").is_mysql(dbms) then return load_mysql(conn, dbms, opts) end
  local default_schema = opts.default_schema or "main"
  local quote = '"'
  local function q(name) return quote .. name:gsub(quote, quote .. quote) .. quote end
  local function schema_of(s) return s or default_schema end
  local entries, by_key = {}, {}
  for _, r in ipairs(conn:catalog("tables")) do
    local system = dbms == "SQLite" and r.table_name:match("^sqlite_")
    if (r.kind == "table" or r.kind == "view") and not system then
      local schema = schema_of(r.schema_name)
      local e = { schema = schema, name = r.table_name, kind = r.kind, comment = r.comment,
                  qualified_name = pg.quote_ident(schema) .. "." ..
                    pg.quote_ident(r.table_name),
                  columns = {}, uniques = {}, indexes = {}, foreign_keys = {},
                  source_type = "odbc", source_quote = quote, source_schema = r.schema_name }
      e.source_qualified = (r.schema_name and (q(r.schema_name) .. ".") or "") .. q(r.table_name)
      entries[#entries + 1] = e
      by_key[key(schema, e.name)] = e
    end
  end
  for _, r in ipairs(conn:catalog("columns")) do
    local e = by_key[key(schema_of(r.schema_name), r.table_name)]
    if e then
      e.columns[#e.columns + 1] = odbc_column(r, dbms, e.schema .. "." .. e.name)
    end
  end
  local function rows_by_table(kind, keep_order)
    local out = {}
    for _, r in ipairs(conn:catalog(kind)) do
      local tk = key(schema_of(r.schema_name), r.table_name)
      if by_key[tk] then
        out[tk] = out[tk] or {}
        table.insert(out[tk], r)
      end
    end
    if not keep_order then
      for _, rows in pairs(out) do
        table.sort(rows, function(a, b) return (a.position or 0) < (b.position or 0) end)
      end
    end
    return out
  end
  for tk, rows in pairs(rows_by_table("primary_keys")) do
    local pk = { name = rows[1].constraint_name or (by_key[tk].name .. "_pkey"), columns = {} }
    for i, r in ipairs(rows) do pk.columns[i] = r.column_name end
    by_key[tk].primary_key = pk
  end
  for tk, rows in pairs(rows_by_table("indexes")) do
    local e, list, by_name = by_key[tk], {}, {}
    for _, r in ipairs(rows) do
      if r.index_name then
        local ix = by_name[r.index_name]
        if not ix then
          ix = { name = r.index_name, unique = r.is_unique == true, method = "btree", columns = {} }
          by_name[r.index_name] = ix
          list[#list + 1] = ix
        end
        -- an expression (no column name) cannot be carried over
        if r.column_name then ix.columns[#ix.columns + 1] = r.column_name else ix.expression = true end
      end
    end
    local pk = e.primary_key and table.concat(e.primary_key.columns, "\0")
    for _, ix in ipairs(list) do
      local same_as_pk = pk and ix.unique and table.concat(ix.columns, "\0") == pk
      if not same_as_pk and not ix.expression and #ix.columns > 0 then
        local cols = {}
        for i, c in ipairs(ix.columns) do cols[i] = pg.quote_ident(c) end
        -- the shape of pg_get_indexdef, which plan.index_sql reads
        ix.definition = string.format("CREATE %sINDEX %s ON %s USING btree (%s)",
          ix.unique and "UNIQUE " or "", pg.quote_ident(ix.name),
          e.qualified_name, table.concat(cols, ", "))
        e.indexes[#e.indexes + 1] = ix
      end
    end
  end
  -- In the driver's order (by key, then position); a key without a name
  -- (SQLite) starts at its position 1.
  for tk, rows in pairs(rows_by_table("foreign_keys", true)) do
    local e, by_name, fk = by_key[tk], {}, nil
    for _, r in ipairs(rows) do
      if r.constraint_name then
        fk = by_name[r.constraint_name]
      elseif (r.position or 1) == 1 then
        fk = nil
      end
      if not fk then
        local name = r.constraint_name or string.format("%s_%s_fkey%d", e.name, r.ref_table, #e.foreign_keys + 1)
        fk = { name = name, ref_schema = schema_of(r.ref_schema), ref_table = r.ref_table,
               on_update = r.on_update or "NO ACTION", on_delete = r.on_delete or "NO ACTION",
               deferrable = false, deferred = false, columns = {}, ref_columns = {}, _pos = {} }
        by_name[name] = fk
        e.foreign_keys[#e.foreign_keys + 1] = fk
      end
      fk._pos[#fk._pos + 1] = { p = r.position or #fk._pos + 1, c = r.column_name, rc = r.ref_column }
    end
    for _, k in ipairs(e.foreign_keys) do
      table.sort(k._pos, function(a, b) return a.p < b.p end)
      for i, x in ipairs(k._pos) do k.columns[i], k.ref_columns[i] = x.c, x.rc end
      k._pos = nil
    end
  end
  return finish_odbc(conn, entries)
end

-- The columns of one table as {name -> column}, or nil when it does not
-- exist (used on the target to check an existing table).
function M.table_columns(conn, schema, name)
  local rows = conn:query([[
    SELECT a.attname::text AS name, format_type(a.atttypid, a.atttypmod) AS type,
           t.typnamespace = 'pg_catalog'::regnamespace AS builtin,
           a.attgenerated <> '' AS generated
      FROM pg_attribute a
      JOIN pg_class c ON c.oid = a.attrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_type t ON t.oid = a.atttypid
     WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped
     ORDER BY a.attnum]], schema, name)
  if #rows == 0 then
    local exists = conn:query([[
      SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND c.relname = $2]], schema, name)
    if #exists == 0 then return nil end
  end
  local cols = {}
  for _, r in ipairs(rows) do cols[r.name] = r end
  return cols
end

return M
