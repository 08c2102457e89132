-- plain.lua: copy tables unchanged (names, columns, types), for the
-- round-trip tests.  tables= is a glob over "schema.table" (default all
-- of public).
local m = require "migrate"

return m.recipe {
  source = "${source}",
  target = "${target}",
  params = { tables = "public.*", create = "missing", policy = "overwrite" },
  tables = { include = { m.params.tables or "public.*" } },
  create = m.params.create or "missing",
  policy = m.params.policy or "overwrite",
}
