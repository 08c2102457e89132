#include "core/secret.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#define MASK "***"

typedef struct out_cursor {
    char *p;
    size_t left; /* room left, counting the final NUL */
} out_cursor;

static void put(out_cursor *o, const char *s, size_t n)
{
    if (o->left <= 1)
        return;
    if (n > o->left - 1)
        n = o->left - 1;
    memcpy(o->p, s, n);
    o->p += n;
    o->left -= n;
    *o->p = '\0';
}

/* The syntax a connection string is written in decides where an unquoted
 * value ends: a password may hold spaces in ODBC and ';' in conninfo. */
typedef enum syntax {
    SYN_CONNINFO, /* key=value key='va lue', whitespace between pairs */
    SYN_ODBC,     /* Key=value;Key={va;lue} */
    SYN_URL,      /* scheme://user:pw@host/db?key=value&key=value, perhaps
                     as the value of a conninfo keyword */
} syntax;

static bool ident_char(char ch)
{
    return isalnum((unsigned char)ch) || ch == '_';
}

/* Where "scheme://" of a URL in s starts its "://", or NULL. */
static const char *find_url(const char *s)
{
    const char *sep = strstr(s, "://");
    if (sep == NULL || sep == s || !isalnum((unsigned char)sep[-1]))
        return NULL;
    return sep;
}

/* ODBC: an "odbc:" prefix, or a ';' followed by another Key= (even when a
 * value holds a URL).  URL: a "scheme://" anywhere else.  Else conninfo. */
static syntax detect(const char *s)
{
    if (strncasecmp(s, "odbc:", 5) == 0)
        return SYN_ODBC;
    for (const char *p = strchr(s, ';'); p; p = strchr(p + 1, ';')) {
        const char *q = p + 1;
        while (*q == ' ')
            q++;
        if (!ident_char(*q))
            continue;
        while (ident_char(*q))
            q++;
        while (*q == ' ')
            q++;
        if (*q == '=')
            return SYN_ODBC;
    }
    return find_url(s) != NULL ? SYN_URL : SYN_CONNINFO;
}

/* If a secret keyword starts at s (at a word start), followed by optional
 * spaces and '=', return the length up to and including the '='; else 0. */
static size_t secret_key_at(const char *s)
{
    static const char *keys[] = {"sslpassword", "password", "passwd", "pass",
                                 "pwd"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        size_t n = strlen(keys[i]);
        if (strncasecmp(s, keys[i], n) != 0 || ident_char(s[n]))
            continue;
        while (s[n] == ' ' || s[n] == '\t')
            n++;
        if (s[n] == '=')
            return n + 1;
    }
    return 0;
}

/* Length of the value starting at s.  Over-long is safe (more is masked),
 * too short would print the rest of the password, so when in doubt the
 * value runs on: an unclosed quote or brace runs to the end. */
static size_t value_len(const char *s, syntax syn)
{
    const char *p = s;
    if (syn == SYN_CONNINFO && *p == '\'') {
        for (p++; *p && *p != '\''; p++)
            if (*p == '\\' && p[1])
                p++;
        return (size_t)(p - s) + (*p ? 1 : 0);
    }
    if (syn == SYN_ODBC && *p == '{') {
        for (p++; *p; p++) {
            if (*p == '}' && p[1] == '}') {
                p++;
                continue;
            }
            if (*p == '}')
                break;
        }
        return (size_t)(p - s) + (*p ? 1 : 0);
    }
    switch (syn) {
    case SYN_CONNINFO:
        while (*p && !isspace((unsigned char)*p)) {
            if (*p == '\\' && p[1])
                p++;
            p++;
        }
        break;
    case SYN_ODBC:
        while (*p && *p != ';')
            p++;
        break;
    case SYN_URL: /* a URL holds no blank: one ends a conninfo value too */
        while (*p && *p != '&' && *p != '#' && !isspace((unsigned char)*p))
            p++;
        break;
    }
    return (size_t)(p - s);
}

/* The userinfo password of a URL: [*pw, *pw_end) or both NULL. */
static void find_userinfo_password(const char *in, const char **pw,
                                   const char **pw_end)
{
    *pw = *pw_end = NULL;
    const char *auth = find_url(in) + 3;
    const char *end = auth + strcspn(auth, "/?#");
    const char *at = NULL;
    for (const char *q = auth; q < end; q++)
        if (*q == '@')
            at = q; /* the last @ ends the userinfo */
    if (at == NULL)
        return;
    const char *colon = memchr(auth, ':', (size_t)(at - auth));
    if (colon == NULL)
        return;
    *pw = colon + 1;
    *pw_end = at;
}

/* Copy [from, eq_end) (the keyword and its '='), mask the value after it,
 * and return where copying resumes.  A '=' right after the value means the
 * string is not what we think it is ("password=a b=c"): mask on. */
static const char *mask_value(out_cursor *o, const char *from,
                              const char *eq_end, syntax syn)
{
    for (;;) {
        const char *val = eq_end;
        while (*val == ' ' || *val == '\t')
            val++;
        size_t vlen = value_len(val, syn);
        put(o, from, (size_t)(val - from));
        if (vlen > 0)
            put(o, MASK, strlen(MASK));
        from = val + vlen;
        const char *q = from;
        while (*q == ' ' || *q == '\t')
            q++;
        if (*q != '=')
            return from;
        eq_end = q + 1;
    }
}

char *mg_mask_secrets(const char *in, char *out, size_t outsz)
{
    out_cursor o = {out, outsz};
    if (outsz == 0)
        return out;
    out[0] = '\0';
    if (in == NULL)
        return out;

    syntax syn = detect(in);
    const char *pw = NULL, *pw_end = NULL;
    if (find_url(in) != NULL)
        find_userinfo_password(in, &pw, &pw_end);
    /* Copy everything but the URL password and the value of each secret
     * keyword, wherever it stands: values of other keys are not skipped as
     * units, so a quote or brace we misread can never carry a password
     * through. */
    const char *p = in;
    while (*p) {
        if (p == pw) {
            put(&o, MASK, strlen(MASK));
            p = pw_end;
            pw = NULL; /* once: an empty password ends where it starts */
            continue;
        }
        size_t klen = 0;
        if (p == in || !ident_char(p[-1]))
            klen = secret_key_at(p);
        if (klen == 0) {
            const char *q = p + 1;
            while (*q && q != pw && (ident_char(q[-1]) || !ident_char(*q)))
                q++; /* the next word start or the URL password */
            put(&o, p, (size_t)(q - p));
            p = q;
            continue;
        }
        p = mask_value(&o, p, p + klen, syn);
    }
    return out;
}
