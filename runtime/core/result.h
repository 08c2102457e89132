/*
 * result.h - a small tabular result any connector can fill.
 *
 * Catalog queries and ad-hoc queries (not bulk data: that goes through the
 * copy engine) come back as an mg_result: named columns with a value kind,
 * rows of text values or SQL NULL.  All strings live in one owned arena.
 */
#ifndef MG_CORE_RESULT_H
#define MG_CORE_RESULT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"

/* How a column's text should be presented to Lua. */
typedef enum mg_valkind {
    MG_VAL_TEXT = 0,
    MG_VAL_INT,
    MG_VAL_FLOAT,
    MG_VAL_BOOL,
} mg_valkind;

typedef struct mg_result {
    int ncols;
    size_t nrows;
    char **colnames;     /* owned, ncols entries */
    mg_valkind *kinds;   /* owned, ncols entries */
    long *offsets;       /* owned, nrows*ncols offsets into arena; -1 = NULL */
    size_t offcap;
    mg_buf arena;        /* owned: every value, NUL-terminated */
    char *command_tag;   /* owned, may be NULL ("INSERT 0 3") */
} mg_result;

/* A result with these columns and no rows.  NULL on allocation failure. */
mg_result *mg_result_new(int ncols);

/* Name column i (copied) and set its kind.  False on allocation failure. */
bool mg_result_set_column(mg_result *r, int col, const char *name,
                          mg_valkind kind);

/* Append one row: vals[i] with lens[i] bytes, vals[i] == NULL for NULL. */
bool mg_result_add_row(mg_result *r, const char *const *vals,
                       const size_t *lens);

/* Borrowed value of (row, col), NULL for SQL NULL. */
const char *mg_result_value(const mg_result *r, size_t row, int col);

/* Index of the column named `name`, or -1. */
int mg_result_column(const mg_result *r, const char *name);

void mg_result_free(mg_result *r);

#endif
