-- migrate.report: the final report as an aligned table, and the number
-- formats used in progress lines.
local M = {}

-- 1234567 -> "1,234,567"
function M.thousands(n)
  local s = string.format("%d", n)
  local sign, digits = s:match("^(-?)(%d+)$")
  digits = digits:reverse():gsub("(%d%d%d)", "%1,"):reverse():gsub("^,", "")
  return sign .. digits
end

function M.bytes(n)
  local units = { "B", "kB", "MB", "GB", "TB" }
  local i = 1
  while n >= 1000 and i < #units do n = n / 1000; i = i + 1 end
  return i == 1 and string.format("%d B", n) or string.format("%.1f %s", n, units[i])
end

-- Display width of a UTF-8 string (code points; good enough for names).
local function width(s)
  local _, n = s:gsub("[^\128-\191]", "")
  return n
end

local function pad(s, w, right)
  local gap = string.rep(" ", math.max(0, w - width(s)))
  return right and (gap .. s) or (s .. gap)
end

-- Render rows (arrays of strings) under headers; `right` marks numeric
-- columns.  Returns the lines.
function M.table(headers, rows, right)
  right = right or {}
  local widths = {}
  for i, h in ipairs(headers) do widths[i] = width(h) end
  for _, row in ipairs(rows) do
    for i, cell in ipairs(row) do widths[i] = math.max(widths[i] or 0, width(cell)) end
  end
  local function line(cells)
    local out = {}
    for i, c in ipairs(cells) do
      out[i] = i == #cells and not right[i] and c or pad(c, widths[i], right[i])
    end
    return table.concat(out, "  ")
  end
  local lines = { line(headers) }
  local rule = {}
  for i, w in ipairs(widths) do rule[i] = string.rep("-", w) end
  lines[#lines + 1] = table.concat(rule, "  ")
  for _, row in ipairs(rows) do lines[#lines + 1] = line(row) end
  return lines
end

-- The run report: one row per task result, then the totals.
function M.render(results, total_seconds)
  local rows, total_rows = {}, 0
  local counts = {}
  for _, r in ipairs(results) do
    local rows_n = r.rows or 0
    total_rows = total_rows + rows_n
    counts[r.status] = (counts[r.status] or 0) + 1
    local secs = r.seconds or 0
    rows[#rows + 1] = {
      r.source, r.target or "", r.rows and M.thousands(rows_n) or "",
      string.format("%.2f", secs),
      (r.rows and secs > 0) and M.thousands(math.floor(rows_n / secs + 0.5)) or "",
      r.status, ((r.remark or ""):gsub("\n", " ")),
    }
  end
  local lines = M.table(
    { "source table", "target table", "rows", "seconds", "rows/s", "status", "remark" },
    rows, { [3] = true, [4] = true, [5] = true })
  local summary = {}
  for _, st in ipairs { "succeeded", "failed", "skipped", "interrupted" } do
    if counts[st] then summary[#summary + 1] = counts[st] .. " " .. st end
  end
  lines[#lines + 1] = string.format("%d tables, %s rows in %.2f s: %s", #results,
    M.thousands(total_rows), total_seconds or 0, table.concat(summary, ", "))
  return table.concat(lines, "\n") .. "\n"
end

return M
