/* RecordIsTombstone (org.apache.kafka.connect.transforms.predicates.RecordIsTombstone): true for
 * records whose value is null (tombstones). Used by the transform chain to gate transformations. */
#include "../builtin.h"
#include "../transforms/smt_util.h"

static const ferry_config_def_t record_is_tombstone_config[] = {
        {.name = NULL},
};

static ferry_err_t rit_configure(void **state, const ferry_strmap_t *config, char *errstr, size_t errstr_size)
{
        (void)config;
        (void)errstr;
        (void)errstr_size;
        *state = NULL;
        return FERRY_ERR_OK;
}

static bool rit_test(void *state, const ferry_record_t *rec)
{
        (void)state;
        return rec->value == NULL;
}

static void rit_close(void *state)
{
        (void)state;
}

const ferry_predicate_plugin_t ferry_pred_record_is_tombstone = {
        .info = FERRY_PLUGIN_INFO(
                ferry_predicate_plugin_t, .type = FERRY_PLUGIN_PREDICATE,
                .class_name = SMT_PRED_NS "RecordIsTombstone", .version = FERRY_VERSION,
                .config = record_is_tombstone_config,
                .doc = "A predicate which is true for records which are tombstones (i.e. have null value)."),
        .configure = rit_configure,
        .test = rit_test,
        .close = rit_close,
};
