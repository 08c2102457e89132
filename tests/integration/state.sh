#!/usr/bin/env bash
# state.sh - the record kept apart from the target (--state URL): the run,
# its tasks and chunks live in the state database; the target holds only
# the tables and _migrate.landed (the done-marks that must commit with the
# rows).  kill -9 mid-run and resume with the same --state: exact rows,
# nothing twice.  status, clean and `migrate worker` work against it.
source "$(dirname "$0")/lib/common.sh"
it_init state

it_createdb SRC src
it_createdb DST dst
it_createdb ST state
sql "$SRC" "
CREATE TABLE big (id bigint PRIMARY KEY, v text, n numeric);
INSERT INTO big SELECT g, md5(g::text), g * 1.5 FROM generate_series(1, 600000) g;
CREATE TABLE other (id int PRIMARY KEY, big_id bigint REFERENCES big);
INSERT INTO other SELECT g, g FROM generate_series(1, 5000) g;
ANALYZE;"
pass "source created"
recipe=$IT_TMP/recipe.lua
cat >"$recipe" <<'LUA'
local m = require "migrate"
return m.recipe { source = "${source}", target = "${target}", tables = { include = { "public.*" } },
                  chunk_rows = 60000, create = "recreate" }
LUA
args=("$recipe" source="dbname=$SRC" target="dbname=$DST")
sums() { sql "$1" "SELECT count(*) || ' ' || count(DISTINCT id) || ' ' || md5(string_agg(t::text, ',' ORDER BY id)) FROM big t"; }

section "kill -9 mid-run, then resume, with the record apart"
kills=0
finished=
for delay in 0.3 0.6 0.9 1.2 1.5; do
    "$MIGRATE" --no-progress --workers 2 --state "dbname=$ST" "${args[@]}" >"$IT_TMP/attempt.out" 2>&1 &
    pid=$!
    sleep "$delay"
    kill -9 "$pid" 2>/dev/null && kills=$((kills + 1))
    wait "$pid" 2>/dev/null
    if [ "$(sql "$ST" "SELECT to_regclass('_migrate.runs') IS NOT NULL")" = t ] &&
       [ "$(sql "$ST" "SELECT max(status) FROM _migrate.runs")" = succeeded ]; then
        finished=yes
        break
    fi
done
pass "$kills attempts killed with kill -9"
check_eq "at least 2 attempts were killed mid-run" yes "$([ "$kills" -ge 2 ] && echo yes)"
if [ -z "$finished" ]; then
    it_run --workers 2 --state "dbname=$ST" "${args[@]}"
    check_rc 0
fi
check_eq "big: rows, distinct keys and checksum equal the source" "$(sums "$SRC")" "$(sums "$DST")"
check_eq "one run in the state database, resumed by every attempt" "1 succeeded" \
    "$(sql "$ST" "SELECT count(*) || ' ' || max(status) FROM _migrate.runs")"
check_eq "every data chunk done once" "10 10" \
    "$(sql "$ST" "SELECT count(*) || ' ' || count(done_at) FROM _migrate.chunks WHERE task = 'public.big' AND kind = 'data'")"
check_eq "the target holds no record tables, only landed" "landed" \
    "$(sql "$DST" "SELECT string_agg(tablename, ',') FROM pg_tables WHERE schemaname = '_migrate'")"
check_eq "the landed marks agree: prepare, 10 slices and post of big, each once" "12 12" \
    "$(sql "$DST" "SELECT count(*) || ' ' || count(DISTINCT what) FROM _migrate.landed WHERE task = 'public.big' AND what LIKE 'chunk %'")"
check_eq "the foreign key was made once" 1 \
    "$(sql "$DST" "SELECT count(*) FROM pg_constraint WHERE conrelid = 'other'::regclass AND contype = 'f'")"

section "status reads the state database"
it_run status --state "dbname=$ST"
check_rc 0
check_match out "public\.big +public\.big +succeeded +600,000 "

section "a worker joins a run whose record is apart"
sql "$SRC" "CREATE TABLE later (id bigint PRIMARY KEY, v text);
            INSERT INTO later SELECT g, repeat('x', 200) FROM generate_series(1, 400000) g; ANALYZE later;"
"$MIGRATE" --no-progress --workers 1 --restart --state "dbname=$ST" "${args[@]}" >"$IT_TMP/run.out" 2>"$IT_TMP/run.err" &
pid=$!
for i in $(seq 100); do
    [ "$(sql "$ST" "SELECT count(*) FROM _migrate.runs WHERE status = 'running' AND plan IS NOT NULL")" = 1 ] && break
    sleep 0.05
done
"$MIGRATE" --no-progress worker --state "dbname=$ST" source="dbname=$SRC" target="dbname=$DST" \
    >"$IT_TMP/worker.out" 2>"$IT_TMP/worker.err"
wrc=$?
wait "$pid"
IT_RC=$?
IT_ERR=$IT_TMP/run.err
check_rc 0
check_eq "the worker exits 0" 0 "$wrc"
check_match_file() { grep -qE "$2" "$1" && pass "$3" || fail "$3: no /$2/ in $1: $(tail -3 "$1")"; }
check_match_file "$IT_TMP/worker.err" "joined run [0-9]+" "the worker says it joined the run"
check_eq "later: rows equal the source" "$(sql "$SRC" "SELECT count(*) FROM later")" \
    "$(sql "$DST" "SELECT count(*) FROM later")"
check_eq "big: rows, distinct keys and checksum equal the source" "$(sums "$SRC")" "$(sums "$DST")"

section "clean drops what the run created and its marks"
it_run clean --yes --state "dbname=$ST" "${args[@]}"
check_rc 0
check_eq "big is gone" f "$(table_exists "$DST" public big)"
check_eq "the run's landed marks are gone" 0 "$(sql "$DST" "SELECT count(*) FROM _migrate.landed WHERE task = 'public.later'")"
it_done
