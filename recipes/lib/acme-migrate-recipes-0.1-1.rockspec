-- A recipe library as a LuaRocks rock: `luarocks make` here installs the
-- modules acme.* into a tree migrate searches (see README.md).
rockspec_format = "3.0"
package = "acme-migrate-recipes"
version = "0.1-1"
source = {
  -- where `luarocks install` fetches it from; `luarocks make` in this
  -- directory does not need it
  url = "git+https://git.example.com/acme/migrate-recipes.git",
  tag = "v0.1",
}
description = {
  summary = "Acme's shared migrate recipes: base recipes and naming rules",
  detailed = [[
    Base recipes (acme.pg_to_pg, acme.mysql_to_pg) with Acme's naming and
    type rules, for customer recipes to extend with m.extend(), and the
    naming rules alone (acme.naming).  Needs the migrate runtime.
  ]],
  license = "MIT",
}
dependencies = {
  "lua >= 5.1",
}
build = {
  type = "builtin",
  modules = {
    ["acme.naming"] = "acme/naming.lua",
    ["acme.pg_to_pg"] = "acme/pg_to_pg.lua",
    ["acme.mysql_to_pg"] = "acme/mysql_to_pg.lua",
  },
}
