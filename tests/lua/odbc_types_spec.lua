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
