-- migrate.repl_format: how `migrate repl` shows values.  Pure functions
-- (text in, lines out), tested in tests/lua/repl_spec.lua.
--
--   fmt.value(v)                   -- one value, tables one level deep
--   fmt.is_rowset(rows, columns)   -- the shape conn:query returns
--   fmt.rowset(rows, columns)      -- lines of an aligned table, like psql
local M = {}

M.NULL = "(null)" -- how SQL NULL shows in a table: never a value's spelling
M.MAX_FIELDS = 40 -- fields of a table shown before "..."
M.MAX_CELL = 60 -- characters of a cell shown before "..."

-- Display width of a UTF-8 string: its code points (continuation bytes
-- do not count).  Wide characters count one: good enough for a terminal
-- table of mostly ASCII.
function M.width(s)
  local _, continuation = s:gsub("[\128-\191]", "")
  return #s - continuation
end

-- Cut s to at most n code points, marking the cut with "...".
local function shorten(s, n)
  if M.width(s) <= n then return s end
  local out, count = {}, 0
  for ch in s:gmatch("[%z\1-\127\192-\255][\128-\191]*") do
    if count == n - 3 then break end
    out[#out + 1] = ch
    count = count + 1
  end
  return table.concat(out) .. "..."
end

local function is_identifier(k)
  return type(k) == "string" and k:match("^[%a_][%w_]*$") ~= nil
end

-- A number as the REPL writes it: integers without ".0" or exponent.
local function number_text(n)
  if n == math.floor(n) and math.abs(n) < 1e15 then return string.format("%d", n) end
  return tostring(n)
end

local function scalar(v)
  if type(v) == "string" then return (string.format("%q", v):gsub("\\\n", "\\n")) end
  if type(v) == "number" then return number_text(v) end
  return tostring(v)
end

local function has_tostring(v)
  local mt = getmetatable(v)
  return type(mt) == "table" and mt.__tostring ~= nil
end

-- A nested table, shortened: its size, never its contents.
local function nested(v)
  if has_tostring(v) then return tostring(v) end
  local n = 0
  for _ in pairs(v) do n = n + 1 end
  if n == 0 then return "{}" end
  return string.format("{...%d}", n)
end

local function key_order(a, b)
  local ta, tb = type(a), type(b)
  if ta ~= tb then return ta < tb end
  if ta == "number" or ta == "string" then return a < b end
  return tostring(a) < tostring(b)
end

-- A table one level deep: "{ 1, 2, name = "x", sub = {...3} }".
local function table_text(t)
  if has_tostring(t) then return tostring(t) end
  local parts, n = {}, #t
  for i = 1, n do
    parts[#parts + 1] = type(t[i]) == "table" and nested(t[i]) or scalar(t[i])
  end
  local keys = {}
  for k in pairs(t) do
    if not (type(k) == "number" and k >= 1 and k <= n and k == math.floor(k)) then
      keys[#keys + 1] = k
    end
  end
  table.sort(keys, key_order)
  for _, k in ipairs(keys) do
    local v = t[k]
    local ks = is_identifier(k) and k or "[" .. scalar(k) .. "]"
    parts[#parts + 1] = ks .. " = " .. (type(v) == "table" and nested(v) or scalar(v))
  end
  if #parts == 0 then return "{}" end
  if #parts > M.MAX_FIELDS then
    local more = #parts - M.MAX_FIELDS
    for i = #parts, M.MAX_FIELDS + 1, -1 do parts[i] = nil end
    parts[#parts + 1] = string.format("... (%d more)", more)
  end
  return "{ " .. table.concat(parts, ", ") .. " }"
end

-- One value as the REPL prints it: a string as it is at the top level
-- (as the Lua REPL does), quoted inside tables.
function M.value(v)
  if type(v) == "table" then return table_text(v) end
  if type(v) == "string" then return v end
  if type(v) == "number" then return number_text(v) end
  return tostring(v)
end

-- True when (rows, columns) is what conn:query returns: an array of row
-- tables and an array of column names.
function M.is_rowset(rows, columns)
  if type(rows) ~= "table" or type(columns) ~= "table" or has_tostring(rows) then
    return false
  end
  for i, c in ipairs(columns) do
    if type(c) ~= "string" then return false end
    if i > 1000 then break end
  end
  if #columns == 0 and next(columns) ~= nil then return false end
  for i, r in ipairs(rows) do
    if type(r) ~= "table" then return false end
    if i > 100 then break end
  end
  return #rows > 0 or next(rows) == nil
end

-- A cell's text: NULL distinct, control characters escaped, long values cut.
local function cell(v)
  if v == nil then return M.NULL end
  local s
  if type(v) == "number" then s = number_text(v) else s = tostring(v) end
  s = s:gsub("[%c]", function(c)
    if c == "\n" then return "\\n" end
    if c == "\t" then return "\\t" end
    if c == "\r" then return "\\r" end
    return string.format("\\x%02x", c:byte())
  end)
  return shorten(s, M.MAX_CELL)
end

local function looks_numeric(v)
  return type(v) == "number" or (type(v) == "string" and v:match("^%-?%d+%.?%d*$") ~= nil)
end

-- Right-align a column whose every non-NULL value is a number.
local function numeric_column(rows, name)
  local any = false
  for _, r in ipairs(rows) do
    local v = r[name]
    if v ~= nil then
      if not looks_numeric(v) then return false end
      any = true
    end
  end
  return any
end

local function pad(s, width, right)
  local fill = string.rep(" ", width - M.width(s))
  return right and fill .. s or s .. fill
end

local function center(s, width)
  local free = width - M.width(s)
  local left = math.floor(free / 2)
  return string.rep(" ", left) .. s .. string.rep(" ", free - left)
end

-- The lines of rows as psql prints them:
--    id | name
--   ----+------
--     1 | Ann
--   (1 row)
-- opts.footer = false leaves out the "(N rows)" line.
function M.rowset(rows, columns, opts)
  opts = opts or {}
  local widths, right, cells = {}, {}, {}
  for j, name in ipairs(columns) do
    widths[j] = M.width(name)
    right[j] = numeric_column(rows, name)
  end
  for i, r in ipairs(rows) do
    local line = {}
    for j, name in ipairs(columns) do
      line[j] = cell(r[name])
      if M.width(line[j]) > widths[j] then widths[j] = M.width(line[j]) end
    end
    cells[i] = line
  end
  local out, head, rule = {}, {}, {}
  for j, name in ipairs(columns) do
    head[j] = " " .. center(name, widths[j]) .. " "
    rule[j] = string.rep("-", widths[j] + 2)
  end
  out[1] = (table.concat(head, "|"):gsub("%s+$", ""))
  out[2] = table.concat(rule, "+")
  for _, line in ipairs(cells) do
    local parts = {}
    for j = 1, #columns do parts[j] = " " .. pad(line[j], widths[j], right[j]) .. " " end
    out[#out + 1] = (table.concat(parts, "|"):gsub("%s+$", ""))
  end
  if opts.footer ~= false then
    out[#out + 1] = string.format("(%d %s)", #rows, #rows == 1 and "row" or "rows")
  end
  return out
end

return M
