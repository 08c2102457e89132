#!/usr/bin/env bash
# demo.sh - the demo, in one command on a fresh machine: install dependencies,
# build, generate a sample web shop as a SQLite database (~1.75M rows, see
# scripts/demo_shop.sql), start a throwaway PostgreSQL, migrate the shop
# into it through the SQLite ODBC driver with recipes/shop_sqlite_to_pg.lua
# (snake_case names, type rules, an upsert into a table the target already
# has, key-range chunks on 2 workers), then check it with `migrate verify`.
#
#   scripts/demo.sh
#
# The SQLite file and the cluster live in a temp directory (unix socket,
# port 54331), stopped and removed on any exit. MG_DEMO_KEEP=1 leaves them
# and prints how to connect (stop with scripts/pgtmp.sh stop DIR).
# MG_BUILD_DIR overrides the build directory (default: build).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
builddir=${MG_BUILD_DIR:-build}
port=54331
recipe=recipes/shop_sqlite_to_pg.lua

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
db=$pgdir/shop.db
cleanup() {
    if [ "${MG_DEMO_KEEP:-0}" = 1 ]; then
        echo "demo.sh: kept $db and the cluster: $(bash scripts/pgtmp.sh env "$pgdir")"
        echo "demo.sh: stop it with: scripts/pgtmp.sh stop $pgdir && rm -rf $pgdir"
        return
    fi
    bash "$root/scripts/pgtmp.sh" stop "$pgdir" >/dev/null 2>&1 || true
    rm -rf "$pgdir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "generating the sample shop (SQLite): $db"
t=$(now)
sqlite3 -bail "$db" <scripts/demo_shop.sql >/dev/null
t_load=$(since "$t")
echo "generated in $t_load"

say "starting a throwaway PostgreSQL in $pgdir (port $port)"
bash scripts/pgtmp.sh start "$pgdir" "$port"
eval "$(bash scripts/pgtmp.sh env "$pgdir")"
export PGDATABASE=postgres
psql=(psql -X -q -v ON_ERROR_STOP=1)
"${psql[@]}" -c 'CREATE DATABASE shop'

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

# Row counts of every table in the SQLite file, as "Table<TAB>rows".
sqlite_counts() {
    local t
    for t in $(sqlite3 "$db" "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"); do
        printf '%s\t%s\n' "$t" "$(sqlite3 "$db" "SELECT count(*) FROM \"$t\"")"
    done
}

# The target already has a customers table (the new system's), which the
# recipe keeps and merges into (policy upsert): the shop's customers
# 1..30000 are there, every third with a stale name, plus 100 customers
# the shop does not have. Expect 20,000 inserted and 10,000 updated.
say "pre-filling the target's shop.customers (the upsert table)"
"${psql[@]}" -d shop <<'SQL'
CREATE SCHEMA shop;
CREATE TABLE shop.customers (
  customer_id bigint PRIMARY KEY, email text NOT NULL UNIQUE, full_name text NOT NULL,
  phone text, is_active boolean NOT NULL DEFAULT true, created_at timestamp NOT NULL);
SQL
sqlite3 -csv "$db" "SELECT CustomerId, Email, FullName, NULLIF(Phone, ''), IsActive, CreatedAt
                    FROM Customers WHERE CustomerId <= 30000" |
    "${psql[@]}" -d shop -c "COPY shop.customers FROM STDIN (FORMAT csv)"
"${psql[@]}" -d shop <<'SQL'
UPDATE shop.customers SET full_name = 'stale ' || full_name WHERE customer_id % 3 = 0;
INSERT INTO shop.customers (customer_id, email, full_name, created_at)
SELECT 900000 + i, 'new' || i || '@example.org', 'new system customer ' || i, now()
  FROM generate_series(1, 100) AS i;
SQL

source_counts=$(sqlite_counts)
target_before=$(counts shop)

say "migrating $db -> database shop with $recipe (2 workers)"
target="host=$pgdir port=$port user=postgres dbname=shop"
t=$(now)
rc=0
"$migrate" run "$recipe" --workers 2 db="$db" target="$target" || rc=$?
t_migrate=$(since "$t")
echo "migrate exited $rc after $t_migrate"

target_after=$(counts shop)

say "row counts"
# awk: g(n) groups digits by thousands.
group='function g(n,  s) { if (n !~ /^[0-9]+$/) return n
    while (length(n) > 3) { s = "," substr(n, length(n) - 2) s; n = substr(n, 1, length(n) - 3) }
    return n s }'
printf '%-34s %12s\n' "source: $(basename "$db") (SQLite)" "rows"
printf '%s\n' "$source_counts" |
    awk -F '\t' "$group"' NF == 2 { printf "  %-32s %12s\n", $1, g($2) }'
echo
printf '%-34s %12s %12s\n' "target: database shop" "before" "after"
{
    printf '%s\n' "$target_before" | sed 's/^/B\t/'
    printf '%s\n' "$target_after" | sed 's/^/A\t/'
} | awk -F '\t' "$group"'
    NF == 3 { if (!($2 in seen)) n++; seen[$2] = 1; if ($1 == "B") before[$2] = $3; else after[$2] = $3 }
    END { for (t in seen) printf "  %-32s %12s %12s\n", t,
              (t in before) ? g(before[t]) : "-", (t in after) ? g(after[t]) : "-"
          if (n == 0) print "  (no tables)" }' | sort

say "what the rules did (shop.customers and shop.reviews on the target)"
"${psql[@]}" -d shop <<'SQL'
SELECT count(*) FILTER (WHERE full_name LIKE 'stale %') AS stale_names_left,
       count(*) FILTER (WHERE customer_id > 900000) AS new_system_customers_kept,
       count(*) FILTER (WHERE phone IS NULL) AS phones_null_not_empty,
       count(*) FILTER (WHERE NOT is_active) AS inactive_booleans
  FROM shop.customers;
SELECT column_name, data_type, is_nullable FROM information_schema.columns
 WHERE table_schema = 'shop' AND table_name = 'reviews' ORDER BY ordinal_position;
SQL

say "migrate verify: counts and checksums, source against target"
t=$(now)
vrc=0
if [ "$rc" = 0 ]; then
    "$migrate" verify "$recipe" db="$db" target="$target" || vrc=$?
    echo "migrate verify exited $vrc after $(since "$t")"
else
    echo "skipped: the migration failed"
fi
t_verify=$(since "$t")

say "timings"
printf '  %-22s %s\n' "build" "$t_build" "generate source" "$t_load" \
    "migrate" "$t_migrate" "verify" "$t_verify" "total" "$(since "$t_start")"
[ "$rc" = 0 ] || exit "$rc"
exit "$vrc"
