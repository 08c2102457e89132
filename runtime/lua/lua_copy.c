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
 *   -- stats = {rows=, bytes=, batches=, seconds=}
 *
 * The source may also be an ODBC connection (migrate.odbc): source_sql is
 * then a SELECT, whose rows the ODBC reader encodes as COPY text, so
 * format is "text" (the default for such a source) and target_sql a
 * "COPY ... FROM STDIN (FORMAT text)".  Options for that reader:
 *     rows_per_fetch = 1024,        -- rows per SQLFetch block (optional)
 *     max_bind_bytes = 32768,       -- wider columns use SQLGetData (optional)
 *
 * Lua decides once, before the copy, what runs; the rows then move in C.
 * The progress function sees totals, never rows.
 */
#include <string.h>

#include "conn/odbc.h"
#include "conn/pg.h"
#include "copy/engine.h"
#include "core/log.h"
#include "lua/lua_util.h"

typedef struct progress_ctx {
    lua_State *L;
    int fn_ref; /* LUA_NOREF when none */
    bool failed;
} progress_ctx;

static void push_stats(lua_State *L, const mg_copy_stats *st)
{
    lua_createtable(L, 0, 5);
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
    push_stats(L, st);
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

/* The source: an ODBC connection (*odbc set) or a PostgreSQL one (*pg). */
static void field_source(lua_State *L, mg_odbc **odbc, mg_pg_conn **pg)
{
    lua_getfield(L, 1, "source");
    bool is_odbc = mg_lua_is_odbc(L, -1);
    lua_pop(L, 1);
    *odbc = NULL;
    *pg = NULL;
    if (is_odbc) {
        lua_getfield(L, 1, "source");
        *odbc = mg_lua_check_odbc(L, -1);
        lua_pop(L, 1); /* the options table keeps the userdata alive */
    } else {
        *pg = field_conn(L, "source");
    }
}

static int l_run(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    mg_odbc *odbc_src;
    mg_pg_conn *src;
    field_source(L, &odbc_src, &src);
    mg_pg_conn *dst = field_conn(L, "target");
    const char *src_sql = field_string(L, "source_sql");
    const char *dst_sql = field_string(L, "target_sql");

    lua_getfield(L, 1, "format");
    const char *fmt = luaL_optstring(L, -1, odbc_src ? "text" : "binary");
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

    mg_odbc_reader_opts ropts;
    memset(&ropts, 0, sizeof ropts);
    ropts.rows_per_fetch = field_size(L, "rows_per_fetch");
    ropts.max_bind_bytes = field_size(L, "max_bind_bytes");

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
    bool ok = false;
    if (odbc_src ? !mg_odbc_copy_reader(odbc_src, src_sql, &ropts, &r, &err)
                 : !mg_pg_copy_reader(src, src_sql, format, &r, &err))
        goto out;
    if (!mg_pg_copy_writer(dst, dst_sql, format, &w, &err)) {
        r.close(&r);
        goto out;
    }
    ok = mg_copy_run(&r, &w, &opts, &st, &err);
    r.close(&r);
out:
    luaL_unref(L, LUA_REGISTRYINDEX, prog.fn_ref);
    if (!ok)
        return mg_lua_raise(L, &err);
    push_stats(L, &st);
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
