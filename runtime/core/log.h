/*
 * log.h - one line per event on stderr: time, level, area, message.
 *
 * Every line carries the area ("pg", "copy", "run" ...).  Database errors add
 * "[source|target] [SQLSTATE]" in the message; connection strings must be
 * passed through mg_mask_secrets() before they reach a log line.
 */
#ifndef MG_CORE_LOG_H
#define MG_CORE_LOG_H

typedef enum mg_log_level {
    MG_LOG_DEBUG = 0,
    MG_LOG_INFO,
    MG_LOG_WARN,
    MG_LOG_ERROR,
    MG_LOG_NONE,
} mg_log_level;

/* Lines below this level are dropped.  Default MG_LOG_INFO. */
void mg_log_set_level(mg_log_level level);
mg_log_level mg_log_get_level(void);

/* Parse "debug", "info", "warn", "error", "none"; returns -1 if unknown. */
int mg_log_level_parse(const char *name);

void mg_log(mg_log_level level, const char *area, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
