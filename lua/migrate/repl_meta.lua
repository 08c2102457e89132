-- migrate.repl_meta: the meta-commands of `migrate repl` (lines starting
-- with a backslash).  A command works on `src` unless an argument
-- `@name` names another open connection.  SQL built here quotes every
-- identifier (the catalog's quoted names, pg.quote_ident or the ODBC
-- source's quote) and writes only integers it parsed itself.
local core = require "migrate.core"
local fmt = require "migrate.repl_format"
local pg = require "migrate.pg"

local M = {}

local function usage(msg) error(core.error { code = "usage", msg = msg }, 0) end

---------------------------------------------------------------------------
-- Parsing

-- Split a meta-command line: its name ("d", "tables" ...), its arguments
-- (a "double-quoted" one may hold spaces; "" is a quote in it), the
-- connection named by an @name argument, and the text after the name.
function M.parse(line)
  local name, rest = line:match("^%s*\\(%S*)%s*(.-)%s*$")
  if not name then return nil end
  local args, conn, i = {}, nil, 1
  while i <= #rest do
    local c = rest:sub(i, i)
    if c:match("%s") then
      i = i + 1
    elseif c == '"' then
      local buf, j = {}, i + 1
      while j <= #rest do
        local d = rest:sub(j, j)
        if d == '"' and rest:sub(j + 1, j + 1) == '"' then
          buf[#buf + 1], j = '"', j + 2
        elseif d == '"' then
          break
        else
          buf[#buf + 1], j = d, j + 1
        end
      end
      if j > #rest then usage("unterminated \" in: " .. line) end
      args[#args + 1] = table.concat(buf)
      i = j + 1
    else
      local word = rest:match("^%S+", i)
      if word:sub(1, 1) == "@" and #word > 1 then conn = word:sub(2) else args[#args + 1] = word end
      i = i + #word
    end
  end
  return name, args, conn, rest
end

-- A count argument: a positive integer, or the default.
local function count_arg(v, default, what)
  if v == nil then return default end
  local n = tonumber(v)
  if not n or n < 1 or n ~= math.floor(n) then
    usage(string.format("%s must be a positive whole number, got %s", what, v))
  end
  return n
end

-- A shell-style pattern (* and ?) -> a Lua pattern matching whole names.
function M.glob(pattern)
  local p = pattern:gsub("[%^%$%(%)%%%.%[%]%+%-]", "%%%0"):gsub("%*", ".*"):gsub("%?", ".")
  return "^" .. p .. "$"
end

-- The rules of "\\name [@conn] RULES NAME": the text before the last
-- argument (a bare word, or a "quoted" one), without a leading @conn.
function M.rules_text(rest)
  rest = rest:gsub("^@[%a_][%w_]*%s+", "")
  local stop
  if rest:sub(-1) == '"' then
    local j = #rest - 1
    while j >= 1 do
      if rest:sub(j, j) == '"' then
        if rest:sub(j - 1, j - 1) ~= '"' then break end
        j = j - 2
      else
        j = j - 1
      end
    end
    stop = j
  else
    stop = rest:find("%S+$")
  end
  local text = stop and rest:sub(1, stop - 1):match("^(.-)%s*$") or ""
  if text == "" then return nil, "\\name RULE[, RULE ...] NAME: give rules and a name" end
  return text
end

---------------------------------------------------------------------------
-- Tables and SQL

-- The catalog entry called name ("schema.table" or "table") on c.
local function find_entry(s, c, name)
  if not name then usage("which table? (\\tables lists them)") end
  local full, bare = {}, {}
  for _, e in ipairs(s:catalog(c)) do
    if e.schema .. "." .. e.name == name then full[#full + 1] = e end
    if e.name == name then bare[#bare + 1] = e end
  end
  local found = #full > 0 and full or bare
  if #found == 1 then return found[1] end
  if #found == 0 then
    usage(string.format("%s: no table %s (\\tables lists them)", c.name, name))
  end
  local names = {}
  for i, e in ipairs(found) do names[i] = e.schema .. "." .. e.name end
  usage(string.format("%s: %s is in several schemas: %s", c.name, name, table.concat(names, ", ")))
end

local function qualified(e) return e.source_qualified or e.qualified_name end

local function quote_column(e, name)
  local q = e.source_quote
  if not q then return pg.quote_ident(name) end
  return q .. name:gsub(q, q .. q) .. q
end

local function column_of(e, name)
  for _, col in ipairs(e.columns) do
    if col.name == name then return col end
  end
  usage(string.format("%s.%s has no column %s", e.schema, e.name, tostring(name)))
end

-- "SELECT <list> FROM <from> [...] LIMIT n" in the connection's dialect.
local function limited(c, list, rest, n)
  local dbms = c.kind == "odbc" and c.conn:dbms() or "PostgreSQL"
  if dbms == "Microsoft SQL Server" then
    return string.format("SELECT TOP %d %s %s", n, list, rest)
  end
  if dbms == "PostgreSQL" or dbms == "SQLite" or dbms == "MySQL" or dbms == "MariaDB" then
    return string.format("SELECT %s %s LIMIT %d", list, rest, n)
  end
  return string.format("SELECT %s %s FETCH FIRST %d ROWS ONLY", list, rest, n)
end

local function show_rows(rows, columns) require("migrate.repl").emit(fmt.rowset(rows, columns)) end

---------------------------------------------------------------------------
-- The commands: each takes (session, args, conn_name, rest)

local commands, help = {}, {}

help[#help + 1] = { "\\tables [@conn] [PATTERN]", "schemas and tables with row counts (* and ? match)" }
function commands.tables(s, args, conn)
  local c = s:connection(conn)
  local pattern = args[1] and M.glob(args[1])
  local rows = {}
  for _, e in ipairs(s:catalog(c)) do
    local full = e.schema .. "." .. e.name
    if not pattern or full:match(pattern) or e.name:match(pattern) then
      rows[#rows + 1] = { schema = e.schema, table = e.name, kind = e.kind, rows = e.rows }
    end
  end
  local header = c.kind == "pg" and "rows (estimate)" or "rows"
  for _, r in ipairs(rows) do r[header] = r.rows end
  show_rows(rows, { "schema", "table", "kind", header })
end

local function describe_keys(e, lines)
  local function cols(list) return table.concat(list, ", ") end
  if e.primary_key then
    lines[#lines + 1] = string.format("Primary key: (%s)", cols(e.primary_key.columns))
  end
  for _, u in ipairs(e.uniques or {}) do
    lines[#lines + 1] = string.format("Unique: %s (%s)", u.name, cols(u.columns))
  end
  if e.indexes and #e.indexes > 0 then
    lines[#lines + 1] = "Indexes:"
    for _, ix in ipairs(e.indexes) do
      lines[#lines + 1] = string.format("  %s%s (%s)", ix.name, ix.unique and " unique" or "",
        cols(ix.columns or {}))
    end
  end
  if e.foreign_keys and #e.foreign_keys > 0 then
    lines[#lines + 1] = "Foreign keys:"
    for _, fk in ipairs(e.foreign_keys) do
      lines[#lines + 1] = string.format("  %s (%s) -> %s.%s (%s)", fk.name, cols(fk.columns),
        fk.ref_schema, fk.ref_table, cols(fk.ref_columns))
    end
  end
end

help[#help + 1] = { "\\d [@conn] TABLE", "columns, source and target types, keys, indexes, foreign keys" }
commands.d = function(s, args, conn)
  local c = s:connection(conn)
  local e = find_entry(s, c, args[1])
  local rows = {}
  for _, col in ipairs(e.columns) do
    -- PostgreSQL: the target type is the same; ODBC: migrate.odbc_types'
    -- mapping, as catalog.load_odbc made it
    local target = col.type
    if col.transform then target = target .. " (" .. col.transform .. ")" end
    rows[#rows + 1] = {
      column = col.name, ["source type"] = col.source_type or col.type,
      ["target type"] = target, nullable = col.not_null and "not null" or "",
      default = col.source_default or col.default or "",
    }
  end
  local lines = { string.format("%s %s.%s (%s rows%s)", e.kind == "view" and "View" or "Table",
    e.schema, e.name, e.rows and string.format("%d", e.rows) or "?",
    c.kind == "pg" and ", estimate" or "") }
  for _, l in ipairs(fmt.rowset(rows, { "column", "source type", "target type", "nullable", "default" },
    { footer = false })) do
    lines[#lines + 1] = l
  end
  describe_keys(e, lines)
  require("migrate.repl").emit(lines)
end

help[#help + 1] = { "\\preview [@conn] TABLE [N]", "the first N rows (10)" }
function commands.preview(s, args, conn)
  local c = s:connection(conn)
  local e = find_entry(s, c, args[1])
  local n = count_arg(args[2], 10, "N")
  show_rows(c.conn:query(limited(c, "*", "FROM " .. qualified(e), n)))
end

help[#help + 1] = { "\\count [@conn] TABLE", "count the rows" }
commands.count = function(s, args, conn)
  local c = s:connection(conn)
  local e = find_entry(s, c, args[1])
  show_rows(c.conn:query("SELECT count(*) AS count FROM " .. qualified(e)))
end

help[#help + 1] = { "\\sample [@conn] TABLE COLUMN [N]", "the N most frequent values (10) with counts" }
function commands.sample(s, args, conn)
  local c = s:connection(conn)
  local e = find_entry(s, c, args[1])
  local col = quote_column(e, column_of(e, args[2]).name)
  local n = count_arg(args[3], 10, "N")
  show_rows(c.conn:query(limited(c, col .. " AS value, count(*) AS count",
    "FROM " .. qualified(e) .. " GROUP BY " .. col .. " ORDER BY count(*) DESC, " .. col, n)))
end

help[#help + 1] = { "\\plan RECIPE.lua [key=value ...]",
  "what the recipe would do: tables, targets, policies, column types\n" ..
  "(source= and target= default to src's and dst's URLs)" }
function commands.plan(s, args)
  local path = args[1] or usage("which recipe? \\plan RECIPE.lua [key=value ...]")
  local params = {}
  for i = 2, #args do
    local k, v = args[i]:match("^([%a_][%w_]*)=(.*)$")
    if not k then usage("expected key=value after the recipe, got " .. args[i]) end
    params[k] = v
  end
  if s.by_name.src and params.source == nil then params.source = s.by_name.src.url end
  if s.by_name.dst and params.target == nil then params.target = s.by_name.dst.url end
  local r = require("migrate.recipe").load(path, params)
  local ctx, tasks = require("migrate.runner").prepare(r)
  pcall(ctx.source.close, ctx.source)
  pcall(ctx.target.close, ctx.target)
  local lines = {}
  for _, t in ipairs(tasks) do
    lines[#lines + 1] = string.format("%s -> %s  (%s%s)", t.label, t.target_label, t.policy,
      t.key and (", key " .. table.concat(t.key, ", ")) or "")
    local rows = {}
    for _, col in ipairs(t.columns) do
      local src_col
      for _, sc in ipairs(t.entry.columns) do
        if sc.name == col.source then src_col = sc end
      end
      rows[#rows + 1] = { source = col.source or ("= " .. tostring(col.expr)),
        ["source type"] = src_col and (src_col.source_type or src_col.type) or nil,
        target = col.target, type = col.type }
    end
    for _, l in ipairs(fmt.rowset(rows, { "source", "source type", "target", "type" }, { footer = false })) do
      lines[#lines + 1] = "  " .. l
    end
  end
  lines[#lines + 1] = string.format("(%d %s)", #tasks, #tasks == 1 and "table" or "tables")
  require("migrate.repl").emit(lines)
end

help[#help + 1] = { "\\name RULE[, RULE ...] NAME|*",
  "what naming rules make of NAME (or of every table of src: *), e.g.\n" ..
  "\\name m.snake_case(), m.prefix(\"stg_\") OrderItems" }
commands.name = function(s, args, conn, rest)
  local last = args[#args]
  if #args < 2 then usage("\\name RULE[, RULE ...] NAME: give rules and a name") end
  local rules_text, why = M.rules_text(rest)
  if not rules_text then usage(why) end
  local f, err = loadstring("return { " .. rules_text .. " }", "=\\name")
  if not f then usage("the rules are not Lua: " .. tostring(err)) end
  setfenv(f, s.env)
  local rules = f()
  local naming = require "migrate.naming"
  for i, r in ipairs(rules) do
    if not naming.is_callable(r) then
      usage(string.format("rule %d is a %s, not a naming rule", i, type(r)))
    end
  end
  local rows = {}
  if last == "*" then
    for _, e in ipairs(s:catalog(s:connection(conn))) do
      rows[#rows + 1] = { source = e.schema .. "." .. e.name,
        target = naming.apply(rules, e.name, { schema = e.schema, kind = "table" }) }
    end
  else
    rows[1] = { source = last, target = naming.apply(rules, last, { kind = "table" }) }
  end
  show_rows(rows, { "source", "target" })
end

help[#help + 1] = { "\\conn", "the open connections (passwords masked)" }
function commands.conn(s)
  local rows = {}
  for _, c in ipairs(s.conns) do
    local kind = c.kind == "odbc" and ("odbc " .. tostring(c.conn:dbms())) or "postgresql"
    rows[#rows + 1] = { name = c.name, kind = kind, connection = c.conn:display() }
  end
  show_rows(rows, { "name", "kind", "connection" })
end

help[#help + 1] = { "\\refresh [@conn]", "read the catalog again (after DDL)" }
function commands.refresh(s, _, conn)
  s.catalogs[s:connection(conn).name] = nil
end

help[#help + 1] = { "\\help", "this list" }
function commands.help()
  local lines = { "Meta-commands (@conn picks a connection; src by default):" }
  for _, h in ipairs(help) do
    local first = true
    for text in (h[2] .. "\n"):gmatch("(.-)\n") do
      lines[#lines + 1] = string.format("  %-34s %s", first and h[1] or "", text)
      first = false
    end
  end
  lines[#lines + 1] = "Lua: an expression prints its value (=expr too); conn:query(sql, ...)"
  lines[#lines + 1] = "results print as tables.  Globals: m (require \"migrate\"), the"
  lines[#lines + 1] = "connections, open(name, url).  Tab completes; Ctrl-C cancels; Ctrl-D leaves."
  require("migrate.repl").emit(lines)
end

help[#help + 1] = { "\\q", "leave (as Ctrl-D does)" }
function commands.q() return "quit" end

-- Meta-command names, for completion.
function M.names()
  local out = {}
  for name in pairs(commands) do out[#out + 1] = "\\" .. name end
  table.sort(out)
  return out
end

-- Run a meta-command line; returns "quit" for \q.
function M.run(s, line)
  local name, args, conn, rest = M.parse(line)
  local fn = name and commands[name]
  if not fn then
    usage(string.format("unknown meta-command \\%s (\\help lists them)", tostring(name)))
  end
  return fn(s, args, conn, rest)
end

return M
