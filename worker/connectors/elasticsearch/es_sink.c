/* Elasticsearch / OpenSearch sink task (Confluent's ElasticsearchSinkTask): put() turns each
 * record into a bulk action (es_doc.c), makes sure its index exists with a mapping derived from
 * the Connect schema (once per index and task), and hands the action to the bulk processor
 * (es_sender.c), which sends `_bulk` requests on a thread of its own while put() returns for the
 * next records; put() blocks only while max.buffered.records are buffered. pre_commit() sends the
 * partial batch, waits until everything buffered is acknowledged (up to flush.timeout.ms) and
 * hands the worker, per partition, no offset past the first document not yet indexed, so a crash
 * loses nothing. An asynchronous batch's error shows at the next put() or pre-commit: a fatal one
 * (malformed with FAIL, refused credentials) fails the task; one the server could not take within
 * max.retries / flush.timeout.ms rewinds the partitions to their first unacknowledged offset and
 * the records come again (Confluent fails the task), skipping those already indexed or reported.
 * With errors.tolerance=all, put() waits for its own documents, so the errant record reporter
 * still holds their original bytes for the dead letter queue. Data flow: consumer -> converters
 * -> transforms -> put() -> es_sender -> HTTP -> Elasticsearch. */
#define _POSIX_C_SOURCE 200809L

#include "es_http.h"
#include "es_sender.h"
#include "es_sink.h"
#include "shared/elasticsearch/bulk_response.h"

#include <ferry/clock.h>
#include <ferry/log.h>
#include <ferry/tls.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
        ferry_task_t *t;
        ferry_config_t *cfg;
        es_settings_t s;
        es_http_t *http;     /* set-up requests, on the task's thread */
        es_sender_t *sender; /* bulk requests, on the sender's thread */
        char **known;        /* indices this task made sure of */
        size_t n_known, cap_known;
        ferry_buf_t lines;
        int rewinds; /* in a row, for the wait before records come again */
        uint64_t rng;
} es_task_t;

/* ---- connector ---- */

static void es_validate(const ferry_strmap_t *config, ferry_cfg_errors_t *errs)
{
        es_config_validate(config, errs);
}

/* ---- task ---- */

static uint64_t next_rand(es_task_t *e)
{
        e->rng ^= e->rng << 13;
        e->rng ^= e->rng >> 7;
        e->rng ^= e->rng << 17;
        return e->rng;
}

/* retry.backoff.ms doubled per attempt, with jitter: a wait between half and all of it. */
static int64_t backoff_ms(es_task_t *e, int attempt)
{
        int64_t max = e->s.retry_backoff_ms;
        for (int i = 0; i < attempt && max < 86400000; i++)
                max *= 2;
        if (max <= 1)
                return max;
        return max / 2 + (int64_t)(next_rand(e) % (uint64_t)(max / 2 + 1));
}

static void task_free(es_task_t *e)
{
        if (!e)
                return;
        es_sender_free(e->sender);
        es_http_free(e->http);
        es_settings_free(&e->s);
        ferry_config_free(e->cfg);
        for (size_t i = 0; i < e->n_known; i++)
                free(e->known[i]);
        free(e->known);
        ferry_buf_free(&e->lines);
        free(e);
}

/* A single request, run to its answer. */
static void one(es_task_t *e, es_req_t *r)
{
        es_req_t *rs[1] = {r};
        es_http_run(e->http, rs, 1, 1, e->t);
}

static bool auth_failure(int status)
{
        return status == 401 || status == 403;
}

static ferry_err_t task_start(ferry_task_t *t, const ferry_strmap_t *config, char *errstr, size_t errstr_size)
{
        ferry_cfg_errors_t errs;
        ferry_cfg_errors_init(&errs);
        ferry_config_t *cfg = ferry_config_parse(es_config_def, config, &errs);
        es_config_validate(config, &errs);
        if (!cfg || errs.n) {
                char *j = ferry_cfg_errors_join(&errs);
                snprintf(errstr, errstr_size, "%s", j ? j : "invalid configuration");
                free(j);
                ferry_cfg_errors_free(&errs);
                ferry_config_free(cfg);
                return FERRY_ERR_INVALID_CONFIG;
        }
        ferry_cfg_errors_free(&errs);
        es_task_t *e = calloc(1, sizeof(*e));
        if (!e) {
                ferry_config_free(cfg);
                return FERRY_ERR_NOMEM;
        }
        e->t = t;
        e->cfg = cfg;
        e->rng = (uint64_t)ferry_now_us() * 2654435761u + (uint64_t)ferry_task_id(t) + 1;
        ferry_buf_init(&e->lines);
        if (es_settings_load(&e->s, cfg, config, errstr, errstr_size) < 0) {
                task_free(e);
                return FERRY_ERR_INVALID_CONFIG;
        }
        size_t n_urls;
        const char *const *urls = ferry_config_get_list(cfg, "connection.url", &n_urls);
        bool https = false;
        for (size_t i = 0; i < n_urls; i++)
                https |= !strncasecmp(urls[i], "https://", 8);
        /* HTTPS for all nodes when any URL asks for it. */
        char **fixed = calloc(n_urls, sizeof(char *));
        for (size_t i = 0; fixed && i < n_urls; i++) {
                const char *u = urls[i];
                if (https && !strncasecmp(u, "http://", 7)) {
                        size_t l = strlen(u) + 2;
                        fixed[i] = malloc(l);
                        if (fixed[i])
                                snprintf(fixed[i], l, "https://%s", u + 7);
                } else {
                        fixed[i] = strdup(u);
                }
        }
        const char *proto = ferry_config_get_string(cfg, "elastic.security.protocol");
        bool ssl = proto && !strcasecmp(proto, "SSL");
        const char *user = ferry_config_get_string(cfg, "connection.username");
        es_http_config_t hc = {
                .urls = fixed,
                .n_urls = n_urls,
                .username = user && *user ? user : NULL,
                .password = ferry_config_get_password(cfg, "connection.password"),
                .connect_timeout_ms = ferry_config_get_int(cfg, "connection.timeout.ms"),
                .read_timeout_ms = ferry_config_get_int(cfg, "read.timeout.ms"),
                .compress = ferry_config_get_bool(cfg, "connection.compression"),
                .tls = ssl || https,
                .verify_host = true,
        };
        ferry_tls_pem_t pem = {0};
        if (ssl) {
                /* JKS, PKCS12 or PEM stores, read into PEM text by the SDK's store reader. */
                if (es_tls_load(config, &pem, errstr, errstr_size) < 0) {
                        for (size_t i = 0; fixed && i < n_urls; i++)
                                free(fixed[i]);
                        free(fixed);
                        task_free(e);
                        return FERRY_ERR_INVALID_CONFIG;
                }
                hc.ca_pem = pem.ca_pem;
                hc.cert_pem = pem.cert_pem;
                hc.key_pem = pem.key_pem;
                const char *alg =
                        ferry_config_get_string(cfg, "elastic.https.ssl.endpoint.identification.algorithm");
                hc.verify_host = !alg || *alg;
        }
        e->http = es_http_new(&hc, errstr, errstr_size);
        es_http_t *bulk_http = e->http ? es_http_new(&hc, errstr, errstr_size) : NULL;
        for (size_t i = 0; fixed && i < n_urls; i++)
                free(fixed[i]);
        free(fixed);
        ferry_tls_pem_free(&pem);
        if (!bulk_http ||
            !(e->sender = es_sender_new(&e->s, bulk_http, t, e->s.tolerate_all, errstr, errstr_size))) {
                task_free(e);
                return FERRY_ERR_NOMEM;
        }
        ferry_task_set_data(t, e);
        /* Wrong credentials fail the task at once; an unreachable cluster is retried by put(). */
        es_req_t r = {.method = "GET", .path = "/"};
        ferry_buf_init(&r.resp);
        one(e, &r);
        ferry_err_t err = FERRY_ERR_OK;
        if (auth_failure(r.status)) {
                es_auth_message(&r, errstr, errstr_size);
                err = FERRY_ERR_FATAL;
        } else if (r.status == 0) {
                ferry_task_log(t, FERRY_LOG_WARN,
                               "Elasticsearch is not reachable yet (%s); writes will retry", r.error);
        } else {
                ferry_task_log(t, FERRY_LOG_INFO, "Connected to Elasticsearch at %s (HTTP %d)", r.url,
                               r.status);
        }
        es_req_free(&r);
        if (err != FERRY_ERR_OK) {
                ferry_task_set_data(t, NULL);
                task_free(e);
        }
        return err;
}

static void task_stop(ferry_task_t *t)
{
        task_free(ferry_task_data(t));
        ferry_task_set_data(t, NULL);
}

static bool known_index(es_task_t *e, const char *index)
{
        for (size_t i = 0; i < e->n_known; i++)
                if (!strcmp(e->known[i], index))
                        return true;
        return false;
}

static void remember_index(es_task_t *e, const char *index)
{
        if (e->n_known == e->cap_known) {
                size_t cap = e->cap_known ? e->cap_known * 2 : 8;
                char **k = realloc(e->known, cap * sizeof(*k));
                if (!k)
                        return;
                e->known = k;
                e->cap_known = cap;
        }
        char *c = strdup(index);
        if (c)
                e->known[e->n_known++] = c;
}

/* An error answer of a set-up request: RETRIABLE for transport errors and 429/5xx, else FATAL. */
static ferry_err_t setup_error(es_req_t *r, const char *what, char *errstr, size_t errstr_size)
{
        if (auth_failure(r->status)) {
                es_auth_message(r, errstr, errstr_size);
                return FERRY_ERR_FATAL;
        }
        char why[600];
        if (r->status == 0)
                snprintf(why, sizeof(why), "%s", r->error);
        else
                es_error_summary(r->resp.p, r->resp.len, why, sizeof(why));
        snprintf(errstr, errstr_size, "%s: %s %s answered %d: %s", what, r->method, r->path, r->status, why);
        return r->status == 0 || r->status == 429 || r->status >= 500 ? FERRY_ERR_RETRIABLE : FERRY_ERR_FATAL;
}

/* Creates the index (or data stream) when missing, and its mapping from the record's value schema
 * when schema.ignore is false and the index has none (Confluent's ensureIndexExists +
 * createMapping), once per index and task. */
static ferry_err_t ensure_index(es_task_t *e, const ferry_record_t *rec, const char *index, char *errstr,
                                size_t errstr_size)
{
        if (known_index(e, index))
                return FERRY_ERR_OK;
        es_req_t r = {.method = "HEAD"};
        ferry_buf_init(&r.resp);
        ferry_err_t err = FERRY_ERR_OK;
        snprintf(r.path, sizeof(r.path), "/%s", index);
        one(e, &r);
        if (r.status == 404) {
                es_req_reset(&r);
                r.method = "PUT";
                r.content_type = "application/json";
                if (e->s.ds_type)
                        snprintf(r.path, sizeof(r.path), "/_data_stream/%s", index);
                one(e, &r);
                if (r.status != 200) {
                        char why[300];
                        es_error_summary(r.resp.p, r.resp.len, why, sizeof(why));
                        if (r.status != 400 || !strstr(why, "already_exists"))
                                err = setup_error(&r,
                                                  e->s.ds_type ? "creating data stream" : "creating index",
                                                  errstr, errstr_size);
                }
        } else if (r.status != 200) {
                err = setup_error(&r, "checking index", errstr, errstr_size);
        }
        if (err == FERRY_ERR_OK && !e->s.ds_type && !es_ignore_schema(&e->s, rec->topic)) {
                if (!rec->value_schema || rec->value_schema->type != FERRY_TYPE_STRUCT) {
                        ferry_task_log(e->t, FERRY_LOG_INFO,
                                       "No mapping created for index %s: records of topic %s have no struct "
                                       "schema (set schema.ignore=true to say so)",
                                       index, rec->topic);
                } else {
                        es_req_reset(&r);
                        r.method = "GET";
                        r.content_type = NULL;
                        snprintf(r.path, sizeof(r.path), "/%s/_mapping", index);
                        one(e, &r);
                        if (r.status != 200) {
                                err = setup_error(&r, "reading the mapping", errstr, errstr_size);
                        } else if (!r.resp.p || !strstr(r.resp.p, "\"properties\"")) {
                                ferry_buf_t m;
                                ferry_buf_init(&m);
                                char merr[256];
                                if (es_mapping_json(rec->value_schema, &m, merr, sizeof(merr)) < 0) {
                                        snprintf(errstr, errstr_size, "mapping for index %s: %s", index,
                                                 merr);
                                        err = FERRY_ERR_FATAL;
                                } else {
                                        es_req_reset(&r);
                                        r.method = "PUT";
                                        r.content_type = "application/json";
                                        r.body = m.p;
                                        r.body_len = m.len;
                                        one(e, &r);
                                        if (r.status != 200)
                                                err = setup_error(&r, "creating the mapping", errstr,
                                                                  errstr_size);
                                        else
                                                ferry_task_log(e->t, FERRY_LOG_INFO,
                                                               "Created mapping for index %s", index);
                                }
                                ferry_buf_free(&m);
                        }
                }
        }
        es_req_free(&r);
        if (err == FERRY_ERR_OK)
                remember_index(e, index);
        return err;
}

/* A record that cannot become a document: dropped with drop.invalid.message, else the errant
 * record reporter (dead letter queue with errors.tolerance=all, a failed task otherwise). */
static ferry_err_t invalid_record(es_task_t *e, const ferry_record_t *r, const char *why, char *errstr,
                                  size_t errstr_size)
{
        if (e->s.drop_invalid) {
                ferry_task_log(e->t, FERRY_LOG_WARN, "Dropping invalid record %s-%d@%lld: %s", r->topic,
                               (int)r->partition, (long long)r->kafka_offset, why);
                return FERRY_ERR_OK;
        }
        char msg[1200];
        snprintf(msg, sizeof(msg), "%s (topic %s, partition %d, offset %lld)", why, r->topic,
                 (int)r->partition, (long long)r->kafka_offset);
        if (ferry_sink_task_report(e->t, r, msg) != FERRY_ERR_OK) {
                snprintf(errstr, errstr_size, "%s", msg);
                return FERRY_ERR_FATAL;
        }
        return FERRY_ERR_OK;
}

/* ---- rewinds: records the server did not take in time are consumed again ---- */

typedef struct {
        const char *topic;
        int32_t partition;
        int64_t offset;
} seek_t;

typedef struct {
        seek_t *v;
        size_t n, cap;
} seeks_t;

/* Keeps the lowest offset asked for per partition. */
static void add_seek(void *ctx, const char *topic, int32_t partition, int64_t offset)
{
        seeks_t *sk = ctx;
        for (size_t i = 0; i < sk->n; i++)
                if (sk->v[i].partition == partition && !strcmp(sk->v[i].topic, topic)) {
                        if (offset < sk->v[i].offset)
                                sk->v[i].offset = offset;
                        return;
                }
        if (sk->n == sk->cap) {
                size_t cap = sk->cap * 2 + 8;
                seek_t *v = realloc(sk->v, cap * sizeof(*v));
                if (!v)
                        return;
                sk->v = v;
                sk->cap = cap;
        }
        sk->v[sk->n++] = (seek_t){topic, partition, offset};
}

/* Drops what the sender holds and has the worker consume every partition again from its first
 * unacknowledged offset (and recs[from..n) of the current put(), which the sender never got).
 * Documents indexed or reported meanwhile are skipped when they come again. */
static void rewind_all(es_task_t *e, ferry_record_t *const *recs, size_t n, size_t from, const char *why)
{
        seeks_t sk = {0};
        es_sender_rewind(e->sender, add_seek, &sk);
        for (size_t i = from; i < n; i++)
                add_seek(&sk, recs[i]->topic, recs[i]->partition, recs[i]->kafka_offset);
        char where[600] = "";
        size_t w = 0;
        for (size_t i = 0; i < sk.n; i++) {
                ferry_sink_task_seek(e->t, sk.v[i].topic, sk.v[i].partition, sk.v[i].offset);
                if (w < sizeof(where) - 1) {
                        int k = snprintf(where + w, sizeof(where) - w, "%s%s-%d@%lld", i ? ", " : "",
                                         sk.v[i].topic, (int)sk.v[i].partition, (long long)sk.v[i].offset);
                        w += k > 0 ? (size_t)k : 0;
                }
        }
        free(sk.v);
        e->rewinds++;
        ferry_task_log(e->t, FERRY_LOG_WARN, "%s; the records are delivered again from %s", why,
                       where[0] ? where : "the next fetch");
}

/* put() after a rewind: waits retry.backoff.ms grown with the rewinds in a row, then returns OK
 * (the worker's seeks bring the records again; nothing of this batch is committed). */
static ferry_err_t rewind_put(es_task_t *e, ferry_record_t *const *recs, size_t n, size_t from,
                              const char *why)
{
        rewind_all(e, recs, n, from, why);
        int attempt = e->rewinds < e->s.max_retries ? e->rewinds : e->s.max_retries;
        int64_t wait = backoff_ms(e, attempt);
        ferry_task_wait(e->t, (int)(wait < 30000 ? wait : 30000));
        return FERRY_ERR_OK;
}

/* errors.tolerance=all: the malformed documents of this put() go to the errant record reporter
 * (with their original bytes, as they are of the current batch), then count as done. */
static ferry_err_t report_malformed(es_task_t *e, ferry_record_t *const *recs, size_t n, char *errstr,
                                    size_t errstr_size)
{
        es_report_t rp;
        ferry_err_t err = FERRY_ERR_OK;
        while (es_sender_next_report(e->sender, &rp)) {
                const char *topic = es_tp_topic(rp.tp);
                int32_t partition = es_tp_partition(rp.tp);
                const ferry_record_t *r = NULL;
                for (size_t i = 0; i < n && !r; i++)
                        if (recs[i]->kafka_offset == rp.offset && recs[i]->partition == partition &&
                            !strcmp(recs[i]->topic, topic))
                                r = recs[i];
                ferry_record_t stub = {
                        .topic = (char *)topic, .partition = partition, .kafka_offset = rp.offset};
                const char *msg = rp.msg ? rp.msg : "Indexing record failed";
                if (e->s.on_malformed == ES_MALFORMED_WARN)
                        ferry_task_log(e->t, FERRY_LOG_WARN, "%s", msg);
                if (err == FERRY_ERR_OK && ferry_sink_task_report(e->t, r ? r : &stub, msg) != FERRY_ERR_OK) {
                        snprintf(errstr, errstr_size, "%s", msg);
                        err = FERRY_ERR_FATAL;
                }
                if (err == FERRY_ERR_OK)
                        es_sender_settle(e->sender, rp.tp, rp.seq);
                free(rp.msg);
        }
        return err;
}

static ferry_err_t task_put(ferry_task_t *t, ferry_record_t *const *recs, size_t n, char *errstr,
                            size_t errstr_size)
{
        es_task_t *e = ferry_task_data(t);
        if (!n)
                return FERRY_ERR_OK;
        int64_t t0 = ferry_now_ms(), deadline = t0 + e->s.flush_timeout_ms;
        char msg[1600];
        es_sender_state_t st = es_sender_state(e->sender, msg, sizeof(msg));
        if (st == ES_SENDER_FATAL) {
                snprintf(errstr, errstr_size, "%s", msg);
                return FERRY_ERR_FATAL;
        }
        if (st == ES_SENDER_FAILED)
                return rewind_put(e, recs, n, 0, msg);
        /* Indices first, so a set-up failure hands the whole batch back before any of it is sent. */
        for (size_t i = 0; i < n; i++) {
                char index[300], why[1024];
                if (es_index_for_record(&e->s, recs[i], index, sizeof(index), why, sizeof(why)) < 0 ||
                    known_index(e, index))
                        continue;
                ferry_err_t err = ensure_index(e, recs[i], index, errstr, errstr_size);
                if (err == FERRY_ERR_RETRIABLE) {
                        /* retry.backoff.ms grown with the failures in a row, as for rewinds. */
                        int attempt = e->rewinds < e->s.max_retries ? e->rewinds : e->s.max_retries;
                        int64_t wait = backoff_ms(e, attempt);
                        e->rewinds++;
                        ferry_sink_task_timeout(t, wait < 30000 ? wait : 30000);
                        ferry_task_log(t, FERRY_LOG_WARN, "%s; the batch is delivered again", errstr);
                }
                if (err != FERRY_ERR_OK)
                        return err;
        }
        es_tp_t *tp = NULL;
        for (size_t i = 0; i < n; i++) {
                const ferry_record_t *r = recs[i];
                if (!tp || es_tp_partition(tp) != r->partition || strcmp(es_tp_topic(tp), r->topic) != 0)
                        tp = es_sender_tp(e->sender, r->topic, r->partition);
                if (!tp)
                        return FERRY_ERR_NOMEM;
                if (es_sender_seen(e->sender, tp, r->kafka_offset))
                        continue; /* indexed or reported before a rewind */
                char index[300], why[1024];
                es_act_kind_t kind = ES_ACT_SKIP;
                ferry_buf_reset(&e->lines);
                if (es_index_for_record(&e->s, r, index, sizeof(index), why, sizeof(why)) < 0 ||
                    es_doc_append(&e->s, r, index, &e->lines, &kind, why, sizeof(why)) < 0) {
                        ferry_err_t err = invalid_record(e, r, why, errstr, errstr_size);
                        if (err != FERRY_ERR_OK)
                                return err;
                        kind = ES_ACT_SKIP;
                }
                if (kind == ES_ACT_SKIP) {
                        es_sender_done(e->sender, tp, r->kafka_offset);
                        continue;
                }
                if (es_sender_add(e->sender, tp, r->kafka_offset, e->lines.p, e->lines.len, deadline) == 0)
                        continue;
                st = es_sender_state(e->sender, msg, sizeof(msg));
                if (st == ES_SENDER_FATAL) {
                        snprintf(errstr, errstr_size, "%s", msg);
                        return FERRY_ERR_FATAL;
                }
                if (ferry_task_stopping(t)) {
                        snprintf(errstr, errstr_size, "stopping with documents unacknowledged");
                        return FERRY_ERR_RETRIABLE;
                }
                if (st == ES_SENDER_OK)
                        snprintf(msg, sizeof(msg),
                                 "max.buffered.records=%d record(s) still buffered after "
                                 "flush.timeout.ms=%lld",
                                 e->s.max_buffered, (long long)e->s.flush_timeout_ms);
                return rewind_put(e, recs, n, i, msg);
        }
        if (!e->s.tolerate_all)
                return FERRY_ERR_OK;
        /* The errant record reporter takes only records of the current batch: wait for them. */
        bool drained = es_sender_drain(e->sender, deadline);
        ferry_err_t err = report_malformed(e, recs, n, errstr, errstr_size);
        if (err != FERRY_ERR_OK)
                return err;
        st = es_sender_state(e->sender, msg, sizeof(msg));
        if (st == ES_SENDER_FATAL) {
                snprintf(errstr, errstr_size, "%s", msg);
                return FERRY_ERR_FATAL;
        }
        if (drained) {
                e->rewinds = 0;
                ferry_task_log(t, FERRY_LOG_DEBUG, "put: %zu record(s) acknowledged in %lld ms", n,
                               (long long)(ferry_now_ms() - t0));
                return FERRY_ERR_OK;
        }
        if (ferry_task_stopping(t)) {
                snprintf(errstr, errstr_size, "stopping with documents unacknowledged");
                return FERRY_ERR_RETRIABLE;
        }
        if (st == ES_SENDER_OK)
                snprintf(msg, sizeof(msg), "documents not acknowledged within flush.timeout.ms=%lld",
                         (long long)e->s.flush_timeout_ms);
        return rewind_put(e, recs, n, n, msg);
}

/* Connect's preCommit: sends the partial batch, waits up to flush.timeout.ms for everything
 * buffered, and keeps no offset past a partition's first unacknowledged document. */
static ferry_err_t task_pre_commit(ferry_task_t *t, ferry_topic_partition_offset_t *offsets, size_t *n,
                                   char *errstr, size_t errstr_size)
{
        (void)errstr;
        (void)errstr_size;
        es_task_t *e = ferry_task_data(t);
        if (!e)
                return FERRY_ERR_OK;
        bool drained = es_sender_drain(e->sender, ferry_now_ms() + e->s.flush_timeout_ms);
        for (size_t i = 0; i < *n; i++) {
                int64_t low;
                if (es_sender_lowest(e->sender, offsets[i].topic, offsets[i].partition, &low) &&
                    low < offsets[i].offset)
                        offsets[i].offset = low;
        }
        char msg[1600];
        es_sender_state_t st = es_sender_state(e->sender, msg, sizeof(msg));
        if (st != ES_SENDER_OK && !ferry_task_stopping(t)) {
                /* The records come again: put() then fails the task (fatal) or sends them again. */
                rewind_all(e, NULL, 0, 0, msg);
        } else if (drained) {
                e->rewinds = 0;
        } else if (!ferry_task_stopping(t)) {
                ferry_task_log(t, FERRY_LOG_INFO,
                               "Documents not yet acknowledged after flush.timeout.ms=%lld; offsets are "
                               "committed up to the first of them",
                               (long long)e->s.flush_timeout_ms);
        }
        return FERRY_ERR_OK;
}

static ferry_err_t task_flush(ferry_task_t *t, char *errstr, size_t errstr_size)
{
        es_task_t *e = ferry_task_data(t);
        bool drained = es_sender_drain(e->sender, ferry_now_ms() + e->s.flush_timeout_ms);
        es_sender_state_t st = es_sender_state(e->sender, errstr, errstr_size);
        if (st == ES_SENDER_FATAL)
                return FERRY_ERR_FATAL;
        if (!drained) {
                if (st == ES_SENDER_OK)
                        snprintf(errstr, errstr_size, "documents not acknowledged within flush.timeout.ms");
                return FERRY_ERR_RETRIABLE;
        }
        return FERRY_ERR_OK;
}

/* Partitions (re)assigned start at their committed offsets: forget what was tracked of them. */
static void task_open(ferry_task_t *t, const ferry_topic_partition_t *tps, size_t n)
{
        es_task_t *e = ferry_task_data(t);
        for (size_t i = 0; e && i < n; i++)
                es_sender_forget(e->sender, tps[i].topic, tps[i].partition);
}

static const ferry_sink_task_ops_t es_sink_ops = {
        .size = sizeof(ferry_sink_task_ops_t),
        .start = task_start,
        .put = task_put,
        .flush = task_flush,
        .open = task_open,
        .stop = task_stop,
        .pre_commit = task_pre_commit,
};

static const char *const es_aliases[] = {"ElasticsearchSinkConnector", "ElasticsearchSink",
                                         "OpenSearchSinkConnector", NULL};

const ferry_connector_plugin_t es_sink_plugin = {
        .info = FERRY_PLUGIN_INFO(ferry_connector_plugin_t, .type = FERRY_PLUGIN_SINK,
                                  .class_name =
                                          "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector",
                                  .version = "14.1.2", .aliases = es_aliases, .config = es_config_def,
                                  .doc = "Writes records to Elasticsearch 7/8 and OpenSearch indices or data "
                                         "streams with the _bulk "
                                         "API (Confluent's Elasticsearch sink)."),
        .validate = es_validate,
        .task_configs = ferry_task_configs_copies,
        .sink = &es_sink_ops,
};

FERRY_PLUGIN_LIST(&es_sink_plugin.info);
