/*
 * error.h - the error record every C function below the bindings fills.
 *
 * A failing function returns false (or -1) and fills an mg_error at the point
 * of failure: what kind of failure, which side of the migration it happened
 * on, the server's SQLSTATE when there is one, and a readable message.
 * Callers pass the record up unchanged; the Lua bindings turn it into a Lua
 * error object.  Nothing here allocates.
 */
#ifndef MG_CORE_ERROR_H
#define MG_CORE_ERROR_H

#include <stdbool.h>

typedef enum mg_side {
    MG_SIDE_NONE = 0,
    MG_SIDE_SOURCE,
    MG_SIDE_TARGET,
    MG_SIDE_STATE, /* the database holding the record (--state) */
} mg_side;

typedef enum mg_errcode {
    MG_OK = 0,
    MG_ERR_CONNECT,     /* could not connect, or the connection was lost */
    MG_ERR_QUERY,       /* the server rejected a statement */
    MG_ERR_COPY,        /* a COPY stream failed */
    MG_ERR_INTERRUPTED, /* Ctrl-C (SIGINT/SIGTERM) */
    MG_ERR_MEMORY,      /* allocation failed */
    MG_ERR_USAGE,       /* the caller passed something invalid */
    MG_ERR_IO,          /* a local file could not be read or written */
} mg_errcode;

#define MG_ERROR_MSG_MAX 1024

typedef struct mg_error {
    mg_errcode code;
    mg_side side;
    char sqlstate[6]; /* five characters and NUL; empty when none */
    char msg[MG_ERROR_MSG_MAX];
} mg_error;

/* Fill *err (may be NULL: then nothing happens).  sqlstate may be NULL. */
void mg_error_set(mg_error *err, mg_errcode code, mg_side side,
                  const char *sqlstate, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Reset *err to "no error". */
void mg_error_clear(mg_error *err);

/* "source", "target" or "" (static strings). */
const char *mg_side_name(mg_side side);

/* Short stable name of an error code: "connect", "query", ... (static). */
const char *mg_errcode_name(mg_errcode code);

/* True when the SQLSTATE says the failure is worth retrying (class 08,
 * connection exceptions; 40001 serialization; 40P01 deadlock). */
bool mg_sqlstate_retryable(const char *sqlstate);

#endif
