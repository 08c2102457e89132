#!/usr/bin/env bash
# interrupt.sh - Ctrl-C while a 2M-row table is being copied: exit 130,
# the report is printed (the table "interrupted", the next one "not
# started"), the target table is rolled back (absent), the source is
# untouched; a re-run then completes with every row.  SIGTERM the same,
# with two worker processes: the signal reaches them through the run,
# the other worker's table (small) is done, big is rolled back.
source "$(dirname "$0")/lib/common.sh"
it_init interrupt

it_createdb SRC src
it_createdb DST dst

section "source: big (2,000,000 rows), then small"
t0=$SECONDS
sql "$SRC" <<'SQL'
CREATE TABLE big (id bigint, v text, ts timestamptz);
INSERT INTO big SELECT g, 'row ' || g, '2020-01-01'::timestamptz + g * interval '1 s'
  FROM generate_series(1, 2000000) g;
CREATE TABLE small (id int PRIMARY KEY);
INSERT INTO small SELECT generate_series(1, 10);
ANALYZE;
SQL
pass "source created in $((SECONDS - t0)) s"

# Wait until the target is receiving COPY rows for big (at most ~20 s).
wait_for_copy() {
    local i n
    for i in $(seq 400); do
        n=$(sql postgres "SELECT coalesce(sum(tuples_processed), 0) FROM pg_stat_progress_copy
                          WHERE datname = '$DST' AND command = 'COPY FROM'")
        [ "$n" -gt 0 ] && { echo "$n"; return 0; }
        kill -0 "$1" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}

sum_big() {
    sql "$1" "SELECT count(*) || ' ' || sum(hashtext(t::text)::bigint) FROM big t"
}

# interrupt SIGNAL WORKERS: start a run, send SIGNAL while big is being copied.
interrupt() {
    IT_RUNS=$((IT_RUNS + 1))
    IT_OUT=$IT_TMP/run$IT_RUNS.out
    IT_ERR=$IT_TMP/run$IT_RUNS.err
    "$MIGRATE" --no-progress --workers "$2" "$(it_recipe plain)" source="dbname=$SRC" target="dbname=$DST" \
        >"$IT_OUT" 2>"$IT_ERR" </dev/null &
    local pid=$!
    local rows
    rows=$(wait_for_copy "$pid") || { kill -KILL "$pid" 2>/dev/null; fail "the copy of big never started (or ended too soon)"; }
    sleep 0.3
    kill -"$1" "$pid"
    local t=$SECONDS
    wait "$pid"
    IT_RC=$?
    pass "SIG$1 sent while copying ($rows rows in flight); migrate stopped in $((SECONDS - t)) s"
}

for sig in INT TERM; do
    workers=1
    [ "$sig" = TERM ] && workers=2
    section "SIG$sig while copying big (--workers $workers)"
    sql "$DST" "DROP TABLE IF EXISTS big, small; DROP SCHEMA IF EXISTS _migrate CASCADE"
    interrupt "$sig" "$workers"
    check_rc 130
    check_status public.big interrupted
    check_output out "2 tables" "the report summary is printed"
    check_eq "big is rolled back (absent on the target)" f "$(table_exists "$DST" public big)"
    if [ "$workers" = 1 ]; then
        check_status public.small skipped "not started: interrupted"
        check_eq "small was not created" f "$(table_exists "$DST" public small)"
    else
        check_status public.small succeeded
        check_same_rows "$SRC" small "$DST" small id
    fi
    check_eq "no migrate session is left on the target" 0 \
        "$(sql postgres "SELECT count(*) FROM pg_stat_activity WHERE datname = '$DST'")"
done

section "a re-run completes"
it_run "$(it_recipe plain)" source="dbname=$SRC" target="dbname=$DST"
check_rc 0
check_status public.big succeeded
check_report_rows public.big 2,000,000
check_status public.small succeeded
check_eq "big: same rows as the source" "$(sum_big "$SRC")" "$(sum_big "$DST")"
check_same_rows "$SRC" small "$DST" small id

section "interrupting an overwrite of an existing table keeps the old rows"
sql "$DST" "DELETE FROM big WHERE id > 10"
interrupt INT 2
check_rc 130
check_status public.big interrupted
check_eq "big still holds its 10 old rows (truncate rolled back)" 10 "$(sql "$DST" "SELECT count(*) FROM big")"

it_done
