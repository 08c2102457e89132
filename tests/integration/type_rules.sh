#!/usr/bin/env bash
# type_rules.sh - the recipe's type_rules, value transforms, source_encoding
# and source_timezone, end to end from a SQLite file (sqlite3 CLI) through
# the SQLite ODBC driver into PostgreSQL: rules chosen by type and typmod,
# by column name and by table.column; C transforms (empty_to_null,
# hex_to_bytea, trim_right); drop_default/drop_not_null in the DDL; latin1
# bytes read as latin1; naive timestamps read in a zone (the exact instant
# stored); the same result from `migrate plan -o` + `migrate run plan.yaml`;
# rules on a PostgreSQL source (its zone not leaking to the next table);
# mistakes in rules reported at the recipe's file and line.
source "$(dirname "$0")/lib/common.sh"
it_init type_rules

need_sqlite_odbc

it_createdb DST dst
it_createdb DST2 plan
it_createdb PGSRC pgsrc
it_createdb PGDST pgdst

section "source"
DB=$IT_TMP/src.db
sqlite3 -bail "$DB" <<'SQL' || fail "sqlite3 could not build $DB"
CREATE TABLE items (
  id INTEGER PRIMARY KEY,
  code VARCHAR(10) NOT NULL DEFAULT 'none',
  note TEXT,
  hexdata TEXT,
  padded CHAR(8),
  price NUMERIC(10,2),
  seen DATETIME,
  logged DATETIME,
  flag INTEGER);
CREATE TABLE other (
  id INTEGER PRIMARY KEY,
  code VARCHAR(10) NOT NULL,
  seen DATETIME,
  flag INTEGER);
CREATE TABLE latin (id INTEGER PRIMARY KEY, name TEXT);
INSERT INTO items VALUES
  (1, 'a', '',     '00ff105c0a', 'ab      ', 12.5,  '2024-07-01 12:00:00', '2024-07-01 12:00:00', 1),
  (2, 'b', 'kept', '',           '  lead  ', -0.25, '2024-01-15 08:30:00', '2024-01-15 08:30:00', 0),
  (3, 'c', NULL,   NULL,         NULL,       NULL,  NULL,                  NULL,                  NULL);
INSERT INTO other VALUES (1, 'x', '2024-07-01 12:00:00', 1);
-- latin1 bytes: C\xe9f\xe9 is "Céfé", \xb0 the degree sign
INSERT INTO latin VALUES (1, CAST(x'43e966e9' AS TEXT)), (2, CAST(x'3330b0' AS TEXT));
SQL
pass "SQLite source made"

cat >"$IT_TMP/recipe.lua" <<'LUA'
local m = require "migrate"
return m.recipe {
  source = "odbc:Driver=SQLite3;Database=${db}",
  target = "${target}",
  tables = { include = { "main.*" } },
  target_schema = "public",
  source_timezone = "Europe/Paris",
  table_options = {
    ["main.latin"] = { source_encoding = "latin1" },
    ["main.other"] = { source_timezone = "America/New_York" },
  },
  type_rules = {
    { type = "numeric", typmod = {10, 2}, to = "numeric", keep_typmod = true },
    { column = "other.code", to = "varchar(12)" },
    { column = "flag", to = "boolean" },
    { column = "items.code", drop_default = true, drop_not_null = true },
    { column = "note", using = "empty_to_null" },
    { column = "hexdata", to = "bytea", using = "hex_to_bytea" },
    { column = "padded", using = "trim_right" },
    { type = "datetime", column = "seen", to = "timestamptz" },
  },
}
LUA
line_of() { grep -nF -- "$1" "$2" | head -1 | cut -d: -f1; }

section "run"
it_run "$IT_TMP/recipe.lua" db="$DB" target="dbname=$DST"
check_rc 0
check_status main.items succeeded
check_status main.other succeeded
check_status main.latin succeeded

section "types chosen by the rules"
check_eq "items: by type+typmod (keep_typmod), by column name, transforms' types" \
    "id bigint, code text, note text, hexdata bytea, padded text, price numeric(10,2), seen timestamp with time zone, logged timestamp without time zone, flag boolean" \
    "$(columns "$DST" public items)"
check_eq "other: by table.column (only other.code), by column name" \
    "id bigint, code character varying(12), seen timestamp with time zone, flag boolean" \
    "$(columns "$DST" public other)"
check_eq "items.code: drop_not_null and drop_default (not null, has default)" "false false" \
    "$(sql "$DST" "SELECT attnotnull || ' ' || atthasdef FROM pg_attribute WHERE attrelid = 'public.items'::regclass AND attname = 'code'")"
check_eq "other.code, no such rule: still NOT NULL" t \
    "$(sql "$DST" "SELECT attnotnull FROM pg_attribute WHERE attrelid = 'public.other'::regclass AND attname = 'code'")"

section "values through the transforms"
check_eq "empty_to_null: '' -> NULL, text kept, NULL kept" "1:null|2:kept|3:null" \
    "$(sql "$DST" "SELECT string_agg(id || ':' || coalesce(note, 'null'), '|' ORDER BY id) FROM items")"
check_eq "hex_to_bytea: byte for byte ('' -> empty bytea, NULL kept)" "1:00ff105c0a|2:|3:null" \
    "$(sql "$DST" "SELECT string_agg(id || ':' || coalesce(encode(hexdata, 'hex'), 'null'), '|' ORDER BY id) FROM items")"
check_eq "trim_right: trailing blanks only" "1:[ab]|2:[  lead]|3:null" \
    "$(sql "$DST" "SELECT string_agg(id || ':' || coalesce('[' || padded || ']', 'null'), '|' ORDER BY id) FROM items")"
check_eq "numeric(10,2) and boolean values" "12.50 true|-0.25 false|null null" \
    "$(sql "$DST" "SELECT string_agg(coalesce(price::text, 'null') || ' ' || coalesce(flag::text, 'null'), '|' ORDER BY id) FROM items")"

section "source_timezone: the exact instants"
check_eq "Europe/Paris: 12:00 CEST and 08:30 CET, in UTC" "2024-07-01 10:00:00|2024-01-15 07:30:00" \
    "$(sql "$DST" "SELECT string_agg((seen AT TIME ZONE 'UTC')::text, '|' ORDER BY id) FROM items WHERE seen IS NOT NULL")"
check_eq "epoch of the first" 1719828000 \
    "$(sql "$DST" "SELECT extract(epoch FROM seen)::bigint FROM items WHERE id = 1")"
check_eq "per table (other: America/New_York): 12:00 EDT in UTC" "2024-07-01 16:00:00" \
    "$(sql "$DST" "SELECT (seen AT TIME ZONE 'UTC')::text FROM other")"
check_eq "a naive timestamp column stays as written" "2024-07-01 12:00:00|2024-01-15 08:30:00" \
    "$(sql "$DST" "SELECT string_agg(logged::text, '|' ORDER BY id) FROM items WHERE logged IS NOT NULL")"

section "source_encoding latin1 (per table)"
check_eq "latin1 bytes become UTF-8" "Céfé|30°" \
    "$(sql "$DST" "SELECT string_agg(name, '|' ORDER BY id) FROM latin")"
check_eq "... byte for byte in UTF-8" "43c3a966c3a9|3330c2b0" \
    "$(sql "$DST" "SELECT string_agg(encode(convert_to(name, 'UTF8'), 'hex'), '|' ORDER BY id) FROM latin")"

section "plan -o plan.yaml, then run plan.yaml"
it_run plan "$IT_TMP/recipe.lua" db="$DB" target="dbname=$DST2" -o "$IT_TMP/plan.yaml"
check_rc 0 "migrate plan -o"
P=$IT_TMP/plan.yaml
hex_rule=$(line_of 'column = "hexdata"' "$IT_TMP/recipe.lua")
grep -A3 -- "- source: hexdata" "$P" >"$IT_TMP/hexcol"
check_eq "the plan shows type, transform and rule of a column" \
    "  - source: hexdata
    target: hexdata
    type: bytea
    transform: hex_to_bytea" "$(head -4 "$IT_TMP/hexcol")"
grep -qF "rule: type_rules[6], line $hex_rule" "$P" || fail "the plan should name type_rules[6], line $hex_rule"
pass "the plan names the rule: type_rules[6], line $hex_rule"
check_eq "settings: the recipe's encoding/time zone, the per-table ones" \
    "source_timezone: Europe/Paris
  source_encoding: latin1
  source_timezone: America/New_York" \
    "$(grep -E '^ *source_(encoding|timezone):' "$P")"
it_run run "$P" target="dbname=$DST2"
check_rc 0 "migrate run plan.yaml"
for t in items other latin; do
    check_eq "$t: same rows as the recipe's run" "$(table_sum "$DST" "public.$t" id)" "$(table_sum "$DST2" "public.$t" id)"
done
check_eq "same types from the plan" "$(columns "$DST" public items)" "$(columns "$DST2" public items)"

section "a plan edited by hand: transform removed, wrong transform"
sed 's/^    transform: empty_to_null$//' "$P" >"$IT_TMP/edited.yaml"
it_run run "$IT_TMP/edited.yaml" target="dbname=$DST2" create=recreate --restart
check_rc 0 "run of the edited plan"
check_eq "without empty_to_null, '' stays ''" "1:[]" \
    "$(sql "$DST2" "SELECT id || ':[' || note || ']' FROM items WHERE id = 1")"
sed 's/transform: trim_right/transform: trim_rihgt/' "$P" >"$IT_TMP/bad.yaml"
it_run run "$IT_TMP/bad.yaml" target="dbname=$DST2"
check_rc 3 "a plan with an unknown transform"
check_match err "bad\.yaml:[0-9]+: column padded: (unknown transform 'trim_rihgt'|.*trim_rihgt)" \
    "the plan's file and line"

section "a PostgreSQL source: rules by PostgreSQL type, source_timezone per table"
# One worker reads both tables in one source session: the zone set for
# main_a must not leak into main_b, read in the source's own zone (UTC).
sql "$PGSRC" "ALTER DATABASE \"$PGSRC\" SET TimeZone = 'UTC'"
sql "$PGSRC" <<'SQL'
CREATE TABLE main_a (id int PRIMARY KEY, t timestamp(3), n numeric(8,3));
CREATE TABLE main_b (id int PRIMARY KEY, t timestamp);
INSERT INTO main_a VALUES (1, '2024-07-01 12:00:00.125', 1.5);
INSERT INTO main_b VALUES (1, '2024-07-01 12:00:00');
SQL
cat >"$IT_TMP/pg.lua" <<'LUA'
local m = require "migrate"
return m.recipe {
  source = "${source}", target = "${target}", workers = 1,
  table_options = { ["public.main_a"] = { source_timezone = "Asia/Tokyo" } },
  type_rules = {
    { type = "timestamp", to = "timestamptz", keep_typmod = true },
    { type = "numeric", typmod = {8, 3}, to = "numeric", drop_typmod = true },
  },
}
LUA
it_run "$IT_TMP/pg.lua" source="dbname=$PGSRC" target="dbname=$PGDST"
check_rc 0 "PostgreSQL -> PostgreSQL with type rules"
check_eq "main_a: timestamptz(3) kept from timestamp(3), numeric without typmod" \
    "id integer, t timestamp(3) with time zone, n numeric" "$(columns "$PGDST" public main_a)"
check_eq "main_a read in Asia/Tokyo, main_b in the source's UTC" \
    "2024-07-01 03:00:00.125|2024-07-01 12:00:00" \
    "$(sql "$PGDST" "SELECT (SELECT (t AT TIME ZONE 'UTC')::text FROM main_a) || '|' || (SELECT (t AT TIME ZONE 'UTC')::text FROM main_b)")"
cat >"$IT_TMP/pg_using.lua" <<'LUA'
local m = require "migrate"
return m.recipe {
  source = "${source}", target = "${target}",
  type_rules = {
    { type = "timestamp", using = "zero_dates_to_null" },
  },
}
LUA
it_run plan "$IT_TMP/pg_using.lua" source="dbname=$PGSRC" target="dbname=$PGDST"
check_rc 3 "a transform on a PostgreSQL source"
check_output err "pg_using.lua:5: type_rules[1], line 5: using = \"zero_dates_to_null\" on public.main_a.t: value transforms run in the ODBC reader, for ODBC sources only in this version"

section "mistakes in rules: file and line"
cat >"$IT_TMP/bad_rule.lua" <<'LUA'
local m = require "migrate"
return m.recipe {
  source = "odbc:Driver=SQLite3;Database=${db}",
  target = "${target}",
  type_rules = {
    { type = "datetime", to = "timestamptz" },
    { type = "datetime",
      to = "" },
  },
}
LUA
it_run "$IT_TMP/bad_rule.lua" db="$DB" target="dbname=$DST"
check_rc 3 "an empty to"
check_output err "bad_rule.lua:8: option 'to' in type_rules[2] expects a target type, got an empty string"
sed -i 's/      to = "" },/      to = "text", drop_defualt = true },/' "$IT_TMP/bad_rule.lua"
it_run "$IT_TMP/bad_rule.lua" db="$DB" target="dbname=$DST"
check_rc 3 "an unknown key"
check_output err "bad_rule.lua:8: unknown option 'drop_defualt' in type_rules[2] (did you mean 'drop_default'?)"
sed -i 's/drop_defualt = true/using = "hex_to_byte"/' "$IT_TMP/bad_rule.lua"
it_run "$IT_TMP/bad_rule.lua" db="$DB" target="dbname=$DST"
check_rc 3 "an unknown transform"
check_output err "bad_rule.lua:8: option 'using' in type_rules[2]: unknown transform 'hex_to_byte' (did you mean 'hex_to_bytea'?)"
sed 's|source_timezone = "Europe/Paris"|source_timezone = "Mars/Olympus"|' "$IT_TMP/recipe.lua" >"$IT_TMP/bad_tz.lua"
it_run plan "$IT_TMP/bad_tz.lua" db="$DB" target="dbname=$DST"
check_rc 3 "a time zone the target does not know"
check_output err "bad_tz.lua:$(line_of Mars/Olympus "$IT_TMP/bad_tz.lua"): source_timezone \"Mars/Olympus\" is not a time zone the target knows"

it_done
