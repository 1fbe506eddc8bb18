/* The Cassandra sinks' writer: one put()'s row operations (prepared statement + bound values,
 * built by cass_datastax.c or cass_lenses.c) are grouped by statement and partition key, a later
 * row of the same primary key replacing an earlier one, cut into batches of
 * maxNumberOfRecordsInBatch (UNLOGGED, COUNTER for counter updates, a lone row as a plain
 * EXECUTE) and run through the shared CQL session with up to maxConcurrentRequests in flight;
 * rows a put writes to one table through two statements (an insert, then the delete of a
 * tombstone) go in successive waves, so the later one is applied last.
 * put() returns only once every batch was acknowledged, so the offsets the runtime commits after
 * it are those of rows the node holds. Also reads table metadata from system_schema. */
#include "cass.h"

#include <ferry/log.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

cass_op_t *cass_ops_add(cass_ops_t *ops)
{
        if (ops->n == ops->cap) {
                size_t cap = ops->cap ? ops->cap * 2 : 64;
                cass_op_t *p = realloc(ops->ops, cap * sizeof *p);
                if (!p)
                        return NULL;
                ops->ops = p;
                ops->cap = cap;
        }
        cass_op_t *op = &ops->ops[ops->n++];
        memset(op, 0, sizeof *op);
        op->ts = INT64_MIN;
        return op;
}

void cass_ops_clear(cass_ops_t *ops)
{
        for (size_t i = 0; i < ops->n; i++) {
                cql_values_free(&ops->ops[i].vals);
                cql_buf_free(&ops->ops[i].pkey);
                cql_buf_free(&ops->ops[i].rowkey);
        }
        ops->n = 0;
}

void cass_ops_free(cass_ops_t *ops)
{
        cass_ops_clear(ops);
        free(ops->ops);
        memset(ops, 0, sizeof *ops);
}

void cass_values_key(const cql_values_t *vals, const uint16_t *idx, size_t n, cql_buf_t *out)
{
        /* walk the [bytes] list once per wanted index (keys are short) */
        for (size_t k = 0; k < n; k++) {
                cql_rd_t r = {.p = vals->data.p, .len = vals->data.len};
                for (size_t i = 0; i < vals->n && !r.bad; i++) {
                        int32_t len;
                        const uint8_t *p = cql_get_bytes(&r, &len);
                        if (i == idx[k]) {
                                cql_put_bytes(out, p, len);
                                break;
                        }
                }
        }
}

static int cmp_buf(const cql_buf_t *a, const cql_buf_t *b)
{
        if (a->len != b->len)
                return a->len < b->len ? -1 : 1;
        return a->len ? memcmp(a->p, b->p, a->len) : 0;
}

typedef struct {
        const cass_op_t *ops;
        const size_t *wave;
} group_ctx_t;

/* Orders op indexes by wave, statement, consistency, partition key, then position (stable). */
static int cmp_group(const void *pa, const void *pb, void *ctx)
{
        const group_ctx_t *g = ctx;
        size_t ia = *(const size_t *)pa, ib = *(const size_t *)pb;
        if (g->wave[ia] != g->wave[ib])
                return g->wave[ia] < g->wave[ib] ? -1 : 1;
        const cass_op_t *a = &g->ops[ia], *b = &g->ops[ib];
        if (a->stmt != b->stmt)
                return a->stmt < b->stmt ? -1 : 1;
        if (a->consistency != b->consistency)
                return a->consistency < b->consistency ? -1 : 1;
        int c = cmp_buf(&a->pkey, &b->pkey);
        if (c)
                return c;
        return ia < ib ? -1 : ia > ib;
}

static bool same_table(const cql_prepared_t *a, const cql_prepared_t *b)
{
        if (!a->n_binds || !b->n_binds || !a->binds[0].ks || !b->binds[0].ks || !a->binds[0].table ||
            !b->binds[0].table)
                return true; /* unknown: assume they may touch the same rows */
        return strcmp(a->binds[0].ks, b->binds[0].ks) == 0 &&
               strcmp(a->binds[0].table, b->binds[0].table) == 0;
}

/* Cuts the ops, in record order, into waves that run one after the other: an op whose table an
 * earlier op of the current wave writes through another statement (an insert then a delete of the
 * same row) starts a new wave, so requests in flight together never race on one row. Returns the
 * number of waves. */
static size_t assign_waves(const cass_op_t *ops, size_t n, size_t *wave)
{
        const cql_prepared_t *seen[16];
        size_t n_seen = 0, w = 0;
        for (size_t i = 0; i < n; i++) {
                bool known = false, conflict = false;
                for (size_t k = 0; k < n_seen; k++) {
                        if (seen[k] == ops[i].stmt)
                                known = true;
                        else if (same_table(seen[k], ops[i].stmt))
                                conflict = true;
                }
                if (conflict || (!known && n_seen == sizeof seen / sizeof *seen)) {
                        w++;
                        n_seen = 0;
                        known = false;
                }
                if (!known)
                        seen[n_seen++] = ops[i].stmt;
                wave[i] = w;
        }
        return n ? w + 1 : 0;
}

static bool same_group(const size_t *wave, const cass_op_t *ops, size_t ia, size_t ib)
{
        const cass_op_t *a = &ops[ia], *b = &ops[ib];
        return wave[ia] == wave[ib] && a->stmt == b->stmt && a->consistency == b->consistency &&
               cmp_buf(&a->pkey, &b->pkey) == 0;
}

typedef struct {
        size_t *idx; /* op indexes of this request */
        size_t n;
} chunk_t;

void cass_skip(ferry_task_t *t, bool dlq, const ferry_record_t *r, const char *why)
{
        ferry_task_log(t, FERRY_LOG_WARN, "skipping %s-%d offset %lld: %s", r->topic, r->partition,
                       (long long)r->kafka_offset, why);
        if (dlq)
                ferry_sink_task_report(t, r, why);
}

bool cass_dlq(const ferry_strmap_t *config)
{
        const char *v = ferry_strmap_get(config, "errors.tolerance");
        return v && !strcasecmp(v, "all");
}

static void report_ops(ferry_task_t *t, bool dlq, const cass_op_t *ops, const chunk_t *ch, const char *msg)
{
        for (size_t i = 0; i < ch->n; i++) {
                const ferry_record_t *r = ops[ch->idx[i]].rec;
                if (r)
                        cass_skip(t, dlq, r, msg);
        }
}

ferry_err_t cass_write(ferry_task_t *t, cql_session_t *s, cass_ops_t *ops, int max_batch, int max_in_flight,
                       cass_ignore_t ignore, bool dlq, char *errstr, size_t errstr_size)
{
        if (!ops->n)
                return FERRY_ERR_OK;
        if (max_batch < 1)
                max_batch = 1;
        size_t n = ops->n;
        size_t *order = malloc(n * sizeof *order);
        bool *dropped = calloc(n, sizeof *dropped);
        chunk_t *chunks = calloc(n, sizeof *chunks);
        size_t *pool = malloc(n * sizeof *pool);
        size_t *wave = malloc(n * sizeof *wave);
        size_t *chunk_wave = malloc(n * sizeof *chunk_wave);
        cql_req_t *reqs = NULL;
        cql_req_t **rp = NULL;
        size_t n_chunks = 0, pool_used = 0;
        ferry_err_t rc = FERRY_ERR_OK;
        if (!order || !dropped || !chunks || !pool || !wave || !chunk_wave) {
                rc = FERRY_ERR_NOMEM;
                goto out;
        }
        for (size_t i = 0; i < n; i++)
                order[i] = i;
        assign_waves(ops->ops, n, wave);
        group_ctx_t gctx = {.ops = ops->ops, .wave = wave};
        qsort_r(order, n, sizeof *order, cmp_group, &gctx);
        for (size_t g = 0; g < n;) {
                size_t e = g + 1;
                while (e < n && same_group(wave, ops->ops, order[g], order[e]))
                        e++;
                /* a later row of the same primary key (timestamp not older) replaces an earlier one */
                for (size_t i = g; i < e; i++) {
                        cass_op_t *a = &ops->ops[order[i]];
                        if (a->counter || !a->rowkey.len)
                                continue;
                        for (size_t j = i + 1; j < e; j++) {
                                cass_op_t *b = &ops->ops[order[j]];
                                if (cmp_buf(&a->rowkey, &b->rowkey) == 0 && b->ts >= a->ts) {
                                        dropped[order[i]] = true;
                                        break;
                                }
                        }
                }
                chunk_t *cur = NULL;
                for (size_t i = g; i < e; i++) {
                        if (dropped[order[i]])
                                continue;
                        if (!cur || cur->n == (size_t)max_batch) {
                                chunk_wave[n_chunks] = wave[order[i]];
                                cur = &chunks[n_chunks++];
                                cur->idx = pool + pool_used;
                                cur->n = 0;
                        }
                        pool[pool_used++] = order[i];
                        cur->n++;
                }
                g = e;
        }
        reqs = calloc(n_chunks, sizeof *reqs);
        rp = calloc(n_chunks, sizeof *rp);
        if (!reqs || !rp) {
                rc = FERRY_ERR_NOMEM;
                goto out;
        }
        uint8_t version = cql_session_version(s);
        for (size_t c = 0; c < n_chunks; c++) {
                const cass_op_t *first = &ops->ops[chunks[c].idx[0]];
                rp[c] = &reqs[c];
                if (chunks[c].n == 1) {
                        cql_qparams_t qp = CQL_QPARAMS_DEFAULT;
                        qp.consistency = first->consistency;
                        cql_enc_execute(&reqs[c].frame, version, 0, first->stmt->id, first->stmt->id_len,
                                        first->stmt->meta_id, first->stmt->meta_len, &first->vals, &qp);
                        continue;
                }
                cql_enc_batch_begin(&reqs[c].frame, version, 0,
                                    first->counter ? CQL_BATCH_COUNTER : CQL_BATCH_UNLOGGED,
                                    (uint16_t)chunks[c].n);
                for (size_t i = 0; i < chunks[c].n; i++) {
                        const cass_op_t *op = &ops->ops[chunks[c].idx[i]];
                        cql_enc_batch_prepared(&reqs[c].frame, op->stmt->id, op->stmt->id_len, &op->vals);
                }
                cql_enc_batch_end(&reqs[c].frame, first->consistency, 0, INT64_MIN);
        }
        int run = 0;
        for (size_t c = 0, w_end = 0; c < n_chunks && rc == FERRY_ERR_OK; c++) {
                if (c == w_end) { /* the next wave goes once the one before is acknowledged */
                        while (w_end < n_chunks && chunk_wave[w_end] == chunk_wave[c])
                                w_end++;
                        run = cql_session_run(s, rp + c, w_end - c, max_in_flight);
                }
                if (reqs[c].rc == 0)
                        continue;
                char msg[1024];
                cql_error_format(&reqs[c].err, msg, sizeof msg);
                const cass_op_t *first = &ops->ops[chunks[c].idx[0]];
                if (run < 0 || cql_error_retriable(reqs[c].err.code)) {
                        snprintf(errstr, errstr_size, "writing to Cassandra failed (will retry): %s", msg);
                        rc = FERRY_ERR_RETRIABLE;
                        break;
                }
                if (ignore != CASS_IGNORE_NONE) {
                        ferry_task_log(t, FERRY_LOG_WARN, "Cassandra refused %zu row(s) (ignoreErrors): %s",
                                       chunks[c].n, msg);
                        report_ops(t, dlq, ops->ops, &chunks[c], msg);
                        continue;
                }
                snprintf(errstr, errstr_size, "Cassandra refused the write of %s-%d offset %lld (%s): %s",
                         first->rec ? first->rec->topic : "?", first->rec ? first->rec->partition : -1,
                         first->rec ? (long long)first->rec->kafka_offset : -1LL, first->stmt->cql, msg);
                rc = FERRY_ERR_FATAL;
        }
out:
        if (reqs)
                for (size_t c = 0; c < n_chunks; c++)
                        cql_req_free(&reqs[c]);
        free(order);
        free(dropped);
        free(chunks);
        free(pool);
        free(wave);
        free(chunk_wave);
        free(reqs);
        free(rp);
        return rc;
}

/* ---------------------------------------------------------------- table metadata */

void cass_table_meta_free(cass_table_meta_t *m)
{
        for (size_t i = 0; i < m->n; i++) {
                free(m->cols[i].name);
                free(m->cols[i].type);
                free(m->cols[i].kind);
        }
        free(m->cols);
        memset(m, 0, sizeof *m);
}

static char *cell_str(const cql_cell_t *c)
{
        if (!c->p || c->len < 0)
                return strdup("");
        char *s = malloc((size_t)c->len + 1);
        if (s) {
                memcpy(s, c->p, (size_t)c->len);
                s[c->len] = 0;
        }
        return s;
}

int cass_table_meta(cql_session_t *s, const char *ks, const char *table, cass_table_meta_t *m, char *errstr,
                    size_t errstr_size)
{
        memset(m, 0, sizeof *m);
        cql_values_t v = {0};
        cql_values_raw(&v, ks, strlen(ks));
        cql_values_raw(&v, table, strlen(table));
        cql_result_t res;
        cql_error_t e;
        int rc =
                cql_session_query(s,
                                  "SELECT column_name, type, kind, position FROM system_schema.columns WHERE "
                                  "keyspace_name = ? AND table_name = ?",
                                  &v, NULL, &res, &e);
        cql_values_free(&v);
        if (rc < 0) {
                char msg[700];
                cql_error_format(&e, msg, sizeof msg);
                snprintf(errstr, errstr_size, "cannot read the columns of %s.%s: %s", ks, table, msg);
                cql_error_clear(&e);
                return -1;
        }
        if (res.n_rows == 0 || res.n_cols != 4) {
                cql_result_free(&res);
                cql_values_t kv = {0};
                cql_values_raw(&kv, ks, strlen(ks));
                bool ks_exists = false;
                if (cql_session_query(
                            s, "SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = ?",
                            &kv, NULL, &res, &e) == 0) {
                        ks_exists = res.n_rows > 0;
                        cql_result_free(&res);
                } else {
                        cql_error_clear(&e);
                }
                cql_values_free(&kv);
                if (!ks_exists)
                        snprintf(errstr, errstr_size, "keyspace %s does not exist", ks);
                else
                        snprintf(errstr, errstr_size, "table %s.%s does not exist", ks, table);
                return -1;
        }
        m->cols = calloc(res.n_rows, sizeof *m->cols);
        if (!m->cols) {
                cql_result_free(&res);
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        for (size_t i = 0; i < res.n_rows; i++) {
                const cql_cell_t *row = &res.cells[i * 4];
                m->cols[i].name = cell_str(&row[0]);
                m->cols[i].type = cell_str(&row[1]);
                m->cols[i].kind = cell_str(&row[2]);
                m->cols[i].position =
                        row[3].len == 4 ? (int)((uint32_t)row[3].p[0] << 24 | (uint32_t)row[3].p[1] << 16 |
                                                (uint32_t)row[3].p[2] << 8 | row[3].p[3])
                                        : -1;
                m->n = i + 1;
        }
        cql_result_free(&res);
        return 0;
}

const cass_column_t *cass_table_column(const cass_table_meta_t *m, const char *name)
{
        for (size_t i = 0; i < m->n; i++)
                if (strcmp(m->cols[i].name, name) == 0)
                        return &m->cols[i];
        return NULL;
}

static int pk_rank(const cass_column_t *c)
{
        if (strcmp(c->kind, "partition_key") == 0)
                return 0;
        if (strcmp(c->kind, "clustering") == 0)
                return 1;
        return 2;
}

size_t cass_table_pk(const cass_table_meta_t *m, const cass_column_t ***out)
{
        *out = calloc(m->n ? m->n : 1, sizeof **out);
        if (!*out)
                return 0;
        size_t k = 0;
        for (int rank = 0; rank < 2; rank++)
                for (int pos = 0; pos < (int)m->n; pos++)
                        for (size_t i = 0; i < m->n; i++)
                                if (pk_rank(&m->cols[i]) == rank && m->cols[i].position == pos)
                                        (*out)[k++] = &m->cols[i];
        return k;
}

void cass_ident(const char *name, char *out, size_t out_size)
{
        bool plain = name[0] && !isdigit((unsigned char)name[0]);
        for (const char *p = name; *p && plain; p++)
                if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_'))
                        plain = false;
        if (plain) {
                snprintf(out, out_size, "%s", name);
                return;
        }
        size_t k = 0;
        if (k + 1 < out_size)
                out[k++] = '"';
        for (const char *p = name; *p && k + 3 < out_size; p++) {
                if (*p == '"')
                        out[k++] = '"';
                out[k++] = *p;
        }
        if (k + 1 < out_size)
                out[k++] = '"';
        out[k < out_size ? k : out_size - 1] = 0;
}
