/*
 * odbc.c - the ODBC connector: connections, statements, catalog, and a
 * block-fetch reader that encodes rows into PostgreSQL COPY text, with the
 * source encoding converted and per-column value transforms run in C.
 */
#include "conn/odbc.h"

#include <sql.h>
#include <sqlext.h>

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <iconv.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/interrupt.h"
#include "core/log.h"
#include "core/secret.h"
#include "conn/odbc_internal.h"

#define DEFAULT_ROWS_PER_FETCH 1024
#define DEFAULT_MAX_BIND 32768
#define LONG_BIND 1024 /* bound buffer of a long or unsized column: most
                          * values fit; a longer one is read again whole */
#define MAX_BLOCK_BYTES (32u << 20) /* bound buffers of one block */
#define MAX_ROWS_PER_FETCH 65536
#define MIN_SCRUB 4


/* ---- errors ---------------------------------------------------------- */

/* The next key=value pair of the connection string at *s (the key with
 * surrounding spaces trimmed, the value with its braces); *s moves past
 * it.  False at the end. */
static bool next_attr(const char **s, const char **key, size_t *klen,
                      const char **val, size_t *vlen)
{
    const char *p = *s;
    for (;;) {
        while (*p == ';' || *p == ' ')
            p++;
        if (*p == '\0') {
            *s = p;
            return false;
        }
        const char *k = p;
        while (*p && *p != '=' && *p != ';')
            p++;
        if (*p != '=')
            continue;
        size_t kl = (size_t)(p - k);
        while (kl > 0 && k[kl - 1] == ' ')
            kl--;
        const char *v = ++p;
        if (*p == '{') {
            for (p++; *p && !(*p == '}' && p[1] != '}'); p++)
                if (*p == '}')
                    p++;
            if (*p)
                p++;
        } else {
            while (*p && *p != ';')
                p++;
        }
        *key = k;
        *klen = kl;
        *val = v;
        *vlen = (size_t)(p - v);
        *s = p;
        return true;
    }
}

/* Is `name` the key (any case) of k[0..klen)? */
static bool key_is(const char *k, size_t klen, const char *name)
{
    return strlen(name) == klen && strncasecmp(k, name, klen) == 0;
}

/* The value of attribute `name` in connection string s (borrowed, with its
 * braces, *vlen bytes), or NULL when s does not set it. */
static const char *find_attr(const char *s, const char *name, size_t *vlen)
{
    const char *k, *v;
    size_t kl;
    while (next_attr(&s, &k, &kl, &v, vlen))
        if (key_is(k, kl, name))
            return v;
    return NULL;
}

/* The values of PWD=/Password= in an ODBC connection string (braces
 * removed and kept), so driver messages that echo them can be scrubbed. */
static void collect_secrets(mg_odbc *c, const char *s)
{
    static const char *keys[] = {"pwd", "password", "passwd", "pass"};
    int n = 0;
    const char *key, *val;
    size_t klen, vlen;
    while (n < MAX_SECRETS && next_attr(&s, &key, &klen, &val, &vlen)) {
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
            if (vlen == 0 || !key_is(key, klen, keys[i]))
                continue;
            c->secrets[n++] = strndup(val, vlen);
            /* Also the value without its braces. */
            if (n < MAX_SECRETS && vlen > 2 && val[0] == '{')
                c->secrets[n++] = strndup(val + 1, vlen - 2);
            break;
        }
    }
}

/* Replace every secret value in msg (size bytes, in place) with "***",
 * then mask any "PWD=..." the driver quotes back.  Like the pg connector,
 * values shorter than MIN_SCRUB bytes are left alone: they would turn
 * every message into asterisks. */
static void scrub(const mg_odbc *c, char *msg, size_t size)
{
    char tmp[MG_ERROR_MSG_MAX];
    size_t o = 0;
    for (const char *p = msg; *p && o + 1 < sizeof tmp;) {
        size_t hit = 0;
        for (int i = 0; i < MAX_SECRETS && c->secrets[i]; i++) {
            size_t slen = strlen(c->secrets[i]);
            if (slen >= MIN_SCRUB && strncmp(p, c->secrets[i], slen) == 0) {
                hit = slen;
                break;
            }
        }
        if (hit == 0) {
            tmp[o++] = *p++;
            continue;
        }
        for (const char *m = "***"; *m && o + 1 < sizeof tmp; m++)
            tmp[o++] = *m;
        p += hit;
    }
    tmp[o] = '\0';
    mg_mask_secrets(tmp, msg, size);
}

/* Fill *err from the diagnostic records of handle h: the SQLSTATE of the
 * first record that is not a warning (class 01; when all are, `fallback`),
 * every message joined with "; " (drivers stack the useful one under a
 * generic one), each followed by its own SQLSTATE when that differs,
 * prefixed by `what`.  Passwords are scrubbed. */
static void diag_error(const mg_odbc *c, SQLSMALLINT htype, SQLHANDLE h,
                       mg_errcode code, const char *fallback, mg_error *err,
                       const char *what)
{
    struct {
        char state[6];
        char text[SQL_MAX_MESSAGE_LENGTH];
    } rec[4];
    int n = 0;
    const char *state = NULL;
    for (SQLSMALLINT i = 1; h != SQL_NULL_HANDLE && n < 4; i++) {
        SQLINTEGER native = 0;
        SQLSMALLINT tlen = 0;
        SQLRETURN rc = SQLGetDiagRec(htype, h, i, (SQLCHAR *)rec[n].state,
                                     &native, (SQLCHAR *)rec[n].text,
                                     sizeof rec[n].text, &tlen);
        if (!SQL_SUCCEEDED(rc))
            break;
        if (state == NULL && strncmp(rec[n].state, "01", 2) != 0)
            state = rec[n].state;
        n++;
    }
    if (state == NULL)
        state = fallback;
    char msgs[MG_ERROR_MSG_MAX];
    size_t len = 0;
    msgs[0] = '\0';
    for (int i = 0; i < n && len < sizeof msgs; i++) {
        len += (size_t)snprintf(msgs + len, sizeof msgs - len, "%s%s",
                                i ? "; " : "", rec[i].text);
        if (strcmp(rec[i].state, state) != 0 && len < sizeof msgs)
            len += (size_t)snprintf(msgs + len, sizeof msgs - len,
                                    " (SQLSTATE %s)", rec[i].state);
    }
    if (n == 0)
        snprintf(msgs, sizeof msgs, "no diagnostic from the driver");
    if (strncmp(state, "08", 2) == 0)
        code = MG_ERR_CONNECT;
    for (char *p = msgs; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
    /* Scrub the driver's text alone: `what` is fixed text or the masked
     * display, and masking it again would take its "PWD=***" for the start
     * of a password running to the end of the message (ODBC values end at
     * ';'), swallowing the driver's explanation. */
    scrub(c, msgs, sizeof msgs);
    mg_error_set(err, code, c->side, state, "%s: %s", what, msgs);
}

void mg_odbc_diag(const mg_odbc *c, SQLSMALLINT htype, SQLHANDLE h,
                  mg_errcode code, mg_error *err, const char *what)
{
    diag_error(c, htype, h, code, "HY000", err, what);
}

/* The SQLSTATE of the first diagnostic record of h ("" when none). */
static void first_state(SQLSMALLINT htype, SQLHANDLE h, char state[6])
{
    SQLINTEGER native;
    SQLSMALLINT tlen;
    SQLCHAR text[8];
    state[0] = '\0';
    if (!SQL_SUCCEEDED(SQLGetDiagRec(htype, h, 1, (SQLCHAR *)state, &native,
                                     text, sizeof text, &tlen)))
        state[0] = '\0';
}

void mg_odbc_oom(const mg_odbc *c, mg_error *err)
{
    mg_error_set(err, MG_ERR_MEMORY, c->side, NULL, "out of memory");
}

/* ---- connections ----------------------------------------------------- */

static void get_info_str(mg_odbc *c, SQLUSMALLINT what, char *out, size_t size)
{
    SQLSMALLINT len = 0;
    out[0] = '\0';
    if (!SQL_SUCCEEDED(SQLGetInfo(c->dbc, what, out, (SQLSMALLINT)size, &len)))
        out[0] = '\0';
}

/* Does s[0..n) contain `word`, in any case? */
static bool contains_ci(const char *s, size_t n, const char *word)
{
    size_t w = strlen(word);
    for (size_t i = 0; i + w <= n; i++)
        if (strncasecmp(s + i, word, w) == 0)
            return true;
    return false;
}

/* connstr + ";StepAPI=1", owned (wipe and free with drop_str); NULL on
 * OOM. */
static char *with_step_api(const char *connstr)
{
    size_t n = strlen(connstr);
    char *s = malloc(n + sizeof ";StepAPI=1");
    if (s) {
        memcpy(s, connstr, n);
        memcpy(s + n, ";StepAPI=1", sizeof ";StepAPI=1");
    }
    return s;
}

/* Free a string that may hold a password, wiped first. */
static void drop_str(char *s)
{
    if (s) {
        memset(s, 0, strlen(s));
        free(s);
    }
}

/* SQLDriverConnect with connstr, no prompt; the completed string the
 * driver hands back (it may hold the password) is wiped. */
static SQLRETURN driver_connect(mg_odbc *c, const char *connstr)
{
    SQLCHAR outstr[1024];
    SQLSMALLINT outlen = 0;
    SQLRETURN rc = SQLDriverConnect(c->dbc, NULL, (SQLCHAR *)connstr, SQL_NTS,
                                    outstr, sizeof outstr, &outlen,
                                    SQL_DRIVER_NOPROMPT);
    memset(outstr, 0, sizeof outstr);
    return rc;
}

/* Connect c with connstr, adding StepAPI=1 for SQLite's driver (odbc.h):
 * decided from Driver= before connecting, or, for a DSN, from the driver's
 * name after it, by connecting again. */
static SQLRETURN connect_dbc(mg_odbc *c, const char *connstr)
{
    size_t dlen, n;
    const char *drv = find_attr(connstr, "Driver", &dlen);
    bool step = find_attr(connstr, "StepAPI", &n) == NULL;
    char *stepped = NULL;
    if (step && drv && contains_ci(drv, dlen, "sqlite3"))
        stepped = with_step_api(connstr);
    SQLRETURN rc = driver_connect(c, stepped ? stepped : connstr);
    if (SQL_SUCCEEDED(rc) && step && stepped == NULL) {
        get_info_str(c, SQL_DRIVER_NAME, c->driver, sizeof c->driver);
        if (contains_ci(c->driver, strlen(c->driver), "sqlite3odbc")) {
            SQLDisconnect(c->dbc);
            stepped = with_step_api(connstr);
            rc = stepped ? driver_connect(c, stepped) : SQL_ERROR;
        }
    }
    if (step && stepped)
        mg_log(MG_LOG_DEBUG, "odbc", "[%s] SQLite's driver: StepAPI=1 added "
               "(rows stream instead of whole results in memory)",
               mg_side_name(c->side));
    drop_str(stepped);
    return rc;
}

mg_odbc *mg_odbc_open(const char *connstr, mg_side side, mg_error *err)
{
    mg_odbc *c = calloc(1, sizeof *c);
    if (c == NULL) {
        mg_error_set(err, MG_ERR_MEMORY, side, NULL, "out of memory");
        return NULL;
    }
    c->side = side;
    if (connstr == NULL)
        connstr = "";
    if (strncasecmp(connstr, "odbc:", 5) == 0)
        connstr += 5;
    mg_mask_secrets(connstr, c->display, sizeof c->display);
    collect_secrets(c, connstr);

    SQLRETURN rc = SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &c->env);
    if (SQL_SUCCEEDED(rc))
        rc = SQLSetEnvAttr(c->env, SQL_ATTR_ODBC_VERSION,
                           (SQLPOINTER)(long)SQL_OV_ODBC3, 0);
    if (SQL_SUCCEEDED(rc))
        rc = SQLAllocHandle(SQL_HANDLE_DBC, c->env, &c->dbc);
    if (!SQL_SUCCEEDED(rc)) {
        mg_error_set(err, MG_ERR_CONNECT, side, "HY001",
                     "cannot connect to %s (%s): the ODBC driver manager "
                     "could not allocate a handle", mg_side_name(side),
                     c->display);
        mg_odbc_close(c);
        return NULL;
    }
    rc = connect_dbc(c, connstr);
    if (!SQL_SUCCEEDED(rc)) {
        char what[700];
        snprintf(what, sizeof what, "cannot connect to %s (%s)",
                 mg_side_name(side), c->display[0] ? c->display : "empty "
                                                                 "connection string");
        diag_error(c, SQL_HANDLE_DBC, c->dbc, MG_ERR_CONNECT, "08001", err,
                   what);
        if (err)
            err->code = MG_ERR_CONNECT;
        mg_odbc_close(c);
        return NULL;
    }
    c->connected = true;
    get_info_str(c, SQL_DBMS_NAME, c->dbms, sizeof c->dbms);
    get_info_str(c, SQL_DRIVER_NAME, c->driver, sizeof c->driver);
    if (!SQL_SUCCEEDED(SQLGetInfo(c->dbc, SQL_GETDATA_EXTENSIONS, &c->getdata,
                                  sizeof c->getdata, NULL)))
        c->getdata = 0;
    mg_log(MG_LOG_DEBUG, "odbc", "[%s] connected to %s (%s, driver %s)",
           mg_side_name(side), c->display, c->dbms, c->driver);
    return c;
}

void mg_odbc_close(mg_odbc *c)
{
    if (c == NULL)
        return;
    if (c->connected)
        SQLDisconnect(c->dbc);
    if (c->dbc != SQL_NULL_HDBC)
        SQLFreeHandle(SQL_HANDLE_DBC, c->dbc);
    if (c->env != SQL_NULL_HENV)
        SQLFreeHandle(SQL_HANDLE_ENV, c->env);
    for (int i = 0; i < MAX_SECRETS; i++) {
        if (c->secrets[i]) {
            memset(c->secrets[i], 0, strlen(c->secrets[i]));
            free(c->secrets[i]);
        }
    }
    free(c);
}

const char *mg_odbc_display(const mg_odbc *c) { return c->display; }

mg_side mg_odbc_side(const mg_odbc *c) { return c->side; }

const char *mg_odbc_dbms_name(const mg_odbc *c) { return c->dbms; }

const char *mg_odbc_driver_name(const mg_odbc *c) { return c->driver; }

/* ---- values ---------------------------------------------------------- */

/* How a column's values are fetched and turned into text. */
typedef enum val_class {
    CLS_TEXT = 0, /* SQL_C_CHAR, as the driver writes it */
    CLS_BINARY,   /* SQL_C_BINARY, shown as \x + hex */
    CLS_DOUBLE,   /* SQL_C_DOUBLE, shortest round-trip decimal */
    CLS_REAL,     /* SQL_C_DOUBLE of a single-precision column (SQL_REAL:
                     MySQL FLOAT, float4), the shortest decimal that reads
                     back as that float */
    CLS_BIT,      /* SQL_C_CHAR "1"/"0"; MariaDB gives the raw byte 1/0,
                     turned into "1"/"0" */
} val_class;

static val_class class_of(SQLSMALLINT type)
{
    switch (type) {
    case SQL_BINARY:
    case SQL_VARBINARY:
    case SQL_LONGVARBINARY:
        return CLS_BINARY;
    case SQL_REAL:
        return CLS_REAL;
    case SQL_FLOAT:
    case SQL_DOUBLE:
        return CLS_DOUBLE;
    case SQL_BIT:
        return CLS_BIT;
    default:
        return CLS_TEXT;
    }
}

static mg_valkind kind_of(SQLSMALLINT type)
{
    switch (type) {
    case SQL_TINYINT:
    case SQL_SMALLINT:
    case SQL_INTEGER:
    case SQL_BIGINT:
        return MG_VAL_INT;
    case SQL_REAL:
    case SQL_FLOAT:
    case SQL_DOUBLE:
        return MG_VAL_FLOAT;
    case SQL_BIT:
        return MG_VAL_BOOL;
    default:
        return MG_VAL_TEXT;
    }
}

/* The shortest "%.*g" of d that reads back as d, into tmp (40 bytes);
 * PostgreSQL spellings for the special values.  Returns the length. */
static size_t format_double(char *tmp, double d)
{
    if (isnan(d))
        return (size_t)snprintf(tmp, 40, "NaN");
    if (isinf(d))
        return (size_t)snprintf(tmp, 40, "%s", d > 0 ? "Infinity"
                                                     : "-Infinity");
    int len = 0;
    for (int prec = 15; prec <= 17; prec++) {
        len = snprintf(tmp, 40, "%.*g", prec, d);
        if (strtod(tmp, NULL) == d)
            break;
    }
    return (size_t)len;
}

/* The same for a single-precision value, fetched as a double (MariaDB's
 * driver gives 0 for 1e38 bound as SQL_C_FLOAT in a row array): the
 * shortest decimal that reads back as the same float (MySQL shows FLOAT
 * 3.14159 so, not as the double 3.141590118408203 it widens to).  A value
 * that is no float is shown as a double. */
static size_t format_float(char *tmp, double d)
{
    if (!(fabs(d) <= FLT_MAX) || (double)(float)d != d)
        return format_double(tmp, d);
    float f = (float)d;
    int len = 0;
    for (int prec = 6; prec <= 9; prec++) {
        len = snprintf(tmp, 40, "%.*g", prec, (double)f);
        if (strtof(tmp, NULL) == f)
            break;
    }
    return (size_t)len;
}

/* A bit value as "1"/"0": MariaDB's driver gives BIT(1) as the raw byte
 * 1 or 0 even to SQL_C_CHAR.  Other values are left as they are. */
static const char *bit_text(const char *p, size_t n)
{
    if (n == 1 && (p[0] == '\0' || p[0] == '\1'))
        return p[0] ? "1" : "0";
    return NULL;
}

static bool append_hex(mg_buf *out, const unsigned char *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    if (!mg_buf_reserve(out, n * 2))
        return false;
    char *o = out->data + out->len;
    for (size_t i = 0; i < n; i++) {
        *o++ = digits[p[i] >> 4];
        *o++ = digits[p[i] & 15];
    }
    out->len += n * 2;
    out->data[out->len] = '\0';
    return true;
}

/* Read column col of the current row of h whole, in pieces, with
 * SQLGetData, appending its text to out: binary as \x + hex (raw bytes
 * when `raw`), bit as "1" or "0", floating point as the shortest decimal.
 * *isnull tells SQL NULL (nothing appended).  False with *err filled on
 * failure. */
static bool get_value(const mg_odbc *c, SQLHSTMT h, SQLUSMALLINT col,
                      val_class cls, bool raw, mg_buf *out, bool *isnull,
                      mg_error *err)
{
    *isnull = false;
    SQLLEN ind = 0;
    SQLRETURN rc;
    if (cls == CLS_DOUBLE || cls == CLS_REAL) {
        double d = 0;
        rc = SQLGetData(h, col, SQL_C_DOUBLE, &d, sizeof d, &ind);
        if (!SQL_SUCCEEDED(rc))
            goto fail;
        if (ind == SQL_NULL_DATA) {
            *isnull = true;
            return true;
        }
        char tmp[40];
        size_t n = cls == CLS_DOUBLE ? format_double(tmp, d)
                                     : format_float(tmp, d);
        if (!mg_buf_append(out, tmp, n))
            goto oom;
        return true;
    }
    SQLSMALLINT ctype = cls == CLS_BINARY ? SQL_C_BINARY : SQL_C_CHAR;
    bool hex = cls == CLS_BINARY && !raw;
    size_t start = out->len;
    /* A NUL ends each SQL_C_CHAR piece; binary pieces fill the buffer. */
    size_t room = ctype == SQL_C_CHAR ? 8191 : 8192;
    char piece[8192];
    bool first = true;
    for (;;) {
        rc = SQLGetData(h, col, ctype, piece, sizeof piece, &ind);
        if (rc == SQL_NO_DATA && !first)
            break;
        if (!SQL_SUCCEEDED(rc))
            goto fail;
        if (ind == SQL_NULL_DATA) {
            *isnull = true;
            return true;
        }
        if (first && hex && !mg_buf_append(out, "\\x", 2))
            goto oom;
        first = false;
        size_t n = (ind == SQL_NO_TOTAL || (size_t)ind > room) ? room
                                                               : (size_t)ind;
        bool ok = hex ? append_hex(out, (const unsigned char *)piece, n)
                      : mg_buf_append(out, piece, n);
        if (!ok)
            goto oom;
        if (rc == SQL_SUCCESS)
            break;
        /* SQL_SUCCESS_WITH_INFO: 01004 means more to come; another
         * warning with the whole value is answered by SQL_NO_DATA next. */
    }
    if (cls == CLS_BIT) {
        const char *b = bit_text(out->data + start, out->len - start);
        if (b)
            out->data[start] = b[0];
    }
    return true;
fail: {
    char what[128];
    snprintf(what, sizeof what, "cannot read column %u", (unsigned)col);
    mg_odbc_diag(c, SQL_HANDLE_STMT, h, MG_ERR_QUERY, err, what);
    return false;
}
oom:
    mg_odbc_oom(c, err);
    return false;
}

/* ---- statements ------------------------------------------------------ */

SQLHSTMT mg_odbc_new_stmt(const mg_odbc *c, mg_error *err)
{
    SQLHSTMT h = SQL_NULL_HSTMT;
    if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_STMT, c->dbc, &h))) {
        mg_odbc_diag(c, SQL_HANDLE_DBC, c->dbc, MG_ERR_QUERY, err,
                       "cannot allocate a statement");
        return SQL_NULL_HSTMT;
    }
    return h;
}

void mg_odbc_free_stmt(SQLHSTMT h)
{
    if (h != SQL_NULL_HSTMT) {
        SQLFreeStmt(h, SQL_CLOSE);
        SQLFreeHandle(SQL_HANDLE_STMT, h);
    }
}

static bool ok_or_nodata(SQLRETURN rc)
{
    return SQL_SUCCEEDED(rc) || rc == SQL_NO_DATA;
}

/* Ctrl-C while a statement runs: a watcher thread cancels it on the
 * server with SQLCancel, which ODBC allows from another thread (the
 * signal handler itself may not call into a driver: it takes locks).  It
 * wakes every 50 ms while the statement runs; none when it ends. */
typedef struct watcher {
    SQLHSTMT h;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool started, done;
} watcher;

static void *watch(void *arg)
{
    watcher *w = arg;
    pthread_mutex_lock(&w->mu);
    while (!w->done) {
        if (mg_interrupted()) {
            SQLCancel(w->h);
            break;
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 50 * 1000 * 1000;
        if (ts.tv_nsec >= 1000 * 1000 * 1000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000 * 1000 * 1000;
        }
        pthread_cond_timedwait(&w->cv, &w->mu, &ts);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* Watch h until watch_stop; without a thread (none could be made) the
 * statement simply runs to its end. */
static void watch_start(watcher *w, SQLHSTMT h)
{
    w->h = h;
    w->done = false;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    w->started = pthread_create(&w->thread, NULL, watch, w) == 0;
}

static void watch_stop(watcher *w)
{
    if (w->started) {
        pthread_mutex_lock(&w->mu);
        w->done = true;
        pthread_cond_signal(&w->cv);
        pthread_mutex_unlock(&w->mu);
        pthread_join(w->thread, NULL);
    }
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
}

bool mg_odbc_exec(mg_odbc *c, const char *sql, mg_error *err)
{
    SQLHSTMT h = mg_odbc_new_stmt(c, err);
    if (h == SQL_NULL_HSTMT)
        return false;
    watcher w;
    watch_start(&w, h);
    SQLRETURN rc = SQLExecDirect(h, (SQLCHAR *)sql, SQL_NTS);
    watch_stop(&w);
    bool ok = ok_or_nodata(rc);
    if (!ok)
        mg_odbc_diag(c, SQL_HANDLE_STMT, h, MG_ERR_QUERY, err,
                       "statement failed");
    mg_odbc_free_stmt(h);
    return ok;
}

/* Column names and kinds of the result set on h, into a new result. */
static mg_result *describe(const mg_odbc *c, SQLHSTMT h, SQLSMALLINT ncols,
                           val_class *classes, mg_error *err)
{
    mg_result *r = mg_result_new(ncols);
    if (r == NULL) {
        mg_odbc_oom(c, err);
        return NULL;
    }
    for (SQLSMALLINT i = 0; i < ncols; i++) {
        SQLCHAR name[256];
        SQLSMALLINT nlen = 0, type = 0, digits = 0, nullable = 0;
        SQLULEN size = 0;
        SQLRETURN rc = SQLDescribeCol(h, (SQLUSMALLINT)(i + 1), name,
                                      sizeof name, &nlen, &type, &size,
                                      &digits, &nullable);
        if (!SQL_SUCCEEDED(rc)) {
            mg_odbc_diag(c, SQL_HANDLE_STMT, h, MG_ERR_QUERY, err,
                           "cannot describe the result");
            mg_result_free(r);
            return NULL;
        }
        classes[i] = class_of(type);
        if (!mg_result_set_column(r, i, (char *)name, kind_of(type))) {
            mg_odbc_oom(c, err);
            mg_result_free(r);
            return NULL;
        }
    }
    return r;
}

/* Fetch every row of the result set on h into r (values as text). */
static bool fetch_all(const mg_odbc *c, SQLHSTMT h, mg_result *r,
                      const val_class *classes, mg_error *err)
{
    int ncols = r->ncols;
    size_t n = (size_t)(ncols ? ncols : 1);
    mg_buf *vals = calloc(n, sizeof *vals);
    const char **ptrs = calloc(n, sizeof *ptrs);
    size_t *lens = calloc(n, sizeof *lens);
    bool ok = vals && ptrs && lens;
    if (!ok)
        mg_odbc_oom(c, err);
    while (ok) {
        SQLRETURN rc = SQLFetch(h);
        if (rc == SQL_NO_DATA)
            break;
        if (!SQL_SUCCEEDED(rc)) {
            mg_odbc_diag(c, SQL_HANDLE_STMT, h, MG_ERR_QUERY, err,
                           "fetch failed");
            ok = false;
            break;
        }
        for (int i = 0; ok && i < ncols; i++) {
            bool isnull;
            mg_buf_reset(&vals[i]);
            ok = get_value(c, h, (SQLUSMALLINT)(i + 1), classes[i], false,
                           &vals[i], &isnull, err);
            if (ok && classes[i] == CLS_BIT && !isnull)
                vals[i].data[0] = vals[i].data[0] == '0' ? 'f' : 't';
            /* An empty value may have no buffer yet. */
            ptrs[i] = isnull ? NULL : vals[i].data ? vals[i].data : "";
            lens[i] = vals[i].len;
        }
        if (ok && !mg_result_add_row(r, ptrs, lens)) {
            mg_odbc_oom(c, err);
            ok = false;
        }
    }
    for (int i = 0; vals && i < ncols; i++)
        mg_buf_free(&vals[i]);
    free(vals);
    free(ptrs);
    free(lens);
    return ok;
}

bool mg_odbc_query(mg_odbc *c, const char *sql, int nparams,
                   const char *const *params, mg_result **out, mg_error *err)
{
    *out = NULL;
    bool ok = false, watching = false;
    watcher w; /* Ctrl-C cancels the statement while it runs and returns rows */
    SQLLEN *inds = NULL;
    val_class *classes = NULL;
    mg_result *r = NULL;
    SQLHSTMT h = mg_odbc_new_stmt(c, err);
    if (h == SQL_NULL_HSTMT)
        return false;
    SQLRETURN rc = SQLPrepare(h, (SQLCHAR *)sql, SQL_NTS);
    if (!SQL_SUCCEEDED(rc)) {
        mg_odbc_diag(c, SQL_HANDLE_STMT, h, MG_ERR_QUERY, err,
                       "cannot prepare the statement");
        goto out;
    }
    inds = calloc((size_t)(nparams > 0 ? nparams : 1), sizeof *inds);
    if (inds == NULL) {
        mg_odbc_oom(c, err);
        goto out;
    }
    for (int i = 0; i < nparams; i++) {
        const char *v = params ? params[i] : NULL;
        size_t len = v ? strlen(v) : 0;
        inds[i] = v ? (SQLLEN)len : SQL_NULL_DATA;
        /* Long text as SQL_LONGVARCHAR: some drivers (SQL Server) cap
         * SQL_VARCHAR at 8000 bytes. */
        SQLSMALLINT type = len > 4000 ? SQL_LONGVARCHAR : SQL_VARCHAR;
        rc = SQLBindParameter(h, (SQLUSMALLINT)(i + 1), SQL_PARAM_INPUT,
                              SQL_C_CHAR, type, len > 0 ? len : 1, 0,
                              (SQLPOINTER)v, (SQLLEN)len, &inds[i]);
        if (!SQL_SUCCEEDED(rc)) {
            char what[64];
            snprintf(what, sizeof what, "cannot bind parameter %d", i + 1);
            mg_odbc_diag(c, SQL_HANDLE_STMT, h, MG_ERR_QUERY, err, what);
            goto out;
        }
    }
    watch_start(&w, h);
    watching = true;
    rc = SQLExecute(h);
    if (!ok_or_nodata(rc)) {
        mg_odbc_diag(c, SQL_HANDLE_STMT, h, MG_ERR_QUERY, err,
                       "statement failed");
        goto out;
    }
    SQLSMALLINT ncols = 0;
    if (!SQL_SUCCEEDED(SQLNumResultCols(h, &ncols))) {
        mg_odbc_diag(c, SQL_HANDLE_STMT, h, MG_ERR_QUERY, err,
                       "cannot describe the result");
        goto out;
    }
    classes = calloc((size_t)(ncols > 0 ? ncols : 1), sizeof *classes);
    if (classes == NULL) {
        mg_odbc_oom(c, err);
        goto out;
    }
    r = describe(c, h, ncols, classes, err);
    if (r == NULL)
        goto out;
    if (ncols > 0) {
        if (!fetch_all(c, h, r, classes, err))
            goto out;
    } else {
        SQLLEN count = -1;
        char tag[32];
        if (SQL_SUCCEEDED(SQLRowCount(h, &count)) && count >= 0) {
            snprintf(tag, sizeof tag, "ROWS %ld", (long)count);
            if ((r->command_tag = strdup(tag)) == NULL) {
                mg_odbc_oom(c, err);
                goto out;
            }
        }
    }
    *out = r;
    r = NULL;
    ok = true;
out:
    if (watching)
        watch_stop(&w);
    mg_result_free(r);
    free(classes);
    free(inds);
    mg_odbc_free_stmt(h);
    return ok;
}

/* ---- catalog --------------------------------------------------------- */

/* A catalog kind: the result's columns and, for each, the column of the
 * ODBC catalog result set it comes from (1-based) and how it is turned. */
typedef enum conv {
    CV_COPY = 0, /* the text as is */
    CV_SCHEMA,   /* "" -> NULL: drivers without schemas say either */
    CV_LOWER,    /* lower case: "TABLE" -> "table" */
    CV_NOT_NULL, /* NULLABLE 0/1/2 -> "t"/"f"/NULL */
    CV_NOT_UNIQUE, /* NON_UNIQUE 0/1 -> is_unique "t"/"f" */
    CV_FK_RULE,  /* SQL_CASCADE ... -> "CASCADE" ... */
} conv;

typedef struct cat_col {
    const char *name;
    mg_valkind kind;
    int src;
    conv cv;
} cat_col;

#define MAX_CAT_COLS 12

typedef struct cat_kind {
    const char *name;
    SQLUSMALLINT api; /* for SQLGetFunctions */
    int ncols;
    cat_col cols[MAX_CAT_COLS];
} cat_kind;

static const cat_kind catalog[] = {
    [MG_ODBC_CAT_TABLES] = {"tables", SQL_API_SQLTABLES, 4, {
        {"schema_name", MG_VAL_TEXT, 2, CV_SCHEMA},
        {"table_name", MG_VAL_TEXT, 3, CV_COPY},
        {"kind", MG_VAL_TEXT, 4, CV_LOWER},
        {"comment", MG_VAL_TEXT, 5, CV_COPY},
    }},
    [MG_ODBC_CAT_COLUMNS] = {"columns", SQL_API_SQLCOLUMNS, 10, {
        {"schema_name", MG_VAL_TEXT, 2, CV_SCHEMA},
        {"table_name", MG_VAL_TEXT, 3, CV_COPY},
        {"column_name", MG_VAL_TEXT, 4, CV_COPY},
        {"position", MG_VAL_INT, 17, CV_COPY},
        {"type", MG_VAL_TEXT, 6, CV_COPY},
        {"sql_type", MG_VAL_INT, 5, CV_COPY},
        {"column_size", MG_VAL_INT, 7, CV_COPY},
        {"decimal_digits", MG_VAL_INT, 9, CV_COPY},
        {"not_null", MG_VAL_BOOL, 11, CV_NOT_NULL},
        {"default", MG_VAL_TEXT, 13, CV_COPY},
    }},
    [MG_ODBC_CAT_PRIMARY_KEYS] = {"primary_keys", SQL_API_SQLPRIMARYKEYS, 5, {
        {"schema_name", MG_VAL_TEXT, 2, CV_SCHEMA},
        {"table_name", MG_VAL_TEXT, 3, CV_COPY},
        {"constraint_name", MG_VAL_TEXT, 6, CV_COPY},
        {"column_name", MG_VAL_TEXT, 4, CV_COPY},
        {"position", MG_VAL_INT, 5, CV_COPY},
    }},
    [MG_ODBC_CAT_FOREIGN_KEYS] = {"foreign_keys", SQL_API_SQLFOREIGNKEYS, 10, {
        {"schema_name", MG_VAL_TEXT, 6, CV_SCHEMA},
        {"table_name", MG_VAL_TEXT, 7, CV_COPY},
        {"constraint_name", MG_VAL_TEXT, 12, CV_COPY},
        {"column_name", MG_VAL_TEXT, 8, CV_COPY},
        {"ref_schema", MG_VAL_TEXT, 2, CV_SCHEMA},
        {"ref_table", MG_VAL_TEXT, 3, CV_COPY},
        {"ref_column", MG_VAL_TEXT, 4, CV_COPY},
        {"position", MG_VAL_INT, 9, CV_COPY},
        {"on_update", MG_VAL_TEXT, 10, CV_FK_RULE},
        {"on_delete", MG_VAL_TEXT, 11, CV_FK_RULE},
    }},
    [MG_ODBC_CAT_INDEXES] = {"indexes", SQL_API_SQLSTATISTICS, 6, {
        {"schema_name", MG_VAL_TEXT, 2, CV_SCHEMA},
        {"table_name", MG_VAL_TEXT, 3, CV_COPY},
        {"index_name", MG_VAL_TEXT, 6, CV_COPY},
        {"is_unique", MG_VAL_BOOL, 4, CV_NOT_UNIQUE},
        {"column_name", MG_VAL_TEXT, 9, CV_COPY},
        {"position", MG_VAL_INT, 8, CV_COPY},
    }},
};

#define NKINDS ((int)(sizeof catalog / sizeof catalog[0]))
#define MAX_SRC_COL 18

int mg_odbc_catalog_kind_parse(const char *name)
{
    if (name == NULL)
        return -1;
    for (int i = 0; i < NKINDS; i++)
        if (strcmp(name, catalog[i].name) == 0)
            return i;
    return -1;
}

static const char *fk_rule(const char *v)
{
    switch (v ? atoi(v) : -1) {
    case SQL_CASCADE: return "CASCADE";
    case SQL_RESTRICT: return "RESTRICT";
    case SQL_SET_NULL: return "SET NULL";
    case SQL_SET_DEFAULT: return "SET DEFAULT";
    case SQL_NO_ACTION: return "NO ACTION";
    default: return NULL;
    }
}

/* Turn one value of a catalog row; *v may be replaced by a static string
 * or NULL.  Lowercases in place. */
static void convert(conv cv, const char **v, size_t *len, mg_buf *b)
{
    const char *s = NULL;
    switch (cv) {
    case CV_COPY:
        return;
    case CV_SCHEMA:
        if (*v == NULL || **v != '\0')
            return;
        break;
    case CV_LOWER:
        for (size_t i = 0; *v && i < *len; i++)
            b->data[i] = (char)tolower((unsigned char)b->data[i]);
        return;
    case CV_NOT_NULL:
        s = !*v ? NULL : atoi(*v) == SQL_NO_NULLS ? "t"
            : atoi(*v) == SQL_NULLABLE ? "f" : NULL;
        break;
    case CV_NOT_UNIQUE:
        s = !*v ? NULL : atoi(*v) ? "f" : "t";
        break;
    case CV_FK_RULE:
        s = fk_rule(*v);
        break;
    }
    *v = s;
    *len = s ? strlen(s) : 0;
}

/* Append the rows of the catalog result set on h to r, per k.  Index
 * statistics rows (TYPE = SQL_TABLE_STAT) are skipped. */
static bool collect(const mg_odbc *c, SQLHSTMT h, const cat_kind *k,
                    mg_result *r, mg_error *err)
{
    SQLSMALLINT have = 0;
    if (!SQL_SUCCEEDED(SQLNumResultCols(h, &have))) {
        mg_odbc_diag(c, SQL_HANDLE_STMT, h, MG_ERR_QUERY, err,
                       "catalog: cannot describe the result");
        return false;
    }
    if (have > MAX_SRC_COL)
        have = MAX_SRC_COL;
    mg_buf src[MAX_SRC_COL + 1];
    bool isnull[MAX_SRC_COL + 1];
    memset(src, 0, sizeof src);
    bool ok = true;
    while (ok) {
        SQLRETURN rc = SQLFetch(h);
        if (rc == SQL_NO_DATA)
            break;
        if (!SQL_SUCCEEDED(rc)) {
            mg_odbc_diag(c, SQL_HANDLE_STMT, h, MG_ERR_QUERY, err,
                           "catalog: fetch failed");
            ok = false;
            break;
        }
        /* Read source columns in ascending order (SQLGetData's rule). */
        for (int i = 1; ok && i <= have; i++) {
            mg_buf_reset(&src[i]);
            ok = get_value(c, h, (SQLUSMALLINT)i, CLS_TEXT, false, &src[i],
                           &isnull[i], err);
        }
        if (!ok)
            break;
        if (k == &catalog[MG_ODBC_CAT_INDEXES] && have >= 7 && !isnull[7] &&
            atoi(src[7].data) == SQL_TABLE_STAT)
            continue;
        const char *vals[MAX_CAT_COLS];
        size_t lens[MAX_CAT_COLS];
        for (int j = 0; j < k->ncols; j++) {
            int s = k->cols[j].src;
            const char *v = NULL;
            size_t len = 0;
            if (s <= have && !isnull[s]) {
                v = src[s].data ? src[s].data : "";
                len = src[s].len;
            }
            if (v != NULL || k->cols[j].cv != CV_COPY)
                convert(k->cols[j].cv, &v, &len, &src[s <= have ? s : 0]);
            vals[j] = v;
            lens[j] = len;
        }
        if (!mg_result_add_row(r, vals, lens)) {
            mg_odbc_oom(c, err);
            ok = false;
        }
    }
    for (int i = 0; i <= MAX_SRC_COL; i++)
        mg_buf_free(&src[i]);
    return ok;
}

/* True when the failed catalog call on h means "not supported here". */
static bool unsupported(SQLHSTMT h)
{
    char state[6];
    first_state(SQL_HANDLE_STMT, h, state);
    return strcmp(state, "IM001") == 0 || strcmp(state, "HYC00") == 0;
}

static SQLCHAR *arg(const char *s) { return (SQLCHAR *)s; }
static SQLSMALLINT arglen(const char *s) { return s ? SQL_NTS : 0; }

/* Compare two result rows by their first two columns (schema_name,
 * table_name), byte order, NULL first. */
static int cmp_rows(const void *a, const void *b, void *arg)
{
    const mg_result *r = arg;
    const long *ra = a, *rb = b;
    for (int i = 0; i < 2 && i < r->ncols; i++) {
        if (ra[i] < 0 || rb[i] < 0) {
            if (ra[i] >= 0 || rb[i] >= 0)
                return ra[i] < 0 ? -1 : 1;
            continue;
        }
        int d = strcmp(r->arena.data + ra[i], r->arena.data + rb[i]);
        if (d != 0)
            return d;
    }
    return 0;
}

/* Sort the rows of r by schema and table name: drivers list tables in
 * their own order (SQLite: creation order), the plan wants the same order
 * every run. */
static void sort_by_name(mg_result *r)
{
    if (r->nrows > 1 && r->ncols >= 2)
        qsort_r(r->offsets, r->nrows, (size_t)r->ncols * sizeof(long),
                cmp_rows, r);
}

/* Run kind's catalog function for one (schema, table) and collect its
 * rows into r. */
static bool catalog_one(mg_odbc *c, mg_odbc_catalog_kind kind,
                        const char *schema, const char *table, mg_result *r,
                        mg_error *err)
{
    const cat_kind *k = &catalog[kind];
    SQLHSTMT h = mg_odbc_new_stmt(c, err);
    if (h == SQL_NULL_HSTMT)
        return false;
    SQLRETURN rc = SQL_ERROR;
    switch (kind) {
    case MG_ODBC_CAT_TABLES:
        rc = SQLTables(h, NULL, 0, arg(schema), arglen(schema), arg(table),
                       arglen(table), arg("TABLE,VIEW"), SQL_NTS);
        break;
    case MG_ODBC_CAT_COLUMNS:
        rc = SQLColumns(h, NULL, 0, arg(schema), arglen(schema), arg(table),
                        arglen(table), NULL, 0);
        break;
    case MG_ODBC_CAT_PRIMARY_KEYS:
        rc = SQLPrimaryKeys(h, NULL, 0, arg(schema), arglen(schema),
                            arg(table), arglen(table));
        break;
    case MG_ODBC_CAT_FOREIGN_KEYS:
        rc = SQLForeignKeys(h, NULL, 0, NULL, 0, NULL, 0, NULL, 0,
                            arg(schema), arglen(schema), arg(table),
                            arglen(table));
        break;
    case MG_ODBC_CAT_INDEXES:
        rc = SQLStatistics(h, NULL, 0, arg(schema), arglen(schema), arg(table),
                           arglen(table), SQL_INDEX_ALL, SQL_QUICK);
        break;
    }
    bool ok = SQL_SUCCEEDED(rc);
    if (!ok && unsupported(h)) {
        mg_log(MG_LOG_DEBUG, "odbc", "[%s] the driver (%s) does not support "
               "the catalog of %s: empty result", mg_side_name(c->side),
               c->driver, k->name);
        ok = true;
    } else if (!ok) {
        char what[128];
        snprintf(what, sizeof what, "catalog %s of %s failed", k->name,
                 table ? table : "every table");
        mg_odbc_diag(c, SQL_HANDLE_STMT, h, MG_ERR_QUERY, err, what);
    } else {
        ok = collect(c, h, k, r, err);
    }
    mg_odbc_free_stmt(h);
    return ok;
}

bool mg_odbc_catalog(mg_odbc *c, mg_odbc_catalog_kind kind, const char *schema,
                     const char *table, mg_result **out, mg_error *err)
{
    if (out != NULL)
        *out = NULL;
    if (c == NULL || out == NULL) {
        mg_error_set(err, MG_ERR_USAGE, MG_SIDE_NONE, NULL,
                     "odbc catalog: no connection or no result pointer");
        return false;
    }
    if ((int)kind < 0 || (int)kind >= NKINDS) {
        mg_error_set(err, MG_ERR_USAGE, c->side, NULL,
                     "odbc catalog: unknown kind %d", (int)kind);
        return false;
    }
    const cat_kind *k = &catalog[kind];
    mg_result *r = mg_result_new(k->ncols);
    if (r == NULL) {
        mg_odbc_oom(c, err);
        return false;
    }
    for (int i = 0; i < k->ncols; i++)
        if (!mg_result_set_column(r, i, k->cols[i].name, k->cols[i].kind)) {
            mg_odbc_oom(c, err);
            mg_result_free(r);
            return false;
        }
    bool ok = true;
    SQLUSMALLINT supported = SQL_TRUE;
    if (SQL_SUCCEEDED(SQLGetFunctions(c->dbc, k->api, &supported)) &&
        supported == SQL_FALSE) {
        mg_log(MG_LOG_DEBUG, "odbc", "[%s] the driver (%s) has no catalog "
               "function for %s: empty result", mg_side_name(c->side),
               c->driver, k->name);
    } else if (table != NULL || kind == MG_ODBC_CAT_TABLES ||
               kind == MG_ODBC_CAT_COLUMNS) {
        ok = catalog_one(c, kind, schema, table, r, err);
        if (ok && kind == MG_ODBC_CAT_TABLES)
            sort_by_name(r);
    } else {
        /* Keys and indexes take one table: ask for each table listed. */
        mg_result *tables = NULL;
        ok = mg_odbc_catalog(c, MG_ODBC_CAT_TABLES, schema, NULL, &tables, err);
        for (size_t i = 0; ok && i < tables->nrows; i++) {
            const char *kindv = mg_result_value(tables, i, 2);
            if (kindv && strcmp(kindv, "view") == 0)
                continue;
            ok = catalog_one(c, kind, mg_result_value(tables, i, 0),
                             mg_result_value(tables, i, 1), r, err);
        }
        mg_result_free(tables);
    }
    if (!ok) {
        mg_result_free(r);
        return false;
    }
    *out = r;
    return true;
}

/* ---- value transforms ------------------------------------------------ */

/* A value on its way into a COPY field: bytes (borrowed), shown as bytea
 * hex when `binary`, else as text; or SQL NULL. */
typedef struct cell {
    const char *p;
    size_t n;
    bool binary;
    bool null;
} cell;

typedef enum tx_rc { TX_OK = 0, TX_BAD, TX_OOM } tx_rc;

/* A transform rewrites *v in place; a new value goes into `scratch`
 * (reset by the caller), which v may then point into.  TX_BAD sets *why
 * (a static string). */
typedef tx_rc (*tx_fn)(cell *v, long arg, mg_buf *scratch, const char **why);

typedef struct tx_def {
    const char *name;
    tx_fn fn;
    bool has_arg; /* NAME(N), N in 1..max_arg */
    long max_arg;
} tx_def;

static bool is_digit(char ch) { return ch >= '0' && ch <= '9'; }

/* Decode n hex digits at p into out (n / 2 bytes); false on a non-hex
 * character. */
static bool unhex(const char *p, size_t n, unsigned char *out)
{
    for (size_t i = 0; i + 1 < n; i += 2) {
        int hi = mg_odbc_hex_digit((unsigned char)p[i]);
        int lo = mg_odbc_hex_digit((unsigned char)p[i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i / 2] = (unsigned char)(hi << 4 | lo);
    }
    return true;
}

/* A text value that carries raw bytes (a control byte in it): drivers
 * that hand a BIT as bytes through SQL_C_CHAR. */
static bool looks_raw(const cell *v)
{
    for (size_t i = 0; i < v->n; i++)
        if ((unsigned char)v->p[i] < 0x20)
            return true;
    return false;
}

static tx_rc set_text(cell *v, const char *s, size_t n)
{
    v->p = s;
    v->n = n;
    v->binary = false;
    return TX_OK;
}

/* 'YYYY-MM-DD...' with a zero year, month or day -> NULL; anything else
 * (a valid date, a time, text that is no date) is kept. */
static tx_rc tx_zero_dates_to_null(cell *v, long arg, mg_buf *s,
                                   const char **why)
{
    (void)arg;
    (void)s;
    (void)why;
    const char *p = v->p, *e = p + v->n;
    /* The usual shape first: YYYY-MM-DD, then the end, ' ' or 'T'. */
    if (v->n >= 10 && p[4] == '-' && p[7] == '-' &&
        (v->n == 10 || p[10] == ' ' || p[10] == 'T') && is_digit(p[0]) &&
        is_digit(p[1]) && is_digit(p[2]) && is_digit(p[3]) &&
        is_digit(p[5]) && is_digit(p[6]) && is_digit(p[8]) &&
        is_digit(p[9])) {
        if (memcmp(p, "0000", 4) == 0 || (p[5] == '0' && p[6] == '0') ||
            (p[8] == '0' && p[9] == '0'))
            v->null = true;
        return TX_OK;
    }
    long part[3];
    for (int k = 0; k < 3; k++) {
        if (p == e || !is_digit(*p))
            return TX_OK;
        long x = 0;
        for (int nd = 0; p < e && is_digit(*p); p++, nd++)
            if (nd < 9)
                x = x * 10 + (*p - '0');
        part[k] = x;
        if (k < 2) {
            if (p == e || *p != '-')
                return TX_OK;
            p++;
        }
    }
    if (p != e && *p != ' ' && *p != 'T')
        return TX_OK;
    if (part[0] == 0 || part[1] == 0 || part[2] == 0)
        v->null = true;
    return TX_OK;
}

static tx_rc tx_empty_to_null(cell *v, long arg, mg_buf *s, const char **why)
{
    (void)arg;
    (void)s;
    (void)why;
    if (v->n == 0)
        v->null = true;
    return TX_OK;
}

static tx_rc tx_trim_right(cell *v, long arg, mg_buf *s, const char **why)
{
    (void)arg;
    (void)s;
    (void)why;
    while (v->n > 0 && v->p[v->n - 1] == ' ')
        v->n--;
    return TX_OK;
}

/* Hex digits (optionally after 0x or \x, any case) -> bytea. */
static tx_rc tx_hex_to_bytea(cell *v, long arg, mg_buf *s, const char **why)
{
    (void)arg;
    const char *p = v->p;
    size_t n = v->n;
    if (n >= 2 && (p[0] == '0' || p[0] == '\\') && (p[1] | 0x20) == 'x') {
        p += 2;
        n -= 2;
    }
    if (n % 2 != 0) {
        *why = "an odd number of hex digits";
        return TX_BAD;
    }
    if (!mg_buf_reserve(s, n / 2))
        return TX_OOM;
    if (!unhex(p, n, (unsigned char *)s->data)) {
        *why = "not hex digits";
        return TX_BAD;
    }
    s->len = n / 2;
    v->p = s->data;
    v->n = n / 2;
    v->binary = true;
    return TX_OK;
}

/* 16 raw bytes, 32 hex digits (also as SQLite's X'...'), or a uuid with
 * dashes (or braces) -> the canonical lower-case uuid text. */
static tx_rc tx_binary_to_uuid(cell *v, long arg, mg_buf *s, const char **why)
{
    (void)arg;
    unsigned char b[16];
    const char *p = v->p;
    size_t n = v->n;
    bool ok = false;
    if (n == 16) {
        memcpy(b, p, 16);
        ok = true;
    } else if (!v->binary || n == 32 || n == 36 || n == 38) {
        if (n == 35 && (p[0] | 0x20) == 'x' && p[1] == '\'' && p[34] == '\'') {
            p += 2;
            n = 32;
        } else if (n == 38 && p[0] == '{' && p[37] == '}') {
            p++;
            n = 36;
        }
        char hex[32];
        if (n == 36 && p[8] == '-' && p[13] == '-' && p[18] == '-' &&
            p[23] == '-') {
            size_t o = 0;
            for (size_t i = 0; i < 36; i++)
                if (i != 8 && i != 13 && i != 18 && i != 23)
                    hex[o++] = p[i];
            ok = unhex(hex, 32, b);
        } else if (n == 32) {
            ok = unhex(p, 32, b);
        }
    }
    if (!ok) {
        *why = "not 16 bytes, 32 hex digits or a uuid";
        return TX_BAD;
    }
    static const char digits[] = "0123456789abcdef";
    if (!mg_buf_reserve(s, 36))
        return TX_OOM;
    char *o = s->data;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *o++ = '-';
        *o++ = digits[b[i] >> 4];
        *o++ = digits[b[i] & 15];
    }
    s->len = 36;
    return set_text(v, s->data, 36);
}

/* MySQL SET text 'a,b' -> the array literal {"a","b"}; '' -> {}. */
static tx_rc tx_set_to_array(cell *v, long arg, mg_buf *s, const char **why)
{
    (void)arg;
    (void)why;
    if (!mg_buf_reserve(s, v->n * 2 + 4))
        return TX_OOM;
    char *o = s->data;
    *o++ = '{';
    if (v->n > 0) {
        *o++ = '"';
        for (size_t i = 0; i < v->n; i++) {
            char ch = v->p[i];
            if (ch == ',') {
                *o++ = '"';
                *o++ = ',';
                *o++ = '"';
                continue;
            }
            if (ch == '"' || ch == '\\')
                *o++ = '\\';
            *o++ = ch;
        }
        *o++ = '"';
    }
    *o++ = '}';
    s->len = (size_t)(o - s->data);
    return set_text(v, s->data, s->len);
}

/* Integer text: '0' -> f, any other integer -> t. */
static tx_rc tx_int_to_boolean(cell *v, long arg, mg_buf *s, const char **why)
{
    (void)arg;
    (void)s;
    size_t i = v->n > 0 && (v->p[0] == '-' || v->p[0] == '+') ? 1 : 0;
    bool zero = true;
    if (i == v->n)
        goto bad;
    for (; i < v->n; i++) {
        if (!is_digit(v->p[i]))
            goto bad;
        zero = zero && v->p[i] == '0';
    }
    return set_text(v, zero ? "f" : "t", 1);
bad:
    *why = "not an integer";
    return TX_BAD;
}

/* A BIT value: raw bytes, or text of digits ('0', '1', '101'), or a
 * boolean word (t, true, f, false) -> f when zero, else t. */
static tx_rc tx_bit_to_boolean(cell *v, long arg, mg_buf *s, const char **why)
{
    (void)arg;
    (void)s;
    bool zero = true;
    if (v->n == 0)
        goto bad;
    if (v->binary || looks_raw(v)) {
        for (size_t i = 0; i < v->n; i++)
            zero = zero && v->p[i] == 0;
        return set_text(v, zero ? "f" : "t", 1);
    }
    for (size_t i = 0; i < v->n; i++) {
        if (!is_digit(v->p[i]))
            goto word;
        zero = zero && v->p[i] == '0';
    }
    return set_text(v, zero ? "f" : "t", 1);
word:
    if ((v->n == 1 || (v->n == 4 && strncasecmp(v->p, "true", 4) == 0)) &&
        (v->p[0] | 0x20) == 't')
        return set_text(v, "t", 1);
    if ((v->n == 1 || (v->n == 5 && strncasecmp(v->p, "false", 5) == 0)) &&
        (v->p[0] | 0x20) == 'f')
        return set_text(v, "f", 1);
bad:
    *why = "not a bit value";
    return TX_BAD;
}

/* A BIT(N) value -> exactly N '0'/'1' characters: raw bytes (big-endian,
 * as MySQL gives them), or text of '0'/'1' digits (left-padded). */
static tx_rc tx_bit_to_bitstring(cell *v, long arg, mg_buf *s,
                                 const char **why)
{
    size_t nbits = (size_t)arg;
    if (!mg_buf_reserve(s, nbits))
        return TX_OOM;
    char *o = s->data;
    if (v->binary || looks_raw(v)) {
        const unsigned char *b = (const unsigned char *)v->p;
        size_t have = v->n * 8;
        for (size_t k = nbits; k < have; k++)
            if (b[v->n - 1 - k / 8] >> (k % 8) & 1)
                goto wide;
        for (size_t k = nbits; k-- > 0;)
            *o++ = k < have && (b[v->n - 1 - k / 8] >> (k % 8) & 1) ? '1'
                                                                    : '0';
    } else {
        for (size_t i = 0; i < v->n; i++)
            if (v->p[i] != '0' && v->p[i] != '1') {
                *why = "not raw bytes or a string of 0 and 1";
                return TX_BAD;
            }
        size_t skip = 0;
        for (; v->n - skip > nbits; skip++)
            if (v->p[skip] != '0')
                goto wide;
        for (size_t k = v->n - skip; k < nbits; k++)
            *o++ = '0';
        memcpy(o, v->p + skip, v->n - skip);
        o += v->n - skip;
    }
    s->len = nbits;
    return set_text(v, s->data, nbits);
wide:
    *why = "more bits set than the column has";
    return TX_BAD;
}

/* A MySQL YEAR ('2021', '0000', or a date '2021-01-01') -> '2021', '0'. */
static tx_rc tx_year_to_integer(cell *v, long arg, mg_buf *s, const char **why)
{
    (void)arg;
    size_t i = 0;
    int year = 0;
    for (; i < v->n && is_digit(v->p[i]); i++)
        year = year * 10 + (v->p[i] - '0');
    if (i == 0 || i > 4 || (i < v->n && v->p[i] != '-')) {
        *why = "not a year";
        return TX_BAD;
    }
    if (!mg_buf_reserve(s, 8))
        return TX_OOM;
    s->len = (size_t)snprintf(s->data, 8, "%d", year);
    return set_text(v, s->data, s->len);
}

#define MAX_BITS 83886080L /* PostgreSQL's limit of bit(n) */

/* Every transform, sorted by name: name, and the largest N of NAME(N)
 * (0: it takes no argument).  The function of each is tx_NAME. */
#define TRANSFORMS(X)                                                      \
    X(binary_to_uuid, 0)                                                   \
    X(bit_to_bitstring, MAX_BITS)                                          \
    X(bit_to_boolean, 0)                                                   \
    X(empty_to_null, 0)                                                    \
    X(hex_to_bytea, 0)                                                     \
    X(int_to_boolean, 0)                                                   \
    X(set_to_array, 0)                                                     \
    X(trim_right, 0)                                                       \
    X(year_to_integer, 0)                                                  \
    X(zero_dates_to_null, 0)

#define TX_DEF(name, max) {#name, tx_##name, (max) > 0, (max)},
static const tx_def tx_table[] = {TRANSFORMS(TX_DEF)};
#undef TX_DEF

#define TX_NAME(name, max) #name,
static const char *const tx_names[] = {TRANSFORMS(TX_NAME) NULL};
#undef TX_NAME

#define NTX (sizeof tx_table / sizeof tx_table[0])

const char *const *mg_odbc_transform_names(void) { return tx_names; }

/* "binary_to_uuid, bit_to_bitstring(N), ..." into out. */
static void known_list(char *out, size_t size)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < NTX && o < size; i++)
        o += (size_t)snprintf(out + o, size - o, "%s%s%s", i ? ", " : "",
                              tx_table[i].name,
                              tx_table[i].has_arg ? "(N)" : "");
}

/* Parse a spec "name" or "name(N)" (spaces allowed around the parts). */
static bool parse_spec(const char *spec, const tx_def **def, long *arg,
                       mg_error *err)
{
    const char *p = spec;
    while (*p == ' ')
        p++;
    const char *name = p;
    while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
           is_digit(*p) || *p == '_')
        p++;
    size_t nlen = (size_t)(p - name);
    *def = NULL;
    *arg = 0;
    for (size_t i = 0; i < NTX && nlen > 0; i++)
        if (strlen(tx_table[i].name) == nlen &&
            strncasecmp(tx_table[i].name, name, nlen) == 0)
            *def = &tx_table[i];
    if (*def == NULL) {
        char known[400];
        known_list(known, sizeof known);
        mg_error_set(err, MG_ERR_USAGE, MG_SIDE_NONE, NULL,
                     "unknown value transform '%.60s' (known: %s)", spec,
                     known);
        return false;
    }
    while (*p == ' ')
        p++;
    bool has = *p == '(';
    if (has) {
        const char *num = p + 1;
        char *end;
        *arg = strtol(num, &end, 10);
        p = end;
        while (*p == ' ')
            p++;
        if (end == num || *p != ')')
            goto syntax;
        p++;
        while (*p == ' ')
            p++;
    }
    if (*p != '\0')
        goto syntax;
    if (has && !(*def)->has_arg) {
        mg_error_set(err, MG_ERR_USAGE, MG_SIDE_NONE, NULL,
                     "value transform '%.60s': %s takes no argument", spec,
                     (*def)->name);
        return false;
    }
    if ((*def)->has_arg && (!has || *arg < 1 || *arg > (*def)->max_arg)) {
        mg_error_set(err, MG_ERR_USAGE, MG_SIDE_NONE, NULL,
                     "value transform '%.60s': %s needs a length from 1 to "
                     "%ld, as in %s(8)", spec, (*def)->name,
                     (*def)->max_arg, (*def)->name);
        return false;
    }
    return true;
syntax:
    mg_error_set(err, MG_ERR_USAGE, MG_SIDE_NONE, NULL,
                 "value transform '%.60s': expected a name or name(N)", spec);
    return false;
}

bool mg_odbc_transform_check(const char *spec, mg_error *err)
{
    const tx_def *def;
    long arg;
    if (spec == NULL) {
        mg_error_set(err, MG_ERR_USAGE, MG_SIDE_NONE, NULL,
                     "value transform: no name given");
        return false;
    }
    return parse_spec(spec, &def, &arg, err);
}

/* A value for a message, into out: printable ASCII as is, other bytes as
 * \xNN (UTF-8 kept when `utf8`), cut after about 40 bytes; bytea as \x +
 * hex. */
static void show_value(const cell *v, bool utf8, char *out, size_t size)
{
    static const char digits[] = "0123456789abcdef";
    size_t o = 0, limit = v->binary ? 20 : 40, i = 0;
    if (size < 16)
        return;
    out[o++] = v->binary ? '\\' : '\'';
    if (v->binary)
        out[o++] = 'x';
    for (; i < v->n && i < limit && o + 8 < size; i++) {
        unsigned char ch = (unsigned char)v->p[i];
        if (v->binary) {
            out[o++] = digits[ch >> 4];
            out[o++] = digits[ch & 15];
        } else if ((ch >= 0x20 && ch < 0x7f && ch != '\\' && ch != '\'') ||
                   (utf8 && ch >= 0x80)) {
            out[o++] = (char)ch;
        } else {
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = digits[ch >> 4];
            out[o++] = digits[ch & 15];
        }
    }
    if (utf8 && !v->binary)
        while (i < v->n && i > 0 && ((unsigned char)v->p[i] & 0xc0) == 0x80 &&
               o > 1) {
            i--; /* do not cut a UTF-8 character */
            o--;
        }
    if (!v->binary)
        out[o++] = '\'';
    if (i < v->n)
        o += (size_t)snprintf(out + o, size - o, "... (%zu bytes)", v->n);
    out[o < size ? o : size - 1] = '\0';
}

/* ---- the COPY text reader -------------------------------------------- */

/* Bytes COPY text escapes: backslash, tab, newline, carriage return. */
static bool needs_escape(unsigned char ch)
{
    return ch <= '\r' ? ch == '\t' || ch == '\n' || ch == '\r' : ch == '\\';
}

/* How many bytes from s (n of them) need no escaping: eight at a time
 * while none of them is one of the four (a zero byte of x ^ c marks c). */
static size_t plain_run(const char *s, size_t n)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x, hit = 0;
        memcpy(&x, s + i, 8);
        static const unsigned char special[] = {'\t', '\n', '\r', '\\'};
        for (int k = 0; k < 4; k++) {
            uint64_t v = x ^ (ones * special[k]);
            hit |= (v - ones) & ~v;
        }
        if (hit & highs)
            break;
    }
    while (i < n && !needs_escape((unsigned char)s[i]))
        i++;
    return i;
}

bool mg_odbc_copy_escape(mg_buf *out, const char *s, size_t n)
{
    if (!mg_buf_reserve(out, n * 2))
        return false;
    char *o = out->data + out->len;
    size_t i = 0;
    while (i < n) {
        /* Most values have nothing to escape: copy runs whole. */
        size_t run = i + plain_run(s + i, n - i);
        memcpy(o, s + i, run - i);
        o += run - i;
        if (run == n)
            break;
        char ch = s[run];
        *o++ = '\\';
        *o++ = ch == '\t' ? 't' : ch == '\n' ? 'n' : ch == '\r' ? 'r' : '\\';
        i = run + 1;
    }
    out->len = (size_t)(o - out->data);
    out->data[out->len] = '\0';
    return true;
}

typedef struct rcol {
    val_class cls;
    bool is_char;     /* a character type: converted from the encoding */
    SQLULEN declared; /* the column size SQLDescribeCol reported */
    size_t width;  /* bytes per row in data (bound mode) */
    bool spill;    /* a value longer than width is read whole with
                      SQLGetData (else it fails the read) */
    char *data;    /* owned, rows * width */
    SQLLEN *ind;   /* owned, rows */
    char *name;    /* owned: the select name, for messages */
    const tx_def *tx; /* the value transform, or NULL */
    long tx_arg;
    bool plain;    /* no transform, no conversion: straight into COPY */
    bool typed;    /* a number, date or time a typed database formats:
                      nothing in it to escape */
} rcol;

typedef struct odbc_reader {
    mg_odbc *c;
    SQLHSTMT h;
    int ncols;
    rcol *cols;      /* owned, ncols */
    bool bound;      /* block fetch with bound columns; else SQLGetData */
    int nlong;       /* bound columns whose width caps their size */
    size_t rows;     /* rows per fetch */
    SQLULEN fetched; /* rows in the current block */
    SQLUSMALLINT *status; /* owned, rows */
    size_t next;     /* next row of the block to encode */
    bool done;
    long long nrows; /* rows read so far, for messages */
    mg_buf row;      /* the piece handed out */
    mg_buf val;      /* one value read with SQLGetData */
    iconv_t cd;      /* source encoding -> UTF-8; (iconv_t)-1 when none */
    bool ascii_same; /* the encoding keeps ASCII bytes as they are */
    char encoding[64]; /* its name, for messages */
    mg_buf conv;     /* a value converted to UTF-8 */
    mg_buf txbuf;    /* a value a transform made */
} odbc_reader;

/* Bytes a bound buffer needs for a column, or 0 when the column is read
 * with SQLGetData: a LOB, a size the driver does not know, or a buffer
 * wider than max_bind. */
static size_t bind_width(SQLSMALLINT type, SQLULEN size, val_class cls,
                         size_t max_bind)
{
    size_t w;
    if (cls == CLS_DOUBLE || cls == CLS_REAL)
        return sizeof(double) <= max_bind ? sizeof(double) : 0;
    switch (type) {
    case SQL_LONGVARCHAR:
    case SQL_WLONGVARCHAR:
    case SQL_LONGVARBINARY:
        return 0;
    case SQL_TINYINT: case SQL_SMALLINT: case SQL_INTEGER: case SQL_BIGINT:
    case SQL_BIT:
        w = 24;
        break;
    case SQL_DECIMAL: case SQL_NUMERIC:
        w = size + 4; /* sign, point, leading zero, NUL */
        break;
    case SQL_TYPE_DATE: case SQL_TYPE_TIME: case SQL_TYPE_TIMESTAMP:
    case SQL_DATE: case SQL_TIME: case SQL_TIMESTAMP: case SQL_GUID:
        w = 64;
        break;
    default:
        if (size == 0 || size > max_bind)
            return 0;
        /* A character may take 4 bytes in UTF-8; a NUL ends the text. */
        w = cls == CLS_BINARY ? size : size * 4 + 1;
        break;
    }
    return w <= max_bind ? w : 0;
}

/* The column's name and number for messages. */
static const char *col_name(const odbc_reader *rd, int i)
{
    return rd->cols[i].name ? rd->cols[i].name : "?";
}

/* Convert v (a character value) from the source encoding to UTF-8, into
 * rd->conv.  Pure ASCII passes untouched when the encoding keeps it. */
static bool to_utf8(odbc_reader *rd, int i, cell *v, mg_error *err)
{
    if (rd->ascii_same) {
        size_t k = 0;
        while (k < v->n && (unsigned char)v->p[k] < 0x80)
            k++;
        if (k == v->n)
            return true;
    }
    mg_buf *b = &rd->conv;
    mg_buf_reset(b);
    iconv(rd->cd, NULL, NULL, NULL, NULL);
    char *in = (char *)v->p;
    size_t inleft = v->n, want = v->n * 2 + 16;
    for (;;) {
        if (!mg_buf_reserve(b, want)) {
            mg_odbc_oom(rd->c, err);
            return false;
        }
        char *o = b->data + b->len;
        size_t oleft = b->cap - b->len - 1;
        size_t rc = inleft ? iconv(rd->cd, &in, &inleft, &o, &oleft)
                           : iconv(rd->cd, NULL, NULL, &o, &oleft);
        int e = errno;
        b->len = (size_t)(o - b->data);
        if (rc != (size_t)-1 && inleft == 0 && in != NULL) {
            in = NULL; /* then flush a stateful encoding's shift state */
            continue;
        }
        if (rc != (size_t)-1)
            break;
        if (e == E2BIG) {
            want = inleft * 4 + 16;
            continue;
        }
        char shown[200];
        show_value(v, false, shown, sizeof shown);
        mg_error_set(err, MG_ERR_COPY, rd->c->side, "22021",
                     "row %lld, column \"%s\" (%d): the value is not valid "
                     "%s (%s at byte %zu): %s", rd->nrows + 1, col_name(rd, i),
                     i + 1, rd->encoding,
                     e == EINVAL ? "an incomplete character"
                                 : "an invalid byte sequence",
                     v->n - inleft + 1, shown);
        return false;
    }
    b->data[b->len] = '\0';
    v->p = b->data;
    v->n = b->len;
    return true;
}

/* Run column i's transform on v. */
static bool transform(odbc_reader *rd, int i, cell *v, mg_error *err)
{
    const rcol *col = &rd->cols[i];
    const char *why = "cannot convert it";
    cell in = *v;
    mg_buf_reset(&rd->txbuf);
    tx_rc rc = col->tx->fn(v, col->tx_arg, &rd->txbuf, &why);
    if (rc == TX_OK)
        return true;
    if (rc == TX_OOM) {
        mg_odbc_oom(rd->c, err);
        return false;
    }
    char shown[200], spec[64];
    show_value(&in, true, shown, sizeof shown);
    if (col->tx->has_arg)
        snprintf(spec, sizeof spec, "%s(%ld)", col->tx->name, col->tx_arg);
    else
        snprintf(spec, sizeof spec, "%s", col->tx->name);
    mg_error_set(err, MG_ERR_COPY, rd->c->side, "22018",
                 "row %lld, column \"%s\" (%d): %s cannot convert %s: %s",
                 rd->nrows + 1, col_name(rd, i), i + 1, spec, shown, why);
    return false;
}

/* Append v to rd->row as a COPY field: \N, bytea hex, or escaped text. */
static bool put(odbc_reader *rd, const cell *v, mg_error *err)
{
    mg_buf *out = &rd->row;
    bool ok;
    if (v->null)
        ok = mg_buf_append(out, "\\N", 2);
    else if (v->binary)
        ok = mg_buf_append(out, "\\\\x", 3) &&
             append_hex(out, (const unsigned char *)v->p, v->n);
    else
        ok = mg_odbc_copy_escape(out, v->p, v->n);
    if (!ok)
        mg_odbc_oom(rd->c, err);
    return ok;
}

/* Append v, column i's value, to rd->row as a COPY field: converted to
 * UTF-8 and transformed first when the column says so. */
static bool emit(odbc_reader *rd, int i, cell *v, mg_error *err)
{
    const rcol *col = &rd->cols[i];
    if (!col->plain && !v->null) {
        if (col->is_char && rd->cd != (iconv_t)-1 && !to_utf8(rd, i, v, err))
            return false;
        if (col->tx && !transform(rd, i, v, err))
            return false;
    }
    return put(rd, v, err);
}

/* Read value i of the current row with SQLGetData into rd->row. */
static bool encode_getdata(odbc_reader *rd, int i, mg_error *err)
{
    bool isnull;
    mg_buf_reset(&rd->val);
    if (!get_value(rd->c, rd->h, (SQLUSMALLINT)(i + 1), rd->cols[i].cls, true,
                   &rd->val, &isnull, err))
        return false;
    cell v = {rd->val.data ? rd->val.data : "", rd->val.len,
              rd->cols[i].cls == CLS_BINARY, isnull};
    return emit(rd, i, &v, err);
}

/* Append value i of block row `row` to rd->row as a COPY field. */
static bool encode_bound(odbc_reader *rd, int i, size_t row, mg_error *err)
{
    rcol *col = &rd->cols[i];
    SQLLEN ind = col->ind[row];
    cell v = {"", 0, col->cls == CLS_BINARY, ind == SQL_NULL_DATA};
    char num[40];
    const char *p = col->data + row * col->width;
    if (v.null)
        return put(rd, &v, err);
    if (col->cls == CLS_DOUBLE || col->cls == CLS_REAL) {
        double d;
        memcpy(&d, p, sizeof d);
        v.n = col->cls == CLS_DOUBLE ? format_double(num, d)
                                     : format_float(num, d);
        v.p = num;
        if (col->plain) /* a number needs no escaping */
            return mg_buf_append(&rd->row, num, v.n) ||
                   (mg_odbc_oom(rd->c, err), false);
        return emit(rd, i, &v, err);
    }
    size_t room = col->cls == CLS_BINARY ? col->width : col->width - 1;
    bool over = ind == SQL_NO_TOTAL || ind < 0 || (size_t)ind > room;
    if (over && col->spill) /* one row per block: SQLGetData reads it */
        return encode_getdata(rd, i, err);
    if (over) {
        mg_error_set(err, MG_ERR_COPY, rd->c->side, "01004",
                     "row %lld, column \"%s\" (%d): a value of %ld bytes "
                     "does not fit the %zu bytes bound for it (the driver "
                     "declared size %lu); read it with SQLGetData "
                     "(rows_per_fetch 1, or a max_bind_bytes below %zu)",
                     rd->nrows + 1,
                     col_name(rd, i), i + 1, (long)ind, room,
                     (unsigned long)col->declared, col->width);
        return false;
    }
    v.p = p;
    v.n = (size_t)ind;
    if (col->plain && col->typed)
        return mg_buf_append(&rd->row, v.p, v.n) ||
               (mg_odbc_oom(rd->c, err), false);
    const char *b = col->cls == CLS_BIT ? bit_text(v.p, v.n) : NULL;
    if (b)
        v.p = b;
    return col->plain ? put(rd, &v, err) : emit(rd, i, &v, err);
}

/* Fetch the next block (or row).  False at the end or on error. */
static bool fetch_block(odbc_reader *rd, mg_error *err, bool *failed)
{
    *failed = false;
    rd->fetched = 0;
    rd->next = 0;
    SQLRETURN rc = SQLFetch(rd->h);
    if (rc == SQL_NO_DATA) {
        rd->done = true;
        return false;
    }
    if (!SQL_SUCCEEDED(rc)) {
        mg_odbc_diag(rd->c, SQL_HANDLE_STMT, rd->h, MG_ERR_COPY, err,
                       "fetch failed");
        *failed = true;
        rd->done = true;
        return false;
    }
    if (!rd->bound)
        rd->fetched = 1;
    return rd->fetched > 0;
}

static long odbc_read(mg_reader *r, const char **data, mg_error *err)
{
    odbc_reader *rd = r->self;
    for (;;) {
        if (rd->done)
            return 0;
        if (rd->next >= rd->fetched) {
            bool failed;
            if (!fetch_block(rd, err, &failed))
                return failed ? -1 : 0;
        }
        size_t row = rd->next++;
        if (rd->bound && (rd->status[row] == SQL_ROW_NOROW ||
                          rd->status[row] == SQL_ROW_DELETED))
            continue;
        if (rd->bound && rd->status[row] == SQL_ROW_ERROR) {
            mg_error_set(err, MG_ERR_COPY, rd->c->side, "HY000",
                         "row %lld: the driver could not fetch it",
                         rd->nrows + 1);
            return -1;
        }
        mg_buf_reset(&rd->row);
        for (int i = 0; i < rd->ncols; i++) {
            if (i > 0 && !mg_buf_append(&rd->row, "\t", 1)) {
                mg_odbc_oom(rd->c, err);
                return -1;
            }
            bool ok = rd->bound ? encode_bound(rd, i, row, err)
                                : encode_getdata(rd, i, err);
            if (!ok)
                return -1;
        }
        if (!mg_buf_append(&rd->row, "\n", 1)) {
            mg_odbc_oom(rd->c, err);
            return -1;
        }
        rd->nrows++;
        *data = rd->row.data;
        return (long)rd->row.len;
    }
}

static void odbc_reader_free(odbc_reader *rd)
{
    mg_odbc_free_stmt(rd->h);
    for (int i = 0; rd->cols && i < rd->ncols; i++) {
        free(rd->cols[i].data);
        free(rd->cols[i].ind);
        free(rd->cols[i].name);
    }
    free(rd->cols);
    free(rd->status);
    mg_buf_free(&rd->row);
    mg_buf_free(&rd->val);
    mg_buf_free(&rd->conv);
    mg_buf_free(&rd->txbuf);
    if (rd->cd != (iconv_t)-1)
        iconv_close(rd->cd);
    free(rd);
}

static void odbc_close(mg_reader *r)
{
    odbc_reader *rd = r->self;
    if (rd == NULL)
        return;
    if (!rd->done)
        SQLCancel(rd->h);
    odbc_reader_free(rd);
    r->self = NULL;
}

static void odbc_cancel(mg_reader *r)
{
    odbc_reader *rd = r->self;
    if (rd != NULL)
        SQLCancel(rd->h); /* thread-safe by the ODBC spec */
}

/* SQLite stores any value in any column, and for a column declared
 * without a length ("BLOB", "VARCHAR") its driver reports 255: such
 * columns are read with SQLGetData.  (Declared lengths are not enforced
 * either; a longer value in a bound column fails the read, never cut.) */
static bool size_is_guess(const odbc_reader *rd, SQLSMALLINT type,
                          SQLULEN size)
{
    if (strcasecmp(rd->c->dbms, "SQLite") != 0 || size != 255)
        return false;
    switch (type) {
    case SQL_CHAR: case SQL_VARCHAR: case SQL_WCHAR: case SQL_WVARCHAR:
    case SQL_BINARY: case SQL_VARBINARY:
        return true;
    default:
        return false;
    }
}

/* A number, date or time that the database types and the driver formats:
 * digits, signs, points, dashes, colons and spaces only.  Not SQLite's,
 * which keeps any value in any column. */
static bool is_typed(const odbc_reader *rd, SQLSMALLINT type)
{
    if (strcasecmp(rd->c->dbms, "SQLite") == 0)
        return false;
    switch (type) {
    case SQL_TINYINT: case SQL_SMALLINT: case SQL_INTEGER: case SQL_BIGINT:
    case SQL_DECIMAL: case SQL_NUMERIC:
    case SQL_TYPE_DATE: case SQL_TYPE_TIME: case SQL_TYPE_TIMESTAMP:
    case SQL_DATE: case SQL_TIME: case SQL_TIMESTAMP:
        return true;
    default:
        return false;
    }
}

static bool is_char_type(SQLSMALLINT type)
{
    switch (type) {
    case SQL_CHAR: case SQL_VARCHAR: case SQL_LONGVARCHAR:
    case SQL_WCHAR: case SQL_WVARCHAR: case SQL_WLONGVARCHAR:
        return true;
    default:
        return false;
    }
}

static bool is_float(val_class cls)
{
    return cls == CLS_DOUBLE || cls == CLS_REAL;
}

/* Describe the result columns; choose bound (block) or SQLGetData mode,
 * and as many rows per block as the memory budget allows. */
static bool plan_columns(odbc_reader *rd, size_t max_bind, mg_error *err)
{
    SQLSMALLINT ncols = 0;
    if (!SQL_SUCCEEDED(SQLNumResultCols(rd->h, &ncols))) {
        mg_odbc_diag(rd->c, SQL_HANDLE_STMT, rd->h, MG_ERR_COPY, err,
                       "cannot describe the result");
        return false;
    }
    if (ncols <= 0) {
        mg_error_set(err, MG_ERR_USAGE, rd->c->side, NULL,
                     "the copy reader needs a statement that returns rows");
        return false;
    }
    rd->ncols = ncols;
    rd->cols = calloc((size_t)ncols, sizeof *rd->cols);
    if (rd->cols == NULL) {
        mg_odbc_oom(rd->c, err);
        return false;
    }
    rd->bound = true;
    size_t row_bytes = 0;
    /* Long and unsized columns get a bounded buffer when a value that
     * overflows it can be read again with SQLGetData (SQL_GD_BOUND). */
    bool spill_ok = max_bind > 1 && (rd->c->getdata & SQL_GD_BOUND);
    for (int i = 0; i < ncols; i++) {
        SQLCHAR name[256];
        SQLSMALLINT nlen, type = 0, digits, nullable;
        SQLULEN size = 0;
        SQLUSMALLINT col = (SQLUSMALLINT)(i + 1);
        if (!SQL_SUCCEEDED(SQLDescribeCol(rd->h, col, name, sizeof name,
                                          &nlen, &type, &size, &digits,
                                          &nullable))) {
            mg_odbc_diag(rd->c, SQL_HANDLE_STMT, rd->h, MG_ERR_COPY, err,
                           "cannot describe the result");
            return false;
        }
        rcol *info = &rd->cols[i];
        info->cls = class_of(type);
        info->is_char = is_char_type(type);
        info->typed = is_typed(rd, type);
        info->name = strndup((const char *)name,
                             nlen >= 0 && (size_t)nlen < sizeof name
                                 ? (size_t)nlen
                                 : strlen((const char *)name));
        if (info->name == NULL) {
            mg_odbc_oom(rd->c, err);
            return false;
        }
        info->declared = size;
        info->width = size_is_guess(rd, type, size)
                          ? 0
                          : bind_width(type, size, info->cls, max_bind);
        if (info->width == 0 && spill_ok && !is_float(info->cls)) {
            info->width = max_bind < LONG_BIND ? max_bind : LONG_BIND;
            rd->nlong++;
        }
        if (info->width == 0)
            rd->bound = false;
        row_bytes += info->width + sizeof(SQLLEN);
    }
    /* A value that overflows is read again with SQLGetData, which needs
     * a one-row block: SQLite's driver has no SQL_GD_BLOCK, and MariaDB's
     * (3.1) claims it but returns another row's value after SQLSetPos. */
    if (rd->bound && rd->nlong > 0)
        rd->rows = 1;
    spill_ok = spill_ok && rd->rows == 1;
    for (int i = 0; i < ncols; i++)
        rd->cols[i].spill = spill_ok && !is_float(rd->cols[i].cls);
    if (rd->bound && row_bytes * rd->rows > MAX_BLOCK_BYTES)
        rd->rows = MAX_BLOCK_BYTES / row_bytes > 0 ? MAX_BLOCK_BYTES / row_bytes
                                                   : 1;
    return true;
}

/* Allocate the block buffers and bind every column by column. */
static bool bind_columns(odbc_reader *rd, mg_error *err)
{
    SQLHSTMT h = rd->h;
    rd->status = calloc(rd->rows, sizeof *rd->status);
    if (rd->status == NULL) {
        mg_odbc_oom(rd->c, err);
        return false;
    }
    for (int i = 0; i < rd->ncols; i++) {
        rcol *col = &rd->cols[i];
        col->data = malloc(rd->rows * col->width);
        col->ind = calloc(rd->rows, sizeof *col->ind);
        if (col->data == NULL || col->ind == NULL) {
            mg_odbc_oom(rd->c, err);
            return false;
        }
        SQLSMALLINT ctype = col->cls == CLS_DOUBLE || col->cls == CLS_REAL
                                ? SQL_C_DOUBLE
                            : col->cls == CLS_BINARY ? SQL_C_BINARY
                                                     : SQL_C_CHAR;
        if (!SQL_SUCCEEDED(SQLBindCol(h, (SQLUSMALLINT)(i + 1), ctype,
                                      col->data, (SQLLEN)col->width,
                                      col->ind))) {
            mg_odbc_diag(rd->c, SQL_HANDLE_STMT, h, MG_ERR_COPY, err,
                           "cannot bind a column");
            return false;
        }
    }
    return true;
}

/* Set the row-array attributes on h (before or after execution: drivers
 * accept both; before is what most document). */
static bool set_block(odbc_reader *rd, size_t rows, mg_error *err)
{
    SQLHSTMT h = rd->h;
    SQLRETURN rc = SQLSetStmtAttr(h, SQL_ATTR_ROW_BIND_TYPE,
                                  (SQLPOINTER)SQL_BIND_BY_COLUMN, 0);
    if (SQL_SUCCEEDED(rc))
        rc = SQLSetStmtAttr(h, SQL_ATTR_ROW_ARRAY_SIZE, (SQLPOINTER)rows, 0);
    if (SQL_SUCCEEDED(rc))
        rc = SQLSetStmtAttr(h, SQL_ATTR_ROWS_FETCHED_PTR, &rd->fetched, 0);
    if (SQL_SUCCEEDED(rc))
        rc = SQLSetStmtAttr(h, SQL_ATTR_ROW_STATUS_PTR, rd->status, 0);
    if (!SQL_SUCCEEDED(rc)) {
        mg_odbc_diag(rd->c, SQL_HANDLE_STMT, h, MG_ERR_COPY, err,
                       "cannot set up block fetch");
        return false;
    }
    /* A driver may lower the array size (01S02): use what it took. */
    SQLULEN got = 0;
    if (SQL_SUCCEEDED(SQLGetStmtAttr(h, SQL_ATTR_ROW_ARRAY_SIZE, &got, 0,
                                     NULL)) &&
        got > 0 && got < rows)
        rd->rows = got;
    return true;
}

/* Ask for a forward-only, read-only cursor: the ODBC default, but not
 * every driver's (MariaDB's starts static, which holds the whole result
 * in the client).  A driver that refuses keeps its own: not an error. */
static void forward_only(odbc_reader *rd)
{
    if (!SQL_SUCCEEDED(SQLSetStmtAttr(rd->h, SQL_ATTR_CURSOR_TYPE,
                                      (SQLPOINTER)SQL_CURSOR_FORWARD_ONLY, 0)))
        mg_log(MG_LOG_DEBUG, "odbc", "[%s] the driver keeps its cursor type",
               mg_side_name(rd->c->side));
    SQLSetStmtAttr(rd->h, SQL_ATTR_CONCURRENCY,
                   (SQLPOINTER)SQL_CONCUR_READ_ONLY, 0);
}

/* True for NULL, "" and any spelling of UTF-8 (utf8, UTF-8, utf8mb4 ...):
 * no conversion. */
static bool is_utf8_name(const char *enc)
{
    char norm[16];
    size_t o = 0;
    if (enc == NULL)
        return true;
    for (const char *p = enc; *p; p++) {
        if (*p == '-' || *p == '_' || *p == ' ')
            continue;
        if (o + 1 >= sizeof norm)
            return false;
        norm[o++] = (char)tolower((unsigned char)*p);
    }
    norm[o] = '\0';
    return o == 0 || strcmp(norm, "utf8") == 0 ||
           strcmp(norm, "utf8mb4") == 0 || strcmp(norm, "utf8mb3") == 0;
}

/* Open the converter from opts->encoding to UTF-8, if any. */
static bool open_encoding(odbc_reader *rd, const char *enc, mg_error *err)
{
    if (is_utf8_name(enc))
        return true;
    snprintf(rd->encoding, sizeof rd->encoding, "%s", enc);
    rd->cd = iconv_open("UTF-8", enc);
    if (rd->cd == (iconv_t)-1) {
        mg_error_set(err, MG_ERR_USAGE, rd->c->side, NULL,
                     "unknown source encoding '%.60s': iconv cannot convert "
                     "it to UTF-8 (`iconv -l` lists the names it knows)",
                     enc);
        return false;
    }
    /* Does it keep ASCII as is (latin1, GBK, CP1252 do; UTF-16 does not)?
     * Then pure ASCII values skip iconv. */
    char ascii[128], out[512];
    for (int k = 0; k < 127; k++)
        ascii[k] = (char)(k + 1);
    char *in = ascii, *o = out;
    size_t inleft = 127, oleft = sizeof out;
    rd->ascii_same = iconv(rd->cd, &in, &inleft, &o, &oleft) != (size_t)-1 &&
                     inleft == 0 && (size_t)(o - out) == 127 &&
                     memcmp(out, ascii, 127) == 0;
    iconv(rd->cd, NULL, NULL, NULL, NULL);
    return true;
}

/* Parse the transform specs of opts (before the query runs, so a bad name
 * costs no query), into owned arrays of ntx entries. */
static bool parse_transforms(const mg_odbc *c, const mg_odbc_reader_opts *opts,
                             const tx_def ***defs, long **args, mg_error *err)
{
    size_t n = opts ? opts->ntransforms : 0;
    *defs = NULL;
    *args = NULL;
    if (n == 0 || opts->transforms == NULL)
        return true;
    *defs = calloc(n, sizeof **defs);
    *args = calloc(n, sizeof **args);
    if (*defs == NULL || *args == NULL) {
        mg_odbc_oom(c, err);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        const char *spec = opts->transforms[i];
        if (spec == NULL || *spec == '\0')
            continue;
        if (!parse_spec(spec, &(*defs)[i], &(*args)[i], err)) {
            char msg[MG_ERROR_MSG_MAX];
            snprintf(msg, sizeof msg, "%s", err ? err->msg : "");
            mg_error_set(err, MG_ERR_USAGE, c->side, NULL,
                         "column %zu: %s", i + 1, msg);
            return false;
        }
    }
    return true;
}

/* Give the columns their transforms (checked against the select), and
 * mark those that need neither a transform nor a conversion. */
static bool assign_transforms(odbc_reader *rd, const tx_def **defs,
                              const long *args, size_t n, mg_error *err)
{
    for (size_t i = 0; defs && i < n; i++) {
        if (defs[i] == NULL)
            continue;
        if (i >= (size_t)rd->ncols) {
            mg_error_set(err, MG_ERR_USAGE, rd->c->side, NULL,
                         "a value transform (%s) for column %zu, but the "
                         "select has %d columns", defs[i]->name, i + 1,
                         rd->ncols);
            return false;
        }
        rd->cols[i].tx = defs[i];
        rd->cols[i].tx_arg = args[i];
    }
    for (int i = 0; i < rd->ncols; i++)
        rd->cols[i].plain = rd->cols[i].tx == NULL &&
                            !(rd->cols[i].is_char && rd->cd != (iconv_t)-1);
    return true;
}

bool mg_odbc_copy_reader(mg_odbc *c, const char *select_sql,
                         const mg_odbc_reader_opts *opts, mg_reader *r,
                         mg_error *err)
{
    size_t rows = opts && opts->rows_per_fetch ? opts->rows_per_fetch
                                               : DEFAULT_ROWS_PER_FETCH;
    size_t max_bind = opts && opts->max_bind_bytes ? opts->max_bind_bytes
                                                   : DEFAULT_MAX_BIND;
    if (rows > MAX_ROWS_PER_FETCH)
        rows = MAX_ROWS_PER_FETCH;
    const tx_def **defs = NULL;
    long *args = NULL;
    bool ok = false;
    odbc_reader *rd = calloc(1, sizeof *rd);
    if (rd == NULL) {
        mg_odbc_oom(c, err);
        return false;
    }
    rd->c = c;
    rd->rows = rows;
    rd->cd = (iconv_t)-1;
    if (!parse_transforms(c, opts, &defs, &args, err) ||
        !open_encoding(rd, opts ? opts->encoding : NULL, err))
        goto out;
    rd->h = mg_odbc_new_stmt(c, err);
    if (rd->h == SQL_NULL_HSTMT)
        goto out;
    forward_only(rd);
    if (!ok_or_nodata(SQLExecDirect(rd->h, (SQLCHAR *)select_sql, SQL_NTS))) {
        mg_odbc_diag(c, SQL_HANDLE_STMT, rd->h, MG_ERR_COPY, err,
                       "copy query failed");
        goto out;
    }
    if (!plan_columns(rd, max_bind, err) ||
        !assign_transforms(rd, defs, args, opts ? opts->ntransforms : 0, err))
        goto out;
    if (rd->bound && (!bind_columns(rd, err) || !set_block(rd, rd->rows, err)))
        goto out;
    r->read = odbc_read;
    r->close = odbc_close;
    r->cancel = odbc_cancel;
    r->format = MG_STREAM_PG_TEXT;
    r->self = rd;
    int ntx = 0;
    for (int i = 0; i < rd->ncols; i++)
        ntx += rd->cols[i].tx != NULL;
    if (rd->bound)
        mg_log(MG_LOG_DEBUG, "odbc", "[%s] copy out (text), block fetch of "
               "%zu rows, %d long columns (longer values with SQLGetData), "
               "%d value transforms, encoding %s: %s",
               mg_side_name(c->side), rd->rows, rd->nlong, ntx,
               rd->encoding[0] ? rd->encoding : "UTF-8", select_sql);
    else
        mg_log(MG_LOG_DEBUG, "odbc", "[%s] copy out (text), row by row with "
               "SQLGetData (long or unsized columns), %d value transforms, "
               "encoding %s: %s", mg_side_name(c->side), ntx,
               rd->encoding[0] ? rd->encoding : "UTF-8", select_sql);
    ok = true;
out:
    free(defs);
    free(args);
    if (!ok) {
        rd->done = true;
        odbc_reader_free(rd);
    }
    return ok;
}
