/* The Lenses (stream-reactor) MQTT connectors: their KCQL statements as the tasks use them, and
 * the config helpers both the connector side (mqtt_lenses.c: config tables, validation, task
 * split) and the task side (mqtt_lenses_task.c: source record builder, sink put) share. */
#ifndef FERRY_MQTT_LENSES_H
#define FERRY_MQTT_LENSES_H

#include "mqtt_lenses_convert.h"
#include "shared/kcql.h"

#include <ferry/config.h>
#include <ferry/connector.h>
#include <ferry/regex.h>

/* One KCQL statement, checked and ready for a task. */
typedef struct {
        const ferry_kcql_stmt_t *stmt;
        const char *filter; /* source: the subscription as written ("$share/g/a/#" included) */
        const char *match;  /* source: the filter without its "$share/<group>/" prefix */
        bool dollar;        /* source: INSERT INTO $ */
        lenses_conv_t conv; /* source */
        lenses_keys_t keys; /* source: WITHKEY / KEYDELIMITER */
        bool has_regex;     /* source: WITHREGEX */
        ferry_regex_t regex;
        bool raw_bytes;  /* sink: WITHCONVERTER = sink BytesConverter (publish the value's bytes) */
        bool to_key;     /* sink: INSERT INTO _key */
        bool all_fields; /* sink: SELECT * */
} lenses_stmt_t;

typedef struct {
        ferry_kcql_t *kcql;
        lenses_stmt_t *stmts;
        size_t n;
} lenses_kcql_t;

/* Parses and checks the KCQL of a source (true) or sink; -1 with errstr naming what is wrong. */
int lenses_kcql_build(const char *text, bool source, bool lenses_package, lenses_kcql_t *out, char *errstr,
                      size_t errstr_size);
void lenses_kcql_free(lenses_kcql_t *k);

/* The value of key, or of its legacy spelling when only that is set (NULL when neither). */
const char *lenses_raw(const ferry_strmap_t *config, const char *key, const char *legacy);
const char *lenses_kcql_text(const ferry_strmap_t *config);

/* The client id of a task: connect.mqtt.client.id as the task config carries it, else
 * "<connector>-<task>", stable across restarts. */
void lenses_client_id(ferry_task_t *t, const ferry_config_t *c, char *out, size_t out_size);

/* Both config tables; task start parses with them. */
extern const ferry_config_def_t lenses_source_config[];
extern const ferry_config_def_t lenses_sink_config[];

/* Effective value of a key that has a legacy spelling. */
bool lenses_get_bool(const ferry_config_t *c, const char *key, const char *legacy);
int32_t lenses_get_int(const ferry_config_t *c, const char *key, const char *legacy);

ferry_err_t lenses_source_start(ferry_task_t *t, const ferry_strmap_t *config, bool lenses_package,
                                char *errstr, size_t errstr_size);
ferry_err_t lenses_sink_start(ferry_task_t *t, const ferry_strmap_t *config, char *errstr,
                              size_t errstr_size);
ferry_err_t lenses_sink_put(ferry_task_t *t, ferry_record_t *const *recs, size_t n, char *errstr,
                            size_t errstr_size);

#endif
