#!/usr/bin/env bash
# repl.sh - `migrate repl` used as a person uses it: in a terminal (tmux,
# 120x40), typing, pressing Tab, Up, Ctrl-C and Ctrl-D, and reading the
# screen.  Sources: a PostgreSQL database (a 10k-row table) and a SQLite
# file through ODBC.  Checks the prompt, aligned query results, \tables,
# \d with mapped types, completion of a table and of a method, a
# multi-line function, an error then a working command, Ctrl-C at the
# prompt, during pg_sleep (cancelled on the server) and in a Lua loop,
# the pager, \plan, \name, history across two sessions (file mode 0600)
# and Ctrl-D's exit code; then piped (non-terminal) input.
source "$(dirname "$0")/lib/common.sh"
it_init repl

need_sqlite_odbc
command -v tmux >/dev/null || fail "tmux is needed (apt-get install tmux)"

it_createdb SRC src
it_createdb DST dst

section "sources"
sql "$SRC" >/dev/null <<'SQL'
CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, score numeric(6,2));
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id int REFERENCES customers (id),
                     amount numeric(12,2) NOT NULL, status text DEFAULT 'new');
CREATE INDEX orders_customer ON orders (customer_id);
INSERT INTO customers VALUES (1, 'Ann', 12.5), (2, 'Bob', NULL), (3, 'Chloé', 100);
INSERT INTO orders SELECT g, 1 + g % 3, g * 1.25, CASE WHEN g % 10 = 0 THEN 'void' ELSE 'paid' END
  FROM generate_series(1, 10000) g;
ANALYZE;
SQL
LITE=$IT_TMP/legacy.db
sqlite3 -bail "$LITE" <<'SQL' || fail "sqlite3 could not build $LITE"
CREATE TABLE items (id INTEGER PRIMARY KEY, label VARCHAR(20) NOT NULL,
                    price NUMERIC(8,2), made DATETIME);
INSERT INTO items VALUES (1, 'bolt', 0.25, '2024-01-02 03:04:05'), (2, 'nut', NULL, NULL);
SQL
pass "a PostgreSQL source with 10000 orders and a SQLite file"

# ---- the terminal --------------------------------------------------------

SOCK=mg_repl_$$
TMUX_CMD=(tmux -L "$SOCK" -f /dev/null)
STATE=$IT_TMP/state
TMUX_SOCKET=${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$SOCK
trap 'rc=$?; "${TMUX_CMD[@]}" kill-server >/dev/null 2>&1; rm -f "$TMUX_SOCKET"; (exit $rc); it_cleanup' EXIT
WAIT=${REPL_WAIT:-30} # seconds for any screen to appear (ASan is slower)
# What the URL says, with a password that must never show (trust auth)
SRC_URL="postgresql://postgres:s3cret@/$SRC?host=$PGHOST&port=$PGPORT"

screen() { "${TMUX_CMD[@]}" capture-pane -p -t repl 2>/dev/null; }

# type TEXT: type it literally (no key names), no Enter.
type_text() { "${TMUX_CMD[@]}" send-keys -t repl -l "$1"; }
keys() { "${TMUX_CMD[@]}" send-keys -t repl "$@"; }
enter_line() { type_text "$1"; keys Enter; }

# wait_screen GREP_ARGS...: poll the screen until grep matches.
wait_screen() {
    local deadline=$((SECONDS + WAIT))
    while [ $SECONDS -lt $deadline ]; do
        screen | grep -q "$@" && return 0
        sleep 0.1
    done
    echo "---- screen ----" >&2
    screen >&2
    fail "the screen never showed: $*"
}

# The last non-empty line of the screen.
last_line() { screen | sed '/^ *$/d' | tail -n 1; }

# wait_prompt: the prompt is the last line again (the command finished).
wait_prompt() {
    local deadline=$((SECONDS + WAIT))
    while [ $SECONDS -lt $deadline ]; do
        [ "$(last_line)" = "migrate>" ] && return 0
        sleep 0.1
    done
    echo "---- screen ----" >&2
    screen >&2
    fail "the prompt did not come back"
}

# clear: an empty screen (and scrollback) before the next step.
clear_screen() {
    keys C-l
    "${TMUX_CMD[@]}" clear-history -t repl
    sleep 0.2
}

# start_session ARGS...: migrate repl ARGS in a new 120x40 terminal; its
# exit code lands in $IT_TMP/rc.
start_session() {
    rm -f "$IT_TMP/rc"
    local cmd
    cmd=$(printf '%q ' env XDG_STATE_HOME="$STATE" TERM=xterm "$MIGRATE" repl "$@")
    "${TMUX_CMD[@]}" new-session -d -s repl -x 120 -y 40 \
        "$cmd; echo \$? >$(printf '%q' "$IT_TMP/rc"); sleep 60" || fail "tmux did not start"
    wait_prompt
}

# wait_exit: the REPL ended; prints its exit code.
wait_exit() {
    local deadline=$((SECONDS + WAIT))
    while [ $SECONDS -lt $deadline ]; do
        [ -s "$IT_TMP/rc" ] && { cat "$IT_TMP/rc"; return 0; }
        sleep 0.1
    done
    screen >&2
    fail "migrate repl did not exit"
}

section "session 1"
start_session "$SRC_URL" "postgresql:///$DST" "legacy=odbc:Driver=SQLite3;Database=$LITE"
screen | grep -qF "src: postgresql://postgres:***@/$SRC?host=" || fail "the banner does not show src"
screen | grep -q s3cret && fail "the password shows on the screen"
pass "the banner names src with its password masked; the prompt waits"

enter_line 'src:query("SELECT id, name, score FROM customers ORDER BY id")'
wait_screen -F "(3 rows)"
scr=$(screen)
for want in " id | name  | score" "----+-------+--------" "  1 | Ann   |  12.50" \
    "  2 | Bob   | (null)" "  3 | Chloé | 100.00"; do
    grep -qF -- "$want" <<<"$scr" || { echo "$scr" >&2; fail "query table lacks: $want"; }
done
wait_prompt
pass "a query prints as an aligned table: numbers right, NULL as (null), UTF-8 widths"

clear_screen
enter_line '\tables'
wait_screen -F "(2 rows)"
screen | grep -Eq '^ public +\| orders +\| table +\| +10000$' || fail "\\tables lacks orders with 10000 rows"
screen | grep -Eq '^ public +\| customers +\| table +\| +3$' || fail "\\tables lacks customers"
pass "\\tables lists schemas, tables and row estimates"

clear_screen
enter_line '\d @legacy items'
wait_screen -F "Primary key: (id)"
scr=$(screen)
grep -Eq 'label +\| varchar\(20\) +\| text +\| not null' <<<"$scr" || { echo "$scr" >&2; fail "\\d: label"; }
grep -Eq 'made +\| datetime +\| timestamp +\|' <<<"$scr" || { echo "$scr" >&2; fail "\\d: made"; }
grep -Eq 'id +\| integer +\| bigint +\|' <<<"$scr" || { echo "$scr" >&2; fail "\\d: id"; }
wait_prompt
enter_line '\d orders'
wait_screen -F "orders_customer (customer_id)"
scr=$(screen)
grep -Eq "status +\| text +\| text +\| +\| 'new'::text" <<<"$scr" || { echo "$scr" >&2; fail "\\d orders: status"; }
grep -qF "orders_customer_id_fkey (customer_id) -> public.customers (id)" <<<"$scr" || fail "\\d orders: fk"
pass "\\d shows source and mapped target types (ODBC through odbc_types), keys, indexes, FKs"

clear_screen
type_text '\count ord'
keys Tab
wait_screen -F '\count orders'
keys Enter
wait_screen -E '^ +10000$'
pass "Tab completes a table name (\\count ord -> orders)"

clear_screen
type_text 'src:server_ver'
keys Tab
wait_screen -F 'src:server_version'
type_text '() >= 150000'
keys Enter
wait_screen -Fx 'true'
pass "Tab completes a method name (src:server_ver -> src:server_version)"

clear_screen
enter_line 'function square(x)'
wait_screen -F '..>'
enter_line '  return x * x'
enter_line 'end'
wait_prompt
enter_line 'square(12)'
wait_screen -Fx '144'
pass "a function typed over three lines continues with ..> and works"

clear_screen
enter_line 'src:query("SELECT * FROM nosuch")'
wait_screen -F 'error: [source] [42P01]'
screen | grep -qF 'relation "nosuch" does not exist' || fail "the error lacks the server's message"
wait_prompt
enter_line 'legacy:query("SELECT label FROM items WHERE id = ?", 2)[1].label'
wait_screen -Fx 'nut'
pass "an error prints side and SQLSTATE; the next command works"

clear_screen
type_text 'this is not lua'
keys C-c
wait_prompt
enter_line '6 * 7'
wait_screen -Fx '42'
screen | grep -q "syntax error\|error:" && fail "the dropped line was evaluated"
pass "Ctrl-C at the prompt drops the line"

section "Ctrl-C during a query"
clear_screen
enter_line 'src:query("SELECT pg_sleep(30)")'
deadline=$((SECONDS + WAIT))
until [ "$(sql postgres "SELECT count(*) FROM pg_stat_activity WHERE datname = '$SRC' AND state = 'active' AND query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()")" = 1 ]; do
    [ $SECONDS -lt $deadline ] || fail "the pg_sleep query never started"
    sleep 0.1
done
t0=$SECONDS
keys C-c
wait_screen -F '57014'
wait_prompt
took=$((SECONDS - t0))
[ "$took" -le 5 ] || fail "Ctrl-C took $took s to cancel"
n=$(sql postgres "SELECT count(*) FROM pg_stat_activity WHERE datname = '$SRC' AND state = 'active' AND query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()")
[ "$n" = 0 ] || fail "the pg_sleep query still runs on the server"
enter_line 'src:query("SELECT 7 AS seven")'
wait_screen -F '(1 row)'
pass "Ctrl-C cancelled pg_sleep(30) on the server in $took s; the REPL and src go on"

clear_screen
enter_line 'spins = 0; while true do spins = spins + 1 end'
sleep 0.5
keys C-c
wait_screen -F 'error: interrupted by the user'
wait_prompt
enter_line 'spins > 0'
wait_screen -Fx 'true'
pass "Ctrl-C stops an endless Lua loop too; the session goes on"

section "pager, plan, naming"
clear_screen
enter_line '\preview orders 60'
wait_screen -E '^ +1 \| +2 \| +1.25 \| paid'
screen | grep -qF '(60 rows)' && fail "60 rows did not go through the pager"
keys q
wait_prompt
pass "output taller than the terminal goes through less"

clear_screen
enter_line "\\plan $IT_RECIPES/plain.lua"
wait_screen -F '(2 tables)'
scr=$(screen)
grep -qF "public.orders -> public.orders  (overwrite, key id)" <<<"$scr" || { echo "$scr" >&2; fail "\\plan: orders"; }
grep -Eq 'amount +\| numeric\(12,2\) +\| amount +\| numeric\(12,2\)' <<<"$scr" || { echo "$scr" >&2; fail "\\plan: amount"; }
pass "\\plan shows what a recipe makes of src into dst"

clear_screen
enter_line '\name m.snake_case(), m.prefix("stg_") OrderItems'
wait_screen -E 'OrderItems +\| stg_order_items'
pass "\\name shows what naming rules make of a name"

clear_screen
enter_line '"history-" .. "marker"'
wait_screen -Fx 'history-marker'
keys C-d
rc=$(wait_exit)
[ "$rc" = 0 ] || fail "Ctrl-D: exit code $rc"
"${TMUX_CMD[@]}" kill-session -t repl
pass "Ctrl-D leaves with exit code 0"

section "session 2: history"
HIST=$STATE/migrate/history
[ -f "$HIST" ] || fail "no history file at $HIST"
[ "$(stat -c %a "$HIST")" = 600 ] || fail "history mode is $(stat -c %a "$HIST"), not 600"
grep -qxF 'function square(x)' "$HIST" || fail "the history lacks typed lines"
grep -q s3cret "$HIST" && fail "the password is in the history"
start_session "postgresql:///$SRC"
keys Up
wait_screen -F 'migrate> "history-" .. "marker"'
keys Enter
wait_screen -Fx 'history-marker'
enter_line '\q'
rc=$(wait_exit)
[ "$rc" = 0 ] || fail "\\q: exit code $rc"
pass "Up recalls the last line of the previous session (history file 0600); \\q leaves"

section "piped input"
out=$(printf '%s\n' 'x = 20' 'function add(a,' '  b) return a + b end' 'add(x, 22)' \
    '\count customers' 'src:query("SELECT 1 FROM nosuch")' '"still here"' |
    "$MIGRATE" repl "postgresql:///$SRC" 2>"$IT_TMP/piped.err")
rc=$?
[ "$rc" = 1 ] || fail "piped input with an error: exit code $rc, expected 1"
grep -qx '42' <<<"$out" || fail "piped: add(x, 22) did not print 42: $out"
grep -Eqx ' +3' <<<"$out" || fail "piped: \\count customers"
grep -qx 'still here' <<<"$out" || fail "piped: the session did not go on after the error"
grep -qF 'error: [source] [42P01]' "$IT_TMP/piped.err" || fail "piped: the error went missing"
grep -q 'migrate>' <<<"$out" && fail "piped: prompts printed without a terminal"
echo '1 + 1' | "$MIGRATE" repl >"$IT_TMP/none.out" 2>&1
[ "$?" = 0 ] && grep -qx 2 "$IT_TMP/none.out" || fail "migrate repl without connections"
pass "piped input is evaluated line by line, without prompts; errors give exit code 1"

it_done
