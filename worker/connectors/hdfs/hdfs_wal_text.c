/* The write-ahead log text of Ferry's first HDFS sink releases, still read so an upgraded worker
 * finishes and takes the offsets of logs written before (new logs are Confluent's binary WALFile,
 * hdfs_wal.c). Format: a header line "FERRY-WAL 1", then lines "<crc32 of the rest, 8 hex digits>
 * <record>" where a record is "BEGIN", "END" or "<temp path>\t<committed path>" (paths with '%',
 * tab, CR and LF percent-encoded). Called through hdfs_wal_parse (hdfs_wal.c) on partition open;
 * the encoder is kept for the unit tests and the fuzz target's round trip. */
#include "hdfs_wal.h"

#include <zlib.h>

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

int hdfs_wal_text_encode(ferry_buf_t *b, bool header, const hdfs_wal_pair_t *pairs, size_t n)
{
        ferry_buf_t rec;
        ferry_buf_init(&rec);
        int rc = 0;
        if (header)
                rc = ferry_buf_puts(b, HDFS_WAL_TEXT_MAGIC "\n");
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

int hdfs_wal_text_parse(const char *text, size_t len, hdfs_wal_log_t *out, char *why, size_t why_size)
{
        memset(out, 0, sizeof(*out));
        if (why_size)
                why[0] = 0;
        size_t ml = strlen(HDFS_WAL_TEXT_MAGIC);
        if (len == 0)
                return 0; /* created, nothing written yet */
        if (len < ml + 1 || memcmp(text, HDFS_WAL_TEXT_MAGIC "\n", ml + 1) != 0) {
                /* A header cut short by a crash is an empty log; anything else is not ours. */
                if (len <= ml && memcmp(text, HDFS_WAL_TEXT_MAGIC, len) == 0)
                        return 0;
                snprintf(why, why_size, "no \"" HDFS_WAL_TEXT_MAGIC "\" header");
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
                        hdfs_wal_drop_pairs(out, batch_start); /* a BEGIN without END before it */
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
                        if (hdfs_wal_push_pair(out, t, f) != 0) {
                                free(t);
                                free(f);
                                hdfs_wal_log_free(out);
                                return -1;
                        }
                }
        }
        hdfs_wal_drop_pairs(out, batch_start);
        return 0;
corrupt:
        hdfs_wal_drop_pairs(out, batch_start);
        return 1;
}
