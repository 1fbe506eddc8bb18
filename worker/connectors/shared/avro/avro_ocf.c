/* Avro object container file framing (see avro_ocf.h): writes the header and data blocks the
 * storage sinks put in .avro files, compressing blocks with the null, deflate (zlib, raw) or snappy
 * (libsnappy + CRC-32) codec, and reads a header and blocks back (tests, and readers of such
 * files). The records inside a block come from the value mapping (avro_data.c). */
#include "avro_ocf.h"

#include "avro_codec.h"

#include <snappy-c.h>
#include <zlib.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

int ferry_avro_ocf_header(ferry_buf_t *out, const char *schema_json, const char *codec,
                          const unsigned char sync[FERRY_AVRO_SYNC_SIZE])
{
        if (ferry_buf_append(out, "Obj\x01", 4) < 0 || ferry_avro_write_long(out, 2) < 0 ||
            ferry_avro_write_bytes(out, "avro.schema", 11) < 0 ||
            ferry_avro_write_bytes(out, schema_json, strlen(schema_json)) < 0 ||
            ferry_avro_write_bytes(out, "avro.codec", 10) < 0 ||
            ferry_avro_write_bytes(out, codec, strlen(codec)) < 0 || ferry_avro_write_long(out, 0) < 0)
                return -1;
        return ferry_buf_append(out, sync, FERRY_AVRO_SYNC_SIZE);
}

int ferry_avro_ocf_block(ferry_buf_t *out, int64_t count, const void *data, size_t len,
                         const unsigned char sync[FERRY_AVRO_SYNC_SIZE])
{
        if (ferry_avro_write_long(out, count) < 0 || ferry_avro_write_long(out, (int64_t)len) < 0 ||
            (len && ferry_buf_append(out, data, len) < 0))
                return -1;
        return ferry_buf_append(out, sync, FERRY_AVRO_SYNC_SIZE);
}

static char *dup_n(const char *p, size_t n)
{
        char *s = malloc(n + 1);
        if (s) {
                memcpy(s, p, n);
                s[n] = '\0';
        }
        return s;
}

int ferry_avro_ocf_read_header(const void *data, size_t len, char **schema, char **codec,
                               unsigned char sync[FERRY_AVRO_SYNC_SIZE], size_t *used, char *errstr,
                               size_t errstr_size)
{
        *schema = *codec = NULL;
        if (len < 4 || memcmp(data, "Obj\x01", 4) != 0) {
                snprintf(errstr, errstr_size, "Not an Avro data file");
                return -1;
        }
        ferry_avro_reader_t r;
        ferry_avro_reader_init(&r, (const char *)data + 4, len - 4);
        for (;;) {
                int64_t count;
                if (ferry_avro_read_block(&r, &count) < 0)
                        goto bad;
                if (!count)
                        break;
                for (int64_t i = 0; i < count; i++) {
                        const char *k, *v;
                        size_t kl, vl;
                        if (ferry_avro_read_bytes(&r, &k, &kl) < 0 || ferry_avro_read_bytes(&r, &v, &vl) < 0)
                                goto bad;
                        char **dst = kl == 11 && memcmp(k, "avro.schema", 11) == 0  ? schema
                                     : kl == 10 && memcmp(k, "avro.codec", 10) == 0 ? codec
                                                                                    : NULL;
                        if (dst) {
                                free(*dst);
                                if (!(*dst = dup_n(v, vl)))
                                        goto bad;
                        }
                }
        }
        const char *s;
        if (ferry_avro_read_fixed(&r, FERRY_AVRO_SYNC_SIZE, &s) < 0 || !*schema)
                goto bad;
        memcpy(sync, s, FERRY_AVRO_SYNC_SIZE);
        if (!*codec && !(*codec = dup_n("null", 4)))
                goto bad;
        *used = (size_t)((const unsigned char *)s + FERRY_AVRO_SYNC_SIZE - (const unsigned char *)data);
        return 0;
bad:
        free(*schema);
        free(*codec);
        *schema = *codec = NULL;
        snprintf(errstr, errstr_size, "Invalid Avro data file header: %s", r.err ? r.err : "no schema");
        return -1;
}

/* ---- codecs ---- */

int ferry_avro_codec_parse(const char *name, ferry_avro_codec_t *codec, char *errstr, size_t errstr_size)
{
        if (!name || !*name || strcmp(name, "null") == 0)
                *codec = FERRY_AVRO_CODEC_NULL;
        else if (strcmp(name, "deflate") == 0)
                *codec = FERRY_AVRO_CODEC_DEFLATE;
        else if (strcmp(name, "snappy") == 0)
                *codec = FERRY_AVRO_CODEC_SNAPPY;
        else {
                snprintf(errstr, errstr_size,
                         "Unsupported Avro codec '%s' (avro.codec): supported are null, deflate, snappy",
                         name);
                return -1;
        }
        return 0;
}

const char *ferry_avro_codec_name(ferry_avro_codec_t codec)
{
        return codec == FERRY_AVRO_CODEC_DEFLATE  ? "deflate"
               : codec == FERRY_AVRO_CODEC_SNAPPY ? "snappy"
                                                  : "null";
}

static void put_be32(unsigned char *p, uint32_t v)
{
        p[0] = (unsigned char)(v >> 24);
        p[1] = (unsigned char)(v >> 16);
        p[2] = (unsigned char)(v >> 8);
        p[3] = (unsigned char)v;
}

static uint32_t crc32_of(const void *data, size_t len)
{
        uLong c = crc32(0L, Z_NULL, 0);
        const unsigned char *p = data;
        while (len) {
                uInt n = len > 0x40000000u ? 0x40000000u : (uInt)len;
                c = crc32(c, p, n);
                p += n;
                len -= n;
        }
        return (uint32_t)c;
}

static int deflate_raw(int level, const void *data, size_t len, ferry_buf_t *out)
{
        z_stream z;
        memset(&z, 0, sizeof(z));
        /* windowBits -15: raw deflate (RFC 1951), no zlib header or trailer, as Avro specifies. */
        if (deflateInit2(&z, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
                return -1;
        size_t bound = deflateBound(&z, (uLong)len);
        if (ferry_buf_reserve(out, bound + 1) < 0) {
                deflateEnd(&z);
                return -1;
        }
        z.next_in = (Bytef *)(uintptr_t)data;
        z.avail_in = (uInt)len;
        z.next_out = (Bytef *)out->p + out->len;
        z.avail_out = (uInt)bound;
        int rc = deflate(&z, Z_FINISH);
        size_t n = bound - z.avail_out;
        deflateEnd(&z);
        if (rc != Z_STREAM_END)
                return -1;
        out->len += n;
        out->p[out->len] = '\0';
        return 0;
}

int ferry_avro_codec_compress(ferry_avro_codec_t codec, int level, const void *data, size_t len,
                              ferry_buf_t *out)
{
        if (len > 0x7fffffffu)
                return -1;
        switch (codec) {
        case FERRY_AVRO_CODEC_NULL:
                return len ? ferry_buf_append(out, data, len) : 0;
        case FERRY_AVRO_CODEC_DEFLATE:
                return deflate_raw(level, data, len, out);
        case FERRY_AVRO_CODEC_SNAPPY: {
                size_t n = snappy_max_compressed_length(len);
                if (ferry_buf_reserve(out, n + 5) < 0)
                        return -1;
                if (snappy_compress(data, len, out->p + out->len, &n) != SNAPPY_OK)
                        return -1;
                out->len += n;
                put_be32((unsigned char *)out->p + out->len, crc32_of(data, len));
                out->len += 4;
                out->p[out->len] = '\0';
                return 0;
        }
        }
        return -1;
}

static int inflate_raw(const void *data, size_t len, ferry_buf_t *out, char *errstr, size_t errstr_size)
{
        z_stream z;
        memset(&z, 0, sizeof(z));
        if (inflateInit2(&z, -15) != Z_OK) {
                snprintf(errstr, errstr_size, "deflate: out of memory");
                return -1;
        }
        z.next_in = (Bytef *)(uintptr_t)data;
        z.avail_in = (uInt)len;
        int rc = Z_OK;
        while (rc != Z_STREAM_END) {
                if (ferry_buf_reserve(out, len * 2 + 4096) < 0) {
                        rc = Z_MEM_ERROR;
                        break;
                }
                size_t room = out->cap - out->len - 1;
                if (room > 0x40000000u)
                        room = 0x40000000u;
                z.next_out = (Bytef *)out->p + out->len;
                z.avail_out = (uInt)room;
                rc = inflate(&z, Z_NO_FLUSH);
                out->len += room - z.avail_out;
                out->p[out->len] = '\0';
                if (rc == Z_BUF_ERROR && z.avail_in == 0)
                        break; /* truncated: needs input that is not there */
                if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
                        break;
        }
        inflateEnd(&z);
        if (rc != Z_STREAM_END) {
                snprintf(errstr, errstr_size, "deflate: corrupt block (%s)", z.msg ? z.msg : "truncated");
                return -1;
        }
        return 0;
}

int ferry_avro_codec_decompress(ferry_avro_codec_t codec, const void *data, size_t len, ferry_buf_t *out,
                                char *errstr, size_t errstr_size)
{
        if (len > 0x7fffffffu) {
                snprintf(errstr, errstr_size, "Avro block too large");
                return -1;
        }
        switch (codec) {
        case FERRY_AVRO_CODEC_NULL:
                if (len && ferry_buf_append(out, data, len) < 0)
                        goto oom;
                return 0;
        case FERRY_AVRO_CODEC_DEFLATE:
                return inflate_raw(data, len, out, errstr, errstr_size);
        case FERRY_AVRO_CODEC_SNAPPY: {
                size_t n;
                /* A snappy copy element expands at most 64 bytes from 3, so a claimed length
                 * beyond 22 times the input is corrupt (and is not allocated). */
                if (len < 4 || snappy_uncompressed_length(data, len - 4, &n) != SNAPPY_OK ||
                    n > 0x7fffffffu || n > (len - 4) * 22 + 64) {
                        snprintf(errstr, errstr_size, "snappy: corrupt block");
                        return -1;
                }
                if (ferry_buf_reserve(out, n + 1) < 0)
                        goto oom;
                char *dst = out->p + out->len;
                if (snappy_uncompress(data, len - 4, dst, &n) != SNAPPY_OK) {
                        snprintf(errstr, errstr_size, "snappy: corrupt block");
                        return -1;
                }
                unsigned char want[4];
                put_be32(want, crc32_of(dst, n));
                if (memcmp(want, (const char *)data + len - 4, 4) != 0) {
                        snprintf(errstr, errstr_size, "snappy: checksum failure");
                        return -1;
                }
                out->len += n;
                out->p[out->len] = '\0';
                return 0;
        }
        }
        snprintf(errstr, errstr_size, "unknown Avro codec");
        return -1;
oom:
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
}

/* ---- writer ---- */

static void random_sync(unsigned char sync[FERRY_AVRO_SYNC_SIZE])
{
        if (getrandom(sync, FERRY_AVRO_SYNC_SIZE, 0) == FERRY_AVRO_SYNC_SIZE)
                return;
        /* No entropy source: the marker only has to be unlikely inside the data. */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ ((uint64_t)getpid() << 40);
        for (int i = 0; i < FERRY_AVRO_SYNC_SIZE; i++) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                sync[i] = (unsigned char)x;
        }
}

int ferry_avro_ocf_writer_init(ferry_avro_ocf_writer_t *w, ferry_buf_t *out, const char *schema_json,
                               const char *codec_name, int level, size_t flush_bytes, int64_t flush_count,
                               const unsigned char *sync, char *errstr, size_t errstr_size)
{
        memset(w, 0, sizeof(*w));
        if (ferry_avro_codec_parse(codec_name, &w->codec, errstr, errstr_size) < 0)
                return -1;
        if (level < -1 || level > 9) {
                snprintf(errstr, errstr_size, "Invalid deflate level %d: must be -1 (default) or 0..9",
                         level);
                return -1;
        }
        w->out = out;
        w->level = level;
        w->flush_bytes = flush_bytes ? flush_bytes : FERRY_AVRO_OCF_BLOCK_BYTES;
        w->flush_count = flush_count > 0 ? flush_count : 0;
        if (sync)
                memcpy(w->sync, sync, FERRY_AVRO_SYNC_SIZE);
        else
                random_sync(w->sync);
        ferry_buf_init(&w->block);
        ferry_buf_init(&w->packed);
        if (ferry_avro_ocf_header(out, schema_json, ferry_avro_codec_name(w->codec), w->sync) < 0) {
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        return 0;
}

ferry_buf_t *ferry_avro_ocf_writer_record_buf(ferry_avro_ocf_writer_t *w)
{
        return &w->block;
}

int ferry_avro_ocf_writer_flush(ferry_avro_ocf_writer_t *w)
{
        if (!w->count)
                return 0;
        const void *data = w->block.p;
        size_t len = w->block.len;
        if (w->codec != FERRY_AVRO_CODEC_NULL) {
                ferry_buf_reset(&w->packed);
                if (ferry_avro_codec_compress(w->codec, w->level, w->block.p, w->block.len, &w->packed) < 0)
                        return -1;
                data = w->packed.p;
                len = w->packed.len;
        }
        if (ferry_avro_ocf_block(w->out, w->count, data, len, w->sync) < 0)
                return -1;
        w->records += w->count;
        w->blocks++;
        w->count = 0;
        ferry_buf_reset(&w->block);
        return 0;
}

int ferry_avro_ocf_writer_commit(ferry_avro_ocf_writer_t *w)
{
        w->count++;
        if (w->block.len >= w->flush_bytes || (w->flush_count && w->count >= w->flush_count))
                return ferry_avro_ocf_writer_flush(w);
        return 0;
}

int ferry_avro_ocf_writer_append(ferry_avro_ocf_writer_t *w, const void *datum, size_t len)
{
        if (len && ferry_buf_append(&w->block, datum, len) < 0)
                return -1;
        return ferry_avro_ocf_writer_commit(w);
}

void ferry_avro_ocf_writer_free(ferry_avro_ocf_writer_t *w)
{
        ferry_buf_free(&w->block);
        ferry_buf_free(&w->packed);
}

/* ---- reader ---- */

int ferry_avro_ocf_read_block(const void *data, size_t len, ferry_avro_codec_t codec,
                              const unsigned char sync[FERRY_AVRO_SYNC_SIZE], int64_t *count,
                              ferry_buf_t *out, size_t *used, char *errstr, size_t errstr_size)
{
        ferry_avro_reader_t r;
        ferry_avro_reader_init(&r, data, len);
        int64_t size;
        const char *p, *m;
        if (ferry_avro_read_long(&r, count) < 0 || ferry_avro_read_long(&r, &size) < 0 || *count < 0 ||
            size < 0 || (uint64_t)size > (uint64_t)(r.end - r.p)) {
                snprintf(errstr, errstr_size, "Invalid Avro data block: %s",
                         r.err ? r.err : "bad count or size");
                return -1;
        }
        if (ferry_avro_read_fixed(&r, (size_t)size, &p) < 0 ||
            ferry_avro_read_fixed(&r, FERRY_AVRO_SYNC_SIZE, &m) < 0) {
                snprintf(errstr, errstr_size, "Invalid Avro data block: truncated");
                return -1;
        }
        if (memcmp(m, sync, FERRY_AVRO_SYNC_SIZE) != 0) {
                snprintf(errstr, errstr_size, "Invalid Avro data block: sync marker mismatch");
                return -1;
        }
        if (ferry_avro_codec_decompress(codec, p, (size_t)size, out, errstr, errstr_size) < 0)
                return -1;
        *used = (size_t)((const unsigned char *)m + FERRY_AVRO_SYNC_SIZE - (const unsigned char *)data);
        return 0;
}
