/* The offsets API shared by the herders (GET/PATCH/DELETE /connectors/{c}/offsets): source
 * offsets come from the worker's offset store, sink offsets from the connector's consumer group
 * (connect-<name>) through the admin API. Checks the request shape and the STOPPED rule the same
 * way whichever herder answers. */
#include "herder/herder.h"
#include "kafka/kafka.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void group_name(char *buf, size_t size, const char *connector)
{
        snprintf(buf, size, "connect-%s", connector);
}

/* The embedded cluster has no consumer-group offset administration, and librdkafka 2.0 aborts on
 * the failing request (issues #3663, #4605): refuse instead. */
static bool embedded_refuses(ferry_worker_t *w, char *errstr, size_t errstr_size)
{
        if (!w->embedded)
                return false;
        snprintf(errstr, errstr_size,
                 "Sink connector offsets cannot be read or changed on the embedded Kafka cluster; use a real "
                 "Kafka cluster");
        return true;
}

static ferry_herder_rc_t sink_offsets(ferry_worker_t *w, const char *name, ferry_value_t *list, char *errstr,
                                      size_t errstr_size)
{
        if (embedded_refuses(w, errstr, errstr_size))
                return FERRY_HERDER_ERROR;
        char group[512];
        group_name(group, sizeof(group), name);
        rd_kafka_topic_partition_list_t *parts = NULL;
        if (ferry_kafka_group_offsets(&w->config, group, &parts, errstr, errstr_size) < 0)
                return FERRY_HERDER_ERROR;
        for (int i = 0; i < parts->cnt; i++) {
                if (parts->elems[i].offset < 0)
                        continue;
                ferry_value_t *item = ferry_value_map(), *p = ferry_value_map(), *o = ferry_value_map();
                ferry_map_put_str(p, "kafka_topic", ferry_value_cstring(parts->elems[i].topic));
                ferry_map_put_str(p, "kafka_partition",
                                  ferry_value_int(FERRY_TYPE_INT32, parts->elems[i].partition));
                ferry_map_put_str(o, "kafka_offset",
                                  ferry_value_int(FERRY_TYPE_INT64, parts->elems[i].offset));
                ferry_map_put_str(item, "partition", p);
                ferry_map_put_str(item, "offset", o);
                ferry_array_append(list, item);
        }
        rd_kafka_topic_partition_list_destroy(parts);
        return FERRY_HERDER_OK;
}

ferry_herder_rc_t ferry_herder_offsets_get(ferry_worker_t *w, const char *name, bool sink,
                                           ferry_value_t **out, char *errstr, size_t errstr_size)
{
        ferry_value_t *list = NULL;
        ferry_herder_rc_t rc = FERRY_HERDER_OK;
        if (sink) {
                list = ferry_value_array();
                rc = sink_offsets(w, name, list, errstr, errstr_size);
        } else {
                list = ferry_offsets_list(w->offsets, name);
        }
        if (rc != FERRY_HERDER_OK || !list) {
                ferry_value_free(list);
                return rc == FERRY_HERDER_OK ? FERRY_HERDER_ERROR : rc;
        }
        *out = ferry_value_map();
        ferry_map_put_str(*out, "offsets", list);
        return FERRY_HERDER_OK;
}

static bool is_int(const ferry_value_t *v)
{
        return v && v->type <= FERRY_TYPE_INT64;
}

/* Sink offsets: partitions {"kafka_topic","kafka_partition"}, offsets {"kafka_offset"} or null. */
static ferry_herder_rc_t alter_sink(ferry_worker_t *w, const char *name, const ferry_value_t *items,
                                    char *errstr, size_t errstr_size)
{
        if (embedded_refuses(w, errstr, errstr_size))
                return FERRY_HERDER_ERROR;
        char group[512];
        group_name(group, sizeof(group), name);
        if (!items)
                return ferry_kafka_group_delete(&w->config, group, errstr, errstr_size) < 0
                               ? FERRY_HERDER_ERROR
                               : FERRY_HERDER_OK;
        rd_kafka_topic_partition_list_t *alter = rd_kafka_topic_partition_list_new(4);
        rd_kafka_topic_partition_list_t *del = rd_kafka_topic_partition_list_new(4);
        ferry_herder_rc_t rc = FERRY_HERDER_OK;
        for (size_t i = 0; i < items->u.a.n && rc == FERRY_HERDER_OK; i++) {
                const ferry_value_t *item = items->u.a.items[i];
                const ferry_value_t *p = ferry_map_get_str(item, "partition");
                const ferry_value_t *o = ferry_map_get_str(item, "offset");
                const ferry_value_t *topic =
                        p && p->type == FERRY_TYPE_MAP ? ferry_map_get_str(p, "kafka_topic") : NULL;
                const ferry_value_t *part =
                        p && p->type == FERRY_TYPE_MAP ? ferry_map_get_str(p, "kafka_partition") : NULL;
                const ferry_value_t *off =
                        o && o->type == FERRY_TYPE_MAP ? ferry_map_get_str(o, "kafka_offset") : NULL;
                if (!topic || topic->type != FERRY_TYPE_STRING) {
                        snprintf(errstr, errstr_size, "Kafka topic names must be valid strings");
                        rc = FERRY_HERDER_INVALID;
                } else if (!is_int(part)) {
                        snprintf(errstr, errstr_size, "Kafka partitions must be valid numbers");
                        rc = FERRY_HERDER_INVALID;
                } else if (o && !is_int(off)) {
                        snprintf(errstr, errstr_size, "Kafka offsets must be valid numbers");
                        rc = FERRY_HERDER_INVALID;
                } else if (o && off->u.i < 0) {
                        snprintf(errstr, errstr_size, "Kafka offsets must be non-negative");
                        rc = FERRY_HERDER_INVALID;
                } else if (o) {
                        rd_kafka_topic_partition_list_add(alter, topic->u.s.data, (int32_t)part->u.i)
                                ->offset = off->u.i;
                } else {
                        rd_kafka_topic_partition_list_add(del, topic->u.s.data, (int32_t)part->u.i);
                }
        }
        if (rc == FERRY_HERDER_OK &&
            ferry_kafka_group_alter(&w->config, group, alter, del, errstr, errstr_size) < 0)
                rc = FERRY_HERDER_ERROR;
        rd_kafka_topic_partition_list_destroy(alter);
        rd_kafka_topic_partition_list_destroy(del);
        return rc;
}

static ferry_herder_rc_t alter_source(ferry_offsets_t *store, const char *name, const ferry_value_t *items,
                                      char *errstr, size_t errstr_size)
{
        ferry_value_t *all = items ? NULL : ferry_offsets_list(store, name);
        const ferry_value_t *src = items ? items : all;
        size_t n = src ? src->u.a.n : 0;
        ferry_value_t **parts = calloc(n + 1, sizeof(*parts)), **offs = calloc(n + 1, sizeof(*offs));
        ferry_herder_rc_t rc = parts && offs ? FERRY_HERDER_OK : FERRY_HERDER_ERROR;
        for (size_t i = 0; i < n && rc == FERRY_HERDER_OK; i++) {
                ferry_value_t *p = ferry_map_get_str(src->u.a.items[i], "partition");
                ferry_value_t *o = items ? ferry_map_get_str(src->u.a.items[i], "offset") : NULL;
                if (!p || p->type != FERRY_TYPE_MAP) {
                        snprintf(errstr, errstr_size, "Partitions must be JSON objects");
                        rc = FERRY_HERDER_INVALID;
                } else if (o && o->type != FERRY_TYPE_MAP) {
                        snprintf(errstr, errstr_size, "Offsets must be JSON objects or null");
                        rc = FERRY_HERDER_INVALID;
                }
                parts[i] = p;
                offs[i] = o;
        }
        if (rc == FERRY_HERDER_OK && n > 0 &&
            ferry_offsets_commit(store, name, parts, offs, n, errstr, errstr_size) < 0)
                rc = FERRY_HERDER_ERROR;
        free(parts);
        free(offs);
        ferry_value_free(all);
        return rc;
}

ferry_herder_rc_t ferry_herder_offsets_alter(ferry_worker_t *w, const char *name, bool sink, bool stopped,
                                             const ferry_value_t *doc, char *errstr, size_t errstr_size)
{
        if (!stopped) {
                snprintf(errstr, errstr_size,
                         "Connectors must be in the STOPPED state before their offsets can be modified. This "
                         "can be "
                         "done for the specified connector by issuing a 'PUT' request to the "
                         "'/connectors/%s/stop' "
                         "endpoint",
                         name);
                return FERRY_HERDER_INVALID;
        }
        const ferry_value_t *items = NULL;
        if (doc) {
                items = doc->type == FERRY_TYPE_MAP ? ferry_map_get_str(doc, "offsets") : NULL;
                if (!items || items->type != FERRY_TYPE_ARRAY || items->u.a.n == 0) {
                        snprintf(errstr, errstr_size,
                                 "The offsets to be altered must be a non-empty \"offsets\" list");
                        return FERRY_HERDER_INVALID;
                }
                for (size_t i = 0; i < items->u.a.n; i++) {
                        if (!items->u.a.items[i] || items->u.a.items[i]->type != FERRY_TYPE_MAP ||
                            !ferry_map_get_str(items->u.a.items[i], "partition")) {
                                snprintf(errstr, errstr_size,
                                         "Each offset entry must have a \"partition\" object");
                                return FERRY_HERDER_INVALID;
                        }
                }
        }
        return sink ? alter_sink(w, name, items, errstr, errstr_size)
                    : alter_source(w->offsets, name, items, errstr, errstr_size);
}

ferry_herder_rc_t ferry_herder_offsets_alter_source(ferry_offsets_t *store, const char *name,
                                                    const ferry_value_t *doc, char *errstr,
                                                    size_t errstr_size)
{
        const ferry_value_t *items =
                doc && doc->type == FERRY_TYPE_MAP ? ferry_map_get_str(doc, "offsets") : NULL;
        return alter_source(store, name, items, errstr, errstr_size);
}
