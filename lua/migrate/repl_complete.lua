-- migrate.repl_complete: Tab completion for `migrate repl`.  Pure: given
-- the text before the cursor and a context, the word to complete and its
-- candidates (tests/lua/repl_spec.lua).
--
--   local word, insert, candidates = complete.complete(before, {
--     env = _G,                          -- where Lua names are looked up
--     meta = {"\\d", "\\tables", ...},   -- meta-command names
--     connections = {"src", "dst"},      -- open connection names
--     tables = function(conn_name) return {"public.orders", ...} end,
--     default_connection = "src",
--   })
--
-- What is completed:
--   a meta-command name (`\ta`), a connection after `@` (`\tables @d`),
--   a table name in a meta-command's arguments (`\d ord`) or inside a
--   string (`src:query("SELECT * FROM ord`), of the connection named
--   before the `:` (else the default);
--   a Lua name: globals, `t.field`, `obj:method` (fields of tables and of
--   their metatables' __index tables, methods of userdata and strings),
--   and keywords.
local M = {}

local KEYWORDS = {
  "and", "break", "do", "else", "elseif", "end", "false", "for", "function",
  "if", "in", "local", "nil", "not", "or", "repeat", "return", "then", "true",
  "until", "while",
}

local function starts_with(s, prefix) return s:sub(1, #prefix) == prefix end

-- Sorted, unique, only those starting with prefix.
local function filter(list, prefix)
  local seen, out = {}, {}
  for _, s in ipairs(list) do
    if starts_with(s, prefix) and not seen[s] then
      seen[s] = true
      out[#out + 1] = s
    end
  end
  table.sort(out)
  return out
end

-- The longest common prefix of the candidates ("" for none).
function M.common_prefix(list)
  local p = list[1] or ""
  for i = 2, #list do
    local s, n = list[i], 0
    while n < #p and n < #s and p:byte(n + 1) == s:byte(n + 1) do n = n + 1 end
    p = p:sub(1, n)
  end
  return p
end

-- Is the end of `before` inside a '...' or "..." string?  (Long
-- brackets and comments are not followed: a guess is enough here.)
function M.in_string(before)
  local quote, i = nil, 1
  while i <= #before do
    local c = before:sub(i, i)
    if quote then
      if c == "\\" then i = i + 1 elseif c == quote then quote = nil end
    elseif c == "'" or c == '"' then
      quote = c
    end
    i = i + 1
  end
  return quote ~= nil
end

local function safe_index(v, k)
  local ok, x = pcall(function() return v[k] end)
  if ok then return x end
  return nil
end

-- The names reachable by indexing v: its own string keys, then those of
-- its metatables' __index tables (methods of userdata, classes).
local function fields_of(v, methods_only)
  local out, seen = {}, {}
  local function add_table(t)
    for k, x in pairs(t) do
      if type(k) == "string" and k:match("^[%a_][%w_]*$") and not seen[k]
         and (not methods_only or type(x) == "function"
              or (type(x) == "table" and getmetatable(x) and getmetatable(x).__call)) then
        seen[k] = true
        out[#out + 1] = k
      end
    end
  end
  local depth, cur = 0, v
  while cur ~= nil and depth < 8 do
    if type(cur) == "table" then add_table(cur) end
    local mt = (type(cur) == "string") and { __index = string } or debug.getmetatable(cur)
    local index = type(mt) == "table" and rawget(mt, "__index") or nil
    if type(index) ~= "table" then break end
    cur, depth = index, depth + 1
  end
  return out
end

-- Look up a dotted path ("a.b.c") from env; nil when any step is missing.
local function resolve(env, path)
  local v = env
  for part in path:gmatch("[^%.]+") do
    if not part:match("^[%a_][%w_]*$") then return nil end
    v = safe_index(v, part)
    if v == nil then return nil end
  end
  return v
end

local function lua_names(before, ctx)
  local word = before:match("[%a_][%w_%.:]*$") or ""
  if word == "" then return "", {} end
  local base, sep, partial = word:match("^(.-)([%.:])([%w_]*)$")
  if not base then
    local names = fields_of(ctx.env or _G)
    for _, k in ipairs(KEYWORDS) do names[#names + 1] = k end
    return word, filter(names, word)
  end
  if base == "" or base:find(":", 1, true) then return word, {} end
  local v = resolve(ctx.env or _G, base)
  if v == nil then return word, {} end
  local out = {}
  for _, k in ipairs(filter(fields_of(v, sep == ":"), partial)) do
    out[#out + 1] = base .. sep .. k
  end
  return word, out
end

local function table_names(ctx, conn, prefix)
  local ok, names = pcall(ctx.tables or function() return {} end, conn)
  if not ok or type(names) ~= "table" then return {} end
  return filter(names, prefix)
end

-- Completion inside a meta-command line: its name, @connection, tables.
local function meta_names(before, ctx)
  local word = before:match("%S*$")
  if not before:find("%s") then return word, filter(ctx.meta or {}, word) end
  if word:sub(1, 1) == "@" then
    local out = {}
    for _, c in ipairs(filter(ctx.connections or {}, word:sub(2))) do out[#out + 1] = "@" .. c end
    return word, out
  end
  local conn = before:match("%s@([%a_][%w_]*)%s") or ctx.default_connection
  return word, table_names(ctx, conn, word)
end

-- The word before the cursor, the text to put in its place (the common
-- prefix of the candidates) and the candidates.
function M.complete(before, ctx)
  local word, candidates
  if before:match("^%s*\\") then
    word, candidates = meta_names(before:match("^%s*(.*)$"), ctx)
  elseif M.in_string(before) then
    word = before:match("[%w_%.%$]*$")
    local conn = nil
    for name in before:gmatch("([%a_][%w_]*):[%a_][%w_]*%s*%(") do conn = name end
    candidates = table_names(ctx, conn or ctx.default_connection, word)
  else
    word, candidates = lua_names(before, ctx)
  end
  return word, M.common_prefix(candidates), candidates
end

return M
