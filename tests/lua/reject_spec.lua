-- Specs for copy.run's `rejects` option (runtime/lua/lua_copy.c over
-- runtime/copy/reject.c): a PostgreSQL -> PostgreSQL text copy whose bad
-- rows go to a data file and a log instead of failing the copy.  Both
-- sides are the test cluster (PGHOST, PGPORT ... from tests/CMakeLists.txt)
-- with temporary tables; the files go under MG_TEST_TMP with the pid in
-- their names (the plain and ASan runs share the directory).
local pg = require "migrate.pg"
local odbc = require "migrate.odbc"
local copy = require "migrate.copy"

local pid = assert(io.open("/proc/self/stat")):read("*n")
local dir = (os.getenv("MG_TEST_TMP") or "/tmp")
os.execute("mkdir -p '" .. dir .. "'")
local n_files = 0

-- A fresh pair of reject file paths.
local function paths()
    n_files = n_files + 1
    local base = ("%s/reject_spec_%d_%d"):format(dir, pid, n_files)
    os.remove(base .. ".dat")
    os.remove(base .. ".log")
    return base .. ".dat", base .. ".log"
end

local function slurp(path)
    local f = io.open(path, "rb")
    if not f then return nil end
    local s = f:read("*a")
    f:close()
    return s
end

-- Rows 1..1000; every 200th has a quantity that is not a number, row 7 a
-- note with a tab, a newline and a backslash.
local function bad(id) return id % 200 == 0 end
local function row_text(id)
    local qty = bad(id) and ("x" .. id) or tostring(id)
    local note = id == 7 and "a\\tb\\nc\\\\d" or ("note " .. id)
    return ("%d\t%s\t%s\n"):format(id, qty, note)
end

local src, dst
local function setup()
    if src then return end
    src = pg.connect("", "source")
    dst = pg.connect("", "target")
    src:exec([[CREATE TEMP TABLE rs AS SELECT g AS id,
                 CASE WHEN g % 200 = 0 THEN 'x' || g ELSE g::text END AS qty,
                 CASE WHEN g = 7 THEN E'a\tb\nc\\d' ELSE 'note ' || g END AS note
               FROM generate_series(1, 1000) g]])
    dst:exec([[CREATE TEMP TABLE rt (id int PRIMARY KEY,
                 qty int NOT NULL CHECK (qty >= 0), note text)]])
end

local function run(extra)
    local opts = {source = src, source_sql = "COPY rs TO STDOUT", target = dst,
                  target_sql = "COPY rt (id, qty, note) FROM STDIN (FORMAT text)",
                  format = "text"}
    for k, v in pairs(extra or {}) do
        opts[k] = v
    end
    return copy.run(opts)
end

-- Run in a transaction of its own: COMMIT on success, else ROLLBACK and
-- raise the error again.
local function in_tx(extra)
    dst:exec("BEGIN")
    local ok, stats = pcall(run, extra)
    dst:exec(ok and "COMMIT" or "ROLLBACK")
    if not ok then error(stats, 0) end
    return stats
end

describe("copy.run with rejects", function()
    before_each(function()
        setup()
        dst:exec("TRUNCATE rt")
    end)

    it("loads the good rows and writes the bad ones with their reasons", function()
        local data, log = paths()
        local stats = in_tx{rejects = {data = data, log = log, batch_rows = 64}}
        eq(stats.rows, 995)
        eq(stats.rejected, 5)
        local r = dst:query("SELECT count(*) AS n, sum(id) AS s FROM rt")[1]
        eq(r, {n = 995, s = 500500 - (200 + 400 + 600 + 800 + 1000)})
        eq(dst:query("SELECT note = E'a\\tb\\nc\\\\d' AS same FROM rt WHERE id = 7")[1].same, true)
        local want = {}
        for id = 200, 1000, 200 do want[#want + 1] = row_text(id) end
        eq(slurp(data), table.concat(want))
        local entries = {}
        for line in slurp(log):gmatch("[^\n]+") do
            if not line:match("^#") then entries[#entries + 1] = line end
        end
        eq(#entries, 5)
        eq(entries[1], 'row 200 [22P02] column "qty": invalid input syntax for type integer: "x200"')
        matches(entries[5], '^row 1000 %[22P02%] column "qty": ')
    end)

    it("appends on a rerun", function()
        local data, log = paths()
        in_tx{rejects = {data = data, log = log}}
        dst:exec("TRUNCATE rt")
        local stats = in_tx{rejects = {data = data, log = log}}
        eq(stats.rejected, 5)
        local _, rows = slurp(data):gsub("\n", "")
        eq(rows, 10)
        local _, headers = slurp(log):gsub("# [^\n]* rows rejected by: COPY rt", "")
        eq(headers, 2)
    end)

    it("creates no file when no row is bad", function()
        local data, log = paths()
        local stats = in_tx{source_sql = "COPY (SELECT * FROM rs WHERE id % 200 <> 0) TO STDOUT",
                            rejects = {data = data, log = log}}
        eq({stats.rows, stats.rejected}, {995, 0})
        eq(slurp(data), nil)
        eq(slurp(log), nil)
    end)

    it("fails past max, saying how many and where", function()
        local data, log = paths()
        raises(function() in_tx{rejects = {data = data, log = log, max = 4}} end,
               "5 rows rejected, more than max_rejects (4); the rows are in " .. data, true)
        eq(dst:query("SELECT count(*) AS n FROM rt")[1].n, 0)
        local stats = in_tx{rejects = {data = data, log = log, max = 5}}
        eq(stats.rejected, 5)
    end)

    it("fails without a transaction, and on an error not about a row", function()
        local data, log = paths()
        raises(function() run{rejects = {data = data, log = log}} end,
               "the target must be in a transaction", true)
        raises(function()
            in_tx{target_sql = "COPY no_such_table FROM STDIN", rejects = {data = data, log = log}}
        end, 'relation "no_such_table" does not exist', true)
        eq(slurp(data), nil)
    end)

    it("reports rejected = 0 without the option", function()
        local stats = in_tx{source_sql = "COPY (SELECT * FROM rs WHERE id % 200 <> 0) TO STDOUT"}
        eq({stats.rows, stats.rejected}, {995, 0})
    end)

    it("validates the option", function()
        local data, log = paths()
        raises(function() run{format = "binary", source_sql = "COPY rs TO STDOUT (FORMAT binary)",
                              target_sql = "COPY rt FROM STDIN (FORMAT binary)",
                              rejects = {data = data, log = log}} end,
               "option 'rejects' needs a PostgreSQL target and format 'text'", true)
        raises(function() run{rejects = {data = data}} end,
               "rejects.data and rejects.log (file paths) are required", true)
        raises(function() run{rejects = "yes"} end, "option 'rejects' must be a table", true)
        raises(function() run{rejects = {data = data, log = log, max = -1}} end,
               "rejects.max must be a whole number >= 0", true)
        raises(function() run{rejects = {data = data, log = log, batch_rows = 1.5}} end,
               "rejects.batch_rows must be a whole number >= 0", true)
        local my = odbc.connect("odbc:DSN=migrate_mariadb", "target")
        raises(function() run{target = my, target_sql = "INSERT INTO x VALUES (?, ?, ?)",
                              rejects = {data = data, log = log}} end,
               "(the target is an ODBC connection)", true)
        my:close()
        eq(slurp(data), nil)
    end)

    it("leaves no file behind", function()
        for i = 1, n_files do
            local base = ("%s/reject_spec_%d_%d"):format(dir, pid, i)
            os.remove(base .. ".dat")
            os.remove(base .. ".log")
        end
        eq(slurp(("%s/reject_spec_%d_1.dat"):format(dir, pid)), nil)
    end)
end)
