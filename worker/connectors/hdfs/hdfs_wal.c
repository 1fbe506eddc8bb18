/* The HDFS sink's write-ahead log in Confluent's WALFile bytes (see hdfs_wal.h), so a Java
 * kafka-connect-hdfs task and Ferry each recover the other's log, and the committed-file-name
 * parser recovery falls back on. A WALFile is "WAL" + version byte 0 + 16 sync bytes, then
 * records: int32 (big-endian) length of key + value, int32 key length, key, value; key and value
 * are WALEntry names written as Hadoop Text (a Hadoop vint byte count, then UTF-8). BEGIN and END
 * markers are records with the key "BEGIN"/"END" and an empty value; a pair is (temp, committed).
 * A sync mark (int32 -1 and the 16 header bytes) precedes a record once 2,000 bytes have passed
 * since the last one, and the first record a writer appends to an existing file. Called by
 * hdfs_storage.c on commit and on partition open; fuzzed by tests/fuzz/fuzz_hdfs_wal.c. */
#include "hdfs_wal.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

void hdfs_wal_writer_new(hdfs_wal_writer_t *w)
{
        memset(w, 0, sizeof(*w));
        if (getrandom(w->sync, sizeof(w->sync), 0) != (ssize_t)sizeof(w->sync)) {
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^ (uint64_t)(uintptr_t)w;
                for (size_t i = 0; i < sizeof(w->sync); i++) {
                        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
                        w->sync[i] = (unsigned char)(x >> 56);
                }
        }
}

void hdfs_wal_writer_reopen(hdfs_wal_writer_t *w, const unsigned char sync[HDFS_WAL_SYNC_SIZE], uint64_t len)
{
        memset(w, 0, sizeof(*w));
        memcpy(w->sync, sync, sizeof(w->sync));
        w->pos = len;
        w->reopened = len > 0;
}

static int put_be32(ferry_buf_t *b, uint32_t v)
{
        unsigned char x[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16), (unsigned char)(v >> 8),
                              (unsigned char)v};
        return ferry_buf_append(b, x, 4);
}

/* Hadoop's WritableUtils.writeVInt of a non-negative n. */
static int put_vint(ferry_buf_t *b, uint32_t n)
{
        if (n <= 127)
                return ferry_buf_putc(b, (char)n);
        int len = -112, bytes = 0;
        for (uint32_t t = n; t; t >>= 8) {
                len--;
                bytes++;
        }
        int rc = ferry_buf_putc(b, (char)(signed char)len);
        for (int i = bytes; i > 0 && rc == 0; i--)
                rc = ferry_buf_putc(b, (char)(unsigned char)(n >> ((i - 1) * 8)));
        return rc;
}

static int put_text(ferry_buf_t *b, const char *s)
{
        size_t l = strlen(s);
        if (l > INT32_MAX)
                return -1;
        int rc = put_vint(b, (uint32_t)l);
        return rc == 0 ? ferry_buf_append(b, s, l) : rc;
}

static int put_sync(ferry_buf_t *b, hdfs_wal_writer_t *w)
{
        int rc = put_be32(b, 0xFFFFFFFFu);
        if (rc == 0)
                rc = ferry_buf_append(b, w->sync, sizeof(w->sync));
        w->pos += 4 + sizeof(w->sync);
        w->last_sync = w->pos;
        return rc;
}

/* One record (key, value), after a sync mark when one is due. */
static int put_record(ferry_buf_t *b, hdfs_wal_writer_t *w, ferry_buf_t *rec, const char *key,
                      const char *val)
{
        ferry_buf_reset(rec);
        if (put_text(rec, key) != 0)
                return -1;
        size_t kl = rec->len;
        if (put_text(rec, val) != 0 || rec->len > INT32_MAX)
                return -1;
        int rc = 0;
        if (w->reopened) {
                w->reopened = false;
                if (w->last_sync != w->pos)
                        rc = put_sync(b, w);
        } else if (w->pos >= w->last_sync + HDFS_WAL_SYNC_INTERVAL) {
                rc = put_sync(b, w);
        }
        if (rc == 0)
                rc = put_be32(b, (uint32_t)rec->len);
        if (rc == 0)
                rc = put_be32(b, (uint32_t)kl);
        if (rc == 0)
                rc = ferry_buf_append(b, rec->p, rec->len);
        w->pos += 8 + rec->len;
        return rc;
}

int hdfs_wal_encode(ferry_buf_t *b, hdfs_wal_writer_t *w, const hdfs_wal_pair_t *pairs, size_t n)
{
        ferry_buf_t rec;
        ferry_buf_init(&rec);
        int rc = 0;
        if (w->pos == 0) {
                rc = ferry_buf_append(b, "WAL", 3);
                if (rc == 0)
                        rc = ferry_buf_putc(b, HDFS_WAL_VERSION);
                if (rc == 0)
                        rc = ferry_buf_append(b, w->sync, sizeof(w->sync));
                w->pos = HDFS_WAL_HEADER_SIZE;
                w->last_sync = 0;
                w->reopened = false;
        }
        if (rc == 0)
                rc = put_record(b, w, &rec, HDFS_WAL_BEGIN, "");
        for (size_t i = 0; i < n && rc == 0; i++)
                rc = put_record(b, w, &rec, pairs[i].temp, pairs[i].final);
        if (rc == 0)
                rc = put_record(b, w, &rec, HDFS_WAL_END, "");
        ferry_buf_free(&rec);
        return rc;
}

int hdfs_wal_mark(ferry_buf_t *b, hdfs_wal_writer_t *w)
{
        if (!w->reopened)
                return 0;
        w->reopened = false;
        return w->last_sync != w->pos ? put_sync(b, w) : 0;
}

int hdfs_wal_push_pair(hdfs_wal_log_t *l, char *temp, char *final)
{
        if (l->n == l->cap) {
                size_t cap = l->cap ? l->cap * 2 : 8;
                hdfs_wal_pair_t *p = realloc(l->pairs, cap * sizeof(*p));
                if (!p)
                        return -1;
                l->pairs = p;
                l->cap = cap;
        }
        l->pairs[l->n].temp = temp;
        l->pairs[l->n].final = final;
        l->n++;
        return 0;
}

void hdfs_wal_drop_pairs(hdfs_wal_log_t *l, size_t keep)
{
        while (l->n > keep) {
                l->n--;
                free(l->pairs[l->n].temp);
                free(l->pairs[l->n].final);
        }
}

static uint32_t get_be32(const unsigned char *p)
{
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* A Hadoop Text at p[0..n): its bytes (a new string) in *out and the bytes it took in *used.
 * 0; 1 when malformed (a negative or oversized length, NUL in the name); -1 out of memory. */
static int get_text(const unsigned char *p, size_t n, char **out, size_t *used)
{
        if (n < 1)
                return 1;
        int first = (signed char)p[0];
        int64_t len;
        size_t vl = 1;
        if (first >= -112) {
                len = first;
        } else {
                vl = (size_t)(first < -120 ? -119 - first : -111 - first);
                if (vl > n || vl > 5)
                        return 1; /* a Text length is an int: at most 4 bytes after the first */
                uint64_t v = 0;
                for (size_t i = 1; i < vl; i++)
                        v = v << 8 | p[i];
                len = first < -120 ? (int64_t)~v : (int64_t)v;
        }
        if (len < 0 || (uint64_t)len > n - vl || memchr(p + vl, 0, (size_t)len))
                return 1;
        *out = strndup((const char *)p + vl, (size_t)len);
        if (!*out)
                return -1;
        *used = vl + (size_t)len;
        return 0;
}

static int parse_walfile(const unsigned char *d, size_t len, hdfs_wal_log_t *out, char *why, size_t why_size)
{
        memcpy(out->sync, d + 4, HDFS_WAL_SYNC_SIZE);
        out->header = true;
        size_t pos = HDFS_WAL_HEADER_SIZE, batch_start = 0;
        unsigned rec_no = 0;
        while (pos < len) {
                size_t left = len - pos;
                if (left < 4) {
                        out->cut_short = true;
                        break;
                }
                int32_t rl = (int32_t)get_be32(d + pos);
                if (rl == -1) {
                        if (left < 4 + HDFS_WAL_SYNC_SIZE) {
                                out->cut_short = true;
                                break;
                        }
                        if (memcmp(d + pos + 4, out->sync, HDFS_WAL_SYNC_SIZE) != 0) {
                                snprintf(why, why_size, "the sync mark at byte %zu differs from the header's",
                                         pos);
                                goto corrupt;
                        }
                        pos += 4 + HDFS_WAL_SYNC_SIZE;
                        continue;
                }
                rec_no++;
                if (rl < 0) {
                        snprintf(why, why_size, "record %u at byte %zu has length %" PRId32, rec_no, pos, rl);
                        goto corrupt;
                }
                if (left < 8) {
                        out->cut_short = true;
                        break;
                }
                int32_t kl = (int32_t)get_be32(d + pos + 4);
                if (kl < 0 || kl > rl) {
                        snprintf(why, why_size,
                                 "record %u at byte %zu has key length %" PRId32 " of %" PRId32, rec_no, pos,
                                 kl, rl);
                        goto corrupt;
                }
                if (left - 8 < (size_t)rl) {
                        out->cut_short = true;
                        break;
                }
                const unsigned char *k = d + pos + 8, *v = k + kl;
                char *key = NULL, *val = NULL;
                size_t ku = 0, vu = 0;
                int rc = get_text(k, (size_t)kl, &key, &ku);
                if (rc == 0)
                        rc = get_text(v, (size_t)(rl - kl), &val, &vu);
                if (rc == 0 && (ku != (size_t)kl || vu != (size_t)(rl - kl)))
                        rc = 1;
                if (rc != 0) {
                        free(key);
                        free(val);
                        if (rc < 0) {
                                hdfs_wal_log_free(out);
                                return -1;
                        }
                        snprintf(why, why_size, "record %u at byte %zu is not a WALEntry key and value",
                                 rec_no, pos);
                        goto corrupt;
                }
                pos += 8 + (size_t)rl;
                /* As the Java reader: BEGIN forgets the pairs since the last END, END commits. */
                if (strcmp(key, HDFS_WAL_BEGIN) == 0) {
                        free(key);
                        free(val);
                        hdfs_wal_drop_pairs(out, batch_start);
                } else if (strcmp(key, HDFS_WAL_END) == 0) {
                        free(key);
                        free(val);
                        batch_start = out->n;
                        out->batches++;
                } else if (hdfs_wal_push_pair(out, key, val) != 0) {
                        free(key);
                        free(val);
                        hdfs_wal_log_free(out);
                        return -1;
                }
        }
        hdfs_wal_drop_pairs(out, batch_start);
        return 0;
corrupt:
        hdfs_wal_drop_pairs(out, batch_start);
        return 1;
}

int hdfs_wal_parse(const char *data, size_t len, hdfs_wal_log_t *out, char *why, size_t why_size)
{
        memset(out, 0, sizeof(*out));
        if (why_size)
                why[0] = 0;
        const unsigned char *d = (const unsigned char *)data;
        size_t tl = strlen(HDFS_WAL_TEXT_MAGIC);
        if (len >= 1 && d[0] == 'F' && memcmp(data, HDFS_WAL_TEXT_MAGIC, len < tl ? len : tl) == 0) {
                int rc = hdfs_wal_text_parse(data, len, out, why, why_size);
                out->legacy = true;
                return rc;
        }
        if (len == 0)
                return 0; /* created, nothing written yet */
        if (memcmp(data, "WAL", len < 3 ? len : 3) != 0) {
                snprintf(why, why_size, "not a WALFile (no \"WAL\" header)");
                return 1;
        }
        if (len >= 4 && d[3] > HDFS_WAL_VERSION) {
                snprintf(why, why_size, "WALFile version %u (this reader knows %d)", d[3], HDFS_WAL_VERSION);
                return 1;
        }
        if (len < HDFS_WAL_HEADER_SIZE) {
                out->cut_short = true; /* a header cut short by a crash: an empty log */
                return 0;
        }
        return parse_walfile(d, len, out, why, why_size);
}

void hdfs_wal_log_free(hdfs_wal_log_t *l)
{
        if (!l)
                return;
        hdfs_wal_drop_pairs(l, 0);
        free(l->pairs);
        l->pairs = NULL;
        l->n = l->cap = l->batches = 0;
}

const char *hdfs_wal_entry_path(const char *name)
{
        const char *s = name;
        while (isalnum((unsigned char)*s) || *s == '+' || *s == '-' || *s == '.')
                s++;
        if (s == name || strncmp(s, "://", 3) != 0)
                return name;
        const char *slash = strchr(s + 3, '/');
        return slash ? slash : "/";
}

/* Reads a run of digits at *p (at most 19) into *v; false when none. */
static bool read_offset(const char **p, int64_t *v)
{
        const char *s = *p;
        int64_t x = 0;
        int n = 0;
        while (isdigit((unsigned char)*s)) {
                if (++n > 19)
                        return false;
                int d = *s - '0';
                if (x > (INT64_MAX - d) / 10)
                        return false;
                x = x * 10 + d;
                s++;
        }
        if (n == 0)
                return false;
        *p = s;
        *v = x;
        return true;
}

int64_t hdfs_committed_end_offset(const char *name, const char *topic, int32_t partition, const char *delim)
{
        const char *slash = strrchr(name, '/');
        const char *s = slash ? slash + 1 : name;
        size_t tl = strlen(topic), dl = strlen(delim);
        if (dl == 0 || strncmp(s, topic, tl) != 0 || strncmp(s + tl, delim, dl) != 0)
                return -1;
        s += tl + dl;
        int64_t p, start, end;
        if (!read_offset(&s, &p) || p != partition || strncmp(s, delim, dl) != 0)
                return -1;
        s += dl;
        if (!read_offset(&s, &start) || strncmp(s, delim, dl) != 0)
                return -1;
        s += dl;
        if (!read_offset(&s, &end) || end < start)
                return -1;
        if (*s && *s != '.')
                return -1;
        return end;
}
