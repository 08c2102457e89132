#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static mg_log_level current_level = MG_LOG_INFO;

void mg_log_set_level(mg_log_level level) { current_level = level; }

mg_log_level mg_log_get_level(void) { return current_level; }

static const char *level_names[] = {"debug", "info", "warn", "error", "none"};

int mg_log_level_parse(const char *name)
{
    for (int i = 0; i <= MG_LOG_NONE; i++)
        if (strcmp(name, level_names[i]) == 0)
            return i;
    return -1;
}

void mg_log(mg_log_level level, const char *area, const char *fmt, ...)
{
    if (level < current_level || level >= MG_LOG_NONE)
        return;
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);

    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    localtime_r(&ts.tv_sec, &tm);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%H:%M:%S", &tm);
    fprintf(stderr, "%s.%03ld %-5s %-5s %s\n", stamp, ts.tv_nsec / 1000000L,
            level_names[level], area, line);
}
