#!/usr/bin/env bash
# clean.sh - `migrate clean` drops exactly the tables the latest run of a
# recipe created, never one it found (the upsert table it merged into),
# deletes the run from the record, needs --yes off a terminal; then the
# recipe runs again from nothing.
source "$(dirname "$0")/lib/common.sh"
it_init clean

it_createdb SRC src
it_createdb DST dst
sql "$SRC" "
CREATE SCHEMA \"we.ird\";
CREATE TABLE public.a (id int PRIMARY KEY, v text);
CREATE TABLE \"we.ird\".\"b \"\"x\"\"\" (id int PRIMARY KEY);
CREATE TABLE public.keep (id int PRIMARY KEY, v text);
INSERT INTO a SELECT i, 'a' FROM generate_series(1, 50) i;
INSERT INTO \"we.ird\".\"b \"\"x\"\"\" SELECT generate_series(1, 40);
INSERT INTO keep SELECT i, 'src' FROM generate_series(1, 30) i;"
sql "$DST" "CREATE TABLE public.keep (id int PRIMARY KEY, v text);
            INSERT INTO keep VALUES (1000, 'mine');
            CREATE TABLE public.bystander (id int)"
recipe=$IT_TMP/recipe.lua
cat >"$recipe" <<'LUA'
local m = require "migrate"
return m.recipe {
  source = "${source}", target = "${target}", quote_names = true,
  tables = { include = { "public.*", "we.ird.*" } },
  table_options = { ["public.keep"] = { policy = "upsert" } },
}
LUA
args=("$recipe" source="dbname=$SRC" target="dbname=$DST")
it_run "${args[@]}"
check_rc 0
check_count "$DST" public.keep 31

section "off a terminal, clean needs --yes"
it_run clean "${args[@]}"
check_rc 2
check_output err "--yes"
check_count "$DST" public.a 50

section "clean --yes drops what the run created, nothing else"
it_run clean "${args[@]}" --yes
check_rc 0
check_output out "run 1 created 2 table(s)"
check_eq "public.a dropped" "" "$(sql "$DST" "SELECT to_regclass('public.a')")"
check_eq "the hostile table dropped" "" "$(sql "$DST" "SELECT to_regclass('\"we.ird\".\"b \"\"x\"\"\"')")"
check_count "$DST" public.keep 31
check_eq "a table the run never touched stays" "bystander" "$(sql "$DST" "SELECT to_regclass('public.bystander')")"
check_eq "the run is gone from the record" "0" "$(sql "$DST" "SELECT count(*) FROM _migrate.runs")"

section "nothing left to clean; the recipe runs again from nothing"
it_run clean "${args[@]}" --yes
check_rc 0
check_output err "nothing to clean"
it_run "${args[@]}"
check_rc 0
check_count "$DST" public.a 50
check_eq "a new run" "1" "$(sql "$DST" "SELECT count(*) FROM _migrate.runs")"

it_done
