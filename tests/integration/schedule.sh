#!/usr/bin/env bash
# schedule.sh - how a run schedules its tasks, read back from the record
# (_migrate.tasks started_at / finished_at, _migrate.chunks):
#   workers (recipe, default the number of cores, --workers overrides),
#   max_tasks, wave_size, after (an unknown name is a recipe error),
#   reruns + rerun_interval (a failed chunk tried again), timeout,
#   retries (reconnect after a lost connection), chunk_rows, split
#   (the recipe's own chunks), --report FILE.json, --verify, and
#   `migrate status`.
# Four tables of 150k-300k rows take long enough that two workers without
# a constraint really run tasks at the same time (checked too).  The last
# sections hold what failed when this test was written (a timeout only
# felt at the end of the COPY, resuming after a failed verify, a failing
# split, `after` a failed table, in a cycle or across waves); the runs
# that could wait for ever are stopped after a limit.
source "$(dirname "$0")/lib/common.sh"
it_init schedule

it_createdb SRC src
it_createdb DST dst
sql "$SRC" "
CREATE TABLE public.big_a (id int PRIMARY KEY, v text);
CREATE TABLE public.big_b (id int PRIMARY KEY, v text);
CREATE TABLE public.big_c (id int PRIMARY KEY, v text);
CREATE TABLE public.big_d (id int PRIMARY KEY, v text);
INSERT INTO big_a SELECT g, md5(g::text) FROM generate_series(1, 300000) g;
INSERT INTO big_b SELECT g, md5(g::text) FROM generate_series(1, 250000) g;
INSERT INTO big_c SELECT g, md5(g::text) FROM generate_series(1, 200000) g;
INSERT INTO big_d SELECT g, md5(g::text) FROM generate_series(1, 150000) g;
CREATE TABLE public.guarded (id int PRIMARY KEY, v text);
INSERT INTO guarded SELECT g, 'guarded ' || g FROM generate_series(1, 50000) g;
CREATE TABLE public.plain (id int PRIMARY KEY, v text);
INSERT INTO plain SELECT g, 'plain ' || g FROM generate_series(1, 20000) g;
CREATE TABLE public.parts (id int PRIMARY KEY, v text);
INSERT INTO parts SELECT g, 'part ' || g FROM generate_series(1, 10000) g;
CREATE TABLE public.vgood (id int PRIMARY KEY, v text);
INSERT INTO vgood SELECT g, 'good ' || g FROM generate_series(1, 20000) g;
CREATE TABLE public.vbad (id int PRIMARY KEY, v text);
INSERT INTO vbad SELECT g, 'bad ' || g FROM generate_series(1, 20000) g;
-- 5 s and 1.5 s to read, a row every 10 ms.  (The target's COPY starts
-- once the source's first 8 kB arrive: slow_r's wide rows make that
-- early, so the test sees it running.)
CREATE VIEW public.slow AS
  SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 500) g WHERE pg_sleep(0.01) IS NOT NULL;
CREATE VIEW public.slow_r AS
  SELECT g AS id, repeat(md5(g::text), 10) AS v FROM generate_series(1, 150) g WHERE pg_sleep(0.01) IS NOT NULL;
ANALYZE;"

# The latest run in DB's record.
last_run() {
    sql "$1" "SELECT max(run_id) FROM _migrate.runs"
}

# overlaps DB RUN [WHERE]: pairs of tasks of RUN whose [started_at,
# finished_at] intervals intersect (only tasks matching WHERE, on t).
overlaps() {
    sql "$1" "WITH t AS (SELECT * FROM _migrate.tasks t WHERE run_id = $2 AND ${3:-true})
              SELECT count(*) FROM t a JOIN t b ON a.task < b.task
               WHERE a.started_at < b.finished_at AND b.started_at < a.finished_at"
}

# task_field DB RUN TASK EXPR: EXPR over the task's row of the record.
task_field() {
    sql "$1" "SELECT $4 FROM _migrate.tasks WHERE run_id = $2 AND task = '$3'"
}

# statuses DB RUN: "task:status ..." in task order.
statuses() {
    sql "$1" "SELECT string_agg(replace(task, 'public.', '') || ':' || status, ' ' ORDER BY task)
                FROM _migrate.tasks WHERE run_id = $2"
}

# json EXPR: EXPR over j, the --report file $report read as jsonb (the
# server parses it: no other tool needed).
json() {
    "${PSQL[@]}" -d "$DST" -v j="$(cat "$report")" <<<"SELECT $1 FROM (SELECT :'j'::jsonb AS j) x" ||
        fail "the report is not valid JSON: $(head -c 300 "$report")"
}

# it_run_limited SECONDS ARGS...: it_run, for what must not wait for
# ever: stopped after SECONDS, and then the test fails.
it_run_limited() {
    local limit=$1
    shift
    IT_RUNS=$((IT_RUNS + 1))
    IT_OUT=$IT_TMP/run$IT_RUNS.out
    IT_ERR=$IT_TMP/run$IT_RUNS.err
    echo "\$ migrate $* (limit ${limit}s)" >"$IT_TMP/run$IT_RUNS.cmd"
    timeout -k 10 "$limit" "$MIGRATE" --no-progress "$@" >"$IT_OUT" 2>"$IT_ERR" </dev/null
    IT_RC=$?
    if [ "$IT_RC" = 124 ] || [ "$IT_RC" = 137 ]; then
        fail "migrate $* was still running after ${limit} s (stopped)"
    fi
}

big=("$(it_recipe schedule)" source="dbname=$SRC" target="dbname=$DST")
report=$IT_TMP/report.json
all4="big_a:succeeded big_b:succeeded big_c:succeeded big_d:succeeded"

section "no constraint: two workers (--workers over the recipe's workers = 1) run tasks at once"
it_run "${big[@]}" workers=1 --workers 2 --report "$report"
check_rc 0
run=$(last_run "$DST")
check_eq "every task succeeded" "$all4" "$(statuses "$DST" "$run")"
for t in big_a big_b big_c big_d; do
    check_same_rows "$SRC" "public.$t" "$DST" "public.$t" id
done
n=$(overlaps "$DST" "$run")
check_eq "some tasks ran at the same time ($n overlapping pairs)" yes "$([ "$n" -ge 1 ] && echo yes)"
check_eq "two worker processes did the chunks" 2 \
    "$(sql "$DST" "SELECT count(DISTINCT worker) FROM _migrate.chunks WHERE run_id = $run")"
check_output err "2 workers"

section "--report FILE.json"
[ -s "$report" ] || fail "--report wrote no file $report"
check_eq "report: run_id, exit_code" "$run 0" "$(json "(j->>'run_id') || ' ' || (j->>'exit_code')")"
check_eq "report: seconds is a positive number" "number true" \
    "$(json "jsonb_typeof(j->'seconds') || ' ' || ((j->>'seconds')::float8 > 0)")"
check_eq "report: four tasks, each with the documented fields" "4 4" \
    "$(json "jsonb_array_length(j->'tasks') || ' ' || (SELECT count(*) FROM jsonb_array_elements(j->'tasks') e
              WHERE e ?& array['source', 'target', 'status', 'rows', 'chunks', 'attempts', 'remark'])")"
check_eq "report: public.big_a" "public.big_a succeeded 300000 1 1" \
    "$(json "(SELECT concat_ws(' ', e->>'target', e->>'status', e->>'rows', e->>'chunks', e->>'attempts')
               FROM jsonb_array_elements(j->'tasks') e WHERE e->>'source' = 'public.big_a')")"
check_eq "report: total rows" 900000 "$(json "(SELECT sum((e->>'rows')::bigint) FROM jsonb_array_elements(j->'tasks') e)")"

section "workers = 1 in the recipe: one task at a time, in this process"
it_run "${big[@]}" workers=1
check_rc 0
run=$(last_run "$DST")
check_eq "every task succeeded" "$all4" "$(statuses "$DST" "$run")"
check_eq "no two tasks overlap" 0 "$(overlaps "$DST" "$run")"
check_eq "one worker did every chunk" 1 \
    "$(sql "$DST" "SELECT count(DISTINCT worker) FROM _migrate.chunks WHERE run_id = $run")"
check_no_output err "workers"

section "max_tasks = 1 with --workers 2: never two tasks at once"
it_run "${big[@]}" max_tasks=1 --workers 2
check_rc 0
run=$(last_run "$DST")
check_eq "every task succeeded" "$all4" "$(statuses "$DST" "$run")"
check_eq "no two tasks' [started_at, finished_at] overlap" 0 "$(overlaps "$DST" "$run")"
check_same_rows "$SRC" public.big_b "$DST" public.big_b id

section "wave_size = 2: the second wave starts after the whole first one"
it_run "${big[@]}" wave_size=2 --workers 2
check_rc 0
run=$(last_run "$DST")
check_eq "every task succeeded" "$all4" "$(statuses "$DST" "$run")"
check_eq "plan order (position)" "big_a:1 big_b:2 big_c:3 big_d:4" \
    "$(sql "$DST" "SELECT string_agg(replace(task, 'public.', '') || ':' || position, ' ' ORDER BY position)
                     FROM _migrate.tasks WHERE run_id = $run")"
check_eq "every task of wave 2 started after all of wave 1 finished" t \
    "$(sql "$DST" "SELECT (SELECT min(started_at) FROM _migrate.tasks WHERE run_id = $run AND position > 2)
                       >= (SELECT max(finished_at) FROM _migrate.tasks WHERE run_id = $run AND position <= 2)")"
check_eq "the two tasks of wave 1 ran at the same time" 1 "$(overlaps "$DST" "$run" "position <= 2")"

section "after: big_a (first in plan order, the biggest) waits for big_c and big_d"
it_run "${big[@]}" after_a=public.big_c,public.big_d --workers 2
check_rc 0
run=$(last_run "$DST")
check_eq "every task succeeded" "$all4" "$(statuses "$DST" "$run")"
check_eq "big_a started after big_c and big_d finished" t \
    "$(sql "$DST" "SELECT a.started_at >= (SELECT max(finished_at) FROM _migrate.tasks
                                              WHERE run_id = $run AND task IN ('public.big_c', 'public.big_d'))
                     FROM _migrate.tasks a WHERE run_id = $run AND task = 'public.big_a'")"
check_eq "big_b did not wait: it started before big_c and big_d finished" t \
    "$(sql "$DST" "SELECT b.started_at < (SELECT max(finished_at) FROM _migrate.tasks
                                             WHERE run_id = $run AND task IN ('public.big_c', 'public.big_d'))
                     FROM _migrate.tasks b WHERE run_id = $run AND task = 'public.big_b'")"
check_same_rows "$SRC" public.big_a "$DST" public.big_a id

section "after naming a table that is not in the run: a recipe error"
it_run "${big[@]}" after_a=public.big_zz
check_rc 3
check_output err "schedule.lua"
check_output err "public.big_zz"
check_output err "public.big_a"

section "chunk_rows: big_a in key ranges, each done once by the workers"
it_run "${big[@]}" tables=public.big_a chunk_rows=70000 --workers 2
check_rc 0
run=$(last_run "$DST")
check_eq "big_a: 5 data chunks, all done once, 300000 rows" "5 5 5 300000" \
    "$(sql "$DST" "SELECT count(*) || ' ' || count(done_at) || ' ' || sum(attempts) || ' ' || sum(rows)
                     FROM _migrate.chunks WHERE run_id = $run AND task = 'public.big_a' AND kind = 'data'")"
check_eq "the chunks are key ranges" 5 \
    "$(sql "$DST" "SELECT count(*) FROM _migrate.chunks WHERE run_id = $run AND kind = 'data' AND cond LIKE '\"id\" %'")"
check_same_rows "$SRC" public.big_a "$DST" public.big_a id
check_status public.big_a succeeded "5 chunks by id"

section "split: the recipe's own conditions (default workers: the number of cores)"
split=("$(it_recipe schedule_split)" source="dbname=$SRC" target="dbname=$DST")
it_run "${split[@]}"
check_rc 0
run=$(last_run "$DST")
check_eq "three data chunks with the recipe's conditions and their exact rows" \
    "1:(id <= 1000):1000 2:(id > 1000 AND id <= 4000):3000 3:(id > 4000 AND id <= 10000):6000" \
    "$(sql "$DST" "SELECT string_agg(chunk || ':' || cond || ':' || rows, ' ' ORDER BY chunk)
                     FROM _migrate.chunks WHERE run_id = $run AND task = 'public.parts' AND kind = 'data'")"
check_same_rows "$SRC" public.parts "$DST" public.parts id
check_status public.parts succeeded "3 chunks"
cores=$(nproc)
if [ "$cores" -gt 1 ]; then
    check_output err "$cores workers"
else
    check_no_output err "workers"
fi

section "split returning a number, or a number among the conditions: recipe errors"
it_run "${split[@]}" split=number
check_rc 3
check_output err "public.parts"
check_output err "split"
it_run "${split[@]}" split=nonstring
check_rc 3
check_output err "public.parts"
check_output err "condition 2"

section "reruns: a chunk failing at first is rerun after rerun_interval"
it_createdb DST2 dst2
sql "$DST2" "CREATE TABLE public.guarded (id int PRIMARY KEY, v text CONSTRAINT not_yet CHECK (id < 0))"
guarded=("$(it_recipe schedule_guarded)" source="dbname=$SRC" target="dbname=$DST2")
# Drop the constraint once the record shows the first failure: the first
# attempt always fails, a later one can succeed.
drop_after_failure() {
    local i
    for i in $(seq 1 300); do
        if [ "$("${PSQL[@]}" -d "$DST2" -c "SELECT count(*) FROM _migrate.chunks
                 WHERE task = 'public.guarded' AND error LIKE '%23514%'" 2>/dev/null)" = 1 ]; then
            "${PSQL[@]}" -d "$DST2" -c "ALTER TABLE public.guarded DROP CONSTRAINT not_yet"
            return
        fi
        sleep 0.1
    done
}
drop_after_failure &
dropper=$!
it_run "${guarded[@]}" reruns=3 --workers 2
wait "$dropper"
check_rc 0
run=$(last_run "$DST2")
check_eq "both tasks succeeded" "guarded:succeeded plain:succeeded" "$(statuses "$DST2" "$run")"
check_eq "the guarded chunk took more than one attempt" yes \
    "$(sql "$DST2" "SELECT CASE WHEN attempts > 1 THEN 'yes' ELSE attempts::text END
                      FROM _migrate.chunks WHERE run_id = $run AND task = 'public.guarded' AND kind = 'load'")"
check_eq "the task lasted at least rerun_interval (1 s)" t \
    "$(task_field "$DST2" "$run" public.guarded "finished_at - started_at >= interval '1 s'")"
check_output err "rerun 1 of 3"
check_same_rows "$SRC" public.guarded "$DST2" public.guarded id

section "without reruns the same failure fails the task with its SQLSTATE"
sql "$DST2" "TRUNCATE public.guarded; ALTER TABLE public.guarded ADD CONSTRAINT not_yet CHECK (id < 0)"
it_run "${guarded[@]}" reruns=0 --workers 2
check_rc 1
run=$(last_run "$DST2")
check_eq "guarded failed, plain succeeded" "guarded:failed plain:succeeded" "$(statuses "$DST2" "$run")"
check_output err "[23514]" "the log"
check_eq "the reason carries the SQLSTATE" t \
    "$(task_field "$DST2" "$run" public.guarded "reason LIKE '%23514%not_yet%'")"
check_eq "one attempt" 1 \
    "$(sql "$DST2" "SELECT attempts FROM _migrate.chunks WHERE run_id = $run AND task = 'public.guarded' AND kind = 'load'")"
check_count "$DST2" public.guarded 0
check_status public.guarded failed "23514"

section "timeout: a table reading longer than its timeout fails, the others go on"
timeout_args=("$(it_recipe schedule_timeout)" source="dbname=$SRC" target="dbname=$DST")
it_run "${timeout_args[@]}" --workers 2 --report "$report"
check_rc 1
timeout_run=$(last_run "$DST")
check_eq "slow failed, the others succeeded" "big_d:succeeded plain:succeeded slow:failed" \
    "$(statuses "$DST" "$timeout_run")"
check_eq "the reason says timed out" t \
    "$(task_field "$DST" "$timeout_run" public.slow "reason LIKE '%timed out%'")"
check_status public.slow failed "timed out"
check_eq "public.slow rolled back: no target table" f "$(table_exists "$DST" public slow)"
check_same_rows "$SRC" public.plain "$DST" public.plain id
check_eq "report: exit_code 1, slow failed with the reason" "1 failed true" \
    "$(json "(j->>'exit_code') || ' ' || (SELECT (e->>'status') || ' ' || (e->>'remark' LIKE '%timed out%')
               FROM jsonb_array_elements(j->'tasks') e WHERE e->>'source' = 'public.slow')")"

section "migrate status shows the tasks of that run"
it_run status --state "dbname=$DST"
check_rc 1
check_output out "run $timeout_run (failed)"
check_match out "public\.slow +public\.slow +failed .*timed out"
check_match out "public\.plain +public\.plain +succeeded +20,000 "
check_match out "public\.big_d +public\.big_d +succeeded +150,000 "

section "retries: a lost target connection is made again, the chunk redone"
it_createdb DST5 dst5
retries=("$(it_recipe schedule_retries)" source="dbname=$SRC" target="dbname=$DST5")
# Cut the target connection that is loading slow_r, once.
cut_copy() {
    local i n
    for i in $(seq 1 300); do
        n=$("${PSQL[@]}" -d postgres -c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                 WHERE datname = '$DST5' AND query LIKE 'COPY %slow_r%FROM STDIN%'" 2>/dev/null)
        [ "${n:-0}" -gt 0 ] && return
        sleep 0.1
    done
}
cut_copy &
cutter=$!
it_run "${retries[@]}" retries=2 --workers 2
wait "$cutter"
check_rc 0
check_output err "reconnecting in 1 s (try 1 of 2)"
run=$(last_run "$DST5")
check_eq "both tasks succeeded" "plain:succeeded slow_r:succeeded" "$(statuses "$DST5" "$run")"
check_eq "the slow_r chunk was done twice" 2 \
    "$(sql "$DST5" "SELECT attempts FROM _migrate.chunks WHERE run_id = $run AND task = 'public.slow_r' AND kind = 'load'")"
check_same_rows "$SRC" public.slow_r "$DST5" public.slow_r id

section "retries = 0: no reconnect; the next run resumes and completes"
sql "$DST5" "DROP SCHEMA _migrate CASCADE; DROP TABLE public.slow_r, public.plain"
cut_copy &
cutter=$!
it_run "${retries[@]}" retries=0 --workers 1
wait "$cutter"
[ "$IT_RC" != 0 ] || fail "a run with retries = 0 that lost its target connection exited 0"
pass "a run with retries = 0 that lost its target connection exits $IT_RC"
check_no_output err "reconnecting"
it_run "${retries[@]}" retries=0 --workers 1
check_rc 0
check_output err "resuming run"
check_same_rows "$SRC" public.slow_r "$DST5" public.slow_r id
check_same_rows "$SRC" public.plain "$DST5" public.plain id

section "--verify: each table verified after loading; a changed row fails its task"
it_createdb DST3 dst3
sql "$DST3" "
CREATE TABLE public.vbad (id int PRIMARY KEY, v text);
CREATE FUNCTION public.mangle() RETURNS trigger LANGUAGE plpgsql AS
  \$\$ BEGIN IF NEW.id = 777 THEN NEW.v := 'mangled'; END IF; RETURN NEW; END \$\$;
CREATE TRIGGER mangle BEFORE INSERT ON public.vbad FOR EACH ROW EXECUTE FUNCTION public.mangle();"
verify=("$(it_recipe schedule_verify)" source="dbname=$SRC" target="dbname=$DST3")
it_run "${verify[@]}" --verify --workers 2
check_rc 1
run=$(last_run "$DST3")
check_eq "vgood succeeded, vbad failed" "vbad:failed vgood:succeeded" "$(statuses "$DST3" "$run")"
check_status public.vgood succeeded "verified"
check_eq "vbad: the reason starts with verify and names the row" t \
    "$(task_field "$DST3" "$run" public.vbad "reason LIKE 'verify%' AND reason LIKE '%777%'")"
check_match out "public\.vbad +public\.vbad +20,000 .* failed +verify"
check_eq "the changed row is there (the rows were loaded)" mangled \
    "$(sql "$DST3" "SELECT v FROM public.vbad WHERE id = 777")"

# ---------------------------------------------------------------------
# The checks below failed when written (see the comments): they state
# what the features promise.

section "timeout: the task is stopped when its time is up, not when its COPY ends"
# public.slow needs 5 s to read; timeout = 1.  (When written, the target's
# statement_timeout only surfaced at the end of the COPY: the task ran the
# whole 5 s and more.)
check_eq "public.slow failed within 3.5 s of its start" t \
    "$(task_field "$DST" "$timeout_run" public.slow "finished_at - started_at < interval '3.5 s'")"

section "resuming after a failed verify: the post-load work is done again"
# Fix the row and the trigger, run again: the run resumes, verifies vbad
# again, and no row is copied twice.  (When written, vbad stayed
# 'waiting' for ever: all its chunks were done.)
sql "$DST3" "DROP TRIGGER mangle ON public.vbad; UPDATE public.vbad SET v = 'bad 777' WHERE id = 777"
it_run_limited 60 "${verify[@]}" --verify --workers 2
check_rc 0
check_output err "resuming run $run"
check_eq "both succeeded" "vbad:succeeded vgood:succeeded" "$(statuses "$DST3" "$(last_run "$DST3")")"
check_status public.vbad succeeded "verified"
check_same_rows "$SRC" public.vbad "$DST3" public.vbad id

section "a split that fails is a recipe error naming the recipe; no run is left running"
# (When written, a split raising an error exited 70 with a traceback, the
# messages of a bad split named no file, and each left its run 'running'.)
it_run "${split[@]}" split=raises
check_rc 3
check_output err "no idea how to split public.parts"
check_output err "schedule_split.lua"
check_no_output err "stack traceback"
it_run "${split[@]}" split=number
check_rc 3
check_output err "schedule_split.lua"
check_eq "no run of the record is left running" 0 \
    "$(sql "$DST" "SELECT count(*) FROM _migrate.runs WHERE status = 'running'")"

section "after a table that failed: the task waiting for it ends too, the run ends"
# (When written, the run waited for ever.)
sql "$DST2" "TRUNCATE public.guarded"
it_run_limited 30 "${guarded[@]}" reruns=0 plain_after=public.guarded --workers 2
check_rc 1
run=$(last_run "$DST2")
check_eq "guarded failed" failed "$(task_field "$DST2" "$run" public.guarded status)"
check_eq "plain did not run: skipped (or failed), no chunk tried, its reason names public.guarded" \
    "ended 0 yes" \
    "$(task_field "$DST2" "$run" public.plain "concat_ws(' ',
         CASE WHEN status IN ('skipped', 'failed') THEN 'ended' ELSE status END,
         (SELECT count(*) FROM _migrate.chunks c WHERE c.run_id = $run AND c.task = 'public.plain' AND c.attempts > 0),
         CASE WHEN reason LIKE '%public.guarded%' THEN 'yes' ELSE 'no: ' || coalesce(reason, '(none)') END)")"

section "after in a cycle: an error, not a run that waits for ever"
it_run_limited 30 "${big[@]}" after_a=public.big_d after_d=public.big_a --workers 2
check_rc 3
check_output err "public.big_a"
check_output err "public.big_d"

section "after a table of a later wave: the run does not wait for ever"
it_run_limited 30 "${big[@]}" wave_size=2 after_a=public.big_d --workers 2
pass "big_a (wave 1) after big_d (wave 2): the run ends by itself (exit $IT_RC)"

it_done
