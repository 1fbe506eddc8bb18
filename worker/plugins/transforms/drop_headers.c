/* DropHeaders (org.apache.kafka.connect.transforms.DropHeaders): removes every header whose key is
 * in `headers`. A step of the transform chain; headers then go to the header converter (source) or
 * the sink task (sink). */
#include "../builtin.h"
#include "smt_util.h"

#include <stdlib.h>
#include <string.h>

static const ferry_config_def_t drop_headers_config[] = {
        {.name = "headers",
         .type = FERRY_CFG_LIST,
         .required = true,
         .non_empty = true,
         .importance = FERRY_IMPORTANCE_HIGH,
         .doc = "The name of the headers to be removed."},
        {.name = NULL},
};

typedef struct {
        char **names;
        size_t n;
} drop_headers_t;

static ferry_err_t drop_headers_configure(void **state, const ferry_strmap_t *config, char *errstr,
                                          size_t errstr_size)
{
        if (smt_config_check(drop_headers_config, config, errstr, errstr_size) < 0)
                return FERRY_ERR_INVALID_CONFIG;
        drop_headers_t *d = calloc(1, sizeof(*d));
        if (!d || !(d->names = ferry_config_list(drop_headers_config, config, "headers", &d->n))) {
                free(d);
                return smt_nomem(errstr, errstr_size);
        }
        *state = d;
        return FERRY_ERR_OK;
}

static bool dropped(const drop_headers_t *d, const char *key)
{
        for (size_t i = 0; i < d->n; i++)
                if (!strcmp(d->names[i], key))
                        return true;
        return false;
}

static ferry_err_t drop_headers_apply(void *state, ferry_record_t *rec, ferry_record_t **out, char *errstr,
                                      size_t errstr_size)
{
        drop_headers_t *d = state;
        size_t k = 0;
        (void)errstr;
        (void)errstr_size;
        for (size_t i = 0; i < rec->n_headers; i++) {
                ferry_header_t *h = &rec->headers[i];
                if (dropped(d, h->key)) {
                        free(h->key);
                        ferry_schema_unref(h->schema);
                        ferry_value_free(h->value);
                } else {
                        rec->headers[k++] = *h;
                }
        }
        rec->n_headers = k;
        *out = rec;
        return FERRY_ERR_OK;
}

static void drop_headers_close(void *state)
{
        drop_headers_t *d = state;
        if (d)
                ferry_strlist_free(d->names, d->n);
        free(d);
}

const ferry_transform_plugin_t ferry_smt_drop_headers = {
        .info = SMT_INFO(SMT_NS "DropHeaders", drop_headers_config,
                         "Removes one or more headers from each record."),
        .configure = drop_headers_configure,
        .apply = drop_headers_apply,
        .close = drop_headers_close,
};
