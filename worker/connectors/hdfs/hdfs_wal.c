/* The write-ahead log text of the HDFS sink (see hdfs_wal.h) and the committed-file-name parser
 * that recovery falls back on. Format (ours; Confluent writes a Hadoop SequenceFile-style binary
 * WALFile that only its own Java reader understands): a header line "FERRY-WAL 1", then lines
 * "<crc32 of the rest, 8 hex digits> <record>" where a record is "BEGIN", "END" or
 * "<temp path>\t<committed path>" (paths with '%', tab, CR and LF percent-encoded). Called by
 * hdfs_storage.c on commit and on partition open; fuzzed by tests/fuzz/fuzz_hdfs_wal.c. */
#include "hdfs_wal.h"

#include <zlib.h>

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int put_escaped(ferry_buf_t *b, const char *s)
{
        for (; *s; s++) {
                int rc = (*s == '%' || *s == '\t' || *s == '\n' || *s == '\r')
                                 ? ferry_buf_printf(b, "%%%02X", (unsigned)(unsigned char)*s)
                                 : ferry_buf_putc(b, *s);
                if (rc != 0)
                        return -1;
        }
        return 0;
}

static int put_line(ferry_buf_t *b, ferry_buf_t *rec)
{
        uLong crc = crc32(0L, (const Bytef *)(rec->p ? rec->p : ""), (uInt)rec->len);
        int rc = ferry_buf_printf(b, "%08lx ", (unsigned long)crc);
        if (rc == 0)
                rc = ferry_buf_append(b, rec->p ? rec->p : "", rec->len);
        if (rc == 0)
                rc = ferry_buf_putc(b, '\n');
        ferry_buf_reset(rec);
        return rc;
}

int hdfs_wal_encode(ferry_buf_t *b, bool header, const hdfs_wal_pair_t *pairs, size_t n)
{
        ferry_buf_t rec;
        ferry_buf_init(&rec);
        int rc = 0;
        if (header)
                rc = ferry_buf_puts(b, HDFS_WAL_MAGIC "\n");
        if (rc == 0)
                rc = ferry_buf_puts(&rec, "BEGIN");
        if (rc == 0)
                rc = put_line(b, &rec);
        for (size_t i = 0; i < n && rc == 0; i++) {
                rc = put_escaped(&rec, pairs[i].temp);
                if (rc == 0)
                        rc = ferry_buf_putc(&rec, '\t');
                if (rc == 0)
                        rc = put_escaped(&rec, pairs[i].final);
                if (rc == 0)
                        rc = put_line(b, &rec);
        }
        if (rc == 0)
                rc = ferry_buf_puts(&rec, "END");
        if (rc == 0)
                rc = put_line(b, &rec);
        ferry_buf_free(&rec);
        return rc;
}

static int hexval(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* Unescapes s[0..n) into a new string; NULL on a bad escape (*bad set) or out of memory. */
static char *unescape(const char *s, size_t n, bool *bad)
{
        char *out = malloc(n + 1);
        if (!out)
                return NULL;
        size_t o = 0;
        for (size_t i = 0; i < n; i++) {
                if (s[i] == '%') {
                        int a = i + 1 < n ? hexval(s[i + 1]) : -1;
                        int c = i + 2 < n ? hexval(s[i + 2]) : -1;
                        if (a < 0 || c < 0 || (a == 0 && c == 0)) {
                                free(out);
                                *bad = true;
                                return NULL;
                        }
                        out[o++] = (char)(a * 16 + c);
                        i += 2;
                } else if (s[i] == 0) {
                        free(out);
                        *bad = true;
                        return NULL;
                } else {
                        out[o++] = s[i];
                }
        }
        out[o] = 0;
        return out;
}

static int push_pair(hdfs_wal_log_t *l, char *temp, char *final)
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

/* Drops the pairs after index keep (those of an unfinished batch). */
static void truncate_pairs(hdfs_wal_log_t *l, size_t keep)
{
        while (l->n > keep) {
                l->n--;
                free(l->pairs[l->n].temp);
                free(l->pairs[l->n].final);
        }
}

int hdfs_wal_parse(const char *text, size_t len, hdfs_wal_log_t *out, char *why, size_t why_size)
{
        memset(out, 0, sizeof(*out));
        if (why_size)
                why[0] = 0;
        size_t ml = strlen(HDFS_WAL_MAGIC);
        if (len == 0)
                return 0; /* created, nothing written yet */
        if (len < ml + 1 || memcmp(text, HDFS_WAL_MAGIC "\n", ml + 1) != 0) {
                /* A header cut short by a crash is an empty log; anything else is not ours. */
                if (len <= ml && memcmp(text, HDFS_WAL_MAGIC, len) == 0)
                        return 0;
                snprintf(why, why_size, "no \"" HDFS_WAL_MAGIC "\" header");
                return 1;
        }
        size_t pos = ml + 1, batch_start = 0;
        bool in_batch = false;
        unsigned line = 1;
        while (pos < len) {
                line++;
                const char *l = text + pos;
                const char *nl = memchr(l, '\n', len - pos);
                if (!nl) {
                        /* A last line without its newline: written in part when the task died. */
                        break;
                }
                size_t ll = (size_t)(nl - l);
                pos += ll + 1;
                if (ll < 10 || l[8] != ' ') {
                        snprintf(why, why_size, "line %u is malformed", line);
                        goto corrupt;
                }
                unsigned long want = 0;
                for (int i = 0; i < 8; i++) {
                        int h = hexval(l[i]);
                        if (h < 0) {
                                snprintf(why, why_size, "line %u: bad checksum field", line);
                                goto corrupt;
                        }
                        want = want * 16 + (unsigned long)h;
                }
                const char *rec = l + 9;
                size_t rl = ll - 9;
                if (crc32(0L, (const Bytef *)rec, (uInt)rl) != want) {
                        snprintf(why, why_size, "line %u: checksum mismatch", line);
                        goto corrupt;
                }
                if (rl == 5 && memcmp(rec, "BEGIN", 5) == 0) {
                        truncate_pairs(out, batch_start); /* a BEGIN without END before it */
                        in_batch = true;
                } else if (rl == 3 && memcmp(rec, "END", 3) == 0) {
                        if (!in_batch) {
                                snprintf(why, why_size, "line %u: END without BEGIN", line);
                                goto corrupt;
                        }
                        in_batch = false;
                        batch_start = out->n;
                        out->batches++;
                } else {
                        const char *tab = memchr(rec, '\t', rl);
                        if (!in_batch || !tab || tab == rec || tab + 1 == rec + rl) {
                                snprintf(why, why_size, "line %u: not a BEGIN, END or file pair", line);
                                goto corrupt;
                        }
                        bool bad = false;
                        char *t = unescape(rec, (size_t)(tab - rec), &bad);
                        char *f = t ? unescape(tab + 1, (size_t)(rec + rl - tab - 1), &bad) : NULL;
                        if (!t || !f) {
                                free(t);
                                free(f);
                                if (bad) {
                                        snprintf(why, why_size, "line %u: bad escape in a path", line);
                                        goto corrupt;
                                }
                                hdfs_wal_log_free(out);
                                return -1;
                        }
                        if (push_pair(out, t, f) != 0) {
                                free(t);
                                free(f);
                                hdfs_wal_log_free(out);
                                return -1;
                        }
                }
        }
        truncate_pairs(out, batch_start);
        return 0;
corrupt:
        truncate_pairs(out, batch_start);
        return 1;
}

void hdfs_wal_log_free(hdfs_wal_log_t *l)
{
        if (!l)
                return;
        truncate_pairs(l, 0);
        free(l->pairs);
        memset(l, 0, sizeof(*l));
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
