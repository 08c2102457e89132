/*
 * lua_edit.h - migrate.edit: line editing for `migrate repl`, on libedit
 * (BSD licence; its histedit.h API, not the readline emulation, so the
 * binding decides what Ctrl-C and Tab do).  See lua_edit.c.
 */
#ifndef MG_LUA_EDIT_H
#define MG_LUA_EDIT_H

#include <lua.h>

/* luaopen function, registered in package.preload as "migrate.edit". */
int luaopen_migrate_edit(lua_State *L);

#endif
