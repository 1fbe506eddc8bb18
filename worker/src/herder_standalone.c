/* Standalone herder: one worker, connector configs held in memory (from the command line or REST),
 * source offsets in a local file. Creating a connector validates it, starts it, asks it for task
 * configs and starts every task on this worker; deleting stops them. */
#include "herder.h"

#include <ferry/log.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
        char *name;
        ferry_strmap_t config;
        ferry_target_t target;
} sa_conn_t;

typedef struct {
        ferry_herder_t base;
        pthread_mutex_t lock; /* serialises changes */
        sa_conn_t *conns;
        size_t n, cap;
} standalone_t;

static sa_conn_t *find(standalone_t *s, const char *name)
{
        for (size_t i = 0; i < s->n; i++)
                if (!strcmp(s->conns[i].name, name))
                        return &s->conns[i];
        return NULL;
}

/* Starts the connector and all its tasks on the worker. */
static void start_all(standalone_t *s, sa_conn_t *c)
{
        ferry_strmap_t *tasks = NULL;
        int n = 0;
        char errstr[1024];
        if (ferry_worker_start_connector(s->base.worker, c->name, &c->config, c->target, &tasks, &n, errstr,
                                         sizeof(errstr)) < 0)
                return;
        for (int i = 0; i < n; i++)
                if (ferry_worker_start_task(s->base.worker, c->name, i, &tasks[i], c->target, errstr,
                                            sizeof(errstr)) < 0)
                        FERRY_ERROR("Task %s-%d failed to start: %s", c->name, i, errstr);
        ferry_task_configs_free(tasks, n);
}

static ferry_herder_rc_t put_connector(ferry_herder_t *h, const char *name, const ferry_strmap_t *config,
                                       ferry_target_t initial, bool allow_update, bool *created,
                                       ferry_cfg_errors_t *errs, char *errstr, size_t errstr_size)
{
        standalone_t *s = (standalone_t *)h;
        if (!ferry_worker_validate_connector(h->worker, config, errs) || errs->n)
                return FERRY_HERDER_INVALID;
        pthread_mutex_lock(&s->lock);
        sa_conn_t *c = find(s, name);
        if (c && !allow_update) {
                pthread_mutex_unlock(&s->lock);
                snprintf(errstr, errstr_size, "Connector %s already exists", name);
                return FERRY_HERDER_EXISTS;
        }
        *created = !c;
        if (c) {
                ferry_worker_stop_connector(h->worker, name);
                ferry_strmap_clear(&c->config);
        } else {
                if (s->n == s->cap) {
                        size_t cap = s->cap ? s->cap * 2 : 8;
                        sa_conn_t *nc = realloc(s->conns, cap * sizeof(*nc));
                        if (!nc) {
                                pthread_mutex_unlock(&s->lock);
                                return FERRY_HERDER_ERROR;
                        }
                        s->conns = nc;
                        s->cap = cap;
                }
                c = &s->conns[s->n++];
                c->name = strdup(name);
                ferry_strmap_init(&c->config);
                c->target = initial;
        }
        ferry_strmap_copy(&c->config, config);
        start_all(s, c);
        pthread_mutex_unlock(&s->lock);
        return FERRY_HERDER_OK;
}

static ferry_herder_rc_t delete_connector(ferry_herder_t *h, const char *name)
{
        standalone_t *s = (standalone_t *)h;
        pthread_mutex_lock(&s->lock);
        sa_conn_t *c = find(s, name);
        if (!c) {
                pthread_mutex_unlock(&s->lock);
                return FERRY_HERDER_NOT_FOUND;
        }
        ferry_worker_stop_connector(h->worker, name);
        free(c->name);
        ferry_strmap_free(&c->config);
        *c = s->conns[--s->n];
        pthread_mutex_unlock(&s->lock);
        return FERRY_HERDER_OK;
}

static char **list(ferry_herder_t *h, size_t *n)
{
        standalone_t *s = (standalone_t *)h;
        pthread_mutex_lock(&s->lock);
        char **names = calloc(s->n + 1, sizeof(*names));
        *n = 0;
        for (size_t i = 0; names && i < s->n; i++)
                names[(*n)++] = strdup(s->conns[i].name);
        pthread_mutex_unlock(&s->lock);
        return names;
}

static ferry_herder_rc_t config(ferry_herder_t *h, const char *name, ferry_strmap_t *out)
{
        standalone_t *s = (standalone_t *)h;
        pthread_mutex_lock(&s->lock);
        sa_conn_t *c = find(s, name);
        if (c)
                ferry_strmap_copy(out, &c->config);
        pthread_mutex_unlock(&s->lock);
        return c ? FERRY_HERDER_OK : FERRY_HERDER_NOT_FOUND;
}

static ferry_herder_rc_t set_target(ferry_herder_t *h, const char *name, ferry_target_t target)
{
        standalone_t *s = (standalone_t *)h;
        pthread_mutex_lock(&s->lock);
        sa_conn_t *c = find(s, name);
        if (!c) {
                pthread_mutex_unlock(&s->lock);
                return FERRY_HERDER_NOT_FOUND;
        }
        ferry_target_t old = c->target;
        c->target = target;
        if (old == FERRY_TARGET_STOPPED || target == FERRY_TARGET_STOPPED) {
                ferry_worker_stop_connector(h->worker, name);
                start_all(s, c);
        } else {
                ferry_worker_set_target(h->worker, name, target);
        }
        pthread_mutex_unlock(&s->lock);
        return FERRY_HERDER_OK;
}

static void stop(ferry_herder_t *h)
{
        ferry_worker_stop_all(h->worker);
}

static void herder_free(ferry_herder_t *h)
{
        standalone_t *s = (standalone_t *)h;
        for (size_t i = 0; i < s->n; i++) {
                free(s->conns[i].name);
                ferry_strmap_free(&s->conns[i].config);
        }
        free(s->conns);
        pthread_mutex_destroy(&s->lock);
        free(s);
}

static const ferry_herder_ops_t standalone_ops = {
        .put_connector = put_connector,
        .delete_connector = delete_connector,
        .list = list,
        .config = config,
        .set_target = set_target,
        .stop = stop,
        .free = herder_free,
};

ferry_herder_t *ferry_standalone_herder_new(ferry_worker_t *w)
{
        standalone_t *s = calloc(1, sizeof(*s));
        if (!s)
                return NULL;
        s->base.ops = &standalone_ops;
        s->base.worker = w;
        pthread_mutex_init(&s->lock, NULL);
        return &s->base;
}
