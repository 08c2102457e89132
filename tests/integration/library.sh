#!/usr/bin/env bash
# library.sh - recipe libraries: the example library (recipes/lib, a
# LuaRocks rock) installed with `luarocks make --tree` into the user's
# rocks tree, and a three-line customer recipe extending its base recipe
# (m.extend) run against real databases: naming and type rules from the
# base, target schema, filter and a type rule of the customer (which comes
# before the base's), the base's hook.  The same customer recipe with the
# library found on MIGRATE_PATH and in the user's library directory
# ($XDG_DATA_HOME/migrate/lua); a missing library and a mistake in the
# customer's overrides reported at the customer's file and line.
source "$(dirname "$0")/lib/common.sh"
it_init library

command -v luarocks >/dev/null || fail "luarocks is needed (apt-get install luarocks; scripts/deps.sh)"

it_createdb SRC src
sql "$SRC" <<'SQL'
CREATE TABLE public."tbl_CustomerOrders" (
  "OrderID" int PRIMARY KEY,
  "CreatedAt" timestamp(3) NOT NULL,
  "LegacyTs" timestamp,
  "Note" text
);
INSERT INTO public."tbl_CustomerOrders" VALUES
  (1, '2024-01-01 10:00:00.5', '2020-01-01 00:00', 'first'),
  (2, '2024-01-02 11:00:00', '2020-01-02 00:00', 'second'),
  (3, '2024-01-03 12:00:00', NULL, 'third');
CREATE TABLE public."tbl_Items_tmp" (id int PRIMARY KEY);
INSERT INTO public."tbl_Items_tmp" VALUES (1);
SQL

# The library's sources, copied: luarocks make works in the directory.
cp -r "$MG_SOURCE_DIR/recipes/lib" "$IT_TMP/lib"
ROCKSPEC=$(cd "$IT_TMP/lib" && ls ./*.rockspec)

cat >"$IT_TMP/customer.lua" <<'LUA'
local m = require "migrate"
return m.extend(require "acme.pg_to_pg", { target_schema = "crm",
  table_options = { ["public.tbl_CustomerOrders"] = { filter = [["OrderID" > 1]] } },
  type_rules = { { column = "tbl_CustomerOrders.LegacyTs", to = "timestamp" } } })
LUA

# run_customer DB ENV...: the customer recipe into DB, with the
# environment given (HOME, XDG_DATA_HOME, MIGRATE_PATH) and no other
# place to find the library.
run_customer() {
    local db=$1
    shift
    it_run_env "$@" -- "$IT_TMP/customer.lua" source="dbname=$SRC" target="dbname=$db" --workers 1
}

# it_run_env VAR=VALUE ... -- ARGS: it_run with that environment (and
# MIGRATE_PATH, XDG_DATA_HOME unset unless given).
it_run_env() {
    local envs=()
    while [ "$1" != "--" ]; do envs+=("$1"); shift; done
    shift
    IT_RUNS=$((IT_RUNS + 1))
    IT_OUT=$IT_TMP/run$IT_RUNS.out
    IT_ERR=$IT_TMP/run$IT_RUNS.err
    (cd "$IT_TMP" && env -u MIGRATE_PATH -u XDG_DATA_HOME "${envs[@]}" "$MIGRATE" --no-progress "$@" \
        >"$IT_OUT" 2>"$IT_ERR" </dev/null)
    IT_RC=$?
}

# check_customer DB: what the merged recipe made in DB.
check_customer() {
    local db=$1
    check_eq "base naming (tbl_ stripped, snake_case) in the customer's schema" "t" \
        "$(table_exists "$db" crm customer_orders)"
    check_eq "columns: base naming; base rule timestamptz; the customer's rule first for legacy_ts" \
        "order_id integer, created_at timestamp(3) with time zone, legacy_ts timestamp without time zone, note text" \
        "$(columns "$db" crm customer_orders)"
    check_eq "the customer's filter: rows with OrderID > 1" "2,3" \
        "$(sql "$db" "SELECT string_agg(order_id::text, ',' ORDER BY order_id) FROM crm.customer_orders")"
    check_eq "the values" "2024-01-02 11:00:00+00|2020-01-02 00:00:00|second" \
        "$(sql "$db" "SET TimeZone = 'UTC'; SELECT created_at, legacy_ts, note FROM crm.customer_orders WHERE order_id = 2")"
    check_eq "the base's exclude: no *_tmp table" "0" \
        "$(sql "$db" "SELECT count(*) FROM pg_class WHERE relname ILIKE '%items%'")"
    check_output err "acme: 1 tables, 0 failed" "the base's after_run hook"
}

section "luarocks make --tree: the rock in the user's rocks tree"
HOME_A=$IT_TMP/home_a
TREE=$HOME_A/.local/share/migrate/rocks
(cd "$IT_TMP/lib" && luarocks make --tree "$TREE" "$ROCKSPEC") >"$IT_TMP/luarocks.out" 2>&1 ||
    { cat "$IT_TMP/luarocks.out" >&2; fail "luarocks make failed"; }
check_eq "the rock's modules are installed in the tree" "mysql_to_pg.lua naming.lua pg_to_pg.lua" \
    "$(cd "$TREE/share/lua/5.1/acme" && echo *)"
check_output_file() { grep -qF -- "$2" "$1" || fail "$1 should contain [$2]"; pass "$(basename "$1") contains [$2]"; }
check_output_file "$IT_TMP/luarocks.out" "acme-migrate-recipes 0.1-1 is now installed"
it_createdb DST_A rocks
run_customer "$DST_A" HOME="$HOME_A"
check_rc 0 "the customer recipe, library from ~/.local/share/migrate/rocks"
check_customer "$DST_A"

section "the same library in \$XDG_DATA_HOME/migrate/rocks"
it_createdb DST_X xdgrocks
mkdir -p "$IT_TMP/xdg_r/migrate"
mv "$TREE" "$IT_TMP/xdg_r/migrate/rocks"
run_customer "$DST_X" HOME="$HOME_A" XDG_DATA_HOME="$IT_TMP/xdg_r"
check_rc 0 "the customer recipe, library from \$XDG_DATA_HOME/migrate/rocks"
check_customer "$DST_X"

section "not installed anywhere: a clear error"
run_customer "$DST_A" HOME="$IT_TMP/home_empty"
check_rc 3 "the customer recipe without the library"
check_output err "customer.lua:2: module 'acme.pg_to_pg' not found" "the error names the customer's line"
check_output err "home_empty/.local/share/migrate/rocks/share/lua/5.1/acme/pg_to_pg.lua" \
    "the error lists the user's rocks tree"

section "MIGRATE_PATH"
it_createdb DST_B path
run_customer "$DST_B" HOME="$IT_TMP/home_empty" MIGRATE_PATH="$IT_TMP/nowhere:$IT_TMP/lib"
check_rc 0 "the customer recipe, library on MIGRATE_PATH"
check_customer "$DST_B"

section "the user's library directory (\$XDG_DATA_HOME/migrate/lua)"
it_createdb DST_C userdir
mkdir -p "$IT_TMP/xdg/migrate/lua"
cp -r "$IT_TMP/lib/acme" "$IT_TMP/xdg/migrate/lua/"
run_customer "$DST_C" HOME="$IT_TMP/home_empty" XDG_DATA_HOME="$IT_TMP/xdg"
check_rc 0 "the customer recipe, library in \$XDG_DATA_HOME/migrate/lua"
check_customer "$DST_C"

section "a mistake in the customer's overrides"
cat >"$IT_TMP/typo.lua" <<'LUA'
local m = require "migrate"
return m.extend(require "acme.pg_to_pg", { target_schema = "crm",
  table_options = { ["public.tbl_CustomerOrders"] = { filtr = [["OrderID" > 1]] } } })
LUA
it_run_env HOME="$IT_TMP/home_empty" MIGRATE_PATH="$IT_TMP/lib" -- plan "$IT_TMP/typo.lua" \
    source="dbname=$SRC" target="dbname=$DST_B"
check_rc 3 "a typo in the overrides"
check_output err "typo.lua:3: unknown option 'filtr' in table_options[\"public.tbl_CustomerOrders\"] (did you mean 'filter'?)" \
    "the error names the customer's file and line"

it_done
