/* The JDBC source connector's view of the database: which tables the include/exclude lists,
 * table.types and schema.pattern select (task_configs spreads them over the tasks), and the table
 * monitor, a thread of the connector that lists them again every table.poll.interval.ms and asks
 * the runtime for new task configs when the set changed (a table created or dropped while the
 * connector runs), as Confluent's TableMonitorThread does. */
#include "jdbc_config.h"

#include <ferry/log.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static bool listed(const char *const *list, size_t n, const jdbc_table_id_t *t)
{
        char *full = jdbc_table_id_unquoted(t);
        bool hit = false;
        for (size_t i = 0; i < n && !hit; i++)
                hit = !strcmp(list[i], t->table) || (full && !strcmp(list[i], full));
        free(full);
        return hit;
}

static const char *const *either_list(ferry_config_t *c, const char *a, const char *b, size_t *n)
{
        const char *const *l = ferry_config_get_list(c, a, n);
        if (l && *n)
                return l;
        l = ferry_config_get_list(c, b, n);
        return l && *n ? l : NULL;
}

/* The selected tables as quoted ids ("public"."t"); *n gets their count. */
int jdbc_select_tables(ferry_config_t *cfg, char ***out, size_t *n_out, char *errstr, size_t errstr_size)
{
        const char *url = ferry_config_get_string(cfg, "connection.url");
        jdbc_url_t u;
        if (jdbc_url_parse(url, &u, errstr, errstr_size) < 0)
                return -1;
        const jdbc_dialect_t *d =
                jdbc_dialect_for(&u, ferry_config_get_string(cfg, "dialect.name"), errstr, errstr_size);
        jdbc_url_free(&u);
        if (!d)
                return -1;
        jdbc_conn_t *conn;
        if (jdbc_connect(d, url, ferry_config_get_string(cfg, "connection.user"),
                         ferry_config_get_password(cfg, "connection.password"), "UTC", 1, 0, NULL, &conn,
                         errstr, errstr_size) < 0)
                return -1;
        size_t ntypes = 0;
        const char *const *types = ferry_config_get_list(cfg, "table.types", &ntypes);
        jdbc_table_id_t *ids = NULL;
        size_t nids = 0;
        int rc = d->list_tables(conn, ferry_config_get_string(cfg, "catalog.pattern"),
                                ferry_config_get_string(cfg, "schema.pattern"), (char *const *)types, ntypes,
                                &ids, &nids, errstr, errstr_size);
        d->close(conn);
        if (rc < 0)
                return -1;
        size_t ni = 0, ne = 0;
        const char *const *inc = either_list(cfg, "table.include.list", "table.whitelist", &ni);
        const char *const *exc = either_list(cfg, "table.exclude.list", "table.blacklist", &ne);
        jdbc_sql_style_t st = d->style;
        st.quote_identifiers = strcmp(ferry_config_get_string(cfg, "quote.sql.identifiers"), "never") != 0;
        char **sel = calloc(nids + 1, sizeof(char *));
        size_t n = 0;
        for (size_t i = 0; sel && i < nids; i++) {
                if ((inc && !listed(inc, ni, &ids[i])) || (exc && listed(exc, ne, &ids[i])))
                        continue;
                ferry_buf_t b;
                ferry_buf_init(&b);
                jdbc_sql_table(&b, &(jdbc_sql_style_t){.quote = st.quote, .quote_identifiers = true},
                               &ids[i]);
                sel[n++] = ferry_buf_steal(&b);
        }
        /* A table named in the include list that does not exist is an error, not silence. */
        for (size_t k = 0; inc && k < ni && rc == 0; k++) {
                bool found = false;
                for (size_t i = 0; i < nids && !found; i++)
                        found = listed(&inc[k], 1, &ids[i]);
                if (!found) {
                        snprintf(errstr, errstr_size,
                                 "table.include.list/table.whitelist: table %s not found in the database "
                                 "(types %s)",
                                 inc[k], ntypes ? types[0] : "TABLE");
                        rc = -1;
                }
        }
        for (size_t i = 0; i < nids; i++)
                jdbc_table_id_free(&ids[i]);
        free(ids);
        if (rc < 0) {
                ferry_strlist_free(sel, n);
                return -1;
        }
        *out = sel;
        *n_out = n;
        return 0;
}

typedef struct {
        ferry_connector_ctx_t *ctx;
        ferry_config_t *cfg;
        pthread_t thread;
        pthread_mutex_t lock;
        pthread_cond_t cond;
        bool stop;
        char **tables;
        size_t n;
        char logctx[256];
} monitor_t;

static bool same(char **a, size_t na, char **b, size_t nb)
{
        if (na != nb)
                return false;
        for (size_t i = 0; i < na; i++)
                if (strcmp(a[i], b[i]) != 0)
                        return false;
        return true;
}

static void *monitor_main(void *arg)
{
        monitor_t *m = arg;
        ferry_log_context(m->logctx);
        int64_t every = ferry_config_get_long(m->cfg, "table.poll.interval.ms");
        pthread_mutex_lock(&m->lock);
        while (!m->stop) {
                struct timespec ts;
                clock_gettime(CLOCK_MONOTONIC, &ts);
                ts.tv_sec += (time_t)(every / 1000);
                ts.tv_nsec += (long)(every % 1000) * 1000000;
                if (ts.tv_nsec >= 1000000000) {
                        ts.tv_sec++;
                        ts.tv_nsec -= 1000000000;
                }
                while (!m->stop && pthread_cond_timedwait(&m->cond, &m->lock, &ts) != ETIMEDOUT)
                        ;
                if (m->stop)
                        break;
                pthread_mutex_unlock(&m->lock);
                char **now = NULL;
                size_t n = 0;
                char err[512];
                if (jdbc_select_tables(m->cfg, &now, &n, err, sizeof(err)) < 0) {
                        FERRY_WARN("table monitor: %s", err);
                } else if (!same(now, n, m->tables, m->n)) {
                        FERRY_INFO(
                                "table monitor: the set of tables changed (%zu -> %zu); reconfiguring tasks",
                                m->n, n);
                        ferry_strlist_free(m->tables, m->n);
                        m->tables = now;
                        m->n = n;
                        now = NULL;
                        ferry_connector_request_reconfiguration(m->ctx);
                }
                ferry_strlist_free(now, n);
                pthread_mutex_lock(&m->lock);
        }
        pthread_mutex_unlock(&m->lock);
        return NULL;
}

ferry_err_t jdbc_monitor_start(ferry_connector_ctx_t *c, const ferry_strmap_t *config, char *errstr,
                               size_t errstr_size)
{
        const char *query = ferry_strmap_get(config, "query");
        if (query && *query)
                return FERRY_ERR_OK; /* query mode: no tables to watch */
        monitor_t *m = calloc(1, sizeof(*m));
        if (!m)
                return FERRY_ERR_NOMEM;
        m->cfg = ferry_config_parse(jdbc_source_config, config, NULL);
        if (!m->cfg) {
                free(m);
                snprintf(errstr, errstr_size, "invalid configuration");
                return FERRY_ERR_INVALID_CONFIG;
        }
        m->ctx = c;
        snprintf(m->logctx, sizeof(m->logctx), "%s", ferry_log_get_context());
        char err[512];
        if (jdbc_select_tables(m->cfg, &m->tables, &m->n, err, sizeof(err)) < 0)
                FERRY_WARN("table monitor: %s", err);
        pthread_mutex_init(&m->lock, NULL);
        /* Waits on the monotonic clock: a wall clock set back must not stall the monitor. */
        pthread_condattr_t ca;
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&m->cond, &ca);
        pthread_condattr_destroy(&ca);
        if (pthread_create(&m->thread, NULL, monitor_main, m) != 0) {
                ferry_strlist_free(m->tables, m->n);
                ferry_config_free(m->cfg);
                free(m);
                return FERRY_ERR_FATAL;
        }
        ferry_connector_set_data(c, m);
        FERRY_INFO("table monitor: %zu table(s), listed again every %lld ms", m->n,
                   (long long)ferry_config_get_long(m->cfg, "table.poll.interval.ms"));
        return FERRY_ERR_OK;
}

void jdbc_monitor_stop(ferry_connector_ctx_t *c)
{
        monitor_t *m = ferry_connector_data(c);
        if (!m)
                return;
        pthread_mutex_lock(&m->lock);
        m->stop = true;
        pthread_cond_signal(&m->cond);
        pthread_mutex_unlock(&m->lock);
        pthread_join(m->thread, NULL);
        pthread_mutex_destroy(&m->lock);
        pthread_cond_destroy(&m->cond);
        ferry_strlist_free(m->tables, m->n);
        ferry_config_free(m->cfg);
        free(m);
        ferry_connector_set_data(c, NULL);
}
