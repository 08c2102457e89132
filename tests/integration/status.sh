#!/usr/bin/env bash
# status.sh - `migrate status` shows the record: every task of the latest
# run with status, rows and the failure reason (SQLSTATE); filters by
# status, table glob, run; JSON; exit 1 when a shown task failed; found
# through --state or through the recipe's own target.
source "$(dirname "$0")/lib/common.sh"
it_init status

it_createdb SRC src
it_createdb DST dst
sql "$SRC" "
CREATE TABLE public.good (id int PRIMARY KEY, v int);
CREATE TABLE public.bad (id int PRIMARY KEY, v int);
INSERT INTO good SELECT g, g FROM generate_series(1, 120) g;
INSERT INTO bad SELECT g, g FROM generate_series(1, 80) g;"
sql "$DST" "CREATE TABLE public.bad (id int PRIMARY KEY, v int CONSTRAINT small CHECK (v < 10))"
recipe=$IT_TMP/recipe.lua
cat >"$recipe" <<'LUA'
local m = require "migrate"
return m.recipe { source = "${source}", target = "${target}", tables = { "public.good", "public.bad" },
                  max_rejects = 0 }
LUA

section "no record yet"
it_run status --state "dbname=$DST"
check_rc 0
check_output err "no migration record"

it_run "$recipe" source="dbname=$SRC" target="dbname=$DST"
check_rc 1

section "the record as a table"
it_run status --state "dbname=$DST password=Hush1234"
check_rc 1
check_output out "run 1 (failed)"
check_match out "public\.good +public\.good +succeeded +120 "
check_match out "public\.bad +public\.bad +failed .*23514"
check_output out "small"
check_no_output all "Hush1234"

section "filters"
it_run status --state "dbname=$DST" --status succeeded
check_rc 0
check_output out "public.good"
check_no_output out "public.bad"
it_run status --state "dbname=$DST" --table 'public.b*'
check_rc 1
check_output out "public.bad"
check_no_output out "public.good"
it_run status --state "dbname=$DST" --run 999
check_rc 0
check_no_output out "public.good"

section "JSON, and the recipe's own target"
it_run status "$recipe" source="dbname=$SRC" target="dbname=$DST" --json
check_rc 1
check_output out '"status":"failed"'
check_output out '"task":"public.good"'
check_output out '"rows":120'

section "after fixing the target, the run resumes and status says so"
sql "$DST" "ALTER TABLE public.bad DROP CONSTRAINT small"
it_run "$recipe" source="dbname=$SRC" target="dbname=$DST"
check_rc 0
check_match out "public\.good .*loaded by an earlier attempt of this run"
it_run status --state "dbname=$DST"
check_rc 0
check_output out "run 1 (succeeded)"
check_match out "public\.bad +public\.bad +succeeded +80 +[0-9.]+ +2 "

it_done
