/*
 * odbc.h - the ODBC connector (unixODBC), plain C, testable without Lua.
 *
 * Any database with an ODBC driver (SQL Server, MySQL/MariaDB, Oracle,
 * SQLite, DB2, PostgreSQL through psqlODBC ...) is opened with a full ODBC
 * connection string ("DSN=x;UID=u;PWD=p" or "Driver=SQLite3;Database=f").
 * Like the pg connector, a connection knows its side, every error carries
 * the side, the SQLSTATE and the driver's message, and no password is ever
 * printed: the display string is masked and driver messages are scrubbed.
 *
 * Values come back as text (what PostgreSQL would accept as input):
 * binary columns as "\x" plus hex, floating point as the shortest decimal
 * that reads back to the same number (single precision, SQL_REAL, as the
 * shortest that reads back to the same float), bit columns as "t"/"f" in
 * results and "1"/"0" in COPY data.  The copy reader encodes rows straight
 * into PostgreSQL COPY text format for the copy engine (copy/engine.h),
 * converting values from a source encoding and running per-column value
 * transforms in C on the way (mg_odbc_reader_opts).
 */
#ifndef MG_CONN_ODBC_H
#define MG_CONN_ODBC_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/result.h"
#include "core/stream.h"

typedef struct mg_odbc mg_odbc;

/* Connect with SQLDriverConnect (no prompt).  connstr may start with
 * "odbc:" (the recipe URL form), which is dropped.  Returns an owned
 * connection (close with mg_odbc_close) or NULL with *err filled
 * (MG_ERR_CONNECT, the driver's SQLSTATE and messages, the masked
 * connection string; never the password).
 * SQLite's driver (sqlite3odbc) gets StepAPI=1 added when connstr does not
 * set StepAPI: without it the driver reads every result whole into memory
 * before the first row (the reader alone, 500,000 rows: 157 MiB against
 * 6 MiB).
 * The option must be given at connect time: it is decided from Driver=
 * (a name or path containing "sqlite3"), or, for a DSN, from the driver's
 * name after connecting, by connecting again with it (a StepAPI setting
 * in the DSN's odbc.ini entry is then overridden: put StepAPI=0 in the
 * string to keep the driver's default). */
mg_odbc *mg_odbc_open(const char *connstr, mg_side side, mg_error *err);

/* Disconnect and free; NULL is fine. */
void mg_odbc_close(mg_odbc *c);

/* The masked connection string (borrowed). */
const char *mg_odbc_display(const mg_odbc *c);

mg_side mg_odbc_side(const mg_odbc *c);

/* SQL_DBMS_NAME and SQL_DRIVER_NAME as the driver reports them at connect
 * time ("SQLite", "sqlite3odbc.so"); borrowed, "" when unknown. */
const char *mg_odbc_dbms_name(const mg_odbc *c);
const char *mg_odbc_driver_name(const mg_odbc *c);

/* Run one statement, discarding any result.  False with *err filled
 * (MG_ERR_QUERY, SQLSTATE, driver message) on failure.  Here and in
 * mg_odbc_query, Ctrl-C (core/interrupt.h) cancels the running statement
 * with SQLCancel from a watcher thread; unixODBC lets that through only
 * for a driver whose odbcinst.ini entry has Threading = 0, else the
 * cancel waits for the statement to end. */
bool mg_odbc_exec(mg_odbc *c, const char *sql, mg_error *err);

/* Run one statement with `?` parameters bound as text (SQL_C_CHAR;
 * params[i] NULL for SQL NULL).  On success *out is an owned result (free
 * with mg_result_free), values as text, SQL NULL as NULL; column kinds
 * follow the ODBC types (integers, floats, bit -> bool, else text).
 * A statement without a result set gives a result with no columns whose
 * command_tag is "ROWS n" (SQLRowCount) when the driver reports it. */
bool mg_odbc_query(mg_odbc *c, const char *sql, int nparams,
                   const char *const *params, mg_result **out, mg_error *err);

/* Catalog introspection through the ODBC catalog functions.  Column names
 * follow mg_pg_catalog where the meaning is the same:
 *   tables        schema_name table_name kind comment            (SQLTables)
 *   columns       schema_name table_name column_name position type
 *                 sql_type column_size decimal_digits not_null default
 *                                                               (SQLColumns)
 *   primary_keys  schema_name table_name constraint_name column_name
 *                 position                                  (SQLPrimaryKeys)
 *   foreign_keys  schema_name table_name constraint_name column_name
 *                 ref_schema ref_table ref_column position on_update
 *                 on_delete                                 (SQLForeignKeys)
 *   indexes       schema_name table_name index_name is_unique column_name
 *                 position                                    (SQLStatistics)
 * One row per key or index column.  `type` is the driver's type name,
 * `sql_type` the ODBC SQL type code (SQL_INTEGER = 4 ...).
 * `schema` and `table` may be NULL (every one); for tables and columns they
 * are search patterns, for keys and indexes (whose ODBC functions take one
 * table) a NULL table means every table SQLTables lists.  A driver that
 * lacks the function (SQLGetFunctions, or IM001/HYC00 from the call) gives
 * an empty result, logged at debug level, not an error. */
typedef enum mg_odbc_catalog_kind {
    MG_ODBC_CAT_TABLES = 0,
    MG_ODBC_CAT_COLUMNS,
    MG_ODBC_CAT_PRIMARY_KEYS,
    MG_ODBC_CAT_FOREIGN_KEYS,
    MG_ODBC_CAT_INDEXES,
} mg_odbc_catalog_kind;

bool mg_odbc_catalog(mg_odbc *c, mg_odbc_catalog_kind kind, const char *schema,
                     const char *table, mg_result **out, mg_error *err);

/* "tables", "columns", "primary_keys", "foreign_keys", "indexes" -> kind;
 * -1 if unknown. */
int mg_odbc_catalog_kind_parse(const char *name);

/* Value transforms of the copy reader, run in C on each value of a column
 * as the driver gives it (bytes for binary columns, text otherwise; after
 * the encoding conversion, before COPY escaping).  NULL stays NULL.
 *   zero_dates_to_null   a date/datetime whose year, month or day is zero
 *                        ('0000-00-00', '2020-00-10 10:00:00') -> NULL;
 *                        other values are kept
 *   empty_to_null        '' -> NULL
 *   hex_to_bytea         hex digits (optional 0x or \x, any case) -> bytea
 *   binary_to_uuid       16 raw bytes, 32 hex digits (or SQLite's X'..'),
 *                        or a uuid with dashes -> lower-case uuid text
 *   set_to_array         MySQL SET 'a,b' -> {"a","b"}; '' -> {}
 *   int_to_boolean       integer text: 0 -> f, any other -> t
 *   bit_to_boolean       a BIT: raw bytes, digits or t/true/f/false -> f
 *                        when zero, else t
 *   bit_to_bitstring(N)  a BIT(N): raw big-endian bytes or a string of 0
 *                        and 1 -> exactly N '0'/'1' characters
 *   year_to_integer      a YEAR ('2021', '0000', '2021-01-01') -> '2021', '0'
 *   trim_right           trailing spaces removed
 * A value a transform cannot convert fails the read with MG_ERR_COPY
 * (SQLSTATE 22018) naming the row, the column and the value. */

/* The known transform names, sorted, NULL-terminated (static). */
const char *const *mg_odbc_transform_names(void);

/* Check a transform spec: a known name, with "(N)" when it takes one
 * (bit_to_bitstring) and only then.  False with *err filled (MG_ERR_USAGE,
 * naming the spec and listing the known ones). */
bool mg_odbc_transform_check(const char *spec, mg_error *err);

/* Options of the copy reader (zero fields take the defaults). */
typedef struct mg_odbc_reader_opts {
    size_t rows_per_fetch; /* rows per SQLFetch block; 0 = 1024 (fewer when
                              the bound buffers of a block would pass
                              32 MiB) */
    size_t max_bind_bytes; /* widest bound buffer of a column; wider,
                              LOB (SQL_LONGVAR*) and unknown-size columns
                              are long: bound min(1024, this) bytes wide;
                              0 = 32768; 1 reads every column with
                              SQLGetData */
    const char *const *transforms; /* by select column, borrowed for the
                                      call: a spec ("int_to_boolean",
                                      "bit_to_bitstring(10)") or NULL/""
                                      for none; parsed once */
    size_t ntransforms;
    const char *encoding; /* the source's character encoding (an iconv
                             name: "latin1", "GBK", "CP1252" ...); values
                             of character columns are converted to UTF-8,
                             binary ones never; NULL, "" or any spelling
                             of UTF-8: as they come */
} mg_odbc_reader_opts;

/* Run `select_sql` and fill *r with a reader whose stream is PostgreSQL
 * COPY text format (MG_STREAM_PG_TEXT), one row per read(): the columns in
 * select order, tab-separated, "\N" for NULL, backslash, tab, newline and
 * carriage return escaped (bytea as "\\x" + hex).
 * The statement asks for a forward-only, read-only cursor (the ODBC
 * default; MariaDB's driver starts with a static one).
 * Columns are bound (column-wise, an indicator array per column).  When
 * every column fits max_bind_bytes, rows are block-fetched
 * (SQL_ATTR_ROW_ARRAY_SIZE).  Long columns (LOBs, unknown or larger
 * sizes, and SQLite's columns declared without a length, for which its
 * driver reports 255) get a bounded buffer instead, and rows are then
 * fetched one at a time: a value longer than its buffer is read again,
 * whole, in pieces, with SQLGetData (which drivers allow on a bound column
 * of a one-row block: SQL_GD_BOUND; within a block, SQLite's driver cannot
 * and MariaDB's returns another row's value).  A driver without
 * SQL_GD_BOUND has its rows fetched one at a time and every value read
 * with SQLGetData.  In a block, a bound value that arrives longer than its
 * buffer (a driver that under-reports a size; SQLite, which does not
 * enforce declared lengths) fails the read with MG_ERR_COPY: it is never
 * cut.
 * The memory a reader holds is bounded by its block, whatever the result's
 * size, but a driver may buffer the whole result itself: MariaDB
 * Connector/ODBC before 3.1.17 always does (mysql_stmt_store_result);
 * from 3.1.17, NO_CACHE=1 in the connection string streams (not tested
 * here).  Bound the memory with chunk_rows there.
 * Values are converted from opts->encoding (one iconv converter per
 * reader; an invalid byte sequence fails the read with MG_ERR_COPY,
 * SQLSTATE 22021, naming the row and column), then transformed.
 * The reader borrows c (close the reader first) and uses its own
 * statement; opts may be NULL.  False with *err filled on failure
 * (MG_ERR_USAGE for a statement that returns no rows, an unknown
 * transform, a transform for a column the select lacks, an encoding
 * iconv does not know). */
bool mg_odbc_copy_reader(mg_odbc *c, const char *select_sql,
                         const mg_odbc_reader_opts *opts, mg_reader *r,
                         mg_error *err);

/* Append s (n bytes) to out escaped for a COPY text field.  False on OOM. */
bool mg_odbc_copy_escape(mg_buf *out, const char *s, size_t n);

/* ---- ODBC as a target (odbc_write.c) ------------------------------------
 * Transactions, and a writer that takes PostgreSQL COPY text and inserts it
 * with parameter arrays. */

/* Autocommit on or off (SQL_ATTR_AUTOCOMMIT; drivers start with it on).
 * With it off, what c writes is seen by others after mg_odbc_commit.
 * False with *err filled (MG_ERR_QUERY, the driver's SQLSTATE). */
bool mg_odbc_set_autocommit(mg_odbc *c, bool on, mg_error *err);

/* End the current transaction (SQLEndTran): commit or roll back.  False
 * with *err filled on failure. */
bool mg_odbc_commit(mg_odbc *c, mg_error *err);
bool mg_odbc_rollback(mg_odbc *c, mg_error *err);

/* How the writer sends a column's COPY text values. */
typedef enum mg_odbc_param_kind {
    MG_ODBC_PARAM_TEXT = 0, /* SQL_C_CHAR, UTF-8 text as COPY gives it */
    MG_ODBC_PARAM_BINARY,   /* bytea text ("\x" + hex) decoded to bytes,
                               SQL_C_BINARY */
    MG_ODBC_PARAM_BOOLEAN,  /* "t"/"f" (also true/false, 1/0) as 1/0,
                               SQL_C_BIT */
} mg_odbc_param_kind;

/* "text", "binary", "boolean" -> kind; -1 if unknown. */
int mg_odbc_param_kind_parse(const char *name);

/* Options of the writer (zero fields take the defaults). */
typedef struct mg_odbc_writer_opts {
    size_t batch_rows;  /* rows per execute; 0 = 1000 (at most 65536) */
    size_t batch_bytes; /* bound buffers of a batch; 0 = 4 MiB.  A batch is
                           sent when either limit is reached; a row larger
                           than batch_bytes goes alone */
    const mg_odbc_param_kind *kinds; /* by parameter, borrowed for the
                                        call; NULL or fewer than the
                                        parameters: the rest are text */
    int nkinds;
    bool row_by_row;    /* one row per execute even when the driver takes
                           parameter arrays */
} mg_odbc_writer_opts;

/* Fill *w with a writer of PostgreSQL COPY text (MG_STREAM_PG_TEXT) that
 * runs insert_sql, a statement with one `?` per column (INSERT ... VALUES,
 * INSERT ... ON DUPLICATE KEY UPDATE, MERGE ...), once per batch of rows
 * bound as parameter arrays, column-wise.  Rows may be split across
 * write() calls; "\N" is NULL and every COPY text escape is undone.
 * A driver without parameter arrays (SQLGetInfo, or SQL_ATTR_PARAMSET_SIZE
 * refused) gets one row per execute (logged at debug level).
 * finish() sends the last batch and gives the number of rows sent; it
 * does not commit (the caller owns the transaction).  finish() or abort()
 * releases the writer: exactly one of them must be called.  A row that
 * fails (a field count other than the parameter count, a value its kind
 * refuses, or the driver's refusal) fails write() or finish() with
 * MG_ERR_COPY on the target side, naming the row's number in the stream
 * (1-based) and the SQLSTATE and driver message.  When a driver rejects a
 * batch as a whole without saying which row failed, the rows of the batch
 * are sent again one at a time to find it: those before it are then
 * applied (roll back the transaction).  The writer borrows c (and uses its
 * own statement); opts may be NULL.  False with *err filled when the
 * statement cannot be prepared or takes no parameters. */
bool mg_odbc_copy_writer(mg_odbc *c, const char *insert_sql,
                         const mg_odbc_writer_opts *opts, mg_writer *w,
                         mg_error *err);

#endif
