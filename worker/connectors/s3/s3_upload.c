/* The asynchronous part uploader (see s3_upload.h): a background thread drives a libcurl multi
 * handle with up to max_in_flight UploadPart requests at once; it signs each part (SHA-256 of the
 * body off the task's thread), retries transport errors and retriable answers with the client's
 * back-off, and marks the job done. Between s3_storage.c (which submits parts and waits for them
 * before CompleteMultipartUpload) and the REST client (s3_client.c). */
#include "s3_upload.h"

#include <ferry/log.h>

#include <curl/curl.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct s3_uploader {
        s3_client_t *client;
        int max;
        CURLM *multi;
        pthread_t thread;
        pthread_mutex_t lock;
        pthread_cond_t cv;   /* a job finished or a slot freed */
        s3_part_job_t *head; /* queued (new or waiting for a retry), in order */
        s3_part_job_t *tail;
        int outstanding; /* submitted, not done */
        size_t bytes;    /* their bytes */
        int active;      /* in the multi handle (the thread's own count) */
        bool stop;
};

static int64_t mono_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void push(s3_uploader_t *u, s3_part_job_t *j)
{
        j->next = NULL;
        if (u->tail)
                u->tail->next = j;
        else
                u->head = j;
        u->tail = j;
}

/* Takes the first queued job whose retry time has come (lock held); *wait_ms gets the time until
 * the next one otherwise. */
static s3_part_job_t *take_ready(s3_uploader_t *u, int64_t now, int64_t *wait_ms)
{
        s3_part_job_t *prev = NULL;
        for (s3_part_job_t *j = u->head; j; prev = j, j = j->next) {
                if (j->retry_at_ms <= now) {
                        if (prev)
                                prev->next = j->next;
                        else
                                u->head = j->next;
                        if (u->tail == j)
                                u->tail = prev;
                        j->next = NULL;
                        return j;
                }
                if (j->retry_at_ms - now < *wait_ms)
                        *wait_ms = j->retry_at_ms - now;
        }
        return NULL;
}

static void finish(s3_uploader_t *u, s3_part_job_t *j, ferry_err_t err)
{
        j->err = err;
        free(j->data);
        j->data = NULL;
        free(j->query);
        j->query = NULL;
        ferry_buf_free(&j->resp.body);
        pthread_mutex_lock(&u->lock);
        j->done = true;
        u->outstanding--;
        u->bytes -= j->len;
        pthread_cond_broadcast(&u->cv);
        pthread_mutex_unlock(&u->lock);
}

/* Starts a job on its own easy handle (the thread only). */
static void start(s3_uploader_t *u, s3_part_job_t *j)
{
        char pn[16];
        snprintf(pn, sizeof pn, "%d", j->part);
        if (!j->query)
                j->query = s3_upload_query(pn, j->upload_id);
        if (!j->easy)
                j->easy = curl_easy_init();
        if (!j->query || !j->easy ||
            s3_client_prepare(u->client, j->easy, "PUT", j->key, j->query, j->data, j->len, NULL, NULL, 0,
                              &j->resp, &j->headers) != 0) {
                snprintf(j->errstr, sizeof j->errstr, "S3 UploadPart %s: out of memory", j->key);
                curl_slist_free_all(j->headers);
                j->headers = NULL;
                if (j->easy)
                        curl_easy_cleanup(j->easy);
                j->easy = NULL;
                finish(u, j, FERRY_ERR_FATAL);
                return;
        }
        curl_easy_setopt(j->easy, CURLOPT_PRIVATE, j);
        curl_multi_add_handle(u->multi, j->easy);
        u->active++;
}

/* A transfer ended (the thread only): done, or queued again for a retry. */
static void ended(s3_uploader_t *u, s3_part_job_t *j, CURLcode rc)
{
        curl_multi_remove_handle(u->multi, j->easy);
        u->active--;
        curl_slist_free_all(j->headers);
        j->headers = NULL;
        long status = 0;
        if (rc == CURLE_OK)
                curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &status);
        j->resp.status = status;
        bool retry = rc != CURLE_OK || s3_resp_retriable(status, &j->resp.body);
        if (retry) {
                char et[300];
                if (rc != CURLE_OK)
                        snprintf(et, sizeof et, "%s", curl_easy_strerror(rc));
                else
                        s3_error_text(status, j->resp.body.p, j->resp.body.len, et, sizeof et);
                j->attempt++;
                if (j->attempt <= s3_client_retries(u->client)) {
                        j->retry_at_ms = mono_ms() + s3_client_backoff_ms(u->client, j->attempt);
                        pthread_mutex_lock(&u->lock);
                        push(u, j);
                        pthread_mutex_unlock(&u->lock);
                        return;
                }
                snprintf(j->errstr, sizeof j->errstr, "S3 UploadPart %s part %d: %s (after %d attempts)",
                         j->key, j->part, et, j->attempt);
                curl_easy_cleanup(j->easy);
                j->easy = NULL;
                finish(u, j, FERRY_ERR_RETRIABLE);
                return;
        }
        curl_easy_cleanup(j->easy);
        j->easy = NULL;
        ferry_err_t err = FERRY_ERR_OK;
        if (status / 100 != 2) {
                char et[300];
                s3_error_text(status, j->resp.body.p, j->resp.body.len, et, sizeof et);
                snprintf(j->errstr, sizeof j->errstr, "S3 UploadPart %s: %s", j->key, et);
                err = FERRY_ERR_FATAL;
        } else if (!j->resp.etag[0]) {
                snprintf(j->errstr, sizeof j->errstr, "S3 UploadPart %s: no ETag in the answer", j->key);
                err = FERRY_ERR_RETRIABLE;
        } else {
                memcpy(j->etag, j->resp.etag, sizeof j->etag);
        }
        finish(u, j, err);
}

static void *run(void *arg)
{
        s3_uploader_t *u = arg;
        for (;;) {
                int64_t wait_ms = 1000;
                pthread_mutex_lock(&u->lock);
                bool stop = u->stop;
                s3_part_job_t *ready[64];
                int n_ready = 0;
                int64_t now = mono_ms();
                while (!stop && u->active + n_ready < u->max && n_ready < 64) {
                        s3_part_job_t *j = take_ready(u, now, &wait_ms);
                        if (!j)
                                break;
                        ready[n_ready++] = j;
                }
                pthread_mutex_unlock(&u->lock);
                if (stop)
                        break;
                for (int i = 0; i < n_ready; i++)
                        start(u, ready[i]);
                int running = 0;
                curl_multi_perform(u->multi, &running);
                CURLMsg *m;
                int left;
                while ((m = curl_multi_info_read(u->multi, &left))) {
                        if (m->msg != CURLMSG_DONE)
                                continue;
                        s3_part_job_t *j = NULL;
                        CURLcode rc = m->data.result;
                        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&j);
                        ended(u, j, rc);
                        wait_ms = 0; /* a slot freed: look at the queue again */
                }
                if (wait_ms > 0)
                        curl_multi_poll(u->multi, NULL, 0, (int)wait_ms, NULL);
        }
        return NULL;
}

s3_uploader_t *s3_uploader_new(s3_client_t *client, int max_in_flight, char *errstr, size_t errstr_size)
{
        s3_uploader_t *u = calloc(1, sizeof *u);
        if (!u || !(u->multi = curl_multi_init())) {
                free(u);
                snprintf(errstr, errstr_size, "out of memory");
                return NULL;
        }
        u->client = client;
        u->max = max_in_flight < 1 ? 1 : max_in_flight;
        curl_multi_setopt(u->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)u->max);
        pthread_mutex_init(&u->lock, NULL);
        pthread_cond_init(&u->cv, NULL);
        if (pthread_create(&u->thread, NULL, run, u) != 0) {
                snprintf(errstr, errstr_size, "cannot start the S3 part upload thread");
                curl_multi_cleanup(u->multi);
                pthread_mutex_destroy(&u->lock);
                pthread_cond_destroy(&u->cv);
                free(u);
                return NULL;
        }
        return u;
}

void s3_uploader_free(s3_uploader_t *u)
{
        if (!u)
                return;
        pthread_mutex_lock(&u->lock);
        u->stop = true;
        pthread_mutex_unlock(&u->lock);
        curl_multi_wakeup(u->multi);
        pthread_join(u->thread, NULL);
        if (u->outstanding)
                FERRY_WARN("S3: %d part uploads still outstanding at stop", u->outstanding);
        curl_multi_cleanup(u->multi);
        pthread_mutex_destroy(&u->lock);
        pthread_cond_destroy(&u->cv);
        free(u);
}

void s3_uploader_submit(s3_uploader_t *u, s3_part_job_t *job)
{
        job->done = false;
        job->attempt = 0;
        job->retry_at_ms = 0;
        job->err = FERRY_ERR_OK;
        job->errstr[0] = '\0';
        job->etag[0] = '\0';
        job->easy = NULL;
        job->headers = NULL;
        job->query = NULL;
        ferry_buf_init(&job->resp.body);
        pthread_mutex_lock(&u->lock);
        while (u->outstanding >= u->max)
                pthread_cond_wait(&u->cv, &u->lock);
        u->outstanding++;
        u->bytes += job->len;
        push(u, job);
        pthread_mutex_unlock(&u->lock);
        curl_multi_wakeup(u->multi);
}

void s3_uploader_wait(s3_uploader_t *u, s3_part_job_t *job)
{
        pthread_mutex_lock(&u->lock);
        while (!job->done)
                pthread_cond_wait(&u->cv, &u->lock);
        pthread_mutex_unlock(&u->lock);
}

bool s3_uploader_done(s3_uploader_t *u, s3_part_job_t *job)
{
        pthread_mutex_lock(&u->lock);
        bool d = job->done;
        pthread_mutex_unlock(&u->lock);
        return d;
}

size_t s3_uploader_bytes(s3_uploader_t *u)
{
        pthread_mutex_lock(&u->lock);
        size_t b = u->bytes;
        pthread_mutex_unlock(&u->lock);
        return b;
}
