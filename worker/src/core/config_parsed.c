/* Parsed configs (ferry_config_t): a plugin's config table applied to the map the runtime hands
 * its start() callback, read back with typed getters, as Connect's AbstractConfig does.
 *
 * Data flow: connector/task config map (ferry_strmap_t) + the plugin's ferry_config_def_t table
 * -> ferry_config_parse (validation with Connect's messages, a copy of the table at this worker's
 * entry size, LIST values split once) -> ferry_config_get_*() in the plugin. Misuse (a key the
 * table lacks, a getter of another type) is logged with the key's name instead of aborting, since
 * it happens inside a plugin. */
#include <ferry/buf.h>
#include <ferry/config.h>
#include <ferry/log.h>

#include <stdlib.h>
#include <string.h>

struct ferry_config {
        ferry_config_def_t *defs; /* the table, entries at this worker's size */
        size_t n;
        ferry_strmap_t values;
        char ***lists; /* per entry: split LIST value (NULL otherwise or when null) */
        size_t *list_n;
};

void ferry_config_free(ferry_config_t *c)
{
        if (!c)
                return;
        for (size_t i = 0; c->lists && i < c->n; i++)
                ferry_strlist_free(c->lists[i], c->list_n[i]);
        free(c->lists);
        free(c->list_n);
        free(c->defs);
        ferry_strmap_free(&c->values);
        free(c);
}

ferry_config_t *ferry_config_parse_sz(const ferry_config_def_t *defs, size_t def_size,
                                      const ferry_strmap_t *values, ferry_cfg_errors_t *errs)
{
        ferry_cfg_errors_t local;
        ferry_cfg_errors_init(&local);
        size_t bad = ferry_config_validate_sz(defs, def_size, values, errs ? errs : &local);
        ferry_cfg_errors_free(&local);
        if (bad)
                return NULL;
        ferry_config_t *c = calloc(1, sizeof(*c));
        if (!c)
                return NULL;
        ferry_strmap_init(&c->values);
        while (defs && *(const char *const *)((const char *)defs + c->n * def_size))
                c->n++;
        c->defs = calloc(c->n + 1, sizeof(*c->defs));
        c->lists = calloc(c->n + 1, sizeof(*c->lists));
        c->list_n = calloc(c->n + 1, sizeof(*c->list_n));
        if (!c->defs || !c->lists || !c->list_n || (values && ferry_strmap_copy(&c->values, values) < 0))
                goto fail;
        for (size_t i = 0; i < c->n; i++) {
                size_t take = def_size < sizeof(ferry_config_def_t) ? def_size : sizeof(ferry_config_def_t);
                memcpy(&c->defs[i], (const char *)defs + i * def_size, take);
                if (c->defs[i].type != FERRY_CFG_LIST)
                        continue;
                const char *v = ferry_strmap_get(&c->values, c->defs[i].name);
                if (!v)
                        v = c->defs[i].default_value;
                if (v && !(c->lists[i] = ferry_split_list(v, &c->list_n[i])))
                        goto fail;
        }
        return c;
fail:
        if (errs)
                ferry_cfg_errors_add(errs, NULL, "out of memory");
        ferry_config_free(c);
        return NULL;
}

/* The entry of key if its type is one of types (a bit per ferry_cfg_type_t); logs and NULL else. */
static const ferry_config_def_t *typed(const ferry_config_t *c, const char *key, unsigned types,
                                       const char *getter, size_t *index)
{
        if (!c || !key) {
                FERRY_ERROR("config: %s(%s) called without a parsed config", getter, key ? key : "NULL");
                return NULL;
        }
        for (size_t i = 0; i < c->n; i++) {
                if (strcmp(c->defs[i].name, key) != 0)
                        continue;
                if (!(types & (1u << c->defs[i].type))) {
                        FERRY_ERROR("config: key %s is of type %s; %s cannot read it", key,
                                    ferry_cfg_type_name(c->defs[i].type), getter);
                        return NULL;
                }
                if (index)
                        *index = i;
                return &c->defs[i];
        }
        FERRY_ERROR("config: %s: key %s is not in the config table", getter, key);
        return NULL;
}

#define T(t) (1u << FERRY_CFG_##t)

/* The raw value of a known key: as given, else the default. */
static const char *raw(const ferry_config_t *c, const ferry_config_def_t *d)
{
        const char *v = ferry_strmap_get(&c->values, d->name);
        return v ? v : d->default_value;
}

const char *ferry_config_get_string(const ferry_config_t *c, const char *key)
{
        const ferry_config_def_t *d = typed(c, key, T(STRING) | T(CLASS), "ferry_config_get_string", NULL);
        return d ? raw(c, d) : NULL;
}

const char *ferry_config_get_password(const ferry_config_t *c, const char *key)
{
        const ferry_config_def_t *d = typed(c, key, T(PASSWORD), "ferry_config_get_password", NULL);
        return d ? raw(c, d) : NULL;
}

static int64_t get_integer(const ferry_config_t *c, const char *key, unsigned types, const char *getter)
{
        const ferry_config_def_t *d = typed(c, key, types, getter, NULL);
        int64_t v;
        if (!d || ferry_parse_int64(raw(c, d), &v) != 0)
                return 0;
        return v;
}

int32_t ferry_config_get_int(const ferry_config_t *c, const char *key)
{
        /* Validation already kept INT values within int32 and SHORT within int16. */
        return (int32_t)get_integer(c, key, T(INT) | T(SHORT), "ferry_config_get_int");
}

int64_t ferry_config_get_long(const ferry_config_t *c, const char *key)
{
        return get_integer(c, key, T(LONG) | T(INT) | T(SHORT), "ferry_config_get_long");
}

double ferry_config_get_double(const ferry_config_t *c, const char *key)
{
        const ferry_config_def_t *d = typed(c, key, T(DOUBLE), "ferry_config_get_double", NULL);
        double v;
        if (!d || ferry_parse_double(raw(c, d), &v) != 0)
                return 0.0;
        return v;
}

bool ferry_config_get_bool(const ferry_config_t *c, const char *key)
{
        const ferry_config_def_t *d = typed(c, key, T(BOOLEAN), "ferry_config_get_bool", NULL);
        bool v;
        if (!d || ferry_parse_bool(raw(c, d), &v) != 0)
                return false;
        return v;
}

const char *const *ferry_config_get_list(const ferry_config_t *c, const char *key, size_t *n)
{
        size_t i = 0;
        const ferry_config_def_t *d = typed(c, key, T(LIST), "ferry_config_get_list", &i);
        if (n)
                *n = d ? c->list_n[i] : 0;
        return d ? (const char *const *)c->lists[i] : NULL;
}

bool ferry_config_is_set(const ferry_config_t *c, const char *key)
{
        return c && key && ferry_strmap_get(&c->values, key) != NULL;
}

const ferry_strmap_t *ferry_config_originals(const ferry_config_t *c)
{
        return c ? &c->values : NULL;
}

static int by_name(const void *a, const void *b)
{
        return strcmp((*(const ferry_config_def_t *const *)a)->name,
                      (*(const ferry_config_def_t *const *)b)->name);
}

char *ferry_config_describe(const ferry_config_t *c)
{
        if (!c)
                return NULL;
        const ferry_config_def_t **order = calloc(c->n + 1, sizeof(*order));
        if (!order)
                return NULL;
        for (size_t i = 0; i < c->n; i++)
                order[i] = &c->defs[i];
        qsort(order, c->n, sizeof(*order), by_name);
        ferry_buf_t b;
        ferry_buf_init(&b);
        int r = ferry_buf_puts(&b, "");
        for (size_t i = 0; i < c->n && r == 0; i++) {
                const char *v = raw(c, order[i]);
                if (order[i]->type == FERRY_CFG_PASSWORD && v)
                        v = "[hidden]";
                r = ferry_buf_printf(&b, "\t%s = %s\n", order[i]->name, v ? v : "null");
        }
        free(order);
        if (r != 0) {
                ferry_buf_free(&b);
                return NULL;
        }
        return ferry_buf_steal(&b);
}
