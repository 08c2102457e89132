/*
 * lua_edit.c - migrate.edit: libedit line editing for `migrate repl`.
 *
 *   local edit = require "migrate.edit"
 *   local e = edit.open()               -- stdin/stdout must be a terminal
 *   e:complete_with(function(before) return word, insert, candidates end)
 *   e:add_history("src:query('SELECT 1')")
 *   local line = e:read("> ")           -- string; nil at Ctrl-D on an
 *                                       -- empty line; false after Ctrl-C
 *   e:close()
 *   edit.private_file(path)             -- create it 0600 (or make it so)
 *   edit.term_size()                    -- rows, columns of stdout, or nil
 *
 * Ctrl-C: the process-wide SIGINT handler (core/interrupt.c) sets the
 * interrupt flag (and cancels the server's statements); the read
 * function below sees read() fail with EINTR, clears the flag and ends
 * the line, so Ctrl-C at the prompt drops the line and nothing else.
 * libedit's own signal handling (EL_SIGNAL) stays off for that reason.
 *
 * Tab calls the Lua completer with the text before the cursor; it returns
 * the word being completed, the text to put in its place (the candidates'
 * common prefix) and the candidates, listed when the word cannot grow.
 */
#include "lua/lua_edit.h"

#include <errno.h>
#include <fcntl.h>
#include <histedit.h>
#include <lauxlib.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wchar.h>

#include "core/interrupt.h"

#define EDIT_MT "migrate.edit"
#define MAX_LISTED 200

typedef struct edit_ud {
    EditLine *el;       /* owned; NULL once closed */
    History *hist;      /* owned */
    lua_State *L;       /* the state of the running e:read, for Tab */
    int completer;      /* registry ref of the completer, or LUA_NOREF */
    char *prompt;       /* owned copy of the current prompt */
    bool interrupted;   /* Ctrl-C ended the line being read */
} edit_ud;

static edit_ud *check_ud(lua_State *L, int idx)
{
    return luaL_checkudata(L, idx, EDIT_MT);
}

static edit_ud *check_open(lua_State *L, int idx)
{
    edit_ud *ud = check_ud(L, idx);
    if (ud->el == NULL)
        luaL_error(L, "the line editor is closed");
    return ud;
}

static edit_ud *ud_of(EditLine *el)
{
    void *ud = NULL;
    el_get(el, EL_CLIENTDATA, &ud);
    return ud;
}

static char *prompt_of(EditLine *el)
{
    edit_ud *ud = ud_of(el);
    return ud->prompt ? ud->prompt : (char *)"";
}

/* libedit's character reader, replaced so that a signal ends the line:
 * returns 1 with a character, 0 at end of input, -1 after Ctrl-C (or a
 * read error).  Multibyte characters are decoded in the C locale's
 * LC_CTYPE, as libedit's own reader does. */
static int read_char(EditLine *el, wchar_t *wc)
{
    edit_ud *ud = ud_of(el);
    mbstate_t state;
    memset(&state, 0, sizeof state);
    for (;;) {
        char c;
        ssize_t n = read(STDIN_FILENO, &c, 1);
        if (n == 1) {
            size_t r = mbrtowc(wc, &c, 1, &state);
            if (r == (size_t)-2)
                continue; /* the rest of a multibyte character follows */
            if (r == (size_t)-1) {
                memset(&state, 0, sizeof state);
                *wc = (wchar_t)(unsigned char)c; /* not valid: take the byte */
            }
            return 1;
        }
        if (n == 0)
            return 0;
        if (errno != EINTR)
            return -1;
        if (mg_interrupted()) {
            mg_interrupt_clear();
            ud->interrupted = true;
            return -1;
        }
        /* another signal (SIGWINCH): go on reading */
    }
}

/* Ctrl-C as a character (a terminal without ISIG): the same as the signal. */
static unsigned char on_ctrl_c(EditLine *el, int ch)
{
    (void)ch;
    ud_of(el)->interrupted = true;
    return CC_EOF;
}

/* Print the candidates in columns under the line. */
static void list_candidates(lua_State *L, int list)
{
    size_t n = lua_objlen(L, list), width = 1;
    for (size_t i = 1; i <= n && i <= MAX_LISTED; i++) {
        lua_rawgeti(L, list, (int)i);
        size_t len = lua_objlen(L, -1);
        if (len + 2 > width)
            width = len + 2;
        lua_pop(L, 1);
    }
    struct winsize ws;
    size_t cols = 80;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        cols = ws.ws_col;
    size_t per_line = cols / width > 0 ? cols / width : 1;
    fputc('\n', stdout);
    for (size_t i = 1; i <= n && i <= MAX_LISTED; i++) {
        lua_rawgeti(L, list, (int)i);
        const char *s = lua_tostring(L, -1);
        if (i % per_line == 0 || i == n || i == MAX_LISTED)
            fprintf(stdout, "%s\n", s ? s : "");
        else
            fprintf(stdout, "%-*s", (int)width, s ? s : "");
        lua_pop(L, 1);
    }
    if (n > MAX_LISTED)
        fprintf(stdout, "... and %zu more\n", n - MAX_LISTED);
    fflush(stdout);
}

/* Replace the word before the cursor with insert (both UTF-8). */
static void replace_word(EditLine *el, const char *word, const char *insert)
{
    size_t chars = mbstowcs(NULL, word, 0);
    if (chars == (size_t)-1)
        chars = strlen(word);
    if (chars > 0)
        el_deletestr(el, (int)chars);
    el_insertstr(el, insert);
}

/* Tab: completer(text before the cursor) -> word, insert, candidates. */
static unsigned char on_tab(EditLine *el, int ch)
{
    (void)ch;
    edit_ud *ud = ud_of(el);
    lua_State *L = ud->L;
    if (L == NULL || ud->completer == LUA_NOREF)
        return CC_ERROR;
    const LineInfo *li = el_line(el);
    int top = lua_gettop(L);
    unsigned char rc = CC_ERROR;
    lua_rawgeti(L, LUA_REGISTRYINDEX, ud->completer);
    lua_pushlstring(L, li->buffer, (size_t)(li->cursor - li->buffer));
    if (lua_pcall(L, 1, 3, 0) != 0 || !lua_isstring(L, top + 1) ||
        !lua_isstring(L, top + 2) || !lua_istable(L, top + 3))
        goto out; /* a failing completer only beeps */
    const char *word = lua_tostring(L, top + 1);
    const char *insert = lua_tostring(L, top + 2);
    size_t nwords = lua_objlen(L, top + 3);
    if (strlen(insert) > strlen(word)) {
        replace_word(el, word, insert);
        rc = CC_REFRESH;
    } else if (nwords > 1) {
        list_candidates(L, top + 3);
        rc = CC_REDISPLAY;
    }
out:
    lua_settop(L, top);
    return rc;
}

/* edit.open() -> editor on the terminal of stdin/stdout. */
static int l_open(lua_State *L)
{
    /* libedit reads and measures characters in LC_CTYPE: the user's */
    setlocale(LC_CTYPE, "");
    edit_ud *ud = lua_newuserdata(L, sizeof *ud);
    memset(ud, 0, sizeof *ud);
    ud->completer = LUA_NOREF;
    luaL_getmetatable(L, EDIT_MT);
    lua_setmetatable(L, -2);
    ud->el = el_init("migrate", stdin, stdout, stderr);
    ud->hist = history_init();
    if (ud->el == NULL || ud->hist == NULL)
        return luaL_error(L, "cannot start the line editor (is stdin a terminal?)");
    HistEvent ev;
    history(ud->hist, &ev, H_SETSIZE, 1000);
    history(ud->hist, &ev, H_SETUNIQUE, 1);
    el_set(ud->el, EL_CLIENTDATA, ud);
    el_set(ud->el, EL_EDITOR, "emacs");
    el_set(ud->el, EL_PROMPT, prompt_of);
    el_set(ud->el, EL_HIST, history, ud->hist);
    el_set(ud->el, EL_GETCFN, read_char);
    /* el_wset: el_set's EL_ADDFN leaks copies of its two strings */
    el_wset(ud->el, EL_ADDFN, L"mg-complete", L"complete a name", on_tab);
    el_set(ud->el, EL_BIND, "^I", "mg-complete", NULL);
    el_wset(ud->el, EL_ADDFN, L"mg-interrupt", L"drop the line", on_ctrl_c);
    el_set(ud->el, EL_BIND, "^C", "mg-interrupt", NULL);
    el_source(ud->el, NULL); /* the user's ~/.editrc, if any */
    return 1;
}

/* e:read(prompt) -> line (no newline) | nil at end of input | false after
 * Ctrl-C. */
static int l_read(lua_State *L)
{
    edit_ud *ud = check_open(L, 1);
    const char *prompt = luaL_checkstring(L, 2);
    char *copy = strdup(prompt);
    if (copy == NULL)
        return luaL_error(L, "out of memory");
    free(ud->prompt);
    ud->prompt = copy;
    ud->interrupted = false;
    ud->L = L;
    el_resize(ud->el); /* the terminal may have changed size since */
    int count = 0;
    const char *line = el_gets(ud->el, &count);
    ud->L = NULL;
    if (ud->interrupted) {
        mg_interrupt_clear();
        fputs("^C\n", stdout);
        fflush(stdout);
        lua_pushboolean(L, 0);
        return 1;
    }
    if (line == NULL || count <= 0) {
        lua_pushnil(L);
        return 1;
    }
    size_t len = strlen(line);
    if (len > 0 && line[len - 1] == '\n')
        len--;
    lua_pushlstring(L, line, len);
    return 1;
}

/* e:add_history(line): Up arrow recalls it (the caller persists it). */
static int l_add_history(lua_State *L)
{
    edit_ud *ud = check_open(L, 1);
    HistEvent ev;
    history(ud->hist, &ev, H_ENTER, luaL_checkstring(L, 2));
    return 0;
}

/* e:complete_with(fn): fn(before_cursor) -> word, insert, {candidates}. */
static int l_complete_with(lua_State *L)
{
    edit_ud *ud = check_open(L, 1);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    luaL_unref(L, LUA_REGISTRYINDEX, ud->completer);
    lua_pushvalue(L, 2);
    ud->completer = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
}

/* e:close(), also __gc: give the terminal back as it was. */
static int l_close(lua_State *L)
{
    edit_ud *ud = check_ud(L, 1);
    if (ud->el)
        el_end(ud->el);
    if (ud->hist)
        history_end(ud->hist);
    ud->el = NULL;
    ud->hist = NULL;
    free(ud->prompt);
    ud->prompt = NULL;
    luaL_unref(L, LUA_REGISTRYINDEX, ud->completer);
    ud->completer = LUA_NOREF;
    return 0;
}

/* edit.private_file(path) -> true | nil, message: the file exists (created
 * empty if missing) and only its owner may read or write it. */
static int l_private_file(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0 || fchmod(fd, 0600) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        lua_pushnil(L);
        lua_pushfstring(L, "cannot create %s: %s", path, strerror(e));
        return 2;
    }
    close(fd);
    lua_pushboolean(L, 1);
    return 1;
}

/* edit.term_size() -> rows, columns of the terminal on stdout, or nil. */
static int l_term_size(lua_State *L)
{
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0 || ws.ws_row == 0) {
        lua_pushnil(L);
        return 1;
    }
    lua_pushinteger(L, ws.ws_row);
    lua_pushinteger(L, ws.ws_col);
    return 2;
}

int luaopen_migrate_edit(lua_State *L)
{
    static const luaL_Reg methods[] = {
        {"read", l_read},
        {"add_history", l_add_history},
        {"complete_with", l_complete_with},
        {"close", l_close},
        {NULL, NULL},
    };
    static const luaL_Reg funcs[] = {
        {"open", l_open},
        {"private_file", l_private_file},
        {"term_size", l_term_size},
        {NULL, NULL},
    };
    if (luaL_newmetatable(L, EDIT_MT)) {
        lua_newtable(L);
        luaL_register(L, NULL, methods);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, l_close);
        lua_setfield(L, -2, "__gc");
    }
    lua_pop(L, 1);
    lua_newtable(L);
    luaL_register(L, NULL, funcs);
    return 1;
}
