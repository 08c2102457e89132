-- Specs for migrate.odbc_types: ODBC column descriptions (as
-- conn:catalog("columns") gives them) -> PostgreSQL types.
local types = require "migrate.odbc_types"
local SQL = types.SQL

local function col(type_name, sql_type, size)
    return {type = type_name, sql_type = sql_type, column_size = size}
end

describe("odbc_types.pg_type", function()
    it("maps SQLite's integers to bigint, whatever the declared name", function()
        eq(types.pg_type(col("INTEGER", SQL.INTEGER, 9), "SQLite"), "bigint")
        eq(types.pg_type(col("SMALLINT", SQL.SMALLINT, 5), "SQLite"), "bigint")
        eq(types.pg_type(col("INT", SQL.INTEGER, 9), "SQLite"), "bigint")
    end)

    it("maps other drivers' integers by size", function()
        eq(types.pg_type(col("int", SQL.INTEGER, 10), "MySQL"), "integer")
        eq(types.pg_type(col("smallint", SQL.SMALLINT, 5), "MySQL"), "smallint")
        eq(types.pg_type(col("tinyint", SQL.TINYINT, 3), "MySQL"), "smallint")
        eq(types.pg_type(col("bigint", SQL.BIGINT, 19), "MySQL"), "bigint")
    end)

    it("trusts the type name for NUMERIC and DECIMAL (SQLite reports them as double or varchar)", function()
        eq(types.pg_type(col("NUMERIC(10,2)", SQL.DOUBLE, 2), "SQLite"), "numeric")
        eq(types.pg_type(col("DECIMAL", SQL.VARCHAR, 0), "SQLite"), "numeric")
        eq(types.pg_type(col("REAL", SQL.DOUBLE, 53), "SQLite"), "double precision")
    end)

    it("keeps a declared, sane varchar size; else text", function()
        eq(types.pg_type(col("VARCHAR(40)", SQL.VARCHAR, 40), "MySQL"), "varchar(40)")
        eq(types.pg_type(col("CHAR(3)", SQL.CHAR, 3), "MySQL"), "varchar(3)")
        eq(types.pg_type(col("NVARCHAR(0)", SQL.WVARCHAR, 0), "X"), "text")
        eq(types.pg_type(col("VARCHAR(99999999)", SQL.VARCHAR, 99999999), "X"), "text")
        eq(types.pg_type(col("TEXT", SQL.LONGVARCHAR, 0), "SQLite"), "text")
    end)

    it("maps SQLite's VARCHAR(n) to text: SQLite does not enforce the length", function()
        eq(types.pg_type(col("VARCHAR(40)", SQL.VARCHAR, 40), "SQLite"), "text")
        eq(types.pg_type(col("CHAR(3)", SQL.VARCHAR, 3), "SQLite"), "text")
    end)

    it("maps binary, dates, times, booleans, and unknown names to text", function()
        eq(types.pg_type(col("BLOB", SQL.BINARY, 0), "SQLite"), "bytea")
        eq(types.pg_type(col("varbinary(16)", SQL.VARBINARY, 16), "X"), "bytea")
        eq(types.pg_type(col("DATE", SQL.TYPE_DATE, 0), "SQLite"), "date")
        eq(types.pg_type(col("TIME", SQL.TYPE_TIME, 0), "SQLite"), "time")
        eq(types.pg_type(col("DATETIME", SQL.TYPE_TIMESTAMP, 3), "SQLite"), "timestamp")
        eq(types.pg_type(col("BOOLEAN", SQL.BIT, 1), "SQLite"), "boolean")
        eq(types.pg_type(col("bit", SQL.BIT, 1), "X"), "boolean")
        eq(types.pg_type(col("WHATEVER", 9999, 0), "SQLite"), "text")
    end)

    it("can be changed: by name, or by a function of the column", function()
        local saved = types.by_name.MONEY
        types.by_name.MONEY = function(c) return "numeric(19," .. (c.decimal_digits or 4) .. ")" end
        eq(types.pg_type({type = "money", sql_type = SQL.DECIMAL, decimal_digits = 2}, "X"), "numeric(19,2)")
        types.by_name.MONEY = saved
    end)
end)

-- A MySQL/MariaDB catalog column, as migrate.catalog makes it from
-- information_schema's COLUMN_TYPE.
local function my(decl)
    local base, typmod, unsigned = types.parse_type(decl)
    return {base_type = base, typmod = typmod, unsigned = unsigned}
end

local function map(decl)
    local m = types.map(my(decl), "MariaDB")
    return m.transform and (m.type .. " + " .. m.transform) or m.type
end

describe("odbc_types.parse_type", function()
    it("splits a declared type into base, typmod, unsigned and labels", function()
        local b, t, u, e = types.parse_type("tinyint(1) unsigned zerofill")
        eq({b, t, u, e}, {"tinyint", {1}, true, nil})
        b, t, u = types.parse_type("DECIMAL(12,2)")
        eq({b, t, u}, {"decimal", {12, 2}, false})
        b, t, u = types.parse_type("double precision")
        eq({b, t, u}, {"double precision", nil, false})
        b, t = types.parse_type("VARCHAR(40)")
        eq({b, t}, {"varchar", {40}})
    end)

    it("reads enum and set labels with their case, quotes and commas", function()
        local b, t, u, e = types.parse_type("enum('Small','it''s','a,b','back\\\\slash')")
        eq({b, t, u}, {"enum", nil, false})
        eq(e, {"Small", "it's", "a,b", "back\\slash"})
        b, t, u, e = types.parse_type("set('red','green')")
        eq({b, e}, {"set", {"red", "green"}})
    end)
end)

describe("odbc_types.map (MySQL and MariaDB)", function()
    it("maps integers by size and sign", function()
        eq(map("tinyint(1)"), "boolean + int_to_boolean")
        eq(map("tinyint(4)"), "smallint")
        eq(map("tinyint(3) unsigned"), "smallint")
        eq(map("smallint(6)"), "smallint")
        eq(map("smallint(5) unsigned"), "integer")
        eq(map("mediumint(9)"), "integer")
        eq(map("mediumint(8) unsigned"), "integer")
        eq(map("int(11)"), "integer")
        eq(map("int(10) unsigned"), "bigint")
        eq(map("bigint(20)"), "bigint")
        eq(map("bigint(20) unsigned"), "numeric(20)")
        -- MySQL 8 writes no display width (but keeps tinyint(1))
        eq(map("int unsigned"), "bigint")
    end)

    it("maps bit, year, decimal and floats", function()
        eq(map("bit(1)"), "boolean + bit_to_boolean")
        eq(map("bit"), "boolean + bit_to_boolean")
        eq(map("bit(10)"), "bit(10) + bit_to_bitstring(10)")
        eq(map("year(4)"), "integer + year_to_integer")
        eq(map("decimal(12,2)"), "numeric(12,2)")
        eq(map("decimal(12,2) unsigned"), "numeric(12,2)")
        eq(map("float"), "real")
        eq(map("float(30)"), "double precision")
        eq(map("double"), "double precision")
    end)

    it("maps text and binary types", function()
        eq(map("char(3)"), "varchar(3)")
        eq(map("varchar(255)"), "varchar(255)")
        eq(map("char(0)"), "text")
        for _, t in ipairs {"tinytext", "text", "mediumtext", "longtext"} do eq(map(t), "text") end
        for _, t in ipairs {"binary(16)", "varbinary(10)", "tinyblob", "blob", "mediumblob", "longblob"} do
            eq(map(t), "bytea")
        end
    end)

    it("maps dates and times, zero dates to NULL", function()
        eq(map("date"), "date + zero_dates_to_null")
        eq(map("datetime"), "timestamp + zero_dates_to_null")
        eq(map("datetime(6)"), "timestamp(6) + zero_dates_to_null")
        eq(map("timestamp(3)"), "timestamp(3) + zero_dates_to_null")
        eq(map("time"), "time")
        eq(map("time(2)"), "time(2)")
    end)

    it("maps json, enum and set", function()
        eq(map("json"), "jsonb")
        eq(map("enum('a','b')"), "text")
        eq(map("set('a','b')"), "text[] + set_to_array")
    end)

    it("reads a raw SQLColumns row too (no base_type)", function()
        eq(types.map(col("int unsigned", SQL.INTEGER, 10), "MySQL"), {type = "bigint"})
    end)

    it("can be changed by base type", function()
        local saved = types.mysql.tinyint
        types.mysql.tinyint = "smallint"
        eq(map("tinyint(1)"), "smallint")
        types.mysql.tinyint = saved
    end)
end)

describe("odbc_types.map (SQL Server)", function()
    local function ms(name, size, digits, code)
        return types.map({type = name, sql_type = code or SQL.VARCHAR, column_size = size,
                          decimal_digits = digits}, "Microsoft SQL Server")
    end
    it("maps SQL Server's own types by name", function()
        eq(ms("bit", 1, 0, SQL.BIT).type, "boolean")
        eq(ms("datetime2", 27, 7, SQL.TYPE_TIMESTAMP).type, "timestamp")
        eq(ms("datetime2", 22, 2, SQL.TYPE_TIMESTAMP).type, "timestamp(2)")
        eq(ms("datetimeoffset", 34, 7).type, "timestamptz")
        eq(ms("datetime", 23, 3, SQL.TYPE_TIMESTAMP).type, "timestamp(3)")
        eq(ms("uniqueidentifier", 36, nil, SQL.GUID).type, "uuid")
        eq(ms("money", 19, 4, SQL.DECIMAL).type, "numeric(19,4)")
        eq(ms("nvarchar", 40, nil, SQL.WVARCHAR).type, "varchar(40)")
        eq(ms("nvarchar", 0, nil, SQL.WVARCHAR).type, "text")
        eq(ms("varbinary", 0, nil, SQL.VARBINARY).type, "bytea")
        eq(ms("image", 2147483647, nil, SQL.LONGVARBINARY).type, "bytea")
        eq(ms("timestamp", 8, nil, SQL.BINARY).type, "bytea")
        eq(ms("tinyint", 3, 0, SQL.TINYINT).type, "smallint")
    end)
end)

describe("odbc_types.parse_default", function()
    it("reads MariaDB's spelling: quoted strings, NULL, numbers, expressions", function()
        eq(types.parse_default(nil, "MariaDB"), nil)
        eq(types.parse_default("NULL", "MariaDB"), nil)
        eq(types.parse_default("'NULL'", "MariaDB"), {kind = "literal", value = "NULL"})
        eq(types.parse_default("'it''s a\\\\b'", "MariaDB"), {kind = "literal", value = "it's a\\b"})
        eq(types.parse_default("-5", "MariaDB"), {kind = "literal", value = "-5"})
        eq(types.parse_default("b'101'", "MariaDB"), {kind = "bits", value = "101"})
        eq(types.parse_default("current_timestamp()", "MariaDB"),
           {kind = "expression", text = "current_timestamp()"})
    end)

    it("reads MySQL's: strings unquoted, expressions marked in EXTRA", function()
        eq(types.parse_default("abc", "MySQL", ""), {kind = "literal", value = "abc"})
        eq(types.parse_default("0000-00-00 00:00:00", "MySQL", ""),
           {kind = "literal", value = "0000-00-00 00:00:00"})
        eq(types.parse_default("CURRENT_TIMESTAMP", "MySQL", "DEFAULT_GENERATED"),
           {kind = "expression", text = "CURRENT_TIMESTAMP"})
        eq(types.parse_default("(rand())", "MySQL", "DEFAULT_GENERATED"),
           {kind = "expression", text = "(rand())"})
    end)

    it("reads the SQLite driver's: quotes stripped, doubled quotes kept", function()
        eq(types.parse_default("it''s", "SQLite"), {kind = "literal", value = "it's"})
        eq(types.parse_default("", "SQLite"), {kind = "literal", value = ""})
        eq(types.parse_default("-1e3", "SQLite"), {kind = "literal", value = "-1e3"})
        eq(types.parse_default("NULL", "SQLite"), nil)
        eq(types.parse_default("CURRENT_TIMESTAMP", "SQLite"), {kind = "expression", text = "CURRENT_TIMESTAMP"})
        eq(types.parse_default("lower('A')", "SQLite"), {kind = "expression", text = "lower('A')"})
        eq(types.parse_default("X'00ff'", "SQLite"), {kind = "expression", text = "X'00ff'"})
    end)

    it("shows a literal without its quotes (pgloader's spelling)", function()
        eq(types.source_default(types.parse_default("'0000-00-00 00:00:00'", "MariaDB")),
           "0000-00-00 00:00:00")
        eq(types.source_default(types.parse_default("b'1'", "MariaDB")), "b'1'")
    end)
end)

describe("odbc_types.pg_default", function()
    local function d(text, target, dbms)
        return types.pg_default(types.parse_default(text, dbms or "MariaDB"), target)
    end
    it("writes literals untyped, as PostgreSQL reads them for the column's type", function()
        eq(d("-5", "smallint"), "'-5'")
        eq(d("+7", "bigint"), "'7'")
        eq(d("0.00", "numeric(12,2)"), "'0.00'")
        eq(d("-1e3", "double precision"), "'-1e3'")
        eq(d("2024", "integer"), "'2024'")
        eq(d("'abc'", "varchar(3)"), "'abc'")
        eq(d("'it''s'", "text"), "'it''s'")
        eq(d("'a\\\\b'", "text"), "E'a\\\\b'")
        eq(d("'2024-01-02'", "date"), "'2024-01-02'")
        eq(d("'medium'", "text"), "'medium'")
        eq(d("'{\"a\": 1}'", "jsonb"), "'{\"a\": 1}'")
    end)

    it("turns MySQL's booleans, bits and sets into PostgreSQL's", function()
        eq(d("1", "boolean"), "'1'")
        eq(d("0", "boolean"), "'0'")
        eq(d("'true'", "boolean"), "'true'")
        eq(d("b'1'", "boolean"), "'1'")
        eq(d("b'101'", "bit(10)"), "'0000000101'")
        eq(d("b'101'", "integer"), "'5'")
        eq(d("'red,blue'", "text[]"), "'{\"red\",\"blue\"}'")
        eq(d("''", "text[]"), "'{}'")
        eq(d("'ab'", "bytea"), "'\\x6162'")
    end)

    it("makes now() CURRENT_TIMESTAMP (CURRENT_DATE on a date)", function()
        eq(d("current_timestamp()", "timestamp"), "CURRENT_TIMESTAMP")
        eq(d("current_timestamp(6)", "timestamp(6)"), "CURRENT_TIMESTAMP")
        eq(d("now()", "timestamptz"), "CURRENT_TIMESTAMP")
        eq(d("CURRENT_TIMESTAMP", "timestamp", "MySQL"), "CURRENT_TIMESTAMP")
        eq(d("curdate()", "date"), "CURRENT_DATE")
        eq(d("CURRENT_TIMESTAMP", "timestamp", "SQLite"), "CURRENT_TIMESTAMP")
    end)

    it("drops zero dates and NULL without a reason", function()
        eq({d("'0000-00-00'", "date")}, {})
        eq({d("'0000-00-00 00:00:00'", "timestamp")}, {})
        eq({d("'2020-00-10'", "date")}, {})
        eq({d("0000-00-00 00:00:00", "timestamptz", "MySQL")}, {})
        eq({d("NULL", "integer")}, {})
    end)

    it("gives a reason for what it cannot carry", function()
        local expr, why = d("concat('a','b')", "varchar(10)")
        eq(expr, nil)
        contains(why, "concat('a','b')")
        expr, why = d("'abc'", "integer")
        eq(expr, nil)
        contains(why, "not a number")
        expr, why = d("'maybe'", "boolean")
        eq(expr, nil)
        contains(why, "not a boolean")
        expr, why = d("1.5", "integer")
        eq(expr, nil)
        contains(why, "not a number of type integer")
    end)

    it("translates a column's default again for another type (after a type rule)", function()
        local c = {source_default = "1", default_kind = "literal"}
        eq(types.column_default(c, "boolean"), "'1'")
        eq(types.column_default(c, "smallint"), "'1'")
        c = {source_default = "b'1'", default_kind = "bits"}
        eq(types.column_default(c, "smallint"), "'1'")
        c = {source_default = "it's", default_kind = "literal"}
        eq({types.column_default(c, "integer")}, {nil, "the default it's is not a number of type integer"})
        eq(types.column_default({}, "text"), nil)
    end)
end)
