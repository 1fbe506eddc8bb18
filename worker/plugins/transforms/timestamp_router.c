/* TimestampRouter (org.apache.kafka.connect.transforms.TimestampRouter): renames the topic to
 * `topic.format` with ${topic} and ${timestamp} replaced, the record timestamp formatted with the
 * SimpleDateFormat pattern `timestamp.format` in UTC. Mostly used by sinks to write per-day
 * tables/indices; a step of the transform chain. */
#include "../builtin.h"
#include "smt_util.h"

#include <ferry/buf.h>
#include <ferry/datefmt.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int validate_format(const char *name, const char *value, char *errstr, size_t errstr_size)
{
        char msg[256];
        ferry_datefmt_t *f = ferry_datefmt_compile(value, msg, sizeof(msg));
        if (!f) {
                snprintf(errstr, errstr_size, "Invalid value %s for configuration %s: %s", value, name, msg);
                return -1;
        }
        ferry_datefmt_free(f);
        return 0;
}

static const ferry_config_def_t timestamp_router_config[] = {
        {.name = "topic.format",
         .type = FERRY_CFG_STRING,
         .default_value = "${topic}-${timestamp}",
         .importance = FERRY_IMPORTANCE_HIGH,
         .doc = "Format string which can contain <code>${topic}</code> and <code>${timestamp}</code> as "
                "placeholders for the topic and timestamp, respectively."},
        {.name = "timestamp.format",
         .type = FERRY_CFG_STRING,
         .default_value = "yyyyMMdd",
         .importance = FERRY_IMPORTANCE_HIGH,
         .validate = validate_format,
         .doc = "Format string for the timestamp that is compatible with "
                "<code>java.text.SimpleDateFormat</code>."},
        {.name = NULL},
};

typedef struct {
        char *topic_format;
        ferry_datefmt_t *fmt;
} timestamp_router_t;

static void timestamp_router_close(void *state)
{
        timestamp_router_t *t = state;
        if (!t)
                return;
        free(t->topic_format);
        ferry_datefmt_free(t->fmt);
        free(t);
}

static ferry_err_t timestamp_router_configure(void **state, const ferry_strmap_t *config, char *errstr,
                                              size_t errstr_size)
{
        if (smt_config_check(timestamp_router_config, config, errstr, errstr_size) < 0)
                return FERRY_ERR_INVALID_CONFIG;
        timestamp_router_t *t = calloc(1, sizeof(*t));
        if (!t)
                return smt_nomem(errstr, errstr_size);
        t->topic_format = strdup(ferry_config_str(timestamp_router_config, config, "topic.format"));
        t->fmt = ferry_datefmt_compile(ferry_config_str(timestamp_router_config, config, "timestamp.format"),
                                       errstr, errstr_size);
        if (!t->topic_format || !t->fmt) {
                timestamp_router_close(t);
                return smt_nomem(errstr, errstr_size);
        }
        *state = t;
        return FERRY_ERR_OK;
}

static ferry_err_t timestamp_router_apply(void *state, ferry_record_t *rec, ferry_record_t **out,
                                          char *errstr, size_t errstr_size)
{
        timestamp_router_t *t = state;
        ferry_err_t e;
        *out = NULL;
        if (rec->timestamp < 0) {
                e = smt_fail(errstr, errstr_size, "Timestamp missing on record: topic=%s, partition=%d",
                             rec->topic ? rec->topic : "null", (int)rec->partition);
                ferry_record_free(rec);
                return e;
        }
        char *ts = ferry_datefmt_format(t->fmt, rec->timestamp);
        ferry_buf_t b;
        ferry_buf_init(&b);
        for (const char *p = t->topic_format; ts && *p;) {
                if (!strncmp(p, "${topic}", 8)) {
                        ferry_buf_puts(&b, rec->topic ? rec->topic : "null");
                        p += 8;
                } else if (!strncmp(p, "${timestamp}", 12)) {
                        ferry_buf_puts(&b, ts);
                        p += 12;
                } else {
                        ferry_buf_putc(&b, *p++);
                }
        }
        int rc = ts ? ferry_buf_puts(&b, "") : -1;
        if (rc == 0)
                rc = ferry_record_set_topic(rec, b.p);
        free(ts);
        ferry_buf_free(&b);
        if (rc < 0) {
                ferry_record_free(rec);
                return smt_nomem(errstr, errstr_size);
        }
        *out = rec;
        return FERRY_ERR_OK;
}

const ferry_transform_plugin_t ferry_smt_timestamp_router = {
        .info = SMT_INFO(
                SMT_NS "TimestampRouter", timestamp_router_config,
                "Update the record's topic field as a function of the original topic value and the record "
                "timestamp.<p/>This is mainly useful for sink connectors, since the topic field is often "
                "used to determine the equivalent entity name in the destination system(e.g. database "
                "table or search index name)."),
        .configure = timestamp_router_configure,
        .apply = timestamp_router_apply,
        .close = timestamp_router_close,
};
