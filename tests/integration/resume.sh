#!/usr/bin/env bash
# resume.sh - kill -9 of a run at 10 different moments (while copying,
# between tables, while building keys and indexes), each followed by running
# the same recipe again: it resumes the same run (one run in the record),
# and in the end every table equals the source, nothing lost, nothing twice
# (a table without any key proves it), the upsert table merged once.  The
# tables are big enough (about 5 s of work on a quiet 2-core machine) for
# most kills to land mid-run however fast the load gets.
source "$(dirname "$0")/lib/common.sh"
it_init resume

it_createdb SRC src
it_createdb DST dst
sql "$SRC" "
CREATE TABLE public.big1 (id int PRIMARY KEY, v text, n numeric);
CREATE TABLE public.big2 (id bigint PRIMARY KEY, ref int REFERENCES big1, note text);
CREATE TABLE public.nokey (k int, v text);
CREATE TABLE public.small (id int PRIMARY KEY, label text UNIQUE);
CREATE TABLE public.u (id int PRIMARY KEY, v text);
INSERT INTO big1 SELECT i, md5(i::text), i / 7.0 FROM generate_series(1, 800000) i;
INSERT INTO big2 SELECT i, 1 + i % 800000, repeat('x', i % 40) FROM generate_series(1, 800000) i;
INSERT INTO nokey SELECT i % 1000, 'row ' || i FROM generate_series(1, 500000) i;
INSERT INTO small SELECT i, 'label ' || i FROM generate_series(1, 1000) i;
INSERT INTO u SELECT i, 'fresh ' || i FROM generate_series(1, 100000) i;
CREATE INDEX big1_v ON big1 (v);
CREATE INDEX big2_lower_note ON big2 (lower(note)) WHERE note <> '';
ANALYZE;"
# The target keeps its own u (upsert): half the keys, stale.
reset_target() {
    sql "$DST" "DROP SCHEMA IF EXISTS _migrate CASCADE;
                DROP TABLE IF EXISTS big1, big2, nokey, small, u CASCADE;
                CREATE TABLE public.u (id int PRIMARY KEY, v text);
                INSERT INTO u SELECT i, 'stale' FROM generate_series(1, 50000) i;"
}
recipe=$IT_TMP/recipe.lua
cat >"$recipe" <<'LUA'
local m = require "migrate"
return m.recipe {
  source = "${source}", target = "${target}",
  tables = { "public.big1", "public.big2", "public.nokey", "public.small", "public.u" },
  create = "recreate", policy = "overwrite",
  table_options = { ["public.u"] = { create = "missing", policy = "upsert", conflict = "update" } },
}
LUA
args=("$recipe" source="dbname=$SRC" target="dbname=$DST")

kills=0
run_status() {   # quietly: the record may not exist yet after an early kill
    "${PSQL[@]}" -d "$DST" -c "SELECT status FROM _migrate.runs ORDER BY run_id DESC LIMIT 1" 2>/dev/null || true
}
# kill_sequence DELAY...: start the recipe, kill -9 it after DELAY seconds,
# start it again (it resumes), ... until an attempt finishes by itself.
kill_sequence() {
    local delay pid n=0
    finished=none
    for delay in "$@"; do
        "$MIGRATE" --no-progress "${args[@]}" >"$IT_TMP/attempt.out" 2>&1 &
        pid=$!
        sleep "$delay"
        if ! kill -9 "$pid" 2>/dev/null; then
            wait "$pid"
            finished=$?
            echo "# attempt finished before ${delay}s (exit $finished)"
            return
        fi
        wait "$pid" 2>/dev/null
        # Killed after its last commit, while exiting: the run is finished.
        if [ "$(run_status)" = succeeded ]; then
            finished=0
            echo "# attempt killed after ${delay}s, but only after the run had finished"
            return
        fi
        kills=$((kills + 1)) n=$((n + 1))
        echo "# kill -9 after ${delay}s, last log: $(grep -oE '(-> [^ ]+ \([a-z]+|[a-z_.]+: [0-9,]+ rows)' "$IT_TMP/attempt.out" | tail -1)"
    done
}

check_result() {
    if [ "$finished" = none ]; then
        it_run "${args[@]}"
        finished=$IT_RC
    fi
    check_eq "$1: the last attempt exits 0" "0" "$finished"
    check_eq "$1: one run in the record, every attempt resumed it" "1 succeeded" \
        "$(sql "$DST" "SELECT count(*) || ' ' || min(status) FROM _migrate.runs")"
    check_eq "$1: every task succeeded" "5" \
        "$(sql "$DST" "SELECT count(*) FROM _migrate.tasks WHERE status = 'succeeded'")"
    local t
    for t in big1 big2 nokey small; do
        check_eq "$1: $t rows and checksum" \
            "$(sql "$SRC" "SELECT count(*) || ' ' || md5(string_agg(t::text, '|' ORDER BY t::text)) FROM $t t")" \
            "$(sql "$DST" "SELECT count(*) || ' ' || md5(string_agg(t::text, '|' ORDER BY t::text)) FROM $t t")"
    done
    check_eq "$1: u merged once, equal to the source" \
        "$(sql "$SRC" "SELECT count(*) || ' ' || md5(string_agg(t::text, '|' ORDER BY id)) FROM u t")" \
        "$(sql "$DST" "SELECT count(*) || ' ' || md5(string_agg(t::text, '|' ORDER BY id)) FROM u t")"
    check_eq "$1: keys and indexes built once each" "big1:2 big2:2 small:2" \
        "$(sql "$DST" "SELECT string_agg(relname || ':' || n, ' ' ORDER BY relname) FROM (
            SELECT c.relname, count(*) AS n FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
             WHERE c.relnamespace = 'public'::regnamespace AND c.relname IN ('big1', 'big2', 'small')
             GROUP BY c.relname) s")"
    check_eq "$1: the foreign key exists once" "1" \
        "$(sql "$DST" "SELECT count(*) FROM pg_constraint WHERE conrelid = 'big2'::regclass AND contype = 'f'")"
}

section "sequence 1: kill -9, resume, kill -9 ..."
reset_target
kill_sequence 0.3 0.4 0.5 0.6 0.7 0.8 0.9 1.0 1.2 1.5 2.0 3.0 5.0
check_result "sequence 1"

section "sequence 2: other moments"
reset_target
kill_sequence 0.25 0.45 0.65 0.85 1.05 1.3 1.7 2.5 4.0 6.0
check_result "sequence 2"
echo "# $kills attempts killed with kill -9"
check_eq "at least 10 attempts killed mid-way" "yes" "$([ "$kills" -ge 10 ] && echo yes)"

section "sequence 3: chunked tables resume from their last finished chunk"
chunked=$IT_TMP/chunked.lua
sed 's/create = "recreate", policy = "overwrite",/create = "recreate", policy = "overwrite", chunk_rows = 40000,/' "$recipe" >"$chunked"
args=("$chunked" source="dbname=$SRC" target="dbname=$DST")
reset_target
mid_table=0
finished=none # (sequence 2's result must not pass for this one's)
for delay in 0.3 0.45 0.6 0.75 0.9 1.05 1.2 1.4 1.7 2.0 3.0 5.0; do
    "$MIGRATE" --no-progress "${args[@]}" >"$IT_TMP/attempt.out" 2>&1 &
    pid=$!
    sleep "$delay"
    if ! kill -9 "$pid" 2>/dev/null; then
        wait "$pid"
        finished=$?
        break
    fi
    wait "$pid" 2>/dev/null
    if [ "$(run_status)" = succeeded ]; then
        finished=0
        break
    fi
    kills=$((kills + 1))
    first=$(grep -oE 'big[12]: chunk [0-9]+ of [0-9]+' "$IT_TMP/attempt.out" | head -1)
    echo "# kill -9 after ${delay}s; this attempt began at: ${first:-no chunk}"
    case $first in *"chunk 1 of"*|"") ;; *) mid_table=$((mid_table + 1)) ;; esac
done
check_result "sequence 3"
check_eq "sequence 3: chunks (key and ctid ranges), each done once" "big1:20:20:800000 big2:20:20:800000 nokey:13:13:500000 u:3:3:100000" \
    "$(sql "$DST" "SELECT string_agg(s, ' ' ORDER BY s) FROM (
        SELECT replace(task, 'public.', '') || ':' || count(*) || ':' || count(done_at) || ':' || sum(rows) AS s
          FROM _migrate.chunks WHERE kind = 'data' GROUP BY task) x")"
check_eq "sequence 3: some attempt resumed in the middle of a table" "yes" \
    "$([ "$mid_table" -ge 1 ] && echo yes)"

section "a finished run is not resumed: running again starts a new run"
it_run "${args[@]}"
check_rc 0
check_eq "a second run" "2" "$(sql "$DST" "SELECT count(*) FROM _migrate.runs")"
check_count "$DST" nokey 500000

it_done
