/* Source topic creation (topic_creation.h): reads a source connector's topic.creation.* groups and,
 * in the source task runner just before the first record goes to a topic, creates that topic through
 * the admin API with the matching group's partitions, replication factor and topic configs. Data
 * flow: poll -> transforms -> converters -> [create topic once] -> producer. */
#include "kafka/topic_creation.h"

#include <ferry/log.h>
#include <ferry/regex.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PREFIX "topic.creation."

typedef struct {
        char *name;
        ferry_regex_t *include, *exclude;
        size_t n_include, n_exclude;
        int partitions, rf;
        ferry_strmap_t configs; /* topic configs (cleanup.policy, ...) */
} group_t;

struct ferry_topic_creation {
        group_t *groups; /* declared groups in order, then "default" */
        size_t n;
        ferry_embedded_kafka_t *embedded; /* create there directly: it has no controller */
        char **done;                      /* topics created or found */
        size_t n_done;
};

static bool group_key(const char *rest)
{
        return !strcmp(rest, "include") || !strcmp(rest, "exclude") || !strcmp(rest, "replication.factor") ||
               !strcmp(rest, "partitions");
}

static const char *get(const ferry_strmap_t *c, const char *group, const char *key)
{
        char k[512];
        snprintf(k, sizeof(k), PREFIX "%s.%s", group, key);
        return ferry_strmap_get(c, k);
}

static bool uses_creation(const ferry_strmap_t *c)
{
        for (size_t i = 0; i < c->n; i++)
                if (!strncmp(c->kv[i].key, PREFIX, strlen(PREFIX)))
                        return true;
        return false;
}

static void check_number(const ferry_strmap_t *c, const char *group, const char *key, bool required,
                         ferry_cfg_errors_t *errs)
{
        char full[512];
        snprintf(full, sizeof(full), PREFIX "%s.%s", group, key);
        const char *v = ferry_strmap_get(c, full);
        if (!v) {
                if (required)
                        ferry_cfg_errors_add(errs, full,
                                             "Missing required configuration \"%s\" which has no "
                                             "default value.",
                                             full);
                return;
        }
        int64_t n;
        if (ferry_parse_int64(v, &n) < 0 || n > INT32_MAX)
                ferry_cfg_errors_add(errs, full,
                                     "Invalid value %s for configuration %s: Not a number of type INT", v,
                                     full);
        else if (n == 0 || n < -1)
                ferry_cfg_errors_add(
                        errs, full,
                        "Invalid value %s for configuration %s: %s must be positive, or -1 to use "
                        "the broker's default",
                        v, full, !strcmp(key, "partitions") ? "Number of partitions" : "Replication factor");
}

static void check_regexes(const ferry_strmap_t *c, const char *group, const char *key,
                          ferry_cfg_errors_t *errs)
{
        const char *v = get(c, group, key);
        if (!v)
                return;
        size_t n;
        char **list = ferry_split_list(v, &n);
        for (size_t i = 0; i < n; i++) {
                ferry_regex_t re;
                char err[512];
                if (ferry_regex_compile(&re, list[i], err, sizeof(err)) < 0) {
                        char full[512];
                        snprintf(full, sizeof(full), PREFIX "%s.%s", group, key);
                        ferry_cfg_errors_add(errs, full, "Invalid value %s for configuration %s: %s", list[i],
                                             full, err);
                } else {
                        ferry_regex_free(&re);
                }
        }
        ferry_strlist_free(list, n);
}

void ferry_topic_creation_validate(const ferry_strmap_t *config, ferry_cfg_errors_t *errs)
{
        if (!uses_creation(config))
                return;
        check_number(config, "default", "replication.factor", true, errs);
        check_number(config, "default", "partitions", true, errs);
        size_t n;
        char **groups = ferry_split_list(ferry_strmap_get(config, PREFIX "groups"), &n);
        for (size_t i = 0; i < n; i++) {
                if (!strcmp(groups[i], "default"))
                        continue;
                check_number(config, groups[i], "replication.factor", false, errs);
                check_number(config, groups[i], "partitions", false, errs);
                check_regexes(config, groups[i], "include", errs);
                check_regexes(config, groups[i], "exclude", errs);
        }
        ferry_strlist_free(groups, n);
}

static ferry_regex_t *compile_list(const char *v, size_t *n_out)
{
        size_t n;
        char **list = ferry_split_list(v, &n);
        ferry_regex_t *out = calloc(n ? n : 1, sizeof(*out));
        *n_out = 0;
        for (size_t i = 0; out && i < n; i++) {
                char err[256];
                if (ferry_regex_compile(&out[*n_out], list[i], err, sizeof(err)) == 0)
                        (*n_out)++;
        }
        ferry_strlist_free(list, n);
        return out;
}

static int number(const char *v, int dflt)
{
        int64_t n;
        return v && ferry_parse_int64(v, &n) == 0 ? (int)n : dflt;
}

static void group_init(group_t *g, const ferry_strmap_t *c, const char *name, const group_t *dflt)
{
        g->name = strdup(name);
        bool is_default = dflt == NULL;
        if (!is_default) {
                g->include = compile_list(get(c, name, "include"), &g->n_include);
                g->exclude = compile_list(get(c, name, "exclude"), &g->n_exclude);
        }
        g->rf = number(get(c, name, "replication.factor"), dflt ? dflt->rf : -1);
        g->partitions = number(get(c, name, "partitions"), dflt ? dflt->partitions : -1);
        ferry_strmap_init(&g->configs);
        char prefix[512];
        snprintf(prefix, sizeof(prefix), PREFIX "%s.", name);
        ferry_strmap_t sub;
        ferry_strmap_init(&sub);
        ferry_strmap_sub(&sub, c, prefix);
        /* Topic configs: the default group's, overridden by the group's own. */
        if (dflt)
                ferry_strmap_copy(&g->configs, &dflt->configs);
        for (size_t i = 0; i < sub.n; i++)
                if (!group_key(sub.kv[i].key))
                        ferry_strmap_set(&g->configs, sub.kv[i].key, sub.kv[i].value);
        ferry_strmap_free(&sub);
}

static void group_free(group_t *g)
{
        for (size_t i = 0; i < g->n_include; i++)
                ferry_regex_free(&g->include[i]);
        for (size_t i = 0; i < g->n_exclude; i++)
                ferry_regex_free(&g->exclude[i]);
        free(g->include);
        free(g->exclude);
        ferry_strmap_free(&g->configs);
        free(g->name);
}

ferry_topic_creation_t *ferry_topic_creation_new(const ferry_strmap_t *worker, const ferry_strmap_t *config)
{
        const char *en = ferry_strmap_get(worker, "topic.creation.enable");
        bool enabled = true;
        if (en)
                ferry_parse_bool(en, &enabled);
        if (!enabled || !uses_creation(config) || !get(config, "default", "replication.factor"))
                return NULL;
        size_t n;
        char **names = ferry_split_list(ferry_strmap_get(config, PREFIX "groups"), &n);
        ferry_topic_creation_t *tc = calloc(1, sizeof(*tc));
        if (!tc || !(tc->groups = calloc(n + 1, sizeof(*tc->groups)))) {
                free(tc);
                ferry_strlist_free(names, n);
                return NULL;
        }
        group_t dflt = {0};
        group_init(&dflt, config, "default", NULL);
        for (size_t i = 0; i < n; i++)
                if (strcmp(names[i], "default"))
                        group_init(&tc->groups[tc->n++], config, names[i], &dflt);
        tc->groups[tc->n++] = dflt;
        ferry_strlist_free(names, n);
        return tc;
}

void ferry_topic_creation_free(ferry_topic_creation_t *tc)
{
        if (!tc)
                return;
        for (size_t i = 0; i < tc->n; i++)
                group_free(&tc->groups[i]);
        free(tc->groups);
        for (size_t i = 0; i < tc->n_done; i++)
                free(tc->done[i]);
        free(tc->done);
        free(tc);
}

static const group_t *match(const ferry_topic_creation_t *tc, const char *topic)
{
        for (size_t i = 0; i + 1 < tc->n; i++) {
                const group_t *g = &tc->groups[i];
                bool in = false, out = false;
                for (size_t k = 0; k < g->n_include && !in; k++)
                        in = ferry_regex_matches(&g->include[k], topic, NULL, 0);
                for (size_t k = 0; in && k < g->n_exclude && !out; k++)
                        out = ferry_regex_matches(&g->exclude[k], topic, NULL, 0);
                if (in && !out)
                        return g;
        }
        return &tc->groups[tc->n - 1];
}

void ferry_topic_creation_use_embedded(ferry_topic_creation_t *tc, ferry_embedded_kafka_t *k)
{
        if (tc)
                tc->embedded = k;
}

static void done_add(ferry_topic_creation_t *tc, const char *topic)
{
        char **nd = realloc(tc->done, (tc->n_done + 1) * sizeof(*nd));
        if (nd) {
                tc->done = nd;
                tc->done[tc->n_done++] = strdup(topic);
        }
}

int ferry_topic_creation_ensure(ferry_topic_creation_t *tc, rd_kafka_t *rk, const char *topic, char *errstr,
                                size_t errstr_size)
{
        if (!tc)
                return 0;
        for (size_t i = 0; i < tc->n_done; i++)
                if (!strcmp(tc->done[i], topic))
                        return 0;
        const group_t *g = match(tc, topic);
        char err[512];
        if (tc->embedded) {
                bool created;
                if (ferry_embedded_kafka_create_topic(tc->embedded, topic, g->partitions, g->rf, &created,
                                                      err, sizeof(err)) < 0) {
                        snprintf(errstr, errstr_size, "cannot create topic '%s': %s", topic, err);
                        return -1;
                }
                if (created)
                        FERRY_INFO(
                                "Created topic '%s' (group %s: %d partition(s), replication factor %d; the "
                                "embedded broker ignores topic configs)",
                                topic, g->name, g->partitions > 0 ? g->partitions : 1, g->rf > 0 ? g->rf : 1);
                done_add(tc, topic);
                return 0;
        }
        rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(topic, g->partitions, g->rf, err, sizeof(err));
        if (!nt) {
                snprintf(errstr, errstr_size, "cannot create topic '%s': %s", topic, err);
                return -1;
        }
        for (size_t i = 0; i < g->configs.n; i++)
                rd_kafka_NewTopic_set_config(nt, g->configs.kv[i].key, g->configs.kv[i].value);
        rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
        rd_kafka_AdminOptions_t *opts = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
        rd_kafka_AdminOptions_set_request_timeout(opts, 30000, NULL, 0);
        rd_kafka_CreateTopics(rk, &nt, 1, opts, q);
        rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 60000);
        int rc = 0;
        if (!ev) {
                snprintf(errstr, errstr_size, "timed out creating topic '%s'", topic);
                rc = -1;
        } else if (rd_kafka_event_error(ev)) {
                snprintf(errstr, errstr_size, "cannot create topic '%s': %s", topic,
                         rd_kafka_event_error_string(ev));
                rc = -1;
        } else {
                size_t n;
                const rd_kafka_topic_result_t **res =
                        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
                for (size_t i = 0; i < n; i++) {
                        rd_kafka_resp_err_t e = rd_kafka_topic_result_error(res[i]);
                        if (e == RD_KAFKA_RESP_ERR_NO_ERROR)
                                FERRY_INFO(
                                        "Created topic '%s' (group %s: %d partition(s), replication factor "
                                        "%d)",
                                        topic, g->name, g->partitions, g->rf);
                        else if (e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
                                FERRY_DEBUG("Topic '%s' already exists", topic);
                        else {
                                snprintf(errstr, errstr_size, "cannot create topic '%s': %s", topic,
                                         rd_kafka_topic_result_error_string(res[i]));
                                rc = -1;
                        }
                }
        }
        if (ev)
                rd_kafka_event_destroy(ev);
        rd_kafka_AdminOptions_destroy(opts);
        rd_kafka_NewTopic_destroy(nt);
        rd_kafka_queue_destroy(q);
        if (rc == 0)
                done_add(tc, topic);
        return rc;
}
