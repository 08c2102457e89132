#!/usr/bin/env bash
# bench.sh - how fast migrate moves rows PostgreSQL -> PostgreSQL, against
# the practical limit measured in the same run. See bench/README.md.
#
#   bench/bench.sh [--rows N] [--runs N] [--pipe-only]
#
#   --rows N      rows in the benchmark table (default 2000000)
#   --runs N      runs per measurement; the best one counts (default 3)
#   --pipe-only   measure only the psql COPY pipe (no migrate binary needed)
#
# Starts its own throwaway cluster (temp dir, port 54332), removed on exit.
# Every run is checked: the target must hold exactly N rows whose checksum
# equals the source's, or the benchmark fails.
set -euo pipefail
cd "$(dirname "$0")/.."
prog=bench.sh
. bench/lib.sh

rows=2000000
runs=3
pipe_only=0
while [ $# -gt 0 ]; do
    case $1 in
    --rows) rows=${2:?--rows needs a number}; shift 2 ;;
    --runs) runs=${2:?--runs needs a number}; shift 2 ;;
    --pipe-only) pipe_only=1; shift ;;
    -h | --help) sed -n '2,14s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "bench.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
done
[[ $rows =~ ^[1-9][0-9]*$ ]] || { echo "bench.sh: --rows must be a positive integer" >&2; exit 2; }
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "bench.sh: --runs must be a positive integer" >&2; exit 2; }

if [ "$pipe_only" = 0 ]; then
    bench_setup
    for r in bench/pg_to_pg_bench.lua bench/upsert_bench.lua; do
        [ -f "$r" ] || die "recipe $r is missing"
    done
else
    bench_setup --no-migrate
fi

bench_start_pg 54332
"${psql[@]}" -c 'CREATE DATABASE bench_src' -c 'CREATE DATABASE bench_dst'

say "building public.t in bench_src ($rows rows)"
t0=$(now)
"${psql[@]}" -d bench_src -v rows="$rows" <<'SQL'
CREATE TABLE t (
    id          bigint PRIMARY KEY,
    qty         integer NOT NULL,
    name        text NOT NULL,
    amount      numeric(12,2),
    created_at  timestamptz NOT NULL,
    active      boolean NOT NULL,
    payload     jsonb
);
INSERT INTO t
SELECT i,
       (i * 7919) % 100000,
       'customer ' || md5(i::text),
       CASE WHEN i % 10 = 0 THEN NULL ELSE ((i * 104729) % 100000000) / 100.0 END,
       timestamptz '2020-01-01 00:00:00+00' + i * interval '1.234567 seconds',
       i % 3 <> 0,
       CASE WHEN i % 7 = 0 THEN NULL
            ELSE jsonb_build_object('k', i % 1000, 'tag', 'tag' || (i % 50), 'ok', i % 2 = 0) END
FROM generate_series(1::bigint, :rows) AS i;
VACUUM (FREEZE, ANALYZE) t;
SQL
echo "built in $(elapsed "$t0" "$(now)") s"
width=$(q bench_src "SELECT round(avg(pg_column_size(t.*))) FROM t")
size=$(q bench_src "SELECT pg_size_pretty(pg_table_size('t'))")
echo "average row: $width bytes, table: $size"

# The definition of t, to pre-create identical target tables.
pg_dump -s -t public.t -d bench_src >"$tmp/t.sql"

# An order-independent checksum of every column of t.
checksum_sql="SELECT count(*) || ' ' || coalesce(sum(hashtext(
    (id, qty, name, amount, created_at, active, payload)::text)::bigint), 0) FROM t"
expected=$(q bench_src "$checksum_sql")
[ "$expected" != "0 0" ] || die "the source table is empty"

# check LABEL: the target must hold exactly the source's rows.
check() {
    local got n
    got=$(q bench_dst "$checksum_sql" 2>/dev/null) || die "$1: cannot read public.t in bench_dst (was it created?)"
    n=${got%% *}
    [ "$n" = "$rows" ] || die "$1: target has $n rows, expected $rows"
    [ "$got" = "$expected" ] || die "$1: target has $rows rows but their checksum differs from the source's"
}

reset_target() {   # drop what a run left, including migrate's record
    q bench_dst "SET client_min_messages = warning; DROP TABLE IF EXISTS public.t; DROP SCHEMA IF EXISTS _migrate CASCADE" >/dev/null
}

precreate_target() {   # an empty table identical to the source's
    reset_target
    "${psql[@]}" -d bench_dst -f "$tmp/t.sql" >/dev/null
}

# run_migrate LABEL RECIPE: one timed run; sets $secs and $rss_kib.
run_migrate() {
    local label=$1 recipe=$2 log="$tmp/$1.log" rc=0
    timed "$log" "$migrate" "$recipe" \
        source="$conn dbname=bench_src" target="$conn dbname=bench_dst" || rc=$?
    if [ "$rc" != 0 ]; then
        tail -30 "$log" >&2
        die "$label: migrate exited $rc"
    fi
}

# The three measurements run interleaved, round by round, so that a machine
# busy with something else slows all of them alike rather than one.

# (a) the practical limit: psql COPY binary | psql COPY binary, into an
# identical table (same primary key), truncated.
run_pipe() {
    precreate_target
    local t
    t=$(now)
    "${psql[@]}" -d bench_src -c "COPY t TO STDOUT (FORMAT binary)" |
        "${psql[@]}" -d bench_dst -c "COPY t FROM STDIN (FORMAT binary)" ||
        die "pipe run $1 failed"
    secs=$(elapsed "$t" "$(now)")
    check "pipe run $1"
}

# (b) migrate: a plain copy into a new table (no table, no record).
run_copy() {
    reset_target
    run_migrate "copy-$1" bench/pg_to_pg_bench.lua
    check "migrate copy run $1"
}

# (c) migrate: upsert into a table that holds every even id, with stale values.
run_upsert() {
    precreate_target
    "${psql[@]}" -d bench_src -c "COPY (
        SELECT id, -1, 'stale'::text, 0::numeric(12,2), created_at, NOT active,
               '{\"stale\": true}'::jsonb
        FROM t WHERE id % 2 = 0) TO STDOUT (FORMAT binary)" |
        "${psql[@]}" -d bench_dst -c "COPY t FROM STDIN (FORMAT binary)" ||
        die "could not pre-fill the upsert target"
    q bench_dst "VACUUM ANALYZE t" >/dev/null
    run_migrate "upsert-$1" bench/upsert_bench.lua
    check "migrate upsert run $1"   # the checksum proves the stale rows were updated
}

pipe_times=() copy_times=() copy_rss=() upsert_times=() upsert_rss=()
for i in $(seq "$runs"); do
    say "round $i of $runs"
    run_pipe "$i"
    pipe_times+=("$secs")
    printf '  %-18s %8s s  (rows and checksum checked)\n' "pipe" "$secs"
    [ "$pipe_only" = 1 ] && continue
    run_copy "$i"
    copy_times+=("$secs") copy_rss+=("$rss_kib")
    printf '  %-18s %8s s  peak RSS %s KiB  (checked)\n' "migrate copy" "$secs" "$rss_kib"
    run_upsert "$i"
    upsert_times+=("$secs") upsert_rss+=("$rss_kib")
    printf '  %-18s %8s s  peak RSS %s KiB  (checked: stale rows updated)\n' "migrate upsert" "$secs" "$rss_kib"
done

# --- report -------------------------------------------------------------------

say "results: $rows rows of ~$width bytes ($size), best of $runs, $(nproc) cores"
fmt='%-44s %10s %12s %12s\n'
printf "$fmt" "method" "best (s)" "rows/s" "peak RSS"
pipe_best=$(best "${pipe_times[@]}")
printf "$fmt" "psql COPY | psql COPY (binary pipe)" "$pipe_best" "$(rate "$rows" "$pipe_best")" "-"
if [ "$pipe_only" = 0 ]; then
    copy_best=$(best "${copy_times[@]}")
    upsert_best=$(best "${upsert_times[@]}")
    printf "$fmt" "migrate copy (overwrite, new table)" "$copy_best" "$(rate "$rows" "$copy_best")" \
        "$(mib "$(max "${copy_rss[@]}")")"
    printf "$fmt" "migrate upsert (update; half present, stale)" "$upsert_best" \
        "$(rate "$rows" "$upsert_best")" "$(mib "$(max "${upsert_rss[@]}")")"
    echo
    printf '%-44s %10s\n' "migrate copy / pipe (rows/s)" "$(ratio "$pipe_best" "$copy_best")"
    printf '%-44s %10s\n' "migrate upsert / migrate copy (rows/s)" "$(ratio "$copy_best" "$upsert_best")"
    # The pipe is a plain COPY of the same rows into the same indexed table.
    printf '%-44s %10s\n' "migrate upsert / plain COPY pipe (rows/s)" "$(ratio "$pipe_best" "$upsert_best")"
fi
