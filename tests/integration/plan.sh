#!/usr/bin/env bash
# plan.sh - `migrate plan` writes a YAML plan; `migrate run plan.yaml` runs
# it as written and as edited by hand (task removed, target renamed, column
# type changed, policy changed); a source that changed since the plan is
# refused, naming what changed, unless --force; passwords never reach the
# plan; a broken plan names the file and line.
source "$(dirname "$0")/lib/common.sh"
it_init plan

it_createdb SRC src
it_createdb DST dst
sql "$SRC" "
CREATE TABLE public.a (id int PRIMARY KEY, n int NOT NULL, label text);
CREATE TABLE public.b (id int PRIMARY KEY, note text);
CREATE TABLE public.c (k int, v text);
INSERT INTO a SELECT i, i * 10, 'a ' || i FROM generate_series(1, 300) i;
INSERT INTO b SELECT i, 'b ' || i FROM generate_series(1, 200) i;
INSERT INTO c SELECT i, 'c ' || i FROM generate_series(1, 100) i;"
recipe=$IT_TMP/recipe.lua
cat >"$recipe" <<'LUA'
local m = require "migrate"
return m.recipe { source = "${source}", target = "${target}", tables = { "public.a", "public.b", "public.c" } }
LUA
plan=$IT_TMP/plan.yaml

section "migrate plan writes the plan, with passwords masked"
it_run plan "$recipe" source="dbname=$SRC password=Sekrit99" target="dbname=$DST" -o "$plan"
check_rc 0
check_eq "plan written" "yes" "$([ -s "$plan" ] && echo yes)"
check_eq "three tasks" "3" "$(grep -c '^- source:' "$plan")"
check_eq "the password is not in the plan" "0" "$(grep -c Sekrit99 "$plan")"
check_eq "it is masked" "1" "$(grep -c 'password=\*\*\*' "$plan")"
check_eq "the source columns are recorded" "1" "$(grep -c -- '- n integer not null' "$plan")"
check_eq "the DDL is shown" "1" "$(grep -c 'CREATE TABLE "public"."a"' "$plan")"
it_run plan "$recipe" source="dbname=$SRC" target="dbname=$DST"
check_rc 0
check_eq "without -o the plan goes to stdout" "1" "$(grep -c '^migrate_plan: 1' "$IT_OUT")"

section "a masked password must be given again"
it_run run "$plan"
check_rc 2
check_output err "give source=... on the command line"

section "run the plan as written"
it_run run "$plan" source="dbname=$SRC"
check_rc 0
check_count "$DST" public.a 300
check_count "$DST" public.b 200
check_count "$DST" public.c 100

section "run the plan as edited"
(cd "$IT_TMP" && PLAN=$plan "$MIGRATE" test "$MG_SOURCE_DIR/tests/integration/lib/edit_plan.lua") >"$IT_TMP/edit.out" 2>&1 ||
    fail "editing the plan failed: $(cat "$IT_TMP/edit.out")"
sql "$DST" "DROP TABLE public.b"
it_run run "$plan" source="dbname=$SRC"
check_rc 0
check_count "$DST" public.a_renamed 300
check_eq "a_renamed.n is bigint" "bigint" "$(sql "$DST" "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'public.a_renamed'::regclass AND attname = 'n'")"
check_eq "a_renamed has the rows of a" "$(sql "$SRC" "SELECT sum(n) FROM a")" "$(sql "$DST" "SELECT sum(n) FROM a_renamed")"
check_eq "b was removed from the plan: not copied" "" "$(sql "$DST" "SELECT to_regclass('public.b')")"
check_count "$DST" public.c 200
check_eq "the report lists two tables" "1" "$(grep -c '^2 tables' "$IT_OUT")"

section "a source that changed is refused, naming what changed"
sql "$SRC" "ALTER TABLE public.a ADD COLUMN extra int; ALTER TABLE public.c ALTER COLUMN v TYPE varchar(20)"
it_run run "$plan" source="dbname=$SRC"
check_rc 3
check_output err "changed since the plan was made"
check_output err "public.a changed since the plan was made: now: extra integer"
check_output err "public.c changed"
check_output err "was: v text"
check_output err "--force"
check_match err "plan.yaml:[0-9]+"
it_run --force run "$plan" source="dbname=$SRC"
check_rc 0
check_count "$DST" public.c 300

section "a table gone from the source"
sql "$SRC" "DROP TABLE public.c"
it_run run "$plan" source="dbname=$SRC"
check_rc 3
check_output err "public.c: the table is gone from the source"

section "a broken plan names the file and line"
printf 'migrate_plan: 1\ntasks:\n  - source: [unclosed\n' >"$IT_TMP/broken.yaml"
it_run run "$IT_TMP/broken.yaml"
check_rc 3
check_match err "broken.yaml:[0-9]+:[0-9]+"
printf 'just: a yaml file\n' >"$IT_TMP/other.yaml"
it_run run "$IT_TMP/other.yaml"
check_rc 3
check_output err "not a migrate plan"
sed -i 's/^  policy: overwrite$/  policy: sometimes/' "$plan"
it_run --force run "$plan" source="dbname=$SRC"
check_rc 3
check_match err "plan.yaml:[0-9]+: policy expects one of overwrite, append, upsert, got sometimes"

it_done
