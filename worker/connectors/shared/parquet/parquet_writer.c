/* The Parquet file writer (shared/parquet, API in parquet.h): shreds each Connect record along the
 * schema tree of parquet_schema.c into one column per leaf (repetition and definition levels,
 * PLAIN values), cuts the columns into v1 data pages (levels RLE/bit-packed hybrid, the page
 * compressed with the codec), gathers the pages of a row group per column and writes them to the
 * output as column chunks, and ends the file with the FileMetaData footer (Thrift compact). */
#include "shared/parquet/parquet_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef FERRY_VERSION
#define FERRY_VERSION "0.0.0"
#endif

typedef struct {
        ferry_buf_t values; /* PLAIN values of the open page (BOOLEAN: one byte per value until packed) */
        uint16_t *def, *rep;
        size_t n, cap;     /* level entries (values and nulls) in the open page */
        ferry_buf_t chunk; /* finished pages (header + data) of the open row group */
        int64_t chunk_values;
        uint64_t chunk_uncompressed;
        pq_stats_t stats; /* of the open row group's chunk */
} column_t;

typedef struct {
        uint64_t offset;
        int64_t values;
        uint64_t uncompressed, compressed;
        pq_stats_t stats;
} chunk_meta_t;

typedef struct {
        chunk_meta_t *chunks; /* one per column */
        int64_t rows;
        uint64_t offset, uncompressed, compressed;
} row_group_t;

typedef struct {
        size_t values_len, n;
} mark_t;

struct ferry_parquet_writer {
        ferry_schema_t *schema;
        pq_node_t *root;
        size_t n_cols;
        pq_node_t **leaves;
        column_t *cols;
        mark_t *marks; /* column state before the record being written */
        ferry_parquet_codec_t codec;
        int level;
        size_t row_group_bytes, page_bytes;
        char *created_by;
        ferry_parquet_kv_t *kv;
        size_t n_kv;
        ferry_buf_t *out;
        uint64_t pos;
        int64_t rows, rg_rows;
        row_group_t *rgs;
        size_t n_rgs;
        ferry_buf_t page, packed, header;
        bool closed;
        char *errstr;
        size_t errstr_size;
};

static int fail(ferry_parquet_writer_t *w, const pq_node_t *n, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static int fail(ferry_parquet_writer_t *w, const pq_node_t *n, const char *fmt, ...)
{
        char msg[256];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        if (n && n->parent) {
                ferry_buf_t path;
                ferry_buf_init(&path);
                pq_node_path(n, &path);
                snprintf(w->errstr, w->errstr_size, "field %s: %s", path.p ? path.p : "?", msg);
                ferry_buf_free(&path);
        } else {
                snprintf(w->errstr, w->errstr_size, "%s", msg);
        }
        return -1;
}

/* ---- values ---- */

static int put_le(ferry_buf_t *b, uint64_t v, size_t n)
{
        unsigned char tmp[8];
        for (size_t i = 0; i < n; i++)
                tmp[i] = (unsigned char)(v >> (8 * i));
        return ferry_buf_append(b, tmp, n);
}

static bool is_int(const ferry_value_t *v)
{
        return v->type == FERRY_TYPE_INT8 || v->type == FERRY_TYPE_INT16 || v->type == FERRY_TYPE_INT32 ||
               v->type == FERRY_TYPE_INT64;
}

static bool is_float(const ferry_value_t *v)
{
        return v->type == FERRY_TYPE_FLOAT32 || v->type == FERRY_TYPE_FLOAT64;
}

static int mismatch(ferry_parquet_writer_t *w, const pq_node_t *n, const ferry_value_t *v)
{
        return fail(w, n, "expected a %s value, got %s", ferry_type_name(n->schema->type),
                    ferry_type_name(v->type));
}

static int put_value(ferry_parquet_writer_t *w, const pq_node_t *n, const ferry_value_t *v, ferry_buf_t *b)
{
        switch (n->ptype) {
        case PQ_BOOLEAN:
                if (v->type != FERRY_TYPE_BOOLEAN)
                        return mismatch(w, n, v);
                return ferry_buf_putc(b, v->u.b ? 1 : 0);
        case PQ_INT32:
                if (!is_int(v))
                        return mismatch(w, n, v);
                if (v->u.i < INT32_MIN || v->u.i > INT32_MAX)
                        return fail(w, n, "%lld does not fit in an int32", (long long)v->u.i);
                return put_le(b, (uint32_t)(int32_t)v->u.i, 4);
        case PQ_INT64:
                if (!is_int(v))
                        return mismatch(w, n, v);
                return put_le(b, (uint64_t)v->u.i, 8);
        case PQ_FLOAT: {
                if (!is_float(v))
                        return mismatch(w, n, v);
                float f = (float)v->u.f;
                uint32_t bits;
                memcpy(&bits, &f, 4);
                return put_le(b, bits, 4);
        }
        case PQ_DOUBLE: {
                if (!is_float(v))
                        return mismatch(w, n, v);
                uint64_t bits;
                memcpy(&bits, &v->u.f, 8);
                return put_le(b, bits, 8);
        }
        case PQ_BYTE_ARRAY:
                if (v->type != FERRY_TYPE_STRING && v->type != FERRY_TYPE_BYTES)
                        return mismatch(w, n, v);
                if (v->u.s.len > INT32_MAX)
                        return fail(w, n, "a value of %zu bytes is over Parquet's 2 GiB limit", v->u.s.len);
                if (put_le(b, v->u.s.len, 4) < 0)
                        return -1;
                return ferry_buf_append(b, v->u.s.data, v->u.s.len);
        case PQ_FIXED_LEN_BYTE_ARRAY:
                if (v->type != FERRY_TYPE_BYTES)
                        return mismatch(w, n, v);
                if (v->u.s.len != (size_t)n->type_length)
                        return fail(w, n, "a fixed value of %d bytes holds %zu bytes", n->type_length,
                                    v->u.s.len);
                return ferry_buf_append(b, v->u.s.data, v->u.s.len);
        }
        return fail(w, n, "unknown physical type");
}

/* ---- shredding ---- */

static int emit(ferry_parquet_writer_t *w, const pq_node_t *leaf, const ferry_value_t *v, int r, int d)
{
        column_t *c = &w->cols[leaf->col];
        if (c->n == c->cap) {
                size_t cap = c->cap ? c->cap * 2 : 256;
                uint16_t *def = realloc(c->def, cap * sizeof(*def));
                if (def)
                        c->def = def;
                uint16_t *rep = realloc(c->rep, cap * sizeof(*rep));
                if (rep)
                        c->rep = rep;
                if (!def || !rep)
                        return fail(w, NULL, "out of memory");
                c->cap = cap;
        }
        if (v && put_value(w, leaf, v, &c->values) < 0) {
                if (!w->errstr[0])
                        fail(w, NULL, "out of memory");
                return -1;
        }
        c->rep[c->n] = (uint16_t)r;
        c->def[c->n] = (uint16_t)d;
        c->n++;
        return 0;
}

/* The node is absent at definition level d: one null entry in each of its columns. */
static int nulls(ferry_parquet_writer_t *w, const pq_node_t *n, int r, int d)
{
        for (size_t i = n->first_col; i < n->first_col + n->n_cols; i++)
                if (emit(w, w->leaves[i], NULL, r, d) < 0)
                        return -1;
        return 0;
}

static int content(ferry_parquet_writer_t *w, const pq_node_t *n, const ferry_value_t *v, int r);

static int field(ferry_parquet_writer_t *w, const pq_node_t *n, const ferry_value_t *v, int r)
{
        /* Connect's Struct.get returns the field's default for a null field; AvroData writes that. */
        if (!v && n->parent && n->parent->kind == PQ_STRUCT)
                v = n->schema->default_value;
        if (!v) {
                if (n->repetition == PQ_OPTIONAL)
                        return nulls(w, n, r, n->max_def - 1);
                return fail(w, n, "null value for a required field");
        }
        return content(w, n, v, r);
}

static int content(ferry_parquet_writer_t *w, const pq_node_t *n, const ferry_value_t *v, int r)
{
        switch (n->kind) {
        case PQ_LEAF:
                return emit(w, n, v, r, n->max_def);
        case PQ_STRUCT:
                if (v->type != FERRY_TYPE_STRUCT)
                        return mismatch(w, n, v);
                if (!v->u.st.schema || v->u.st.schema->n_fields != n->n_children)
                        return fail(w, n,
                                    "the struct value has another schema than the file (%zu fields, not %zu)",
                                    v->u.st.schema ? v->u.st.schema->n_fields : 0, n->n_children);
                for (size_t i = 0; i < n->n_children; i++)
                        if (field(w, n->children[i], v->u.st.fields[i], r) < 0)
                                return -1;
                return 0;
        case PQ_LIST: {
                if (v->type != FERRY_TYPE_ARRAY)
                        return mismatch(w, n, v);
                const pq_node_t *elem = n->children[0];
                if (v->u.a.n == 0)
                        return nulls(w, n, r, n->max_def);
                if (elem->kind == PQ_KV) {
                        /* three-level: repeated group list { element } */
                        for (size_t k = 0; k < v->u.a.n; k++)
                                if (field(w, elem->children[0], v->u.a.items[k], k ? elem->max_rep : r) < 0)
                                        return -1;
                        return 0;
                }
                for (size_t k = 0; k < v->u.a.n; k++) {
                        if (!v->u.a.items[k])
                                return fail(w, n,
                                            "element %zu is null; parquet-avro's two-level lists cannot hold "
                                            "null elements",
                                            k);
                        if (content(w, elem, v->u.a.items[k], k ? elem->max_rep : r) < 0)
                                return -1;
                }
                return 0;
        }
        case PQ_MAP: {
                if (v->type != FERRY_TYPE_MAP)
                        return mismatch(w, n, v);
                const pq_node_t *kv = n->children[0];
                /* three-level MapEntry lists: repeated group list { required group element { ... } } */
                const pq_node_t *entry = kv->n_children == 1 ? kv->children[0] : kv;
                if (v->u.m.n == 0)
                        return nulls(w, n, r, n->max_def);
                for (size_t k = 0; k < v->u.m.n; k++) {
                        int rr = k ? kv->max_rep : r;
                        if (field(w, entry->children[0], v->u.m.keys[k], rr) < 0 ||
                            field(w, entry->children[1], v->u.m.vals[k], rr) < 0)
                                return -1;
                }
                return 0;
        }
        case PQ_KV:
                break;
        }
        return fail(w, n, "unexpected schema node");
}

/* ---- pages and row groups ---- */

static int put_levels(ferry_buf_t *page, const uint16_t *levels, size_t n, int max)
{
        size_t at = page->len;
        if (put_le(page, 0, 4) < 0 || pq_rle_encode(page, levels, n, pq_bit_width(max)) < 0)
                return -1;
        uint32_t len = (uint32_t)(page->len - at - 4);
        for (int i = 0; i < 4; i++)
                page->p[at + (size_t)i] = (char)(len >> (8 * i));
        return 0;
}

static int flush_page(ferry_parquet_writer_t *w, size_t col)
{
        column_t *c = &w->cols[col];
        const pq_node_t *leaf = w->leaves[col];
        ferry_buf_t *page = &w->page;
        ferry_buf_reset(page);
        if (leaf->max_rep > 0 && put_levels(page, c->rep, c->n, leaf->max_rep) < 0)
                return fail(w, NULL, "out of memory");
        if (leaf->max_def > 0 && put_levels(page, c->def, c->n, leaf->max_def) < 0)
                return fail(w, NULL, "out of memory");
        if (leaf->ptype == PQ_BOOLEAN) {
                size_t nb = (c->values.len + 7) / 8;
                if (ferry_buf_reserve(page, nb + 1) < 0)
                        return fail(w, NULL, "out of memory");
                memset(page->p + page->len, 0, nb);
                for (size_t i = 0; i < c->values.len; i++)
                        if (c->values.p[i])
                                page->p[page->len + i / 8] |= (char)(1 << (i % 8));
                page->len += nb;
                page->p[page->len] = 0;
        } else if (ferry_buf_append(page, c->values.p, c->values.len) < 0) {
                return fail(w, NULL, "out of memory");
        }
        const ferry_buf_t *data = page;
        if (w->codec != FERRY_PARQUET_UNCOMPRESSED) {
                ferry_buf_reset(&w->packed);
                if (pq_compress(w->codec, w->level, page->p, page->len, &w->packed) < 0)
                        return fail(w, NULL, "%s compression failed", ferry_parquet_codec_name(w->codec));
                data = &w->packed;
        }
        if (page->len > INT32_MAX || data->len > INT32_MAX)
                return fail(w, leaf, "a page over 2 GiB");
        /* PageHeader { type DATA_PAGE, sizes, DataPageHeader { values, PLAIN, RLE, RLE } } */
        ferry_buf_reset(&w->header);
        ferry_tc_t t;
        ferry_tc_init(&t, &w->header);
        ferry_tc_field_i32(&t, 1, 0);
        ferry_tc_field_i32(&t, 2, (int32_t)page->len);
        ferry_tc_field_i32(&t, 3, (int32_t)data->len);
        ferry_tc_field_struct(&t, 5);
        ferry_tc_field_i32(&t, 1, (int32_t)c->n);
        ferry_tc_field_i32(&t, 2, PQ_ENC_PLAIN);
        ferry_tc_field_i32(&t, 3, PQ_ENC_RLE);
        ferry_tc_field_i32(&t, 4, PQ_ENC_RLE);
        ferry_tc_struct_end(&t);
        ferry_tc_struct_end(&t);
        if (ferry_tc_error(&t) || ferry_buf_append(&c->chunk, w->header.p, w->header.len) < 0 ||
            ferry_buf_append(&c->chunk, data->p, data->len) < 0)
                return fail(w, NULL, "out of memory");
        c->chunk_values += (int64_t)c->n;
        c->chunk_uncompressed += w->header.len + page->len;
        ferry_buf_reset(&c->values);
        c->n = 0;
        return 0;
}

static size_t page_size(const column_t *c)
{
        return c->values.len + c->n / 2;
}

size_t ferry_parquet_writer_buffered(const ferry_parquet_writer_t *w)
{
        size_t total = 0;
        for (size_t i = 0; i < w->n_cols; i++)
                total += w->cols[i].chunk.len + page_size(&w->cols[i]);
        return total;
}

size_t ferry_parquet_writer_memory(const ferry_parquet_writer_t *w)
{
        size_t total = w->page.cap + w->packed.cap + w->header.cap;
        for (size_t i = 0; i < w->n_cols; i++) {
                const column_t *c = &w->cols[i];
                total += c->values.cap + c->chunk.cap + c->cap * 2 * sizeof(uint16_t);
        }
        return total;
}

static int flush_row_group(ferry_parquet_writer_t *w)
{
        if (w->rg_rows == 0)
                return 0;
        for (size_t i = 0; i < w->n_cols; i++)
                if (w->cols[i].n > 0 && flush_page(w, i) < 0)
                        return -1;
        row_group_t *rgs = realloc(w->rgs, (w->n_rgs + 1) * sizeof(*rgs));
        if (!rgs)
                return fail(w, NULL, "out of memory");
        w->rgs = rgs;
        row_group_t *rg = &rgs[w->n_rgs];
        memset(rg, 0, sizeof(*rg));
        if (!(rg->chunks = calloc(w->n_cols, sizeof(*rg->chunks))))
                return fail(w, NULL, "out of memory");
        w->n_rgs++;
        rg->rows = w->rg_rows;
        rg->offset = w->pos;
        for (size_t i = 0; i < w->n_cols; i++) {
                column_t *c = &w->cols[i];
                chunk_meta_t *m = &rg->chunks[i];
                m->offset = w->pos;
                m->values = c->chunk_values;
                m->compressed = c->chunk.len;
                m->uncompressed = c->chunk_uncompressed;
                if (ferry_buf_append(w->out, c->chunk.p, c->chunk.len) < 0)
                        return fail(w, NULL, "out of memory");
                w->pos += c->chunk.len;
                rg->uncompressed += m->uncompressed;
                rg->compressed += m->compressed;
                m->stats = c->stats; /* the chunk's statistics move to its metadata */
                pq_stats_init(&c->stats);
                ferry_buf_reset(&c->chunk);
                c->chunk_values = 0;
                c->chunk_uncompressed = 0;
        }
        w->rg_rows = 0;
        return 0;
}

/* ---- API ---- */

ferry_parquet_writer_t *ferry_parquet_writer_new(const ferry_schema_t *schema,
                                                 const ferry_parquet_options_t *opt, ferry_buf_t *out,
                                                 char *errstr, size_t errstr_size)
{
        ferry_parquet_options_t defaults = FERRY_PARQUET_OPTIONS_DEFAULT;
        if (!opt)
                opt = &defaults;
        ferry_parquet_writer_t *w = calloc(1, sizeof(*w));
        if (!w) {
                snprintf(errstr, errstr_size, "out of memory");
                return NULL;
        }
        w->errstr = errstr;
        w->errstr_size = errstr_size;
        if (!(w->root = pq_schema_build(schema, opt->three_level_lists, &w->n_cols, errstr, errstr_size))) {
                free(w);
                return NULL;
        }
        w->schema = ferry_schema_ref((ferry_schema_t *)schema);
        w->codec = opt->codec;
        w->level = opt->level;
        w->row_group_bytes = opt->row_group_bytes ? opt->row_group_bytes : FERRY_PARQUET_ROW_GROUP_BYTES;
        w->page_bytes = opt->page_bytes ? opt->page_bytes : FERRY_PARQUET_PAGE_BYTES;
        w->out = out;
        ferry_buf_init(&w->page);
        ferry_buf_init(&w->packed);
        ferry_buf_init(&w->header);
        w->created_by = strdup(opt->created_by ? opt->created_by : "ferry version " FERRY_VERSION);
        w->leaves = calloc(w->n_cols, sizeof(*w->leaves));
        w->cols = calloc(w->n_cols, sizeof(*w->cols));
        w->marks = calloc(w->n_cols, sizeof(*w->marks));
        w->kv = opt->n_kv ? calloc(opt->n_kv, sizeof(*w->kv)) : NULL;
        bool ok = w->created_by && w->leaves && w->cols && w->marks && (w->kv || !opt->n_kv);
        for (size_t i = 0; ok && i < opt->n_kv; i++) {
                w->kv[i].key = strdup(opt->kv[i].key);
                w->kv[i].value = opt->kv[i].value ? strdup(opt->kv[i].value) : NULL;
                w->n_kv++;
                ok = w->kv[i].key && (w->kv[i].value || !opt->kv[i].value);
        }
        if (ok) {
                for (size_t i = 0; i < w->n_cols; i++) {
                        ferry_buf_init(&w->cols[i].values);
                        ferry_buf_init(&w->cols[i].chunk);
                        pq_stats_init(&w->cols[i].stats);
                }
                pq_schema_leaves(w->root, w->leaves);
        }
        if (!ok || ferry_buf_append(out, "PAR1", 4) < 0) {
                snprintf(errstr, errstr_size, "out of memory");
                ferry_parquet_writer_free(w);
                return NULL;
        }
        w->pos = 4;
        return w;
}

int ferry_parquet_writer_write(ferry_parquet_writer_t *w, const ferry_value_t *record, char *errstr,
                               size_t errstr_size)
{
        w->errstr = errstr;
        w->errstr_size = errstr_size;
        if (errstr_size)
                errstr[0] = 0;
        if (w->closed)
                return fail(w, NULL, "the Parquet file is closed");
        if (!record)
                return fail(w, NULL, "a null record cannot be written to a Parquet file");
        for (size_t i = 0; i < w->n_cols; i++)
                w->marks[i] = (mark_t){w->cols[i].values.len, w->cols[i].n};
        if (content(w, w->root, record, 0) < 0) {
                /* Undo the record's partial columns: the file stays as it was. */
                for (size_t i = 0; i < w->n_cols; i++) {
                        w->cols[i].values.len = w->marks[i].values_len;
                        if (w->cols[i].values.p)
                                w->cols[i].values.p[w->cols[i].values.len] = 0;
                        w->cols[i].n = w->marks[i].n;
                }
                return -1;
        }
        w->rows++;
        w->rg_rows++;
        for (size_t i = 0; i < w->n_cols; i++) {
                column_t *c = &w->cols[i];
                const pq_node_t *leaf = w->leaves[i];
                int64_t nulls = 0;
                for (size_t k = w->marks[i].n; k < c->n; k++)
                        nulls += c->def[k] < leaf->max_def;
                if (pq_stats_add(&c->stats, leaf, c->values.p + w->marks[i].values_len,
                                 c->values.len - w->marks[i].values_len, nulls) < 0)
                        return fail(w, NULL, "out of memory");
        }
        for (size_t i = 0; i < w->n_cols; i++)
                if (page_size(&w->cols[i]) >= w->page_bytes && flush_page(w, i) < 0)
                        return -1;
        if (ferry_parquet_writer_buffered(w) >= w->row_group_bytes)
                return flush_row_group(w);
        return 0;
}

uint64_t ferry_parquet_writer_position(const ferry_parquet_writer_t *w)
{
        return w->pos;
}

int64_t ferry_parquet_writer_rows(const ferry_parquet_writer_t *w)
{
        return w->rows;
}

int64_t ferry_parquet_writer_row_groups(const ferry_parquet_writer_t *w)
{
        return (int64_t)w->n_rgs;
}

int ferry_parquet_writer_flush(ferry_parquet_writer_t *w, char *errstr, size_t errstr_size)
{
        w->errstr = errstr;
        w->errstr_size = errstr_size;
        if (w->closed)
                return fail(w, NULL, "the Parquet file is closed");
        return flush_row_group(w);
}

static void write_path(ferry_tc_t *t, const pq_node_t *leaf)
{
        size_t depth = 0;
        for (const pq_node_t *n = leaf; n->parent; n = n->parent)
                depth++;
        ferry_tc_field_list(t, 3, FERRY_TC_BINARY, depth);
        const pq_node_t *stack[PQ_MAX_DEPTH + 1];
        size_t k = 0;
        for (const pq_node_t *n = leaf; n->parent && k <= PQ_MAX_DEPTH; n = n->parent)
                stack[k++] = n;
        while (k > 0)
                ferry_tc_elem_string(t, stack[--k]->name);
}

static void write_footer(ferry_parquet_writer_t *w, ferry_tc_t *t)
{
        ferry_tc_field_i32(t, 1, 1); /* version */
        pq_schema_write_thrift(w->root, t);
        ferry_tc_field_i64(t, 3, w->rows);
        ferry_tc_field_list(t, 4, FERRY_TC_STRUCT, w->n_rgs);
        for (size_t g = 0; g < w->n_rgs; g++) {
                const row_group_t *rg = &w->rgs[g];
                ferry_tc_elem_struct(t);
                ferry_tc_field_list(t, 1, FERRY_TC_STRUCT, w->n_cols);
                for (size_t i = 0; i < w->n_cols; i++) {
                        const chunk_meta_t *m = &rg->chunks[i];
                        ferry_tc_elem_struct(t); /* ColumnChunk */
                        ferry_tc_field_i64(t, 2, (int64_t)m->offset);
                        ferry_tc_field_struct(t, 3); /* ColumnMetaData */
                        ferry_tc_field_i32(t, 1, w->leaves[i]->ptype);
                        ferry_tc_field_list(t, 2, FERRY_TC_I32, 2);
                        ferry_tc_elem_i32(t, PQ_ENC_PLAIN);
                        ferry_tc_elem_i32(t, PQ_ENC_RLE);
                        write_path(t, w->leaves[i]);
                        ferry_tc_field_i32(t, 4, (int32_t)w->codec);
                        ferry_tc_field_i64(t, 5, m->values);
                        ferry_tc_field_i64(t, 6, (int64_t)m->uncompressed);
                        ferry_tc_field_i64(t, 7, (int64_t)m->compressed);
                        ferry_tc_field_i64(t, 9, (int64_t)m->offset);
                        pq_stats_write(&m->stats, w->leaves[i]->ptype, t);
                        ferry_tc_struct_end(t);
                        ferry_tc_struct_end(t);
                }
                ferry_tc_field_i64(t, 2, (int64_t)rg->uncompressed);
                ferry_tc_field_i64(t, 3, rg->rows);
                ferry_tc_field_i64(t, 5, (int64_t)rg->offset);
                ferry_tc_field_i64(t, 6, (int64_t)rg->compressed);
                ferry_tc_struct_end(t);
        }
        if (w->n_kv) {
                ferry_tc_field_list(t, 5, FERRY_TC_STRUCT, w->n_kv);
                for (size_t i = 0; i < w->n_kv; i++) {
                        ferry_tc_elem_struct(t);
                        ferry_tc_field_string(t, 1, w->kv[i].key);
                        if (w->kv[i].value)
                                ferry_tc_field_string(t, 2, w->kv[i].value);
                        ferry_tc_struct_end(t);
                }
        }
        ferry_tc_field_string(t, 6, w->created_by);
        /* column_orders: TYPE_ORDER for every column, so readers trust min_value/max_value. */
        ferry_tc_field_list(t, 7, FERRY_TC_STRUCT, w->n_cols);
        for (size_t i = 0; i < w->n_cols; i++) {
                ferry_tc_elem_struct(t);
                ferry_tc_field_struct(t, 1);
                ferry_tc_struct_end(t);
                ferry_tc_struct_end(t);
        }
        ferry_tc_struct_end(t);
}

int ferry_parquet_writer_close(ferry_parquet_writer_t *w, char *errstr, size_t errstr_size)
{
        w->errstr = errstr;
        w->errstr_size = errstr_size;
        if (w->closed)
                return fail(w, NULL, "the Parquet file is closed");
        if (flush_row_group(w) < 0)
                return -1;
        w->closed = true;
        ferry_buf_reset(&w->header);
        ferry_tc_t t;
        ferry_tc_init(&t, &w->header);
        write_footer(w, &t);
        if (ferry_tc_error(&t) || w->header.len > UINT32_MAX)
                return fail(w, NULL, "cannot encode the Parquet footer (out of memory or nesting too deep)");
        if (ferry_buf_append(w->out, w->header.p, w->header.len) < 0 ||
            put_le(w->out, (uint32_t)w->header.len, 4) < 0 || ferry_buf_append(w->out, "PAR1", 4) < 0)
                return fail(w, NULL, "out of memory");
        w->pos += w->header.len + 8;
        return 0;
}

void ferry_parquet_writer_free(ferry_parquet_writer_t *w)
{
        if (!w)
                return;
        for (size_t i = 0; w->cols && i < w->n_cols; i++) {
                ferry_buf_free(&w->cols[i].values);
                ferry_buf_free(&w->cols[i].chunk);
                free(w->cols[i].def);
                free(w->cols[i].rep);
                pq_stats_free(&w->cols[i].stats);
        }
        for (size_t g = 0; g < w->n_rgs; g++) {
                for (size_t i = 0; i < w->n_cols; i++)
                        pq_stats_free(&w->rgs[g].chunks[i].stats);
                free(w->rgs[g].chunks);
        }
        free(w->rgs);
        for (size_t i = 0; i < w->n_kv; i++) {
                free((char *)w->kv[i].key);
                free((char *)w->kv[i].value);
        }
        free(w->kv);
        free(w->cols);
        free(w->marks);
        free(w->leaves);
        free(w->created_by);
        ferry_buf_free(&w->page);
        ferry_buf_free(&w->packed);
        ferry_buf_free(&w->header);
        pq_schema_free(w->root);
        if (w->schema)
                ferry_schema_unref(w->schema);
        free(w);
}

int ferry_parquet_writer_schema_text(const ferry_parquet_writer_t *w, ferry_buf_t *out)
{
        return pq_schema_text(w->root, out);
}
