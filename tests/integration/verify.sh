#!/usr/bin/env bash
# verify.sh - `migrate verify` matches a faithful copy (renamed columns,
# a cast, an added column left out, floats, timestamps, NULLs), and names
# the keys of rows altered, deleted or added behind its back; works from a
# recipe and from a plan; exit 0 / 1.
source "$(dirname "$0")/lib/common.sh"
it_init verify

it_createdb SRC src
it_createdb DST dst
sql "$SRC" "
CREATE TABLE public.\"Orders\" (\"OrderId\" bigint PRIMARY KEY, \"Amount\" numeric(10,2),
                               placed timestamptz, ratio float8, note text);
INSERT INTO \"Orders\" SELECT i, i / 3.0, timestamptz '2026-01-01 00:00+02' + i * interval '1 min',
                              1.0 / i, CASE WHEN i % 5 = 0 THEN NULL ELSE 'n' || i END
  FROM generate_series(1, 5000) i;
CREATE TABLE public.pairs (a int, b int, v text, PRIMARY KEY (a, b));
INSERT INTO pairs SELECT i % 50, i / 50, 'v' || i FROM generate_series(1, 1000) i;"
recipe=$IT_TMP/recipe.lua
cat >"$recipe" <<'LUA'
local m = require "migrate"
return m.recipe {
  source = "${source}", target = "${target}",
  tables = { "public.Orders", "public.pairs" },
  naming = { m.snake_case() }, column_naming = { m.snake_case() },
  table_options = { ["public.Orders"] = {
    cast = { Amount = "numeric(12,3)" },
    add = { loaded_at = { type = "timestamptz", expr = "now()" } } } },
}
LUA
args=("$recipe" source="dbname=$SRC" target="dbname=$DST")
it_run "${args[@]}"
check_rc 0

section "a faithful copy matches"
it_run verify "${args[@]}"
check_rc 0
check_match out "public\.Orders +public\.orders +5,000 +5,000 +match"
check_match out "public\.pairs +public\.pairs +1,000 +1,000 +match"

section "rows changed behind its back are named"
sql "$DST" "UPDATE orders SET note = 'tampered' WHERE order_id = 1234;
            DELETE FROM orders WHERE order_id = 77;
            INSERT INTO orders (order_id, amount) VALUES (999999, 1);
            UPDATE pairs SET v = 'x' WHERE a = 3 AND b = 4;"
it_run verify "${args[@]}"
check_rc 1
check_match out "public\.Orders +public\.orders +5,000 +5,000 +different"
check_output out "OrderId = 77, 1234, 999999"
check_match out "public\.pairs +public\.pairs +1,000 +1,000 +different .*checksums differ"

section "from a plan"
it_run plan "${args[@]}" -o "$IT_TMP/plan.yaml"
check_rc 0
it_run verify "$IT_TMP/plan.yaml"
check_rc 1
check_output out "OrderId = 77, 1234, 999999"
sql "$DST" "TRUNCATE orders, pairs"
it_run --restart "${args[@]}"
check_rc 0
it_run verify "$IT_TMP/plan.yaml"
check_rc 0

it_done
