#!/usr/bin/env bash
# sqlite_source.sh - an ODBC source: a SQLite file (made with the sqlite3
# CLI) read through the SQLite ODBC driver into PostgreSQL, with two
# workers and a table split into key-range chunks.  Checks every value
# that is hard to carry (tabs, newlines, quotes, backslashes, non-ASCII,
# NULL against '', blobs with zero bytes, reals, numerics), the types made,
# the keys, indexes and foreign keys; then a run killed with kill -9 in the
# middle of the big table is resumed: exact rows, none twice.
source "$(dirname "$0")/lib/common.sh"
it_init sqlite_source

need_sqlite_odbc

it_createdb DST dst
it_createdb DST2 kill
it_createdb DST3 plan

section "source"
DB=$IT_TMP/shop.db
sqlite3 -bail "$DB" <<'SQL' || fail "sqlite3 could not build $DB"
CREATE TABLE customers (
  id INTEGER PRIMARY KEY,
  name VARCHAR(40) NOT NULL UNIQUE,
  note TEXT,
  score REAL,
  balance NUMERIC(12,2),
  ratio DECIMAL,
  photo BLOB,
  born DATE,
  active BOOLEAN);
CREATE TABLE orders (
  id INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
  amount NUMERIC,
  memo TEXT);
CREATE INDEX orders_customer ON orders (customer_id, amount);
CREATE TABLE "odd ""name""" (k TEXT, n INT, PRIMARY KEY (k, n));
CREATE VIEW rich AS SELECT * FROM customers WHERE score > 1;
INSERT INTO customers VALUES
  (1, 'Ann', 'tab' || char(9) || 'nl' || char(10) || 'cr' || char(13) || 'q''"\b', 1.5, 12.34, 0.1,
   x'00ff105c0a', '2024-01-02', 1),
  (2, 'Bøb 漢字🙂', NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (3, 'Cy', '', -2.5e-300, -0.05, 3, x'', '1999-12-31', 0);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
INSERT INTO orders SELECT i, 1 + i % 3, i * 0.25, 'order ' || i || char(9) || 'é' FROM n;
INSERT INTO "odd ""name""" VALUES ('a', 1), ('a', 2), ('b', 1);
SQL
pass "SQLite source made: $(sqlite3 "$DB" 'SELECT count(*) FROM orders') orders"

cat >"$IT_TMP/recipe.lua" <<'LUA'
local m = require "migrate"
return m.recipe {
  source = "odbc:Driver=SQLite3;Database=${db}",
  target = "${target}",
  tables = { include = { "main.*" } },
  target_schema = "public",
  quote_names = true,
  chunk_rows = tonumber(m.params.chunk_rows) or 5000,
  create = m.params.create or "missing",
}
LUA

section "run: two workers, the big table in chunks"
it_run "$IT_TMP/recipe.lua" db="$DB" target="dbname=$DST" --workers 2
check_rc 0
check_status main.customers succeeded
check_status main.orders succeeded "4 chunks by id"
check_status 'main.odd "name"' succeeded
check_report_rows main.orders 20,000
check_output out "3 tables" "the view is not a table to copy"

section "types"
check_eq "customers columns" \
    "id bigint, name text, note text, score double precision, balance numeric, ratio numeric, photo bytea, born date, active boolean" \
    "$(columns "$DST" public customers)"
check_eq "orders columns" "id bigint, customer_id bigint, amount numeric, memo text" \
    "$(columns "$DST" public orders)"
check_eq "name NOT NULL carried" t \
    "$(sql "$DST" "SELECT attnotnull FROM pg_attribute WHERE attrelid = 'public.customers'::regclass AND attname = 'name'")"

section "values"
check_count "$DST" public.orders 20000
check_eq "orders: sum, min, max, distinct keys" "50002500.00 1 20000 20000" \
    "$(sql "$DST" "SELECT sum(amount) || ' ' || min(id) || ' ' || max(id) || ' ' || count(DISTINCT id) FROM orders")"
check_eq "orders: a memo with a tab and non-ASCII" "order 12345"$'\t'"é" \
    "$(sql "$DST" "SELECT memo FROM orders WHERE id = 12345")"
check_eq "tabs, newlines, CR, quotes, backslash: byte for byte" \
    "$(sqlite3 "$DB" "SELECT lower(hex(note)) FROM customers WHERE id = 1")" \
    "$(sql "$DST" "SELECT encode(convert_to(note, 'UTF8'), 'hex') FROM customers WHERE id = 1")"
check_eq "... which reads" "tab\\tnl\$cr\\rq'\"\\\\b\$" \
    "$(sql "$DST" "SELECT note FROM customers WHERE id = 1" | sed -n l | tr -d '\n')"
check_eq "unicode" "Bøb 漢字🙂" "$(sql "$DST" "SELECT name FROM customers WHERE id = 2")"
check_eq "NULL stays NULL, '' stays ''" "true true false true" \
    "$(sql "$DST" "SELECT (SELECT note IS NULL FROM customers WHERE id = 2) || ' ' ||
                          (SELECT note = '' FROM customers WHERE id = 3) || ' ' ||
                          (SELECT photo IS NULL FROM customers WHERE id = 3) || ' ' ||
                          (SELECT photo IS NULL AND score IS NULL AND balance IS NULL AND born IS NULL AND active IS NULL
                             FROM customers WHERE id = 2)")"
check_eq "bytea, byte for byte (zero byte, backslash, newline)" "00ff105c0a|" \
    "$(sql "$DST" "SELECT string_agg(encode(photo, 'hex'), '|' ORDER BY id) FROM customers WHERE id IN (1, 3)")"
src_hex=$(sqlite3 "$DB" "SELECT lower(hex(photo)) FROM customers WHERE id = 1")
check_eq "bytea equals the SQLite blob" "$src_hex" \
    "$(sql "$DST" "SELECT encode(photo, 'hex') FROM customers WHERE id = 1")"
check_eq "reals exactly" "1.5 -2.5e-300" \
    "$(sql "$DST" "SELECT string_agg(score::text, ' ' ORDER BY id) FROM customers WHERE score IS NOT NULL")"
check_eq "numerics" "12.34 0.1 -0.05 3" \
    "$(sql "$DST" "SELECT (SELECT balance FROM customers WHERE id = 1) || ' ' || (SELECT ratio FROM customers WHERE id = 1)
                          || ' ' || (SELECT balance FROM customers WHERE id = 3) || ' ' || (SELECT ratio FROM customers WHERE id = 3)")"
check_eq "dates and booleans" "2024-01-02 true|1999-12-31 false" \
    "$(sql "$DST" "SELECT string_agg(born || ' ' || active, '|' ORDER BY id) FROM customers WHERE born IS NOT NULL")"
check_eq "odd name: table and rows" "a 1,a 2,b 1" \
    "$(sql "$DST" "SELECT string_agg(k || ' ' || n, ',' ORDER BY k, n) FROM public.\"odd \"\"name\"\"\"")"

section "keys, indexes, foreign keys"
check_eq "constraints" \
    "\"odd \"\"name\"\"\" p PRIMARY KEY (k, n)
customers p PRIMARY KEY (id)
orders f FOREIGN KEY (customer_id) REFERENCES customers(id) ON DELETE CASCADE
orders p PRIMARY KEY (id)" \
    "$(sql "$DST" "SELECT string_agg(conrelid::regclass::text || ' ' || contype::text || ' ' || pg_get_constraintdef(oid), E'\n'
                                     ORDER BY conrelid::regclass::text COLLATE \"C\", contype)
                   FROM pg_constraint WHERE connamespace = 'public'::regnamespace")"
check_eq "indexes (unique name, the two-column index; no copy of the key)" \
    "CREATE INDEX ON public.orders USING btree (customer_id, amount)
CREATE UNIQUE INDEX ON public.customers USING btree (name)" \
    "$(sql "$DST" "SELECT string_agg(regexp_replace(pg_get_indexdef(i.indexrelid), 'INDEX \S+ ON', 'INDEX ON'), E'\n'
                                     ORDER BY i.indisunique, c.relname)
                   FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
                   WHERE c.relnamespace = 'public'::regnamespace AND NOT i.indisprimary")"
check_eq "the foreign key holds" 0 \
    "$(sql "$DST" "SELECT count(*) FROM orders o WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = o.customer_id)")"

section "run again (recreate, two workers racing on tables linked by a key); verify"
it_run "$IT_TMP/recipe.lua" db="$DB" target="dbname=$DST" create=recreate --workers 2 --restart --verify
check_rc 0 "a second run (create=recreate, --restart, --verify)"
check_match out "^main\.orders +public\.orders +20,000 +[0-9.]+ +[0-9,]+ +succeeded +4 chunks by id; verified"
check_count "$DST" public.orders 20000
it_run verify "$IT_TMP/recipe.lua" db="$DB" target="dbname=$DST"
check_rc 0 "migrate verify"
check_match out "^main\.customers +public\.customers +3 +3 +match"
check_match out "^main\.orders +public\.orders +20,000 +20,000 +match"

section "plan"
it_run plan "$IT_TMP/recipe.lua" db="$DB" target="dbname=$DST" -o "$IT_TMP/plan.yaml"
check_rc 0 "migrate plan"
grep -q "type: bytea" "$IT_TMP/plan.yaml" || fail "the plan should show the mapped type bytea"
pass "the plan has the mapped types"
it_run run "$IT_TMP/plan.yaml" target="dbname=$DST3" --workers 2
check_rc 0 "migrate run plan.yaml"
check_status main.orders succeeded
check_count "$DST3" public.orders 20000
check_eq "same customers as the recipe's run" "$(table_sum "$DST" public.customers id)" \
    "$(table_sum "$DST3" public.customers id)"

section "kill -9 in the middle of the big table, then resume"
# The target table exists (the run adopts it) with a trigger that stops
# the COPY of the chunk holding id 12345 while the table 'pause' has a row.
hold_orders "$DST2" "id bigint PRIMARY KEY, customer_id bigint NOT NULL, amount numeric, memo text" 12345
cat >"$IT_TMP/orders.lua" <<'LUA'
local m = require "migrate"
return m.recipe {
  source = "odbc:Driver=SQLite3;Database=${db}",
  target = "${target}",
  tables = { "main.orders" },
  target_schema = "public",
  foreign_keys = false,
  chunk_rows = 2000,
}
LUA
kill_mid_run "$DST2" "the chunk holding id 12345" "$IT_TMP/orders.lua" db="$DB" target="dbname=$DST2" --workers 2
it_run "$IT_TMP/orders.lua" db="$DB" target="dbname=$DST2" --workers 2
check_rc 0 "the resumed run"
check_output err "resuming run" "it resumes the run"
check_status main.orders succeeded
check_eq "exact rows after the resume: count, distinct, sum" "20000 20000 50002500.00" \
    "$(sql "$DST2" "SELECT count(*) || ' ' || count(DISTINCT id) || ' ' || sum(amount) FROM public.orders")"
check_marks_kept "$DST2"

it_done
