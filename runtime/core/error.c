#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void mg_error_set(mg_error *err, mg_errcode code, mg_side side,
                  const char *sqlstate, const char *fmt, ...)
{
    if (err == NULL)
        return;
    err->code = code;
    err->side = side;
    err->sqlstate[0] = '\0';
    if (sqlstate != NULL) {
        size_t n = strnlen(sqlstate, 5);
        memcpy(err->sqlstate, sqlstate, n);
        err->sqlstate[n] = '\0';
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    /* Server messages end in a newline; the record never does. */
    size_t len = strlen(err->msg);
    while (len > 0 && (err->msg[len - 1] == '\n' || err->msg[len - 1] == ' '))
        err->msg[--len] = '\0';
}

void mg_error_clear(mg_error *err)
{
    if (err == NULL)
        return;
    err->code = MG_OK;
    err->side = MG_SIDE_NONE;
    err->sqlstate[0] = '\0';
    err->msg[0] = '\0';
}

const char *mg_side_name(mg_side side)
{
    switch (side) {
    case MG_SIDE_SOURCE: return "source";
    case MG_SIDE_TARGET: return "target";
    case MG_SIDE_STATE: return "state";
    default: return "";
    }
}

const char *mg_errcode_name(mg_errcode code)
{
    switch (code) {
    case MG_OK: return "ok";
    case MG_ERR_CONNECT: return "connect";
    case MG_ERR_QUERY: return "query";
    case MG_ERR_COPY: return "copy";
    case MG_ERR_INTERRUPTED: return "interrupted";
    case MG_ERR_MEMORY: return "memory";
    case MG_ERR_USAGE: return "usage";
    case MG_ERR_IO: return "io";
    }
    return "unknown";
}

bool mg_sqlstate_retryable(const char *sqlstate)
{
    if (sqlstate == NULL || sqlstate[0] == '\0')
        return false;
    if (strncmp(sqlstate, "08", 2) == 0)
        return true;
    return strcmp(sqlstate, "40001") == 0 || strcmp(sqlstate, "40P01") == 0;
}
