/* Streams a file's data to the DataNode in one chunked HTTP PUT (see webhdfs_stream.h): the HDFS
 * backend's writes (hdfs_storage.c) queue copies of their chunks, a thread per stream runs the
 * libcurl transfer and feeds it from the queue, and close sends the last chunk and waits for the
 * DataNode's 201. Sits between hdfs_storage.c and the DataNode; the NameNode's half of the
 * CREATE (its 307 to the DataNode) is webhdfs.c. */
#include "webhdfs_stream.h"

#include "webhdfs_parse.h"

#include <ferry/buf.h>

#include <curl/curl.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The writer waits while more than this is queued and not yet sent. */
#define STREAM_QUEUE_BYTES (16u * 1024 * 1024)

typedef struct chunk {
        struct chunk *next;
        size_t len, off;
        char data[];
} chunk_t;

struct webhdfs_stream {
        char *path;
        CURL *curl;
        struct curl_slist *headers;
        pthread_t thread;
        pthread_mutex_t mu;
        pthread_cond_t cv;
        chunk_t *head, *tail;
        size_t queued;
        bool eof, aborted, done;
        CURLcode cc;
        long status;
        ferry_buf_t body;
        char curl_err[CURL_ERROR_SIZE];
};

static size_t on_read(char *buf, size_t size, size_t n, void *ud)
{
        webhdfs_stream_t *s = ud;
        size_t room = size * n, got = 0;
        pthread_mutex_lock(&s->mu);
        while (!s->head && !s->eof && !s->aborted)
                pthread_cond_wait(&s->cv, &s->mu);
        if (s->aborted) {
                pthread_mutex_unlock(&s->mu);
                return CURL_READFUNC_ABORT;
        }
        while (s->head && got < room) {
                chunk_t *c = s->head;
                size_t k = c->len - c->off < room - got ? c->len - c->off : room - got;
                memcpy(buf + got, c->data + c->off, k);
                c->off += k;
                got += k;
                if (c->off == c->len) {
                        s->head = c->next;
                        if (!s->head)
                                s->tail = NULL;
                        s->queued -= c->len;
                        free(c);
                }
        }
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
        return got; /* 0 at the end of the data */
}

static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
        (void)dt, (void)dn, (void)ut, (void)un;
        webhdfs_stream_t *s = ud;
        pthread_mutex_lock(&s->mu);
        bool stop = s->aborted;
        pthread_mutex_unlock(&s->mu);
        return stop ? 1 : 0;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
        return ferry_buf_append(ud, p, size * n) == 0 ? size * n : 0;
}

static void *run(void *arg)
{
        webhdfs_stream_t *s = arg;
        CURLcode cc = curl_easy_perform(s->curl);
        long status = 0;
        if (cc == CURLE_OK)
                curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &status);
        pthread_mutex_lock(&s->mu);
        s->cc = cc;
        s->status = status;
        s->done = true;
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
        return NULL;
}

static void stream_free(webhdfs_stream_t *s)
{
        while (s->head) {
                chunk_t *c = s->head;
                s->head = c->next;
                free(c);
        }
        if (s->curl)
                curl_easy_cleanup(s->curl);
        curl_slist_free_all(s->headers);
        ferry_buf_free(&s->body);
        pthread_mutex_destroy(&s->mu);
        pthread_cond_destroy(&s->cv);
        free(s->path);
        free(s);
}

ferry_err_t webhdfs_stream_open(const char *location, const char *path, long connect_timeout_ms,
                                webhdfs_stream_t **out, char *errstr, size_t errstr_size)
{
        *out = NULL;
        webhdfs_stream_t *s = calloc(1, sizeof(*s));
        if (!s) {
                snprintf(errstr, errstr_size, "out of memory");
                return FERRY_ERR_NOMEM;
        }
        pthread_mutex_init(&s->mu, NULL);
        pthread_cond_init(&s->cv, NULL);
        ferry_buf_init(&s->body);
        s->path = strdup(path);
        s->curl = curl_easy_init();
        struct curl_slist *h = curl_slist_append(NULL, "Expect:");
        if (h)
                s->headers = h;
        if (h && (h = curl_slist_append(s->headers, "Transfer-Encoding: chunked")))
                s->headers = h;
        if (h && (h = curl_slist_append(s->headers, "Content-Type: application/octet-stream")))
                s->headers = h;
        if (!s->path || !s->curl || !h) {
                stream_free(s);
                snprintf(errstr, errstr_size, "out of memory");
                return FERRY_ERR_NOMEM;
        }
        CURL *c = s->curl;
        curl_easy_setopt(c, CURLOPT_URL, location);
        curl_easy_setopt(c, CURLOPT_UPLOAD, 1L); /* PUT */
        curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(c, CURLOPT_READDATA, s);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, s->headers);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &s->body);
        curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(c, CURLOPT_XFERINFODATA, s);
        curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, connect_timeout_ms > 0 ? connect_timeout_ms : 10000L);
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, s->curl_err);
        curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
        if (pthread_create(&s->thread, NULL, run, s) != 0) {
                stream_free(s);
                snprintf(errstr, errstr_size, "WebHDFS CREATE %s: cannot start the upload thread", path);
                return FERRY_ERR_FATAL;
        }
        *out = s;
        return FERRY_ERR_OK;
}

/* The error of a finished transfer (mu held or the thread joined). */
static ferry_err_t result(webhdfs_stream_t *s, char *errstr, size_t errstr_size)
{
        if (s->cc != CURLE_OK) {
                snprintf(errstr, errstr_size, "WebHDFS CREATE %s: the DataNode unreachable: %s", s->path,
                         s->curl_err[0] ? s->curl_err : curl_easy_strerror(s->cc));
                return FERRY_ERR_RETRIABLE;
        }
        if (s->status >= 200 && s->status < 300)
                return FERRY_ERR_OK;
        webhdfs_remote_exception_t re;
        if (webhdfs_parse_remote_exception(s->body.p, s->body.len, &re) == 0) {
                snprintf(errstr, errstr_size, "WebHDFS CREATE %s: %s: %s (HTTP %ld from the DataNode)",
                         s->path, re.exception, re.message, s->status);
                return webhdfs_exception_err(re.exception);
        }
        snprintf(errstr, errstr_size, "WebHDFS CREATE %s: HTTP %ld from the DataNode: %.200s", s->path,
                 s->status, s->body.p ? s->body.p : "");
        return s->status >= 500 ? FERRY_ERR_RETRIABLE : FERRY_ERR_IO;
}

ferry_err_t webhdfs_stream_write(webhdfs_stream_t *s, const void *p, size_t n, char *errstr,
                                 size_t errstr_size)
{
        if (n == 0)
                return FERRY_ERR_OK;
        chunk_t *c = malloc(sizeof(*c) + n);
        if (!c) {
                snprintf(errstr, errstr_size, "out of memory");
                return FERRY_ERR_NOMEM;
        }
        memcpy(c->data, p, n);
        c->len = n;
        c->off = 0;
        c->next = NULL;
        pthread_mutex_lock(&s->mu);
        while (s->queued > STREAM_QUEUE_BYTES && !s->done)
                pthread_cond_wait(&s->cv, &s->mu);
        if (s->done) { /* ended before its data did: an error */
                ferry_err_t err = result(s, errstr, errstr_size);
                pthread_mutex_unlock(&s->mu);
                free(c);
                if (err == FERRY_ERR_OK) {
                        snprintf(errstr, errstr_size,
                                 "WebHDFS CREATE %s: the DataNode answered before the end of the data",
                                 s->path);
                        err = FERRY_ERR_IO;
                }
                return err;
        }
        if (s->tail)
                s->tail->next = c;
        else
                s->head = c;
        s->tail = c;
        s->queued += n;
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
        return FERRY_ERR_OK;
}

ferry_err_t webhdfs_stream_close(webhdfs_stream_t *s, char *errstr, size_t errstr_size)
{
        pthread_mutex_lock(&s->mu);
        s->eof = true;
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->thread, NULL);
        ferry_err_t err = result(s, errstr, errstr_size);
        stream_free(s);
        return err;
}

void webhdfs_stream_abort(webhdfs_stream_t *s)
{
        if (!s)
                return;
        pthread_mutex_lock(&s->mu);
        s->aborted = true;
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->thread, NULL);
        stream_free(s);
}
