/* The Elasticsearch sink's bulk processor (see es_sender.h). put() (es_sink.c) adds each record's
 * NDJSON action to the open batch here; the sender thread moves a batch onto the wire once it is
 * full (batch.size, bulk.size.bytes), once linger.ms passed since its first action, or at once when
 * the task drains for a commit, with at most max.in.flight.requests `_bulk` requests at a time
 * (es_http.c, libcurl multi with keep-alive). Each answer is read item by item
 * (shared/elasticsearch/bulk_response.c): done and version conflicts acknowledge the record;
 * items the server could not take (429, 5xx, transport errors) are sent again first in line after
 * retry.backoff.ms doubled per attempt with jitter; malformed documents go by
 * behavior.on.malformed.documents (or to the task's errant record reporter). Per partition a ring
 * of offsets in the order they were added says which are acknowledged; its head is the lowest
 * offset not yet indexed, which caps what the worker commits. Data flow: put() -> es_sender_add
 * -> sender thread -> HTTP -> Elasticsearch -> acknowledgements -> pre-commit. */
#define _POSIX_C_SOURCE 200809L

#include "es_sender.h"

#include "shared/elasticsearch/bulk_response.h"

#include <ferry/clock.h>
#include <ferry/log.h>

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct es_tp {
        char *topic;
        int32_t partition;
        /* ring: entries seq base .. base+len-1, offsets in the order added; head unacknowledged */
        int64_t *offs;
        bool *acked;
        size_t head, len, cap;
        uint64_t base;
        /* acknowledged offsets above the last rewind point, ascending; seen_pos: next to match */
        int64_t *seen;
        size_t n_seen, seen_pos;
};

typedef struct {
        es_tp_t *tp;
        uint64_t seq;
        int64_t offset;
        size_t off, len; /* its lines in the batch body */
} item_t;

typedef struct batch {
        es_req_t req; /* first: a finished request is its batch */
        struct batch *next;
        ferry_buf_t body;
        item_t *items;
        size_t n, cap;
        int attempt;
        int64_t first_ms; /* first action added (linger.ms) */
        int64_t sent_ms;  /* first sent (flush.timeout.ms); 0 before */
        int64_t retry_at;
        bool orphan; /* dropped by a rewind while in flight: its answer is ignored */
} batch_t;

struct es_sender {
        const es_settings_t *s;
        ferry_task_t *t;
        es_http_t *http;
        bool report;
        pthread_t th;
        bool started;
        pthread_mutex_t mu;
        pthread_cond_t cv;
        bool quit, flush_req;
        batch_t *open;
        batch_t *ready, *ready_tail; /* waiting for a slot (retries first) */
        batch_t *flight;             /* on the wire */
        size_t in_flight, buffered;
        es_sender_state_t state;
        char msg[1700];
        es_report_t *reports;
        size_t n_reports, cap_reports;
        es_tp_t **tps;
        size_t n_tps, cap_tps;
        uint64_t rng;
        uint64_t requests, actions; /* sent, for the log line at the end */
};

/* ---- acknowledgement tracking (under mu) ---- */

static int tp_grow(es_tp_t *tp)
{
        size_t cap = tp->cap ? tp->cap * 2 : 256;
        int64_t *o = malloc(cap * sizeof(*o));
        bool *a = malloc(cap * sizeof(*a));
        if (!o || !a) {
                free(o);
                free(a);
                return -1;
        }
        for (size_t i = 0; i < tp->len; i++) {
                o[i] = tp->offs[(tp->head + i) % tp->cap];
                a[i] = tp->acked[(tp->head + i) % tp->cap];
        }
        free(tp->offs);
        free(tp->acked);
        tp->offs = o;
        tp->acked = a;
        tp->head = 0;
        tp->cap = cap;
        return 0;
}

static void tp_pop(es_tp_t *tp)
{
        while (tp->len && tp->acked[tp->head]) {
                tp->head = (tp->head + 1) % tp->cap;
                tp->len--;
                tp->base++;
        }
}

/* Appends an entry; returns its seq (UINT64_MAX when out of memory: then it is not tracked and
 * the caller fails). */
static uint64_t tp_push(es_tp_t *tp, int64_t offset, bool acked)
{
        if (acked && !tp->len) {
                tp->base++;
                return tp->base - 1;
        }
        if (tp->len == tp->cap && tp_grow(tp) < 0)
                return UINT64_MAX;
        size_t i = (tp->head + tp->len) % tp->cap;
        tp->offs[i] = offset;
        tp->acked[i] = acked;
        tp->len++;
        return tp->base + tp->len - 1;
}

static void tp_settle(es_tp_t *tp, uint64_t seq)
{
        if (seq < tp->base || seq - tp->base >= tp->len)
                return; /* dropped by a rewind or a reassignment */
        tp->acked[(tp->head + (size_t)(seq - tp->base)) % tp->cap] = true;
        tp_pop(tp);
}

es_tp_t *es_sender_tp(es_sender_t *b, const char *topic, int32_t partition)
{
        pthread_mutex_lock(&b->mu);
        es_tp_t *found = NULL;
        for (size_t i = b->n_tps; i-- > 0 && !found;)
                if (b->tps[i]->partition == partition && !strcmp(b->tps[i]->topic, topic))
                        found = b->tps[i];
        if (!found && b->n_tps == b->cap_tps) {
                size_t cap = b->cap_tps * 2 + 8;
                es_tp_t **n = realloc(b->tps, cap * sizeof(*n));
                if (n) {
                        b->tps = n;
                        b->cap_tps = cap;
                }
        }
        if (!found && b->n_tps < b->cap_tps && (found = calloc(1, sizeof(*found))) != NULL) {
                found->partition = partition;
                if ((found->topic = strdup(topic)) != NULL) {
                        b->tps[b->n_tps++] = found;
                } else {
                        free(found);
                        found = NULL;
                }
        }
        pthread_mutex_unlock(&b->mu);
        return found;
}

const char *es_tp_topic(const es_tp_t *tp)
{
        return tp->topic;
}

int32_t es_tp_partition(const es_tp_t *tp)
{
        return tp->partition;
}

/* ---- batches ---- */

static void batch_free(batch_t *x)
{
        if (!x)
                return;
        es_req_free(&x->req);
        ferry_buf_free(&x->body);
        free(x->items);
        free(x);
}

static void ready_push(es_sender_t *b, batch_t *x, bool front)
{
        x->next = NULL;
        if (!b->ready) {
                b->ready = b->ready_tail = x;
        } else if (front) {
                x->next = b->ready;
                b->ready = x;
        } else {
                b->ready_tail->next = x;
                b->ready_tail = x;
        }
}

static void cut_open(es_sender_t *b)
{
        if (b->open && b->open->n) {
                ready_push(b, b->open, false);
                b->open = NULL;
                es_http_wakeup(b->http);
        }
}

static uint64_t next_rand(es_sender_t *b)
{
        b->rng ^= b->rng << 13;
        b->rng ^= b->rng >> 7;
        b->rng ^= b->rng << 17;
        return b->rng;
}

/* retry.backoff.ms doubled per attempt, with jitter: a wait between half and all of it. */
static int64_t backoff(es_sender_t *b, int attempt)
{
        int64_t max = b->s->retry_backoff_ms;
        for (int i = 0; i < attempt && max < 86400000; i++)
                max *= 2;
        if (max <= 1)
                return max;
        return max / 2 + (int64_t)(next_rand(b) % (uint64_t)(max / 2 + 1));
}

static void set_state(es_sender_t *b, es_sender_state_t st, const char *msg)
{
        if (b->state == ES_SENDER_FATAL)
                return;
        b->state = st;
        snprintf(b->msg, sizeof(b->msg), "%s", msg);
        pthread_cond_broadcast(&b->cv);
}

static void flight_remove(es_sender_t *b, batch_t *x)
{
        for (batch_t **p = &b->flight; *p; p = &(*p)->next)
                if (*p == x) {
                        *p = x->next;
                        break;
                }
        b->in_flight--;
}

/* The kept items of x go out again after a backoff, first in line; or the sender FAILS once
 * max.retries or flush.timeout.ms is used up. */
static void retry(es_sender_t *b, batch_t *x, const char *why)
{
        int64_t now = ferry_now_ms();
        int64_t wait = backoff(b, x->attempt);
        if (x->attempt >= b->s->max_retries || now + wait > x->sent_ms + b->s->flush_timeout_ms) {
                char m[1200];
                snprintf(m, sizeof(m),
                         "%zu document(s) not acknowledged after %d attempt(s) (max.retries=%d, "
                         "flush.timeout.ms=%lld): %.900s",
                         x->n, x->attempt + 1, b->s->max_retries, (long long)b->s->flush_timeout_ms, why);
                set_state(b, ES_SENDER_FAILED, m);
                batch_free(x);
                return;
        }
        x->attempt++;
        ferry_task_log(b->t, FERRY_LOG_INFO, "Retrying the bulk request in %lld ms (attempt %d of %d): %s",
                       (long long)wait, x->attempt, b->s->max_retries, why);
        ferry_buf_t body;
        ferry_buf_init(&body);
        for (size_t i = 0; i < x->n; i++) {
                item_t *it = &x->items[i];
                size_t off = body.len;
                ferry_buf_append(&body, x->body.p + it->off, it->len);
                it->off = off;
        }
        ferry_buf_free(&x->body);
        x->body = body;
        x->retry_at = now + wait;
        ready_push(b, x, true);
}

static void malformed(es_sender_t *b, item_t *it, const es_item_t *r)
{
        char msg[1500];
        snprintf(msg, sizeof(msg), "Indexing record failed: %s: %s (topic %s, partition %d, offset %lld)",
                 r->error_type ? r->error_type : "?", r->error_reason ? r->error_reason : "?", it->tp->topic,
                 (int)it->tp->partition, (long long)it->offset);
        if (b->report) {
                if (b->n_reports == b->cap_reports) {
                        size_t cap = b->cap_reports * 2 + 8;
                        es_report_t *n = realloc(b->reports, cap * sizeof(*n));
                        if (!n) {
                                set_state(b, ES_SENDER_FATAL, "out of memory");
                                return;
                        }
                        b->reports = n;
                        b->cap_reports = cap;
                }
                b->reports[b->n_reports++] = (es_report_t){it->tp, it->seq, it->offset, strdup(msg)};
                b->buffered--;
                return;
        }
        switch (b->s->on_malformed) {
        case ES_MALFORMED_IGNORE:
                ferry_task_log(b->t, FERRY_LOG_DEBUG, "Ignoring malformed document: %s", msg);
                break;
        case ES_MALFORMED_WARN:
                ferry_task_log(b->t, FERRY_LOG_WARN, "Ignoring malformed document: %s", msg);
                break;
        default: {
                char m[1700];
                snprintf(m, sizeof(m),
                         "%.1500s. To skip such documents set behavior.on.malformed.documents=IGNORE or "
                         "WARN, or "
                         "errors.tolerance=all to send them to the dead letter queue",
                         msg);
                set_state(b, ES_SENDER_FATAL, m);
                return;
        }
        }
        tp_settle(it->tp, it->seq);
        b->buffered--;
}

/* An answered (or failed) request of batch x, its items parsed into res (NULL when the answer
 * is not a bulk answer: perr says why). Under mu. */
static void finished(es_sender_t *b, batch_t *x, es_item_t *res, const char *perr)
{
        flight_remove(b, x);
        es_req_t *r = &x->req;
        if (x->orphan || b->state == ES_SENDER_FATAL) {
                batch_free(x);
                return;
        }
        char why[1000] = "";
        if (r->status == 200 && res) {
                size_t keep = 0;
                for (size_t k = 0; k < x->n; k++) {
                        item_t *it = &x->items[k];
                        switch (res[k].cls) {
                        case ES_ITEM_OK:
                        case ES_ITEM_CONFLICT:
                                tp_settle(it->tp, it->seq);
                                b->buffered--;
                                break;
                        case ES_ITEM_MALFORMED:
                                malformed(b, it, &res[k]);
                                break;
                        case ES_ITEM_RETRY:
                                snprintf(why, sizeof(why), "%s: %s",
                                         res[k].error_type ? res[k].error_type : "",
                                         res[k].error_reason ? res[k].error_reason : "");
                                x->items[keep++] = *it;
                                break;
                        case ES_ITEM_FAILED: {
                                char m[1600];
                                snprintf(m, sizeof(m),
                                         "Indexing record failed with HTTP %d: %s: %s (topic %s, partition "
                                         "%d, "
                                         "offset %lld)",
                                         res[k].status, res[k].error_type ? res[k].error_type : "?",
                                         res[k].error_reason ? res[k].error_reason : "?", it->tp->topic,
                                         (int)it->tp->partition, (long long)it->offset);
                                set_state(b, ES_SENDER_FATAL, m);
                                break;
                        }
                        }
                }
                x->n = keep;
                if (keep && b->state == ES_SENDER_OK)
                        retry(b, x, why);
                else
                        batch_free(x);
        } else if (r->status == 401 || r->status == 403) {
                char m[1200];
                es_auth_message(r, m, sizeof(m));
                set_state(b, ES_SENDER_FATAL, m);
                batch_free(x);
        } else if (r->status == 200 || r->status == 0 || r->status == 429 || r->status >= 500) {
                if (r->status == 200)
                        snprintf(why, sizeof(why), "%.900s", perr);
                else if (r->status == 0)
                        snprintf(why, sizeof(why), "%s", r->error);
                else {
                        char s[800];
                        es_error_summary(r->resp.p, r->resp.len, s, sizeof(s));
                        snprintf(why, sizeof(why), "HTTP %d: %s", r->status, s);
                }
                retry(b, x, why);
        } else {
                char s[800], m[1200];
                es_error_summary(r->resp.p, r->resp.len, s, sizeof(s));
                snprintf(m, sizeof(m), "Bulk request to %s failed with HTTP %d%s: %s", r->url ? r->url : "?",
                         r->status, r->status == 413 ? " (lower bulk.size.bytes or batch.size)" : "", s);
                set_state(b, ES_SENDER_FATAL, m);
                batch_free(x);
        }
        pthread_cond_broadcast(&b->cv);
}

/* Starts what may start; returns how long the thread may sleep (ms). Under mu. */
static int start_ready(es_sender_t *b, batch_t **failed_now, size_t *n_failed, size_t cap_failed)
{
        int64_t now = ferry_now_ms();
        int sleep = 100;
        while (b->state == ES_SENDER_OK && b->in_flight < (size_t)b->s->max_in_flight &&
               *n_failed < cap_failed) {
                if (!b->ready && b->open && b->open->n) {
                        int64_t due = b->open->first_ms + b->s->linger_ms;
                        if (!b->flush_req && due > now) {
                                if (due - now < sleep)
                                        sleep = (int)(due - now);
                                break;
                        }
                        cut_open(b);
                }
                if (b->flush_req && (!b->open || !b->open->n))
                        b->flush_req = false;
                batch_t *x = b->ready;
                if (!x)
                        break;
                if (x->retry_at > now) {
                        if (x->retry_at - now < sleep)
                                sleep = (int)(x->retry_at - now);
                        break;
                }
                b->ready = x->next;
                if (!b->ready)
                        b->ready_tail = NULL;
                x->req.method = "POST";
                snprintf(x->req.path, sizeof(x->req.path), "/_bulk");
                x->req.content_type = "application/x-ndjson";
                x->req.body = x->body.p;
                x->req.body_len = x->body.len;
                if (!x->sent_ms)
                        x->sent_ms = now;
                b->requests++;
                b->actions += x->n;
                x->next = b->flight;
                b->flight = x;
                b->in_flight++;
                if (es_http_submit(b->http, &x->req) < 0)
                        failed_now[(*n_failed)++] = x;
        }
        return sleep;
}

static void *sender_main(void *arg)
{
        es_sender_t *b = arg;
        enum { CAP = 64 };
        es_req_t *done[CAP];
        batch_t *failed_now[CAP];
        pthread_mutex_lock(&b->mu);
        while (!b->quit) {
                size_t n_failed = 0;
                int sleep = start_ready(b, failed_now, &n_failed, CAP);
                pthread_mutex_unlock(&b->mu);
                size_t n = n_failed ? 0 : es_http_step(b->http, sleep, done, CAP);
                for (size_t i = 0; i < n_failed; i++)
                        done[n++] = &failed_now[i]->req;
                /* Parse the answers without the lock: in-flight batches are this thread's own. */
                es_item_t *res[CAP];
                char perr[CAP][200];
                for (size_t i = 0; i < n; i++) {
                        batch_t *x = (batch_t *)done[i];
                        res[i] = NULL;
                        perr[i][0] = '\0';
                        if (x->req.status != 200 || !x->n)
                                continue;
                        res[i] = calloc(x->n, sizeof(es_item_t));
                        if (!res[i])
                                snprintf(perr[i], sizeof(perr[i]), "out of memory");
                        else if (es_bulk_parse(x->req.resp.p, x->req.resp.len, res[i], x->n, perr[i],
                                               sizeof(perr[i])) < 0) {
                                free(res[i]);
                                res[i] = NULL;
                        }
                }
                pthread_mutex_lock(&b->mu);
                for (size_t i = 0; i < n; i++) {
                        batch_t *x = (batch_t *)done[i];
                        size_t nx = x->n;
                        finished(b, x, res[i], perr[i]);
                        if (res[i]) {
                                es_items_free(res[i], nx);
                                free(res[i]);
                        }
                }
        }
        pthread_mutex_unlock(&b->mu);
        return NULL;
}

es_sender_t *es_sender_new(const es_settings_t *s, es_http_t *http, ferry_task_t *t, bool report,
                           char *errstr, size_t errstr_size)
{
        es_sender_t *b = calloc(1, sizeof(*b));
        if (!b) {
                es_http_free(http);
                snprintf(errstr, errstr_size, "out of memory");
                return NULL;
        }
        b->s = s;
        b->t = t;
        b->http = http;
        b->report = report;
        b->rng = (uint64_t)ferry_now_us() * 2654435761u + (uint64_t)ferry_task_id(t) + 1;
        pthread_mutex_init(&b->mu, NULL);
        pthread_condattr_t ca;
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&b->cv, &ca);
        pthread_condattr_destroy(&ca);
        if (pthread_create(&b->th, NULL, sender_main, b) != 0) {
                snprintf(errstr, errstr_size, "cannot start the bulk sender thread");
                es_sender_free(b);
                return NULL;
        }
        b->started = true;
        return b;
}

static void drop_batches(es_sender_t *b)
{
        batch_free(b->open);
        b->open = NULL;
        while (b->ready) {
                batch_t *x = b->ready;
                b->ready = x->next;
                batch_free(x);
        }
        b->ready_tail = NULL;
        for (size_t i = 0; i < b->n_reports; i++)
                free(b->reports[i].msg);
        b->n_reports = 0;
}

void es_sender_free(es_sender_t *b)
{
        if (!b)
                return;
        if (b->started) {
                pthread_mutex_lock(&b->mu);
                b->quit = true;
                pthread_mutex_unlock(&b->mu);
                es_http_wakeup(b->http);
                pthread_join(b->th, NULL);
        }
        if (b->requests)
                ferry_task_log(b->t, FERRY_LOG_INFO,
                               "Bulk processor: %llu request(s) of %.1f action(s) on average",
                               (unsigned long long)b->requests, (double)b->actions / (double)b->requests);
        es_http_free(b->http); /* abandons the transfers still running */
        drop_batches(b);
        while (b->flight) {
                batch_t *x = b->flight;
                b->flight = x->next;
                batch_free(x);
        }
        free(b->reports);
        for (size_t i = 0; i < b->n_tps; i++) {
                free(b->tps[i]->topic);
                free(b->tps[i]->offs);
                free(b->tps[i]->acked);
                free(b->tps[i]->seen);
                free(b->tps[i]);
        }
        free(b->tps);
        pthread_mutex_destroy(&b->mu);
        pthread_cond_destroy(&b->cv);
        free(b);
}

/* Waits on cv for up to 100 ms. */
static void wait_a_bit(es_sender_t *b)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_nsec += 100 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&b->cv, &b->mu, &ts);
}

int es_sender_add(es_sender_t *b, es_tp_t *tp, int64_t offset, const char *lines, size_t len,
                  int64_t deadline_ms)
{
        pthread_mutex_lock(&b->mu);
        while (b->buffered >= (size_t)b->s->max_buffered && b->state == ES_SENDER_OK) {
                if (ferry_task_stopping(b->t) || ferry_now_ms() >= deadline_ms) {
                        pthread_mutex_unlock(&b->mu);
                        return -1;
                }
                wait_a_bit(b);
        }
        if (b->state != ES_SENDER_OK) {
                pthread_mutex_unlock(&b->mu);
                return -1;
        }
        int64_t max_bytes = b->s->bulk_size_bytes;
        if (b->open && max_bytes > 0 && b->open->n && b->open->body.len + len > (size_t)max_bytes)
                cut_open(b);
        if (!b->open) {
                b->open = calloc(1, sizeof(*b->open));
                if (!b->open) {
                        set_state(b, ES_SENDER_FATAL, "out of memory");
                        pthread_mutex_unlock(&b->mu);
                        return -1;
                }
                ferry_buf_init(&b->open->body);
                ferry_buf_init(&b->open->req.resp);
                b->open->first_ms = ferry_now_ms();
                es_http_wakeup(b->http); /* the linger.ms clock starts */
        }
        batch_t *x = b->open;
        if (x->n == x->cap) {
                size_t cap = x->cap ? x->cap * 2 : 64;
                item_t *it = realloc(x->items, cap * sizeof(*it));
                if (!it) {
                        set_state(b, ES_SENDER_FATAL, "out of memory");
                        pthread_mutex_unlock(&b->mu);
                        return -1;
                }
                x->items = it;
                x->cap = cap;
        }
        uint64_t seq = tp_push(tp, offset, false);
        if (seq == UINT64_MAX || ferry_buf_append(&x->body, lines, len) < 0) {
                set_state(b, ES_SENDER_FATAL, "out of memory");
                pthread_mutex_unlock(&b->mu);
                return -1;
        }
        x->items[x->n++] = (item_t){tp, seq, offset, x->body.len - len, len};
        b->buffered++;
        if (x->n >= (size_t)b->s->batch_size)
                cut_open(b);
        pthread_mutex_unlock(&b->mu);
        return 0;
}

void es_sender_done(es_sender_t *b, es_tp_t *tp, int64_t offset)
{
        pthread_mutex_lock(&b->mu);
        tp_push(tp, offset, true);
        pthread_mutex_unlock(&b->mu);
}

bool es_sender_seen(es_sender_t *b, es_tp_t *tp, int64_t offset)
{
        pthread_mutex_lock(&b->mu);
        bool hit = false;
        while (tp->seen_pos < tp->n_seen && tp->seen[tp->seen_pos] < offset)
                tp->seen_pos++;
        if (tp->seen_pos < tp->n_seen && tp->seen[tp->seen_pos] == offset) {
                tp->seen_pos++;
                hit = true;
        }
        if (tp->seen_pos == tp->n_seen)
                tp->seen_pos = tp->n_seen = 0;
        if (hit)
                tp_push(tp, offset, true); /* carried over by a later rewind */
        pthread_mutex_unlock(&b->mu);
        return hit;
}

bool es_sender_drain(es_sender_t *b, int64_t deadline_ms)
{
        pthread_mutex_lock(&b->mu);
        b->flush_req = true;
        es_http_wakeup(b->http);
        while (b->buffered > 0 && b->state == ES_SENDER_OK && !ferry_task_stopping(b->t) &&
               ferry_now_ms() < deadline_ms)
                wait_a_bit(b);
        bool ok = b->buffered == 0 && b->state == ES_SENDER_OK;
        pthread_mutex_unlock(&b->mu);
        return ok;
}

es_sender_state_t es_sender_state(es_sender_t *b, char *msg, size_t msg_size)
{
        pthread_mutex_lock(&b->mu);
        es_sender_state_t st = b->state;
        if (msg_size)
                snprintf(msg, msg_size, "%s", st == ES_SENDER_OK ? "" : b->msg);
        pthread_mutex_unlock(&b->mu);
        return st;
}

bool es_sender_next_report(es_sender_t *b, es_report_t *r)
{
        pthread_mutex_lock(&b->mu);
        bool any = b->n_reports > 0;
        if (any) {
                *r = b->reports[0];
                memmove(b->reports, b->reports + 1, (b->n_reports - 1) * sizeof(*b->reports));
                b->n_reports--;
        }
        pthread_mutex_unlock(&b->mu);
        return any;
}

void es_sender_settle(es_sender_t *b, es_tp_t *tp, uint64_t seq)
{
        pthread_mutex_lock(&b->mu);
        tp_settle(tp, seq);
        pthread_mutex_unlock(&b->mu);
}

bool es_sender_lowest(es_sender_t *b, const char *topic, int32_t partition, int64_t *offset)
{
        bool any = false;
        pthread_mutex_lock(&b->mu);
        for (size_t i = 0; i < b->n_tps && !any; i++) {
                es_tp_t *tp = b->tps[i];
                if (tp->partition == partition && !strcmp(tp->topic, topic) && tp->len) {
                        *offset = tp->offs[tp->head];
                        any = true;
                }
        }
        pthread_mutex_unlock(&b->mu);
        return any;
}

/* The acknowledged entries of tp's ring (ascending: the ring restarts at every rewind) merged with
 * what is left of its seen list. */
static void remember_acked(es_tp_t *tp)
{
        size_t left = tp->n_seen - tp->seen_pos, n = 0;
        for (size_t i = 0; i < tp->len; i++)
                n += tp->acked[(tp->head + i) % tp->cap];
        int64_t *out = n + left ? malloc((n + left) * sizeof(*out)) : NULL;
        size_t k = 0, a = tp->seen_pos, i = 0;
        for (;;) {
                while (i < tp->len && !tp->acked[(tp->head + i) % tp->cap])
                        i++;
                bool has_ring = i < tp->len, has_seen = a < tp->n_seen;
                if (!out || (!has_ring && !has_seen))
                        break;
                int64_t ring = has_ring ? tp->offs[(tp->head + i) % tp->cap] : INT64_MAX;
                int64_t seen = has_seen ? tp->seen[a] : INT64_MAX;
                int64_t v = ring < seen ? ring : seen;
                if (ring == v)
                        i++;
                if (seen == v)
                        a++;
                if (!k || out[k - 1] != v)
                        out[k++] = v;
        }
        free(tp->seen);
        tp->seen = out;
        tp->n_seen = out ? k : 0;
        tp->seen_pos = 0;
}

void es_sender_rewind(es_sender_t *b,
                      void (*seek)(void *ctx, const char *topic, int32_t partition, int64_t offset),
                      void *ctx)
{
        pthread_mutex_lock(&b->mu);
        for (size_t i = 0; i < b->n_tps; i++) {
                es_tp_t *tp = b->tps[i];
                if (!tp->len)
                        continue;
                int64_t lowest = tp->offs[tp->head];
                remember_acked(tp);
                seek(ctx, tp->topic, tp->partition, lowest);
                tp->base += tp->len;
                tp->len = 0;
                tp->head = 0;
        }
        drop_batches(b);
        for (batch_t *x = b->flight; x; x = x->next)
                x->orphan = true;
        b->buffered = 0;
        b->flush_req = false;
        if (b->state == ES_SENDER_FAILED)
                b->state = ES_SENDER_OK;
        pthread_cond_broadcast(&b->cv);
        pthread_mutex_unlock(&b->mu);
}

void es_sender_forget(es_sender_t *b, const char *topic, int32_t partition)
{
        pthread_mutex_lock(&b->mu);
        for (size_t i = 0; i < b->n_tps; i++) {
                es_tp_t *tp = b->tps[i];
                if (tp->partition != partition || strcmp(tp->topic, topic) != 0)
                        continue;
                tp->base += tp->len;
                tp->len = 0;
                tp->head = 0;
                tp->n_seen = tp->seen_pos = 0;
        }
        pthread_mutex_unlock(&b->mu);
}
