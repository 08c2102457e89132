-- Specs for migrate.target_mysql (MySQL/MariaDB as the target of a
-- PostgreSQL source) and the parts of migrate.plan that use it; also
-- plan's handling of ODBC sources: psqlODBC's date and time columns read
-- as text, and defaults translated again when a type rule changes a
-- column's type.  The landed marks run against the CTest fixture's
-- MariaDB (DSN migrate_mariadb, ODBCINI from CTest).
local my = require "migrate.target_mysql"
local plan = require "migrate.plan"
local m = require "migrate"

-- A PostgreSQL catalog entry (migrate.catalog's shape).
local function pg_entry(name, columns, pk, extra)
    local e = {schema = "public", name = name, kind = "table", rows = 10,
               qualified_name = "public." .. name, columns = {}, uniques = {}, indexes = {},
               foreign_keys = {}}
    for i, c in ipairs(columns) do
        e.columns[i] = {name = c[1], type = c[2], type_name = c[3] or c[2], not_null = c.not_null,
                        default = c.default, identity = c.identity, is_array = c.is_array,
                        position = i}
    end
    if pk then e.primary_key = {name = name .. "_pkey", columns = pk} end
    for k, v in pairs(extra or {}) do e[k] = v end
    return e
end

local function tasks_of(desc, entries, ctx)
    desc.source = desc.source or "postgresql:///a"
    desc.target = desc.target or "odbc:DSN=x"
    local r = m.recipe(desc)
    ctx = ctx or {source_type = "pg", target_type = "mysql", target_database = "shop"}
    return plan.tasks(r, entries, ctx)
end

describe("target_mysql names", function()
    it("quotes with backticks, doubling a backtick", function()
        eq(my.quote("plain"), "`plain`")
        eq(my.quote("we`ird"), "`we``ird`")
        eq(my.qualified("shop", "straße"), "`shop`.`straße`")
        eq(my.literal("it's a\\b"), "'it''s a\\b'")
    end)
end)

describe("target_mysql.type_of", function()
    local function t(pgtype, extra)
        local c = {type = pgtype}
        for k, v in pairs(extra or {}) do c[k] = v end
        return (my.type_of(c))
    end

    it("maps PostgreSQL types to MySQL's", function()
        eq({t("smallint"), t("integer"), t("bigint")}, {"SMALLINT", "INT", "BIGINT"})
        eq({t("numeric(12,2)"), t("real"), t("double precision"), t("boolean")},
           {"DECIMAL(12,2)", "FLOAT", "DOUBLE", "TINYINT(1)"})
        eq({t("text"), t("character varying(20)"), t("character varying(16383)"), t("character varying(16384)"),
            t("character varying"), t("character(3)")},
           {"LONGTEXT", "VARCHAR(20)", "VARCHAR(16383)", "LONGTEXT", "LONGTEXT", "CHAR(3)"})
        eq({t("bytea"), t("date"), t("time without time zone"), t("time(3) without time zone")},
           {"LONGBLOB", "DATE", "TIME(6)", "TIME(3)"})
        eq({t("timestamp without time zone"), t("timestamp(0) without time zone"), t("timestamp with time zone"),
            t("timestamp(3) with time zone")}, {"DATETIME(6)", "DATETIME(0)", "DATETIME(6)", "DATETIME(3)"})
        eq({t("uuid"), t("json"), t("jsonb")}, {"CHAR(36)", "JSON", "JSON"})
        eq({t("integer[]", {is_array = true}), t("interval"), t("inet"), t("time with time zone")},
           {"LONGTEXT", "LONGTEXT", "LONGTEXT", "LONGTEXT"})
    end)

    it("warns where MySQL cannot hold every value", function()
        local ty, why = my.type_of{type = "numeric"}
        eq(ty, "DECIMAL(65,30)")
        matches(why, "numeric without precision")
        ty, why = my.type_of{type = "numeric(70,2)"}
        eq(ty, "DECIMAL(65,30)")
        matches(why, "does not fit")
        eq(select(2, my.type_of{type = "numeric(65,30)"}), nil)
    end)
end)

describe("target_mysql.default_of", function()
    it("translates literals, booleans and now()", function()
        eq(my.default_of("0", "INT"), "'0'")
        eq(my.default_of("'-5'::integer", "INT"), "'-5'")
        eq(my.default_of("(-5)", "INT"), "'-5'")
        eq(my.default_of("'it''s'::character varying", "VARCHAR(20)"), "'it''s'")
        eq(my.default_of("'it''s'::text", "LONGTEXT"), "('it''s')")
        eq(my.default_of("true", "TINYINT(1)"), "'1'")
        eq(my.default_of("false", "TINYINT(1)"), "'0'")
        eq(my.default_of("now()", "DATETIME(6)"), "CURRENT_TIMESTAMP(6)")
        eq(my.default_of("CURRENT_TIMESTAMP", "DATETIME(0)"), "CURRENT_TIMESTAMP")
        eq(my.default_of("CURRENT_DATE", "DATE"), "(CURRENT_DATE)")
        eq(my.default_of("'2024-01-01'::date", "DATE"), "'2024-01-01'")
    end)

    it("leaves out what has no MySQL equivalent, saying why", function()
        local d, why = my.default_of("gen_random_uuid()", "CHAR(36)")
        eq(d, nil)
        matches(why, "has no MySQL equivalent")
        d, why = my.default_of("'abc'::text", "INT")
        eq(d, nil)
        matches(why, "is not a number")
        d, why = my.default_of("now()", "LONGTEXT")
        eq(d, nil)
        matches(why, "does not fit")
    end)
end)

describe("target_mysql plans", function()
    local entries = {
        pg_entry("items", {
            {"id", "integer", "int4", identity = "d", not_null = true},
            {"Code", "text", "text", not_null = true, default = "'x'::text"},
            {"price", "numeric(10,2)", "numeric", default = "0"},
            {"at", "timestamp with time zone", "timestamptz", default = "now()"},
            {"ok", "boolean", "bool"},
            {"data", "bytea", "bytea"},
            {"d", "date", "date"},
            {"note", "character varying(300)", "varchar"},
        }, {"id"}),
        pg_entry("tags", {{"name", "text", "text", not_null = true}, {"n", "integer", "int4"}}, {"name"}),
    }

    it("makes a CREATE TABLE in MySQL's dialect", function()
        local tasks = tasks_of({quote_names = true}, entries)
        eq(tasks[1].target_label, "shop.items")
        eq(plan.create_sql(tasks[1]), [[
CREATE TABLE `shop`.`items` (
  `id` INT NOT NULL AUTO_INCREMENT,
  `Code` LONGTEXT NOT NULL DEFAULT ('x'),
  `price` DECIMAL(10,2) DEFAULT '0',
  `at` DATETIME(6) DEFAULT CURRENT_TIMESTAMP(6),
  `ok` TINYINT(1),
  `data` LONGBLOB,
  `d` DATE,
  `note` VARCHAR(300),
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin]])
    end)

    it("makes a text key column a VARCHAR(255), with a note", function()
        local tasks = tasks_of({}, entries)
        matches(plan.create_sql(tasks[2]), "`name` VARCHAR%(255%) NOT NULL")
        matches(tasks[2].notes[1], "a text key column, made VARCHAR%(255%)")
    end)

    it("takes a type rule's `to` as the MySQL type", function()
        local tasks = tasks_of({type_rules = {{column = "items.note", to = "VARCHAR(100)"},
                                              {type = "text", to = "MEDIUMTEXT"}}}, entries)
        local ddl = plan.create_sql(tasks[1])
        matches(ddl, "`note` VARCHAR%(100%),")
        matches(ddl, "`Code` MEDIUMTEXT NOT NULL DEFAULT %('x'%)")
        -- the rule decided the key column's type: it is left alone
        matches(plan.create_sql(tasks[2]), "`name` MEDIUMTEXT NOT NULL")
    end)

    it("reads the source so MySQL gets what it parses, in key order", function()
        local sql = plan.source_copy_sql(tasks_of({}, entries)[1], '"id" >= 5')
        matches(sql, "^COPY %(SELECT \"id\", \"Code\", \"price\", CASE WHEN %(\"at\" AT TIME ZONE 'UTC'%) IS NULL")
        matches(sql, "to_char%(%(\"at\" AT TIME ZONE 'UTC'%), 'YYYY%-MM%-DD HH24:MI:SS.US'%)")
        matches(sql, "ELSE %('migrate:range:4:' || ")
        matches(sql, "FROM ONLY \"public\".\"items\" WHERE \"id\" >= 5 ORDER BY \"id\"%) TO STDOUT %(FORMAT text%)$")
        local kinds = {}
        for i, c in ipairs(plan.copied(tasks_of({}, entries)[1])) do kinds[i] = c.param_kind end
        eq(kinds, {"text", "text", "text", "text", "boolean", "binary", "text", "text"})
        eq(plan.row_key_sql(tasks_of({}, entries)[1], '"id" >= 5', 42),
           [[SELECT 'id' || ' = ' || coalesce("id"::text, 'NULL') AS k FROM ONLY "public"."items" WHERE "id" >= 5 ORDER BY "id" OFFSET 41 LIMIT 1]])
    end)

    it("names the column of a value out of MySQL's range", function()
        local i, v = my.range_error({msg = 'invalid input syntax for type integer: "migrate:range:4:infinity"'})
        eq({i, v}, {4, "infinity"})
        eq(my.range_error({msg = "something else"}), nil)
    end)

    it("writes INSERT, or INSERT ... ON DUPLICATE KEY UPDATE for upsert", function()
        local t = tasks_of({}, entries)[2]
        eq(my.insert_sql(t, plan.copied(t)), "INSERT INTO `shop`.`tags` (`name`, `n`) VALUES (?, ?)")
        t = tasks_of({policy = "upsert"}, entries)[2]
        eq(my.insert_sql(t, plan.copied(t)),
           "INSERT INTO `shop`.`tags` (`name`, `n`) VALUES (?, ?) ON DUPLICATE KEY UPDATE `n` = VALUES(`n`)")
        t = tasks_of({policy = "upsert", conflict = "skip"}, entries)[2]
        eq(my.insert_sql(t, plan.copied(t)),
           "INSERT INTO `shop`.`tags` (`name`, `n`) VALUES (?, ?) ON DUPLICATE KEY UPDATE `name` = `name`")
        t = tasks_of({policy = "upsert", conflict = "error"}, entries)[2]
        eq(my.insert_sql(t, plan.copied(t)), "INSERT INTO `shop`.`tags` (`name`, `n`) VALUES (?, ?)")
    end)

    it("puts tables in the target_schema's database, and refuses two tables landing on one", function()
        local two = {pg_entry("a", {{"id", "integer"}}, {"id"}),
                     pg_entry("a", {{"id", "integer"}}, {"id"}, {schema = "other"})}
        local ok, err = pcall(tasks_of, {}, two)
        falsy(ok)
        matches(tostring(err), "public.a and other.a both go to the MySQL table shop.a")
        local tasks = tasks_of({target_schema = "app_${schema}"}, two)
        eq({tasks[1].target.qualified, tasks[2].target.qualified}, {"`app_public`.`a`", "`app_other`.`a`"})
    end)

    it("builds indexes with prefixes for text, skips what MySQL cannot make", function()
        local e = pg_entry("docs", {{"id", "integer"}, {"body", "text"}, {"title", "character varying(50)"}}, {"id"})
        e.uniques = {{name = "docs_body_key", columns = {"body"}}}
        e.indexes = {{name = "docs_title", columns = {"title"}, method = "btree"},
                     {name = "docs_body", columns = {"body", "title"}, method = "btree"},
                     {name = "docs_lower", columns = {}, method = "btree", has_expressions = true},
                     {name = "docs_gin", columns = {"body"}, method = "gin"}}
        local t = tasks_of({}, {e})[1]
        local steps = plan.post_sql(t)
        eq(#steps, 2)
        eq(steps[1].sql, "CREATE INDEX `docs_title` ON `shop`.`docs` (`title`)")
        eq(steps[2].sql, "CREATE INDEX `docs_body` ON `shop`.`docs` (`body`(255), `title`)")
        eq(steps[1].exists.params, {"shop", "docs", "docs_title"})
        matches(table.concat(t.notes, "\n"), "unique docs_body_key skipped: column body is LONGTEXT")
        matches(table.concat(t.notes, "\n"), "index docs_lower skipped: MySQL has no expression index")
        matches(table.concat(t.notes, "\n"), "index docs_gin skipped: a gin index")
    end)
end)

describe("plan for ODBC sources", function()
    -- An ODBC catalog entry as migrate.catalog.load_odbc makes it.
    local function odbc_entry(columns)
        local e = pg_entry("ev", columns, {"id"}, {source_type = "odbc", source_quote = '"',
                                                   source_qualified = '"public"."ev"'})
        return e
    end

    it("reads psqlODBC's date and time columns as text, others as they are", function()
        local e = odbc_entry({{"id", "integer", "int4"}, {"d", "date", "date"}, {"ts", "timestamptz", "timestamptz"},
                              {"iv", "interval", "interval"}, {"t", "time", "time"}, {"tz", "timetz", "timetz"},
                              {"n", "text", "text"}})
        local ctx = {source_type = "odbc", target_type = "pg", source_dbms = "PostgreSQL"}
        local t = tasks_of({target = "postgresql:///b"}, {e}, ctx)[1]
        eq(plan.source_copy_sql(t),
           [[SELECT "id", "d"::text, "ts"::text, "iv"::text, "t"::text, "tz"::text, "n" FROM "public"."ev"]])
        ctx.source_dbms = "SQLite"
        t = tasks_of({target = "postgresql:///b"}, {e}, ctx)[1]
        eq(plan.source_copy_sql(t), [[SELECT "id", "d", "ts", "iv", "t", "tz", "n" FROM "public"."ev"]])
    end)

    it("translates the default again when a type rule changes the type", function()
        local e = odbc_entry({{"id", "integer", "INT"}, {"at", "timestamp", "DATETIME"}, {"flag", "boolean", "TINYINT"},
                              {"code", "varchar(5)", "VARCHAR"}, {"keep", "timestamp", "DATETIME"}})
        local function def(i, source_default, kind, default)
            e.columns[i].source_default, e.columns[i].default_kind, e.columns[i].default = source_default, kind, default
        end
        def(2, "current_timestamp()", "expression", "CURRENT_TIMESTAMP")
        def(3, "1", "literal", "'1'")
        def(4, "abc", "literal", "'abc'")
        def(5, "current_timestamp()", "expression", "CURRENT_TIMESTAMP")
        local ctx = {source_type = "odbc", target_type = "pg", source_dbms = "MariaDB"}
        local t = tasks_of({target = "postgresql:///b", type_rules = {
            {column = "ev.at", to = "date"},
            {column = "ev.flag", to = "smallint"},
            {column = "ev.code", to = "integer"},
            {column = "ev.keep", to = "date", drop_default = true},
        }}, {e}, ctx)[1]
        local defaults = {}
        for _, c in ipairs(t.columns) do defaults[c.target] = c.default or "-" end
        eq(defaults, {id = "-", at = "CURRENT_DATE", flag = "'1'", code = "-", keep = "-"})
        matches(plan.create_sql(t), '"at" date DEFAULT CURRENT_DATE')
    end)
end)

describe("target_mysql landed marks, in MariaDB", function()
    local odbc = require "migrate.odbc"
    local token = "spec-" .. assert(io.open("/proc/self/stat")):read("*n")

    local function conn()
        local c = {raw = odbc.connect("odbc:DSN=migrate_mariadb", "target")}
        function c.exec(_, sql) return c.raw:exec(sql) end
        function c.query(_, sql, ...) return c.raw:query(sql, ...) end
        return c
    end

    it("commit with the transaction they are in, and only then", function()
        local a, b = conn(), conn()
        my.landed.ensure(a)
        a:exec("DELETE FROM _migrate_landed WHERE token = '" .. token .. "'")
        a.raw:autocommit(false)
        my.landed.mark(a, token, "public.t", "chunk 1", 1234)
        eq(my.landed.done(a, token, "public.t", "chunk 1"), {rows = 1234})
        eq(my.landed.done(b, token, "public.t", "chunk 1"), nil) -- not committed yet
        a.raw:rollback()
        eq(my.landed.done(a, token, "public.t", "chunk 1"), nil)
        my.landed.mark(a, token, "public.t", "chunk 1", 1234)
        my.landed.mark(a, token, "public.t", "chunk 1", 1234) -- twice: one row
        my.landed.mark(a, token, "public.t", "created", nil)
        a.raw:commit()
        eq(my.landed.done(b, token, "public.t", "chunk 1"), {rows = 1234})
        eq(my.landed.done(b, token, "public.t", "created"), {})
        eq(b:query("SELECT COUNT(*) AS n FROM _migrate_landed WHERE token = ?", token)[1].n, 2)
        a:exec("DELETE FROM _migrate_landed WHERE token = '" .. token .. "'")
        a.raw:commit()
        a.raw:close()
        b.raw:close()
    end)
end)
