/* Byte-level encoders of the Parquet writer (shared/parquet): the RLE/bit-packed hybrid encoding
 * of repetition and definition levels, and the page codecs (raw snappy through libsnappy, a gzip
 * member through zlib, a zstd frame through libzstd) with their parquet.codec names and file
 * extensions. parquet_writer.c builds data pages from them. */
#include "shared/parquet/parquet_int.h"

#include <ctype.h>
#include <snappy-c.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>
#include <zstd.h>

int pq_bit_width(int max)
{
        int w = 0;
        while (max >> w)
                w++;
        return w;
}

static int put_value(ferry_buf_t *out, uint16_t v, int bit_width)
{
        unsigned char b[2] = {(unsigned char)(v & 0xff), (unsigned char)(v >> 8)};
        return ferry_buf_append(out, b, (size_t)(bit_width + 7) / 8);
}

/* Length of the run of equal values starting at i. */
static size_t run_at(const uint16_t *v, size_t n, size_t i)
{
        size_t j = i + 1;
        while (j < n && v[j] == v[i])
                j++;
        return j - i;
}

/* Bit-packs groups of 8 values from v[i] (the last group padded with zeros), LSB first. */
static int bit_pack(ferry_buf_t *out, const uint16_t *v, size_t n, size_t i, size_t groups, int bit_width)
{
        if (ferry_tc_put_uvarint(out, (uint64_t)groups << 1 | 1) < 0)
                return -1;
        for (size_t g = 0; g < groups; g++) {
                uint64_t acc = 0;
                int bits = 0;
                unsigned char bytes[16];
                size_t nb = 0;
                for (size_t k = 0; k < 8; k++) {
                        size_t idx = i + g * 8 + k;
                        uint64_t val = idx < n ? v[idx] : 0;
                        acc |= val << bits;
                        bits += bit_width;
                        while (bits >= 8) {
                                bytes[nb++] = (unsigned char)(acc & 0xff);
                                acc >>= 8;
                                bits -= 8;
                        }
                }
                if (ferry_buf_append(out, bytes, nb) < 0)
                        return -1;
        }
        return 0;
}

int pq_rle_encode(ferry_buf_t *out, const uint16_t *v, size_t n, int bit_width)
{
        size_t i = 0;
        while (i < n) {
                size_t r = run_at(v, n, i);
                if (r >= 8 || i + r == n) {
                        /* An RLE run: the count, then the value in ceil(bit_width / 8) bytes. */
                        if (ferry_tc_put_uvarint(out, (uint64_t)r << 1) < 0 ||
                            put_value(out, v[i], bit_width) < 0)
                                return -1;
                        i += r;
                        continue;
                }
                /* Bit-packed groups of 8 until a run of 8 or more starts at a group boundary, at most
                 * 63 groups per run as parquet-mr writes them (only the page's last group may hold
                 * padding: the reader stops at the value count). */
                size_t j = i, groups = 0;
                while (j < n && groups < 63) {
                        groups++;
                        j += 8;
                        if (j < n && run_at(v, n, j) >= 8)
                                break;
                }
                if (bit_pack(out, v, n, i, groups, bit_width) < 0)
                        return -1;
                i = j < n ? j : n;
        }
        return 0;
}

int pq_compress(ferry_parquet_codec_t codec, int level, const void *data, size_t len, ferry_buf_t *out)
{
        switch (codec) {
        case FERRY_PARQUET_UNCOMPRESSED:
                return ferry_buf_append(out, data, len);
        case FERRY_PARQUET_SNAPPY: {
                size_t cap = snappy_max_compressed_length(len);
                if (ferry_buf_reserve(out, cap + 1) < 0)
                        return -1;
                size_t got = cap;
                if (snappy_compress(data, len, out->p + out->len, &got) != SNAPPY_OK)
                        return -1;
                out->len += got;
                out->p[out->len] = 0;
                return 0;
        }
        case FERRY_PARQUET_GZIP: {
                z_stream zs;
                memset(&zs, 0, sizeof(zs));
                if (deflateInit2(&zs, level < 0 ? 6 : level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
                    Z_OK)
                        return -1;
                size_t cap = deflateBound(&zs, (uLong)len) + 32;
                if (ferry_buf_reserve(out, cap + 1) < 0) {
                        deflateEnd(&zs);
                        return -1;
                }
                zs.next_in = (Bytef *)(uintptr_t)data;
                zs.avail_in = (uInt)len;
                zs.next_out = (Bytef *)out->p + out->len;
                zs.avail_out = (uInt)cap;
                int rc = deflate(&zs, Z_FINISH);
                size_t got = cap - zs.avail_out;
                deflateEnd(&zs);
                if (rc != Z_STREAM_END)
                        return -1;
                out->len += got;
                out->p[out->len] = 0;
                return 0;
        }
        case FERRY_PARQUET_ZSTD: {
                size_t cap = ZSTD_compressBound(len);
                if (ferry_buf_reserve(out, cap + 1) < 0)
                        return -1;
                size_t got = ZSTD_compress(out->p + out->len, cap, data, len, level < 0 ? 3 : level);
                if (ZSTD_isError(got))
                        return -1;
                out->len += got;
                out->p[out->len] = 0;
                return 0;
        }
        }
        return -1;
}

int ferry_parquet_codec_parse(const char *name, ferry_parquet_codec_t *codec, char *errstr,
                              size_t errstr_size)
{
        static const struct {
                const char *name;
                ferry_parquet_codec_t codec;
        } names[] = {{"none", FERRY_PARQUET_UNCOMPRESSED},
                     {"uncompressed", FERRY_PARQUET_UNCOMPRESSED},
                     {"snappy", FERRY_PARQUET_SNAPPY},
                     {"gzip", FERRY_PARQUET_GZIP},
                     {"zstd", FERRY_PARQUET_ZSTD}};
        for (size_t i = 0; name && i < sizeof(names) / sizeof(names[0]); i++) {
                if (strcasecmp(name, names[i].name) == 0) {
                        *codec = names[i].codec;
                        return 0;
                }
        }
        snprintf(errstr, errstr_size,
                 "Invalid value %s for configuration parquet.codec: this build writes none, snappy, gzip and "
                 "zstd",
                 name ? name : "null");
        return -1;
}

const char *ferry_parquet_codec_name(ferry_parquet_codec_t codec)
{
        switch (codec) {
        case FERRY_PARQUET_SNAPPY:
                return "snappy";
        case FERRY_PARQUET_GZIP:
                return "gzip";
        case FERRY_PARQUET_ZSTD:
                return "zstd";
        default:
                return "none";
        }
}

const char *ferry_parquet_extension(ferry_parquet_codec_t codec)
{
        switch (codec) {
        case FERRY_PARQUET_SNAPPY:
                return ".snappy.parquet";
        case FERRY_PARQUET_GZIP:
                return ".gz.parquet";
        case FERRY_PARQUET_ZSTD:
                return ".zstd.parquet";
        default:
                return ".parquet";
        }
}
