#!/usr/bin/env bash
# cli.sh - the command line: --help, help COMMAND, --version, unknown
# commands and options (exit 2), `migrate test` on a passing and a failing
# spec (TAP output, exit 0 / 1), `migrate run` == `migrate RECIPE`.
source "$(dirname "$0")/lib/common.sh"
it_init cli

section "--help and help COMMAND"
for args in "--help" "-h" "help"; do
    it_run $args
    check_rc 0 "migrate $args"
    check_output out "usage: migrate" "migrate $args"
    check_output out "Exit codes:" "migrate $args"
    [ -s "$IT_ERR" ] && fail "migrate $args wrote to stderr: $(cat "$IT_ERR")"
done
check_output out "run RECIPE.lua" "the commands are listed"
check_output out "test SPEC.lua" "the commands are listed"
for args in "help run" "run --help"; do
    it_run $args
    check_rc 0 "migrate $args"
    check_output out "usage: migrate run RECIPE.lua" "migrate $args"
    check_output out "--stop-on-error" "migrate $args"
done
it_run help test
check_rc 0 "migrate help test"
check_output out "usage: migrate test SPEC.lua"

section "--version"
version=$(sed -n 's/^project(migrate VERSION \([0-9.]*\).*/\1/p' "$MG_SOURCE_DIR/CMakeLists.txt")
for args in "--version" "-V"; do
    it_run $args
    check_rc 0 "migrate $args"
    check_match out "^migrate $version \\(LuaJIT [0-9]" "migrate $args"
done

section "usage errors: exit 2"
it_run
check_rc 2 "migrate (no arguments)"
check_output err "usage: migrate"
it_run frobnicate
check_rc 2 "migrate frobnicate"
check_output err "unknown command 'frobnicate'"
it_run help frobnicate
check_rc 2 "migrate help frobnicate"
check_output err "frobnicate"
it_run --frobnicate "$(it_recipe plain)"
check_rc 2 "migrate --frobnicate"
check_output err "unknown option '--frobnicate'"
it_run --log-level loud "$(it_recipe plain)"
check_rc 2 "migrate --log-level loud"
check_output err "unknown log level 'loud'"
it_run run
check_rc 2 "migrate run (no recipe)"
check_output err "run needs a file"
it_run test
check_rc 2 "migrate test (no spec)"

section "migrate test on a passing spec"
it_run test "$IT_DIR/specs/passing_spec.lua"
check_rc 0
check_match out "^ok 1 - a passing spec > compares values" "TAP line 1"
check_match out "^ok 2 - a passing spec > sees the stdlib" "TAP line 2"
check_match out "^1\\.\\.2$" "TAP plan"
check_no_output out "not ok"

section "migrate test on a failing spec"
it_run test "$IT_DIR/specs/failing_spec.lua"
check_rc 1
check_match out "^ok 1 - a failing spec > passes first" "the passing test"
check_match out "^not ok 2 - a failing spec > then fails" "the failing test"
check_output out "failing_spec.lua:9" "the failure's file and line"
check_output out "expected-value" "what was expected"
check_output out "actual-value" "what it got"

section "migrate test on a missing spec file"
it_run test "$IT_TMP/no_such_spec.lua"
check_rc 1
check_match out "^not ok 1 - load .*no_such_spec.lua" "reported as a failed test"
check_output out "No such file or directory"

section "both specs at once: exit 1"
it_run test "$IT_DIR/specs/passing_spec.lua" "$IT_DIR/specs/failing_spec.lua"
check_rc 1

section "migrate run RECIPE and migrate RECIPE do the same"
it_createdb SRC src
it_createdb DST dst
sql "$SRC" "CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 10)"
it_run run "$(it_recipe plain)" source="dbname=$SRC" target="dbname=$DST"
check_rc 0 "migrate run RECIPE"
check_status public.t succeeded
it_run "$(it_recipe plain)" source="dbname=$SRC" target="dbname=$DST" -q
check_rc 0 "migrate RECIPE -q (options after the arguments)"
check_status public.t succeeded
[ -s "$IT_ERR" ] && fail "-q should silence the info lines: $(cat "$IT_ERR")"
pass "-q: nothing on stderr"
check_same_rows "$SRC" t "$DST" t id

it_done
