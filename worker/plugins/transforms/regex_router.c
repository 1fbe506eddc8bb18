/* RegexRouter (org.apache.kafka.connect.transforms.RegexRouter): when the whole topic matches
 * `regex` (a Java regex, translated to POSIX ERE by smt_util), the topic becomes `replacement` with
 * $n group references expanded; otherwise the record is unchanged. A step of the transform chain:
 * a source record is then produced to the new topic, a sink task sees the new topic. */
#include "smt_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int validate_regex(const char *name, const char *value, char *errstr, size_t errstr_size)
{
        smt_regex_t r;
        char msg[512];
        if (smt_regex_compile(&r, value, msg, sizeof(msg)) < 0) {
                snprintf(errstr, errstr_size, "Invalid value %s for configuration %s: Invalid regex: %s",
                         value, name, msg);
                return -1;
        }
        smt_regex_free(&r);
        return 0;
}

static const ferry_config_def_t regex_router_config[] = {
        {.name = "regex",
         .type = FERRY_CFG_STRING,
         .required = true,
         .importance = FERRY_IMPORTANCE_HIGH,
         .validate = validate_regex,
         .doc = "Regular expression to use for matching."},
        {.name = "replacement",
         .type = FERRY_CFG_STRING,
         .required = true,
         .importance = FERRY_IMPORTANCE_HIGH,
         .doc = "Replacement string."},
        {.name = NULL},
};

typedef struct {
        smt_regex_t re;
        char *replacement;
        regmatch_t *m;
} regex_router_t;

static void regex_router_close(void *state)
{
        regex_router_t *r = state;
        if (!r)
                return;
        smt_regex_free(&r->re);
        free(r->replacement);
        free(r->m);
        free(r);
}

static ferry_err_t regex_router_configure(void **state, const ferry_strmap_t *config, char *errstr,
                                          size_t errstr_size)
{
        char msg[512];
        if (smt_config_check(regex_router_config, config, errstr, errstr_size) < 0)
                return FERRY_ERR_INVALID_CONFIG;
        regex_router_t *r = calloc(1, sizeof(*r));
        if (!r)
                return smt_nomem(errstr, errstr_size);
        const char *regex = ferry_strmap_get(config, "regex");
        const char *repl = ferry_strmap_get(config, "replacement");
        if (smt_regex_compile(&r->re, regex, msg, sizeof(msg)) < 0) {
                snprintf(errstr, errstr_size, "Invalid value %s for configuration regex: Invalid regex: %s",
                         regex, msg);
                free(r);
                return FERRY_ERR_INVALID_CONFIG;
        }
        if (smt_replacement_check(repl, r->re.groups, msg, sizeof(msg)) < 0) {
                snprintf(errstr, errstr_size, "Invalid value %s for configuration replacement: %s", repl,
                         msg);
                regex_router_close(r);
                return FERRY_ERR_INVALID_CONFIG;
        }
        r->replacement = strdup(repl);
        r->m = calloc(r->re.groups + 1, sizeof(*r->m));
        if (!r->replacement || !r->m) {
                regex_router_close(r);
                return smt_nomem(errstr, errstr_size);
        }
        *state = r;
        return FERRY_ERR_OK;
}

static ferry_err_t regex_router_apply(void *state, ferry_record_t *rec, ferry_record_t **out, char *errstr,
                                      size_t errstr_size)
{
        regex_router_t *r = state;
        *out = rec;
        if (!rec->topic || !smt_regex_matches(&r->re, rec->topic, r->m, r->re.groups + 1))
                return FERRY_ERR_OK;
        char *topic = smt_replacement_expand(r->replacement, rec->topic, r->m, r->re.groups);
        if (!topic || ferry_record_set_topic(rec, topic) < 0) {
                free(topic);
                ferry_record_free(rec);
                *out = NULL;
                return smt_nomem(errstr, errstr_size);
        }
        free(topic);
        return FERRY_ERR_OK;
}

const ferry_transform_plugin_t ferry_smt_regex_router = {
        .info = SMT_INFO(
                SMT_NS "RegexRouter", regex_router_config,
                "Update the record topic using the configured regular expression and replacement string."
                "<p/>Under the hood, the regex is compiled to a <code>java.util.regex.Pattern</code>. If "
                "the pattern matches the input topic, <code>java.util.regex.Matcher#replaceFirst()</code> "
                "is used with the replacement string to obtain the new topic."),
        .configure = regex_router_configure,
        .apply = regex_router_apply,
        .close = regex_router_close,
};
