#!/usr/bin/env bash
# install.sh - `cmake --install` gives a working tree: PREFIX/bin/migrate
# finds its stdlib and recipes under PREFIX/share/migrate (not in the source
# tree), MIGRATE_PATH modules come first, and a recipe runs from there.
source "$(dirname "$0")/lib/common.sh"
it_init install

prefix=$IT_TMP/prefix
cmake --install "$(dirname "$MIGRATE")" --prefix "$prefix" >"$IT_TMP/install.log" ||
    fail "cmake --install failed: $(tail -5 "$IT_TMP/install.log")"
installed=$prefix/bin/migrate
check_eq "installed binary" "yes" "$([ -x "$installed" ] && echo yes)"
check_eq "stdlib installed" "yes" "$([ -f "$prefix/share/migrate/lua/migrate/runner.lua" ] && echo yes)"
check_eq "recipes installed" "yes" "$([ -f "$prefix/share/migrate/recipes/pg_to_pg.lua" ] && echo yes)"

section "the installed binary uses the installed stdlib"
lib=$IT_TMP/lib
mkdir -p "$lib/acme"
cat >"$lib/acme/rules.lua" <<'LUA'
local m = require "migrate"
return { naming = { m.prefix("acme_") } }
LUA
cat >"$IT_TMP/where_spec.lua" <<'LUA'
describe("an installed migrate", function()
  it("loads the stdlib from PREFIX/share/migrate", function()
    local home = package.migrate_home
    eq(home:match("/share/migrate$") ~= nil, true, home)
    local path = package.searchpath("migrate.runner", package.path)
    eq(path:find(home, 1, true) == 1, true, path)
  end)
  it("finds recipe libraries on MIGRATE_PATH first", function()
    local rules = require "acme.rules"
    eq(rules.naming[1]("orders"), "acme_orders")
  end)
end)
LUA
# Run from elsewhere so nothing relative to the source tree can help.
(cd "$IT_TMP" && MIGRATE_PATH=$lib "$installed" test where_spec.lua) >"$IT_TMP/spec.out" 2>&1
check_eq "spec exit code" "0" "$?"
check_eq "both spec points pass" "2" "$(grep -c '^ok ' "$IT_TMP/spec.out")"

section "a recipe runs from the installed tree"
it_createdb SRC src
it_createdb DST dst
sql "$SRC" "CREATE TABLE public.items (id int PRIMARY KEY, name text); INSERT INTO items SELECT i, 'item ' || i FROM generate_series(1, 500) i"
(cd "$IT_TMP" && "$installed" --no-progress "$prefix/share/migrate/recipes/pg_to_pg.lua" \
    source="dbname=$SRC" target="dbname=$DST" >"$IT_TMP/run.out" 2>&1)
rc=$?
# pg_to_pg.lua selects sales/inventory/crm only: nothing to copy is a success.
check_eq "installed recipe exit code" "0" "$rc"
check_eq "report printed" "1" "$(grep -c '^0 tables, 0 rows' "$IT_TMP/run.out")"

it_done
