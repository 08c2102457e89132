-- Specs for ODBC as a target: migrate.copy.run with an ODBC connection as
-- the target (runtime/conn/odbc_write.c through runtime/lua/lua_copy.c),
-- and the transaction methods of migrate.odbc connections.  The source is
-- the PostgreSQL test cluster (PGHOST, PGPORT ... from tests/CMakeLists.txt)
-- or MariaDB itself; the target the throwaway MariaDB of the CTest fixture
-- (DSN migrate_mariadb, ODBCINI from CTest).  Values are checked by
-- querying MariaDB.  Table names carry the pid: the plain and ASan runs
-- share the server.
local odbc = require "migrate.odbc"
local pg = require "migrate.pg"
local copy = require "migrate.copy"

local DSN = "odbc:DSN=migrate_mariadb"
local pid = assert(io.open("/proc/self/stat")):read("*n")
local T = "w_spec_" .. pid      -- PostgreSQL -> MariaDB
local T2 = "w_spec2_" .. pid    -- MariaDB -> MariaDB
local KINDS = {"text", "text", "text", "text", "boolean", "binary", "text"}
local COLUMNS = "id, name, amount, at, flag, data, note"

local src, my, my2

local function setup()
    if src then
        return
    end
    src = pg.connect("", "source")
    src:exec([[CREATE TEMP TABLE vals (id int PRIMARY KEY, name varchar(40),
                 amount numeric(12,2), at timestamp, flag boolean, data bytea, note text)]])
    src:exec([[INSERT INTO vals VALUES
        (1, 'plain', 12.50, '2024-01-02 03:04:05', true, '\x00ff00',
         E'tab\there\nnewline\\back\rcr'),
        (2, NULL, NULL, NULL, NULL, NULL, NULL),
        (3, '', 0, '1999-12-31 23:59:59', false, '\x', ''),
        (4, 'é漢字🙂', -99999.99, '2038-01-19 03:14:08', true, '\x5c0a09', 'naïve \N')]])
    src:exec([[CREATE TEMP TABLE big AS SELECT g AS id, 'name ' || g AS name,
                 (g * 1.25)::numeric(12,2) AS amount,
                 timestamp '2024-01-01' + g * interval '1 minute' AS at,
                 g % 2 = 0 AS flag, NULL::bytea AS data, NULL::text AS note
               FROM generate_series(1, 20000) g]])
    my = odbc.connect(DSN, "target")
    my2 = odbc.connect(DSN, "target") -- a second session, to see commits
    for _, t in ipairs{T, T2} do
        my:exec("DROP TABLE IF EXISTS " .. t)
        my:exec("CREATE TABLE " .. t .. [[ (id INT PRIMARY KEY, name VARCHAR(40),
                  amount DECIMAL(12,2), at DATETIME, flag TINYINT(1), data BLOB,
                  note TEXT) ENGINE=InnoDB]])
    end
    my:exec("SET SESSION group_concat_max_len = 16777216")
    my2:exec("SET SESSION group_concat_max_len = 16777216")
end

local function insert_sql(t)
    return "INSERT INTO " .. t .. " (" .. COLUMNS .. ") VALUES (?, ?, ?, ?, ?, ?, ?)"
end

local function run(extra)
    local opts = {source = src, source_sql = "COPY (SELECT " .. COLUMNS .. " FROM vals ORDER BY id) TO STDOUT",
                  target = my, target_sql = insert_sql(T), param_kinds = KINDS}
    for k, v in pairs(extra or {}) do
        opts[k] = v or nil -- false: leave the option out
    end
    return copy.run(opts)
end

local function count(conn, t)
    return conn:query("SELECT COUNT(*) AS n FROM " .. (t or T))[1].n
end

-- Count, sums and an MD5 over every name and time, in MariaDB.
local function summary(conn, t)
    local r = conn:query("SELECT COUNT(*) AS n, SUM(id) AS ids, SUM(amount) AS amounts, SUM(flag) AS flags, " ..
                         "MD5(GROUP_CONCAT(name, '|', at ORDER BY id SEPARATOR ',')) AS h FROM " .. (t or T))[1]
    return {n = r.n, ids = r.ids, amounts = tostring(r.amounts), flags = r.flags, h = r.h}
end

local VALUES_SELECT = "SELECT id, name, amount, at, flag, HEX(data) AS data, note FROM %s ORDER BY id"

local function check_values(t)
    local rows = my:query(VALUES_SELECT:format(t))
    eq(#rows, 4)
    eq(rows[1], {id = 1, name = "plain", amount = "12.50", at = "2024-01-02 03:04:05", flag = 1,
                 data = "00FF00", note = "tab\there\nnewline\\back\rcr"})
    eq(rows[2], {id = 2})
    eq(rows[3], {id = 3, name = "", amount = "0.00", at = "1999-12-31 23:59:59", flag = 0, data = "", note = ""})
    eq(rows[4], {id = 4, name = "é漢字🙂", amount = "-99999.99", at = "2038-01-19 03:14:08", flag = 1,
                 data = "5C0A09", note = "naïve \\N"})
end

describe("copy.run into an ODBC target", function()
    before_each(function()
        setup()
        my:exec("DELETE FROM " .. T)
    end)

    it("moves every value from PostgreSQL into MariaDB exactly", function()
        local stats = run()
        eq(stats.rows, 4)
        check_values(T)
    end)

    it("moves 20000 rows in batches, row for row", function()
        local stats = run{source_sql = "COPY (SELECT " .. COLUMNS .. " FROM big) TO STDOUT", batch_rows = 999}
        eq(stats.rows, 20000)
        local want = src:query([[SELECT count(*) AS n, sum(id) AS ids, sum(amount)::text AS amounts,
                                        sum(flag::int) AS flags,
                                        md5(string_agg(name || '|' || to_char(at, 'YYYY-MM-DD HH24:MI:SS'),
                                                       ',' ORDER BY id)) AS h FROM big]])[1]
        -- MariaDB sums are DECIMAL: text
        eq(summary(my), {n = 20000, ids = "200010000", amounts = "250012500.00", flags = "10000", h = want.h})
        eq(want.amounts, "250012500.00")
        eq(want.flags, 10000)
    end)

    it("moves rows from MariaDB to MariaDB (the ODBC reader into the ODBC writer)", function()
        run()
        my:exec("DELETE FROM " .. T2)
        local reader = odbc.connect(DSN, "source")
        local stats = copy.run{source = reader, source_sql = "SELECT " .. COLUMNS .. " FROM " .. T .. " ORDER BY id",
                               target = my, target_sql = insert_sql(T2), param_kinds = KINDS, batch_rows = 3}
        reader:close()
        eq(stats.rows, 4)
        check_values(T2)
    end)

    it("leaves the transaction to the caller: rollback drops the rows, commit shows them", function()
        my:autocommit(false)
        local stats = run{source_sql = "COPY (SELECT " .. COLUMNS .. " FROM big) TO STDOUT"}
        eq(stats.rows, 20000)
        eq(count(my), 20000)
        eq(count(my2), 0, "not committed: another session sees nothing")
        my:rollback()
        eq(count(my), 0)
        run{source_sql = "COPY (SELECT " .. COLUMNS .. " FROM big) TO STDOUT"}
        eq(count(my2), 0)
        my:commit()
        eq(count(my2), 20000, "committed: another session sees every row")
        my:autocommit(true)
        my:exec("DELETE FROM " .. T)
        eq(count(my2), 0, "autocommit is back on")
    end)

    it("names the failing row, the SQLSTATE and the side", function()
        local err = raises(function()
            run{source_sql = "COPY (SELECT " .. COLUMNS .. " FROM big WHERE id <= 10 " ..
                             "UNION ALL SELECT " .. COLUMNS .. " FROM big WHERE id = 3) TO STDOUT",
                batch_rows = 4}
        end)
        eq(err.side, "target")
        eq(err.sqlstate, "23000")
        contains(err.msg, "row 11:")
        contains(err.msg, "Duplicate entry '3'")
        err = raises(function()
            run{source_sql = "COPY (SELECT id, name, amount FROM big WHERE id < 3) TO STDOUT",
                target_sql = "INSERT INTO " .. T .. " (id, name) VALUES (?, ?)", param_kinds = false}
        end)
        eq(err.side, "target")
        contains(err.msg, "row 1 has 3 fields, the statement takes 2 parameters (column count mismatch)")
        err = raises(function() run{target_sql = "INSERT INTO no_such_table_w VALUES (?)"} end)
        eq(err.side, "target")
        contains(err.msg, "no_such_table_w")
    end)

    it("validates its options before copying", function()
        raises(function() run{format = "binary"} end, "an ODBC target takes format 'text'", true)
        raises(function() run{param_kinds = {"text", "blob"}} end,
               "param_kinds[2] must be 'text', 'binary' or 'boolean'", true)
        raises(function() run{param_kinds = "text"} end, "option 'param_kinds' must be a list", true)
        raises(function() run{batch_rows = -1} end, "option 'batch_rows' must be a whole number", true)
        raises(function() run{target = src, target_sql = "COPY vals FROM STDIN"} end,
               "source and target must be different connections", true)
        local pg2 = pg.connect("", "target")
        raises(function() run{target = pg2, target_sql = "COPY vals FROM STDIN", batch_rows = 10} end,
               "options 'batch_rows' and 'param_kinds' are for an ODBC target", true)
        pg2:close()
        raises(function() my:autocommit("no") end, "boolean expected", true)
        eq(count(my), 0)
    end)

    it("cleans up", function()
        my:exec("DROP TABLE " .. T)
        my:exec("DROP TABLE " .. T2)
        my:close()
        my2:close()
        src:close()
    end)
end)
