-- Specs for the C value transforms and the source encoding of the ODBC
-- copy reader as Lua sees them: migrate.odbc.transforms(),
-- migrate.odbc.transform_check() and copy.run's `transforms` and
-- `encoding` options, from SQLite (its real ODBC driver, a file made here
-- with the sqlite3 CLI) into the throwaway PostgreSQL CTest starts.
local odbc = require "migrate.odbc"
local pg = require "migrate.pg"
local copy = require "migrate.copy"

local fixture = [[
CREATE TABLE t (id INTEGER PRIMARY KEY, d DATE, flag TINYINT, tags VARCHAR(40),
                code CHAR(8), name VARCHAR(20));
INSERT INTO t VALUES (1, '0000-00-00', 1, 'a,b', 'ab   ', CAST(x'636166e9' AS TEXT));
INSERT INTO t VALUES (2, '2021-03-04', 0, '', '', 'plain');
INSERT INTO t VALUES (3, NULL, NULL, NULL, NULL, NULL);
]]

local path = os.tmpname()
local f = assert(io.open(path .. ".sql", "w"))
f:write(fixture)
f:close()
os.remove(path)
local status = os.execute("sqlite3 -bail '" .. path .. "' < '" .. path .. ".sql'")
os.remove(path .. ".sql")
assert(status == 0 or status == true, "sqlite3 failed")

local src = odbc.connect("odbc:Driver=SQLite3;Database=" .. path, "source")
local dst = pg.connect("", "target")
dst:exec([[CREATE TEMP TABLE t (id int PRIMARY KEY, d date, flag boolean, tags text[],
           code text, name text)]])

local function run(extra)
    dst:exec("TRUNCATE t")
    local opts = {source = src, source_sql = "SELECT * FROM t ORDER BY id", target = dst,
                  target_sql = "COPY t FROM STDIN (FORMAT text)"}
    for k, v in pairs(extra) do
        opts[k] = v
    end
    return copy.run(opts)
end

describe("odbc.transforms", function()
    it("lists the C transforms, sorted", function()
        eq(odbc.transforms(), {"binary_to_uuid", "bit_to_bitstring", "bit_to_boolean",
                               "empty_to_null", "hex_to_bytea", "int_to_boolean",
                               "set_to_array", "trim_right", "year_to_integer",
                               "zero_dates_to_null"})
    end)

    it("checks a spec with the reader's own parser", function()
        eq(odbc.transform_check("bit_to_bitstring(10)"), true)
        eq(odbc.transform_check("zero_dates_to_null"), true)
        local ok, msg = odbc.transform_check("zero_date_to_null")
        eq(ok, false)
        contains(msg, "unknown value transform 'zero_date_to_null' (known: binary_to_uuid, "
                      .. "bit_to_bitstring(N), bit_to_boolean")
        ok, msg = odbc.transform_check("bit_to_bitstring")
        eq(ok, false)
        contains(msg, "bit_to_bitstring needs a length")
        ok, msg = odbc.transform_check("trim_right(3)")
        eq(ok, false)
        contains(msg, "trim_right takes no argument")
    end)
end)

describe("copy.run with transforms and an encoding", function()
    it("runs the transforms by select column, holes and false allowed", function()
        local stats = run{transforms = {[2] = "zero_dates_to_null", [3] = "int_to_boolean",
                                        [4] = "set_to_array", [5] = "trim_right", [6] = false},
                          encoding = "latin1"}
        eq(stats.rows, 3)
        local rows = dst:query([[SELECT id, d::text AS d, flag, array_to_string(tags, '|') AS tags,
                                        cardinality(tags) AS n, code, name FROM t ORDER BY id]])
        eq(rows[1], {id = 1, flag = true, tags = "a|b", n = 2, code = "ab", name = "café"})
        eq(rows[2], {id = 2, d = "2021-03-04", flag = false, tags = "", n = 0, code = "",
                     name = "plain"})
        eq(rows[3], {id = 3})
    end)

    it("without the encoding, the latin1 byte reaches PostgreSQL and fails there", function()
        local err = raises(function()
            run{transforms = {[2] = "zero_dates_to_null", [3] = "int_to_boolean",
                              [4] = "set_to_array"}}
        end)
        eq(err.side, "target")
        contains(err.msg, "UTF8")
    end)

    it("names the column and row of a value a transform refuses", function()
        local err = raises(function() run{transforms = {[6] = "hex_to_bytea"}} end)
        eq(err.code, "copy")
        eq(err.side, "source")
        contains(err.msg, 'row 1, column "name" (6): hex_to_bytea cannot convert')
    end)

    it("refuses bad options before copying", function()
        raises(function() run{transforms = {[2] = "nope"}} end,
               "column 2: unknown value transform 'nope'", true)
        raises(function() run{transforms = {[9] = "trim_right"}} end,
               "a value transform (trim_right) for column 9, but the select has 6 columns", true)
        raises(function() run{transforms = {x = "trim_right"}} end,
               "option 'transforms' is indexed by select column", true)
        raises(function() run{transforms = {[1] = true}} end, "not true", true)
        raises(function() run{transforms = "trim_right"} end, "must be a table", true)
        raises(function() run{encoding = "no-such-charset"} end,
               "unknown source encoding 'no-such-charset'", true)
        local pg_src = pg.connect("", "source")
        raises(function()
            copy.run{source = pg_src, source_sql = "COPY (SELECT 1) TO STDOUT", target = dst,
                     target_sql = "COPY t (id) FROM STDIN", format = "text", encoding = "latin1"}
        end, "are for an ODBC source", true)
        raises(function()
            copy.run{source = pg_src, source_sql = "COPY (SELECT 1) TO STDOUT", target = dst,
                     target_sql = "COPY t (id) FROM STDIN", format = "text",
                     transforms = {"trim_right"}}
        end, "are for an ODBC source", true)
        pg_src:close()
        eq(dst:query("SELECT count(*) AS n FROM t")[1].n, 0)
    end)

    it("cleans up", function()
        src:close()
        dst:close()
        os.remove(path)
        falsy(io.open(path), "the SQLite file is gone")
    end)
end)
