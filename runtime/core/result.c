#include "core/result.h"

#include <stdlib.h>
#include <string.h>

mg_result *mg_result_new(int ncols)
{
    mg_result *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    r->ncols = ncols;
    r->colnames = calloc((size_t)(ncols > 0 ? ncols : 1), sizeof *r->colnames);
    r->kinds = calloc((size_t)(ncols > 0 ? ncols : 1), sizeof *r->kinds);
    if (r->colnames == NULL || r->kinds == NULL) {
        mg_result_free(r);
        return NULL;
    }
    return r;
}

bool mg_result_set_column(mg_result *r, int col, const char *name,
                          mg_valkind kind)
{
    if (col < 0 || col >= r->ncols)
        return false;
    char *copy = strdup(name);
    if (copy == NULL)
        return false;
    free(r->colnames[col]);
    r->colnames[col] = copy;
    r->kinds[col] = kind;
    return true;
}

bool mg_result_add_row(mg_result *r, const char *const *vals,
                       const size_t *lens)
{
    size_t need = (r->nrows + 1) * (size_t)r->ncols;
    if (need > r->offcap) {
        size_t cap = r->offcap ? r->offcap * 2 : 64;
        while (cap < need)
            cap *= 2;
        long *offs = realloc(r->offsets, cap * sizeof *offs);
        if (offs == NULL)
            return false;
        r->offsets = offs;
        r->offcap = cap;
    }
    long *row = r->offsets + r->nrows * (size_t)r->ncols;
    for (int i = 0; i < r->ncols; i++) {
        if (vals[i] == NULL) {
            row[i] = -1;
            continue;
        }
        row[i] = (long)r->arena.len;
        if (!mg_buf_append(&r->arena, vals[i], lens[i]) ||
            !mg_buf_append(&r->arena, "", 1))
            return false;
    }
    r->nrows++;
    return true;
}

const char *mg_result_value(const mg_result *r, size_t row, int col)
{
    if (row >= r->nrows || col < 0 || col >= r->ncols)
        return NULL;
    long off = r->offsets[row * (size_t)r->ncols + (size_t)col];
    return off < 0 ? NULL : r->arena.data + off;
}

int mg_result_column(const mg_result *r, const char *name)
{
    for (int i = 0; i < r->ncols; i++)
        if (r->colnames[i] && strcmp(r->colnames[i], name) == 0)
            return i;
    return -1;
}

void mg_result_free(mg_result *r)
{
    if (r == NULL)
        return;
    for (int i = 0; i < r->ncols && r->colnames; i++)
        free(r->colnames[i]);
    free(r->colnames);
    free(r->kinds);
    free(r->offsets);
    free(r->command_tag);
    mg_buf_free(&r->arena);
    free(r);
}
