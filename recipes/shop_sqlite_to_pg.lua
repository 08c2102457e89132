-- shop_sqlite_to_pg.lua: the demo's recipe (scripts/demo.sh).  A web
-- shop's SQLite database (scripts/demo_shop.sql) moves into PostgreSQL
-- through the SQLite ODBC driver, and becomes what the new system expects.
--
--   migrate recipes/shop_sqlite_to_pg.lua db=shop.db target=postgresql:///shop
--   migrate verify recipes/shop_sqlite_to_pg.lua db=shop.db target=postgresql:///shop
--
-- It shows the three things people change most per customer: names, types
-- and what happens to a table the target already has.
local m = require "migrate"

return m.recipe {
  source = "odbc:Driver=SQLite3;Database=${db}",
  target = "${target}",

  tables = { include = { "main.*" } },
  target_schema = "shop",

  -- Names: "OrderItems" -> "order_items", "CustomerId" -> "customer_id".
  naming = { m.snake_case() },
  column_naming = { m.snake_case() },

  -- Types, first matching rule wins (`migrate plan` shows which one hit).
  type_rules = {
    -- The shop kept flags as 0/1 in TINYINT(1): PostgreSQL gets booleans.
    { type = "tinyint", typmod = 1, to = "boolean", using = "int_to_boolean" },
    -- Empty strings meant "none" in the old app: NULL on the target.
    { column = { "Customers.Phone", "Reviews.Body", "Orders.ShipNote" },
      using = "empty_to_null", drop_default = true, drop_not_null = true },
    -- Money was kept in cents; it stays an integer, a plain one.
    { column = "*Cents", to = "integer" },
  },

  create = "recreate",
  policy = "overwrite",
  -- OrderItems (1.2M rows) loads in key-range chunks on the workers.
  chunk_rows = 400000,

  table_options = {
    -- The new system already has customers of its own: keep its table,
    -- merge the shop's customers into it on the primary key.
    ["main.Customers"] = { create = "missing", policy = "upsert", conflict = "update" },
  },
}
