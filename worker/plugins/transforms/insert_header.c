/* InsertHeader (org.apache.kafka.connect.transforms.InsertHeader): adds a header `header` whose value
 * is `value.literal` parsed as Connect's Values.parseString does: true/false become booleans,
 * integers the smallest of int8..int64, decimals float32 (float64 beyond float range), anything
 * else a string. A step of the transform chain before the header converter. The parsed value is
 * immutable and shared by every record (ferry_value_ref), not copied per record. */
#include "../builtin.h"
#include "smt_util.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const ferry_config_def_t insert_header_config[] = {
        {.name = "header",
         .type = FERRY_CFG_STRING,
         .required = true,
         .importance = FERRY_IMPORTANCE_HIGH,
         .doc = "The name of the header."},
        {.name = "value.literal",
         .type = FERRY_CFG_STRING,
         .required = true,
         .importance = FERRY_IMPORTANCE_HIGH,
         .doc = "The literal value that is to be set as the header value on all records."},
        {.name = NULL},
};

typedef struct {
        char *header;
        ferry_schema_t *schema;
        ferry_value_t *value;
} insert_header_t;

/* Values.parseString for scalars; arrays, maps and dates stay strings here. */
static int parse_literal(const char *s, ferry_schema_t **schema, ferry_value_t **value)
{
        int64_t i;
        double d;
        ferry_type_t t = FERRY_TYPE_STRING;
        *value = NULL;
        if (!strcasecmp(s, "true") || !strcasecmp(s, "false")) {
                t = FERRY_TYPE_BOOLEAN;
                *value = ferry_value_bool(!strcasecmp(s, "true"));
        } else if (*s && (unsigned char)*s > ' ' && ferry_parse_int64(s, &i) == 0) {
                t = i >= INT8_MIN && i <= INT8_MAX     ? FERRY_TYPE_INT8
                    : i >= INT16_MIN && i <= INT16_MAX ? FERRY_TYPE_INT16
                    : i >= INT32_MIN && i <= INT32_MAX ? FERRY_TYPE_INT32
                                                       : FERRY_TYPE_INT64;
                *value = ferry_value_int(t, i);
        } else if (*s && (unsigned char)*s > ' ' && strpbrk(s, "0123456789") && !strpbrk(s, "NI") &&
                   ferry_parse_double(s, &d) == 0) {
                float f = (float)d;
                t = isinf(f) ? FERRY_TYPE_FLOAT64 : FERRY_TYPE_FLOAT32;
                *value = ferry_value_float(t, t == FERRY_TYPE_FLOAT32 ? (double)f : d);
        } else {
                *value = ferry_value_cstring(s);
        }
        *schema = ferry_schema_new(t);
        if (!*value || !*schema) {
                ferry_value_free(*value);
                ferry_schema_unref(*schema);
                return -1;
        }
        return 0;
}

static ferry_err_t insert_header_configure(void **state, const ferry_strmap_t *config, char *errstr,
                                           size_t errstr_size)
{
        if (smt_config_check(insert_header_config, config, errstr, errstr_size) < 0)
                return FERRY_ERR_INVALID_CONFIG;
        insert_header_t *h = calloc(1, sizeof(*h));
        if (!h || !(h->header = strdup(ferry_strmap_get(config, "header"))) ||
            parse_literal(ferry_strmap_get(config, "value.literal"), &h->schema, &h->value) < 0) {
                if (h)
                        free(h->header);
                free(h);
                return smt_nomem(errstr, errstr_size);
        }
        *state = h;
        return FERRY_ERR_OK;
}

static ferry_err_t insert_header_apply(void *state, ferry_record_t *rec, ferry_record_t **out, char *errstr,
                                       size_t errstr_size)
{
        insert_header_t *h = state;
        ferry_value_t *v = ferry_value_ref(h->value);
        if (ferry_record_add_header(rec, h->header, ferry_schema_ref(h->schema), v) < 0) {
                ferry_record_free(rec);
                *out = NULL;
                return smt_nomem(errstr, errstr_size);
        }
        *out = rec;
        return FERRY_ERR_OK;
}

static void insert_header_close(void *state)
{
        insert_header_t *h = state;
        if (!h)
                return;
        free(h->header);
        ferry_schema_unref(h->schema);
        ferry_value_free(h->value);
        free(h);
}

const ferry_transform_plugin_t ferry_smt_insert_header = {
        .info = SMT_INFO(SMT_NS "InsertHeader", insert_header_config, "Add a header to each record."),
        .configure = insert_header_configure,
        .apply = insert_header_apply,
        .close = insert_header_close,
};
