#!/usr/bin/env bash
# demo.sh - the demo, in one command on a fresh machine: install dependencies,
# build, start a throwaway PostgreSQL, load a sample shop database (~1.6M
# rows in 3 schemas, see scripts/demo_source.sql), migrate it into a second
# database with recipes/pg_to_pg.lua, and show row counts before and after.
#
#   scripts/demo.sh
#
# The cluster lives in a temp directory (unix socket, port 54331) and is
# stopped and removed on any exit. MG_DEMO_KEEP=1 leaves it running and
# prints how to connect (stop it with scripts/pgtmp.sh stop DIR).
# MG_BUILD_DIR overrides the build directory (default: build).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
builddir=${MG_BUILD_DIR:-build}
port=54331
recipe=recipes/pg_to_pg.lua

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }
say() { printf '\n== %s\n' "$*"; }

t_start=$(now)
bash scripts/deps.sh

say "building ($builddir/)"
t=$(now)
mkdir -p "$builddir"
buildlog=$root/$builddir/demo-build.log
bash scripts/build.sh >"$buildlog" 2>&1 || {
    tail -40 "$buildlog" >&2
    echo "demo.sh: build failed; full log: $buildlog" >&2
    exit 1
}
t_build=$(since "$t")
echo "built in $t_build"

migrate=$root/$builddir/migrate
[ -x "$migrate" ] || { echo "demo.sh: $migrate was not built" >&2; exit 1; }
[ -f "$recipe" ] || { echo "demo.sh: recipe $recipe is missing" >&2; exit 1; }

pgdir=$(mktemp -d "${TMPDIR:-/tmp}/migrate-demo.XXXXXX")
cleanup() {
    if [ "${MG_DEMO_KEEP:-0}" = 1 ]; then
        echo "demo.sh: cluster kept: $(bash scripts/pgtmp.sh env "$pgdir")"
        echo "demo.sh: stop it with: scripts/pgtmp.sh stop $pgdir && rm -rf $pgdir"
        return
    fi
    bash "$root/scripts/pgtmp.sh" stop "$pgdir" >/dev/null 2>&1 || true
    rm -rf "$pgdir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "starting a throwaway PostgreSQL in $pgdir (port $port)"
bash scripts/pgtmp.sh start "$pgdir" "$port"
eval "$(bash scripts/pgtmp.sh env "$pgdir")"
export PGDATABASE=postgres
psql=(psql -X -q -v ON_ERROR_STOP=1)
"${psql[@]}" -c 'CREATE DATABASE shop' -c 'CREATE DATABASE shop_copy'

say "loading the sample source database 'shop'"
t=$(now)
"${psql[@]}" -d shop -f scripts/demo_source.sql
t_load=$(since "$t")
echo "loaded in $t_load"

# Row counts of every user table in database $1, as "schema.table<TAB>rows".
counts() {
    "${psql[@]}" -A -t -F $'\t' -d "$1" -c "
        SELECT format('%I.%I', n.nspname, c.relname),
               (xpath('/row/c/text()', query_to_xml(
                   format('SELECT count(*) AS c FROM %I.%I', n.nspname, c.relname),
                   false, true, '')))[1]::text
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
          AND n.nspname NOT IN ('pg_catalog', 'information_schema', '_migrate')
          AND n.nspname NOT LIKE 'pg_toast%'
        ORDER BY 1"
}

# The target already has a customers table (the new system's), which the
# recipe keeps and merges into (policy upsert): customers 1..30000 are there,
# every third with a stale name and points, plus 100 customers the source
# does not have. Expect 20,000 inserted, 10,000 updated, 20,000 unchanged.
say "pre-filling the target's sales.customers (the upsert table)"
"${psql[@]}" -d shop_copy -c "CREATE SCHEMA sales"
pg_dump -s -t sales.customers -d shop | "${psql[@]}" -d shop_copy >/dev/null
"${psql[@]}" -d shop -c "COPY (SELECT * FROM sales.customers WHERE customer_id <= 30000) TO STDOUT (FORMAT binary)" |
    "${psql[@]}" -d shop_copy -c "COPY sales.customers FROM STDIN (FORMAT binary)"
"${psql[@]}" -d shop_copy <<'SQL'
UPDATE sales.customers SET full_name = 'stale ' || full_name, loyalty_points = 0
 WHERE customer_id % 3 = 0;
INSERT INTO sales.customers (customer_id, external_ref, full_name, created_at)
SELECT 900000 + i, md5('target only ' || i)::uuid, 'new system customer ' || i, now()
  FROM generate_series(1, 100) AS i;
SQL

source_counts=$(counts shop)
target_before=$(counts shop_copy)

say "migrating shop -> shop_copy with $recipe"
conn="host=$pgdir port=$port user=postgres"
t=$(now)
rc=0
"$migrate" "$recipe" source="$conn dbname=shop" target="$conn dbname=shop_copy" || rc=$?
t_migrate=$(since "$t")
echo "migrate exited $rc after $t_migrate"

target_after=$(counts shop_copy)

say "row counts"
# awk: g(n) groups digits by thousands.
group='function g(n,  s) { if (n !~ /^[0-9]+$/) return n
    while (length(n) > 3) { s = "," substr(n, length(n) - 2) s; n = substr(n, 1, length(n) - 3) }
    return n s }'
printf '%-34s %12s\n' "source: shop" "rows"
printf '%s\n' "$source_counts" |
    awk -F '\t' "$group"' NF == 2 { printf "  %-32s %12s\n", $1, g($2) }'
echo
printf '%-34s %12s %12s\n' "target: shop_copy" "before" "after"
{
    printf '%s\n' "$target_before" | sed 's/^/B\t/'
    printf '%s\n' "$target_after" | sed 's/^/A\t/'
} | awk -F '\t' "$group"'
    NF == 3 { if (!($2 in seen)) n++; seen[$2] = 1; if ($1 == "B") before[$2] = $3; else after[$2] = $3 }
    END { for (t in seen) printf "  %-32s %12s %12s\n", t,
              (t in before) ? g(before[t]) : "-", (t in after) ? g(after[t]) : "-"
          if (n == 0) print "  (no tables)" }' | sort

say "timings"
printf '  %-22s %s\n' "build" "$t_build" "load source" "$t_load" \
    "migrate" "$t_migrate" "total" "$(since "$t_start")"
exit "$rc"
