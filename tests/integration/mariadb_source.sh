#!/usr/bin/env bash
# mariadb_source.sh - a MariaDB source (the CTest fixture's server, DSN
# migrate_mariadb) read through the MariaDB ODBC driver into PostgreSQL:
# a database full of MySQL edge cases (zero dates, unsigned ints up to
# their max, enum and set, bit(1) and bit(10), year, binary(16) uuids, a
# latin1 table, camelCase and non-ASCII names, auto_increment, composite
# keys, foreign keys, defaults, a row of NULLs, 4-byte UTF-8, tabs,
# newlines and backslashes) and a 50,000-row table loaded in key-range
# chunks by two workers.  Checks the types made, every edge value, keys,
# indexes, foreign keys, defaults and the identity reset; then a run
# killed with kill -9 in the middle of the big table is resumed: exact
# rows, none twice.
source "$(dirname "$0")/lib/common.sh"
it_init mariadb_source

need_mariadb
it_mariadb_db MDB src
# one value (or tab-separated row) from the source
msql() { mdb -N -B -r "$MDB" -e "$1" || fail "MariaDB: $1"; }

it_createdb DST dst
it_createdb DST2 kill
it_createdb DST3 recipe

section "source"
mdb <<SQL || fail "could not build the MariaDB source $MDB"
USE \`$MDB\`;
SET sql_mode = '';
CREATE TABLE edge (
  id int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
  flag tinyint(1) NOT NULL DEFAULT 1,
  ti tinyint DEFAULT -5,
  uti tinyint unsigned, usi smallint unsigned, umi mediumint unsigned,
  ui int unsigned, ubi bigint unsigned, bi bigint,
  b1 bit(1) DEFAULT b'1', b10 bit(10) DEFAULT b'101',
  y year DEFAULT 2024,
  amount decimal(12,2) DEFAULT '0.00', f float, dbl double,
  code char(3) DEFAULT 'abc', label varchar(20) DEFAULT 'it''s',
  body text, big longtext,
  uid binary(16), raw varbinary(10), bl blob,
  d date DEFAULT '0000-00-00', dt datetime DEFAULT CURRENT_TIMESTAMP, dt6 datetime(6),
  ts timestamp NULL DEFAULT NULL, tm time,
  doc json, size enum('small','medium','large') DEFAULT 'medium',
  colors set('red','green','blue'),
  weird varchar(10) DEFAULT (concat('a','b')),
  dur time, created datetime NOT NULL DEFAULT '0000-00-00 00:00:00'
);
INSERT INTO edge VALUES
 (1, 1, 127, 255, 65535, 16777215, 4294967295, 18446744073709551615, -9223372036854775808,
  b'1', b'1010000001', 2155, 1234567890.12, 1.5, -2.5e-300, 'x', 'ok',
  CONCAT('tab', CHAR(9), 'nl', CHAR(10), 'cr', CHAR(13), 'q''"', CHAR(92), 'b 漢字🙂'),
  REPEAT('0123456789', 20000),
  UNHEX('6CCD780CBABA102695645B8C656024DB'), 0x00FF105C0A, '',
  '2024-02-29', '2024-01-02 03:04:05', '2024-01-02 03:04:05.123456', '2024-01-02 03:04:05', '12:34:56',
  '{"a": [1, 2, {"b": null}]}', 'large', 'red,blue', 'w', '838:59:59', '2024-05-06 07:08:09'),
 (2, 0, -128, 0, 0, 0, 0, 0, 9223372036854775807,
  b'0', b'0', 1901, -0.05, 0, 0, '', '',
  '', '', UNHEX('00000000000000000000000000000000'), '', 0x00,
  '0000-00-00', '0000-00-00 00:00:00', '0000-00-00 00:00:00.000000', '0000-00-00 00:00:00', '00:00:00',
  '[]', 'small', '', '', '-01:30:00', '0000-00-00 00:00:00'),
 (3, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, '0000-00-00 00:00:00');
CREATE TABLE \`camelCase\` (\`userId\` int NOT NULL PRIMARY KEY, \`naïveName\` varchar(10), \`größe\` int);
INSERT INTO \`camelCase\` VALUES (1, 'Zoë', 180), (2, NULL, NULL);
CREATE TABLE \`straße\` (id int PRIMARY KEY, \`Ort\` varchar(20));
INSERT INTO \`straße\` VALUES (7, 'Köln');
CREATE TABLE latin (id int PRIMARY KEY, name varchar(30)) CHARACTER SET latin1;
INSERT INTO latin VALUES (1, 'Ærøskøbing café'), (2, 'naïve ½ ©');
CREATE TABLE counter (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, name varchar(10) NOT NULL);
INSERT INTO counter VALUES (1, 'a'), (2, 'b'), (41, 'c');
CREATE TABLE parent (a int NOT NULL, b varchar(5) NOT NULL, v int, PRIMARY KEY (a, b), UNIQUE KEY uv (v));
INSERT INTO parent VALUES (1, 'x', 10), (1, 'y', 11), (2, 'x', NULL);
CREATE TABLE child (id int PRIMARY KEY, pa int, pb varchar(5), note varchar(20),
  KEY idx_note (note, pa), KEY idx_prefix (note(5)), FULLTEXT KEY ft_note (note),
  CONSTRAINT fk_child_parent FOREIGN KEY (pa, pb) REFERENCES parent (a, b) ON DELETE CASCADE);
INSERT INTO child VALUES (1, 1, 'x', 'one'), (2, 1, 'y', 'two'), (3, NULL, NULL, NULL);
CREATE TABLE orders (id int PRIMARY KEY, customer varchar(20) NOT NULL, amount decimal(10,2), note text);
INSERT INTO orders SELECT seq, CONCAT('c', seq % 97), seq * 0.25, CONCAT('order ', seq, CHAR(9), 'é') FROM seq_1_to_50000;
CREATE VIEW rich AS SELECT id FROM edge;
SQL
pass "MariaDB source $MDB made: $(msql 'SELECT count(*) FROM orders') orders"

SRC="odbc:DSN=migrate_mariadb;Database=$MDB"
# (the schema of a MariaDB table is its database)
cat >"$IT_TMP/recipe.lua" <<LUA
local m = require "migrate"
return m.recipe {
  source = "\${source}",
  target = "\${target}",
  tables = { include = { "$MDB.*" } },
  target_schema = "public",
  quote_names = true,
  chunk_rows = 10000,
  create = m.params.create or "missing",
  type_rules = {
    -- uuids kept as binary(16)
    { type = "binary", typmod = 16, to = "uuid", using = "binary_to_uuid" },
    -- MySQL's time holds durations beyond a day
    { column = "edge.dur", to = "interval" },
    -- pgloader's rule for NOT NULL datetimes that hold zero dates
    { type = "datetime", default = "0000-00-00 00:00:00", not_null = true, to = "timestamptz",
      drop_default = true, drop_not_null = true, using = "zero_dates_to_null" },
  },
}
LUA

section "run: two workers, the big table in chunks"
it_run "$IT_TMP/recipe.lua" source="$SRC" db="$MDB" target="dbname=$DST" --workers 2
check_rc 0
check_status "$MDB.edge" succeeded
check_status "$MDB.orders" succeeded "5 chunks"
check_status "$MDB.camelCase" succeeded
check_status "$MDB.straße" succeeded
check_report_rows "$MDB.orders" 50,000
check_output out "8 tables" "the view is not a table to copy"
check_output err "$MDB.edge.weird: the default concat('a','b') has no PostgreSQL equivalent" \
    "a default that cannot be carried is named"
check_output err "$MDB.child: index ft_note not carried over: it is a FULLTEXT index" "a FULLTEXT index is named"
check_output err "$MDB.child: index idx_prefix not carried over: it indexes a column prefix, note(5)" "a prefix index is named"

section "types"
check_eq "edge columns" \
    "id bigint, flag boolean, ti smallint, uti smallint, usi integer, umi integer, ui bigint, ubi numeric(20,0), bi bigint, b1 boolean, b10 bit(10), y integer, amount numeric(12,2), f real, dbl double precision, code character varying(3), label character varying(20), body text, big text, uid uuid, raw bytea, bl bytea, d date, dt timestamp without time zone, dt6 timestamp(6) without time zone, ts timestamp without time zone, tm time without time zone, doc jsonb, size text, colors text[], weird character varying(10), dur interval, created timestamp with time zone" \
    "$(columns "$DST" public edge)"
check_eq "camelCase and non-ASCII names kept" "userId integer, naïveName character varying(10), größe integer|id integer, Ort character varying(20)" \
    "$(columns "$DST" public camelCase)|$(columns "$DST" public straße)"
check_eq "NOT NULL carried (auto_increment id, flag, composite key)" "edge.flag edge.id parent.a parent.b" \
    "$(sql "$DST" "SELECT string_agg(c.relname || '.' || a.attname, ' ' ORDER BY c.relname || '.' || a.attname COLLATE \"C\") FROM pg_attribute a
                   JOIN pg_class c ON c.oid = a.attrelid
                   WHERE c.relname IN ('edge', 'parent') AND a.attnotnull AND a.attnum > 0")"

section "values"
edge() { sql "$DST" "SELECT $1 FROM edge WHERE id = $2"; }
check_eq "unsigned and signed extremes" \
    "127 255 65535 16777215 4294967295 18446744073709551615 -9223372036854775808" \
    "$(edge "ti || ' ' || uti || ' ' || usi || ' ' || umi || ' ' || ui || ' ' || ubi || ' ' || bi" 1)"
check_eq "... and the other ends" "-128 0 0 0 0 0 9223372036854775807" \
    "$(edge "ti || ' ' || uti || ' ' || usi || ' ' || umi || ' ' || ui || ' ' || ubi || ' ' || bi" 2)"
check_eq "tinyint(1) and bit(1) as booleans, bit(10) as bits" "true true 1010000001|false false 0000000000" \
    "$(edge "flag || ' ' || b1 || ' ' || b10" 1)|$(edge "flag || ' ' || b1 || ' ' || b10" 2)"
check_eq "year" "2155 1901" "$(edge y 1) $(edge y 2)"
check_eq "decimal, float, double" "1234567890.12 1.5 -2.5e-300|-0.05 0 0" \
    "$(edge "amount || ' ' || f || ' ' || dbl" 1)|$(edge "amount || ' ' || f || ' ' || dbl" 2)"
check_eq "tabs, newlines, CR, quotes, backslash, 4-byte UTF-8: byte for byte" \
    "$(msql "SELECT LOWER(HEX(body)) FROM edge WHERE id = 1")" \
    "$(edge "encode(convert_to(body, 'UTF8'), 'hex')" 1)"
check_eq "... which reads" "tab\\tnl\$cr\\rq'\"\\\\b\$ 漢字🙂" \
    "$(edge "replace(body, ' 漢字🙂', '')" 1 | sed -n l | tr -d '\n') $(edge "right(body, 3)" 1)"
check_eq "a 200,000-character longtext, whole" "200000 $(msql "SELECT MD5(big) FROM edge WHERE id = 1")" \
    "$(edge "length(big) || ' ' || md5(big)" 1)"
check_eq "binary(16) as uuid (a type rule), varbinary and blob byte for byte (zero bytes, backslash, newline)" \
    "6ccd780c-baba-1026-9564-5b8c656024db 00ff105c0a |00000000-0000-0000-0000-000000000000  00" \
    "$(edge "uid || ' ' || encode(raw, 'hex') || ' ' || encode(bl, 'hex')" 1)|$(edge "uid || ' ' || encode(raw, 'hex') || ' ' || encode(bl, 'hex')" 2)"
check_eq "time beyond a day as interval (a type rule)" "838:59:59|-01:30:00" "$(edge dur 1)|$(edge dur 2)"
check_eq "NOT NULL zero-date datetime: timestamptz, NULL allowed, no default (pgloader's rule)" \
    "2024-05-06 07:08:09|t|t|false -" \
    "$(edge "to_char(created, 'YYYY-MM-DD HH24:MI:SS')" 1)|$(edge "created IS NULL" 2)|$(edge "created IS NULL" 3)|$(sql "$DST" "SELECT a.attnotnull || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '-')
        FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attrelid = 'public.edge'::regclass AND a.attname = 'created'")"
check_eq "dates and times" "2024-02-29 2024-01-02 03:04:05 2024-01-02 03:04:05.123456 2024-01-02 03:04:05 12:34:56" \
    "$(edge "d || ' ' || dt || ' ' || dt6 || ' ' || ts || ' ' || tm" 1)"
check_eq "zero dates became NULL" "true true true true 00:00:00" \
    "$(edge "(d IS NULL) || ' ' || (dt IS NULL) || ' ' || (dt6 IS NULL) || ' ' || (ts IS NULL) || ' ' || tm" 2)"
check_eq "json as jsonb" '{"a": [1, 2, {"b": null}]}|[]' "$(edge doc 1)|$(edge doc 2)"
check_eq "enum as text, set as text[]" "large {red,blue} 2|small {} 0" \
    "$(edge "size || ' ' || colors::text || ' ' || cardinality(colors)" 1)|$(edge "size || ' ' || colors::text || ' ' || cardinality(colors)" 2)"
check_eq "'' stays '', not NULL" "true true true" "$(edge "(code = '') || ' ' || (body = '') || ' ' || (weird = '')" 2)"
check_eq "the row of NULLs: every nullable column is NULL" "31" \
    "$(sql "$DST" "SELECT count(*) FROM edge e, jsonb_each(to_jsonb(e)) AS j(k, v)
                   WHERE e.id = 3 AND v = 'null'::jsonb")"
check_eq "latin1 table: non-ASCII text arrives as UTF-8" "Ærøskøbing café|naïve ½ ©" \
    "$(sql "$DST" "SELECT string_agg(name, '|' ORDER BY id) FROM latin")"
check_eq "... the source really is latin1 (one byte for Æ)" "latin1 C6" \
    "$(msql "SELECT CHARACTER_SET_NAME, HEX(LEFT(name, 1)) FROM latin, information_schema.COLUMNS
             WHERE id = 1 AND TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'latin' AND COLUMN_NAME = 'name'" | tr '\t' ' ')"
check_eq "camelCase and non-ASCII names: rows" "1 Zoë 180|2 - -|7 Köln" \
    "$(sql "$DST" "SELECT string_agg(\"userId\" || ' ' || coalesce(\"naïveName\", '-') || ' ' || coalesce(\"größe\"::text, '-'), '|' ORDER BY 1) FROM \"camelCase\"")|$(sql "$DST" "SELECT id || ' ' || \"Ort\" FROM \"straße\"")"

section "the big table: counts and checksum against the source"
check_count "$DST" public.orders 50000
check_eq "orders: md5 of the ordered rows, as MariaDB computes it" \
    "$(mdb -N -B -r "$MDB" -e "SET SESSION group_concat_max_len = 1 << 30;
        SELECT COUNT(*), MD5(GROUP_CONCAT(CONCAT_WS('|', id, customer, amount, note) ORDER BY id SEPARATOR '\n')) FROM orders" | tr '\t' ' ')" \
    "$(sql "$DST" "SELECT count(*) || ' ' || md5(string_agg(concat_ws('|', id, customer, amount, note), E'\n' ORDER BY id)) FROM orders")"

section "keys, indexes, foreign keys"
check_eq "constraints" \
    "child f FOREIGN KEY (pa, pb) REFERENCES parent(a, b) ON UPDATE RESTRICT ON DELETE CASCADE
child p PRIMARY KEY (id)
counter p PRIMARY KEY (id)
edge p PRIMARY KEY (id)
parent p PRIMARY KEY (a, b)" \
    "$(sql "$DST" "SELECT string_agg(conrelid::regclass::text || ' ' || contype::text || ' ' || pg_get_constraintdef(oid), E'\n'
                                     ORDER BY conrelid::regclass::text COLLATE \"C\", contype)
                   FROM pg_constraint WHERE connamespace = 'public'::regnamespace
                    AND conrelid::regclass::text IN ('child', 'counter', 'edge', 'parent')")"
check_eq "indexes (the unique key, the two-column index, MariaDB's index for the foreign key)" \
    "CREATE INDEX ON public.child USING btree (note, pa)
CREATE INDEX ON public.child USING btree (pa, pb)
CREATE UNIQUE INDEX ON public.parent USING btree (v)" \
    "$(sql "$DST" "SELECT string_agg(regexp_replace(pg_get_indexdef(i.indexrelid), 'INDEX \S+ ON', 'INDEX ON'), E'\n'
                                     ORDER BY pg_get_indexdef(i.indexrelid) COLLATE \"C\")
                   FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
                   WHERE c.relnamespace = 'public'::regnamespace AND NOT i.indisprimary")"
check_eq "the foreign key cascades" "1" \
    "$(sql "$DST" "BEGIN; DELETE FROM parent WHERE a = 1 AND b = 'x'; SELECT count(*) FROM child WHERE pa IS NOT NULL; ROLLBACK;" | head -1)"

section "defaults and identities"
check_eq "defaults translated" \
    "b1 true|b10 '0000000101'::\"bit\"|code 'abc'::character varying|d -|dt CURRENT_TIMESTAMP|flag true|label 'it''s'::character varying|size 'medium'::text|ti '-5'::smallint|weird -|y 2024" \
    "$(sql "$DST" "SELECT string_agg(a.attname || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '-'), '|' ORDER BY a.attname)
                   FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                   WHERE a.attrelid = 'public.edge'::regclass AND a.attname IN ('flag','ti','b1','b10','y','code','label','d','dt','size','weird')")"
check_eq "auto_increment became identities" "edge.id d|counter.id d" \
    "$(sql "$DST" "SELECT attrelid::regclass || '.' || attname || ' ' || attidentity::text FROM pg_attribute WHERE attrelid = 'edge'::regclass AND attname = 'id'")|$(sql "$DST" "SELECT attrelid::regclass || '.' || attname || ' ' || attidentity::text FROM pg_attribute WHERE attrelid = 'counter'::regclass AND attname = 'id'")"
check_eq "a new row takes max + 1 and the defaults" "42|4 true -5 true 0000000101 2024 0.00 abc it's medium true true" \
    "$(sql "$DST" "INSERT INTO counter (name) VALUES ('new') RETURNING id")|$(sql "$DST" "INSERT INTO edge DEFAULT VALUES
        RETURNING id || ' ' || flag || ' ' || ti || ' ' || b1 || ' ' || b10 || ' ' || y || ' ' || amount || ' ' || code || ' ' || label
               || ' ' || size || ' ' || (d IS NULL) || ' ' || (dt > now() - interval '1 hour')")"

section "plan: the type, transform and rule of each column"
it_run plan "$IT_TMP/recipe.lua" source="$SRC" db="$MDB" target="dbname=$DST" -o "$IT_TMP/plan.yaml"
check_rc 0 "migrate plan"
plan_col() { grep -A4 -- "- source: $1\$" "$IT_TMP/plan.yaml" | sed -n '3,5p' | sed 's/^ *//' | tr '\n' ' '; }
check_eq "plan: uid by the first type rule" "type: uuid transform: binary_to_uuid rule: type_rules[1], line 12 " "$(plan_col uid)"
check_eq "plan: created by the third" "type: timestamptz transform: zero_dates_to_null rule: type_rules[3], line 16 " "$(plan_col created)"
check_eq "plan: the default mapping's transforms" "type: boolean transform: int_to_boolean|type: bit(10) transform: bit_to_bitstring(10)|type: text[] transform: set_to_array" \
    "$(plan_col flag | cut -d' ' -f1-4)|$(plan_col b10 | cut -d' ' -f1-4)|$(plan_col colors | cut -d' ' -f1-4)"

section "the shipped recipe: recipes/mysql_to_pg.lua"
# copied and edited as a user would: edge.dur holds durations (838:59:59),
# so its commented rule time -> interval is switched on
# so its commented rule time -> interval is switched on; edge.flag is a
# number: the commented rule keeping a tinyint(1) a smallint names it
sed -e 's|^    -- { type = "time", to = "interval" },|    { type = "time", to = "interval" },|' \
    -e 's|^    -- { column = "orders.quantity", to = "smallint", using = false },|    { column = "edge.flag", to = "smallint", using = false },|' \
    -e 's|^    -- { type = "enum", to = "enum" },|    { type = "enum", to = "enum" },|' \
    "$MG_SOURCE_DIR/recipes/mysql_to_pg.lua" >"$IT_TMP/mysql_to_pg.lua"
[ "$(grep -c -e '^    { type = "time", to = "interval" },' -e '^    { column = "edge.flag", to = "smallint"' \
           -e '^    { type = "enum", to = "enum" },' "$IT_TMP/mysql_to_pg.lua")" = 3 ] ||
    fail "recipes/mysql_to_pg.lua no longer has the commented rules time -> interval, tinyint(1) -> smallint, enum -> enum"
it_run "$IT_TMP/mysql_to_pg.lua" source="$SRC" target="dbname=$DST3" --workers 2
check_rc 0 "recipes/mysql_to_pg.lua"
check_output out "8 tables, 50,017 rows" "every table and row"
check_eq "snake_case names, uuid, the zero-date rule (timestamp, NULL allowed)" \
    "user_id integer, naïve_name character varying(10), größe integer|uuid timestamp without time zone false" \
    "$(columns "$DST3" public camel_case)|$(sql "$DST3" "SELECT format_type(u.atttypid, u.atttypmod) || ' ' || format_type(c.atttypid, c.atttypmod) || ' ' || c.attnotnull
        FROM pg_attribute u, pg_attribute c WHERE u.attrelid = 'edge'::regclass AND u.attname = 'uid'
         AND c.attrelid = 'edge'::regclass AND c.attname = 'created'")"
check_eq "tinyint(1) kept a smallint by a rule: values and the default 1" "0 0 1|'1'::smallint" \
    "$(sql "$DST3" "SELECT string_agg(flag::text, ' ' ORDER BY flag) FROM edge")|$(sql "$DST3" "SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef
        WHERE adrelid = 'edge'::regclass AND adnum = (SELECT attnum FROM pg_attribute WHERE attrelid = 'edge'::regclass AND attname = 'flag')")"
check_same_rows "$DST" public.orders "$DST3" public.orders id
check_eq "enum -> a created enum type: labels in order, the default, values ('' -> NULL)" \
    "edge_size {small,medium,large}|'medium'::edge_size|$(msql "SELECT GROUP_CONCAT(IF(size = '', 'null', COALESCE(size, 'null')) ORDER BY id) FROM edge")" \
    "$(sql "$DST3" "SELECT t.typname || ' ' || enum_range(NULL::edge_size)::text FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
                     WHERE a.attrelid = 'edge'::regclass AND a.attname = 'size'")|$(sql "$DST3" "SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef
        WHERE adrelid = 'edge'::regclass AND adnum = (SELECT attnum FROM pg_attribute WHERE attrelid = 'edge'::regclass AND attname = 'size')")|$(sql "$DST3" "SELECT string_agg(coalesce(size::text, 'null'), ',' ORDER BY id) FROM edge")"
it_run plan "$IT_TMP/mysql_to_pg.lua" source="$SRC" target="dbname=$DST3" -o "$IT_TMP/plan3.yaml"
check_rc 0 "migrate plan of the edited recipe"
grep -A8 -- "- source: size\$" "$IT_TMP/plan3.yaml" | grep -q -- "- medium" || fail "the plan should list the enum's labels: $(grep -A8 -- "- source: size\$" "$IT_TMP/plan3.yaml")"
pass "the plan lists the enum's labels"
it_run "$IT_TMP/plan3.yaml" source="$SRC" target="dbname=$DST3" --restart
check_rc 0 "the plan run again (the enum type exists with the same labels: kept)"
it_run clean "$IT_TMP/plan3.yaml" source="$SRC" target="dbname=$DST3" --yes
check_rc 0 "migrate clean of the plan's run"
check_eq "clean dropped the tables and the enum type they made" "f t" \
    "$(table_exists "$DST3" public edge) $(sql "$DST3" "SELECT to_regtype('public.edge_size') IS NULL")"

section "kill -9 in the middle of the big table, then resume"
# The target table exists (the run adopts it) with a trigger that stops
# the COPY of the chunk holding id 32345 while the table 'pause' has a row.
hold_orders "$DST2" "id integer PRIMARY KEY, customer varchar(20) NOT NULL, amount numeric(10,2), note text" 32345
cat >"$IT_TMP/orders.lua" <<LUA
local m = require "migrate"
return m.recipe {
  source = "\${source}",
  target = "\${target}",
  tables = { "$MDB.orders" },
  target_schema = "public",
  foreign_keys = false,
  chunk_rows = 4000,
}
LUA
kill_mid_run "$DST2" "the chunk holding id 32345" "$IT_TMP/orders.lua" source="$SRC" db="$MDB" target="dbname=$DST2" --workers 2
it_run "$IT_TMP/orders.lua" source="$SRC" db="$MDB" target="dbname=$DST2" --workers 2
check_rc 0 "the resumed run"
check_output err "resuming run" "it resumes the run"
check_status "$MDB.orders" succeeded
check_eq "exact rows after the resume: count, distinct, sum" "50000 50000 312506250.00" \
    "$(sql "$DST2" "SELECT count(*) || ' ' || count(DISTINCT id) || ' ' || sum(amount) FROM public.orders")"
check_marks_kept "$DST2"
check_eq "same rows as the first run" "$(table_sum "$DST" public.orders id)" "$(table_sum "$DST2" public.orders id)"

it_done
