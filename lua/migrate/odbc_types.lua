-- migrate.odbc_types: the PostgreSQL type of an ODBC source column, the
-- C value transform it needs, and its default translated to PostgreSQL.
--
-- Decided from the driver's type name first (SQLite reports NUMERIC as
-- SQL_DOUBLE and DECIMAL as SQL_VARCHAR, so the code alone misleads), then
-- from the ODBC SQL type code.  MySQL/MariaDB columns are mapped from their
-- declared type (information_schema COLUMN_TYPE, see migrate.catalog):
-- M.mysql by base type.  SQL Server's names are in M.by_dbms.  All tables
-- are plain Lua: a recipe (or a later rule) may change them before the
-- catalog is read.
--
--   local types = require "migrate.odbc_types"
--   types.by_name.MONEY = "numeric(19,4)"
--   types.pg_type{ type = "VARCHAR(20)", sql_type = 12, column_size = 20 }
--     --> "varchar(20)"
--   types.map({ base_type = "tinyint", typmod = {1} }, "MariaDB")
--     --> { type = "boolean", transform = "int_to_boolean" }
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
  local n = tonumber((col.type_name or col.type or ""):match("%(%s*(%d+)%s*%)"))
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

-- A table entry: a type string, a {type =, transform =} table, or a
-- function(col, dbms) returning type[, transform].
local function resolve(v, col, dbms)
  if type(v) == "function" then return v(col, dbms) end
  if type(v) == "table" then return v.type, v.transform end
  return v
end

-- ---- declared types -------------------------------------------------------

-- The labels of "enum('a','b')" or "set('x','y')": quotes doubled or
-- backslash-escaped inside, as MySQL spells them.
local function labels(list)
  local out, i, n = {}, 1, #list
  while i <= n do
    local q = list:find("'", i, true)
    if not q then break end
    local buf, j = {}, q + 1
    while j <= n do
      local ch = list:sub(j, j)
      if ch == "'" and list:sub(j + 1, j + 1) == "'" then
        buf[#buf + 1] = "'"; j = j + 2
      elseif ch == "\\" and j < n then
        buf[#buf + 1] = list:sub(j + 1, j + 1); j = j + 2
      elseif ch == "'" then
        break
      else
        buf[#buf + 1] = ch; j = j + 1
      end
    end
    out[#out + 1] = table.concat(buf)
    i = j + 1
  end
  return out
end

-- Split a declared type ("tinyint(1) unsigned zerofill", "decimal(12,2)",
-- "enum('a','b')", "VARCHAR(40)") into its base name (lower case, without
-- "(..)", "unsigned", "zerofill"), its typmod (the numbers in the
-- parentheses, nil when none or for enum/set), unsigned, and the labels
-- of an enum or set.
function M.parse_type(decl)
  local s = (decl or ""):lower():gsub("^%s+", ""):gsub("%s+$", "")
  local open = s:find("(", 1, true)
  local base, inside, rest = s, nil, ""
  if open then
    local close = s:match("^.*()%)")
    base = s:sub(1, open - 1)
    inside = s:sub(open + 1, (close or #s + 1) - 1)
    rest = close and s:sub(close + 1) or ""
  end
  local words = {}
  for w in (base .. " " .. rest):gmatch("%S+") do words[#words + 1] = w end
  local unsigned, keep = false, {}
  for _, w in ipairs(words) do
    if w == "unsigned" then unsigned = true
    elseif w ~= "zerofill" and w ~= "signed" then keep[#keep + 1] = w end
  end
  base = table.concat(keep, " ")
  local typmod, enum_values
  if inside and (base == "enum" or base == "set") then
    -- the labels keep their case: read them from the declaration itself
    local o = decl:find("(", 1, true)
    local c = decl:match("^.*()%)")
    enum_values = labels(decl:sub(o + 1, (c or #decl + 1) - 1))
  elseif inside then
    for num in inside:gmatch("%d+") do
      typmod = typmod or {}
      typmod[#typmod + 1] = tonumber(num)
    end
  end
  return base, typmod, unsigned, enum_values
end

-- ---- MySQL / MariaDB ------------------------------------------------------

local function dims(col) return col.typmod or {} end

local function datetime(name)
  return function(col)
    local p = dims(col)[1]
    if p and p > 0 then return string.format("%s(%d)", name, math.min(p, 6)), "zero_dates_to_null" end
    return name, "zero_dates_to_null"
  end
end

-- By base type (lower case); col has base_type, typmod, unsigned.
M.mysql = {
  tinyint = function(col)
    if dims(col)[1] == 1 then return "boolean", "int_to_boolean" end
    return "smallint"
  end,
  bool = { type = "boolean", transform = "int_to_boolean" },
  boolean = { type = "boolean", transform = "int_to_boolean" },
  smallint = function(col) return col.unsigned and "integer" or "smallint" end,
  mediumint = "integer",
  int = function(col) return col.unsigned and "bigint" or "integer" end,
  integer = function(col) return col.unsigned and "bigint" or "integer" end,
  bigint = function(col) return col.unsigned and "numeric(20)" or "bigint" end,
  serial = "numeric(20)", -- bigint unsigned
  bit = function(col)
    local n = dims(col)[1] or 1
    if n == 1 then return "boolean", "bit_to_boolean" end
    return string.format("bit(%d)", n), string.format("bit_to_bitstring(%d)", n)
  end,
  year = { type = "integer", transform = "year_to_integer" },
  decimal = function(col)
    local t = dims(col)
    if t[1] and t[2] then return string.format("numeric(%d,%d)", t[1], t[2]) end
    if t[1] then return string.format("numeric(%d)", t[1]) end
    return "numeric(10)" -- MySQL's DECIMAL alone is DECIMAL(10,0)
  end,
  float = function(col)
    -- float(p): p > 24 is a double
    if (dims(col)[1] or 0) > 24 then return "double precision" end
    return "real"
  end,
  double = "double precision", ["double precision"] = "double precision",
  real = "double precision", -- MySQL's REAL is DOUBLE (unless REAL_AS_FLOAT)
  char = function(col)
    local n = dims(col)[1]
    if n and n >= 1 then return string.format("varchar(%d)", n) end
    return "text"
  end,
  tinytext = "text", text = "text", mediumtext = "text", longtext = "text",
  binary = "bytea", varbinary = "bytea", tinyblob = "bytea", blob = "bytea",
  mediumblob = "bytea", longblob = "bytea",
  date = { type = "date", transform = "zero_dates_to_null" },
  datetime = datetime("timestamp"),
  timestamp = datetime("timestamp"),
  -- MySQL's time runs from -838:59:59 to 838:59:59; PostgreSQL's time
  -- refuses anything outside a day.  A table holding durations needs a
  -- type rule to interval: { type = "time", to = "interval" }.
  time = function(col)
    local p = dims(col)[1]
    if p and p > 0 then return string.format("time(%d)", math.min(p, 6)) end
    return "time"
  end,
  json = "jsonb",
  -- enum labels stay in col.enum_values; a type rule can choose a
  -- created enum type or a check.
  enum = "text",
  set = { type = "text[]", transform = "set_to_array" },
  geometry = "bytea", point = "bytea", linestring = "bytea", polygon = "bytea",
  multipoint = "bytea", multilinestring = "bytea", multipolygon = "bytea",
  geometrycollection = "bytea",
  inet6 = "inet", inet4 = "inet", uuid = "uuid",
}
M.mysql.dec, M.mysql.numeric, M.mysql.fixed = M.mysql.decimal, M.mysql.decimal, M.mysql.decimal
M.mysql.varchar = M.mysql.char
M.mysql["national char"], M.mysql["national varchar"] = M.mysql.char, M.mysql.char
M.mysql.nchar, M.mysql.nvarchar = M.mysql.char, M.mysql.char

local mysql_dbms = { MySQL = true, MariaDB = true }

-- True for the DBMS names of MySQL and MariaDB servers.
function M.is_mysql(dbms) return mysql_dbms[dbms] == true end

-- ---- SQL Server (FreeTDS) --------------------------------------------------

-- By the driver's type name (upper case; FreeTDS says "int identity" for
-- an identity column, the catalog strips " identity").  Untested against
-- a live server: no SQL Server here.
local MSSQL_MAX = 1073741823
local function mssql_chars(col)
  local n = col.column_size
  if n and n >= 1 and n < MSSQL_MAX then return string.format("varchar(%d)", n) end
  return "text" -- (max)
end
local function mssql_datetime2(name)
  return function(col)
    local p = col.decimal_digits
    if p and p >= 0 and p < 6 then return string.format("%s(%d)", name, p) end
    return name -- 7 digits on SQL Server, 6 here
  end
end
M.by_dbms = {
  ["Microsoft SQL Server"] = {
    BIT = "boolean", TINYINT = "smallint",
    DATETIME = "timestamp(3)", SMALLDATETIME = "timestamp(0)",
    DATETIME2 = mssql_datetime2("timestamp"),
    DATETIMEOFFSET = mssql_datetime2("timestamptz"),
    DATE = "date", TIME = mssql_datetime2("time"),
    UNIQUEIDENTIFIER = "uuid",
    MONEY = "numeric(19,4)", SMALLMONEY = "numeric(10,4)",
    CHAR = mssql_chars, NCHAR = mssql_chars, VARCHAR = mssql_chars, NVARCHAR = mssql_chars,
    SYSNAME = "varchar(128)", TEXT = "text", NTEXT = "text",
    BINARY = "bytea", VARBINARY = "bytea", IMAGE = "bytea",
    TIMESTAMP = "bytea", ROWVERSION = "bytea", -- rowversion: 8 bytes, not a time
    XML = "xml", SQL_VARIANT = "text", HIERARCHYID = "bytea",
    GEOGRAPHY = "bytea", GEOMETRY = "bytea",
    REAL = "real", FLOAT = "double precision",
  },
}

-- ---- PostgreSQL (psqlODBC) -------------------------------------------------

-- psqlODBC names a column by the server's own type name (int4, float8,
-- bpchar, timestamptz, _int4 ...): the target gets the same type, with
-- the typmod the driver reports as column_size and decimal_digits.  Where
-- the driver reports its default for "none declared" (255 for varchar,
-- bpchar and varbit; 28,6 for numeric) the type is left unbounded: a
-- declared varchar(255) or numeric(28,6) becomes varchar or numeric, which
-- holds every value.  A name not built in (an enum, a domain, an
-- extension's type) falls through to the mapping by name and code; an
-- array of one becomes text[].
local PG_UNKNOWN_SIZE = 255 -- psqlODBC's MaxVarcharSize
local function pg_sized(name)
  return function(col)
    local n = tonumber(col.column_size)
    if n and n > 0 and (n ~= PG_UNKNOWN_SIZE or name == "bit") then
      return string.format("%s(%d)", name, n)
    end
    return name
  end
end
local function pg_precision(name)
  return function(col)
    local p = tonumber(col.decimal_digits)
    if p and p >= 0 and p < 6 then return string.format("%s(%d)", name, p) end
    return name
  end
end
local PG_SAME = {
  INT2 = "smallint", INT4 = "integer", INT8 = "bigint", FLOAT4 = "real",
  FLOAT8 = "double precision", BOOL = "boolean",
}
for n in ([[text name bytea date timetz interval uuid json jsonb xml inet cidr macaddr
  macaddr8 money oid tsvector tsquery point line lseg box path polygon circle int4range
  int8range numrange daterange tsrange tstzrange pg_lsn]]):gmatch("%S+") do
  PG_SAME[n:upper()] = n
end
PG_SAME.VARCHAR, PG_SAME.BPCHAR = pg_sized("varchar"), pg_sized("bpchar")
PG_SAME.BIT, PG_SAME.VARBIT = pg_sized("bit"), pg_sized("varbit")
PG_SAME.TIME, PG_SAME.TIMESTAMP = pg_precision("time"), pg_precision("timestamp")
PG_SAME.TIMESTAMPTZ = pg_precision("timestamptz")
PG_SAME.NUMERIC = function(col)
  local p, s = tonumber(col.column_size), tonumber(col.decimal_digits)
  if p and s and p > 0 and not (p == 28 and s == 6) then return string.format("numeric(%d,%d)", p, s) end
  return "numeric"
end
-- _int4 -> integer[], _varchar -> varchar[]: the element type without a typmod
M.by_dbms.PostgreSQL = setmetatable({}, { __index = function(_, name)
  local elem = type(name) == "string" and name:match("^_(.+)$")
  if not elem then return PG_SAME[name] end
  local e = PG_SAME[elem]
  return (type(e) == "string" and e or type(e) == "function" and elem:lower() or "text") .. "[]"
end })

-- ---- the mapping ------------------------------------------------------------

-- The default mapping of one column: { type = PostgreSQL type, transform =
-- C transform spec or nil }.  `col` is a catalog column (base_type,
-- typmod, unsigned; see migrate.catalog) or a row of
-- conn:catalog("columns") (type, sql_type, column_size); `dbms` is the
-- driver's DBMS name.
function M.map(col, dbms)
  local base = col.base_type
  if not base then
    -- a row of conn:catalog("columns"): read its declared type
    local typmod, unsigned
    base, typmod, unsigned = M.parse_type(col.type)
    col = setmetatable({ base_type = base, typmod = typmod, unsigned = unsigned },
                       { __index = col })
  end
  if mysql_dbms[dbms] then
    local t, tr = resolve(M.mysql[base], col, dbms)
    if t then return { type = t, transform = tr } end
  end
  local name = base:upper()
  -- SQLite integers are 64-bit whatever the declared name.
  if dbms == "SQLite" and (integer_codes[col.sql_type] or name:find("INT", 1, true)) then
    return { type = "bigint" }
  end
  -- SQLite keeps any length in a VARCHAR(n): a varchar(n) target would
  -- refuse rows the source holds.
  if dbms == "SQLite" and name:find("CHAR", 1, true) then return { type = "text" } end
  local by_dbms = M.by_dbms[dbms]
  local t, tr = resolve(by_dbms and by_dbms[name], col, dbms)
  if not t then t, tr = resolve(M.by_name[name], col, dbms) end
  if not t then t, tr = resolve(M.by_code[col.sql_type], col, dbms) end
  if not t and name:find("CHAR", 1, true) then t = character(col) end
  return { type = t or "text", transform = tr } -- text: the target parses the text form
end

-- The PostgreSQL type alone (M.map(col, dbms).type).
function M.pg_type(col, dbms)
  return M.map(col, dbms).type
end

-- ---- defaults -----------------------------------------------------------------

local mysql_escapes = { ["0"] = "\0", b = "\b", n = "\n", r = "\r", t = "\t", Z = "\26" }

-- The value of a quoted SQL string: '' doubled quotes, and with
-- `backslashes` MySQL's escapes (\\, \', \n ...).
local function unquote(s, backslashes)
  local body = s:sub(2, -2)
  local out, i = {}, 1
  while i <= #body do
    local ch = body:sub(i, i)
    if ch == "'" and body:sub(i + 1, i + 1) == "'" then
      out[#out + 1] = "'"; i = i + 2
    elseif ch == "\\" and backslashes and i < #body then
      local nx = body:sub(i + 1, i + 1)
      out[#out + 1] = mysql_escapes[nx] or nx; i = i + 2
    else
      out[#out + 1] = ch; i = i + 1
    end
  end
  return table.concat(out)
end

local function is_number(s)
  return s:match("^[+-]?%d+%.?%d*$") or s:match("^[+-]?%d*%.%d+$")
    or s:match("^[+-]?%d+%.?%d*[eE][+-]?%d+$")
end

local function is_quoted(s) return #s >= 2 and s:sub(1, 1) == "'" and s:sub(-1) == "'" end

-- What a default as the source reports it is: nil (no default, or NULL),
-- or { kind = "literal", value = text } (quotes removed), { kind = "bits",
-- value = "0101" } (b'0101'), { kind = "expression", text = ... }.
--   MariaDB and ODBC's COLUMN_DEF: strings are quoted, NULL is "NULL",
--     anything else unquoted is a number or an expression;
--   MySQL (dbms "MySQL"): strings are not quoted; expressions are marked
--     DEFAULT_GENERATED in information_schema's EXTRA (8.0.13+), or are
--     CURRENT_TIMESTAMP.
function M.parse_default(text, dbms, extra)
  if text == nil then return nil end
  local s = tostring(text)
  local bits = s:match("^[bB]'([01]*)'$")
  if bits then return { kind = "bits", value = bits } end
  if dbms == "MySQL" then
    local generated = extra and extra:upper():find("DEFAULT_GENERATED", 1, true)
    local lower = s:lower()
    if generated or lower:match("^current_timestamp") or lower:match("^now%(") then
      return { kind = "expression", text = s }
    end
    return { kind = "literal", value = s }
  end
  if s:upper() == "NULL" then return nil end
  if dbms == "SQLite" then
    -- The SQLite driver strips the quotes (or parentheses) around a
    -- default and keeps the doubled quotes inside: 'it''s' -> it''s,
    -- (lower('A')) -> lower('A').
    local upper = s:upper()
    if is_number(s) then return { kind = "literal", value = s } end
    if upper:match("^CURRENT_") or s:match("^[%w_]+%s*%(.*%)$") or s:match("^[xX]'%x*'$") then
      return { kind = "expression", text = s }
    end
    return { kind = "literal", value = (s:gsub("''", "'")) }
  end
  if is_quoted(s) then
    return { kind = "literal", value = unquote(s, mysql_dbms[dbms] == true) }
  end
  if is_number(s) then return { kind = "literal", value = s } end
  return { kind = "expression", text = s }
end

-- The default as the catalog column's source_default shows it: a
-- literal's value without quotes (pgloader's spelling, "0000-00-00
-- 00:00:00"), b'..' for bits, an expression as the source spells it.
function M.source_default(parsed)
  if parsed == nil then return nil end
  if parsed.kind == "literal" then return parsed.value end
  if parsed.kind == "bits" then return "b'" .. parsed.value .. "'" end
  return parsed.text
end

local function zero_date(v)
  local y, mo, d = v:match("^(%d%d%d%d)%-(%d%d)%-(%d%d)")
  if not y then return v:match("^0+$") ~= nil end
  return tonumber(y) == 0 or tonumber(mo) == 0 or tonumber(d) == 0
end

local function bare(t) return (t:lower():gsub("%s*%(.*$", "")) end

local integer_types = { smallint = true, integer = true, bigint = true }
local numeric_types = { smallint = true, integer = true, bigint = true, numeric = true,
                        real = true, ["double precision"] = true, decimal = true }
local time_types = { date = true, timestamp = true, timestamptz = true, time = true,
                     ["timestamp without time zone"] = true, ["timestamp with time zone"] = true,
                     ["time without time zone"] = true }

local function quote_literal(v)
  return require("migrate.pg").quote_literal(v)
end

-- An array literal of text values: {"a","b"}.
local function text_array(values)
  local parts = {}
  for i, v in ipairs(values) do parts[i] = '"' .. v:gsub('[\\"]', "\\%0") .. '"' end
  return "{" .. table.concat(parts, ",") .. "}"
end

local BOOL_WORDS = { ["0"] = true, ["1"] = true, ["false"] = true, ["true"] = true,
                     f = true, t = true }

local function expression_default(text, target)
  local e = text:lower():gsub("%s+", "")
  local b = bare(target)
  local now = e:match("^current_timestamp") or e:match("^now%(") or e:match("^localtimestamp")
    or e:match("^localtime") or e:match("^getdate%(%)$") or e:match("^sysdatetime%(%)$")
  if now then
    if b == "date" then return "CURRENT_DATE" end
    if b == "time" then return "LOCALTIME" end
    if b:match("^timestamp") then return "CURRENT_TIMESTAMP" end
    return nil
  end
  if e:match("^curdate%(%)$") or e == "current_date" or e == "current_date()" then
    if b == "date" or b:match("^timestamp") then return "CURRENT_DATE" end
    return nil
  end
  if e:match("^curtime%(") or e:match("^current_time") then
    if b == "time" then return "LOCALTIME" end
    return nil
  end
  return nil
end

-- The PostgreSQL default expression for `parsed` (M.parse_default) on a
-- column of PostgreSQL type `target`, or nil for none.  A literal is
-- written as an untyped quoted literal ('1', 'abc', '0000000101'), which
-- PostgreSQL reads as the column's type when it creates the table: the
-- same default stays right when a type rule changes the type (tinyint(1)
-- DEFAULT 1 is '1': true as a boolean, 1 as a smallint), and a value too
-- long for a varchar(n) is an error there, not cut.  It is checked
-- against `target` here (a number for a numeric type, a boolean word for
-- boolean).  now() and the like become CURRENT_TIMESTAMP (CURRENT_DATE on
-- a date).  Returns nil, reason when the default cannot be carried (the
-- caller warns); zero dates are dropped without a reason.
function M.pg_default(parsed, target)
  if parsed == nil then return nil end
  target = target or "text"
  local b = bare(target)
  if parsed.kind == "expression" then
    local e = expression_default(parsed.text, target)
    if e then return e end
    return nil, string.format("the default %s has no PostgreSQL equivalent here", parsed.text)
  end
  local v = parsed.value
  if parsed.kind == "bits" then
    local n = tonumber(v, 2) or 0
    if b == "boolean" then return n ~= 0 and "'1'" or "'0'" end
    if b == "bit" or b == "bit varying" or b == "varbit" then
      local width = tonumber(target:match("%((%d+)%)")) or #v
      if #v > width then v = v:sub(-width) end
      return "'" .. string.rep("0", width - #v) .. v .. "'"
    end
    if numeric_types[b] then return string.format("'%d'", n) end
    return nil, string.format("the default b'%s' does not fit %s", v, target)
  end
  if time_types[b] and zero_date(v) then return nil end
  if b == "boolean" and not BOOL_WORDS[v:lower()] then
    return nil, string.format("the default %s is not a boolean", v)
  end
  if numeric_types[b] then
    local plain = is_number(v) and v:gsub("^%+", "")
    if not plain or (integer_types[b] and plain:find("[.eE]")) then
      return nil, string.format("the default %s is not a number of type %s", v, target)
    end
    v = plain
  end
  if target == "text[]" then
    local items = {}
    for item in v:gmatch("[^,]+") do items[#items + 1] = item end
    v = text_array(items)
  elseif b == "bytea" then
    return "'\\x" .. v:gsub(".", function(ch) return string.format("%02x", ch:byte()) end) .. "'"
  end
  return quote_literal(v)
end

-- The default of a catalog column (source_default, default_kind) for
-- another target type, e.g. after a type rule changed it: tinyint(1)
-- DEFAULT 1 is `true` as a boolean and `1` as a smallint.  Returns
-- expression or nil, reason (as M.pg_default).
function M.column_default(col, target)
  local s, kind = col.source_default, col.default_kind
  if s == nil or kind == nil then return nil end
  local parsed = { kind = kind, value = s, text = s }
  if kind == "bits" then parsed.value = s:match("^[bB]'([01]*)'$") or "" end
  return M.pg_default(parsed, target)
end

return M
