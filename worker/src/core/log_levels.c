/* Named logger levels (log_levels.h): the state behind /admin/loggers, owned by the REST API and
 * changed by its PUT requests. Setting "root" changes Ferry's log threshold (common/log.c); other
 * names are only recorded, with the wall-clock time of their last change. */
#include "core/log_levels.h"

#include <ferry/clock.h>
#include <ferry/log.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
        char *name;
        char level[8];
        int64_t last_modified; /* ms since the epoch; -1: never */
} named_t;

struct ferry_log_levels {
        pthread_mutex_t lock;
        named_t *l;
        size_t n, cap;
        char root_level[8]; /* as last set; "" when never */
        int64_t root_modified;
};

/* log4j's levels and the Ferry threshold each stands for. */
static const struct {
        const char *name;
        ferry_log_level_t level;
} levels[] = {
        {"OFF", FERRY_LOG_ERROR},   {"FATAL", FERRY_LOG_ERROR}, {"ERROR", FERRY_LOG_ERROR},
        {"WARN", FERRY_LOG_WARN},   {"INFO", FERRY_LOG_INFO},   {"DEBUG", FERRY_LOG_DEBUG},
        {"TRACE", FERRY_LOG_TRACE}, {"ALL", FERRY_LOG_TRACE},
};

static int level_index(const char *s)
{
        for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
                if (!strcasecmp(s, levels[i].name))
                        return (int)i;
        return -1;
}

ferry_log_levels_t *ferry_log_levels_new(void)
{
        ferry_log_levels_t *l = calloc(1, sizeof(*l));
        if (!l)
                return NULL;
        pthread_mutex_init(&l->lock, NULL);
        l->root_modified = -1;
        return l;
}

void ferry_log_levels_free(ferry_log_levels_t *l)
{
        if (!l)
                return;
        for (size_t i = 0; i < l->n; i++)
                free(l->l[i].name);
        free(l->l);
        pthread_mutex_destroy(&l->lock);
        free(l);
}

const char *ferry_log_levels_canonical(const char *level)
{
        int i = level ? level_index(level) : -1;
        return i < 0 ? NULL : levels[i].name;
}

/* The root level shown: the name last set if it still stands for the threshold in force. */
static const char *root_level(const ferry_log_levels_t *l)
{
        ferry_log_level_t cur = ferry_log_get_level();
        int i = l->root_level[0] ? level_index(l->root_level) : -1;
        if (i >= 0 && levels[i].level == cur)
                return levels[i].name;
        return ferry_log_level_name(cur);
}

static int cmp_named(const void *a, const void *b)
{
        return strcmp(((const named_t *)a)->name, ((const named_t *)b)->name);
}

static void entry_set(ferry_log_level_entry_t *e, const char *level, int64_t modified)
{
        snprintf(e->level, sizeof(e->level), "%s", level);
        e->last_modified = modified;
}

void ferry_log_levels_entries_free(ferry_log_level_entry_t *e, size_t n)
{
        for (size_t i = 0; e && i < n; i++)
                free(e[i].name);
        free(e);
}

int ferry_log_levels_list(ferry_log_levels_t *l, ferry_log_level_entry_t **out, size_t *n_out)
{
        *out = NULL;
        *n_out = 0;
        pthread_mutex_lock(&l->lock);
        ferry_log_level_entry_t *e = calloc(l->n + 1, sizeof(*e));
        size_t n = 0;
        bool ok = e != NULL;
        if (l->n > 1)
                qsort(l->l, l->n, sizeof(*l->l), cmp_named);
        bool root_done = false;
        for (size_t i = 0; ok && i <= l->n; i++) {
                if (!root_done && (i == l->n || strcmp(l->l[i].name, "root") > 0)) {
                        ok = (e[n].name = strdup("root")) != NULL;
                        entry_set(&e[n++], root_level(l), l->root_modified);
                        root_done = true;
                }
                if (ok && i < l->n) {
                        ok = (e[n].name = strdup(l->l[i].name)) != NULL;
                        entry_set(&e[n++], l->l[i].level, l->l[i].last_modified);
                }
        }
        pthread_mutex_unlock(&l->lock);
        if (!ok) {
                ferry_log_levels_entries_free(e, n);
                return -1;
        }
        *out = e;
        *n_out = n;
        return 0;
}

bool ferry_log_levels_get(ferry_log_levels_t *l, const char *name, ferry_log_level_entry_t *out)
{
        bool found = false;
        out->name = NULL;
        pthread_mutex_lock(&l->lock);
        if (!strcasecmp(name, "root")) {
                entry_set(out, root_level(l), l->root_modified);
                found = true;
        }
        for (size_t i = 0; i < l->n && !found; i++) {
                if (!strcmp(l->l[i].name, name)) {
                        entry_set(out, l->l[i].level, l->l[i].last_modified);
                        found = true;
                }
        }
        pthread_mutex_unlock(&l->lock);
        return found;
}

static void set_named(named_t *n, const char *level, int64_t now)
{
        if (strcmp(n->level, level)) {
                snprintf(n->level, sizeof(n->level), "%s", level);
                n->last_modified = now;
        }
}

int ferry_log_levels_set(ferry_log_levels_t *l, const char *name, const char *level, char ***affected_out,
                         size_t *n_out)
{
        int li = level_index(level);
        if (li < 0)
                return -1;
        int64_t now = ferry_wall_ms();
        bool root = !strcasecmp(name, "root");
        char **affected = NULL;
        size_t n_affected = 0;
        pthread_mutex_lock(&l->lock);
        bool present = false;
        for (size_t i = 0; i < l->n; i++)
                present |= !strcmp(l->l[i].name, name);
        if (!root && !present) {
                if (l->n == l->cap) {
                        size_t cap = l->cap ? l->cap * 2 : 8;
                        named_t *nl = realloc(l->l, cap * sizeof(*nl));
                        if (nl) {
                                l->l = nl;
                                l->cap = cap;
                        }
                }
                if (l->n < l->cap) {
                        named_t *n = &l->l[l->n];
                        n->name = strdup(name);
                        if (n->name) {
                                n->level[0] = '\0';
                                n->last_modified = -1;
                                l->n++;
                        }
                }
        }
        affected = calloc(l->n + 2, sizeof(*affected));
        for (size_t i = 0; affected && i < l->n; i++) {
                if (root || !strncmp(l->l[i].name, name, strlen(name))) {
                        set_named(&l->l[i], levels[li].name, now);
                        affected[n_affected++] = strdup(l->l[i].name);
                }
        }
        if (root) {
                if (ferry_log_get_level() != levels[li].level || strcmp(root_level(l), levels[li].name))
                        l->root_modified = now;
                snprintf(l->root_level, sizeof(l->root_level), "%s", levels[li].name);
                ferry_log_set_level(levels[li].level);
                if (affected)
                        affected[n_affected++] = strdup("root");
        }
        pthread_mutex_unlock(&l->lock);
        if (!affected)
                return -1;
        for (size_t i = 1; i < n_affected; i++) { /* sorted, as Connect answers */
                for (size_t k = i; k > 0 && strcmp(affected[k - 1], affected[k]) > 0; k--) {
                        char *t = affected[k];
                        affected[k] = affected[k - 1];
                        affected[k - 1] = t;
                }
        }
        *affected_out = affected;
        *n_out = n_affected;
        return 0;
}
