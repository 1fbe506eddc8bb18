/* RegexRouter (org.apache.kafka.connect.transforms.RegexRouter): when the whole topic matches
 * `regex` (a Java regex, translated to POSIX ERE by smt_util), the topic becomes `replacement` with
 * $n group references expanded; otherwise the record is unchanged. A step of the transform chain:
 * a source record is then produced to the new topic, a sink task sees the new topic. The outcome
 * depends on the topic alone, so the last few topics seen are remembered with their result: the
 * regex (glibc's regexec costs tens of thousands of instructions) runs once per distinct topic. */
#include "../builtin.h"
#include "smt_util.h"

#include <ferry/regex.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int validate_regex(const char *name, const char *value, char *errstr, size_t errstr_size)
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

#define ROUTE_CACHE_SLOTS 8

/* A topic seen before and what it becomes (NULL: no match, the topic stays). */
typedef struct {
        char *in;
        char *out;
} route_t;

typedef struct {
        ferry_regex_t re;
        char *replacement;
        regmatch_t *m;
        route_t cache[ROUTE_CACHE_SLOTS];
        size_t next; /* slot replaced next */
} regex_router_t;

static void route_clear(route_t *c)
{
        free(c->in);
        free(c->out);
        c->in = c->out = NULL;
}

static void regex_router_close(void *state)
{
        regex_router_t *r = state;
        if (!r)
                return;
        ferry_regex_free(&r->re);
        for (size_t i = 0; i < ROUTE_CACHE_SLOTS; i++)
                route_clear(&r->cache[i]);
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
        if (ferry_regex_compile(&r->re, regex, msg, sizeof(msg)) < 0) {
                snprintf(errstr, errstr_size, "Invalid value %s for configuration regex: Invalid regex: %s",
                         regex, msg);
                free(r);
                return FERRY_ERR_INVALID_CONFIG;
        }
        if (ferry_regex_replacement_check(repl, r->re.groups, msg, sizeof(msg)) < 0) {
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

/* The route of topic: found in the cache, or computed and remembered. -1 when out of memory. */
static int route(regex_router_t *r, const char *topic, const route_t **out)
{
        for (size_t i = 0; i < ROUTE_CACHE_SLOTS; i++)
                if (r->cache[i].in && !strcmp(r->cache[i].in, topic)) {
                        *out = &r->cache[i];
                        return 0;
                }
        char *in = strdup(topic), *to = NULL;
        if (!in)
                return -1;
        if (ferry_regex_matches(&r->re, topic, r->m, r->re.groups + 1) &&
            !(to = ferry_regex_replacement_expand(r->replacement, topic, r->m, r->re.groups))) {
                free(in);
                return -1;
        }
        route_t *c = &r->cache[r->next];
        r->next = (r->next + 1) % ROUTE_CACHE_SLOTS;
        route_clear(c);
        c->in = in;
        c->out = to;
        *out = c;
        return 0;
}

static ferry_err_t regex_router_apply(void *state, ferry_record_t *rec, ferry_record_t **out, char *errstr,
                                      size_t errstr_size)
{
        regex_router_t *r = state;
        const route_t *c = NULL;
        *out = rec;
        if (!rec->topic)
                return FERRY_ERR_OK;
        if (route(r, rec->topic, &c) < 0 || (c->out && ferry_record_set_topic(rec, c->out) < 0)) {
                ferry_record_free(rec);
                *out = NULL;
                return smt_nomem(errstr, errstr_size);
        }
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
