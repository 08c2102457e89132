-- migrate.errors: the error objects of the Lua stdlib.
--
-- One shape everywhere (the C bindings raise the same): a table with
-- code, msg and, where known, file, line, side, sqlstate and table, whose
-- __tostring (from migrate.core) reads "file:line: msg" or
-- "[side] [SQLSTATE] table: msg".
local core = require "migrate.core"

local M = {}

--- A new error object.
function M.new(code, msg, file, line)
    return core.error {code = code, msg = msg, file = file, line = line}
end

--- Raise an error object (level 0: the object carries its own location).
function M.raise(code, msg, file, line)
    error(M.new(code, msg, file, line), 0)
end

return M
