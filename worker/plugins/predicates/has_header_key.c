/* HasHeaderKey (org.apache.kafka.connect.transforms.predicates.HasHeaderKey): true when the record has
 * at least one header with the key `name`. Used by the transform chain to gate transformations. */
#include "../builtin.h"
#include "../transforms/smt_util.h"

#include <stdlib.h>
#include <string.h>

static const ferry_config_def_t has_header_key_config[] = {
        {.name = "name",
         .type = FERRY_CFG_STRING,
         .required = true,
         .non_empty = true,
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .doc = "The header name."},
        {.name = NULL},
};

static ferry_err_t hhk_configure(void **state, const ferry_strmap_t *config, char *errstr, size_t errstr_size)
{
        if (smt_config_check(has_header_key_config, config, errstr, errstr_size) < 0)
                return FERRY_ERR_INVALID_CONFIG;
        char *name = strdup(ferry_strmap_get(config, "name"));
        if (!name)
                return smt_nomem(errstr, errstr_size);
        *state = name;
        return FERRY_ERR_OK;
}

static bool hhk_test(void *state, const ferry_record_t *rec)
{
        for (size_t i = 0; i < rec->n_headers; i++)
                if (!strcmp(rec->headers[i].key, state))
                        return true;
        return false;
}

static void hhk_close(void *state)
{
        free(state);
}

const ferry_predicate_plugin_t ferry_pred_has_header_key = {
        .info = FERRY_PLUGIN_INFO(
                ferry_predicate_plugin_t, .type = FERRY_PLUGIN_PREDICATE,
                .class_name = SMT_PRED_NS "HasHeaderKey", .version = FERRY_VERSION,
                .config = has_header_key_config,
                .doc = "A predicate which is true for records with at least one header with the configured "
                       "name."),
        .configure = hhk_configure,
        .test = hhk_test,
        .close = hhk_close,
};
