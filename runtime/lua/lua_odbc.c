/*
 * lua_odbc.c - migrate.odbc: ODBC connections (conn/odbc.h) as Lua userdata.
 *
 *   local odbc = require "migrate.odbc"
 *   local c = odbc.connect("odbc:Driver=SQLite3;Database=shop.db", "source")
 *   local rows, columns = c:query("SELECT name FROM t WHERE id = ?", 42)
 *   c:exec("DELETE FROM tmp"); c:catalog("columns", nil, "items")
 *   c:autocommit(false); ...; c:commit()   -- or c:rollback()
 *   print(c:dbms(), c:display()); c:close()
 *   odbc.transforms()                 -- {"binary_to_uuid", ...}: the C
 *                                     -- value transforms copy.run takes
 *   odbc.transform_check("bit_to_bitstring(10)")  -- true, or false, msg
 *
 * The methods mirror migrate.pg's where the meaning is the same; values
 * come back typed like theirs (integers, floats and bit columns as Lua
 * numbers and booleans).  Bulk data goes through migrate.copy.run with an
 * ODBC connection as the source or as the target.  Errors are raised as error objects
 * naming the side, the SQLSTATE and the driver's message, never the
 * password.
 */
#include <string.h>

#include "conn/odbc.h"
#include "lua/lua_util.h"

#define ODBC_CONN_MT "migrate.odbc.conn"

typedef struct odbc_ud {
    mg_odbc *conn; /* owned; NULL once closed */
} odbc_ud;

static odbc_ud *check_ud(lua_State *L, int idx)
{
    return luaL_checkudata(L, idx, ODBC_CONN_MT);
}

mg_odbc *mg_lua_check_odbc(lua_State *L, int idx)
{
    odbc_ud *ud = check_ud(L, idx);
    if (ud->conn == NULL)
        luaL_error(L, "the connection is closed");
    return ud->conn;
}

bool mg_lua_is_odbc(lua_State *L, int idx)
{
    if (lua_type(L, idx) != LUA_TUSERDATA || !lua_getmetatable(L, idx))
        return false;
    luaL_getmetatable(L, ODBC_CONN_MT);
    bool same = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
    return same;
}

/* odbc.connect(connstr [, side]) -> conn; connstr may start with "odbc:". */
static int l_connect(lua_State *L)
{
    const char *connstr = luaL_checkstring(L, 1);
    mg_side side = mg_lua_check_side(L, 2, false);
    odbc_ud *ud = lua_newuserdata(L, sizeof *ud);
    ud->conn = NULL;
    luaL_getmetatable(L, ODBC_CONN_MT);
    lua_setmetatable(L, -2);
    mg_error err;
    mg_error_clear(&err);
    ud->conn = mg_odbc_open(connstr, side, &err);
    if (ud->conn == NULL)
        return mg_lua_raise(L, &err);
    return 1;
}

static int l_close(lua_State *L)
{
    odbc_ud *ud = check_ud(L, 1);
    mg_odbc_close(ud->conn);
    ud->conn = NULL;
    return 0;
}

/* c:query(sql, ...) -> rows, columns, command_tag
 * `?` parameters are bound as text; booleans as "1"/"0", which every
 * driver takes for its bit or boolean type. */
static int l_query(lua_State *L)
{
    mg_odbc *c = mg_lua_check_odbc(L, 1);
    const char *sql = luaL_checkstring(L, 2);
    int nparams = 0;
    const char **params = mg_lua_check_params(L, 3, &nparams, "1", "0");
    mg_result *r = NULL;
    mg_error err;
    mg_error_clear(&err);
    if (!mg_odbc_query(c, sql, nparams, params, &r, &err))
        return mg_lua_raise(L, &err);
    int n = mg_lua_push_result(L, r);
    mg_result_free(r);
    return n;
}

/* c:exec(sql) -> true */
static int l_exec(lua_State *L)
{
    mg_odbc *c = mg_lua_check_odbc(L, 1);
    mg_error err;
    mg_error_clear(&err);
    if (!mg_odbc_exec(c, luaL_checkstring(L, 2), &err))
        return mg_lua_raise(L, &err);
    lua_pushboolean(L, 1);
    return 1;
}

/* c:autocommit(on) -> true.  Off: what c writes is seen by others after
 * c:commit(); c:rollback() drops it. */
static int l_autocommit(lua_State *L)
{
    mg_odbc *c = mg_lua_check_odbc(L, 1);
    luaL_checktype(L, 2, LUA_TBOOLEAN);
    mg_error err;
    mg_error_clear(&err);
    if (!mg_odbc_set_autocommit(c, lua_toboolean(L, 2), &err))
        return mg_lua_raise(L, &err);
    lua_pushboolean(L, 1);
    return 1;
}

/* c:commit() -> true; c:rollback() -> true */
static int end_tran(lua_State *L, bool commit)
{
    mg_odbc *c = mg_lua_check_odbc(L, 1);
    mg_error err;
    mg_error_clear(&err);
    if (!(commit ? mg_odbc_commit(c, &err) : mg_odbc_rollback(c, &err)))
        return mg_lua_raise(L, &err);
    lua_pushboolean(L, 1);
    return 1;
}

static int l_commit(lua_State *L) { return end_tran(L, true); }

static int l_rollback(lua_State *L) { return end_tran(L, false); }

/* c:catalog(kind [, schema [, table]]) -> rows, columns
 * kind: tables, columns, primary_keys, foreign_keys, indexes (odbc.h). */
static int l_catalog(lua_State *L)
{
    mg_odbc *c = mg_lua_check_odbc(L, 1);
    int kind = mg_odbc_catalog_kind_parse(luaL_checkstring(L, 2));
    if (kind < 0)
        return luaL_argerror(L, 2, "unknown catalog kind (tables, columns, "
                                   "primary_keys, foreign_keys or indexes)");
    const char *schema = luaL_optstring(L, 3, NULL);
    const char *table = luaL_optstring(L, 4, NULL);
    mg_result *r = NULL;
    mg_error err;
    mg_error_clear(&err);
    if (!mg_odbc_catalog(c, (mg_odbc_catalog_kind)kind, schema, table, &r, &err))
        return mg_lua_raise(L, &err);
    mg_lua_push_result(L, r);
    mg_result_free(r);
    lua_pop(L, 1); /* the command tag means nothing here */
    return 2;
}

static int l_display(lua_State *L)
{
    lua_pushstring(L, mg_odbc_display(mg_lua_check_odbc(L, 1)));
    return 1;
}

static int l_side(lua_State *L)
{
    lua_pushstring(L, mg_side_name(mg_odbc_side(mg_lua_check_odbc(L, 1))));
    return 1;
}

static int l_dbms(lua_State *L)
{
    lua_pushstring(L, mg_odbc_dbms_name(mg_lua_check_odbc(L, 1)));
    return 1;
}

static int l_driver(lua_State *L)
{
    lua_pushstring(L, mg_odbc_driver_name(mg_lua_check_odbc(L, 1)));
    return 1;
}

static int l_tostring(lua_State *L)
{
    odbc_ud *ud = check_ud(L, 1);
    if (ud->conn == NULL)
        lua_pushstring(L, "odbc.conn (closed)");
    else
        lua_pushfstring(L, "odbc.conn %s (%s)",
                        mg_side_name(mg_odbc_side(ud->conn)),
                        mg_odbc_display(ud->conn));
    return 1;
}

/* odbc.transforms() -> the sorted names of the C value transforms. */
static int l_transforms(lua_State *L)
{
    const char *const *names = mg_odbc_transform_names();
    lua_newtable(L);
    for (int i = 0; names[i]; i++) {
        lua_pushstring(L, names[i]);
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

/* odbc.transform_check(spec) -> true, or false and the reason. */
static int l_transform_check(lua_State *L)
{
    mg_error err;
    mg_error_clear(&err);
    if (mg_odbc_transform_check(luaL_checkstring(L, 1), &err)) {
        lua_pushboolean(L, 1);
        return 1;
    }
    lua_pushboolean(L, 0);
    lua_pushstring(L, err.msg);
    return 2;
}

int luaopen_migrate_odbc(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"query", l_query},
        {"exec", l_exec},
        {"autocommit", l_autocommit},
        {"commit", l_commit},
        {"rollback", l_rollback},
        {"catalog", l_catalog},
        {"display", l_display},
        {"side", l_side},
        {"dbms", l_dbms},
        {"driver", l_driver},
        {"close", l_close},
        {NULL, NULL},
    };
    static const luaL_Reg funcs[] = {
        {"connect", l_connect},
        {"transforms", l_transforms},
        {"transform_check", l_transform_check},
        {NULL, NULL},
    };
    if (luaL_newmetatable(L, ODBC_CONN_MT)) {
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
    lua_pushstring(L, "odbc");
    lua_setfield(L, -2, "kind");
    return 1;
}
