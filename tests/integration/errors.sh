#!/usr/bin/env bash
# errors.sh - what a user sees when something is wrong:
#   broken recipes (syntax error, typo, wrong type, bad enum, unknown
#   ${param}, Lua error): exit 3 and FILE:LINE with the right line;
#   a missing recipe file (exit 3); malformed key=value (exit 2);
#   unreachable servers (exit 4, naming the side); passwords never shown;
#   a table failing in the middle of a run (reported with its SQLSTATE,
#   the others still load, exit 1); --stop-on-error stops after it.
source "$(dirname "$0")/lib/common.sh"
it_init errors

it_createdb SRC src
it_createdb DST dst
B=$IT_RECIPES/broken

section "broken recipes: exit 3, FILE:LINE: message"
# check_recipe_error FILE LINE TEXT
check_recipe_error() {
    it_run "$B/$1" source="dbname=$SRC" target="dbname=$DST"
    check_rc 3 "$1"
    check_output err "$B/$1:$2: " "$1: the error names the file and line $2"
    check_output err "$3" "$1: the error says what is wrong"
    [ "$(wc -l <"$IT_ERR")" -le 2 ] || fail "$1: expected a short error, got $(wc -l <"$IT_ERR") lines"
    check_no_output out "source table" "$1: no report (nothing ran)"
}
check_recipe_error syntax.lua 9 "'}' expected"
check_recipe_error typo.lua 13 "unknown option 'polcy'"
check_output err "did you mean 'policy'?" "typo.lua: a suggestion"
check_recipe_error wrong_type.lua 9 "option 'quote_names' expects true or false, got string"
check_recipe_error bad_enum.lua 11 "option 'conflict'"
check_output err '"error", "update", "skip"' "bad_enum.lua: the allowed values"
check_recipe_error unknown_param.lua 10 'uses ${snice}'
check_output err "did you mean 'since'?" "unknown_param.lua: a suggestion"
check_recipe_error runtime_error.lua 6 "attempt to index"

section "a missing recipe file: exit 3, the path and the reason"
it_run "$IT_TMP/no_such_recipe.lua" source="dbname=$SRC" target="dbname=$DST"
check_rc 3
check_output err "$IT_TMP/no_such_recipe.lua"
check_output err "No such file or directory"

section "malformed key=value: exit 2"
it_run "$(it_recipe plain)" source="dbname=$SRC" target
check_rc 2
check_output err "expected key=value after the recipe, got 'target'"
it_run "$(it_recipe plain)" source="dbname=$SRC" "1target=x"
check_rc 2
check_output err "got '1target=x'"
it_run "$(it_recipe plain)" source="dbname=$SRC" "=x"
check_rc 2

section "unreachable servers: exit 4, the side named"
it_run "$(it_recipe plain)" "source=host=/nonexistent port=1 dbname=x" target="dbname=$DST"
check_rc 4 "source on a missing unix socket"
check_output err "[source] [08001] cannot connect to source" "the error names the source side and the SQLSTATE"
check_output err "/nonexistent" "the error says where it tried"
it_run "$(it_recipe plain)" source="dbname=$SRC" "target=host=127.0.0.1 port=1 dbname=x connect_timeout=5"
check_rc 4 "target on a closed TCP port"
check_output err "[target] [08001] cannot connect to target" "the error names the target side and the SQLSTATE"
check_no_output err "source" "only the target is blamed"
check_no_output out "source table" "no report"
it_run "$(it_recipe plain)" source="dbname=$SRC" target="dbname=it_errors_no_such_db_$$"
check_rc 4 "target database does not exist"
check_output err "it_errors_no_such_db_$$"
check_match err '\btarget\b' "the error names the target side"

section "passwords never appear in the output"
SECRET=SuperSecret123
for verbose in "" "-v"; do
    it_run $verbose "$(it_recipe plain)" "source=postgresql://u:$SECRET@127.0.0.1:1/db" target="dbname=$DST"
    check_rc 4 "URL with a password${verbose:+ (verbose)}"
    check_no_output both "$SECRET" "stdout and stderr${verbose:+ (verbose)}"
    check_output err "127.0.0.1" "the error still says where"
    it_run $verbose "$(it_recipe plain)" source="dbname=$SRC" "target=host=127.0.0.1 port=1 user=u password=$SECRET dbname=db"
    check_rc 4 "conninfo with a password${verbose:+ (verbose)}"
    check_no_output both "$SECRET" "stdout and stderr${verbose:+ (verbose)}"
done
# A reachable server that rejects the password (the server's message must
# not echo the connection string either).
sql postgres "DO \$\$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'it_errors_user') THEN CREATE ROLE it_errors_user LOGIN PASSWORD 'x'; END IF; END \$\$"
it_run -v "$(it_recipe plain)" "source=postgresql://it_errors_user:$SECRET@/$SRC?host=$PGHOST&port=$PGPORT" target="dbname=$DST"
check_no_output both "$SECRET" "a working connection with a password (verbose run)"
sql postgres "DROP ROLE it_errors_user"

section "a table failing in the middle of a run"
sql "$SRC" <<'SQL'
CREATE TABLE t1_first (id int PRIMARY KEY, v int);
INSERT INTO t1_first SELECT g, g FROM generate_series(1, 100) g;
CREATE TABLE t2_checked (id int PRIMARY KEY, v int);
INSERT INTO t2_checked SELECT g, g FROM generate_series(1, 100) g;
CREATE TABLE t3_last (id int PRIMARY KEY, v int);
INSERT INTO t3_last SELECT g, g FROM generate_series(1, 100) g;
SQL
# The target's own t2_checked refuses v > 50 (create = "missing" keeps it);
# --max-rejects 0: a refused row fails its table (rejects.sh has the rest).
prepare_target() {
    sql "$DST" "DROP TABLE IF EXISTS t1_first, t2_checked, t3_last;
                CREATE TABLE t2_checked (id int PRIMARY KEY, v int CONSTRAINT v_small CHECK (v <= 50));
                INSERT INTO t2_checked VALUES (-1, -1);"
}
prepare_target
it_run "$(it_recipe plain)" source="dbname=$SRC" target="dbname=$DST" --max-rejects 0
check_rc 1
check_status public.t1_first succeeded
check_status public.t2_checked failed "23514"
check_status public.t2_checked failed "v_small"
check_status public.t2_checked failed "[target]"
check_status public.t3_last succeeded
check_output out "3 tables, 200 rows" "the summary counts the rows loaded"
check_output out "2 succeeded, 1 failed" "the summary counts the statuses"
check_output err "23514" "the log line"
check_same_rows "$SRC" t1_first "$DST" t1_first id
check_same_rows "$SRC" t3_last "$DST" t3_last id
check_eq "the failed table is rolled back (only its own row)" "-1" "$(sql "$DST" "SELECT string_agg(id::text, ',') FROM t2_checked")"

section "--stop-on-error stops after the failed table"
prepare_target
it_run --restart --stop-on-error --max-rejects 0 --workers 1 "$(it_recipe plain)" source="dbname=$SRC" target="dbname=$DST"
check_rc 1
check_status public.t1_first succeeded
check_status public.t2_checked failed "23514"
check_status public.t3_last skipped "not started"
check_eq "t3_last was not created" f "$(table_exists "$DST" public t3_last)"
check_same_rows "$SRC" t1_first "$DST" t1_first id

it_done
