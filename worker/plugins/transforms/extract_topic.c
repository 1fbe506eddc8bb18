/* ExtractTopic$Key / ExtractTopic$Value (io.confluent.connect.transforms.ExtractTopic, from
 * Confluent's connect-transforms): sets the record's topic from a string field of the key or value
 * (struct or schemaless map), or from the whole key/value when `field` is empty. With
 * skip.missing.or.null a missing or null field leaves the record unchanged; otherwise it fails. */
#include "../builtin.h"
#include "smt_util.h"

#include <stdlib.h>
#include <string.h>

static const ferry_config_def_t extract_topic_config[] = {
        {.name = "field",
         .type = FERRY_CFG_STRING,
         .default_value = "",
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .doc = "The field name to use as the topic. If not specified, the whole key or value is used, and "
                "it "
                "must be a string."},
        {.name = "skip.missing.or.null",
         .type = FERRY_CFG_BOOLEAN,
         .default_value = "false",
         .importance = FERRY_IMPORTANCE_LOW,
         .doc = "How to handle missing fields and null fields. If true, records with a missing or null field "
                "are passed through unchanged; if false, the transformation fails."},
        {.name = NULL},
};

typedef struct {
        smt_side_t side;
        char *field; /* NULL: whole key/value */
        bool skip;
} extract_topic_t;

static ferry_err_t extract_topic_configure(void **state, const ferry_strmap_t *config, smt_side_t side,
                                           char *errstr, size_t errstr_size)
{
        if (smt_config_check(extract_topic_config, config, errstr, errstr_size) < 0)
                return FERRY_ERR_INVALID_CONFIG;
        extract_topic_t *x = calloc(1, sizeof(*x));
        if (!x)
                return smt_nomem(errstr, errstr_size);
        const char *field = ferry_config_str(extract_topic_config, config, "field");
        if (field && *field && !(x->field = strdup(field))) {
                free(x);
                return smt_nomem(errstr, errstr_size);
        }
        x->side = side;
        x->skip = ferry_config_bool(extract_topic_config, config, "skip.missing.or.null");
        *state = x;
        return FERRY_ERR_OK;
}

static void extract_topic_close(void *state)
{
        extract_topic_t *x = state;
        if (x)
                free(x->field);
        free(x);
}

static ferry_err_t extract_topic_apply(void *state, ferry_record_t *rec, ferry_record_t **out, char *errstr,
                                       size_t errstr_size)
{
        extract_topic_t *x = state;
        const char *side = x->side == SMT_KEY ? "key" : "value";
        ferry_value_t *value = smt_value(rec, x->side);
        const ferry_value_t *topic = value;
        bool missing = false;
        ferry_err_t e;
        *out = rec;
        if (x->field) {
                if (value && value->type == FERRY_TYPE_STRUCT) {
                        const ferry_field_t *f = ferry_schema_field(value->u.st.schema, x->field);
                        missing = !f;
                        topic = f ? value->u.st.fields[f->index] : NULL;
                } else if (value && value->type == FERRY_TYPE_MAP) {
                        topic = ferry_map_get_str(value, x->field);
                } else if (value) {
                        e = smt_fail(errstr, errstr_size,
                                     "ExtractTopic: the record %s must be a Struct or a Map to extract field "
                                     "'%s', "
                                     "found: %s",
                                     side, x->field, smt_class_name(value));
                        goto fail;
                } else {
                        topic = NULL;
                }
        }
        if (!topic) {
                if (x->skip)
                        return FERRY_ERR_OK;
                if (x->field)
                        e = smt_fail(errstr, errstr_size, "ExtractTopic: field '%s' is %s in the record %s",
                                     x->field, missing ? "missing" : "null or missing", side);
                else
                        e = smt_fail(errstr, errstr_size, "ExtractTopic: the record %s is null", side);
                goto fail;
        }
        if (topic->type != FERRY_TYPE_STRING) {
                e = smt_fail(errstr, errstr_size,
                             "ExtractTopic: the topic %s%s%s must be a string, found: %s",
                             x->field ? "field '" : side, x->field ? x->field : "", x->field ? "'" : "",
                             smt_class_name(topic));
                goto fail;
        }
        if (ferry_record_set_topic(rec, topic->u.s.data) < 0) {
                e = smt_nomem(errstr, errstr_size);
                goto fail;
        }
        return FERRY_ERR_OK;
fail:
        ferry_record_free(rec);
        *out = NULL;
        return e;
}

SMT_KV_PLUGINS(ferry_smt_extract_topic, extract_topic, "io.confluent.connect.transforms.ExtractTopic",
               extract_topic_config,
               "Replace the record topic with a new topic derived from its key or value.");
