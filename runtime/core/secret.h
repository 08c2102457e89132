/*
 * secret.h - keep passwords out of output.
 *
 * Connection strings reach logs, error messages, plans and the record only
 * after mg_mask_secrets() has replaced every password in them with "***".
 */
#ifndef MG_CORE_SECRET_H
#define MG_CORE_SECRET_H

#include <stddef.h>

/*
 * Copy `in` to `out` (size `outsz`, always NUL-terminated) with passwords
 * masked, in any of the forms people write connection strings in:
 *   URL userinfo        postgresql://user:SECRET@host/db
 *   URL query           ...?password=SECRET&sslmode=...
 *   libpq conninfo      host=h password=SECRET  /  password='SE CRET'
 *   ODBC                DSN=x;UID=u;PWD=SECRET;  /  PWD={SE;CRET}
 * Returns `out`.
 */
char *mg_mask_secrets(const char *in, char *out, size_t outsz);

#endif
