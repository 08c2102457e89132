/*
 * lua_pg.c - migrate.pg: PostgreSQL connections as Lua userdata.
 *
 *   local pg = require "migrate.pg"
 *   local c = pg.connect("postgresql:///shop", "source")
 *   local rows, columns = c:query("SELECT $1::int AS n", 42)
 *   c:exec("BEGIN"); c:catalog("tables", "sales%"); c:close()
 *
 * Errors are raised as error objects naming the side and the SQLSTATE.
 */
#include <string.h>

#include "conn/pg.h"
#include "lua/lua_util.h"

#define PG_CONN_MT "migrate.pg.conn"

typedef struct pg_ud {
    mg_pg_conn *conn; /* owned; NULL once closed */
} pg_ud;

static pg_ud *check_ud(lua_State *L, int idx)
{
    return luaL_checkudata(L, idx, PG_CONN_MT);
}

mg_pg_conn *mg_lua_check_pg(lua_State *L, int idx)
{
    pg_ud *ud = check_ud(L, idx);
    if (ud->conn == NULL)
        luaL_error(L, "the connection is closed");
    return ud->conn;
}

static int l_connect(lua_State *L)
{
    const char *conninfo = luaL_checkstring(L, 1);
    mg_side side = mg_lua_check_side(L, 2, true);
    pg_ud *ud = lua_newuserdata(L, sizeof *ud);
    ud->conn = NULL;
    luaL_getmetatable(L, PG_CONN_MT);
    lua_setmetatable(L, -2);
    mg_error err;
    mg_error_clear(&err);
    ud->conn = mg_pg_open(conninfo, side, &err);
    if (ud->conn == NULL)
        return mg_lua_raise(L, &err);
    return 1;
}

static int l_close(lua_State *L)
{
    pg_ud *ud = check_ud(L, 1);
    mg_pg_close(ud->conn);
    ud->conn = NULL;
    return 0;
}

/* c:query(sql, ...) -> rows, columns, command_tag */
static int l_query(lua_State *L)
{
    mg_pg_conn *c = mg_lua_check_pg(L, 1);
    const char *sql = luaL_checkstring(L, 2);
    int nparams = 0;
    const char **params = mg_lua_check_params(L, 3, &nparams, "true", "false");
    mg_result *r = NULL;
    mg_error err;
    mg_error_clear(&err);
    if (!mg_pg_query(c, sql, nparams, params, &r, &err))
        return mg_lua_raise(L, &err);
    int n = mg_lua_push_result(L, r);
    mg_result_free(r);
    return n;
}

static int l_exec(lua_State *L)
{
    mg_pg_conn *c = mg_lua_check_pg(L, 1);
    mg_error err;
    mg_error_clear(&err);
    if (!mg_pg_exec(c, luaL_checkstring(L, 2), &err))
        return mg_lua_raise(L, &err);
    lua_pushboolean(L, 1);
    return 1;
}

/* c:catalog(kind, schema_pattern?) -> rows, columns */
static int l_catalog(lua_State *L)
{
    mg_pg_conn *c = mg_lua_check_pg(L, 1);
    const char *name = luaL_checkstring(L, 2);
    int kind = mg_pg_catalog_kind_parse(name);
    if (kind < 0)
        return luaL_argerror(L, 2, "unknown catalog kind");
    const char *schema = luaL_optstring(L, 3, NULL);
    mg_result *r = NULL;
    mg_error err;
    mg_error_clear(&err);
    if (!mg_pg_catalog(c, (mg_pg_catalog_kind)kind, schema, &r, &err))
        return mg_lua_raise(L, &err);
    mg_lua_push_result(L, r);
    mg_result_free(r);
    lua_pop(L, 1); /* the command tag means nothing here */
    return 2;
}

/* The string is argument 1 of pg.quote_x(s [, ...]) and argument 2 of
 * c:quote_x(s); extra arguments (template.expand passes the placeholder's
 * name after the value) are ignored. */
static int push_quoted(lua_State *L, bool (*quote)(mg_buf *, const char *))
{
    const char *s = luaL_checkstring(L, lua_isuserdata(L, 1) ? 2 : 1);
    mg_buf b = MG_BUF_INIT;
    if (!quote(&b, s)) {
        mg_buf_free(&b);
        return luaL_error(L, "out of memory");
    }
    lua_pushlstring(L, b.data, b.len);
    mg_buf_free(&b);
    return 1;
}

/* pg.quote_ident(name) or c:quote_ident(name) */
static int l_quote_ident(lua_State *L) { return push_quoted(L, mg_pg_quote_ident); }
static int l_quote_literal(lua_State *L) { return push_quoted(L, mg_pg_quote_literal); }

static int l_display(lua_State *L)
{
    lua_pushstring(L, mg_pg_display(mg_lua_check_pg(L, 1)));
    return 1;
}

static int l_side(lua_State *L)
{
    lua_pushstring(L, mg_side_name(mg_pg_side(mg_lua_check_pg(L, 1))));
    return 1;
}

static int l_server_version(lua_State *L)
{
    lua_pushinteger(L, mg_pg_server_version(mg_lua_check_pg(L, 1)));
    return 1;
}

static int l_alive(lua_State *L)
{
    pg_ud *ud = check_ud(L, 1);
    lua_pushboolean(L, ud->conn != NULL && mg_pg_alive(ud->conn));
    return 1;
}

static int l_cancel(lua_State *L)
{
    lua_pushboolean(L, mg_pg_cancel(mg_lua_check_pg(L, 1)));
    return 1;
}

static int l_tostring(lua_State *L)
{
    pg_ud *ud = check_ud(L, 1);
    if (ud->conn == NULL)
        lua_pushstring(L, "pg.conn (closed)");
    else
        lua_pushfstring(L, "pg.conn %s (%s)", mg_side_name(mg_pg_side(ud->conn)),
                        mg_pg_display(ud->conn));
    return 1;
}

int luaopen_migrate_pg(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"query", l_query},
        {"exec", l_exec},
        {"catalog", l_catalog},
        {"quote_ident", l_quote_ident},
        {"quote_literal", l_quote_literal},
        {"display", l_display},
        {"side", l_side},
        {"server_version", l_server_version},
        {"alive", l_alive},
        {"cancel", l_cancel},
        {"close", l_close},
        {NULL, NULL},
    };
    static const luaL_Reg funcs[] = {
        {"connect", l_connect},
        {"quote_ident", l_quote_ident},
        {"quote_literal", l_quote_literal},
        {NULL, NULL},
    };
    if (luaL_newmetatable(L, PG_CONN_MT)) {
        lua_newtable(L);
        luaL_register(L, NULL, methods);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, l_close);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, l_tostring);
        lua_setfield(L, -2, "__tostring");
    }
    lua_pop(L, 1);
    lua_newtable(L);
    luaL_register(L, NULL, funcs);
    lua_pushstring(L, "pg");
    lua_setfield(L, -2, "kind");
    return 1;
}
