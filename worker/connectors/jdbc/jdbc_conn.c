/* Choosing the dialect of a JDBC URL (or of dialect.name) and opening a connection with Confluent's
 * connection.attempts and connection.backoff.ms; the source and sink tasks connect through here. */
#include "jdbc.h"

#include <ferry/log.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

const jdbc_dialect_t *jdbc_dialect_for(const jdbc_url_t *u, const char *name, char *errstr,
                                       size_t errstr_size)
{
        const jdbc_dialect_t *d = NULL;
        switch (u->kind) {
        case JDBC_DB_POSTGRES:
                d = &jdbc_dialect_postgres;
                break;
        case JDBC_DB_SQLITE:
                d = &jdbc_dialect_sqlite;
                break;
        case JDBC_DB_MYSQL:
                d = &jdbc_dialect_mysql;
                break;
        }
        if (name && *name && strcasecmp(name, d->name) != 0) {
                snprintf(errstr, errstr_size, "dialect.name %s does not match the JDBC URL (%s)", name,
                         d->name);
                return NULL;
        }
        return d;
}

int jdbc_connect(const jdbc_dialect_t *d, const char *url, const char *user, const char *password,
                 const char *tz, int attempts, int64_t backoff_ms, ferry_task_t *t, jdbc_conn_t **out,
                 char *errstr, size_t errstr_size)
{
        jdbc_url_t u;
        if (jdbc_url_parse(url, &u, errstr, errstr_size) < 0)
                return -1;
        int rc = -1;
        for (int i = 1; i <= (attempts < 1 ? 1 : attempts); i++) {
                if (d->connect(&u, user, password, tz, out, errstr, errstr_size) == 0) {
                        rc = 0;
                        break;
                }
                FERRY_WARN("connection attempt %d of %d to the database failed: %s", i, attempts, errstr);
                if (i < attempts) {
                        bool stop = false;
                        for (int64_t left = backoff_ms; left > 0 && !stop; left -= 1000)
                                stop = t ? ferry_task_wait(t, (int)(left > 1000 ? 1000 : left)) : false;
                        if (stop)
                                break;
                }
        }
        jdbc_url_free(&u);
        return rc;
}

int jdbc_set_isolation(const jdbc_dialect_t *d, jdbc_conn_t *c, const char *mode, char *errstr,
                       size_t errstr_size)
{
        static const struct {
                const char *mode, *sql;
        } levels[] = {
                {"READ_UNCOMMITTED", "READ UNCOMMITTED"},
                {"READ_COMMITTED", "READ COMMITTED"},
                {"REPEATABLE_READ", "REPEATABLE READ"},
                {"SERIALIZABLE", "SERIALIZABLE"},
        };
        if (!mode || !*mode || !strcasecmp(mode, "DEFAULT"))
                return 0;
        const char *level = NULL;
        for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
                if (!strcasecmp(mode, levels[i].mode))
                        level = levels[i].sql;
        /* SQLite (as sqlite-jdbc) has READ_UNCOMMITTED (shared cache) and SERIALIZABLE, its default. */
        if (d->kind == JDBC_DB_SQLITE && level && !strcmp(level, "READ UNCOMMITTED"))
                return d->query(c, "PRAGMA read_uncommitted = 1", NULL, 0, NULL, errstr, errstr_size);
        if (!level || (d->kind == JDBC_DB_SQLITE && strcmp(level, "SERIALIZABLE") != 0)) {
                FERRY_WARN("Transaction isolation level %s is not supported by the database %s; using the "
                           "default isolation level",
                           mode, d->name);
                return 0;
        }
        if (d->kind == JDBC_DB_SQLITE)
                return 0;
        char sql[96];
        snprintf(sql, sizeof(sql), "%s TRANSACTION ISOLATION LEVEL %s",
                 d->kind == JDBC_DB_POSTGRES ? "SET SESSION CHARACTERISTICS AS" : "SET SESSION", level);
        return d->query(c, sql, NULL, 0, NULL, errstr, errstr_size);
}
