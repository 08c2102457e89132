#!/usr/bin/env bash
# snapshot.sh - a run reads the source under one snapshot: rows written to
# the source while the run goes on (here by a hook, through a connection of
# its own, committed before the table is copied) are not copied, so every
# table is as it was when the run began; and a table that fails to read
# does not spoil the snapshot for the tables after it.
source "$(dirname "$0")/lib/common.sh"
it_init snapshot

it_createdb SRC src
it_createdb DST dst
sql "$SRC" "
CREATE TABLE public.a_first (id int PRIMARY KEY);
CREATE TABLE public.b_second (id int PRIMARY KEY, a int REFERENCES a_first);
CREATE TABLE public.c_third (id int PRIMARY KEY, v int);
INSERT INTO a_first SELECT generate_series(1, 100);
INSERT INTO b_second SELECT i, i FROM generate_series(1, 100) i;
INSERT INTO c_third SELECT i, i FROM generate_series(1, 100) i;"
recipe=$IT_TMP/recipe.lua
cat >"$recipe" <<'LUA'
local m = require "migrate"
local pg = require "migrate.pg"
return m.recipe {
  source = "${source}", target = "${target}",
  tables = { "public.a_first", "public.b_second", "public.c_third" },
  table_options = {
    -- reading b_second fails on the source (division by zero)
    ["public.b_second"] = { add = { bad = { type = "int", expr = "1 / (id - 50)" } } },
  },
  hooks = {
    before_table = function(ctx, task)
      if task.label == "public.a_first" then
        -- another session writes to the source after the run began
        local w = pg.connect(ctx.params.source)
        w:exec("INSERT INTO a_first SELECT generate_series(101, 150);" ..
               "INSERT INTO c_third SELECT i, i FROM generate_series(101, 180) i")
        w:close()
      end
    end,
  },
}
LUA
it_run "$recipe" source="dbname=$SRC" target="dbname=$DST"
check_rc 1
check_eq "the writes committed on the source" "150 180" \
    "$(sql "$SRC" "SELECT (SELECT count(*) FROM a_first) || ' ' || (SELECT count(*) FROM c_third)")"
check_count "$DST" public.a_first 100
check_status public.b_second failed "22012"
check_status public.c_third succeeded
check_count "$DST" public.c_third 100

it_done
