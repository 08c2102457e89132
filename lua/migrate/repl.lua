-- migrate.repl: `migrate repl [CONNECTION ...]`, interactive Lua with the
-- source's connections open, to explore it before writing a recipe.
--
-- The first CONNECTION is the global `src`, the second `dst`, name=URL
-- the global `name`.  A line is Lua (an expression prints its value;
-- conn:query results print as tables) or a meta-command (\help lists
-- them: migrate.repl_meta).  On a terminal: libedit line editing
-- (migrate.edit), history in $XDG_STATE_HOME/migrate/history, Tab
-- completion (migrate.repl_complete), long output through a pager.
-- Otherwise lines are read from stdin and evaluated without prompts.
local core = require "migrate.core"
local fmt = require "migrate.repl_format"

local M = {}

M.PROMPT = "migrate> "
M.CONTINUE = "     ..> "
M.HISTORY_SIZE = 1000

-- libpq conninfo keywords: "dbname=shop host=db" is a connection, not a
-- name=URL pair naming a global "dbname".
local CONNINFO_KEYS = {
  dbname = true, host = true, hostaddr = true, port = true, user = true,
  password = true, service = true, sslmode = true, options = true,
  application_name = true, connect_timeout = true, passfile = true,
  target_session_attrs = true, sslrootcert = true, sslcert = true, sslkey = true,
}

---------------------------------------------------------------------------
-- Chunks

-- True when a compile error only says the chunk is unfinished (Lua's
-- "<eof>" message): the next line continues it.
function M.incomplete(msg)
  return type(msg) == "string" and msg:find("<eof>'?$") ~= nil
end

-- Compile a chunk as the standard REPL does: "=expr" and a bare
-- expression return their values ("return " .. chunk first), anything
-- else is statements.  Returns the function, or nil and "incomplete", or
-- nil and the error message.
function M.compile(chunk)
  local src = chunk:gsub("^%s*=", "return ", 1)
  local f, err = loadstring("return " .. src, "=stdin")
  if not f then f, err = loadstring(src, "=stdin") end
  if f then
    -- Typed code runs interpreted, functions it defines too: LuaJIT's
    -- compiled loops never call the hook through which Ctrl-C stops them.
    if jit then jit.off(f, true) end
    return f
  end
  if M.incomplete(err) then return nil, "incomplete" end
  return nil, err
end

-- Split the command-line arguments: positional connections (src, dst)
-- and name=URL pairs.  Returns a list of {name, target}.
function M.parse_args(args)
  local out, positional = {}, { "src", "dst" }
  local n = 0
  for _, a in ipairs(args) do
    local name, value = a:match("^([%a_][%w_]*)=(.+)$")
    if name and not CONNINFO_KEYS[name] then
      out[#out + 1] = { name = name, target = value }
    else
      n = n + 1
      if not positional[n] then
        error(core.error { code = "usage", msg = string.format(
          "a third connection needs a name: name=URL (got %s)", core.mask(a)) }, 0)
      end
      out[#out + 1] = { name = positional[n], target = a }
    end
  end
  return out
end

---------------------------------------------------------------------------
-- A session: its connections and what it knows of their catalogs

local Session = {}
Session.__index = Session

function M.session(options)
  return setmetatable({ options = options or {}, conns = {}, by_name = {}, catalogs = {},
                        env = _G, errors = 0 }, Session)
end

-- A profile name or a URL -> the URL (migrate.profile when it exists).
function Session:resolve(target)
  local ok, profile = pcall(require, "migrate.profile")
  if ok and type(profile) == "table" and type(profile.resolve) == "function" then
    return profile.resolve(target, self.options)
  end
  return target
end

-- No connection on the command line: the profile's source and target
-- (--profile, else the default one of migrate.yaml) as src and dst.
function Session:profile_connections()
  local ok, profile = pcall(require, "migrate.profile")
  if not ok or type(profile) ~= "table" or type(profile.load) ~= "function" then return {} end
  local p = profile.load(self.options)
  local out = {}
  if p and p.source then out[#out + 1] = { name = "src", target = p.source } end
  if p and p.target then out[#out + 1] = { name = "dst", target = p.target } end
  return out
end

-- Open a connection as a recipe would (migrate.work.connect) and make it
-- the global `name`.
function Session:open(name, target)
  local url = self:resolve(target)
  local side = name == "dst" and "target" or "source"
  local conn = require("migrate.work").connect({ url = url, params = {} }, "url", side)
  if self.by_name[name] then self:close(name) end
  local c = { name = name, conn = conn, url = url,
              kind = url:match("^odbc:") and "odbc" or "pg" }
  self.conns[#self.conns + 1] = c
  self.by_name[name] = c
  self.env[name] = conn
  return c
end

function Session:close(name)
  local c = self.by_name[name]
  if not c then return end
  pcall(c.conn.close, c.conn)
  self.by_name[name], self.catalogs[name] = nil, nil
  for i, x in ipairs(self.conns) do
    if x == c then table.remove(self.conns, i) break end
  end
end

function Session:close_all()
  while self.conns[1] do self:close(self.conns[1].name) end
end

-- The connection a meta-command means: @name, else src, else the first.
function Session:connection(name)
  if name then
    local c = self.by_name[name]
    if not c then
      error(core.error { code = "usage", msg = "no connection named " .. name ..
        " (\\conn lists them)" }, 0)
    end
    return c
  end
  local c = self.by_name.src or self.conns[1]
  if not c then
    error(core.error { code = "usage",
      msg = "no connection open: give one to migrate repl (or open(name, url))" }, 0)
  end
  return c
end

-- The catalog entries (migrate.catalog) of a connection, read once.
function Session:catalog(c)
  local entries = self.catalogs[c.name]
  if entries then return entries end
  local catalog = require "migrate.catalog"
  if c.kind == "odbc" then
    entries = catalog.load_odbc(c.conn, {})
  else
    entries = catalog.load(c.conn)
  end
  self.catalogs[c.name] = entries
  return entries
end

-- Table names for completion: "schema.name", and "name" alone in the
-- default schema (public, main) or when the name is in one schema only.
function Session:table_names(conn_name)
  local c = conn_name and self.by_name[conn_name] or (not conn_name and self:connection())
  if not c then return {} end
  local entries = self:catalog(c)
  local count, out = {}, {}
  for _, e in ipairs(entries) do count[e.name] = (count[e.name] or 0) + 1 end
  for _, e in ipairs(entries) do
    out[#out + 1] = e.schema .. "." .. e.name
    if count[e.name] == 1 then out[#out + 1] = e.name end
  end
  return out
end

---------------------------------------------------------------------------
-- Output

-- Write lines to stdout, through a pager ($PAGER, else less -FRX) when
-- stdout is a terminal too short for them.
function M.emit(lines)
  local rows = core.isatty(1) and core.isatty(0) and select(1, require("migrate.edit").term_size())
  local text = table.concat(lines, "\n") .. "\n"
  if rows and #lines >= rows - 1 then
    local pager = os.getenv("PAGER")
    if not pager or pager == "" then pager = "less -FRX" end
    local p = io.popen(pager, "w")
    if p then
      p:write(text)
      p:close()
      return
    end
  end
  io.stdout:write(text)
  io.stdout:flush()
end

-- The values a chunk returned, as lines.
function M.result_lines(res)
  if res.n == 0 then return {} end
  if res.n >= 2 and fmt.is_rowset(res[1], res[2]) then
    if #res[2] == 0 then return { res[3] and tostring(res[3]) or "(no columns)" } end
    return fmt.rowset(res[1], res[2])
  end
  local parts = {}
  for i = 1, res.n do parts[i] = fmt.value(res[i]) end
  local out = {}
  for line in (table.concat(parts, "\t") .. "\n"):gmatch("(.-)\n") do out[#out + 1] = line end
  return out
end

-- An error as the CLI shows it: migrate's error objects give side,
-- SQLSTATE and message; Lua errors their position and message.
function M.error_text(err)
  if type(err) == "table" and err.code == "internal" and err.msg then return err.msg end
  return tostring(err)
end

-- Print an error; after Ctrl-C the terminal's echoed ^C ends no line.
local function print_error(err)
  io.stdout:flush()
  local cancelled = type(err) == "table" and (err.sqlstate == "57014" or err.code == "interrupted")
  if cancelled and core.isatty(2) then io.stderr:write("\n") end
  io.stderr:write("error: ", M.error_text(err), "\n")
end

---------------------------------------------------------------------------
-- Evaluation

local function pack(...) return { n = select("#", ...), ... } end

local function handler(err)
  if type(err) == "table" then return err end
  return tostring(err)
end

-- Run one complete chunk; print its values or its error.
function Session:run_chunk(f)
  local res = pack(xpcall(f, handler))
  core.clear_interrupt()
  if not res[1] then
    self.errors = self.errors + 1
    print_error(res[2])
    return
  end
  local values = { n = res.n - 1 }
  for i = 2, res.n do values[i - 1] = res[i] end
  local lines = M.result_lines(values)
  if #lines > 0 then M.emit(lines) end
end

-- Feed one line; returns the pending text (an unfinished chunk) and
-- true when the session should end (\q).
function Session:feed(pending, line)
  if pending == nil and line:match("^%s*\\") then
    local ok, quit = xpcall(function()
      return require("migrate.repl_meta").run(self, line)
    end, handler)
    core.clear_interrupt()
    if not ok then
      self.errors = self.errors + 1
      print_error(quit)
    end
    return nil, ok and quit == "quit"
  end
  local chunk = pending and (pending .. "\n" .. line) or line
  if chunk:match("^%s*$") then return nil end
  local f, err = M.compile(chunk)
  if err == "incomplete" then return chunk end
  if not f then
    self.errors = self.errors + 1
    io.stderr:write("error: ", err, "\n")
    return nil
  end
  self:run_chunk(f)
  return nil
end

---------------------------------------------------------------------------
-- History

function M.history_path()
  local state = os.getenv("XDG_STATE_HOME")
  if state and state ~= "" then return state .. "/migrate/history" end
  local home = os.getenv("HOME")
  if home and home ~= "" then return home .. "/.local/state/migrate/history" end
  return nil
end

-- Load the history file into the editor; returns a function that appends
-- a line to it (nil when there is no usable file: a warning says why).
local function open_history(e)
  local path = M.history_path()
  if not path then return nil end
  local edit = require "migrate.edit"
  local ok, err = core.mkdir_p((path:gsub("/[^/]*$", "")))
  if ok then ok, err = edit.private_file(path) end
  if not ok then
    core.log("warn", "repl", "no history: " .. tostring(err))
    return nil
  end
  local lines = {}
  for line in io.lines(path) do lines[#lines + 1] = line end
  local first = math.max(1, #lines - M.HISTORY_SIZE + 1)
  if #lines > 2 * M.HISTORY_SIZE then
    -- keep the file from growing without end: its last HISTORY_SIZE lines
    local f = io.open(path, "w")
    if f then
      f:write(table.concat(lines, "\n", first), "\n")
      f:close()
    end
  end
  for i = first, #lines do e:add_history(lines[i]) end
  local last = lines[#lines]
  return function(line)
    if line:match("^%s*$") or line == last then return end
    last = line
    e:add_history(line)
    local f = io.open(path, "a")
    if f then
      f:write(line, "\n")
      f:close()
    end
  end
end

---------------------------------------------------------------------------
-- The loops

local function banner(s)
  local lines = { string.format("migrate repl (%s). \\help for help, Ctrl-D to leave.", jit.version) }
  for _, c in ipairs(s.conns) do
    lines[#lines + 1] = string.format("  %s: %s", c.name, c.conn:display())
  end
  io.stdout:write(table.concat(lines, "\n"), "\n")
end

function Session:completer()
  local complete = require "migrate.repl_complete"
  local meta = require("migrate.repl_meta").names()
  return function(before)
    local names = {}
    for _, c in ipairs(self.conns) do names[#names + 1] = c.name end
    return complete.complete(before, {
      env = self.env, meta = meta, connections = names,
      default_connection = (self.by_name.src or self.conns[1] or {}).name,
      tables = function(name) return self:table_names(name) end,
    })
  end
end

function Session:interactive()
  local e = require("migrate.edit").open()
  e:complete_with(self:completer())
  local remember = open_history(e) or function(line) e:add_history(line) end
  banner(self)
  local pending
  -- One line: true when the session ends.  Protected as a whole, so a
  -- Ctrl-C landing between two statements cannot end the session.
  local function step()
    local line = e:read(pending and M.CONTINUE or M.PROMPT)
    if line == nil then
      io.stdout:write("\n")
      return true
    end
    if line == false then
      pending = nil -- Ctrl-C: the line (and an unfinished chunk) is dropped
      return false
    end
    remember(line)
    local quit
    pending, quit = self:feed(pending, line)
    return quit
  end
  while true do
    local ok, done = xpcall(step, handler)
    core.clear_interrupt()
    if ok and done then break end
    if not ok then
      pending = nil
      print_error(done)
    end
  end
  e:close()
end

function Session:piped()
  local pending
  for line in io.stdin:lines() do
    local quit
    pending, quit = self:feed(pending, line)
    if quit then break end
  end
  if pending then
    self.errors = self.errors + 1
    io.stderr:write("error: the input ended inside an unfinished chunk\n")
  end
end

-- `migrate repl`: returns the exit code (0; 1 when input that was not a
-- terminal had errors).
function M.main(args, options)
  local s = M.session(options)
  s.env.m = s.env.m or require "migrate"
  s.env.open = function(name, url) return s:open(name, url).conn end
  local given = M.parse_args(args)
  if #given == 0 then given = s:profile_connections() end
  for _, a in ipairs(given) do s:open(a.name, a.target) end
  local tty = core.isatty(0) and core.isatty(1)
  local ok, err = pcall(function()
    if tty then s:interactive() else s:piped() end
  end)
  s:close_all()
  if not ok then error(err, 0) end
  if not tty and s.errors > 0 then return core.exit.tasks_failed end
  return core.exit.ok
end

M.Session = Session
return M
