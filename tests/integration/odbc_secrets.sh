#!/usr/bin/env bash
# odbc_secrets.sh - passwords in an ODBC connection string never show:
# not in the output or the debug log of a run, a plan, verify, status,
# the JSON report, the record in the target, nor in the error of a failed
# login (the wrong password included); braced values (PWD={a;b}}c}) are
# masked whole.  Against the fixture's MariaDB, through the MariaDB ODBC
# driver with the password in the string rather than in odbc.ini.
source "$(dirname "$0")/lib/common.sh"
it_init odbc_secrets
need_mariadb

PASS=migrate-secret # scripts/mariadbtmp.sh made the user migrate with it
ODD='p;w}d=x' # needs braces in a connection string: PWD={p;w}}d=x}
it_mariadb_db MDB src
it_createdb DST dst
mdb "$MDB" <<SQL || fail "could not fill $MDB"
CREATE TABLE t (id int PRIMARY KEY, v varchar(10));
INSERT INTO t VALUES (1, 'a'), (2, NULL), (3, 'c');
CREATE USER IF NOT EXISTS 'it_odd_$$'@'localhost' IDENTIFIED BY '$ODD';
GRANT ALL ON \`$MDB\`.* TO 'it_odd_$$'@'localhost';
SQL

src() { # src UID PWD-as-written
    printf 'odbc:Driver={MariaDB Unicode};Socket=%s;Database=%s;UID=%s;PWD=%s;CHARSET=utf8mb4' \
        "$MG_MARIADB_SOCKET" "$MDB" "$1" "$2"
}
cat >"$IT_TMP/recipe.lua" <<LUA
local m = require "migrate"
return m.recipe {
  source = "\${source}",
  target = "\${target}",
  tables = { "$MDB.t" },
  target_schema = "public",
}
LUA

# no_secret WHAT FILE...: none of the files holds a password.
no_secret() {
    local what=$1 f
    shift
    for f in "$@"; do
        if grep -F -q -e "$PASS" -e 'p;w}d' -e 'p;w}}d' -e 'wrong-pass-42' "$f"; then
            fail "$what: a password shows in $(basename "$f"): $(grep -F -e "$PASS" -e 'p;w}' -e 'wrong-pass-42' "$f" | head -1)"
        fi
    done
    pass "$what: no password"
}

section "a run with the password in the string, debug log on"
args=("$IT_TMP/recipe.lua" source="$(src migrate "$PASS")" target="dbname=$DST")
it_run "${args[@]}" -v --verify --report "$IT_TMP/report.json"
check_rc 0 "migrate run -v --verify"
check_count "$DST" public.t 3
cp "$IT_OUT" "$IT_TMP/run.out"; cp "$IT_ERR" "$IT_TMP/run.err"
no_secret "run output and log" "$IT_TMP/run.out" "$IT_TMP/run.err" "$IT_TMP/report.json"
check_output err "PWD=***" "the log shows the string masked"

section "plan, verify, status, the record"
it_run plan "${args[@]}" -o "$IT_TMP/plan.yaml"
check_rc 0 "migrate plan"
no_secret "the plan" "$IT_TMP/plan.yaml" "$IT_OUT" "$IT_ERR"
it_run verify "${args[@]}"
check_rc 0 "migrate verify"
no_secret "verify" "$IT_OUT" "$IT_ERR"
it_run status "${args[@]}" --json
check_rc 0 "migrate status"
no_secret "status" "$IT_OUT" "$IT_ERR"
pg_dump --data-only --schema=_migrate "$DST" >"$IT_TMP/record.sql" || fail "pg_dump of the record"
no_secret "the record" "$IT_TMP/record.sql"

section "a failed login"
it_run "$IT_TMP/recipe.lua" source="$(src migrate wrong-pass-42)" target="dbname=$DST" -v
check_rc 4 "a wrong password"
check_output err "source" "the error names the side"
no_secret "the login error" "$IT_OUT" "$IT_ERR"

section "a braced password with ; and }"
it_run "$IT_TMP/recipe.lua" source="$(src it_odd_$$ "{p;w}}d=x}")" target="dbname=$DST" -v --restart
check_rc 0 "a run as it_odd_$$"
no_secret "the braced password" "$IT_OUT" "$IT_ERR"
it_run "$IT_TMP/recipe.lua" source="$(src it_odd_$$ "{p;w}}d=y}")" target="dbname=$DST" -v --restart
check_rc 4 "a wrong braced password"
no_secret "the wrong braced password" "$IT_OUT" "$IT_ERR"
mdb -e "DROP USER IF EXISTS 'it_odd_$$'@'localhost'" || fail "could not drop it_odd_$$"

it_done
