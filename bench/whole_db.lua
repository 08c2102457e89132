-- The whole-database benchmark's recipe (bench/whole_db.sh): every table of
-- every user schema of the source (app, misc), into an empty database, with
-- keys, indexes, foreign keys and sequences, as pgcopydb clone and pgloader
-- do.  The script adds --workers 2.
local m = require "migrate"
return m.recipe {
  source = "${source}",
  target = "${target}",
  create = "recreate",
  policy = "overwrite",
}
