/* TopicNameMatches (org.apache.kafka.connect.transforms.predicates.TopicNameMatches): true when the
 * whole topic name matches the Java regex `pattern`. The transform chain asks it whether to apply a
 * transformation (transforms.x.predicate). */
#include "../builtin.h"
#include "../transforms/smt_util.h"

#include <ferry/regex.h>

#include <stdio.h>
#include <stdlib.h>

static int validate_pattern(const char *name, const char *value, char *errstr, size_t errstr_size)
{
        ferry_regex_t r;
        char msg[512];
        if (ferry_regex_compile(&r, value, msg, sizeof(msg)) < 0) {
                snprintf(errstr, errstr_size, "Invalid value %s for configuration %s: Invalid regex: %s",
                         value, name, msg);
                return -1;
        }
        ferry_regex_free(&r);
        return 0;
}

static const ferry_config_def_t topic_name_matches_config[] = {
        {.name = "pattern",
         .type = FERRY_CFG_STRING,
         .required = true,
         .non_empty = true,
         .validate = validate_pattern,
         .importance = FERRY_IMPORTANCE_MEDIUM,
         .doc = "A Java regular expression for matching against the name of a record's topic."},
        {.name = NULL},
};

static ferry_err_t tnm_configure(void **state, const ferry_strmap_t *config, char *errstr, size_t errstr_size)
{
        if (smt_config_check(topic_name_matches_config, config, errstr, errstr_size) < 0)
                return FERRY_ERR_INVALID_CONFIG;
        ferry_regex_t *r = calloc(1, sizeof(*r));
        if (!r)
                return smt_nomem(errstr, errstr_size);
        if (ferry_regex_compile(r, ferry_strmap_get(config, "pattern"), errstr, errstr_size) < 0) {
                free(r);
                return FERRY_ERR_INVALID_CONFIG;
        }
        *state = r;
        return FERRY_ERR_OK;
}

static bool tnm_test(void *state, const ferry_record_t *rec)
{
        return rec->topic && ferry_regex_matches(state, rec->topic, NULL, 0);
}

static void tnm_close(void *state)
{
        if (state)
                ferry_regex_free(state);
        free(state);
}

const ferry_predicate_plugin_t ferry_pred_topic_name_matches = {
        .info = FERRY_PLUGIN_INFO(
                ferry_predicate_plugin_t, .type = FERRY_PLUGIN_PREDICATE,
                .class_name = SMT_PRED_NS "TopicNameMatches", .version = FERRY_VERSION,
                .config = topic_name_matches_config,
                .doc = "A predicate which is true for records with a topic name that matches the configured "
                       "regular expression."),
        .configure = tnm_configure,
        .test = tnm_test,
        .close = tnm_close,
};
