-- migrate.odbc_types: the PostgreSQL type of an ODBC source column.
--
-- Decided from the driver's type name first (SQLite reports NUMERIC as
-- SQL_DOUBLE and DECIMAL as SQL_VARCHAR, so the code alone misleads), then
-- from the ODBC SQL type code.  Both tables are plain Lua: a recipe (or a
-- later rule) may change them before the catalog is read.
--
--   local types = require "migrate.odbc_types"
--   types.by_name.MONEY = "numeric(19,4)"
--   types.pg_type{ type = "VARCHAR(20)", sql_type = 12, column_size = 20 }
--     --> "varchar(20)"
local M = {}

-- ODBC SQL type codes (sql.h, sqlext.h).
M.SQL = {
  CHAR = 1, NUMERIC = 2, DECIMAL = 3, INTEGER = 4, SMALLINT = 5, FLOAT = 6,
  REAL = 7, DOUBLE = 8, DATETIME = 9, TIME = 10, TIMESTAMP = 11, VARCHAR = 12,
  BOOLEAN = 16, TYPE_DATE = 91, TYPE_TIME = 92, TYPE_TIMESTAMP = 93,
  LONGVARCHAR = -1, BINARY = -2, VARBINARY = -3, LONGVARBINARY = -4,
  BIGINT = -5, TINYINT = -6, BIT = -7, WCHAR = -8, WVARCHAR = -9,
  WLONGVARCHAR = -10, GUID = -11,
}
local SQL = M.SQL

-- By the driver's type name (upper case, without its "(size)").  A
-- string, or a function(col, dbms) returning one.
M.by_name = {
  NUMERIC = "numeric", DECIMAL = "numeric", DEC = "numeric",
  REAL = "double precision", FLOAT = "double precision", DOUBLE = "double precision",
  ["DOUBLE PRECISION"] = "double precision",
  BOOLEAN = "boolean", BOOL = "boolean",
  DATE = "date", TIME = "time", DATETIME = "timestamp", TIMESTAMP = "timestamp",
  BLOB = "bytea", BINARY = "bytea", VARBINARY = "bytea",
  TEXT = "text", CLOB = "text",
  UUID = "uuid", UNIQUEIDENTIFIER = "uuid",
}

-- Character types: varchar(n) when the name declares a sane size.
local MAX_VARCHAR = 10485760
local function character(col)
  local n = tonumber((col.type or ""):match("%(%s*(%d+)%s*%)"))
  if n and n >= 1 and n <= MAX_VARCHAR then return string.format("varchar(%d)", n) end
  return "text"
end

-- By the ODBC SQL type code.
M.by_code = {
  [SQL.SMALLINT] = "smallint", [SQL.TINYINT] = "smallint", [SQL.INTEGER] = "integer",
  [SQL.BIGINT] = "bigint",
  [SQL.REAL] = "real", [SQL.FLOAT] = "double precision", [SQL.DOUBLE] = "double precision",
  [SQL.NUMERIC] = "numeric", [SQL.DECIMAL] = "numeric",
  [SQL.BIT] = "boolean", [SQL.BOOLEAN] = "boolean",
  [SQL.TYPE_DATE] = "date", [SQL.DATETIME] = "date",
  [SQL.TYPE_TIME] = "time", [SQL.TIME] = "time",
  [SQL.TYPE_TIMESTAMP] = "timestamp", [SQL.TIMESTAMP] = "timestamp",
  [SQL.CHAR] = character, [SQL.VARCHAR] = character, [SQL.WCHAR] = character,
  [SQL.WVARCHAR] = character,
  [SQL.LONGVARCHAR] = "text", [SQL.WLONGVARCHAR] = "text",
  [SQL.BINARY] = "bytea", [SQL.VARBINARY] = "bytea", [SQL.LONGVARBINARY] = "bytea",
  [SQL.GUID] = "uuid",
}

local integer_codes = { [SQL.SMALLINT] = true, [SQL.TINYINT] = true, [SQL.INTEGER] = true,
                        [SQL.BIGINT] = true }

local function resolve(v, col, dbms)
  if type(v) == "function" then return v(col, dbms) end
  return v
end

-- The PostgreSQL type of a column row of conn:catalog("columns") (type,
-- sql_type, column_size); `dbms` is the driver's DBMS name.
function M.pg_type(col, dbms)
  local name = (col.type or ""):upper():gsub("%s*%(.*$", ""):gsub("^%s+", ""):gsub("%s+$", "")
  -- SQLite integers are 64-bit whatever the declared name.
  if dbms == "SQLite" and (integer_codes[col.sql_type] or name:find("INT", 1, true)) then
    return "bigint"
  end
  -- SQLite keeps any length in a VARCHAR(n): a varchar(n) target would
  -- refuse rows the source holds.
  if dbms == "SQLite" and name:find("CHAR", 1, true) then return "text" end
  local t = resolve(M.by_name[name], col, dbms)
  if t then return t end
  t = resolve(M.by_code[col.sql_type], col, dbms)
  if t then return t end
  if name:find("CHAR", 1, true) then return character(col) end
  return "text" -- the target parses the text form
end

return M
