#!/usr/bin/env bash
# hooks.sh - recipe hooks: before_run (runs first, may use the target
# connection), before_table (false skips the table; an error fails that
# table only), after_table (sees the rows), after_run (sees every result).
source "$(dirname "$0")/lib/common.sh"
it_init hooks

it_createdb SRC src
it_createdb DST dst
sql "$SRC" "CREATE TABLE a_table (id int); INSERT INTO a_table SELECT generate_series(1, 7);
            CREATE TABLE b_table (id int); INSERT INTO b_table SELECT generate_series(1, 3);
            CREATE TABLE skip_me (id int); INSERT INTO skip_me VALUES (1);"
pass "source created"

section "every hook"
it_run "$(it_recipe hooks)" source="dbname=$SRC" target="dbname=$DST" out="$IT_TMP/results.txt"
check_rc 0
check_status public.a_table succeeded
check_status public.skip_me skipped "skipped by the before_table hook"
check_eq "skip_me was not created" f "$(table_exists "$DST" public skip_me)"
check_output err "before_run hook called" "ctx.log from before_run"
check_eq "after_table saw each loaded table and its rows" "a_table 7,b_table 3" \
    "$(sql "$DST" "SELECT string_agg(what, ',' ORDER BY what) FROM hook_log")"
check_eq "after_run saw every result" "public.a_table succeeded
public.b_table succeeded
public.skip_me skipped" "$(cat "$IT_TMP/results.txt")"

section "an error in before_table fails that table only"
sql "$DST" "TRUNCATE hook_log"
it_run "$(it_recipe hooks)" source="dbname=$SRC" target="dbname=$DST" out="$IT_TMP/results.txt" fail=public.a_table
check_rc 1
check_status public.a_table failed "before_table hook refused public.a_table"
check_status public.b_table succeeded
check_eq "after_table ran for b_table only" "b_table 3" "$(sql "$DST" "SELECT string_agg(what, ',') FROM hook_log")"

section "an error in before_run stops the run before any table"
sql "$DST" "DROP TABLE a_table, b_table, hook_log"
it_run "$(it_recipe hooks)" source="dbname=$SRC" target="dbname=$DST" out="$IT_TMP/results.txt" break_run=1
[ "$IT_RC" -ne 0 ] || fail "a failing before_run hook should fail the run"
pass "migrate exits with $IT_RC"
check_output err "hooks.lua:17: before_run hook broke on purpose" "the error names the recipe line"
check_eq "no table was created" "f f" "$(table_exists "$DST" public a_table) $(table_exists "$DST" public b_table)"

it_done
