/*
 * pg_check.h - what the C unit tests that talk to the test server share.
 */
#ifndef MG_TEST_PG_CHECK_H
#define MG_TEST_PG_CHECK_H

#include <stdio.h>

#include "conn/pg.h"
#include "core/result.h"

/* The first value of the first row of sql, "NULL" for NULL, "(no row)",
 * or "ERROR sqlstate: message".  The text lives until the next call. */
static const char *scalar(mg_pg_conn *c, const char *sql)
{
    static char out[4096];
    mg_result *r = NULL;
    mg_error err;
    mg_error_clear(&err);
    if (!mg_pg_query(c, sql, 0, NULL, &r, &err)) {
        snprintf(out, sizeof out, "ERROR %s: %s", err.sqlstate, err.msg);
        return out;
    }
    const char *v = r->nrows > 0 && r->ncols > 0 ? mg_result_value(r, 0, 0)
                                                 : "(no row)";
    snprintf(out, sizeof out, "%s", v ? v : "NULL");
    mg_result_free(r);
    return out;
}

#endif
