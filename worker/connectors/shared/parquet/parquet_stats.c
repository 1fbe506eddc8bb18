/* Column chunk statistics of the Parquet writer (shared/parquet): the null count and, for columns
 * with an unambiguous order, the min and max value (Statistics.min_value/max_value, with the
 * TYPE_ORDER column order in the footer), so query engines can skip row groups. Updated from a
 * record's PLAIN values once the record is accepted (parquet_writer.c), written into each
 * ColumnMetaData. Not kept: min/max of DECIMAL and FIXED columns, of float columns holding NaN,
 * and of byte arrays longer than PQ_STATS_MAX_BYTES. */
#include "shared/parquet/parquet_int.h"

#include <math.h>
#include <string.h>

#define PQ_STATS_MAX_BYTES 1024

void pq_stats_init(pq_stats_t *st)
{
        memset(st, 0, sizeof(*st));
        ferry_buf_init(&st->min);
        ferry_buf_init(&st->max);
}

void pq_stats_reset(pq_stats_t *st)
{
        st->nulls = 0;
        st->has_minmax = false;
        st->disabled = false;
        ferry_buf_reset(&st->min);
        ferry_buf_reset(&st->max);
}

void pq_stats_free(pq_stats_t *st)
{
        ferry_buf_free(&st->min);
        ferry_buf_free(&st->max);
}

bool pq_stats_ordered(const pq_node_t *leaf)
{
        if (leaf->converted == PQ_CT_DECIMAL || leaf->ptype == PQ_FIXED_LEN_BYTE_ARRAY)
                return false;
        return true;
}

static uint64_t le(const unsigned char *p, size_t n)
{
        uint64_t v = 0;
        for (size_t i = 0; i < n; i++)
                v |= (uint64_t)p[i] << (8 * i);
        return v;
}

/* <0, 0, >0 as a is below, equal to, above b; both PLAIN values of the leaf's type. */
static int compare(int ptype, const unsigned char *a, size_t alen, const unsigned char *b, size_t blen)
{
        switch (ptype) {
        case PQ_BOOLEAN:
                return (int)a[0] - (int)b[0];
        case PQ_INT32: {
                int32_t x = (int32_t)(uint32_t)le(a, 4), y = (int32_t)(uint32_t)le(b, 4);
                return x < y ? -1 : x > y;
        }
        case PQ_INT64: {
                int64_t x = (int64_t)le(a, 8), y = (int64_t)le(b, 8);
                return x < y ? -1 : x > y;
        }
        case PQ_FLOAT: {
                uint32_t xb = (uint32_t)le(a, 4), yb = (uint32_t)le(b, 4);
                float x, y;
                memcpy(&x, &xb, 4);
                memcpy(&y, &yb, 4);
                return x < y ? -1 : x > y;
        }
        case PQ_DOUBLE: {
                uint64_t xb = le(a, 8), yb = le(b, 8);
                double x, y;
                memcpy(&x, &xb, 8);
                memcpy(&y, &yb, 8);
                return x < y ? -1 : x > y;
        }
        default: {
                size_t n = alen < blen ? alen : blen;
                int c = memcmp(a, b, n);
                if (c)
                        return c;
                return alen < blen ? -1 : alen > blen;
        }
        }
}

static bool is_nan(int ptype, const unsigned char *p)
{
        if (ptype == PQ_FLOAT) {
                uint32_t bits = (uint32_t)le(p, 4);
                float f;
                memcpy(&f, &bits, 4);
                return isnan(f);
        }
        if (ptype == PQ_DOUBLE) {
                uint64_t bits = le(p, 8);
                double d;
                memcpy(&d, &bits, 8);
                return isnan(d);
        }
        return false;
}

static int set(ferry_buf_t *b, const unsigned char *p, size_t n)
{
        ferry_buf_reset(b);
        return ferry_buf_append(b, p, n);
}

int pq_stats_add(pq_stats_t *st, const pq_node_t *leaf, const char *values, size_t len, int64_t nulls)
{
        st->nulls += nulls;
        if (st->disabled || !pq_stats_ordered(leaf))
                return 0;
        const unsigned char *p = (const unsigned char *)values, *end = p + len;
        size_t fixed = leaf->ptype == PQ_BOOLEAN                            ? 1
                       : leaf->ptype == PQ_INT32 || leaf->ptype == PQ_FLOAT ? 4
                                                                            : 8;
        while (p < end) {
                const unsigned char *v = p;
                size_t n = fixed;
                if (leaf->ptype == PQ_BYTE_ARRAY) {
                        n = (size_t)le(p, 4);
                        v = p + 4;
                        p += 4;
                        if (n > PQ_STATS_MAX_BYTES) {
                                st->disabled = true;
                                st->has_minmax = false;
                                return 0;
                        }
                }
                p += n;
                if (is_nan(leaf->ptype, v)) {
                        st->disabled = true;
                        st->has_minmax = false;
                        return 0;
                }
                if (!st->has_minmax) {
                        if (set(&st->min, v, n) < 0 || set(&st->max, v, n) < 0)
                                return -1;
                        st->has_minmax = true;
                        continue;
                }
                if (compare(leaf->ptype, v, n, (const unsigned char *)st->min.p, st->min.len) < 0 &&
                    set(&st->min, v, n) < 0)
                        return -1;
                if (compare(leaf->ptype, v, n, (const unsigned char *)st->max.p, st->max.len) > 0 &&
                    set(&st->max, v, n) < 0)
                        return -1;
        }
        return 0;
}

/* Writes a min or max: a zero float min as -0.0 and a zero max as +0.0 (parquet.thrift's rule). */
static void write_value(ferry_tc_t *t, int16_t id, int ptype, const ferry_buf_t *b, bool is_min)
{
        size_t n = ptype == PQ_FLOAT ? 4 : 8;
        if ((ptype != PQ_FLOAT && ptype != PQ_DOUBLE) || b->len != n) {
                ferry_tc_field_binary(t, id, b->p, b->len);
                return;
        }
        unsigned char v[8];
        memcpy(v, b->p, n);
        bool zero = (v[n - 1] & 0x7f) == 0;
        for (size_t i = 0; i < n - 1; i++)
                zero = zero && v[i] == 0;
        if (zero)
                v[n - 1] = is_min ? 0x80 : 0;
        ferry_tc_field_binary(t, id, v, n);
}

void pq_stats_write(const pq_stats_t *st, int ptype, ferry_tc_t *t)
{
        ferry_tc_field_struct(t, 12);
        ferry_tc_field_i64(t, 3, st->nulls);
        if (st->has_minmax) {
                write_value(t, 5, ptype, &st->max, false);
                write_value(t, 6, ptype, &st->min, true);
        }
        ferry_tc_struct_end(t);
}
