#!/usr/bin/env bash
# whole_db.sh - a whole database PostgreSQL -> PostgreSQL: migrate against
# pgcopydb clone and pgloader, in the same run, each into an empty database;
# then the cost of loading the biggest table in resumable chunks.
# See bench/README.md.
#
#   bench/whole_db.sh [--runs N] [--chunk-runs N] [--scale F] [--logs DIR]
#
#   --runs N        runs per tool, interleaved; the best counts (default 2)
#   --chunk-runs N  runs of the chunked vs one-piece load (default 3)
#   --scale F       multiply every row count by F (default 1: 2,000,000 +
#                   200,000 + 100 x 5,000 rows); e.g. 0.05 for a smoke run
#   --logs DIR      keep every tool's output there (default: thrown away)
#
# Starts its own throwaway cluster (temp dir, port 54361), removed on exit.
# Every target is checked against the source: per table row count and
# checksum, indexes and foreign keys. Exits 1 when migrate failed or its
# target differs; a peer that fails or differs is reported loudly.
set -euo pipefail
cd "$(dirname "$0")/.."
prog=whole_db
. bench/lib.sh

runs=2
chunk_runs=3
scale=1
logs=
while [ $# -gt 0 ]; do
    case $1 in
    --runs) runs=${2:?--runs needs a number}; shift 2 ;;
    --chunk-runs) chunk_runs=${2:?--chunk-runs needs a number}; shift 2 ;;
    --scale) scale=${2:?--scale needs a number}; shift 2 ;;
    --logs) logs=${2:?--logs needs a directory}; shift 2 ;;
    -h | --help) sed -n '2,18s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "whole_db.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "whole_db.sh: --runs must be a positive integer" >&2; exit 2; }
[[ $chunk_runs =~ ^[0-9]+$ ]] || { echo "whole_db.sh: --chunk-runs must be an integer" >&2; exit 2; }
[[ $scale =~ ^[0-9]*\.?[0-9]+$ ]] || { echo "whole_db.sh: --scale must be a positive number" >&2; exit 2; }

scaled() { awk -v n="$1" -v f="$scale" 'BEGIN { r = int(n * f + 0.5); print (r < 1 ? 1 : r) }'; }
events=$(scaled 2000000)
accounts=$(scaled 200000)
small_tables=100
small_rows=$(scaled 5000)
chunk_rows=$(scaled 500000)
workers=2

bench_setup
for f in bench/whole_db.lua bench/chunk_bench.lua bench/whole_db.load bench/whole_db_source.sql; do
    [ -f "$f" ] || die "$f is missing"
done

port=54361
[ -z "$logs" ] || { mkdir -p "$logs" && logs=$(cd "$logs" && pwd); } || die "cannot create $logs"
bench_start_pg "$port"
keep_logs() { cp "$tmp"/*.log "$logs"/ 2>/dev/null || true; bench_cleanup; }
[ -z "$logs" ] || trap keep_logs EXIT
pgver=$(q postgres "SHOW server_version")
# pgcopydb takes libpq URIs (the socket directory percent-encoded),
# pgloader its own syntax for a socket directory.
uri() { printf 'postgres://postgres@%s:%s/%s' "${tmp//\//%2F}%2Fpg" "$port" "$1"; }
pgloader_url() { printf 'pgsql://postgres@unix:%s:%s/%s' "$tmp/pg" "$port" "$1"; }

say "versions"
echo "migrate:  $("$migrate" --version 2>&1 | head -1)"
echo "pgcopydb: $(pgcopydb --version 2>/dev/null | sed -n 's/^pgcopydb version //p')"
echo "pgloader: $(pgloader --version 2>&1 | head -1)"
echo "server:   PostgreSQL $pgver, $(nproc) cores"
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
load_start=$(loadavg)

# --- the source -----------------------------------------------------------
say "building wdb_src: app.events ($events rows), app.accounts ($accounts rows), $small_tables x misc.item_NNN ($small_rows rows)"
t0=$(now)
"${psql[@]}" -c 'CREATE DATABASE wdb_src'
"${psql[@]}" -d wdb_src -v events="$events" -v accounts="$accounts" \
    -v small_tables="$small_tables" -v small_rows="$small_rows" \
    -f bench/whole_db_source.sql >/dev/null
echo "built in $(elapsed "$t0" "$(now)") s"

# Per table of the user schemas: "schema.table rows checksum" (sorted), the
# checksum order-independent over the row's text form.
stats_sql="SELECT n.nspname || '.' || c.relname || ' ' || x.r || ' ' || x.h
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace,
LATERAL (SELECT (xpath('/row/r/text()', d))[1]::text AS r, (xpath('/row/h/text()', d))[1]::text AS h
         FROM query_to_xml(format('SELECT count(*) AS r, coalesce(sum(hashtext(t::text)::bigint), 0) AS h FROM %I.%I t',
                                  n.nspname, c.relname), false, true, '') AS d) AS x
WHERE c.relkind IN ('r', 'p') AND n.nspname IN ('app', 'misc')
ORDER BY 1"
# "indexes foreign_keys" in the user schemas.
objects_sql="SELECT (SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
                     JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname IN ('app', 'misc'))
     || ' ' || (SELECT count(*) FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace
                WHERE k.contype = 'f' AND n.nspname IN ('app', 'misc'))"

stats() { q "$1" "$stats_sql" | LC_ALL=C sort -k1,1; }
stats wdb_src >"$tmp/src.stats"
read -r src_indexes src_fks <<<"$(q wdb_src "$objects_sql")"
src_tables=$(wc -l <"$tmp/src.stats")
src_rows=$(awk '{ n += $2 } END { print n }' "$tmp/src.stats")
src_size=$(q wdb_src "SELECT pg_size_pretty(pg_database_size('wdb_src'))")
grep '^app\.events ' "$tmp/src.stats" >"$tmp/events.stats"
echo "source: $src_tables tables, $(grouped "$src_rows") rows, $src_indexes indexes, $src_fks foreign keys, database $src_size"

# check DB LABEL: compare DB's tables with the source's.  Sets $verdict (one
# line) and returns 1 (after printing the differences loudly) on a mismatch.
check() {
    local db=$1 label=$2 got="$tmp/$1.stats" idx fks bad
    stats "$db" >"$got" || { verdict="MISMATCH: cannot read the target"; return 1; }
    read -r idx fks <<<"$(q "$db" "$objects_sql")"
    # per table: missing, extra, row count or checksum differing
    bad=$(LC_ALL=C join -a1 -a2 -e '-' -o '0,1.2,1.3,2.2,2.3' "$tmp/src.stats" "$got" | awk '
        $2 != $4 { printf "      %s: source %s rows, target %s\n", $1, $2, $4; next }
        $3 != $5 { printf "      %s: %s rows in both, content checksum differs\n", $1, $2 }')
    verdict="$(wc -l <"$got") tables, $(grouped "$(awk '{ n += $2 } END { print n + 0 }' "$got")") rows, indexes $idx/$src_indexes, foreign keys $fks/$src_fks"
    if [ -n "$bad" ] || [ "$idx" != "$src_indexes" ] || [ "$fks" != "$src_fks" ]; then
        printf '\n  !!!!!!!! MISMATCH: %s target %s differs from the source !!!!!!!!\n' "$label" "$db"
        printf '      %s\n' "$verdict"
        [ -z "$bad" ] || { echo "$bad" | head -20; n=$(echo "$bad" | wc -l); [ "$n" -le 20 ] || echo "      ... $n tables in all"; }
        echo
        verdict="MISMATCH: $verdict"
        return 1
    fi
    verdict="ok: $verdict (rows and checksums match)"
}

# --- the tools --------------------------------------------------------------
# migrate_run LOG N ARGS...: migrate --workers N ARGS, or, if this migrate
# does not know --workers yet, without it (said once, and in the report).
workers_flag=unknown   # yes / no once tried
migrate_run() {
    local log=$1 n=$2 rc=0
    shift 2
    if [ "$workers_flag" != no ]; then
        timed "$log" "$migrate" --workers "$n" "$@" || rc=$?
        if [ "$rc" = 2 ] && grep -Eq "(unknown|unrecognized) option.*workers" "$log"; then
            workers_flag=no
            echo "  NOTE: this migrate rejects --workers ($(grep -E 'option.*workers' "$log" | head -1));"
            echo "        running it without --workers (one table at a time) from now on"
        else
            workers_flag=yes
            return "$rc"
        fi
    fi
    rc=0
    timed "$log" "$migrate" "$@" || rc=$?
    return "$rc"
}

# run_tool NAME ROUND: one timed run of NAME into a new empty database; sets
# $secs, $rss_kib and $outcome (ok, MISMATCH or FAILED).
run_tool() {
    local name=$1 db=wdb_$1 log="$tmp/$1-$2.log" rc=0
    fresh_db "$db"
    q postgres CHECKPOINT >/dev/null   # nobody pays for the previous run's writes
    case $name in
    migrate)
        migrate_run "$log" "$workers" bench/whole_db.lua \
            source="$conn dbname=wdb_src" target="$conn dbname=$db" || rc=$?
        ;;
    pgcopydb)
        rm -rf "$tmp/pgcopydb"
        timed "$log" pgcopydb clone --source "$(uri wdb_src)" --target "$(uri "$db")" \
            --dir "$tmp/pgcopydb" --table-jobs "$workers" --index-jobs "$workers" || rc=$?
        ;;
    pgloader)
        # Debian's build has a 1 GiB Lisp heap, which the 2M-row table
        # exhausts ("Heap exhausted during garbage collection"); 4 GiB
        # keeps its default prefetch (faster than prefetch rows = 10000).
        timed "$log" env WDB_SOURCE="$(pgloader_url wdb_src)" WDB_TARGET="$(pgloader_url "$db")" \
            pgloader --dynamic-space-size 4096 --root-dir "$tmp/pgloader" bench/whole_db.load || rc=$?
        ;;
    esac
    report_width=10 report_run "$name" "$rc" "$log" "$db"
}

tools=(migrate pgcopydb pgloader)
declare -A times rss status
for t in "${tools[@]}"; do times[$t]="" rss[$t]=0 status[$t]=ok; done
for i in $(seq "$runs"); do
    say "whole database, round $i of $runs (each tool into a new empty database)"
    for t in "${tools[@]}"; do
        run_tool "$t" "$i"
        if [ "$outcome" = FAILED ]; then
            status[$t]=FAILED
            continue
        fi
        [ "$outcome" = ok ] || status[$t]=MISMATCH
        times[$t]+=" $secs"
        [ "$rss_kib" = - ] || [ "$rss_kib" -le "${rss[$t]}" ] || rss[$t]=$rss_kib
    done
done

# --- the cost of the record: chunks vs one piece ------------------------------
# chunk_run LABEL CHUNK_ROWS ROUND: app.events alone into a new database,
# --workers 1; sets $secs.
chunk_run() {
    local log="$tmp/events-chunk_rows=$2-$3.log" rc=0 got
    fresh_db wdb_chunk
    q postgres CHECKPOINT >/dev/null
    migrate_run "$log" 1 bench/chunk_bench.lua source="$conn dbname=wdb_src" \
        target="$conn dbname=wdb_chunk" chunk_rows="$2" || rc=$?
    if [ "$rc" != 0 ]; then
        printf '  %-22s FAILED (exit %s)\n' "$1" "$rc"
        tail -25 "$log" | sed 's/^/      | /'
        return 1
    fi
    got=$(stats wdb_chunk)
    if [ "$got" != "$(cat "$tmp/events.stats")" ]; then
        printf '\n  !!!!!!!! MISMATCH: %s: app.events is "%s", the source "%s" !!!!!!!!\n\n' \
            "$1" "$got" "$(cat "$tmp/events.stats")"
        return 1
    fi
    printf '  %-22s %9s s  (rows and checksum match)\n' "$1" "$secs"
}

one_times=() chunk_times=() chunk_failed=0
chunk_one() { if chunk_run "one piece" 0 "$1"; then one_times+=("$secs"); else chunk_failed=1; fi; }
chunk_chunked() {
    if chunk_run "chunks of $chunk_rows" "$chunk_rows" "$1"; then chunk_times+=("$secs"); else chunk_failed=1; fi
}
for i in $(seq "$chunk_runs"); do
    # alternate which goes first, so neither always runs on a warmer machine
    if [ $((i % 2)) = 1 ]; then
        say "app.events alone, --workers 1, round $i of $chunk_runs: one piece, then chunks of $chunk_rows rows"
        chunk_one "$i"; chunk_chunked "$i"
    else
        say "app.events alone, --workers 1, round $i of $chunk_runs: chunks of $chunk_rows rows, then one piece"
        chunk_chunked "$i"; chunk_one "$i"
    fi
done

# --- report -------------------------------------------------------------------
label_of() {
    case $1 in
    migrate) if [ "$workers_flag" = no ]; then echo "migrate (--workers rejected: 1 at a time)"
             else echo "migrate --workers $workers"; fi ;;
    pgcopydb) echo "pgcopydb clone --table-jobs $workers --index-jobs $workers" ;;
    pgloader) echo "pgloader (workers 4, concurrency 1, 4 GiB heap)" ;;
    esac
}
say "results: whole database, $src_tables tables, $(grouped "$src_rows") rows ($src_size), best of $runs, $(nproc) cores"
echo "load average (1, 5, 15 min) at the start: $load_start, now: $(loadavg)"
fmt='%-48s %9s %10s %11s  %s\n'
printf "$fmt" "tool" "best (s)" "rows/s" "peak RSS" "target check"
declare -A bestof
for t in "${tools[@]}"; do
    if [ -n "${times[$t]}" ]; then
        # shellcheck disable=SC2086  # a list of numbers
        bestof[$t]=$(best ${times[$t]})
        printf "$fmt" "$(label_of "$t")" "${bestof[$t]}" "$(rate "$src_rows" "${bestof[$t]}")" \
            "$(mib "${rss[$t]}")" "${status[$t]}"
    else
        bestof[$t]=""
        printf "$fmt" "$(label_of "$t")" "-" "-" "-" "${status[$t]}"
    fi
done
echo
for t in pgcopydb pgloader; do
    if [ -n "${bestof[migrate]}" ] && [ -n "${bestof[$t]}" ]; then
        r=$(ratio "${bestof[$t]}" "${bestof[migrate]}")
        printf '%-48s %9s  (%s)\n' "$t / migrate (wall time)" "$r" \
            "$(awk -v r="$r" 'BEGIN { print (r > 1 ? "migrate is faster" : r < 1 ? "migrate is slower" : "even") }')"
    else
        printf '%-48s %9s\n' "$t / migrate (wall time)" "n/a (a run failed)"
    fi
done
[ "$workers_flag" != no ] || echo "NOTE: migrate ran without --workers (this build rejects the option): one table at a time."
[ "${status[pgcopydb]}" = ok ] && [ "${status[pgloader]}" = ok ] ||
    echo "NOTE: a peer failed or differs from the source; see its round above."

if [ "$chunk_runs" -gt 0 ]; then
    say "the cost of the record: app.events ($(grouped "$events") rows) alone, --workers 1, best of $chunk_runs"
    if [ ${#one_times[@]} -gt 0 ] && [ ${#chunk_times[@]} -gt 0 ]; then
        one=$(best "${one_times[@]}") chunked=$(best "${chunk_times[@]}")
        fmt='%-48s %9s %10s\n'
        printf "$fmt" "load" "best (s)" "rows/s"
        printf "$fmt" "one piece (no chunk_rows)" "$one" "$(rate "$events" "$one")"
        printf "$fmt" "chunks (chunk_rows = $chunk_rows)" "$chunked" "$(rate "$events" "$chunked")"
        echo
        printf '%-48s %9s  (%s%% time)\n' "chunked / one piece (rows/s)" "$(ratio "$one" "$chunked")" \
            "$(awk -v a="$chunked" -v b="$one" 'BEGIN { printf "%+.1f", (a / b - 1) * 100 }')"
    else
        echo "n/a: a run failed (see above)"
    fi
fi

[ "${status[migrate]}" = ok ] && [ "$chunk_failed" = 0 ] || exit 1
