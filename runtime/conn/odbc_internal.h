/*
 * odbc_internal.h - what the parts of the ODBC connector share: the
 * connection struct and the statement and error helpers.  Only
 * runtime/conn/odbc*.c include it; everyone else uses odbc.h.
 */
#ifndef MG_CONN_ODBC_INTERNAL_H
#define MG_CONN_ODBC_INTERNAL_H

#include <sql.h>
#include <sqlext.h>

#include "conn/odbc.h"

#define MAX_SECRETS 4

struct mg_odbc {
    SQLHENV env;
    SQLHDBC dbc;
    bool connected;
    mg_side side;
    char display[512];  /* masked connection string */
    char dbms[128];     /* SQL_DBMS_NAME */
    char driver[128];   /* SQL_DRIVER_NAME */
    SQLUINTEGER getdata; /* SQL_GETDATA_EXTENSIONS (SQL_GD_* bits) */
    char *secrets[MAX_SECRETS]; /* owned: password values, scrubbed from
                                   every driver message */
};

/* Fill *err from the diagnostic records of handle h (SQLSTATE, every
 * driver message, passwords scrubbed), prefixed by `what`.  A SQLSTATE of
 * class 08 turns the code into MG_ERR_CONNECT. */
void mg_odbc_diag(const mg_odbc *c, SQLSMALLINT htype, SQLHANDLE h,
                  mg_errcode code, mg_error *err, const char *what);

/* MG_ERR_MEMORY on c's side. */
void mg_odbc_oom(const mg_odbc *c, mg_error *err);

/* A new statement handle on c (owned: free with mg_odbc_free_stmt), or
 * SQL_NULL_HSTMT with *err filled. */
SQLHSTMT mg_odbc_new_stmt(const mg_odbc *c, mg_error *err);

/* Close and free a statement handle; SQL_NULL_HSTMT is fine. */
void mg_odbc_free_stmt(SQLHSTMT h);

/* The value of one hex digit (either case), or -1 for any other byte. */
static inline int mg_odbc_hex_digit(unsigned char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

#endif
