#!/usr/bin/env bash
# target_restart.sh - the target server restarts in the middle of a run
# (two workers copying a table in 10 chunks): the run reconnects and
# completes, or fails with a clear error naming the target and the next
# run completes; either way nothing is lost and nothing is copied twice.
# A target down longer than the retries: the run fails clearly (exit 1 or
# 4, naming the target, no traceback) and the next run resumes and
# completes.  A target back in time for the coordinator but not for the
# workers: the coordinator does their chunks at once, without waiting out
# their leases.
#
# The source lives on the test server; the target on a second throwaway
# cluster of this test's own (scripts/pgtmp.sh), stopped and removed at
# the end whatever happens.
source "$(dirname "$0")/lib/common.sh"
it_init target_restart

PGTMP=$MG_SOURCE_DIR/scripts/pgtmp.sh
TDIR=$(mktemp -d "${TMPDIR:-/tmp}/mg_target_restart.XXXXXX")
TPORT=$((54390 + $$ % 10))
chmod 755 "$TDIR"
target_cleanup() {
    "$PGTMP" stop "$TDIR" >/dev/null 2>&1
    [ -f "$TDIR/server.log" ] && [ -d "$IT_TMP" ] && cp "$TDIR/server.log" "$IT_TMP/target_server.log"
    rm -rf "$TDIR"
}
trap 'rc=$?; target_cleanup; (exit $rc); it_cleanup' EXIT

it_createdb SRC src

section "source: big (1,000,000 rows, 10 chunks), two small tables; the target's own server"
t0=$SECONDS
sql "$SRC" <<'SQL'
CREATE TABLE big AS SELECT g AS id, 'row ' || g || repeat('.', g % 50) AS v, g % 997 AS n
  FROM generate_series(1, 1000000) g;
ALTER TABLE big ADD PRIMARY KEY (id);
CREATE TABLE small (id int PRIMARY KEY, label text);
INSERT INTO small SELECT g, 'label ' || g FROM generate_series(1, 3000) g;
CREATE TABLE nokey (k int, v text);
INSERT INTO nokey SELECT g % 50, 'row ' || g FROM generate_series(1, 2000) g;
ANALYZE;
SQL
"$PGTMP" start "$TDIR" "$TPORT" || fail "cannot start the target's server in $TDIR on port $TPORT"
TARGET="host=$TDIR port=$TPORT dbname=dst"
tsql() {
    "${PSQL[@]}" -h "$TDIR" -p "$TPORT" -d "${2:-dst}" -c "$1" || fail "SQL failed on the target: $1"
}
tsql "CREATE DATABASE dst" postgres
pass "source and the target's server (port $TPORT) ready in $((SECONDS - t0)) s"

recipe=$IT_TMP/recipe.lua
cat >"$recipe" <<'LUA'
local m = require "migrate"
return m.recipe {
  source = "${source}", target = "${target}",
  tables = { "public.big", "public.small", "public.nokey" },
  create = "recreate", policy = "overwrite",
  chunk_rows = 100000,
  retries = tonumber(m.params.retries),
}
LUA

# Order-independent: count, distinct keys, sum of the rows' hashes.
check_sql() {
    echo "SELECT count(*) || ' ' || count(DISTINCT $2) || ' ' || coalesce(sum(hashtext(t::text)::bigint), 0) FROM $1 t"
}
declare -A SRC_CHECK
for t in big:id small:id nokey:t::text; do
    SRC_CHECK[${t%%:*}]=$(sql "$SRC" "$(check_sql "${t%%:*}" "${t#*:}")")
done

reset_target() {
    tsql "DROP SCHEMA IF EXISTS _migrate CASCADE; DROP TABLE IF EXISTS big, small, nokey"
}

# start_run RETRIES [ARGS...]: migrate --workers 2 in the background.
start_run() {
    local retries=$1
    shift
    IT_RUNS=$((IT_RUNS + 1))
    IT_OUT=$IT_TMP/run$IT_RUNS.out
    IT_ERR=$IT_TMP/run$IT_RUNS.err
    RUN_ARGS=("$recipe" source="dbname=$SRC" target="$TARGET" retries="$retries" --workers 2 "$@")
    echo "\$ migrate ${RUN_ARGS[*]}" >"$IT_TMP/run$IT_RUNS.cmd"
    "$MIGRATE" --no-progress "${RUN_ARGS[@]}" >"$IT_OUT" 2>"$IT_ERR" </dev/null &
    MPID=$!
}

finish_run() {
    wait "$MPID"
    IT_RC=$?
}

# Wait (at most ~30 s) until a worker is copying into big on the target.
wait_for_copy() {
    local i n
    for i in $(seq 600); do
        n=$("${PSQL[@]}" -h "$TDIR" -p "$TPORT" -d postgres -c "SELECT count(*) FROM pg_stat_progress_copy
              WHERE datname = 'dst' AND command = 'COPY FROM' AND tuples_processed > 0" 2>/dev/null)
        [ "${n:-0}" -gt 0 ] && return 0
        kill -0 "$MPID" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}

# restart_target DOWN: stop the target's server, keep it down DOWN seconds,
# start it again.  TARGET_BACK: when it was accepting connections again.
restart_target() {
    local t=$SECONDS
    wait_for_copy || { kill -9 "$MPID"; fail "the copy into big never started"; }
    "$PGTMP" stop "$TDIR" || fail "cannot stop the target's server"
    sleep "$1"
    "$PGTMP" start "$TDIR" "$TPORT" || fail "cannot start the target's server again"
    TARGET_BACK=$SECONDS
    echo "# the target's server was stopped while big was copied, down ${1}+ s, back after $((SECONDS - t)) s"
}

check_exact() {
    local t
    for t in big:id small:id nokey:t::text; do
        check_eq "$1: ${t%%:*} rows (count, distinct keys, checksum)" \
            "${SRC_CHECK[${t%%:*}]}" "$(tsql "$(check_sql "${t%%:*}" "${t#*:}")")"
    done
    check_eq "$1: every task succeeded" "3 of 3" \
        "$(tsql "SELECT count(*) FILTER (WHERE status = 'succeeded') || ' of ' || count(*) FROM _migrate.tasks
                  WHERE run_id = (SELECT max(run_id) FROM _migrate.runs)")"
    check_eq "$1: the 10 chunks of big each done, rows add up" "10 10 1000000" \
        "$(tsql "SELECT count(*) || ' ' || count(done_at) || ' ' || sum(rows) FROM _migrate.chunks
                  WHERE task = 'public.big' AND kind = 'data' AND run_id = (SELECT max(run_id) FROM _migrate.runs)")"
    check_eq "$1: big's primary key was built" "1" \
        "$(tsql "SELECT count(*) FROM pg_constraint WHERE conrelid = 'big'::regclass AND contype = 'p'")"
}

# A clear failure: exit 1 or 4, the error names the target and the lost
# connection, and it is an error message, not a crash.
check_clear_failure() {
    case $IT_RC in
    1 | 4) pass "$1: the run fails with exit $IT_RC" ;;
    *) fail "$1: the run should fail with exit 1 or 4 (a task failed, or the target cannot be reached), not $IT_RC" ;;
    esac
    check_match err '\[target\] \[08[0-9A-Z]{3}\]' "$1: the error names the target and the connection problem"
    check_match err 'cannot connect to target|server closed the connection|terminating connection' \
        "$1: the error says what happened to the connection"
    check_no_output both "stack traceback" "$1: no Lua traceback"
    check_no_output both "connection is closed" "$1: no internal error about a closed connection"
}

section "the target restarts while two workers copy"
reset_target
start_run 5
restart_target 0
finish_run
echo "# attempts of big's chunks: $(tsql "SELECT string_agg(chunk || ':' || attempts, ' ' ORDER BY chunk)
                                        FROM _migrate.chunks WHERE task = 'public.big' AND kind = 'data'")"
if [ "$IT_RC" = 0 ]; then
    echo "# outcome: the run reconnected and completed (exit 0)"
    check_match err 'reconnecting in 1 s \(try 1 of 5\)' "the lost connection was retried"
    check_output err "reconnected" "the log"
    check_eq "one run" "1 succeeded" "$(tsql "SELECT count(*) || ' ' || min(status) FROM _migrate.runs")"
    check_eq "the chunks cut by the restart were done again" "yes" \
        "$(tsql "SELECT CASE WHEN sum(attempts) > count(*) THEN 'yes' ELSE 'no' END FROM _migrate.chunks
                  WHERE task = 'public.big' AND kind = 'data'")"
else
    echo "# outcome: the run failed (exit $IT_RC); a second run completes it"
    check_clear_failure "restart"
    it_run "${RUN_ARGS[@]}"
    check_rc 0 "the second run"
    check_output err "resuming run" "the second run"
fi
check_status public.big succeeded "10 chunks by id"
check_exact "restart"

section "the target down longer than the retries (retries = 1, down 8 s)"
reset_target
start_run 1
restart_target 8
finish_run
check_clear_failure "down"
check_eq "the record: the run did not succeed" "1 f" \
    "$(tsql "SELECT count(*) || ' ' || (bool_and(status = 'succeeded'))::text::char FROM _migrate.runs")"
done_before=$(tsql "SELECT count(done_at) FROM _migrate.chunks WHERE task = 'public.big' AND kind = 'data'")
echo "# chunks of big done before the target went down: $done_before of 10"
it_run "${RUN_ARGS[@]}"
check_rc 0 "the next run"
check_output err "resuming run 1" "the next run"
check_eq "still one run, now succeeded" "1 succeeded" "$(tsql "SELECT count(*) || ' ' || min(status) FROM _migrate.runs")"
check_exact "down"

section "the target back in time for the coordinator, not for the workers (retries = 3, down 9 s)"
# The workers try at +1, +3 and +7 s and give up; the coordinator then
# tries at about +8, +10 and +14 s: the target is back at about +10 s.
reset_target
start_run 3
restart_target 9
finish_run
check_rc 0 "the run"
check_match err 'worker [^ ]+ exited with code 4' "the log names a worker that gave up"
check_match err 'reconnected' "the coordinator reconnected"
late=$((SECONDS - TARGET_BACK))
echo "# the run ended $late s after the target was back"
[ "$late" -le 25 ] || fail "the run ended $late s after the target was back: the chunks of the workers that gave up waited for their leases (60 s) to run out instead of being released at once"
pass "the workers' chunks were done without waiting out their leases ($late s)"
check_exact "coordinator"

it_done
