/*
 * lua_copy.c - migrate.copy: run the C copy engine from Lua.
 *
 *   local stats = copy.run{
 *     source = src, source_sql = "COPY (...) TO STDOUT (FORMAT binary)",
 *     target = dst, target_sql = "COPY t (...) FROM STDIN (FORMAT binary)",
 *     format = "binary",            -- or "text"
 *     batch_bytes = 262144,         -- optional
 *     progress = function(s) ... end, progress_interval = 0.5,  -- optional
 *   }
 *   -- stats = {rows=, bytes=, pieces=, batches=, seconds=, rejected=}
 *
 * The source may also be an ODBC connection (migrate.odbc): source_sql is
 * then a SELECT, whose rows the ODBC reader encodes as COPY text, so
 * format is "text" (the default for such a source) and target_sql a
 * "COPY ... FROM STDIN (FORMAT text)".  Options for that reader:
 *     rows_per_fetch = 1024,        -- rows per SQLFetch block (optional)
 *     max_bind_bytes = 32768,       -- wider columns use SQLGetData (optional)
 *     transforms = {[2] = "zero_dates_to_null", [5] = "bit_to_bitstring(10)"},
 *                                   -- C value transforms by select column
 *                                   -- (holes or false: none; the names are
 *                                   -- in conn/odbc.h, migrate.odbc.transforms())
 *     encoding = "latin1",          -- the source's character encoding (an
 *                                   -- iconv name); character values are
 *                                   -- converted to UTF-8 (optional)
 * transforms and encoding are an error for a PostgreSQL source.
 *
 * The target may also be an ODBC connection: target_sql is then a
 * statement with one `?` per column (INSERT ... VALUES (?, ?), INSERT ...
 * ON DUPLICATE KEY UPDATE, MERGE ...) run with parameter arrays, format
 * is "text" (the default), and the source a PostgreSQL "COPY ... TO
 * STDOUT" in text format or an ODBC SELECT.  Options for that writer:
 *     batch_rows = 1000,            -- rows per execute (optional)
 *     batch_bytes = 4194304,        -- bound buffers of a batch (optional;
 *                                   -- also the engine's batch size)
 *     param_kinds = {"text", "binary", "boolean"},  -- by column: bytea
 *                                   -- text sent as bytes, t/f as 1/0;
 *                                   -- missing ones are "text" (optional)
 * The writer does not commit: with autocommit off (conn:autocommit(false))
 * the caller commits or rolls back; stats.rows is the rows sent.
 *
 * Bad rows to reject files (a PostgreSQL target, format "text"):
 *     rejects = {
 *       data = "path/table.dat",    -- the rejected rows as COPY text lines
 *       log = "path/table.log",     -- one line per row: number, SQLSTATE,
 *                                   -- column, the server's message
 *       batch_rows = 1000,          -- rows per COPY (optional)
 *       batch_bytes = 1048576,      -- bytes per COPY (optional)
 *       max = 0,                    -- more rejected rows fail the copy;
 *                                   -- 0 = no limit (optional)
 *     },
 * The target must be in a transaction (the rows go in batches, each under
 * a savepoint, copy/reject.h) and the caller commits; target_sql is run
 * once per batch.  stats.rows is the rows loaded, stats.rejected the rows
 * written to the files (opened for append when the first row is rejected).
 * Only an error about a row rejects it; any other fails the copy as
 * without the option.  Without it stats.rejected is 0.
 *
 * Lua decides once, before the copy, what runs; the rows then move in C.
 * The progress function sees totals, never rows.
 */
#include <string.h>

#include "conn/odbc.h"
#include "conn/pg.h"
#include "copy/engine.h"
#include "copy/reject.h"
#include "core/log.h"
#include "lua/lua_util.h"

typedef struct progress_ctx {
    lua_State *L;
    int fn_ref; /* LUA_NOREF when none */
    bool failed;
} progress_ctx;

static void push_stats(lua_State *L, const mg_copy_stats *st,
                       long long rejected)
{
    lua_createtable(L, 0, 6);
    lua_pushnumber(L, (double)st->rows);
    lua_setfield(L, -2, "rows");
    lua_pushnumber(L, (double)st->bytes);
    lua_setfield(L, -2, "bytes");
    lua_pushnumber(L, (double)st->pieces);
    lua_setfield(L, -2, "pieces");
    lua_pushnumber(L, (double)st->batches);
    lua_setfield(L, -2, "batches");
    lua_pushnumber(L, st->seconds);
    lua_setfield(L, -2, "seconds");
    if (rejected >= 0) { /* unknown while the copy runs */
        lua_pushnumber(L, (double)rejected);
        lua_setfield(L, -2, "rejected");
    }
}

/* Called by the engine at most every progress_interval seconds. */
static void on_progress(void *ud, const mg_copy_stats *st)
{
    progress_ctx *p = ud;
    if (p->failed)
        return;
    lua_State *L = p->L;
    lua_pushcfunction(L, mg_lua_traceback);
    lua_rawgeti(L, LUA_REGISTRYINDEX, p->fn_ref);
    push_stats(L, st, -1);
    if (lua_pcall(L, 1, 0, -3) != 0) {
        /* A broken progress display must not fail the copy. */
        mg_log(MG_LOG_WARN, "copy", "progress callback failed: %s",
               lua_isstring(L, -1) ? lua_tostring(L, -1) : "(error object)");
        p->failed = true;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

static const char *field_string(lua_State *L, const char *key)
{
    lua_getfield(L, 1, key);
    const char *s = lua_tostring(L, -1);
    lua_pop(L, 1); /* the options table keeps the string alive */
    if (s == NULL)
        luaL_error(L, "copy.run: option '%s' (a string) is required", key);
    return s;
}

static mg_pg_conn *field_conn(lua_State *L, const char *key)
{
    lua_getfield(L, 1, key);
    if (lua_isnil(L, -1))
        luaL_error(L, "copy.run: option '%s' (a connection) is required", key);
    mg_pg_conn *c = mg_lua_check_pg(L, -1);
    lua_pop(L, 1); /* the options table keeps the userdata alive */
    return c;
}

/* A non-negative whole number option; 0 when absent. */
static size_t field_size(lua_State *L, const char *key)
{
    lua_getfield(L, 1, key);
    lua_Number n = luaL_optnumber(L, -1, 0);
    lua_pop(L, 1);
    if (!(n >= 0 && n <= 1e9) || n != (lua_Number)(size_t)n)
        luaL_error(L, "copy.run: option '%s' must be a whole number >= 0", key);
    return (size_t)n;
}

/* Option `transforms`: {[column] = spec or false}, holes allowed, into
 * *specs (a userdata array on the Lua stack, so an error frees it; the
 * strings live in the options table) and *n (the highest column). */
static void field_transforms(lua_State *L, const char *const **specs,
                             size_t *n)
{
    *specs = NULL;
    *n = 0;
    lua_getfield(L, 1, "transforms");
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        return;
    }
    if (!lua_istable(L, -1))
        luaL_error(L, "copy.run: option 'transforms' must be a table "
                      "{[column] = \"name\"}");
    int t = lua_gettop(L);
    size_t max = 0;
    for (lua_pushnil(L); lua_next(L, t); lua_pop(L, 1)) {
        lua_Number k = lua_type(L, -2) == LUA_TNUMBER ? lua_tonumber(L, -2) : 0;
        if (!(k >= 1 && k <= 65536) || k != (lua_Number)(size_t)k)
            luaL_error(L, "copy.run: option 'transforms' is indexed by "
                          "select column (1, 2 ...)");
        if (lua_type(L, -1) != LUA_TSTRING && lua_type(L, -1) != LUA_TBOOLEAN)
            luaL_error(L, "copy.run: transforms[%d] must be a transform "
                          "name or false", (int)k);
        if (lua_type(L, -1) == LUA_TBOOLEAN && lua_toboolean(L, -1))
            luaL_error(L, "copy.run: transforms[%d] must be a transform "
                          "name or false, not true", (int)k);
        if ((size_t)k > max)
            max = (size_t)k;
    }
    const char **a = lua_newuserdata(L, (max ? max : 1) * sizeof *a);
    for (size_t i = 0; i < max; i++) {
        lua_rawgeti(L, t, (int)i + 1);
        a[i] = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
        lua_pop(L, 1);
    }
    lua_replace(L, t); /* keep the array on the stack until the copy ends */
    *specs = a;
    *n = max;
}

/* Option `key` ("source" or "target"): an ODBC connection (*odbc set) or
 * a PostgreSQL one (*pg). */
static void field_endpoint(lua_State *L, const char *key, mg_odbc **odbc,
                           mg_pg_conn **pg)
{
    lua_getfield(L, 1, key);
    bool is_odbc = mg_lua_is_odbc(L, -1);
    lua_pop(L, 1);
    *odbc = NULL;
    *pg = NULL;
    if (is_odbc) {
        lua_getfield(L, 1, key);
        *odbc = mg_lua_check_odbc(L, -1);
        lua_pop(L, 1); /* the options table keeps the userdata alive */
    } else {
        *pg = field_conn(L, key);
    }
}

/* Options of the ODBC writer: batch_rows, batch_bytes, and param_kinds
 * {"text", "binary", "boolean" ...} by column, into *o (the kinds in a
 * userdata left on the Lua stack until the copy ends). */
static void field_writer_opts(lua_State *L, mg_odbc_writer_opts *o)
{
    memset(o, 0, sizeof *o);
    o->batch_rows = field_size(L, "batch_rows");
    o->batch_bytes = field_size(L, "batch_bytes");
    lua_getfield(L, 1, "param_kinds");
    if (lua_isnil(L, -1))
        return; /* the nil stays as the placeholder */
    if (!lua_istable(L, -1))
        luaL_error(L, "copy.run: option 'param_kinds' must be a list of "
                      "'text', 'binary' or 'boolean'");
    int t = lua_gettop(L);
    int n = (int)lua_objlen(L, t);
    mg_odbc_param_kind *kinds = lua_newuserdata(L, (size_t)(n ? n : 1) *
                                                       sizeof *kinds);
    for (int i = 0; i < n; i++) {
        lua_rawgeti(L, t, i + 1);
        int k = mg_odbc_param_kind_parse(lua_tostring(L, -1));
        if (k < 0)
            luaL_error(L, "copy.run: param_kinds[%d] must be 'text', "
                          "'binary' or 'boolean'", i + 1);
        kinds[i] = (mg_odbc_param_kind)k;
        lua_pop(L, 1);
    }
    lua_replace(L, t);
    o->kinds = kinds;
    o->nkinds = n;
}

/* A non-negative whole number field of the table at idx; 0 when absent. */
static double table_count(lua_State *L, int idx, const char *key)
{
    lua_getfield(L, idx, key);
    lua_Number n = lua_isnil(L, -1) ? 0 : (lua_isnumber(L, -1) ? lua_tonumber(L, -1) : -1);
    lua_pop(L, 1);
    if (!(n >= 0 && n <= 1e15) || n != (lua_Number)(long long)n)
        luaL_error(L, "copy.run: rejects.%s must be a whole number >= 0", key);
    return n;
}

/* Option `rejects` = {data=, log=, batch_rows=, batch_bytes=, max=} into
 * *o; false when absent.  The path strings live in the options table. */
static bool field_rejects(lua_State *L, mg_reject_opts *o)
{
    memset(o, 0, sizeof *o);
    lua_getfield(L, 1, "rejects");
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        return false;
    }
    if (!lua_istable(L, -1))
        luaL_error(L, "copy.run: option 'rejects' must be a table {data = "
                      "\"file\", log = \"file\", max = n}");
    int t = lua_gettop(L);
    lua_getfield(L, t, "data");
    lua_getfield(L, t, "log");
    if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING ||
        lua_objlen(L, -2) == 0 || lua_objlen(L, -1) == 0)
        luaL_error(L, "copy.run: rejects.data and rejects.log (file paths) "
                      "are required");
    o->data_path = lua_tostring(L, -2);
    o->log_path = lua_tostring(L, -1);
    o->batch_rows = (size_t)table_count(L, t, "batch_rows");
    o->batch_bytes = (size_t)table_count(L, t, "batch_bytes");
    o->max_rejects = (long long)table_count(L, t, "max");
    lua_pop(L, 3);
    return true;
}

static int l_run(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    mg_odbc *odbc_src;
    mg_pg_conn *src;
    field_endpoint(L, "source", &odbc_src, &src);
    mg_odbc *odbc_dst;
    mg_pg_conn *dst;
    field_endpoint(L, "target", &odbc_dst, &dst);
    /* A reader and a writer never share a connection (core/stream.h). */
    if ((odbc_src && odbc_src == odbc_dst) || (src && src == dst))
        return luaL_error(L, "copy.run: source and target must be different "
                             "connections");
    const char *src_sql = field_string(L, "source_sql");
    const char *dst_sql = field_string(L, "target_sql");

    lua_getfield(L, 1, "format");
    const char *fmt = luaL_optstring(L, -1, odbc_src || odbc_dst ? "text"
                                                                  : "binary");
    mg_stream_format format;
    if (strcmp(fmt, "binary") == 0)
        format = MG_STREAM_PG_BINARY;
    else if (strcmp(fmt, "text") == 0)
        format = MG_STREAM_PG_TEXT;
    else
        return luaL_error(L, "copy.run: format must be 'binary' or 'text', got '%s'", fmt);
    lua_pop(L, 1);
    if (odbc_src && format != MG_STREAM_PG_TEXT)
        return luaL_error(L, "copy.run: an ODBC source gives format 'text', not '%s'", fmt);
    if (odbc_dst && format != MG_STREAM_PG_TEXT)
        return luaL_error(L, "copy.run: an ODBC target takes format 'text', not '%s'", fmt);
    mg_odbc_writer_opts wopts;
    field_writer_opts(L, &wopts);
    if (!odbc_dst && (wopts.batch_rows > 0 || wopts.nkinds > 0))
        return luaL_error(L, "copy.run: options 'batch_rows' and "
                             "'param_kinds' are for an ODBC target");

    mg_reject_opts rjopts;
    bool rejects = field_rejects(L, &rjopts);
    if (rejects && (odbc_dst || format != MG_STREAM_PG_TEXT))
        return luaL_error(L, "copy.run: option 'rejects' needs a PostgreSQL "
                             "target and format 'text'%s",
                          odbc_dst ? " (the target is an ODBC connection)"
                                   : " (binary rows cannot be told apart)");

    mg_odbc_reader_opts ropts;
    memset(&ropts, 0, sizeof ropts);
    ropts.rows_per_fetch = field_size(L, "rows_per_fetch");
    ropts.max_bind_bytes = field_size(L, "max_bind_bytes");
    field_transforms(L, &ropts.transforms, &ropts.ntransforms);
    lua_getfield(L, 1, "encoding");
    ropts.encoding = luaL_optstring(L, -1, NULL);
    lua_pop(L, 1); /* the options table keeps the string alive */
    if (!odbc_src && (ropts.ntransforms > 0 || ropts.encoding))
        return luaL_error(L, "copy.run: options 'transforms' and 'encoding' "
                             "are for an ODBC source (a PostgreSQL source "
                             "gives its rows as they are)");

    mg_copy_opts opts;
    memset(&opts, 0, sizeof opts);
    lua_getfield(L, 1, "batch_bytes");
    opts.batch_bytes = (size_t)luaL_optnumber(L, -1, 0);
    lua_getfield(L, 1, "progress_interval");
    opts.progress_interval = luaL_optnumber(L, -1, 0);
    lua_pop(L, 2);

    progress_ctx prog = {L, LUA_NOREF, false};
    lua_getfield(L, 1, "progress");
    if (lua_isfunction(L, -1)) {
        prog.fn_ref = luaL_ref(L, LUA_REGISTRYINDEX);
        opts.progress = on_progress;
        opts.progress_ud = &prog;
    } else {
        lua_pop(L, 1);
    }

    mg_error err;
    mg_error_clear(&err);
    mg_copy_stats st;
    memset(&st, 0, sizeof st);
    mg_reader r;
    mg_writer w;
    mg_reject_loader *loader = NULL;
    mg_reject_counts counts;
    memset(&counts, 0, sizeof counts);
    bool ok = false;
    if (odbc_src ? !mg_odbc_copy_reader(odbc_src, src_sql, &ropts, &r, &err)
                 : !mg_pg_copy_reader(src, src_sql, format, &r, &err))
        goto out;
    if (rejects ? (loader = mg_reject_open(dst, dst_sql, &rjopts, &w, &err)) == NULL
        : odbc_dst ? !mg_odbc_copy_writer(odbc_dst, dst_sql, &wopts, &w, &err)
                   : !mg_pg_copy_writer(dst, dst_sql, format, &w, &err)) {
        r.close(&r);
        goto out;
    }
    ok = mg_copy_run(&r, &w, &opts, &st, &err);
    r.close(&r);
    if (loader) {
        mg_reject_get_counts(loader, &counts);
        mg_reject_close(loader);
    }
out:
    luaL_unref(L, LUA_REGISTRYINDEX, prog.fn_ref);
    if (!ok)
        return mg_lua_raise(L, &err);
    push_stats(L, &st, counts.rejected);
    return 1;
}

int luaopen_migrate_copy(lua_State *L)
{
    static const luaL_Reg funcs[] = {
        {"run", l_run},
        {NULL, NULL},
    };
    lua_newtable(L);
    luaL_register(L, NULL, funcs);
    return 1;
}
