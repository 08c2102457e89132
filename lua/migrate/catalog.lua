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
  table.sort(entries, function(a, b)
    if a.schema ~= b.schema then return a.schema < b.schema end
    return a.name < b.name
  end)
  return entries
end

-- Load every table (and view) of an ODBC source as catalog entries of
-- the same shape, from the driver's catalog functions.  Types are mapped to
-- PostgreSQL's (migrate.odbc_types); a driver without schemas (SQLite)
-- gets `default_schema` ("main").  Each entry also says how to name the
-- table in the source's own SQL: `source_type = "odbc"`, `source_quote`
-- (the identifier quote) and `source_schema` (nil when the driver has
-- none).  Row counts come from count(*): exact, and cheap for SQLite.
function M.load_odbc(conn, default_schema)
  local types = require "migrate.odbc_types"
  default_schema = default_schema or "main"
  local dbms = conn:dbms()
  local quote = (dbms == "MySQL" or dbms == "MariaDB") and "`" or '"'
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
      e.columns[#e.columns + 1] = {
        name = r.column_name, position = r.position, type = types.pg_type(r, dbms),
        type_name = r.type, sql_type = r.sql_type, not_null = r.not_null == true,
      }
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
  for _, e in ipairs(entries) do
    table.sort(e.columns, function(a, b) return a.position < b.position end)
    local n = conn:query("SELECT count(*) AS n FROM " .. e.source_qualified)[1].n
    e.rows = tonumber(n) or 0
  end
  table.sort(entries, function(a, b)
    if a.schema ~= b.schema then return a.schema < b.schema end
    return a.name < b.name
  end)
  return entries
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
