#!/usr/bin/env bash
# verify_odbc.sh - `migrate verify` with an ODBC source (a SQLite file read
# through the SQLite ODBC driver).  The source is read again through the
# run's own reader (same SELECT, value transforms, source time zone) into
# a temporary table and compared with the target inside PostgreSQL: a
# faithful load matches (type rules, a transform and a source time zone
# included); a value changed, a row added and a row deleted in the target
# are found, with the table and the keys named; a table without an integer
# key is found different by its checksum; `normalize` is honoured; the
# temporary table does not outlive the command.
source "$(dirname "$0")/lib/common.sh"
it_init verify_odbc

need_sqlite_odbc

it_createdb DST dst

section "source"
DB=$IT_TMP/shop.db
sqlite3 -bail "$DB" <<'SQL' || fail "sqlite3 could not build $DB"
CREATE TABLE customers (
  id INTEGER PRIMARY KEY,
  name VARCHAR(40) NOT NULL,
  note TEXT,
  score REAL,
  photo BLOB,
  born DATE,
  seen DATETIME,
  active BOOLEAN);
CREATE TABLE orders (
  id INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers (id),
  amount NUMERIC,
  memo TEXT);
CREATE TABLE tags (k TEXT, v TEXT);
INSERT INTO customers VALUES
  (1, 'Ann', 'tab' || char(9) || 'nl' || char(10) || 'q''"\b', 1.5, x'00ff105c0a', '2024-01-02',
   '2024-01-02 03:04:05', 1),
  (2, 'Bøb 漢字🙂', NULL, NULL, NULL, NULL, NULL, NULL),
  (3, 'Cy', '', 0.1, x'', '1999-12-31', '1999-12-31 23:59:59.5', 0);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)
INSERT INTO orders SELECT i, 1 + i % 3, i * 0.25, CASE WHEN i % 10 = 0 THEN '' ELSE 'order ' || i END FROM n;
INSERT INTO tags VALUES ('a', 'Mixed'), ('b', NULL), ('c', '');
SQL
pass "SQLite source made"

# A type rule with a value transform ('' -> NULL), a cast rule for the
# naive DATETIME (read in Asia/Tokyo, stored as timestamptz), and a
# normalize template for one column.
cat >"$IT_TMP/recipe.lua" <<'LUA'
local m = require "migrate"
return m.recipe {
  source = "odbc:Driver=SQLite3;Database=${db}",
  target = "${target}",
  tables = { include = { "main.*" } },
  target_schema = "public",
  chunk_rows = 2000,
  fetch_rows = 7, -- block fetches end mid-chunk: nothing lost or doubled
  create = m.params.create or "missing",
  source_timezone = "Asia/Tokyo",
  type_rules = {
    { column = "orders.memo", using = "empty_to_null" },
    { type = "datetime", to = "timestamptz" },
  },
  table_options = { ["main.tags"] = { normalize = { v = "lower(%s)" } },
                    ["main.orders"] = { policy = m.params.policy or "overwrite" } },
}
LUA
args=("$IT_TMP/recipe.lua" db="$DB" target="dbname=$DST")
it_run "${args[@]}" --workers 2
check_rc 0 "the load"
check_report_rows main.orders 5,000
check_eq "the transform ran: '' became NULL" "500 0" \
    "$(sql "$DST" "SELECT count(*) FILTER (WHERE memo IS NULL) || ' ' || count(*) FILTER (WHERE memo = '') FROM orders")"
check_eq "the naive DATETIME was read in Asia/Tokyo" "2024-01-01 18:04:05+00" \
    "$(sql "$DST" "SET TimeZone = 'UTC'; SELECT seen FROM customers WHERE id = 1")"

section "a faithful load matches"
it_run verify "${args[@]}"
check_rc 0 "migrate verify"
check_match out "^main\.customers +public\.customers +3 +3 +match +source read again in [0-9.]+ s"
check_match out "^main\.orders +public\.orders +5,000 +5,000 +match"
check_match out "^main\.tags +public\.tags +3 +3 +match"
check_eq "no temporary table left behind" 0 \
    "$(sql "$DST" "SELECT count(*) FROM pg_class WHERE relname = '_migrate_verify'")"

section "from a plan file (the transform and the time zone carried in it)"
it_run plan "${args[@]}" -o "$IT_TMP/plan.yaml"
check_rc 0 "migrate plan"
it_run verify "$IT_TMP/plan.yaml"
check_rc 0 "migrate verify plan.yaml"
check_match out "^main\.orders +public\.orders +5,000 +5,000 +match"
check_match out "^main\.customers +public\.customers +3 +3 +match"

section "normalize is honoured on both sides"
sql "$DST" "UPDATE tags SET v = 'MIXED' WHERE k = 'a'" # the same after lower()
it_run verify "${args[@]}"
check_rc 0 "migrate verify"
check_match out "^main\.tags +public\.tags +3 +3 +match"

section "rows changed behind its back are named"
sql "$DST" "UPDATE orders SET amount = amount + 0.01 WHERE id = 1234;
            DELETE FROM orders WHERE id = 77;
            INSERT INTO orders (id, customer_id, amount) VALUES (999999, 1, 1);
            UPDATE customers SET seen = seen + interval '1 microsecond' WHERE id = 3;
            UPDATE tags SET v = 'x' WHERE k = 'c'"
it_run verify "${args[@]}"
check_rc 1 "migrate verify"
check_match out "^main\.orders +public\.orders +5,000 +5,000 +different"
check_output out "id = 77, 1234, 999999" "the differing keys of orders"
check_match out "^main\.customers +public\.customers +3 +3 +different .*id = 3;"
check_match out "^main\.tags +public\.tags +3 +3 +different +the checksums differ \(no integer key"

section "a row missing: the counts differ"
sql "$DST" "DELETE FROM orders WHERE id IN (1234, 999999); DELETE FROM tags WHERE k = 'b'"
it_run verify "${args[@]}"
check_rc 1 "migrate verify"
check_match out "^main\.orders +public\.orders +5,000 +4,998 +different +5,000 rows in the source, 4,998 in the target"
check_output out "id = 77, 1234"
check_match out "^main\.tags +public\.tags +3 +2 +different"
check_eq "no temporary table left behind" 0 \
    "$(sql "$DST" "SELECT count(*) FROM pg_class WHERE relname = '_migrate_verify'")"

section "loaded again: matches again"
it_run "${args[@]}" create=recreate --restart
check_rc 0 "the second load (create=recreate)"
it_run verify "${args[@]}"
check_rc 0 "migrate verify"
check_match out "^main\.orders +public\.orders +5,000 +5,000 +match"

section "a source changed since the load"
sqlite3 -bail "$DB" "UPDATE orders SET memo = 'changed' WHERE id = 4321" || fail "sqlite3 update"
it_run verify "${args[@]}"
check_rc 1 "migrate verify"
check_output out "id = 4321" "the key of the row changed in the source"

section "upsert: the target's own rows are counted, not held against it"
sqlite3 -bail "$DB" "UPDATE orders SET memo = 'order 4321' WHERE id = 4321" || fail "sqlite3 update"
it_run "${args[@]}" policy=upsert create=recreate --restart
check_rc 0 "a load with policy upsert"
sql "$DST" "INSERT INTO orders (id, customer_id, amount) SELECT 100000 + i, 1, i FROM generate_series(1, 25) i"
it_run verify "${args[@]}" policy=upsert
check_rc 0 "migrate verify (upsert, 25 rows of the target's own)"
check_match out "^main\.orders +public\.orders +5,000 +5,025 +match +25 rows only in the target \(policy upsert keeps the target's own rows\)"
sql "$DST" "UPDATE orders SET amount = 0 WHERE id = 42"
it_run verify "${args[@]}" policy=upsert
check_rc 1 "migrate verify (upsert, one row of the source's altered)"
check_match out "^main\.orders +public\.orders +5,000 +5,025 +different .*id = 42; 25 rows only in the target"

it_done
