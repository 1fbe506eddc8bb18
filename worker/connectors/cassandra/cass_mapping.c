/* DataStax sink mapping: parses the topic.<topic>.<keyspace>.<table>.<setting> keys (mapping,
 * consistencyLevel, ttl, ttlTimeUnit, timestampTimeUnit, nullToUnset, deletesEnabled, query),
 * checks a mapping against the table's columns and prepares its INSERT (or counter UPDATE) and
 * DELETE, then turns each record (Struct, schemaless map or JSON string key/value, headers) into
 * the bound values of one of them, with the record timestamp as the write timestamp in µs. The
 * ops go to cass_writer.c. */
#include "cass_mapping.h"

#include <ferry/json.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const SETTINGS[] = {
        "mapping",     "consistencyLevel", "ttl",   "ttlTimeUnit", "timestampTimeUnit",
        "nullToUnset", "deletesEnabled",   "query", NULL};

static int64_t unit_ns(const char *u)
{
        static const struct {
                const char *name;
                int64_t ns;
        } units[] = {{"NANOSECONDS", 1},        {"MICROSECONDS", 1000},     {"MILLISECONDS", 1000000},
                     {"SECONDS", 1000000000LL}, {"MINUTES", 60000000000LL}, {"HOURS", 3600000000000LL},
                     {"DAYS", 86400000000000LL}};
        for (size_t i = 0; i < sizeof units / sizeof *units; i++)
                if (strcasecmp(u, units[i].name) == 0)
                        return units[i].ns;
        return 0;
}

/* Converts v (in unit_ns) to units of want_ns, rounding down. */
static int64_t convert_unit(int64_t v, int64_t from_ns, int64_t to_ns)
{
        if (from_ns == to_ns)
                return v;
        if (from_ns > to_ns)
                return v * (from_ns / to_ns);
        return v / (to_ns / from_ns);
}

static void map_free(cass_map_t *m)
{
        free(m->column);
        for (size_t i = 0; i < m->depth; i++)
                free(m->path[i]);
        free(m->path);
        free(m->expr);
}

static void table_free(cass_tablecfg_t *t)
{
        for (size_t i = 0; i < t->n_maps; i++)
                map_free(&t->maps[i]);
        free(t->maps);
        free(t->topic);
        free(t->ks);
        free(t->table);
        free(t->prefix);
        free(t->query);
        free(t->ins_binds);
        free(t->del_binds);
        free(t->pk_maps);
}

void cass_tables_free(cass_tables_t *ts)
{
        for (size_t i = 0; i < ts->n; i++)
                table_free(&ts->t[i]);
        free(ts->t);
        memset(ts, 0, sizeof *ts);
}

static char *trimdup(const char *s, size_t n)
{
        while (n && isspace((unsigned char)*s)) {
                s++;
                n--;
        }
        while (n && isspace((unsigned char)s[n - 1]))
                n--;
        if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
                s++;
                n -= 2;
        }
        return strndup(s, n);
}

/* "col=expr, col2=expr2" into t->maps. -1 with errstr. */
static int parse_mapping(cass_tablecfg_t *t, const char *text, char *errstr, size_t errstr_size)
{
        const char *p = text;
        while (*p) {
                const char *end = p;
                bool q = false;
                while (*end && (q || *end != ',')) {
                        if (*end == '"')
                                q = !q;
                        end++;
                }
                const char *eq = memchr(p, '=', (size_t)(end - p));
                char *item = trimdup(p, (size_t)(end - p));
                if (!eq) {
                        bool blank = item && !*item;
                        if (!blank) {
                                snprintf(errstr, errstr_size, "mapping entry '%s' is not col=field",
                                         item ? item : "");
                                free(item);
                                return -1;
                        }
                        free(item);
                        p = *end ? end + 1 : end;
                        continue;
                }
                free(item);
                cass_map_t *ms = realloc(t->maps, (t->n_maps + 1) * sizeof *ms);
                if (!ms)
                        return -1;
                t->maps = ms;
                cass_map_t *m = &t->maps[t->n_maps++];
                memset(m, 0, sizeof *m);
                m->column = trimdup(p, (size_t)(eq - p));
                m->expr = trimdup(eq + 1, (size_t)(end - eq - 1));
                if (!m->column || !m->expr || !*m->column || !*m->expr) {
                        snprintf(errstr, errstr_size, "mapping entry '%.*s' has an empty column or field",
                                 (int)(end - p), p);
                        return -1;
                }
                const char *e = m->expr;
                const char *rest = NULL;
                if (strcasecmp(e, "now()") == 0) {
                        m->src = SRC_NOW;
                } else if (strncmp(e, "key", 3) == 0 && (e[3] == 0 || e[3] == '.')) {
                        m->src = SRC_KEY;
                        rest = e[3] ? e + 4 : NULL;
                } else if (strncmp(e, "value", 5) == 0 && (e[5] == 0 || e[5] == '.')) {
                        m->src = SRC_VALUE;
                        rest = e[5] ? e + 6 : NULL;
                } else if (strncmp(e, "header.", 7) == 0 && e[7]) {
                        m->src = SRC_HEADER;
                        m->path = calloc(1, sizeof *m->path);
                        if (!m->path)
                                return -1;
                        m->path[0] = strdup(e + 7);
                        m->depth = 1;
                } else {
                        snprintf(errstr, errstr_size,
                                 "mapping '%s=%s': the field must be key, key.<path>, value, value.<path>, "
                                 "header.<name> or now()",
                                 m->column, m->expr);
                        return -1;
                }
                if (rest) {
                        if (!*rest) {
                                snprintf(errstr, errstr_size, "mapping '%s=%s': empty field path", m->column,
                                         m->expr);
                                return -1;
                        }
                        size_t n = 1;
                        for (const char *c = rest; *c; c++)
                                n += *c == '.';
                        m->path = calloc(n, sizeof *m->path);
                        if (!m->path)
                                return -1;
                        const char *s = rest;
                        for (size_t i = 0; i < n; i++) {
                                const char *dot = strchr(s, '.');
                                size_t len = dot ? (size_t)(dot - s) : strlen(s);
                                m->path[i] = trimdup(s, len);
                                m->depth = i + 1;
                                s = dot ? dot + 1 : s + len;
                        }
                }
                p = *end ? end + 1 : end;
        }
        if (!t->n_maps) {
                snprintf(errstr, errstr_size, "the mapping is empty");
                return -1;
        }
        return 0;
}

static cass_tablecfg_t *table_get(cass_tables_t *ts, const char *topic, const char *ks, const char *table)
{
        for (size_t i = 0; i < ts->n; i++)
                if (!strcmp(ts->t[i].topic, topic) && !strcmp(ts->t[i].ks, ks) &&
                    !strcmp(ts->t[i].table, table))
                        return &ts->t[i];
        cass_tablecfg_t *t = realloc(ts->t, (ts->n + 1) * sizeof *t);
        if (!t)
                return NULL;
        ts->t = t;
        t = &ts->t[ts->n++];
        memset(t, 0, sizeof *t);
        t->topic = strdup(topic);
        t->ks = strdup(ks);
        t->table = strdup(table);
        size_t pl = strlen(topic) + strlen(ks) + strlen(table) + 16;
        t->prefix = malloc(pl);
        if (t->prefix)
                snprintf(t->prefix, pl, "topic.%s.%s.%s.", topic, ks, table);
        t->ttl_map = t->ts_map = -1;
        t->consistency = CQL_LOCAL_ONE;
        t->ttl = -1;
        t->ttl_unit_ns = unit_ns("SECONDS");
        t->ts_unit_ns = unit_ns("MICROSECONDS");
        t->null_to_unset = true;
        t->deletes_enabled = true;
        return t;
}

size_t cass_tables_parse(const ferry_strmap_t *config, cass_tables_t *out, ferry_cfg_errors_t *errs)
{
        memset(out, 0, sizeof *out);
        size_t before = errs->n;
        /* the mapping first, so every table exists before its settings */
        for (int pass = 0; pass < 2; pass++) {
                for (size_t i = 0; i < config->n; i++) {
                        const char *key = config->kv[i].key, *val = config->kv[i].value;
                        if (strncmp(key, "topic.", 6) != 0)
                                continue;
                        const char *setting = strrchr(key, '.');
                        int which = -1;
                        for (int k = 0; SETTINGS[k]; k++)
                                if (strcmp(setting + 1, SETTINGS[k]) == 0)
                                        which = k;
                        if (which < 0 || (pass == 0) != (which == 0))
                                continue; /* topic-level codec settings and such */
                        /* topic.<topic>.<ks>.<table>.<setting>: ks and table hold no dot */
                        const char *tdot = setting - 1;
                        while (tdot > key + 6 && *tdot != '.')
                                tdot--;
                        const char *kdot = tdot - 1;
                        while (kdot > key + 6 && *kdot != '.')
                                kdot--;
                        if (kdot <= key + 6 || *kdot != '.' || *tdot != '.' || tdot - kdot < 2 ||
                            setting - tdot < 2) {
                                if (which == 0)
                                        ferry_cfg_errors_add(
                                                errs, key,
                                                "expected topic.<topic>.<keyspace>.<table>.mapping");
                                continue;
                        }
                        char *topic = strndup(key + 6, (size_t)(kdot - key - 6));
                        char *ks = strndup(kdot + 1, (size_t)(tdot - kdot - 1));
                        char *table = strndup(tdot + 1, (size_t)(setting - tdot - 1));
                        cass_tablecfg_t *t = topic && ks && table
                                                     ? (which == 0 ? table_get(out, topic, ks, table) : NULL)
                                                     : NULL;
                        if (which != 0 && topic && ks && table)
                                for (size_t j = 0; j < out->n; j++)
                                        if (!strcmp(out->t[j].topic, topic) && !strcmp(out->t[j].ks, ks) &&
                                            !strcmp(out->t[j].table, table))
                                                t = &out->t[j];
                        free(topic);
                        free(ks);
                        free(table);
                        if (!t) {
                                if (which != 0)
                                        ferry_cfg_errors_add(errs, key,
                                                             "no mapping for this table (set %.*smapping)",
                                                             (int)(setting - key + 1), key);
                                continue;
                        }
                        char err[512];
                        int64_t n;
                        bool b;
                        switch (which) {
                        case 0:
                                if (parse_mapping(t, val, err, sizeof err) < 0)
                                        ferry_cfg_errors_add(errs, key, "%s", err);
                                break;
                        case 1:
                                t->consistency = cql_consistency_parse(val);
                                if (t->consistency < 0)
                                        ferry_cfg_errors_add(errs, key, "unknown consistency level '%s'",
                                                             val);
                                break;
                        case 2:
                                if (ferry_parse_int64(val, &n) < 0 || n < -1)
                                        ferry_cfg_errors_add(errs, key, "must be an integer >= -1");
                                else
                                        t->ttl = n;
                                break;
                        case 3:
                        case 4:
                                if (!unit_ns(val))
                                        ferry_cfg_errors_add(errs, key,
                                                             "unknown time unit '%s' (a java TimeUnit)", val);
                                else if (which == 3)
                                        t->ttl_unit_ns = unit_ns(val);
                                else
                                        t->ts_unit_ns = unit_ns(val);
                                break;
                        case 5:
                        case 6:
                                if (ferry_parse_bool(val, &b) < 0)
                                        ferry_cfg_errors_add(errs, key, "must be true or false");
                                else if (which == 5)
                                        t->null_to_unset = b;
                                else
                                        t->deletes_enabled = b;
                                break;
                        case 7:
                                free(t->query);
                                t->query = *val ? strdup(val) : NULL;
                                break;
                        default:
                                break;
                        }
                }
        }
        for (size_t i = 0; i < out->n; i++) {
                cass_tablecfg_t *t = &out->t[i];
                for (size_t k = 0; k < t->n_maps; k++) {
                        if (strcmp(t->maps[k].column, "__ttl") == 0)
                                t->ttl_map = (int)k;
                        else if (strcmp(t->maps[k].column, "__timestamp") == 0)
                                t->ts_map = (int)k;
                }
                if (t->query && t->deletes_enabled) {
                        /* as the DataStax connector: a custom query has no delete statement, and
                         * deletesEnabled (true unless set) must say so */
                        char key[600];
                        snprintf(key, sizeof key, "%squery", t->prefix ? t->prefix : "");
                        ferry_cfg_errors_add(errs, key,
                                             "a query cannot be combined with deletesEnabled=true: set "
                                             "%sdeletesEnabled=false to use your own query",
                                             t->prefix ? t->prefix : "");
                }
        }
        return errs->n - before;
}

/* ---------------------------------------------------------------- preparing */

static bool special(const cass_map_t *m)
{
        return !strcmp(m->column, "__ttl") || !strcmp(m->column, "__timestamp");
}

int cass_table_prepare(cql_session_t *s, cass_tablecfg_t *t, char *errstr, size_t errstr_size)
{
        cass_table_meta_t meta;
        char merr[600];
        if (cass_table_meta(s, t->ks, t->table, &meta, merr, sizeof merr) < 0) {
                snprintf(errstr, errstr_size, "%smapping: %s", t->prefix, merr);
                return -1;
        }
        int rc = -1;
        const cass_column_t **pk = NULL;
        size_t n_pk = cass_table_pk(&meta, &pk);
        cql_buf_t q = {0};
        char id[300], ks[300], tb[300];
        cass_ident(t->ks, ks, sizeof ks);
        cass_ident(t->table, tb, sizeof tb);
        t->counter = false;
        for (size_t i = 0; i < t->n_maps; i++) {
                cass_map_t *m = &t->maps[i];
                if (special(m))
                        continue;
                const cass_column_t *c = cass_table_column(&meta, m->column);
                if (!c && t->query)
                        continue; /* with a query, the mapping names its bind variables */
                if (!c) {
                        snprintf(errstr, errstr_size, "%smapping: table %s.%s has no column '%s'", t->prefix,
                                 t->ks, t->table, m->column);
                        goto out;
                }
                m->is_pk = strcmp(c->kind, "partition_key") == 0 || strcmp(c->kind, "clustering") == 0;
                m->is_counter = strcmp(c->type, "counter") == 0;
                t->counter |= m->is_counter;
        }
        t->pk_maps = calloc(n_pk ? n_pk : 1, sizeof *t->pk_maps);
        t->n_pk = n_pk;
        for (size_t k = 0; k < n_pk; k++) {
                t->pk_maps[k] = -1;
                for (size_t i = 0; i < t->n_maps; i++)
                        if (!special(&t->maps[i]) && strcmp(t->maps[i].column, pk[k]->name) == 0)
                                t->pk_maps[k] = (int)i;
                if (t->pk_maps[k] < 0 && !t->query) {
                        snprintf(errstr, errstr_size,
                                 "%smapping: primary key column '%s' of %s.%s is not mapped", t->prefix,
                                 pk[k]->name, t->ks, t->table);
                        goto out;
                }
        }
        t->ins_binds = calloc(t->n_maps + 2, sizeof *t->ins_binds);
        t->del_binds = calloc(n_pk + 1, sizeof *t->del_binds);
        if (!t->ins_binds || !t->del_binds)
                goto out;
        cql_error_t e;
        if (t->query) {
                t->insert = cql_session_prepare(s, t->query, &e);
                if (!t->insert)
                        goto prep_err;
                /* bind by marker name; [ttl]/[timestamp]-like names map to __ttl/__timestamp */
                for (size_t b = 0; b < t->insert->n_binds; b++) {
                        const char *name = t->insert->binds[b].name;
                        int found = -1;
                        for (size_t i = 0; i < t->n_maps; i++)
                                if (strcmp(t->maps[i].column, name) == 0)
                                        found = (int)i;
                        if (found < 0) {
                                snprintf(errstr, errstr_size,
                                         "%squery: bind variable '%s' is not in the mapping", t->prefix,
                                         name);
                                goto out;
                        }
                        t->ins_binds[t->n_ins_binds++] = found;
                }
        } else if (t->counter) {
                q.len = 0;
                cql_put_raw(&q, "UPDATE ", 7);
                cql_put_raw(&q, ks, strlen(ks));
                cql_put_raw(&q, ".", 1);
                cql_put_raw(&q, tb, strlen(tb));
                cql_put_raw(&q, " SET ", 5);
                bool first = true;
                for (size_t i = 0; i < t->n_maps; i++) {
                        cass_map_t *m = &t->maps[i];
                        if (special(m) || m->is_pk)
                                continue;
                        if (!m->is_counter) {
                                snprintf(
                                        errstr, errstr_size,
                                        "%smapping: column '%s' is not a counter, but the table has counters",
                                        t->prefix, m->column);
                                goto out;
                        }
                        cass_ident(m->column, id, sizeof id);
                        char part[700];
                        int n = snprintf(part, sizeof part, "%s%s = %s + ?", first ? "" : ", ", id, id);
                        cql_put_raw(&q, part, (size_t)n);
                        t->ins_binds[t->n_ins_binds++] = (int)i;
                        first = false;
                }
                cql_put_raw(&q, " WHERE ", 7);
                for (size_t k = 0; k < n_pk; k++) {
                        cass_ident(pk[k]->name, id, sizeof id);
                        char part[400];
                        int n = snprintf(part, sizeof part, "%s%s = ?", k ? " AND " : "", id);
                        cql_put_raw(&q, part, (size_t)n);
                        t->ins_binds[t->n_ins_binds++] = t->pk_maps[k];
                }
                cql_put_u8(&q, 0);
                t->insert = cql_session_prepare(s, (char *)q.p, &e);
                if (!t->insert)
                        goto prep_err;
        } else {
                cql_buf_t vals = {0};
                cql_put_raw(&q, "INSERT INTO ", 12);
                cql_put_raw(&q, ks, strlen(ks));
                cql_put_raw(&q, ".", 1);
                cql_put_raw(&q, tb, strlen(tb));
                cql_put_raw(&q, " (", 2);
                bool first = true;
                for (size_t i = 0; i < t->n_maps; i++) {
                        cass_map_t *m = &t->maps[i];
                        if (special(m))
                                continue;
                        cass_ident(m->column, id, sizeof id);
                        if (!first) {
                                cql_put_raw(&q, ",", 1);
                                cql_put_raw(&vals, ",", 1);
                        }
                        cql_put_raw(&q, id, strlen(id));
                        if (m->src == SRC_NOW) {
                                cql_put_raw(&vals, "now()", 5);
                        } else {
                                cql_put_raw(&vals, "?", 1);
                                t->ins_binds[t->n_ins_binds++] = (int)i;
                        }
                        first = false;
                }
                cql_put_raw(&q, ") VALUES (", 10);
                cql_put_raw(&q, vals.p, vals.len);
                cql_buf_free(&vals);
                if (t->ttl >= 0 || t->ttl_map >= 0) {
                        cql_put_raw(&q, ") USING TTL ? AND TIMESTAMP ?", 29);
                        t->ins_binds[t->n_ins_binds++] = -2;
                } else {
                        cql_put_raw(&q, ") USING TIMESTAMP ?", 19);
                }
                t->ins_binds[t->n_ins_binds++] = -3;
                cql_put_u8(&q, 0);
                t->insert = cql_session_prepare(s, (char *)q.p, &e);
                if (!t->insert)
                        goto prep_err;
                if (t->deletes_enabled) {
                        q.len = 0;
                        cql_put_raw(&q, "DELETE FROM ", 12);
                        cql_put_raw(&q, ks, strlen(ks));
                        cql_put_raw(&q, ".", 1);
                        cql_put_raw(&q, tb, strlen(tb));
                        cql_put_raw(&q, " USING TIMESTAMP ? WHERE ", 25);
                        t->del_binds[t->n_del_binds++] = -3;
                        for (size_t k = 0; k < n_pk; k++) {
                                cass_ident(pk[k]->name, id, sizeof id);
                                char part[400];
                                int n = snprintf(part, sizeof part, "%s%s = ?", k ? " AND " : "", id);
                                cql_put_raw(&q, part, (size_t)n);
                                t->del_binds[t->n_del_binds++] = t->pk_maps[k];
                        }
                        cql_put_u8(&q, 0);
                        t->del = cql_session_prepare(s, (char *)q.p, &e);
                        if (!t->del)
                                goto prep_err;
                }
        }
        if (t->insert->n_binds != t->n_ins_binds) {
                snprintf(errstr, errstr_size, "%s: prepared statement has %zu bind variables, expected %zu",
                         t->prefix, t->insert->n_binds, t->n_ins_binds);
                goto out;
        }
        for (size_t b = 0; b < t->n_ins_binds; b++)
                if (t->ins_binds[b] >= 0)
                        t->maps[t->ins_binds[b]].type = t->insert->binds[b].type;
        rc = 0;
        goto out;
prep_err : {
        char msg[700];
        cql_error_format(&e, msg, sizeof msg);
        snprintf(errstr, errstr_size, "%s: cannot prepare the statement for %s.%s: %s", t->prefix, t->ks,
                 t->table, msg);
        cql_error_clear(&e);
}
out:
        cql_buf_free(&q);
        free(pk);
        cass_table_meta_free(&meta);
        return rc;
}

/* ---------------------------------------------------------------- records */

typedef struct {
        const ferry_value_t *v;
        const ferry_schema_t *s;
        ferry_value_t *parsed; /* a JSON string parsed, owned */
        bool tried;
} root_t;

static const ferry_value_t *root_value(root_t *r, bool need_fields)
{
        if (need_fields && r->v && r->v->type == FERRY_TYPE_STRING && !r->tried) {
                r->tried = true;
                char err[128];
                r->parsed = ferry_json_read(r->v->u.s.data, r->v->u.s.len, err, sizeof err);
        }
        return need_fields && r->parsed ? r->parsed : r->v;
}

/* Field path below v (Struct fields or map keys). */
static const ferry_value_t *walk(const ferry_value_t *v, const ferry_schema_t **s, char **path, size_t depth,
                                 bool *missing)
{
        for (size_t i = 0; i < depth && v; i++) {
                if (v->type == FERRY_TYPE_STRUCT) {
                        const ferry_field_t *f = ferry_schema_field(v->u.st.schema, path[i]);
                        if (!f) {
                                *missing = true;
                                return NULL;
                        }
                        *s = f->schema;
                        v = v->u.st.fields[f->index];
                } else if (v->type == FERRY_TYPE_MAP) {
                        *s = *s ? (*s)->items : NULL;
                        v = ferry_map_get_str(v, path[i]);
                } else {
                        *missing = true;
                        return NULL;
                }
        }
        return v;
}

/* Connect logical values that CQL wants in another form: Time ms -> ns, Decimal -> text. */
static ferry_value_t *logical_fix(const ferry_value_t *v, const ferry_schema_t *s)
{
        if (!v || !s || !s->name)
                return NULL;
        if (!strcmp(s->name, FERRY_LOGICAL_TIME) && v->type <= FERRY_TYPE_INT64)
                return ferry_value_int(FERRY_TYPE_INT64, v->u.i * 1000000LL);
        if (!strcmp(s->name, FERRY_LOGICAL_DECIMAL) && v->type == FERRY_TYPE_BYTES) {
                int scale = 0;
                ferry_decimal_scale(s, &scale);
                char *txt = ferry_decimal_format(v->u.s.data, v->u.s.len, scale);
                ferry_value_t *out = txt ? ferry_value_cstring(txt) : NULL;
                free(txt);
                return out;
        }
        return NULL;
}

static int to_int64(const ferry_value_t *v, int64_t *out)
{
        if (v->type <= FERRY_TYPE_INT64) {
                *out = v->u.i;
                return 0;
        }
        if (v->type == FERRY_TYPE_STRING)
                return ferry_parse_int64(v->u.s.data, out);
        if (v->type == FERRY_TYPE_FLOAT64 || v->type == FERRY_TYPE_FLOAT32) {
                *out = (int64_t)v->u.f;
                return 0;
        }
        return -1;
}

int cass_record_op(const cass_tablecfg_t *t, const ferry_record_t *r, cass_ops_t *ops, char *errstr,
                   size_t errstr_size)
{
        root_t key = {.v = r->key, .s = r->key_schema}, val = {.v = r->value, .s = r->value_schema};
        const ferry_value_t **vals = calloc(t->n_maps ? t->n_maps : 1, sizeof *vals);
        ferry_value_t **owned = calloc(t->n_maps ? t->n_maps : 1, sizeof *owned);
        int rc = -1;
        if (!vals || !owned) {
                snprintf(errstr, errstr_size, "out of memory");
                goto out;
        }
        bool all_null = true, any_regular = false;
        for (size_t i = 0; i < t->n_maps; i++) {
                const cass_map_t *m = &t->maps[i];
                const ferry_value_t *v = NULL;
                const ferry_schema_t *s = NULL;
                bool missing = false;
                switch (m->src) {
                case SRC_NOW:
                        continue;
                case SRC_HEADER:
                        for (size_t h = 0; h < r->n_headers; h++)
                                if (strcmp(r->headers[h].key, m->path[0]) == 0) {
                                        v = r->headers[h].value;
                                        s = r->headers[h].schema;
                                        break;
                                }
                        break;
                case SRC_KEY:
                case SRC_VALUE: {
                        root_t *root = m->src == SRC_KEY ? &key : &val;
                        s = root->s;
                        v = walk(root_value(root, m->depth > 0), &s, m->path, m->depth, &missing);
                        break;
                }
                }
                if (missing) {
                        snprintf(errstr, errstr_size,
                                 "%s-%d offset %lld: field '%s' (mapped to column %s) is missing", r->topic,
                                 r->partition, (long long)r->kafka_offset, m->expr, m->column);
                        goto out;
                }
                owned[i] = logical_fix(v, s);
                vals[i] = owned[i] ? owned[i] : v;
                if (!special(m) && !m->is_pk) {
                        any_regular = true;
                        if (vals[i])
                                all_null = false;
                }
        }
        /* the write timestamp: __timestamp, else the record's (ms -> µs) */
        int64_t ts = INT64_MIN;
        if (t->ts_map >= 0 && vals[t->ts_map]) {
                int64_t x;
                if (to_int64(vals[t->ts_map], &x) < 0) {
                        snprintf(errstr, errstr_size, "%s-%d offset %lld: __timestamp is not a number",
                                 r->topic, r->partition, (long long)r->kafka_offset);
                        goto out;
                }
                ts = convert_unit(x, t->ts_unit_ns, 1000);
        } else if (r->timestamp >= 0) {
                ts = r->timestamp * 1000;
        }
        bool del = t->deletes_enabled && t->del && !t->counter && (any_regular ? all_null : r->value == NULL);
        if (!any_regular && r->value != NULL)
                del = false;
        const cql_prepared_t *stmt = del ? t->del : t->insert;
        const int *binds = del ? t->del_binds : t->ins_binds;
        size_t n_binds = del ? t->n_del_binds : t->n_ins_binds;
        cass_op_t *op = cass_ops_add(ops);
        if (!op) {
                snprintf(errstr, errstr_size, "out of memory");
                goto out;
        }
        op->stmt = stmt;
        op->ts = ts;
        op->counter = t->counter;
        op->consistency = t->consistency;
        op->rec = r;
        for (size_t b = 0; b < n_binds; b++) {
                int mi = binds[b];
                const cql_type_t *type = stmt->binds[b].type;
                if (mi == -3) {
                        if (ts == INT64_MIN) {
                                cql_values_unset(&op->vals);
                        } else {
                                uint8_t be[8];
                                for (int k = 0; k < 8; k++)
                                        be[k] = (uint8_t)((uint64_t)ts >> (56 - 8 * k));
                                cql_values_raw(&op->vals, be, 8);
                        }
                        continue;
                }
                if (mi == -2) {
                        int64_t ttl = -1;
                        if (t->ttl_map >= 0 && vals[t->ttl_map]) {
                                if (to_int64(vals[t->ttl_map], &ttl) < 0) {
                                        snprintf(errstr, errstr_size,
                                                 "%s-%d offset %lld: __ttl is not a number", r->topic,
                                                 r->partition, (long long)r->kafka_offset);
                                        goto fail_op;
                                }
                                ttl = convert_unit(ttl, t->ttl_unit_ns, 1000000000LL);
                        } else if (t->ttl >= 0) {
                                ttl = convert_unit(t->ttl, t->ttl_unit_ns, 1000000000LL);
                        }
                        if (ttl < 0) {
                                cql_values_unset(&op->vals);
                        } else {
                                uint8_t be[4] = {(uint8_t)(ttl >> 24), (uint8_t)(ttl >> 16),
                                                 (uint8_t)(ttl >> 8), (uint8_t)ttl};
                                cql_values_raw(&op->vals, be, 4);
                        }
                        continue;
                }
                const cass_map_t *m = &t->maps[mi];
                const ferry_value_t *v = vals[mi];
                if (!v) {
                        if (m->is_pk) {
                                snprintf(errstr, errstr_size,
                                         "%s-%d offset %lld: primary key column %s (from %s) is null",
                                         r->topic, r->partition, (long long)r->kafka_offset, m->column,
                                         m->expr);
                                goto fail_op;
                        }
                        if (t->null_to_unset || m->is_counter)
                                cql_values_unset(&op->vals);
                        else
                                cql_values_null(&op->vals);
                        continue;
                }
                char err[512];
                if (cql_value_append(&op->vals, type, v, err, sizeof err) < 0) {
                        snprintf(errstr, errstr_size, "%s-%d offset %lld: column %s (from %s): %s", r->topic,
                                 r->partition, (long long)r->kafka_offset, m->column, m->expr, err);
                        goto fail_op;
                }
        }
        cass_values_key(&op->vals, stmt->pk_index, stmt->n_pk, &op->pkey);
        /* the whole primary key: the bind positions of the pk maps. None for a query of your own:
         * it may add to a collection or a column, so no row of a put replaces another. */
        for (size_t k = 0; !t->query && k < t->n_pk; k++)
                for (size_t b = 0; b < n_binds; b++)
                        if (binds[b] == t->pk_maps[k]) {
                                uint16_t idx = (uint16_t)b;
                                cass_values_key(&op->vals, &idx, 1, &op->rowkey);
                                break;
                        }
        rc = 0;
        goto out;
fail_op:
        cql_values_free(&op->vals);
        ops->n--;
out:
        for (size_t i = 0; owned && i < t->n_maps; i++)
                ferry_value_free(owned[i]);
        free(owned);
        free(vals);
        ferry_value_free(key.parsed);
        ferry_value_free(val.parsed);
        return rc;
}
