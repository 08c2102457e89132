#!/usr/bin/env bash
# profiles.sh - configuration profiles (migrate.yaml): named connections
# with passwords from environment variables (${MY_PW}), the default
# profile from ./migrate.yaml, --profile NAME, --config FILE,
# $XDG_CONFIG_HOME/migrate/migrate.yaml; options from the profile
# (workers, verify); params from the profile, overridden by key=value;
# plan, run of the plan, status and verify with the profile; and that the
# passwords (one checked by MariaDB, one carried in the PostgreSQL URL)
# show nowhere: not in the output, the debug log, the plan, the JSON
# report nor the record.  Mistakes in the file name the file and line.
source "$(dirname "$0")/lib/common.sh"
it_init profiles
need_mariadb

export MY_PW=migrate-secret # scripts/mariadbtmp.sh made the user migrate with it
export PG_PW=pg-secret-7731 # carried in the target URL, only in this variable
it_mariadb_db MDB src
mdb "$MDB" <<SQL || fail "could not fill $MDB"
CREATE TABLE t (id int PRIMARY KEY, v varchar(10));
INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c');
SQL
it_createdb DST dst
it_createdb DST2 dst2
it_createdb DST3 dst3
# pg_url DB: the target with the password from ${PG_PW}.  The fixture
# trusts its unix socket, so PostgreSQL does not check it; it travels in
# the URL all the same, which is what must stay masked.
pg_url() {
    printf 'postgresql://%s:${PG_PW}@/%s?host=%s&port=%s' "$PGUSER" "$1" "$PGHOST" "$PGPORT"
}

WORK=$IT_TMP/work
mkdir -p "$WORK" "$IT_TMP/conf" "$IT_TMP/xdgc/migrate" "$IT_TMP/elsewhere"
cat >"$WORK/migrate.yaml" <<YAML
# connections: name -> URL; \${VAR} comes from the environment
connections:
  legacy: "odbc:Driver={MariaDB Unicode};Socket=$MG_MARIADB_SOCKET;Database=$MDB;UID=migrate;PWD=\${MY_PW};CHARSET=utf8mb4"
  warehouse: "$(pg_url "$DST")"
  warehouse2: "$(pg_url "$DST2")"
profiles:
  default:
    source: legacy
    target: warehouse
    options: { workers: 2, verify: true }
    params: { schema_name: prof_default, min_id: 0 }
  second:
    description: a second target, fewer rows
    source: legacy
    target: warehouse2
    options:
      workers: 1
    params:
      schema_name: prof_second
      min_id: 2
YAML
cat >"$WORK/recipe.lua" <<LUA
local m = require "migrate"
return m.recipe {
  source = "\${source}",
  target = "\${target}",
  tables = { "$MDB.t" },
  target_schema = "\${schema_name}",
  params = { schema_name = "public", min_id = 0 },
  table_options = { ["$MDB.t"] = { filter = "id > \${min_id}" } },
}
LUA

# it_in DIR ARGS: it_run with DIR as the current directory, HOME and
# XDG_CONFIG_HOME pointed at empty places (XDGC=DIR: that one), the
# variable IT_UNSET unset.
it_in() {
    local dir=$1
    shift
    IT_RUNS=$((IT_RUNS + 1))
    IT_OUT=$IT_TMP/run$IT_RUNS.out
    IT_ERR=$IT_TMP/run$IT_RUNS.err
    (cd "$dir" && env -u "${IT_UNSET:-IT_NONE}" XDG_CONFIG_HOME="${XDGC:-$IT_TMP/noconfig}" \
        HOME="$IT_TMP/home" "$MIGRATE" --no-progress "$@" >"$IT_OUT" 2>"$IT_ERR" </dev/null)
    IT_RC=$?
}

ids() { sql "$1" "SELECT string_agg(id::text || v, ',' ORDER BY id) FROM $2"; }

section "the default profile of ./migrate.yaml: connections, options, params"
it_in "$WORK" recipe.lua -v --report "$IT_TMP/report.json"
check_rc 0 "migrate recipe.lua (default profile)"
check_eq "rows in the profile's target, in the profile's schema" "1a,2b,3c" "$(ids "$DST" prof_default.t)"
check_output err "profile default from migrate.yaml" "the log names the profile"
check_output err "2 workers" "workers: 2 from the profile"
check_output out "verified" "verify: true from the profile"
check_output err "PWD=***" "the log shows the source masked"
cp "$IT_OUT" "$IT_TMP/secret_run.out"; cp "$IT_ERR" "$IT_TMP/secret_run.err"

section "--profile NAME; key=value over the profile's params"
it_in "$WORK" --profile second recipe.lua
check_rc 0 "migrate --profile second recipe.lua"
check_eq "the second profile: its target, schema and min_id" "3c" "$(ids "$DST2" prof_second.t)"
it_in "$WORK" recipe.lua --profile second min_id=1 schema_name=from_cli --restart
check_rc 0 "key=value over the profile's params"
check_eq "the command line's min_id and schema" "2b,3c" "$(ids "$DST2" from_cli.t)"
it_in "$WORK" recipe.lua --profile second --workers 3 target=warehouse schema_name=cli_target --restart
check_rc 0 "--workers and target=NAME (a connection) on the command line"
check_eq "target=warehouse named the connection" "3c" "$(ids "$DST" cli_target.t)"
check_output err "3 workers" "--workers wins over the profile"

section "--config FILE and \$XDG_CONFIG_HOME/migrate/migrate.yaml"
sed -e "s/prof_default/via_config/" -e "s#/$DST?#/$DST3?#" "$WORK/migrate.yaml" >"$IT_TMP/conf/alt.yaml"
it_in "$WORK" --config "$IT_TMP/conf/alt.yaml" recipe.lua
check_rc 0 "--config FILE wins over ./migrate.yaml"
check_eq "the file's default profile" "1a,2b,3c" "$(ids "$DST3" via_config.t)"
sed -e "s/prof_default/via_xdg/" "$WORK/migrate.yaml" >"$IT_TMP/xdgc/migrate/migrate.yaml"
cp "$WORK/recipe.lua" "$IT_TMP/elsewhere/"
XDGC=$IT_TMP/xdgc it_in "$IT_TMP/elsewhere" recipe.lua
check_rc 0 "no ./migrate.yaml: \$XDG_CONFIG_HOME/migrate/migrate.yaml"
check_eq "that file's default profile" "1a,2b,3c" "$(ids "$DST" via_xdg.t)"
it_in "$IT_TMP/elsewhere" recipe.lua
check_rc 3 "no configuration file: the recipe needs its source"
check_output err "no parameter 'source' is given" "without a profile, source must be given"

section "plan, run of the plan, status, verify with the profile"
it_in "$WORK" plan recipe.lua -o "$IT_TMP/plan.yaml"
check_rc 0 "migrate plan with the default profile"
grep -qF 'PWD=***' "$IT_TMP/plan.yaml" || fail "the plan should hold the source masked"
pass "the plan holds the source masked"
sql "$DST" "DROP SCHEMA prof_default CASCADE"
it_in "$WORK" run "$IT_TMP/plan.yaml" --restart
check_rc 0 "migrate run plan.yaml: the masked connections come from the profile"
check_eq "rows loaded from the plan" "1a,2b,3c" "$(ids "$DST" prof_default.t)"
it_in "$WORK" status
check_rc 0 "migrate status: the record in the profile's target"
check_output out "prof_default" "status lists the task"
it_in "$WORK" status recipe.lua
check_rc 0 "migrate status recipe.lua"
it_in "$WORK" verify recipe.lua
check_rc 0 "migrate verify recipe.lua"
check_output out "match" "verify compares source and target"
cat "$IT_TMP"/run*.out "$IT_TMP"/run*.err >"$IT_TMP/all_output.txt"

section "the passwords show nowhere"
for db in "$DST" "$DST2" "$DST3"; do
    pg_dump --data-only --schema=_migrate "$db" >>"$IT_TMP/record.sql" || fail "pg_dump of the record of $db"
done
grep -q "prof_default" "$IT_TMP/record.sql" || fail "the record dump should hold the runs"
for f in "$IT_TMP/all_output.txt" "$IT_TMP/secret_run.err" "$IT_TMP/plan.yaml" "$IT_TMP/report.json" \
    "$IT_TMP/record.sql"; do
    if grep -F -q -e "$MY_PW" -e "$PG_PW" "$f"; then
        fail "a password shows in $(basename "$f"): $(grep -F -e "$MY_PW" -e "$PG_PW" "$f" | head -1)"
    fi
    pass "no password in $(basename "$f")"
done

section "a wrong password from the environment"
MY_PW=wrong-pass-42 it_in "$WORK" recipe.lua --restart
check_rc 4 "a connection error"
check_no_output both "wrong-pass-42" "the error"

section "mistakes in migrate.yaml name the file and line"
it_in "$WORK" --profile prod recipe.lua
check_rc 2 "an unknown profile"
check_output err "migrate.yaml:6: no profile 'prod' (profiles: default, second)" "lists the known profiles"
IT_UNSET=MY_PW it_in "$WORK" recipe.lua
check_rc 2 "an unset variable"
check_output err "migrate.yaml:3: 'legacy' uses \${MY_PW}, but the environment variable MY_PW is not set" \
    "names the file, line and variable"
it_in "$WORK" --config "$IT_TMP/conf/none.yaml" recipe.lua
check_rc 2 "--config of a missing file"
check_output err "--config $IT_TMP/conf/none.yaml: no such file"
printf 'profiles:\n  default:\n    source: legacy\n    tagret: warehouse\n' >"$IT_TMP/conf/typo.yaml"
it_in "$WORK" --config "$IT_TMP/conf/typo.yaml" recipe.lua
check_rc 2 "an unknown key"
check_output err "typo.yaml:4: unknown key 'tagret' in profile 'default' (keys: description, options, params, source, target)"
printf 'connections:\n  a: dbname=x\nprofiles:\n  default:\n    source: legacy\n' >"$IT_TMP/conf/noconn.yaml"
it_in "$WORK" --config "$IT_TMP/conf/noconn.yaml" recipe.lua
check_rc 2 "a connection name that does not exist"
check_output err "noconn.yaml:5: 'source' names the connection 'legacy', which $IT_TMP/conf/noconn.yaml does not have (connections: a)"
printf 'profiles:\n  default:\n    options: { workers: 2\n' >"$IT_TMP/conf/bad.yaml"
it_in "$WORK" --config "$IT_TMP/conf/bad.yaml" recipe.lua
check_rc 2 "bad YAML"
check_match err "bad\\.yaml:[0-9]+:[0-9]+: " "the YAML error names the file, line and column"

it_done
