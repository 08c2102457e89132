#!/usr/bin/env bash
# verify_normalize.sh - `migrate verify` with a recipe's `normalize`: a
# target that stores columns differently on purpose (char(n) padding,
# numbers rounded, timestamps to the second, trailing spaces) differs
# under plain verify and matches once both sides go through the same SQL
# templates (top-level and per-table, merged column by column), from a
# recipe and from a plan; a real change is still named by its key; a
# template without %s is a recipe error naming file:line.
source "$(dirname "$0")/lib/common.sh"
it_init verify_normalize

it_createdb SRC src
it_createdb DST dst
sql "$SRC" "
CREATE TABLE public.items (id bigint PRIMARY KEY, name text, \"Price\" numeric(12,4), seen_at timestamptz);
INSERT INTO items SELECT i, 'item ' || i, i / 7.0,
                         timestamptz '2026-01-01 00:00:00.25+00' + i * interval '1 s'
  FROM generate_series(1, 2000) i;
CREATE TABLE public.notes (body text, n int);
INSERT INTO notes SELECT 'note ' || i, i FROM generate_series(1, 300) i;"

# recipe FILE [NORMALIZE-LUA [ITEMS-OPTIONS-LUA]]: the same tables, with
# optional top-level normalize and table_options for public.items.
recipe() {
    local top="" items=""
    [ -n "${2:-}" ] && top="normalize = $2,"
    [ -n "${3:-}" ] && items="table_options = { [\"public.items\"] = $3 },"
    cat >"$1" <<LUA
local m = require "migrate"
return m.recipe {
  source = "\${source}", target = "\${target}",
  tables = { "public.items", "public.notes" },
  $top
  $items
}
LUA
}
plain=$IT_TMP/plain.lua
norm=$IT_TMP/normalize.lua
recipe "$plain"
recipe "$norm" '{ name = "btrim(%s)", body = "rtrim(%s)" }' \
    '{ normalize = { Price = "round(%s, 2)", seen_at = "date_trunc('"'second'"', %s)" } }'
conn=(source="dbname=$SRC" target="dbname=$DST")

it_run "$plain" "${conn[@]}"
check_rc 0
it_run verify "$plain" "${conn[@]}"
check_rc 0 "verify of the faithful copy"

section "the target stores columns differently"
sql "$DST" "ALTER TABLE items ALTER name TYPE char(20), ALTER \"Price\" TYPE numeric(12,2),
                              ALTER seen_at TYPE timestamptz(0);
            UPDATE notes SET body = body || '   ';"
check_eq "a rounded price on the target" "0.14" "$(sql "$DST" 'SELECT "Price" FROM items WHERE id = 1')"

section "plain verify reports the difference"
it_run verify "$plain" "${conn[@]}"
check_rc 1
check_match out "public\.items +public\.items +2,000 +2,000 +different +16 of 16 key ranges differ; id = 1, "
check_match out "public\.notes +public\.notes +300 +300 +different .*checksums differ"

section "verify with normalize matches"
it_run verify "$norm" "${conn[@]}"
check_rc 0
check_match out "public\.items +public\.items +2,000 +2,000 +match"
check_match out "public\.notes +public\.notes +300 +300 +match"

section "per-table normalize adds to the top-level one, column by column"
recipe "$IT_TMP/top_only.lua" '{ name = "btrim(%s)", body = "rtrim(%s)" }'
it_run verify "$IT_TMP/top_only.lua" "${conn[@]}"
check_rc 1
check_match out "public\.items +public\.items +2,000 +2,000 +different"
check_match out "public\.notes +public\.notes +300 +300 +match"

section "from a plan"
it_run plan "$norm" "${conn[@]}" -o "$IT_TMP/plan.yaml"
check_rc 0
grep -q 'Price: round(%s, 2)' "$IT_TMP/plan.yaml" || fail "the plan should carry normalize: $(cat "$IT_TMP/plan.yaml")"
pass "the plan carries the normalize templates"
it_run verify "$IT_TMP/plan.yaml"
check_rc 0
check_match out "public\.items +public\.items +2,000 +2,000 +match"
it_run plan "$plain" "${conn[@]}" -o "$IT_TMP/plain.yaml"
check_rc 0
it_run verify "$IT_TMP/plain.yaml"
check_rc 1 "verify of a plan without normalize"

section "a real change is still named"
sql "$DST" "UPDATE items SET \"Price\" = \"Price\" + 1 WHERE id = 42;
            UPDATE items SET name = 'other' WHERE id = 1500;"
it_run verify "$norm" "${conn[@]}"
check_rc 1
check_match out "public\.items +public\.items +2,000 +2,000 +different +2 of 16 key ranges differ; id = 42, 1500$"
check_match out "public\.notes +public\.notes +300 +300 +match"

section "a template the server rejects fails its table only"
recipe "$IT_TMP/unknown_fn.lua" '{ name = "no_such_function(%s)", body = "rtrim(%s)" }'
it_run verify "$IT_TMP/unknown_fn.lua" "${conn[@]}"
check_rc 1
check_match out "public\.items +public\.items +failed +\[source\] \[42883\] .*no_such_function"
check_match out "public\.notes +public\.notes +300 +300 +match"

section "a plan's normalize is checked"
sed 's/round(%s, 2)/round(2)/' "$IT_TMP/plan.yaml" >"$IT_TMP/bad_plan.yaml"
it_run verify "$IT_TMP/bad_plan.yaml"
check_rc 3
check_match err "bad_plan\.yaml:[0-9]+: normalize: Price expects an SQL expression holding %s"

section "a template without %s is a recipe error at its line"
recipe "$IT_TMP/bad.lua" '{ name = "btrim(%s)",
    body = "rtrim(body)" }'
it_run verify "$IT_TMP/bad.lua" "${conn[@]}"
check_rc 3
check_output err "$IT_TMP/bad.lua:6: option 'normalize' expects a map of target column names to SQL expressions holding %s, but [\"body\"] is \"rtrim(body)\" (no %s)"

it_done
