/*
 * pg.h - the PostgreSQL connector (libpq), plain C, testable without Lua.
 *
 * A connection knows which side of the migration it is (source or target)
 * so every error it reports names the side and the SQLSTATE.  Connection
 * strings are libpq URIs or conninfo; PG* variables and .pgpass apply as
 * they do for psql.  The connector never prints a password: the display
 * string is masked.
 */
#ifndef MG_CONN_PG_H
#define MG_CONN_PG_H

#include <stdbool.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/result.h"
#include "core/stream.h"

typedef struct mg_pg_conn mg_pg_conn;

/* Connect.  Returns an owned connection (close with mg_pg_close) or NULL
 * with *err filled (MG_ERR_CONNECT, the server's message, password masked). */
mg_pg_conn *mg_pg_open(const char *conninfo, mg_side side, mg_error *err);

/* Close and free; NULL is fine. */
void mg_pg_close(mg_pg_conn *c);

/* The masked connection string (borrowed). */
const char *mg_pg_display(const mg_pg_conn *c);

mg_side mg_pg_side(const mg_pg_conn *c);

/* server_version_num, e.g. 150020. */
int mg_pg_server_version(const mg_pg_conn *c);

/* True while the connection is usable. */
bool mg_pg_alive(const mg_pg_conn *c);

/* Run one or more statements, discarding results.  False with *err filled
 * (MG_ERR_QUERY, SQLSTATE) on the first failure. */
bool mg_pg_exec(mg_pg_conn *c, const char *sql, mg_error *err);

/* Run one statement with text parameters ($1..$n; params[i] NULL for NULL).
 * On success *out is an owned result (free with mg_result_free) whose
 * column kinds follow the PostgreSQL types (ints, floats, bool, else text). */
bool mg_pg_query(mg_pg_conn *c, const char *sql, int nparams,
                 const char *const *params, mg_result **out, mg_error *err);

/* Ask the server to cancel the statement running on c (from any thread or
 * a signal-safe context).  False if the request could not be sent. */
bool mg_pg_cancel(mg_pg_conn *c);

/* Append name to out as a quoted identifier ("a""b").  False on OOM. */
bool mg_pg_quote_ident(mg_buf *out, const char *name);

/* Append s to out as a quoted literal ('it''s', E'' when it has a
 * backslash).  False on OOM. */
bool mg_pg_quote_literal(mg_buf *out, const char *s);

/* Start `copy_sql` (COPY ... TO STDOUT) and fill *r to read its data.
 * The reader borrows c: close the reader before the connection. */
bool mg_pg_copy_reader(mg_pg_conn *c, const char *copy_sql,
                       mg_stream_format format, mg_reader *r, mg_error *err);

/* Start `copy_sql` (COPY ... FROM STDIN) and fill *w to send it data.
 * The writer borrows c. */
bool mg_pg_copy_writer(mg_pg_conn *c, const char *copy_sql,
                       mg_stream_format format, mg_writer *w, mg_error *err);

/* Catalog introspection: each call returns an owned mg_result with one row
 * per object (or per object column where noted), user schemas only
 * (never pg_catalog, information_schema, pg_toast*, _migrate).
 * `schema` NULL means every user schema, else a LIKE pattern. */
typedef enum mg_pg_catalog_kind {
    MG_PG_CAT_SCHEMAS = 0,
    MG_PG_CAT_TABLES,
    MG_PG_CAT_COLUMNS,
    MG_PG_CAT_PRIMARY_KEYS,
    MG_PG_CAT_UNIQUE_CONSTRAINTS,
    MG_PG_CAT_INDEXES,
    MG_PG_CAT_FOREIGN_KEYS,
    MG_PG_CAT_SEQUENCES,
} mg_pg_catalog_kind;

bool mg_pg_catalog(mg_pg_conn *c, mg_pg_catalog_kind kind, const char *schema,
                   mg_result **out, mg_error *err);

/* "schemas", "tables", ... -> kind; -1 if unknown. */
int mg_pg_catalog_kind_parse(const char *name);

#endif
