/* Elasticsearch / OpenSearch sink task (Confluent's ElasticsearchSinkTask): put() turns each
 * record into a bulk action (es_doc.c), makes sure its index exists with a mapping derived from
 * the Connect schema (once per index and task), sends the actions as `_bulk` requests of up to
 * batch.size actions / bulk.size.bytes, max.in.flight.requests at once (es_http.c), and reads
 * every item's result (shared/elasticsearch/bulk_response.c): done, version conflict (an equal or
 * newer version is there: done), malformed (behavior.on.malformed.documents, the errant record
 * reporter), or retriable (sent again with exponential backoff and jitter, max.retries times;
 * after that, or after flush.timeout.ms, the batch goes back to the worker for redelivery). put()
 * returns only once every record is acknowledged, so the offsets the worker commits after it are
 * exactly those of documents the server holds. Data flow: consumer -> converters -> transforms ->
 * put() -> HTTP -> Elasticsearch. */
#define _POSIX_C_SOURCE 200809L

#include "es_http.h"
#include "es_sink.h"
#include "shared/elasticsearch/bulk_response.h"

#include <ferry/clock.h>
#include <ferry/log.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
        const ferry_record_t *r;
        size_t off, len; /* its NDJSON lines in es_task_t.lines */
        bool done;
} act_t;

typedef struct {
        ferry_task_t *t;
        ferry_config_t *cfg;
        es_settings_t s;
        es_http_t *http;
        char **known; /* indices this task made sure of */
        size_t n_known, cap_known;
        ferry_buf_t lines;
        act_t *acts;
        size_t cap_acts;
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
        es_http_free(e->http);
        es_settings_free(&e->s);
        ferry_config_free(e->cfg);
        for (size_t i = 0; i < e->n_known; i++)
                free(e->known[i]);
        free(e->known);
        ferry_buf_free(&e->lines);
        free(e->acts);
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

static void auth_message(const es_req_t *r, char *errstr, size_t errstr_size)
{
        char why[400];
        es_error_summary(r->resp.p, r->resp.len, why, sizeof(why));
        snprintf(errstr, errstr_size,
                 "Elasticsearch at %s refused the request %s %s with HTTP %d (check connection.username and "
                 "connection.password): %s",
                 r->url ? r->url : "?", r->method, r->path, r->status, why[0] ? why : "no details");
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
        const char *ks_type = ferry_config_get_string(cfg, "elastic.https.ssl.keystore.type");
        const char *ks = ferry_config_get_string(cfg, "elastic.https.ssl.keystore.location");
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
        };
        if (ssl) {
                const char *ts = ferry_config_get_string(cfg, "elastic.https.ssl.truststore.location");
                hc.ca_file = ts && *ts ? ts : NULL;
                if (ks && *ks) {
                        bool p12 = ks_type && !strcasecmp(ks_type, "PKCS12");
                        hc.cert_file = ks;
                        hc.cert_type = p12 ? "P12" : "PEM";
                        hc.key_file = p12 ? NULL : ks;
                        const char *kp = ferry_config_get_password(cfg, "elastic.https.ssl.key.password");
                        const char *sp =
                                ferry_config_get_password(cfg, "elastic.https.ssl.keystore.password");
                        hc.key_password = p12 ? sp : kp;
                }
                const char *alg =
                        ferry_config_get_string(cfg, "elastic.https.ssl.endpoint.identification.algorithm");
                hc.verify_host = !alg || *alg;
        } else {
                hc.verify_host = true;
        }
        e->http = es_http_new(&hc, errstr, errstr_size);
        for (size_t i = 0; fixed && i < n_urls; i++)
                free(fixed[i]);
        free(fixed);
        if (!e->http) {
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
                auth_message(&r, errstr, errstr_size);
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

static ferry_err_t task_flush(ferry_task_t *t, char *errstr, size_t errstr_size)
{
        /* put() returns only once its documents are acknowledged: nothing is pending here. */
        (void)t;
        (void)errstr;
        (void)errstr_size;
        return FERRY_ERR_OK;
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
                auth_message(r, errstr, errstr_size);
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

/* A document the server refused as malformed, per behavior.on.malformed.documents. */
static ferry_err_t malformed(es_task_t *e, const ferry_record_t *r, const es_item_t *it, char *errstr,
                             size_t errstr_size)
{
        char msg[1500];
        snprintf(msg, sizeof(msg), "Indexing record failed: %s: %s (topic %s, partition %d, offset %lld)",
                 it->error_type, it->error_reason, r->topic, (int)r->partition, (long long)r->kafka_offset);
        if (e->s.tolerate_all) {
                if (e->s.on_malformed == ES_MALFORMED_WARN)
                        ferry_task_log(e->t, FERRY_LOG_WARN, "%s", msg);
                if (ferry_sink_task_report(e->t, r, msg) != FERRY_ERR_OK) {
                        snprintf(errstr, errstr_size, "%s", msg);
                        return FERRY_ERR_FATAL;
                }
                return FERRY_ERR_OK;
        }
        switch (e->s.on_malformed) {
        case ES_MALFORMED_IGNORE:
                ferry_task_log(e->t, FERRY_LOG_DEBUG, "Ignoring malformed document: %s", msg);
                return FERRY_ERR_OK;
        case ES_MALFORMED_WARN:
                ferry_task_log(e->t, FERRY_LOG_WARN, "Ignoring malformed document: %s", msg);
                return FERRY_ERR_OK;
        default:
                snprintf(errstr, errstr_size,
                         "%s. To skip such documents set behavior.on.malformed.documents=IGNORE or WARN, or "
                         "errors.tolerance=all to send them to the dead letter queue",
                         msg);
                return FERRY_ERR_FATAL;
        }
}

typedef struct {
        es_req_t req;
        ferry_buf_t body;
        size_t *idx; /* indices into e->acts */
        size_t n;
} bulk_t;

/* Sends the pending actions once: groups of up to batch.size / bulk.size.bytes, in parallel.
 * Marks what is done; returns FATAL/NOMEM to stop, OK otherwise (*retry: something is left). */
static ferry_err_t send_round(es_task_t *e, size_t n_acts, bool *left, char *last, size_t last_size,
                              char *errstr, size_t errstr_size)
{
        size_t pending = 0;
        for (size_t i = 0; i < n_acts; i++)
                pending += !e->acts[i].done;
        *left = false;
        if (!pending)
                return FERRY_ERR_OK;
        /* A fetch smaller than max.in.flight.requests batches is spread over that many requests
         * (of at least 100 actions), so the server indexes them in parallel. */
        size_t per = (size_t)e->s.batch_size;
        size_t spread = (pending + (size_t)e->s.max_in_flight - 1) / (size_t)e->s.max_in_flight;
        if (spread < 100)
                spread = 100;
        if (spread < per)
                per = spread;
        size_t max_reqs = pending / per + 1;
        if (e->s.bulk_size_bytes > 0)
                max_reqs = pending + 1;
        bulk_t *bs = calloc(max_reqs, sizeof(*bs));
        es_req_t **rs = calloc(max_reqs, sizeof(*rs));
        size_t *idx = calloc(pending, sizeof(*idx));
        if (!bs || !rs || !idx) {
                free(bs);
                free(rs);
                free(idx);
                return FERRY_ERR_NOMEM;
        }
        size_t nb = 0, used = 0;
        for (size_t i = 0; i < n_acts; i++) {
                act_t *a = &e->acts[i];
                if (a->done)
                        continue;
                bulk_t *b = nb ? &bs[nb - 1] : NULL;
                if (!b || b->n >= per ||
                    (e->s.bulk_size_bytes > 0 && b->body.len + a->len > (size_t)e->s.bulk_size_bytes &&
                     b->n)) {
                        b = &bs[nb++];
                        ferry_buf_init(&b->body);
                        ferry_buf_init(&b->req.resp);
                        b->idx = idx + used;
                }
                ferry_buf_append(&b->body, e->lines.p + a->off, a->len);
                b->idx[b->n++] = i;
                used++;
        }
        for (size_t i = 0; i < nb; i++) {
                bs[i].req.method = "POST";
                snprintf(bs[i].req.path, sizeof(bs[i].req.path), "/_bulk");
                bs[i].req.content_type = "application/x-ndjson";
                bs[i].req.body = bs[i].body.p;
                bs[i].req.body_len = bs[i].body.len;
                rs[i] = &bs[i].req;
        }
        es_http_run(e->http, rs, nb, e->s.max_in_flight, e->t);
        ferry_err_t err = FERRY_ERR_OK;
        for (size_t i = 0; i < nb && err == FERRY_ERR_OK; i++) {
                bulk_t *b = &bs[i];
                es_req_t *r = &b->req;
                if (r->status == 200) {
                        es_item_t *items = calloc(b->n, sizeof(*items));
                        char perr[300];
                        if (!items) {
                                err = FERRY_ERR_NOMEM;
                        } else if (es_bulk_parse(r->resp.p, r->resp.len, items, b->n, perr, sizeof(perr)) <
                                   0) {
                                snprintf(last, last_size, "%s", perr);
                        } else {
                                for (size_t k = 0; k < b->n && err == FERRY_ERR_OK; k++) {
                                        act_t *a = &e->acts[b->idx[k]];
                                        const es_item_t *it = &items[k];
                                        switch (it->cls) {
                                        case ES_ITEM_OK:
                                        case ES_ITEM_CONFLICT:
                                                a->done = true;
                                                break;
                                        case ES_ITEM_MALFORMED:
                                                a->done = true;
                                                err = malformed(e, a->r, it, errstr, errstr_size);
                                                break;
                                        case ES_ITEM_RETRY:
                                                snprintf(last, last_size, "%s: %s",
                                                         it->error_type ? it->error_type : "",
                                                         it->error_reason ? it->error_reason : "");
                                                break;
                                        case ES_ITEM_FAILED:
                                                snprintf(errstr, errstr_size,
                                                         "Indexing record failed with HTTP %d: %s: %s (topic "
                                                         "%s, "
                                                         "partition %d, offset %lld)",
                                                         it->status, it->error_type ? it->error_type : "?",
                                                         it->error_reason ? it->error_reason : "?",
                                                         a->r->topic, (int)a->r->partition,
                                                         (long long)a->r->kafka_offset);
                                                err = FERRY_ERR_FATAL;
                                                break;
                                        }
                                }
                                es_items_free(items, b->n);
                        }
                        free(items);
                } else if (auth_failure(r->status)) {
                        auth_message(r, errstr, errstr_size);
                        err = FERRY_ERR_FATAL;
                } else if (r->status == 0 || r->status == 429 || r->status >= 500) {
                        char why[400];
                        if (r->status == 0)
                                snprintf(why, sizeof(why), "%s", r->error);
                        else
                                es_error_summary(r->resp.p, r->resp.len, why, sizeof(why));
                        snprintf(last, last_size, "HTTP %d: %s", r->status, why);
                } else {
                        char why[600];
                        es_error_summary(r->resp.p, r->resp.len, why, sizeof(why));
                        snprintf(errstr, errstr_size, "Bulk request to %s failed with HTTP %d%s: %s",
                                 r->url ? r->url : "?", r->status,
                                 r->status == 413 ? " (lower bulk.size.bytes or batch.size)" : "", why);
                        err = FERRY_ERR_FATAL;
                }
        }
        for (size_t i = 0; i < nb; i++) {
                es_req_free(&bs[i].req);
                ferry_buf_free(&bs[i].body);
        }
        free(bs);
        free(rs);
        free(idx);
        for (size_t i = 0; i < n_acts; i++)
                *left |= !e->acts[i].done;
        return err;
}

static ferry_err_t task_put(ferry_task_t *t, ferry_record_t *const *recs, size_t n, char *errstr,
                            size_t errstr_size)
{
        es_task_t *e = ferry_task_data(t);
        if (!n)
                return FERRY_ERR_OK;
        int64_t deadline = ferry_now_ms() + e->s.flush_timeout_ms;
        if (n > e->cap_acts) {
                act_t *a = realloc(e->acts, n * sizeof(*a));
                if (!a)
                        return FERRY_ERR_NOMEM;
                e->acts = a;
                e->cap_acts = n;
        }
        ferry_buf_reset(&e->lines);
        size_t n_acts = 0;
        for (size_t i = 0; i < n; i++) {
                const ferry_record_t *r = recs[i];
                char index[300], why[1024];
                if (es_index_for_record(&e->s, r, index, sizeof(index), why, sizeof(why)) < 0) {
                        ferry_err_t err = invalid_record(e, r, why, errstr, errstr_size);
                        if (err != FERRY_ERR_OK)
                                return err;
                        continue;
                }
                ferry_err_t err = ensure_index(e, r, index, errstr, errstr_size);
                if (err == FERRY_ERR_RETRIABLE) {
                        ferry_sink_task_timeout(t, backoff_ms(e, e->s.max_retries));
                        ferry_task_log(t, FERRY_LOG_WARN, "%s; the batch is delivered again", errstr);
                        return err;
                }
                if (err != FERRY_ERR_OK)
                        return err;
                size_t off = e->lines.len;
                es_act_kind_t kind;
                if (es_doc_append(&e->s, r, index, &e->lines, &kind, why, sizeof(why)) < 0) {
                        err = invalid_record(e, r, why, errstr, errstr_size);
                        if (err != FERRY_ERR_OK)
                                return err;
                        continue;
                }
                if (kind == ES_ACT_SKIP)
                        continue;
                e->acts[n_acts++] = (act_t){.r = r, .off = off, .len = e->lines.len - off};
        }
        char last[600] = "";
        for (int attempt = 0;; attempt++) {
                bool left;
                ferry_err_t err = send_round(e, n_acts, &left, last, sizeof(last), errstr, errstr_size);
                if (err != FERRY_ERR_OK)
                        return err;
                if (!left) {
                        ferry_task_log(t, FERRY_LOG_DEBUG,
                                       "put: %zu record(s), %zu action(s) acknowledged in %lld ms", n, n_acts,
                                       (long long)(ferry_now_ms() - (deadline - e->s.flush_timeout_ms)));
                        return FERRY_ERR_OK;
                }
                int64_t wait = backoff_ms(e, attempt);
                if (ferry_task_stopping(t)) {
                        snprintf(errstr, errstr_size, "stopping with documents unacknowledged");
                        return FERRY_ERR_RETRIABLE;
                }
                if (attempt >= e->s.max_retries || ferry_now_ms() + wait > deadline) {
                        size_t pending = 0;
                        for (size_t i = 0; i < n_acts; i++)
                                pending += !e->acts[i].done;
                        snprintf(errstr, errstr_size,
                                 "%zu document(s) not acknowledged after %d attempt(s) (max.retries=%d, "
                                 "flush.timeout.ms=%lld): %s; the batch is delivered again",
                                 pending, attempt + 1, e->s.max_retries, (long long)e->s.flush_timeout_ms,
                                 last);
                        ferry_task_log(t, FERRY_LOG_WARN, "%s", errstr);
                        ferry_sink_task_timeout(t, backoff_ms(e, e->s.max_retries));
                        return FERRY_ERR_RETRIABLE;
                }
                ferry_task_log(t, FERRY_LOG_INFO,
                               "Retrying the bulk request in %lld ms (attempt %d of %d): %s", (long long)wait,
                               attempt + 1, e->s.max_retries, last);
                if (ferry_task_wait(t, (int)wait)) {
                        snprintf(errstr, errstr_size, "stopping with documents unacknowledged");
                        return FERRY_ERR_RETRIABLE;
                }
        }
}

static const ferry_sink_task_ops_t es_sink_ops = {
        .size = sizeof(ferry_sink_task_ops_t),
        .start = task_start,
        .put = task_put,
        .flush = task_flush,
        .stop = task_stop,
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
