#!/usr/bin/env bash
# worker_kill.sh - a worker process killed with kill -9 in the middle of a
# chunk while the others go on: the coordinator names the worker that
# exited, gives its chunk back, another worker does it again (attempts = 2
# in the record), and the result equals the source exactly: same counts,
# same order-independent checksums, no key twice.  Both workers killed:
# the coordinator does what is left itself.  And `migrate worker --state`
# started by hand joins a running migration (--workers 1), shares its
# chunks and reads the source as the run does, under the run's snapshot.
source "$(dirname "$0")/lib/common.sh"
it_init worker_kill

it_createdb SRC src
it_createdb DST dst

section "source: big (1,500,000 rows, 8 chunks), three small tables"
t0=$SECONDS
sql "$SRC" <<'SQL'
CREATE TABLE big AS SELECT g::bigint AS id, 'row ' || g || repeat('.', g % 64) AS v, g % 1000 AS n
  FROM generate_series(1, 1500000) g;
ALTER TABLE big ADD PRIMARY KEY (id);
CREATE TABLE small (id int PRIMARY KEY, label text UNIQUE);
INSERT INTO small SELECT g, 'label ' || g FROM generate_series(1, 2000) g;
CREATE TABLE ref (id int PRIMARY KEY, small_id int REFERENCES small, note text);
INSERT INTO ref SELECT g, 1 + g % 2000, 'note ' || g FROM generate_series(1, 5000) g;
CREATE TABLE nokey (k int, v text);
INSERT INTO nokey SELECT g % 100, 'row ' || g FROM generate_series(1, 3000) g;
ANALYZE;
SQL
pass "source created in $((SECONDS - t0)) s"

recipe=$IT_TMP/recipe.lua
cat >"$recipe" <<'LUA'
local m = require "migrate"
return m.recipe {
  source = "${source}", target = "${target}",
  tables = { "public.big", "public.small", "public.ref", "public.nokey" },
  create = "recreate", policy = "overwrite",
  chunk_rows = tonumber(m.params.chunk_rows) or 200000,
}
LUA
args=("$recipe" source="dbname=$SRC" target="dbname=$DST")
NCHUNKS=8

# A quiet query of the target's record (it may not exist yet).
rec_sql() {
    "${PSQL[@]}" -d "$DST" -c "$1" 2>/dev/null || true
}

# copying_chunk: "CHUNK WORKER" of a data chunk whose COPY FROM is running
# on the target right now and has not gone far: the chunk's row is locked
# by the transaction (xmax) of the backend that shows COPY progress.
copying_chunk() {
    rec_sql "SELECT c.chunk || ' ' || c.worker
               FROM _migrate.chunks c
               JOIN pg_stat_activity a ON a.backend_xid = c.xmax
               JOIN pg_stat_progress_copy p ON p.pid = a.pid
              WHERE c.run_id = (SELECT max(run_id) FROM _migrate.runs)
                AND c.kind = 'data' AND c.done_at IS NULL AND c.worker IS NOT NULL
                AND p.command = 'COPY FROM' AND p.tuples_processed BETWEEN 1 AND 90000
              ORDER BY p.tuples_processed LIMIT 1"
}

# wait_copying PID [EXCLUDE-WORKER]: wait (at most ~30 s) until a worker
# other than EXCLUDE-WORKER is copying a chunk; sets CHUNK and WORKER.
wait_copying() {
    local i line
    for i in $(seq 1500); do
        line=$(copying_chunk)
        if [ -n "$line" ] && [ "${line#* }" != "${2:-}" ]; then
            CHUNK=${line%% *} WORKER=${line#* }
            return 0
        fi
        kill -0 "$1" 2>/dev/null || return 1
        sleep 0.02
    done
    return 1
}

# start_run ARGS...: migrate in the background; MPID, IT_OUT, IT_ERR.
start_run() {
    IT_RUNS=$((IT_RUNS + 1))
    IT_OUT=$IT_TMP/run$IT_RUNS.out
    IT_ERR=$IT_TMP/run$IT_RUNS.err
    echo "\$ migrate $*" >"$IT_TMP/run$IT_RUNS.cmd"
    "$MIGRATE" --no-progress "$@" >"$IT_OUT" 2>"$IT_ERR" </dev/null &
    MPID=$!
}

finish_run() {
    local t=$SECONDS
    CHILDREN=$(pgrep -P "$MPID" | tr '\n' ' ')
    wait "$MPID"
    IT_RC=$?
    echo "# the run ended $((SECONDS - t)) s ${1:-after the kill}, exit $IT_RC"
}

# kill_worker WORKER: kill -9 a worker ("host:pid") that must be a child
# process of the run (never the coordinator).
kill_worker() {
    local pid=${1##*:}
    [ "$pid" != "$MPID" ] || fail "the chunk is held by the coordinator itself ($1), not by a worker"
    pgrep -P "$MPID" | grep -qx "$pid" || fail "$1 is not a child process of migrate ($MPID)"
    kill -9 "$pid" || fail "cannot kill worker $1"
    KILLED_AT=$(date +%s.%N)
}

reset_target() {
    sql "$DST" "DROP SCHEMA IF EXISTS _migrate CASCADE; DROP TABLE IF EXISTS big, small, ref, nokey CASCADE"
}

# Order-independent: count, distinct keys, sum of the rows' hashes.
table_check() {
    sql "$1" "SELECT count(*) || ' ' || count(DISTINCT $3) || ' ' || coalesce(sum(hashtext(t::text)::bigint), 0)
                FROM $2 t"
}
declare -A SRC_CHECK
for t in big:id small:id ref:id nokey:t::text; do
    SRC_CHECK[${t%%:*}]=$(table_check "$SRC" "${t%%:*}" "${t#*:}")
done

# sessions_left DB: sessions still on DB once their ends had ~5 s to
# reach the server (those left are shown).
sessions_left() {
    local i n
    for i in $(seq 50); do
        n=$(sql postgres "SELECT count(*) FROM pg_stat_activity WHERE datname = '$1'")
        [ "$n" = 0 ] && break
        sleep 0.1
    done
    [ "$n" = 0 ] || sql postgres "SELECT pid, application_name, state, backend_start, left(query, 60)
                                    FROM pg_stat_activity WHERE datname = '$1'" >&2
    echo "$n"
}

check_result() {
    check_rc 0 "$1: the run"
    check_eq "$1: one run, succeeded" "1 succeeded" \
        "$(sql "$DST" "SELECT count(*) || ' ' || min(status) FROM _migrate.runs")"
    check_eq "$1: every task succeeded" "4 of 4" \
        "$(sql "$DST" "SELECT count(*) FILTER (WHERE status = 'succeeded') || ' of ' || count(*) FROM _migrate.tasks")"
    check_status public.big succeeded "$NCHUNKS chunks by id"
    check_report_rows public.big 1,500,000
    check_eq "$1: every chunk of big done once, rows add up" "$NCHUNKS $NCHUNKS 1500000" \
        "$(sql "$DST" "SELECT count(*) || ' ' || count(done_at) || ' ' || sum(rows)
                         FROM _migrate.chunks WHERE task = 'public.big' AND kind = 'data'")"
    local t
    for t in big:id small:id ref:id nokey:t::text; do
        check_eq "$1: ${t%%:*} rows (count, distinct keys, checksum)" \
            "${SRC_CHECK[${t%%:*}]}" "$(table_check "$DST" "${t%%:*}" "${t#*:}")"
    done
    check_eq "$1: big's primary key and the foreign key of ref exist" "p f" \
        "$(sql "$DST" "SELECT (SELECT contype::text FROM pg_constraint WHERE conrelid = 'big'::regclass AND contype = 'p')
                        || ' ' || (SELECT contype::text FROM pg_constraint WHERE conrelid = 'ref'::regclass AND contype = 'f')")"
    local p alive=
    for p in $CHILDREN; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
    check_eq "$1: no worker process is left" "" "$alive"
    check_eq "$1: no migrate session is left on the target" 0 "$(sessions_left "$DST")"
}

section "one of two workers killed in the middle of a chunk"
reset_target
start_run "${args[@]}" --workers 2 --lease 3
wait_copying "$MPID" || { kill -9 "$MPID"; fail "no worker was ever seen copying a chunk"; }
victim=$WORKER victim_chunk=$CHUNK
kill_worker "$victim"
echo "# kill -9 of worker $victim while it copied chunk $victim_chunk of big"
finish_run
check_result "one worker killed"
check_match err "worker $victim exited with code 137" "the log names the worker that exited"
line=$(sql "$DST" "SELECT attempts || ' ' || CASE WHEN done_at IS NULL THEN 'f' ELSE 't' END || ' ' || worker || ' '
                          || round((extract(epoch FROM claimed_at) - $KILLED_AT)::numeric, 2)
                     FROM _migrate.chunks WHERE task = 'public.big' AND chunk = $victim_chunk")
read -r attempts done by after <<<"$line"
echo "# chunk $victim_chunk: attempts $attempts, done by $by, claimed again ${after} s after the kill"
check_eq "the killed worker's chunk was attempted twice" "2" "$attempts"
check_eq "and done" "t" "$done"
[ "$by" != "$victim" ] || fail "chunk $victim_chunk was done by the killed worker $victim"
pass "chunk $victim_chunk was done by another worker ($by)"
check_eq "no other chunk needed a second attempt" "0" \
    "$(sql "$DST" "SELECT count(*) FROM _migrate.chunks WHERE attempts <> 1 AND NOT (task = 'public.big' AND chunk = $victim_chunk)")"
other=$(sql "$DST" "SELECT count(DISTINCT worker) FROM _migrate.chunks
                     WHERE task = 'public.big' AND kind = 'data' AND worker <> '$victim'")
echo "# data chunks of big done by $other worker(s) besides the killed one"
check_eq "the killed worker holds no chunk left undone" "0" \
    "$(sql "$DST" "SELECT count(*) FROM _migrate.chunks WHERE worker = '$victim' AND done_at IS NULL")"

section "both workers killed: the coordinator does the rest itself"
reset_target
start_run "${args[@]}" --workers 2 --lease 3
wait_copying "$MPID" || { kill -9 "$MPID"; fail "no worker was ever seen copying a chunk"; }
first=$WORKER first_chunk=$CHUNK
kill_worker "$first"
echo "# kill -9 of worker $first while it copied chunk $first_chunk"
# The other one, in the middle of a chunk too.
if wait_copying "$MPID" "$first"; then
    second=$WORKER second_chunk=$CHUNK
    kill_worker "$second"
    echo "# kill -9 of worker $second while it copied chunk $second_chunk"
else
    fail "the second worker was never seen copying a chunk"
fi
finish_run
check_result "both workers killed"
check_match err "worker $first exited with code 137" "the log names the first worker"
check_match err "worker $second exited with code 137" "the log names the second worker"
coordinator=$(sql "$DST" "SELECT worker FROM _migrate.chunks WHERE task = 'public.big' AND chunk = $second_chunk")
check_eq "the second victim's chunk was done by the coordinator" "${second%%:*}:$MPID" "$coordinator"
# (The second worker may have taken the first one's chunk: 3 attempts.)
check_eq "each kill cost its chunk one more attempt, no other chunk was redone" \
    "$(if [ "$first_chunk" = "$second_chunk" ]; then echo "$first_chunk:3"
       else printf '%s:2\n' "$first_chunk" "$second_chunk" | sort -n | paste -sd' '; fi)" \
    "$(sql "$DST" "SELECT string_agg(chunk || ':' || attempts, ' ' ORDER BY chunk) FROM _migrate.chunks
                     WHERE attempts <> 1")"
check_eq "chunks done by the coordinator after both workers ended" "yes" \
    "$(sql "$DST" "SELECT CASE WHEN count(*) >= 1 THEN 'yes' ELSE 'no: ' || count(*) END FROM _migrate.chunks
                     WHERE worker = '${second%%:*}:$MPID'")"

section "migrate worker --state joins a running migration from another process"
# 15 chunks, one worker in the run; the source changes once the run has
# begun, and neither the run nor the worker that joins may see it: the
# run's snapshot holds for every chunk, whoever does it.
reset_target
NCHUNKS=15
start_run "${args[@]}" chunk_rows=100000 --workers 1
wait_copying "$MPID" || { kill -9 "$MPID"; fail "the run was never seen copying a chunk"; }
echo "# the run ($MPID) copies chunk $CHUNK; the source changes, a worker joins"
sql "$SRC" "DELETE FROM big WHERE id % 1000 = 0; UPDATE small SET label = label || ' (changed)'"
"$MIGRATE" worker --state "dbname=$DST" >"$IT_TMP/joined.out" 2>"$IT_TMP/joined.err" </dev/null &
jpid=$!
wait "$jpid"
jrc=$?
finish_run "after the worker"
check_eq "the joining worker exits 0" "0" "$jrc"
grep -qE "[^ ]+:$jpid joined run 1" "$IT_TMP/joined.err" ||
    { cat "$IT_TMP/joined.err" >&2; fail "the joining worker should log that it joined run 1"; }
pass "the joining worker logs [$(grep -oE "[^ ]+:$jpid joined run 1" "$IT_TMP/joined.err")]"
by_run=$(sql "$DST" "SELECT count(*) FROM _migrate.chunks WHERE worker LIKE '%:$MPID' AND done_at IS NOT NULL")
by_joined=$(sql "$DST" "SELECT count(*) FROM _migrate.chunks WHERE worker LIKE '%:$jpid' AND done_at IS NOT NULL")
echo "# chunks done: $by_run by the run, $by_joined by the joining worker"
check_eq "chunks were done by two different workers" "2" \
    "$(sql "$DST" "SELECT count(DISTINCT worker) FROM _migrate.chunks WHERE done_at IS NOT NULL")"
check_eq "the joining worker did some of big's chunks" "yes" \
    "$(sql "$DST" "SELECT CASE WHEN count(*) > 0 THEN 'yes' ELSE 'no' END FROM _migrate.chunks
                     WHERE task = 'public.big' AND kind = 'data' AND worker LIKE '%:$jpid'")"
check_eq "no chunk needed a second attempt" "0" \
    "$(sql "$DST" "SELECT count(*) FROM _migrate.chunks WHERE attempts <> 1")"
missing=$(sql "$DST" "SELECT count(*) FROM big WHERE id % 1000 = 0")
[ "$missing" = 1500 ] || fail "the joining worker did not read under the run's snapshot: of the 1,500 rows of big deleted from the source after the run began, the target has $missing"
pass "rows deleted from the source after the run began are all on the target (1,500): the joining worker read under the run's snapshot"
check_result "joined"
it_done
