-- The benchmark's upsert: public.t into a bench_dst table that already holds
-- every even id with stale values (bench/bench.sh pre-creates and fills it).
-- Expected result: all rows present, the stale ones updated.
local m = require "migrate"
return m.recipe {
  source = "${source}",
  target = "${target}",
  tables = { "public.t" },
  create = "never",
  policy = "upsert",
  conflict = "update",
}
