/* Avro schema resolution between a reader and a writer schema (the Avro specification's rules,
 * as Java's SchemaCompatibility checks them): can data written with one schema be read with the
 * other? The AvroConverter asks it with use.latest.version and latest.compatibility.strict
 * (the subject's latest schema must read what the value's own schema writes). */
#include "avro_compat.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MAX_DEPTH 256

typedef struct pair {
        const ferry_avro_node_t *r, *w;
        const struct pair *up;
} pair_t;

typedef struct {
        char *errstr;
        size_t errstr_size;
        bool failed;
} cctx_t;

static bool cfail(cctx_t *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool cfail(cctx_t *x, const char *fmt, ...)
{
        if (!x->failed && x->errstr && x->errstr_size) {
                va_list ap;
                va_start(ap, fmt);
                vsnprintf(x->errstr, x->errstr_size, fmt, ap);
                va_end(ap);
        }
        x->failed = true;
        return false;
}

static bool same_name(const ferry_avro_node_t *r, const ferry_avro_node_t *w)
{
        return r->name && w->name && strcmp(r->name, w->name) == 0;
}

static bool promotable(ferry_avro_type_t w, ferry_avro_type_t r)
{
        switch (w) {
        case FERRY_AVRO_INT:
                return r == FERRY_AVRO_LONG || r == FERRY_AVRO_FLOAT || r == FERRY_AVRO_DOUBLE;
        case FERRY_AVRO_LONG:
                return r == FERRY_AVRO_FLOAT || r == FERRY_AVRO_DOUBLE;
        case FERRY_AVRO_FLOAT:
                return r == FERRY_AVRO_DOUBLE;
        case FERRY_AVRO_STRING:
                return r == FERRY_AVRO_BYTES;
        case FERRY_AVRO_BYTES:
                return r == FERRY_AVRO_STRING;
        default:
                return false;
        }
}

static bool check(cctx_t *x, const ferry_avro_node_t *r, const ferry_avro_node_t *w, const pair_t *seen,
                  int depth);

/* Whether r reads w, without recording why not (for trying union branches). */
static bool quiet(const ferry_avro_node_t *r, const ferry_avro_node_t *w, const pair_t *seen, int depth)
{
        cctx_t q = {0};
        return check(&q, r, w, seen, depth);
}

static bool check(cctx_t *x, const ferry_avro_node_t *r, const ferry_avro_node_t *w, const pair_t *seen,
                  int depth)
{
        if (depth > MAX_DEPTH)
                return cfail(x, "schemas nested too deeply");
        for (const pair_t *p = seen; p; p = p->up)
                if (p->r == r && p->w == w)
                        return true; /* recursive types: assumed compatible while being checked */
        pair_t here = {r, w, seen};
        if (w->type == FERRY_AVRO_UNION) {
                for (size_t i = 0; i < w->n_branches; i++)
                        if (!check(x, r, w->branches[i], &here, depth + 1))
                                return false;
                return true;
        }
        if (r->type == FERRY_AVRO_UNION) {
                for (size_t i = 0; i < r->n_branches; i++)
                        if (quiet(r->branches[i], w, &here, depth + 1))
                                return true;
                return cfail(x, "reader union lacking writer type: %s", ferry_avro_type_name(w->type));
        }
        if (r->type != w->type) {
                if (promotable(w->type, r->type))
                        return true;
                return cfail(x, "reader type: %s not compatible with writer type: %s",
                             ferry_avro_type_name(r->type), ferry_avro_type_name(w->type));
        }
        switch (r->type) {
        case FERRY_AVRO_RECORD:
                if (!same_name(r, w))
                        return cfail(x, "expected: %s, found: %s (name mismatch)", w->name, r->name);
                for (size_t i = 0; i < r->n_fields; i++) {
                        const ferry_avro_field_t *rf = &r->fields[i], *wf = NULL;
                        for (size_t k = 0; k < w->n_fields && !wf; k++)
                                if (strcmp(w->fields[k].name, rf->name) == 0)
                                        wf = &w->fields[k];
                        if (!wf) {
                                if (!rf->has_default)
                                        return cfail(x,
                                                     "reader field %s of %s has no default value and is "
                                                     "missing from the writer",
                                                     rf->name, r->name);
                                continue;
                        }
                        if (!check(x, rf->type, wf->type, &here, depth + 1))
                                return false;
                }
                return true;
        case FERRY_AVRO_ENUM:
                if (!same_name(r, w))
                        return cfail(x, "expected: %s, found: %s (name mismatch)", w->name, r->name);
                if (r->enum_default)
                        return true;
                for (size_t i = 0; i < w->n_symbols; i++) {
                        bool found = false;
                        for (size_t k = 0; k < r->n_symbols && !found; k++)
                                found = strcmp(r->symbols[k], w->symbols[i]) == 0;
                        if (!found)
                                return cfail(x, "reader enum %s lacks the writer symbol %s", r->name,
                                             w->symbols[i]);
                }
                return true;
        case FERRY_AVRO_FIXED:
                if (!same_name(r, w))
                        return cfail(x, "expected: %s, found: %s (name mismatch)", w->name, r->name);
                if (r->size != w->size)
                        return cfail(x, "expected fixed size %d, found %d", w->size, r->size);
                return true;
        case FERRY_AVRO_ARRAY:
        case FERRY_AVRO_MAP:
                return check(x, r->items, w->items, &here, depth + 1);
        default:
                return true;
        }
}

bool ferry_avro_can_read(const ferry_avro_node_t *reader, const ferry_avro_node_t *writer, char *errstr,
                         size_t errstr_size)
{
        cctx_t x = {.errstr = errstr, .errstr_size = errstr_size};
        return check(&x, reader, writer, NULL, 0);
}
