#!/usr/bin/env bash
# mariadbtmp.sh - a throwaway MariaDB server on a unix socket.
#
#   scripts/mariadbtmp.sh start DIR   install a datadir in DIR (if needed)
#                                     and start mariadbd on DIR/mysqld.sock
#   scripts/mariadbtmp.sh stop DIR    stop it (the files stay; rm -rf DIR)
#   scripts/mariadbtmp.sh env DIR     print exports of MG_MARIADB_SOCKET,
#                                     ODBCINI and MG_MARIADB_ODBC (an odbc:
#                                     URL for user migrate, database migrate)
#
# start also writes DIR/odbc.ini with the DSN `migrate_mariadb` (user,
# password and database included), so with ODBCINI=DIR/odbc.ini the source
# `odbc:DSN=migrate_mariadb` works as unixODBC users expect.
#
# The server runs as the mysql OS user with no TCP listener.  A database
# `migrate` and a user `migrate` (password `migrate-secret`, all privileges)
# are created on first start; root logs in through the unix socket.
set -euo pipefail

cmd=${1:?usage: mariadbtmp.sh start|stop|env DIR}
dir=${2:?usage: mariadbtmp.sh start|stop|env DIR}
password=migrate-secret

client() {
    mariadb --no-defaults --socket="$dir/mysqld.sock" -uroot "$@"
}

case $cmd in
start)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [ "$(id -u)" = 0 ] && chown mysql: "$dir"
    if mariadb-admin --no-defaults --socket="$dir/mysqld.sock" -uroot ping \
        >/dev/null 2>&1; then
        exit 0 # already running
    fi
    fresh=0
    if [ ! -d "$dir/data/mysql" ]; then
        fresh=1
        mariadb-install-db --no-defaults --user=mysql --datadir="$dir/data" \
            --auth-root-authentication-method=socket --skip-test-db \
            >"$dir/install.log" 2>&1 || { cat "$dir/install.log" >&2; exit 1; }
    fi
    # setsid: the server outlives this script but not the session's kill.
    setsid mariadbd --no-defaults --user=mysql --datadir="$dir/data" \
        --socket="$dir/mysqld.sock" --pid-file="$dir/mysqld.pid" \
        --skip-networking --log-error="$dir/error.log" \
        --innodb-buffer-pool-size=256M --innodb-flush-log-at-trx-commit=0 \
        --innodb-doublewrite=0 --skip-log-bin --max-connections=200 \
        --character-set-server=utf8mb4 --collation-server=utf8mb4_bin \
        </dev/null >/dev/null 2>&1 &
    for _ in $(seq 1 300); do
        mariadb-admin --no-defaults --socket="$dir/mysqld.sock" -uroot \
            ping >/dev/null 2>&1 && break
        if ! kill -0 $! 2>/dev/null; then
            tail -20 "$dir/error.log" >&2
            exit 1
        fi
        sleep 0.1
    done
    mariadb-admin --no-defaults --socket="$dir/mysqld.sock" -uroot ping \
        >/dev/null 2>&1 || { tail -20 "$dir/error.log" >&2; exit 1; }
    if [ $fresh = 1 ]; then
        client -e "CREATE DATABASE migrate CHARACTER SET utf8mb4;
            CREATE USER 'migrate'@'localhost' IDENTIFIED BY '$password';
            GRANT ALL ON *.* TO 'migrate'@'localhost';"
    fi
    cat >"$dir/odbc.ini" <<EOF
[migrate_mariadb]
Description = throwaway MariaDB of scripts/mariadbtmp.sh
Driver = MariaDB Unicode
Socket = $dir/mysqld.sock
Database = migrate
User = migrate
Password = $password
Charset = utf8mb4
EOF
    ;;
stop)
    [ -f "$dir/mysqld.pid" ] || exit 0
    pid=$(cat "$dir/mysqld.pid")
    kill "$pid" 2>/dev/null || exit 0
    for _ in $(seq 1 300); do
        kill -0 "$pid" 2>/dev/null || exit 0
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
    ;;
env)
    dir=$(cd "$dir" && pwd)
    echo "export MG_MARIADB_SOCKET='$dir/mysqld.sock' ODBCINI='$dir/odbc.ini'"
    echo "export MG_MARIADB_ODBC='odbc:Driver={MariaDB Unicode};Socket=$dir/mysqld.sock;Database=migrate;UID=migrate;PWD=$password;CHARSET=utf8mb4'"
    ;;
*)
    echo "mariadbtmp.sh: unknown command '$cmd'" >&2
    exit 2
    ;;
esac
