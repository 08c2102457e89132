-- The cost of the record (bench/whole_db.sh): app.events (2,000,000 rows)
-- loaded in one piece, or in resumable key-range chunks of chunk_rows rows
-- with chunk_rows=500000 on the command line (0, the default: one piece).
-- Everything else is the same in both runs.
local m = require "migrate"
local chunk = tonumber(m.params.chunk_rows or "0") or 0
return m.recipe {
  source = "${source}",
  target = "${target}",
  tables = { "app.events" },
  create = "recreate",
  policy = "overwrite",
  chunk_rows = chunk > 0 and chunk or nil,
  params = { chunk_rows = 0 },
}
