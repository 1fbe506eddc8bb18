/* Filter (org.apache.kafka.connect.transforms.Filter): drops every record it sees. Used with a
 * predicate in the transform chain (transforms.x.predicate), so only matching records are dropped;
 * a dropped record never reaches the converters (source) or the sink task (sink). */
#include "../builtin.h"
#include "smt_util.h"

static const ferry_config_def_t filter_config[] = {
        {.name = NULL},
};

static ferry_err_t filter_configure(void **state, const ferry_strmap_t *config, char *errstr,
                                    size_t errstr_size)
{
        (void)config;
        (void)errstr;
        (void)errstr_size;
        *state = NULL;
        return FERRY_ERR_OK;
}

static ferry_err_t filter_apply(void *state, ferry_record_t *rec, ferry_record_t **out, char *errstr,
                                size_t errstr_size)
{
        (void)state;
        (void)errstr;
        (void)errstr_size;
        ferry_record_free(rec);
        *out = NULL;
        return FERRY_ERR_OK;
}

static void filter_close(void *state)
{
        (void)state;
}

const ferry_transform_plugin_t ferry_smt_filter = {
        .info = SMT_INFO(
                SMT_NS "Filter", filter_config,
                "Drops all records, filtering them from subsequent transformations in the chain. This is "
                "intended to be used conditionally to filter out records matching (or not matching) a "
                "particular Predicate."),
        .configure = filter_configure,
        .apply = filter_apply,
        .close = filter_close,
};
