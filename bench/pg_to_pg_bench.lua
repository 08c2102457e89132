-- The benchmark's plain copy: public.t from bench_src into a new table in
-- bench_dst (bench/bench.sh drops the target table and the record first).
local m = require "migrate"
return m.recipe {
  source = "${source}",
  target = "${target}",
  tables = { "public.t" },
  create = "recreate",
  policy = "overwrite",
}
