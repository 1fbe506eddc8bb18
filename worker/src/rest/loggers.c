/* REST resource "/admin/loggers": log levels. Ferry has one process-wide threshold (log.c,
 * ferry_log_set_level), shown as the "root" logger; setting "root" changes it. Any other logger
 * name is accepted and its level recorded and reported back (as Connect does for log4j loggers),
 * but it does not change what Ferry logs: only root does (docs/rest.md). The recorded levels live
 * in the API's state (core/log_levels.c); this file turns requests into calls on it. */
#include "rest/api.h"

#include "core/log_levels.h"

#include <ferry/log.h>

#include <stdlib.h>
#include <strings.h>

static void write_level(ferry_jw_t *j, const ferry_log_level_entry_t *e)
{
        ferry_jw_obj(j);
        ferry_jw_kv(j, "level", e->level);
        ferry_jw_key(j, "last_modified");
        if (e->last_modified < 0)
                ferry_jw_null(j);
        else
                ferry_jw_int(j, e->last_modified);
        ferry_jw_end_obj(j);
}

static void list_loggers(ferry_rest_call_t *c)
{
        ferry_log_level_entry_t *e;
        size_t n;
        if (ferry_log_levels_list(ferry_rest_api_loggers(c->api), &e, &n) < 0) {
                ferry_rest_error(c, 500, "out of memory");
                return;
        }
        ferry_jw_t j;
        ferry_jw_init(&j);
        ferry_jw_obj(&j);
        for (size_t i = 0; i < n; i++) {
                ferry_jw_key(&j, e[i].name);
                write_level(&j, &e[i]);
        }
        ferry_jw_end_obj(&j);
        ferry_log_levels_entries_free(e, n);
        ferry_rest_reply_json(c, 200, &j);
}

static void get_logger(ferry_rest_call_t *c)
{
        const char *name = c->params[0];
        ferry_log_level_entry_t e;
        if (!ferry_log_levels_get(ferry_rest_api_loggers(c->api), name, &e)) {
                ferry_rest_error(c, 404, "Logger %s not found.", name);
                return;
        }
        ferry_jw_t j;
        ferry_jw_init(&j);
        write_level(&j, &e);
        ferry_rest_reply_json(c, 200, &j);
}

static void set_logger(ferry_rest_call_t *c)
{
        const char *name = c->params[0];
        json_object *jl = NULL;
        if (!json_object_object_get_ex(c->body, "level", &jl) || json_object_is_type(jl, json_type_null)) {
                ferry_rest_error(c, 400, "Desired 'level' parameter was not specified in request.");
                return;
        }
        const char *given = json_object_get_string(jl);
        const char *level =
                json_object_is_type(jl, json_type_string) ? ferry_log_levels_canonical(given) : NULL;
        if (!level) {
                ferry_rest_error(c, 404, "invalid log level '%s'.", given);
                return;
        }
        char *scope = ferry_rest_query(c, "scope", 0);
        bool cluster = scope && !strcasecmp(scope, "cluster");
        if (scope && !cluster && strcasecmp(scope, "worker"))
                FERRY_WARN("Received invalid scope '%s' in request to adjust logging level; will default to "
                           "worker",
                           scope);
        free(scope);
        FERRY_INFO("Setting level of namespace %s and children to %s", name, level);
        char **affected = NULL;
        size_t n_affected = 0;
        if (ferry_log_levels_set(ferry_rest_api_loggers(c->api), name, level, &affected, &n_affected) < 0) {
                ferry_rest_error(c, 500, "out of memory");
                return;
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
