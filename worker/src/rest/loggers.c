/* REST resource "/admin/loggers": log levels. Ferry has one process-wide threshold (log.c,
 * ferry_log_set_level), shown as the "root" logger; setting "root" changes it. Any other logger
 * name is accepted and its level recorded and reported back (as Connect does for log4j loggers),
 * but it does not change what Ferry logs: only root does (docs/rest.md). The recorded levels live
 * here, in the API's state, under a lock. */
#include "rest/api.h"

#include <ferry/log.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

typedef struct {
        char *name;
        char level[8];
        int64_t last_modified; /* ms since the epoch; -1: never */
} named_t;

struct ferry_rest_loggers {
        pthread_mutex_t lock;
        named_t *l;
        size_t n, cap;
        char root_level[8]; /* as last set through the API; "" when never */
        int64_t root_modified;
};

ferry_rest_loggers_t *ferry_rest_loggers_new(void)
{
        ferry_rest_loggers_t *l = calloc(1, sizeof(*l));
        if (!l)
                return NULL;
        pthread_mutex_init(&l->lock, NULL);
        l->root_modified = -1;
        return l;
}

void ferry_rest_loggers_free(ferry_rest_loggers_t *l)
{
        if (!l)
                return;
        for (size_t i = 0; i < l->n; i++)
                free(l->l[i].name);
        free(l->l);
        pthread_mutex_destroy(&l->lock);
        free(l);
}

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

static int64_t now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The root level shown: the name last set if it still stands for the threshold in force. */
static const char *root_level(const ferry_rest_loggers_t *l)
{
        ferry_log_level_t cur = ferry_log_get_level();
        int i = l->root_level[0] ? level_index(l->root_level) : -1;
        if (i >= 0 && levels[i].level == cur)
                return levels[i].name;
        return ferry_log_level_name(cur);
}

static void write_level(ferry_jw_t *j, const char *level, int64_t modified)
{
        ferry_jw_obj(j);
        ferry_jw_kv(j, "level", level);
        ferry_jw_key(j, "last_modified");
        if (modified < 0)
                ferry_jw_null(j);
        else
                ferry_jw_int(j, modified);
        ferry_jw_end_obj(j);
}

static int cmp_named(const void *a, const void *b)
{
        return strcmp(((const named_t *)a)->name, ((const named_t *)b)->name);
}

static void list_loggers(ferry_rest_call_t *c)
{
        ferry_rest_loggers_t *l = ferry_rest_api_loggers(c->api);
        ferry_jw_t j;
        ferry_jw_init(&j);
        ferry_jw_obj(&j);
        pthread_mutex_lock(&l->lock);
        if (l->n > 1)
                qsort(l->l, l->n, sizeof(*l->l), cmp_named);
        bool root_done = false;
        for (size_t i = 0; i <= l->n; i++) {
                if (!root_done && (i == l->n || strcmp(l->l[i].name, "root") > 0)) {
                        ferry_jw_key(&j, "root");
                        write_level(&j, root_level(l), l->root_modified);
                        root_done = true;
                }
                if (i < l->n) {
                        ferry_jw_key(&j, l->l[i].name);
                        write_level(&j, l->l[i].level, l->l[i].last_modified);
                }
        }
        pthread_mutex_unlock(&l->lock);
        ferry_jw_end_obj(&j);
        ferry_rest_reply_json(c, 200, &j);
}

static void get_logger(ferry_rest_call_t *c)
{
        ferry_rest_loggers_t *l = ferry_rest_api_loggers(c->api);
        const char *name = c->params[0];
        ferry_jw_t j;
        ferry_jw_init(&j);
        bool found = false;
        pthread_mutex_lock(&l->lock);
        if (!strcasecmp(name, "root")) {
                write_level(&j, root_level(l), l->root_modified);
                found = true;
        }
        for (size_t i = 0; i < l->n && !found; i++) {
                if (!strcmp(l->l[i].name, name)) {
                        write_level(&j, l->l[i].level, l->l[i].last_modified);
                        found = true;
                }
        }
        pthread_mutex_unlock(&l->lock);
        if (found) {
                ferry_rest_reply_json(c, 200, &j);
        } else {
                ferry_jw_free(&j);
                ferry_rest_error(c, 404, "Logger %s not found.", name);
        }
}

static void set_named(named_t *n, const char *level, int64_t now)
{
        if (strcmp(n->level, level)) {
                snprintf(n->level, sizeof(n->level), "%s", level);
                n->last_modified = now;
        }
}

static void set_logger(ferry_rest_call_t *c)
{
        ferry_rest_loggers_t *l = ferry_rest_api_loggers(c->api);
        const char *name = c->params[0];
        json_object *jl = NULL;
        if (!json_object_object_get_ex(c->body, "level", &jl) || json_object_is_type(jl, json_type_null)) {
                ferry_rest_error(c, 400, "Desired 'level' parameter was not specified in request.");
                return;
        }
        const char *given = json_object_get_string(jl);
        int li = json_object_is_type(jl, json_type_string) ? level_index(given) : -1;
        if (li < 0) {
                ferry_rest_error(c, 404, "invalid log level '%s'.", given);
                return;
        }
        const char *level = levels[li].name;
        char *scope = ferry_rest_query(c, "scope", 0);
        bool cluster = scope && !strcasecmp(scope, "cluster");
        if (scope && !cluster && strcasecmp(scope, "worker"))
                FERRY_WARN("Received invalid scope '%s' in request to adjust logging level; will default to "
                           "worker",
                           scope);
        free(scope);
        int64_t now = now_ms();
        bool root = !strcasecmp(name, "root");
        FERRY_INFO("Setting level of namespace %s and children to %s", name, level);
        /* Affected loggers: root affects every recorded one; a name its own descendants (prefix). */
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
                        set_named(&l->l[i], level, now);
                        affected[n_affected++] = strdup(l->l[i].name);
                }
        }
        if (root) {
                if (ferry_log_get_level() != levels[li].level || strcmp(root_level(l), level))
                        l->root_modified = now;
                snprintf(l->root_level, sizeof(l->root_level), "%s", level);
                ferry_log_set_level(levels[li].level);
                if (affected)
                        affected[n_affected++] = strdup("root");
        }
        pthread_mutex_unlock(&l->lock);
        if (!affected) {
                ferry_rest_error(c, 500, "out of memory");
                return;
        }
        for (size_t i = 1; i < n_affected; i++) { /* sorted, as Connect answers */
                for (size_t k = i; k > 0 && strcmp(affected[k - 1], affected[k]) > 0; k--) {
                        char *t = affected[k];
                        affected[k] = affected[k - 1];
                        affected[k - 1] = t;
                }
        }
        if (cluster) {
                /* Standalone: this worker is the whole cluster. */
                ferry_rest_reply_empty(c, 204);
        } else {
                ferry_jw_t j;
                ferry_jw_init(&j);
                ferry_jw_strlist(&j, affected, n_affected);
                ferry_rest_reply_json(c, 200, &j);
        }
        ferry_strlist_free(affected, n_affected);
}

const ferry_rest_route_t ferry_rest_logger_routes[] = {
        {"GET", "/admin/loggers", list_loggers, 0},
        {"GET", "/admin/loggers/{}", get_logger, 0},
        {"PUT", "/admin/loggers/{}", set_logger, FERRY_ROUTE_BODY},
        {NULL, NULL, NULL, 0},
};
