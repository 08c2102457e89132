-- naming_template.lua: a template rule with ${source_type}, ${target_type}
-- and ${table}, a gsub rule, and a column template rule.
local m = require "migrate"

return m.recipe {
  source = "${source}",
  target = "${target}",
  tables = { "legacy.CustomerAccounts", "legacy.tbl_OrderItems" },
  naming = { m.template("${source_type}2${target_type}_${table}"), m.gsub("[A-Z]", string.lower) },
  column_naming = { m.template("${table}_${column}"), m.lower() },
  target_schema = "staging",
  create = "recreate",
}
