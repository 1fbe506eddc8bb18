/* Named logger levels as Kafka Connect's /admin/loggers shows them: log4j level names recorded per
 * logger name with the time they last changed. "root" stands for Ferry's one process-wide
 * threshold (ferry_log_set_level); other names are recorded and reported back but do not change
 * what Ferry logs. Thread-safe: REST requests read and set levels concurrently. */
#ifndef FERRY_LOG_LEVELS_H
#define FERRY_LOG_LEVELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ferry_log_levels ferry_log_levels_t;

typedef struct {
        char *name;
        char level[8];
        int64_t last_modified; /* ms since the epoch; -1: never */
} ferry_log_level_entry_t;

ferry_log_levels_t *ferry_log_levels_new(void);
void ferry_log_levels_free(ferry_log_levels_t *l);

/* The canonical (upper-case) log4j name of a level given in any case, NULL when unknown. */
const char *ferry_log_levels_canonical(const char *level);
/* Every logger, "root" included, sorted by name; the caller frees with ferry_log_levels_entries_free.
 * -1 when out of memory. */
int ferry_log_levels_list(ferry_log_levels_t *l, ferry_log_level_entry_t **out, size_t *n);
void ferry_log_levels_entries_free(ferry_log_level_entry_t *e, size_t n);
/* One logger ("root" in any case); false when the name was never set. out->name is NULL. */
bool ferry_log_levels_get(ferry_log_levels_t *l, const char *name, ferry_log_level_entry_t *out);
/* Sets a logger and its descendants (names it prefixes; root: every logger) to a canonical level;
 * *affected gets their names sorted (caller frees with ferry_strlist_free). -1 when out of memory. */
int ferry_log_levels_set(ferry_log_levels_t *l, const char *name, const char *level, char ***affected,
                         size_t *n_affected);

#endif
