/* Transform chain (transforms.h): turns a connector's transforms.* and predicates.* keys into
 * configured plugin instances and runs records through them.
 *
 * Data flow: source task poll() -> chain -> converters -> producer; consumer -> converters ->
 * chain -> sink task put(). Configuration follows Connect's ConnectorConfig: each alias gets its
 * type looked up in the registry (full class name or simple name), its keys (prefix removed)
 * checked against the plugin's config table (messages name the full key, as /config/validate
 * shows them) and then passed to configure(). A predicate instance is shared by the stages that
 * name its alias. */
#include "runtime/transforms.h"

#include <ferry/buf.h>
#include <ferry/transform.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
        char *alias;
        const ferry_predicate_plugin_t *plugin;
        void *state;
} pred_t;

typedef struct {
        char *alias;
        const ferry_transform_plugin_t *plugin;
        void *state;
        pred_t *pred; /* NULL: always applies */
        bool negate;
} stage_t;

struct ferry_transform_chain {
        stage_t *stages;
        size_t n;
        pred_t *preds;
        size_t n_preds;
        const char *failed_class;
};

static char *concat3(const char *a, const char *b, const char *c)
{
        ferry_buf_t buf;
        ferry_buf_init(&buf);
        if (ferry_buf_puts(&buf, a) < 0 || ferry_buf_puts(&buf, b) < 0 || ferry_buf_puts(&buf, c) < 0) {
                ferry_buf_free(&buf);
                return NULL;
        }
        return ferry_buf_steal(&buf);
}

/* Duplicate or empty aliases in transforms / predicates. */
static bool check_aliases(const char *key, const char *value, char **aliases, size_t n,
                          ferry_cfg_errors_t *errs)
{
        for (size_t i = 0; i < n; i++)
                for (size_t k = 0; k < i; k++)
                        if (!strcmp(aliases[i], aliases[k])) {
                                ferry_cfg_errors_add(
                                        errs, key,
                                        "Invalid value %s for configuration %s: Duplicate alias provided.",
                                        value, key);
                                return false;
                        }
        return true;
}

/* Looks up prefix+"type" as a plugin of the wanted type; adds an error and returns NULL otherwise. */
static const ferry_plugin_info_t *lookup(const ferry_registry_t *r, const ferry_strmap_t *cfg,
                                         const char *prefix, ferry_plugin_type_t type, const char *kind,
                                         ferry_cfg_errors_t *errs)
{
        char *key = concat3(prefix, "type", "");
        const char *name = key ? ferry_strmap_get(cfg, key) : NULL;
        const ferry_plugin_info_t *p = NULL;
        if (!key) {
                ferry_cfg_errors_add(errs, NULL, "out of memory");
                return NULL;
        }
        if (!name || !*name) {
                ferry_cfg_errors_add(
                        errs, key, "Missing required configuration \"%s\" which has no default value.", key);
        } else if (!(p = ferry_registry_find(r, name, (int)type))) {
                char ambiguous[1024];
                if (ferry_registry_ambiguous(r, name, (int)type, ambiguous, sizeof(ambiguous)))
                        ferry_cfg_errors_add(errs, key, "Invalid value %s for configuration %s: %s", name,
                                             key, ambiguous);
                else if (ferry_registry_find(r, name, -1))
                        ferry_cfg_errors_add(errs, key, "Invalid value %s for configuration %s: Not a %s",
                                             name, key, kind);
                else
                        ferry_cfg_errors_add(
                                errs, key,
                                "Invalid value %s for configuration %s: Class %s could not be found.", name,
                                key, name);
        }
        free(key);
        return p;
}

/* Checks sub against the plugin's table, naming full keys; returns the number of errors. */
static size_t check_table(const ferry_config_def_t *defs, const ferry_strmap_t *sub, const char *prefix,
                          ferry_cfg_errors_t *errs)
{
        size_t n = 0;
        char msg[2048];
        for (const ferry_config_def_t *d = defs; d && d->name; d++) {
                ferry_config_def_t full = *d;
                char *key = concat3(prefix, d->name, "");
                if (!key) {
                        ferry_cfg_errors_add(errs, NULL, "out of memory");
                        return n + 1;
                }
                full.name = key;
                if (ferry_config_check(&full, ferry_strmap_get(sub, d->name), msg, sizeof(msg)) != 0) {
                        ferry_cfg_errors_add(errs, key, "%s", msg);
                        n++;
                }
                free(key);
        }
        return n;
}

/* A configure() failure: attribute it to the key its message names ("for configuration <k>" or
 * "configuration \"<k>\""), with the key written in full; else to prefix+"type". */
static void configure_error(const ferry_config_def_t *defs, const char *prefix, const char *msg,
                            ferry_cfg_errors_t *errs)
{
        const ferry_config_def_t *best = NULL;
        const char *at = NULL;
        for (const ferry_config_def_t *d = defs; d && d->name; d++) {
                char *pat = concat3("configuration ", d->name, ":");
                char *pat2 = concat3("configuration \"", d->name, "\"");
                const char *hit = pat ? strstr(msg, pat) : NULL;
                if (!hit && pat2)
                        hit = strstr(msg, pat2);
                if (hit && (!best || strlen(d->name) > strlen(best->name))) {
                        best = d;
                        at = hit + strlen("configuration ") + (hit[strlen("configuration ")] == '"');
                }
                free(pat);
                free(pat2);
        }
        if (!best) {
                char *key = concat3(prefix, "type", "");
                ferry_cfg_errors_add(errs, key ? key : prefix, "%s", msg);
                free(key);
                return;
        }
        char *key = concat3(prefix, best->name, "");
        ferry_cfg_errors_add(errs, key ? key : best->name, "%.*s%s%s", (int)(at - msg), msg, prefix, at);
        free(key);
}

/* The alias's keys with the prefix removed, minus the chain's own keys. */
static int sub_config(const ferry_strmap_t *cfg, const char *prefix, bool transform, ferry_strmap_t *sub)
{
        ferry_strmap_init(sub);
        if (ferry_strmap_sub(sub, cfg, prefix) < 0)
                return -1;
        ferry_strmap_unset(sub, "type");
        if (transform) {
                ferry_strmap_unset(sub, "predicate");
                ferry_strmap_unset(sub, "negate");
        }
        return 0;
}

void ferry_transform_chain_free(ferry_transform_chain_t *c)
{
        if (!c)
                return;
        for (size_t i = 0; i < c->n; i++) {
                if (c->stages[i].plugin && c->stages[i].plugin->close)
                        c->stages[i].plugin->close(c->stages[i].state);
                free(c->stages[i].alias);
        }
        for (size_t i = 0; i < c->n_preds; i++) {
                if (c->preds[i].plugin && c->preds[i].plugin->close)
                        c->preds[i].plugin->close(c->preds[i].state);
                free(c->preds[i].alias);
        }
        free(c->stages);
        free(c->preds);
        free(c);
}

static void build_predicates(ferry_transform_chain_t *c, const ferry_registry_t *r, const ferry_strmap_t *cfg,
                             char **aliases, size_t n, ferry_cfg_errors_t *errs)
{
        char errstr[2048];
        for (size_t i = 0; i < n; i++) {
                pred_t *p = &c->preds[c->n_preds++];
                char *prefix = concat3("predicates.", aliases[i], ".");
                p->alias = strdup(aliases[i]);
                if (!prefix || !p->alias) {
                        free(prefix);
                        ferry_cfg_errors_add(errs, NULL, "out of memory");
                        return;
                }
                const ferry_plugin_info_t *info =
                        lookup(r, cfg, prefix, FERRY_PLUGIN_PREDICATE, "Predicate", errs);
                ferry_strmap_t sub;
                if (info && sub_config(cfg, prefix, false, &sub) == 0) {
                        if (check_table(info->config, &sub, prefix, errs) == 0) {
                                const ferry_predicate_plugin_t *pp = (const ferry_predicate_plugin_t *)info;
                                errstr[0] = '\0';
                                if (pp->configure(&p->state, &sub, errstr, sizeof(errstr)) == FERRY_ERR_OK)
                                        p->plugin = pp;
                                else
                                        configure_error(info->config, prefix, errstr, errs);
                        }
                }
                if (info)
                        ferry_strmap_free(&sub);
                free(prefix);
        }
}

static void build_stages(ferry_transform_chain_t *c, const ferry_registry_t *r, const ferry_strmap_t *cfg,
                         char **aliases, size_t n, ferry_cfg_errors_t *errs)
{
        char errstr[2048];
        for (size_t i = 0; i < n; i++) {
                stage_t *s = &c->stages[c->n++];
                char *prefix = concat3("transforms.", aliases[i], ".");
                s->alias = strdup(aliases[i]);
                if (!prefix || !s->alias) {
                        free(prefix);
                        ferry_cfg_errors_add(errs, NULL, "out of memory");
                        return;
                }
                /* predicate and negate */
                char *pkey = concat3(prefix, "predicate", "");
                char *nkey = concat3(prefix, "negate", "");
                const char *pred = pkey ? ferry_strmap_get(cfg, pkey) : NULL;
                const char *neg = nkey ? ferry_strmap_get(cfg, nkey) : NULL;
                if (pred && *pred) {
                        for (size_t k = 0; k < c->n_preds; k++)
                                if (!strcmp(c->preds[k].alias, pred))
                                        s->pred = &c->preds[k];
                        if (!s->pred)
                                ferry_cfg_errors_add(
                                        errs, pkey,
                                        "Invalid value %s for configuration %s: Predicate alias '%s' is "
                                        "not declared in 'predicates'",
                                        pred, pkey, pred);
                }
                if (neg) {
                        if (ferry_parse_bool(neg, &s->negate) < 0)
                                ferry_cfg_errors_add(
                                        errs, nkey,
                                        "Invalid value %s for configuration %s: Expected value to be "
                                        "either true or false",
                                        neg, nkey);
                        else if (!pred || !*pred)
                                ferry_cfg_errors_add(
                                        errs, nkey,
                                        "Config '%s' was provided but there is no config '%s' defining "
                                        "a predicate to be negated.",
                                        nkey, pkey);
                }
                free(pkey);
                free(nkey);
                const ferry_plugin_info_t *info =
                        lookup(r, cfg, prefix, FERRY_PLUGIN_TRANSFORMATION, "Transformation", errs);
                ferry_strmap_t sub;
                if (info && sub_config(cfg, prefix, true, &sub) == 0) {
                        if (check_table(info->config, &sub, prefix, errs) == 0) {
                                const ferry_transform_plugin_t *tp = (const ferry_transform_plugin_t *)info;
                                errstr[0] = '\0';
                                if (tp->configure(&s->state, &sub, errstr, sizeof(errstr)) == FERRY_ERR_OK)
                                        s->plugin = tp;
                                else
                                        configure_error(info->config, prefix, errstr, errs);
                        }
                }
                if (info)
                        ferry_strmap_free(&sub);
                free(prefix);
        }
}

ferry_transform_chain_t *ferry_transform_chain_new(const ferry_registry_t *r, const ferry_strmap_t *cfg,
                                                   ferry_cfg_errors_t *errs)
{
        ferry_cfg_errors_t local;
        ferry_cfg_errors_init(&local);
        if (!errs)
                errs = &local;
        size_t before = errs->n, nt = 0, np = 0;
        const char *tv = ferry_strmap_get(cfg, "transforms");
        const char *pv = ferry_strmap_get(cfg, "predicates");
        char **ta = ferry_split_list(tv, &nt);
        char **pa = ferry_split_list(pv, &np);
        ferry_transform_chain_t *c = calloc(1, sizeof(*c));
        if (!ta || !pa || !c || (nt && !(c->stages = calloc(nt, sizeof(*c->stages)))) ||
            (np && !(c->preds = calloc(np, sizeof(*c->preds))))) {
                ferry_cfg_errors_add(errs, NULL, "out of memory");
                goto done;
        }
        if (!check_aliases("predicates", pv, pa, np, errs) || !check_aliases("transforms", tv, ta, nt, errs))
                goto done;
        build_predicates(c, r, cfg, pa, np, errs);
        build_stages(c, r, cfg, ta, nt, errs);
done:
        ferry_strlist_free(ta, nt);
        ferry_strlist_free(pa, np);
        if (errs->n != before) {
                ferry_transform_chain_free(c);
                c = NULL;
        }
        ferry_cfg_errors_free(&local);
        return c;
}

ferry_err_t ferry_transform_chain_apply(ferry_transform_chain_t *c, ferry_record_t *rec, ferry_record_t **out,
                                        char *errstr, size_t errstr_size)
{
        c->failed_class = NULL;
        for (size_t i = 0; i < c->n && rec; i++) {
                stage_t *s = &c->stages[i];
                if (s->pred && s->pred->plugin->test(s->pred->state, rec) == s->negate)
                        continue;
                ferry_record_t *next = NULL;
                if (errstr_size)
                        errstr[0] = '\0';
                ferry_err_t e = s->plugin->apply(s->state, rec, &next, errstr, errstr_size);
                if (e != FERRY_ERR_OK) {
                        c->failed_class = s->plugin->info.class_name;
                        if (next)
                                ferry_record_free(next);
                        *out = NULL;
                        return e;
                }
                rec = next;
        }
        *out = rec;
        return FERRY_ERR_OK;
}

const char *ferry_transform_chain_failed_class(const ferry_transform_chain_t *c)
{
        return c ? c->failed_class : NULL;
}

size_t ferry_transform_chain_size(const ferry_transform_chain_t *c)
{
        return c ? c->n : 0;
}

void ferry_transform_chain_validate(const ferry_registry_t *r, const ferry_strmap_t *config,
                                    ferry_cfg_errors_t *errs)
{
        ferry_transform_chain_free(ferry_transform_chain_new(r, config, errs));
}
