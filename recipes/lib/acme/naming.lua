-- acme.naming: Acme's naming house style, shared by its recipes (and by
-- customer recipes that want the same names for something else).
--
--   local naming = require "acme.naming"
--   naming = naming.tables, column_naming = naming.columns
local m = require "migrate"

local M = {}

-- Legacy schemas prefix tables with tbl_ or t_ and write CamelCase;
-- Acme's targets are plain snake_case: tbl_CustomerOrders -> customer_orders.
M.tables = {
    m.gsub("^[Tt][Bb][Ll]_", ""),
    m.gsub("^[Tt]_", ""),
    m.snake_case(),
}

-- Columns: snake_case, and "ID" spelled out as "id" (OrderID -> order_id).
M.columns = {
    m.gsub("ID$", "Id"),
    m.snake_case(),
}

--- Tables of one customer under a prefix of its own: naming.prefixed("acme_").
function M.prefixed(prefix)
    local rules = {}
    for i, r in ipairs(M.tables) do
        rules[i] = r
    end
    rules[#rules + 1] = m.prefix(prefix)
    return rules
end

return M
