-- Specs for migrate.odbc (runtime/lua/lua_odbc.c) against SQLite through
-- its real ODBC driver ("SQLite3" in odbcinst.ini), and for migrate.copy.run
-- with an ODBC source and a PostgreSQL target (the throwaway test cluster
-- CTest starts; PGHOST, PGPORT ... come from tests/CMakeLists.txt).
-- The database is made with the sqlite3 CLI in a temp file.
local odbc = require "migrate.odbc"
local pg = require "migrate.pg"
local copy = require "migrate.copy"

local SECRET = "Secret123"

local fixture = [[
CREATE TABLE parent (id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(50) NOT NULL);
CREATE TABLE items (
  id INTEGER NOT NULL PRIMARY KEY,
  parent_id INTEGER REFERENCES parent(id),
  qty BIGINT,
  price DOUBLE,
  flag BIT,
  label VARCHAR(200),
  tag BLOB);
CREATE INDEX items_label ON items(label);
INSERT INTO parent VALUES (1, 'one'), (2, 'two');
INSERT INTO items VALUES (1, 1, -10, 1.5, 1, 'plain', x'00ff10');
INSERT INTO items VALUES (2, NULL, NULL, NULL, NULL, NULL, NULL);
INSERT INTO items VALUES (3, 2, 9007199254740993, 0.1, 0,
  'tab' || char(9) || 'nl' || char(10) || 'bs\end', x'');
INSERT INTO items VALUES (4, 2, 0, -2.5e-300, 1, 'é漢字🙂 naïve', NULL);
WITH RECURSIVE n(i) AS (SELECT 5 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
  INSERT INTO items SELECT i, 1 + i % 2, i, i * 0.5, i % 2, 'row ' || i, NULL FROM n;
]]

local path = os.tmpname()

local function sh_quote(s)
    return "'" .. s:gsub("'", "'\\''") .. "'"
end

local function make_db()
    os.remove(path)
    local sql_path = path .. ".sql"
    local f = assert(io.open(sql_path, "w"))
    f:write(fixture)
    f:close()
    local status = os.execute("sqlite3 -bail " .. sh_quote(path) .. " < " .. sh_quote(sql_path))
    os.remove(sql_path)
    assert(status == 0 or status == true, "sqlite3 failed to create " .. path)
end
make_db()

local connstr = "odbc:Driver=SQLite3;Database=" .. path

-- Rows keyed by one column, for lookups that do not depend on order.
local function by(rows, key)
    local t = {}
    for _, r in ipairs(rows) do
        t[r[key]] = r
    end
    return t
end

local function count(rows, pred)
    local n = 0
    for _, r in ipairs(rows) do
        if pred(r) then
            n = n + 1
        end
    end
    return n
end

describe("odbc.connect", function()
    it("opens a connection string with the odbc: prefix and knows its side", function()
        local c = odbc.connect(connstr, "source")
        eq(c:side(), "source")
        eq(c:dbms(), "SQLite")
        truthy(c:driver():find("sqlite", 1, true), c:driver())
        eq(c:display(), "Driver=SQLite3;Database=" .. path)
        eq(tostring(c), "odbc.conn source (Driver=SQLite3;Database=" .. path .. ")")
        eq(odbc.kind, "odbc")
        c:close()
    end)

    it("also takes a plain ODBC connection string and the target side", function()
        local c = odbc.connect("Driver=SQLite3;Database=" .. path, "target")
        eq(c:side(), "target")
        c:close()
    end)

    it("rejects a side other than source or target", function()
        raises(function() odbc.connect(connstr, "state") end, "side must be 'source' or 'target'", true)
        raises(function() odbc.connect(connstr, "sideways") end, "side must be", true)
    end)

    it("raises an error object with side and SQLSTATE, masking the password", function()
        local err = raises(function()
            odbc.connect("odbc:Driver=NoSuchDriver;UID=me;PWD=" .. SECRET, "target")
        end)
        eq(type(err), "table")
        eq(err.code, "connect")
        eq(err.side, "target")
        matches(err.sqlstate, "^%w%w%w%w%w$")
        local text = tostring(err)
        falsy(text:find(SECRET, 1, true), text)
        contains(text, "[target] [" .. err.sqlstate .. "]")
        contains(text, "PWD=***")
        contains(text, "NoSuchDriver") -- the driver manager's own message
    end)

    it("scrubs the password from a driver's message wherever it stands", function()
        local err = raises(function()
            odbc.connect("Driver=SQLite3;PWD={" .. SECRET .. "};Database=/nonexistent/dir/x.db", "source")
        end)
        local text = tostring(err)
        falsy(text:find(SECRET, 1, true), text)
        contains(text, "[source] [")
        eq(#err.sqlstate, 5)
    end)
end)

describe("conn:query", function()
    local c
    before_each(function()
        c = c or odbc.connect(connstr, "source")
    end)

    it("returns rows keyed by column name, typed like migrate.pg's", function()
        local rows, columns = c:query("SELECT id, qty, price, flag, label FROM items WHERE id <= 4 ORDER BY id")
        eq(columns, {"id", "qty", "price", "flag", "label"})
        eq(#rows, 4)
        eq(rows[1], {id = 1, qty = -10, price = 1.5, flag = true, label = "plain"})
        eq(rows[2], {id = 2}) -- every other column NULL -> nil
        eq(rows[3].qty, "9007199254740993") -- no double holds it: text
        eq(rows[3].price, 0.1)
        eq(rows[3].flag, false)
        eq(rows[3].label, "tab\tnl\nbs\\end")
        eq(rows[4].price, -2.5e-300)
        eq(rows[4].label, "é漢字🙂 naïve")
    end)

    it("binds parameters as text, nil as NULL", function()
        local rows = c:query("SELECT id FROM items WHERE parent_id = ? AND qty < ? ORDER BY id", 2, 10)
        eq(rows, {{id = 4}, {id = 5}, {id = 7}, {id = 9}})
        rows = c:query("SELECT ? IS NULL AS n, ? AS s, ? AS b, ? AS big, ? AS f",
            nil, "it's", true, 123456789012345, 0.1)
        eq(rows[1].n, 1)
        eq(rows[1].s, "it's")
        eq(rows[1].b, "1")
        eq(rows[1].big, "123456789012345") -- whole, not 1.2345678901234e+14
        eq(rows[1].f, "0.1")
        eq(#c:query("SELECT id FROM items WHERE label = ?", "no such label"), 0)
    end)

    it("rejects parameters that are not nil, boolean, number or string", function()
        raises(function() c:query("SELECT ?", {}) end, "parameters must be", true)
    end)

    it("reports the row count of statements without a result set", function()
        local _, columns, tag = c:query("UPDATE parent SET name = name WHERE id > ?", 0)
        eq(columns, {})
        eq(tag, "ROWS 2")
        eq(c:exec("UPDATE parent SET name = 'uno' WHERE id = 1"), true)
        eq(c:query("SELECT name FROM parent WHERE id = 1")[1].name, "uno")
    end)

    it("raises an error object naming the side, the SQLSTATE and the message", function()
        local err = raises(function() c:query("SELECT * FROM no_such_table") end)
        eq(err.code, "query")
        eq(err.side, "source")
        eq(#err.sqlstate, 5)
        contains(tostring(err), "no such table: no_such_table")
        contains(tostring(err), "[source] [" .. err.sqlstate .. "]")
        err = raises(function() c:exec("INSERT INTO nowhere VALUES (1)") end)
        eq(err.code, "query")
        contains(err.msg, "no such table: nowhere")
    end)
end)

describe("conn:catalog", function()
    local c
    before_each(function()
        c = c or odbc.connect(connstr, "source")
    end)

    it("lists tables", function()
        local rows, columns = c:catalog("tables")
        eq(columns, {"schema_name", "table_name", "kind", "comment"})
        local t = by(rows, "table_name")
        truthy(t.items and t.parent, "items and parent listed")
        eq(t.items.kind, "table")
        eq(#c:catalog("tables", nil, "par%"), 1)
    end)

    it("lists the columns of a table in order, with types and nullability", function()
        local rows = c:catalog("columns", nil, "items")
        eq(#rows, 7)
        local names = {}
        for _, r in ipairs(rows) do
            names[r.position] = r.column_name
        end
        eq(names, {"id", "parent_id", "qty", "price", "flag", "label", "tag"})
        local col = by(rows, "column_name")
        eq(col.id.not_null, true)
        eq(col.qty.not_null, false)
        eq(col.label.type, "VARCHAR(200)")
        eq(col.label.column_size, 200)
        eq(col.price.sql_type, 8) -- SQL_DOUBLE
    end)

    it("lists primary keys, foreign keys and indexes", function()
        local pk = c:catalog("primary_keys", nil, "items")
        eq(#pk, 1)
        eq({pk[1].table_name, pk[1].column_name, pk[1].position}, {"items", "id", 1})
        eq(count(c:catalog("primary_keys"), function() return true end), 2) -- every table
        local fk = c:catalog("foreign_keys", nil, "items")
        eq(#fk, 1)
        eq({fk[1].column_name, fk[1].ref_table, fk[1].ref_column}, {"parent_id", "parent", "id"})
        local idx = c:catalog("indexes", nil, "items")
        eq(count(idx, function(r) return r.index_name == "items_label" and r.column_name == "label" end), 1)
    end)

    it("rejects an unknown kind", function()
        raises(function() c:catalog("sequences") end, "unknown catalog kind", true)
    end)
end)

describe("conn:close", function()
    it("is idempotent and leaves a closed connection that refuses work", function()
        local c = odbc.connect(connstr, "source")
        c:close()
        c:close()
        eq(tostring(c), "odbc.conn (closed)")
        raises(function() c:query("SELECT 1") end, "the connection is closed", true)
        raises(function() c:dbms() end, "the connection is closed", true)
    end)

    it("is also done by the garbage collector", function()
        for _ = 1, 20 do
            odbc.connect(connstr, "source")
        end
        collectgarbage()
        collectgarbage()
    end)
end)

describe("copy.run from an ODBC source", function()
    local src, dst
    before_each(function()
        src = src or odbc.connect(connstr, "source")
        if not dst then
            dst = pg.connect("", "target") -- PGHOST, PGPORT ... from CTest
            dst:exec([[CREATE TEMP TABLE items (id int8 PRIMARY KEY, parent_id int8,
                       qty numeric, price float8, flag bool, label text, tag bytea)]])
        end
        dst:exec("TRUNCATE items")
    end)

    local function run(extra)
        local opts = {source = src, source_sql = "SELECT * FROM items", target = dst,
                      target_sql = "COPY items FROM STDIN (FORMAT text)", format = "text"}
        for k, v in pairs(extra or {}) do
            opts[k] = v
        end
        if opts.format == false then
            opts.format = nil
        end
        return copy.run(opts)
    end

    it("moves every row and value into PostgreSQL", function()
        local stats = run()
        eq(stats.rows, 3000)
        local rows = dst:query([[SELECT id, parent_id, qty::text AS qty, price, flag, label,
                                        encode(tag, 'hex') AS tag FROM items WHERE id <= 4 ORDER BY id]])
        eq(rows[1], {id = 1, parent_id = 1, qty = "-10", price = 1.5, flag = true, label = "plain", tag = "00ff10"})
        eq(rows[2], {id = 2})
        eq(rows[3], {id = 3, parent_id = 2, qty = "9007199254740993", price = 0.1, flag = false,
                     label = "tab\tnl\nbs\\end", tag = ""})
        eq(rows[4], {id = 4, parent_id = 2, qty = "0", price = -2.5e-300, flag = true, label = "é漢字🙂 naïve"})
        eq(dst:query("SELECT sum(qty)::text AS s FROM items WHERE id >= 5")[1].s, "4501490")
    end)

    it("takes rows_per_fetch and defaults to format text", function()
        local stats = run{rows_per_fetch = 7, format = false}
        eq(stats.rows, 3000)
        eq(dst:query("SELECT count(*) AS n FROM items")[1].n, 3000)
    end)

    it("validates its options before copying", function()
        raises(function() run{format = "binary"} end, "an ODBC source gives format 'text'", true)
        raises(function() run{rows_per_fetch = -1} end, "option 'rows_per_fetch' must be a whole number", true)
        raises(function() run{rows_per_fetch = 1.5} end, "option 'rows_per_fetch' must be a whole number", true)
        raises(function() run{source_sql = false} end, "option 'source_sql' (a string) is required", true)
        raises(function() run{target = src} end, "source and target must be different connections", true)
        local closed = odbc.connect(connstr, "source")
        closed:close()
        raises(function() run{source = closed} end, "the connection is closed", true)
        eq(dst:query("SELECT count(*) AS n FROM items")[1].n, 0)
    end)

    it("raises the source's error, and the target takes nothing", function()
        local err = raises(function() run{source_sql = "SELECT * FROM no_such_table"} end)
        eq(err.side, "source")
        contains(err.msg, "no such table")
        err = raises(function() run{source_sql = "UPDATE items SET qty = qty WHERE 0"} end)
        eq(err.code, "usage")
        err = raises(function() run{source_sql = "SELECT id FROM items"} end)
        eq(err.side, "target")
        eq(dst:query("SELECT count(*) AS n FROM items")[1].n, 0)
    end)

    it("cleans up", function()
        src:close()
        dst:close()
        os.remove(path)
        falsy(io.open(path), "the SQLite file is gone")
    end)
end)
