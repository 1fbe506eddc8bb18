/* CQL native protocol v4 wire codec: the notations ([int], [string], [bytes], ...), frame
 * headers, request bodies (STARTUP, AUTH_RESPONSE, QUERY, PREPARE, EXECUTE, BATCH) and the
 * decoding of RESULT and ERROR bodies. Pure functions over buffers: cql_conn.c moves the frames,
 * the fuzz target tests/fuzz/fuzz_cql.c feeds this decoder arbitrary bytes. */
#include "shared/cql/cql.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---------------------------------------------------------------- names */

static const char *const consistency_names[] = {"ANY",    "ONE",          "TWO",          "THREE",
                                                "QUORUM", "ALL",          "LOCAL_QUORUM", "EACH_QUORUM",
                                                "SERIAL", "LOCAL_SERIAL", "LOCAL_ONE"};

int cql_consistency_parse(const char *name)
{
        if (!name)
                return -1;
        for (size_t i = 0; i < sizeof consistency_names / sizeof *consistency_names; i++)
                if (strcasecmp(name, consistency_names[i]) == 0)
                        return (int)i;
        return -1;
}

const char *cql_consistency_name(int c)
{
        if (c < 0 || (size_t)c >= sizeof consistency_names / sizeof *consistency_names)
                return "UNKNOWN";
        return consistency_names[c];
}

const char *cql_error_name(int32_t code)
{
        switch (code) {
        case CQL_ERR_SERVER:
                return "Server error";
        case CQL_ERR_PROTOCOL:
                return "Protocol error";
        case CQL_ERR_BAD_CREDENTIALS:
                return "Bad credentials";
        case CQL_ERR_UNAVAILABLE:
                return "Unavailable";
        case CQL_ERR_OVERLOADED:
                return "Overloaded";
        case CQL_ERR_BOOTSTRAPPING:
                return "Is bootstrapping";
        case CQL_ERR_TRUNCATE:
                return "Truncate error";
        case CQL_ERR_WRITE_TIMEOUT:
                return "Write timeout";
        case CQL_ERR_READ_TIMEOUT:
                return "Read timeout";
        case CQL_ERR_READ_FAILURE:
                return "Read failure";
        case CQL_ERR_FUNCTION_FAILURE:
                return "Function failure";
        case CQL_ERR_WRITE_FAILURE:
                return "Write failure";
        case CQL_ERR_SYNTAX:
                return "Syntax error in CQL query";
        case CQL_ERR_UNAUTHORIZED:
                return "Unauthorized";
        case CQL_ERR_INVALID:
                return "Invalid query";
        case CQL_ERR_CONFIG:
                return "Config error";
        case CQL_ERR_ALREADY_EXISTS:
                return "Already exists";
        case CQL_ERR_UNPREPARED:
                return "Unprepared";
        case CQL_ERR_CLIENT:
                return "Connection error";
        default:
                return "Unknown error";
        }
}

bool cql_error_retriable(int32_t code)
{
        switch (code) {
        case CQL_ERR_UNAVAILABLE:
        case CQL_ERR_OVERLOADED:
        case CQL_ERR_BOOTSTRAPPING:
        case CQL_ERR_WRITE_TIMEOUT:
        case CQL_ERR_READ_TIMEOUT:
        case CQL_ERR_WRITE_FAILURE:
        case CQL_ERR_SERVER:
        case CQL_ERR_CLIENT:
                return true;
        default:
                return false;
        }
}

/* ---------------------------------------------------------------- output buffer */

void cql_buf_free(cql_buf_t *b)
{
        free(b->p);
        memset(b, 0, sizeof *b);
}

bool cql_buf_reserve(cql_buf_t *b, size_t n)
{
        if (b->oom)
                return false;
        if (b->len + n <= b->cap)
                return true;
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
                cap *= 2;
        uint8_t *p = realloc(b->p, cap);
        if (!p) {
                b->oom = true;
                return false;
        }
        b->p = p;
        b->cap = cap;
        return true;
}

void cql_put_raw(cql_buf_t *b, const void *p, size_t n)
{
        if (!n || !cql_buf_reserve(b, n))
                return;
        memcpy(b->p + b->len, p, n);
        b->len += n;
}

void cql_put_u8(cql_buf_t *b, uint8_t v)
{
        cql_put_raw(b, &v, 1);
}

void cql_put_u16(cql_buf_t *b, uint16_t v)
{
        uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};
        cql_put_raw(b, x, 2);
}

void cql_put_u32(cql_buf_t *b, uint32_t v)
{
        uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
        cql_put_raw(b, x, 4);
}

void cql_put_u64(cql_buf_t *b, uint64_t v)
{
        cql_put_u32(b, (uint32_t)(v >> 32));
        cql_put_u32(b, (uint32_t)v);
}

void cql_put_string(cql_buf_t *b, const char *s, size_t n)
{
        cql_put_u16(b, (uint16_t)n);
        cql_put_raw(b, s, n);
}

void cql_put_long_string(cql_buf_t *b, const char *s, size_t n)
{
        cql_put_u32(b, (uint32_t)n);
        cql_put_raw(b, s, n);
}

void cql_put_short_bytes(cql_buf_t *b, const void *p, size_t n)
{
        cql_put_u16(b, (uint16_t)n);
        cql_put_raw(b, p, n);
}

void cql_put_bytes(cql_buf_t *b, const void *p, int32_t n)
{
        cql_put_u32(b, (uint32_t)n);
        if (n > 0)
                cql_put_raw(b, p, (size_t)n);
}

size_t cql_begin_bytes(cql_buf_t *b)
{
        size_t at = b->len;
        cql_put_u32(b, 0);
        return at;
}

void cql_end_bytes(cql_buf_t *b, size_t at)
{
        if (b->oom || at + 4 > b->len)
                return;
        uint32_t n = (uint32_t)(b->len - at - 4);
        b->p[at] = (uint8_t)(n >> 24);
        b->p[at + 1] = (uint8_t)(n >> 16);
        b->p[at + 2] = (uint8_t)(n >> 8);
        b->p[at + 3] = (uint8_t)n;
}

/* ---------------------------------------------------------------- reader */

static bool need(cql_rd_t *r, size_t n)
{
        if (r->bad || r->len - r->pos < n) {
                r->bad = true;
                return false;
        }
        return true;
}

uint8_t cql_get_u8(cql_rd_t *r)
{
        if (!need(r, 1))
                return 0;
        return r->p[r->pos++];
}

uint16_t cql_get_u16(cql_rd_t *r)
{
        if (!need(r, 2))
                return 0;
        uint16_t v = (uint16_t)(r->p[r->pos] << 8 | r->p[r->pos + 1]);
        r->pos += 2;
        return v;
}

uint32_t cql_get_u32(cql_rd_t *r)
{
        if (!need(r, 4))
                return 0;
        const uint8_t *p = r->p + r->pos;
        r->pos += 4;
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

uint64_t cql_get_u64(cql_rd_t *r)
{
        uint64_t hi = cql_get_u32(r);
        return hi << 32 | cql_get_u32(r);
}

const char *cql_get_string(cql_rd_t *r, size_t *n)
{
        *n = cql_get_u16(r);
        if (!need(r, *n))
                return NULL;
        const char *s = (const char *)r->p + r->pos;
        r->pos += *n;
        return s;
}

const uint8_t *cql_get_bytes(cql_rd_t *r, int32_t *n)
{
        *n = (int32_t)cql_get_u32(r);
        if (r->bad)
                return NULL;
        if (*n < 0) {
                if (*n < -2)
                        r->bad = true;
                return NULL;
        }
        if (!need(r, (size_t)*n))
                return NULL;
        const uint8_t *p = r->p + r->pos;
        r->pos += (size_t)*n;
        return p;
}

const uint8_t *cql_get_short_bytes(cql_rd_t *r, size_t *n)
{
        *n = cql_get_u16(r);
        if (!need(r, *n))
                return NULL;
        const uint8_t *p = r->p + r->pos;
        r->pos += *n;
        return p;
}

static char *get_strdup(cql_rd_t *r)
{
        size_t n;
        const char *s = cql_get_string(r, &n);
        if (!s)
                return NULL;
        char *out = malloc(n + 1);
        if (!out) {
                r->bad = true;
                return NULL;
        }
        memcpy(out, s, n);
        out[n] = 0;
        return out;
}

/* ---------------------------------------------------------------- frames */

int cql_header_decode(const uint8_t *p, cql_header_t *h, char *errstr, size_t errstr_size)
{
        h->version = p[0] & 0x7F;
        h->response = (p[0] & 0x80) != 0;
        h->flags = p[1];
        h->stream = (int16_t)(p[2] << 8 | p[3]);
        h->opcode = p[4];
        h->length = (uint32_t)p[5] << 24 | (uint32_t)p[6] << 16 | (uint32_t)p[7] << 8 | p[8];
        if (h->version < 3 || h->version > 5) {
                snprintf(errstr, errstr_size, "unsupported CQL protocol version %u in frame header",
                         h->version);
                return -1;
        }
        if (h->length > CQL_MAX_FRAME) {
                snprintf(errstr, errstr_size, "CQL frame of %u bytes exceeds the 256 MiB limit", h->length);
                return -1;
        }
        return 0;
}

void cql_frame_begin(cql_buf_t *b, uint8_t version, int16_t stream, uint8_t opcode)
{
        b->len = 0;
        cql_put_u8(b, version);
        cql_put_u8(b, 0);
        cql_put_u16(b, (uint16_t)stream);
        cql_put_u8(b, opcode);
        cql_put_u32(b, 0);
}

void cql_frame_end(cql_buf_t *b)
{
        if (b->oom || b->len < CQL_HEADER_LEN)
                return;
        uint32_t n = (uint32_t)(b->len - CQL_HEADER_LEN);
        b->p[5] = (uint8_t)(n >> 24);
        b->p[6] = (uint8_t)(n >> 16);
        b->p[7] = (uint8_t)(n >> 8);
        b->p[8] = (uint8_t)n;
}

/* ---------------------------------------------------------------- types */

void cql_type_free(cql_type_t *t)
{
        if (!t)
                return;
        for (size_t i = 0; i < t->n_sub; i++) {
                cql_type_free(t->sub[i]);
                if (t->field_names)
                        free(t->field_names[i]);
        }
        free(t->sub);
        free(t->field_names);
        free(t->custom);
        free(t->ks);
        free(t->name);
        free(t);
}

cql_type_t *cql_type_decode(cql_rd_t *r, int depth)
{
        if (depth > 32) {
                r->bad = true;
                return NULL;
        }
        uint16_t id = cql_get_u16(r);
        if (r->bad)
                return NULL;
        cql_type_t *t = calloc(1, sizeof *t);
        if (!t) {
                r->bad = true;
                return NULL;
        }
        t->id = id;
        size_t n = 0;
        switch (id) {
        case CQL_T_CUSTOM:
                t->custom = get_strdup(r);
                break;
        case CQL_T_LIST:
        case CQL_T_SET:
                n = 1;
                break;
        case CQL_T_MAP:
                n = 2;
                break;
        case CQL_T_UDT:
                t->ks = get_strdup(r);
                t->name = get_strdup(r);
                n = cql_get_u16(r);
                break;
        case CQL_T_TUPLE:
                n = cql_get_u16(r);
                break;
        default:
                if ((id >= CQL_T_ASCII && id <= CQL_T_DURATION && id != 0x0A))
                        break;
                r->bad = true;
        }
        if (!r->bad && n) {
                /* every sub-type takes at least 2 bytes: refuse counts the input cannot hold */
                if (n > (r->len - r->pos) / 2) {
                        r->bad = true;
                } else {
                        t->sub = calloc(n, sizeof *t->sub);
                        if (id == CQL_T_UDT)
                                t->field_names = calloc(n, sizeof *t->field_names);
                        if (!t->sub || (id == CQL_T_UDT && !t->field_names))
                                r->bad = true;
                }
                for (size_t i = 0; i < n && !r->bad; i++) {
                        if (id == CQL_T_UDT)
                                t->field_names[i] = get_strdup(r);
                        t->sub[i] = cql_type_decode(r, depth + 1);
                        t->n_sub = i + 1;
                }
        }
        if (r->bad) {
                cql_type_free(t);
                return NULL;
        }
        return t;
}

static const char *simple_name(int id)
{
        static const char *const names[] = {
                [CQL_T_ASCII] = "ascii",         [CQL_T_BIGINT] = "bigint",     [CQL_T_BLOB] = "blob",
                [CQL_T_BOOLEAN] = "boolean",     [CQL_T_COUNTER] = "counter",   [CQL_T_DECIMAL] = "decimal",
                [CQL_T_DOUBLE] = "double",       [CQL_T_FLOAT] = "float",       [CQL_T_INT] = "int",
                [CQL_T_TIMESTAMP] = "timestamp", [CQL_T_UUID] = "uuid",         [CQL_T_VARCHAR] = "text",
                [CQL_T_VARINT] = "varint",       [CQL_T_TIMEUUID] = "timeuuid", [CQL_T_INET] = "inet",
                [CQL_T_DATE] = "date",           [CQL_T_TIME] = "time",         [CQL_T_SMALLINT] = "smallint",
                [CQL_T_TINYINT] = "tinyint",     [CQL_T_DURATION] = "duration",
        };
        if (id > 0 && id <= CQL_T_DURATION && names[id])
                return names[id];
        return NULL;
}

static void type_str(cql_buf_t *b, const cql_type_t *t)
{
        const char *s = simple_name(t->id);
        if (s) {
                cql_put_raw(b, s, strlen(s));
                return;
        }
        switch (t->id) {
        case CQL_T_CUSTOM:
                cql_put_raw(b, "'", 1);
                cql_put_raw(b, t->custom, strlen(t->custom));
                cql_put_raw(b, "'", 1);
                return;
        case CQL_T_LIST:
                cql_put_raw(b, "list<", 5);
                break;
        case CQL_T_SET:
                cql_put_raw(b, "set<", 4);
                break;
        case CQL_T_MAP:
                cql_put_raw(b, "map<", 4);
                break;
        case CQL_T_TUPLE:
                cql_put_raw(b, "tuple<", 6);
                break;
        case CQL_T_UDT:
                cql_put_raw(b, t->name, strlen(t->name));
                return;
        default:
                cql_put_raw(b, "?", 1);
                return;
        }
        for (size_t i = 0; i < t->n_sub; i++) {
                if (i)
                        cql_put_raw(b, ", ", 2);
                type_str(b, t->sub[i]);
        }
        cql_put_raw(b, ">", 1);
}

char *cql_type_str(const cql_type_t *t)
{
        cql_buf_t b = {0};
        type_str(&b, t);
        cql_put_u8(&b, 0);
        if (b.oom) {
                cql_buf_free(&b);
                return NULL;
        }
        return (char *)b.p;
}

/* ---------------------------------------------------------------- results */

static void cols_free(cql_col_t *c, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(c[i].ks);
                free(c[i].table);
                free(c[i].name);
                cql_type_free(c[i].type);
        }
        free(c);
}

void cql_result_free(cql_result_t *res)
{
        cols_free(res->cols, res->n_cols);
        cols_free(res->binds, res->n_binds);
        free(res->cells);
        free(res->paging_state);
        free(res->prepared_id);
        free(res->result_meta_id);
        free(res->pk_index);
        free(res->keyspace);
        free(res->change);
        free(res->body);
        memset(res, 0, sizeof *res);
}

static uint8_t *memdup(const void *p, size_t n)
{
        uint8_t *out = malloc(n ? n : 1);
        if (out && n)
                memcpy(out, p, n);
        return out;
}

/* <metadata>: flags, column count, [paging state], [global table spec], column specs. With
 * prepared, the pk indexes come between the count and the table spec (prepared metadata). */
static int metadata_decode(cql_rd_t *r, bool prepared, uint8_t version, cql_result_t *res, cql_col_t **cols,
                           size_t *n_cols)
{
        uint32_t flags = cql_get_u32(r);
        uint32_t n = cql_get_u32(r);
        if (r->bad || n > 65535)
                return -1;
        if (prepared) {
                uint32_t pk = cql_get_u32(r);
                if (r->bad || pk > n)
                        return -1;
                if (pk) {
                        res->pk_index = calloc(pk, sizeof *res->pk_index);
                        if (!res->pk_index)
                                return -1;
                }
                res->n_pk = pk;
                for (uint32_t i = 0; i < pk; i++)
                        res->pk_index[i] = cql_get_u16(r);
        }
        if (!prepared && (flags & 0x0002)) { /* Has_more_pages */
                int32_t len;
                const uint8_t *p = cql_get_bytes(r, &len);
                if (p && len > 0) {
                        res->paging_state = memdup(p, (size_t)len);
                        if (!res->paging_state)
                                return -1;
                        res->paging_len = (size_t)len;
                }
        }
        if (!prepared && version >= 5 && (flags & 0x0008)) { /* Metadata_changed: new result id */
                size_t len;
                cql_get_short_bytes(r, &len);
        }
        if (flags & 0x0004) /* No_metadata */
                return r->bad ? -1 : 0;
        bool global = flags & 0x0001;
        char *gks = NULL, *gtable = NULL;
        if (global) {
                gks = get_strdup(r);
                gtable = get_strdup(r);
        }
        if (n > (r->len - r->pos) / 4) /* each column spec takes at least 4 bytes */
                r->bad = true;
        if (!r->bad && n) {
                *cols = calloc(n, sizeof **cols);
                if (!*cols)
                        r->bad = true;
        }
        for (uint32_t i = 0; i < n && !r->bad; i++) {
                cql_col_t *c = &(*cols)[i];
                *n_cols = i + 1;
                if (global) {
                        c->ks = gks ? strdup(gks) : NULL;
                        c->table = gtable ? strdup(gtable) : NULL;
                } else {
                        c->ks = get_strdup(r);
                        c->table = get_strdup(r);
                }
                c->name = get_strdup(r);
                c->type = cql_type_decode(r, 0);
        }
        free(gks);
        free(gtable);
        return r->bad ? -1 : 0;
}

int cql_result_decode(const uint8_t *body, size_t len, uint8_t version, cql_result_t *res, char *errstr,
                      size_t errstr_size)
{
        memset(res, 0, sizeof *res);
        res->body = memdup(body, len);
        if (!res->body) {
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        res->body_len = len;
        cql_rd_t r = {.p = res->body, .len = len};
        res->kind = (int)cql_get_u32(&r);
        switch (res->kind) {
        case CQL_RESULT_VOID:
                break;
        case CQL_RESULT_ROWS: {
                if (metadata_decode(&r, false, version, res, &res->cols, &res->n_cols) < 0)
                        break;
                uint32_t rows = cql_get_u32(&r);
                if (r.bad)
                        break;
                size_t nc = res->n_cols;
                if (nc == 0) {
                        if (rows)
                                r.bad = true; /* rows without metadata cannot be read */
                        break;
                }
                /* each cell takes at least 4 bytes */
                if ((size_t)rows > (r.len - r.pos) / 4 / nc) {
                        r.bad = true;
                        break;
                }
                res->n_rows = rows;
                if (rows) {
                        res->cells = calloc((size_t)rows * nc, sizeof *res->cells);
                        if (!res->cells) {
                                r.bad = true;
                                break;
                        }
                }
                for (size_t i = 0; i < (size_t)rows * nc && !r.bad; i++) {
                        int32_t n;
                        res->cells[i].p = cql_get_bytes(&r, &n);
                        res->cells[i].len = n < 0 ? -1 : n;
                }
                break;
        }
        case CQL_RESULT_KEYSPACE:
                res->keyspace = get_strdup(&r);
                break;
        case CQL_RESULT_PREPARED: {
                size_t n;
                const uint8_t *id = cql_get_short_bytes(&r, &n);
                if (!id)
                        break;
                res->prepared_id = memdup(id, n);
                res->prepared_len = n;
                if (version >= 5) {
                        const uint8_t *mid = cql_get_short_bytes(&r, &n); /* result metadata id */
                        if (!mid)
                                break;
                        /* n may be 0: memdup then allocates a byte and copies none */
                        res->result_meta_id = memdup(mid, n);
                        res->result_meta_len = n;
                }
                if (metadata_decode(&r, true, version, res, &res->binds, &res->n_binds) < 0)
                        break;
                /* result metadata */
                metadata_decode(&r, false, version, res, &res->cols, &res->n_cols);
                break;
        }
        case CQL_RESULT_SCHEMA:
                res->change = get_strdup(&r);
                break;
        default:
                snprintf(errstr, errstr_size, "unknown CQL result kind %d", res->kind);
                goto fail;
        }
        if (r.bad) {
                snprintf(errstr, errstr_size, "malformed CQL RESULT (kind %d) of %zu bytes", res->kind, len);
                goto fail;
        }
        return 0;
fail:
        cql_result_free(res);
        return -1;
}

/* ---------------------------------------------------------------- errors */

void cql_error_clear(cql_error_t *e)
{
        free(e->message);
        free(e->write_type);
        free(e->unprepared_id);
        free(e->ks);
        free(e->table);
        memset(e, 0, sizeof *e);
}

int cql_error_decode(const uint8_t *body, size_t len, cql_error_t *e)
{
        memset(e, 0, sizeof *e);
        cql_rd_t r = {.p = body, .len = len};
        e->code = (int32_t)cql_get_u32(&r);
        e->message = get_strdup(&r);
        switch (e->code) {
        case CQL_ERR_UNAVAILABLE:
                e->consistency = cql_get_u16(&r);
                e->required = (int32_t)cql_get_u32(&r);
                e->received = (int32_t)cql_get_u32(&r);
                break;
        case CQL_ERR_WRITE_TIMEOUT:
                e->consistency = cql_get_u16(&r);
                e->received = (int32_t)cql_get_u32(&r);
                e->block_for = (int32_t)cql_get_u32(&r);
                e->write_type = get_strdup(&r);
                break;
        case CQL_ERR_READ_TIMEOUT:
                e->consistency = cql_get_u16(&r);
                e->received = (int32_t)cql_get_u32(&r);
                e->block_for = (int32_t)cql_get_u32(&r);
                cql_get_u8(&r);
                break;
        case CQL_ERR_WRITE_FAILURE:
        case CQL_ERR_READ_FAILURE:
                e->consistency = cql_get_u16(&r);
                e->received = (int32_t)cql_get_u32(&r);
                e->block_for = (int32_t)cql_get_u32(&r);
                e->num_failures = (int32_t)cql_get_u32(&r);
                /* v5 sends a reason map here instead of the count; the rest is not needed */
                break;
        case CQL_ERR_ALREADY_EXISTS:
                e->ks = get_strdup(&r);
                e->table = get_strdup(&r);
                break;
        case CQL_ERR_UNPREPARED: {
                size_t n;
                const uint8_t *id = cql_get_short_bytes(&r, &n);
                if (id) {
                        e->unprepared_id = memdup(id, n);
                        e->unprepared_len = n;
                }
                break;
        }
        default:
                break;
        }
        if (r.bad || !e->message) {
                cql_error_clear(e);
                e->code = CQL_ERR_CLIENT;
                e->message = strdup("malformed CQL ERROR response");
                return -1;
        }
        return 0;
}

void cql_error_format(const cql_error_t *e, char *out, size_t out_size)
{
        int n = snprintf(out, out_size, "%s (0x%04x): %s", cql_error_name(e->code), (unsigned)e->code,
                         e->message ? e->message : "");
        if (n < 0 || (size_t)n >= out_size)
                return;
        switch (e->code) {
        case CQL_ERR_UNAVAILABLE:
                snprintf(out + n, out_size - (size_t)n, " [consistency %s, %d required, %d alive]",
                         cql_consistency_name(e->consistency), e->required, e->received);
                break;
        case CQL_ERR_WRITE_TIMEOUT:
        case CQL_ERR_READ_TIMEOUT:
                snprintf(out + n, out_size - (size_t)n, " [consistency %s, %d of %d replicas answered%s%s]",
                         cql_consistency_name(e->consistency), e->received, e->block_for,
                         e->write_type ? ", write type " : "", e->write_type ? e->write_type : "");
                break;
        default:
                break;
        }
}

long cql_body_start(const uint8_t *body, size_t len, uint8_t flags)
{
        cql_rd_t r = {.p = body, .len = len};
        if (flags & CQL_FLAG_TRACING) {
                if (!need(&r, 16))
                        return -1;
                r.pos += 16;
        }
        if (flags & CQL_FLAG_WARNING) {
                uint16_t n = cql_get_u16(&r);
                for (uint16_t i = 0; i < n && !r.bad; i++) {
                        size_t l;
                        cql_get_string(&r, &l);
                }
        }
        if (flags & 0x04) { /* custom payload: [bytes map] */
                uint16_t n = cql_get_u16(&r);
                for (uint16_t i = 0; i < n && !r.bad; i++) {
                        size_t l;
                        int32_t bl;
                        cql_get_string(&r, &l);
                        cql_get_bytes(&r, &bl);
                }
        }
        return r.bad ? -1 : (long)r.pos;
}

/* ---------------------------------------------------------------- requests */

void cql_values_free(cql_values_t *v)
{
        cql_buf_free(&v->data);
        v->n = 0;
}

void cql_values_null(cql_values_t *v)
{
        cql_put_u32(&v->data, (uint32_t)-1);
        v->n++;
}

void cql_values_unset(cql_values_t *v)
{
        cql_put_u32(&v->data, (uint32_t)-2);
        v->n++;
}

void cql_values_raw(cql_values_t *v, const void *p, size_t n)
{
        cql_put_bytes(&v->data, p, (int32_t)n);
        v->n++;
}

void cql_enc_startup(cql_buf_t *b, uint8_t version, int16_t stream, const char *compression)
{
        cql_frame_begin(b, version, stream, CQL_OP_STARTUP);
        cql_put_u16(b, compression ? 2 : 1);
        cql_put_string(b, "CQL_VERSION", 11);
        cql_put_string(b, "3.0.0", 5);
        if (compression) {
                cql_put_string(b, "COMPRESSION", 11);
                cql_put_string(b, compression, strlen(compression));
        }
        cql_frame_end(b);
}

void cql_enc_options(cql_buf_t *b, uint8_t version, int16_t stream)
{
        cql_frame_begin(b, version, stream, CQL_OP_OPTIONS);
        cql_frame_end(b);
}

void cql_enc_auth_response(cql_buf_t *b, uint8_t version, int16_t stream, const char *user, const char *pass)
{
        cql_frame_begin(b, version, stream, CQL_OP_AUTH_RESPONSE);
        size_t ul = strlen(user), pl = strlen(pass);
        cql_put_u32(b, (uint32_t)(ul + pl + 2));
        cql_put_u8(b, 0);
        cql_put_raw(b, user, ul);
        cql_put_u8(b, 0);
        cql_put_raw(b, pass, pl);
        cql_frame_end(b);
}

static void put_qparams(cql_buf_t *b, uint8_t version, const cql_values_t *vals, const cql_qparams_t *qp)
{
        uint32_t flags = 0;
        if (vals && vals->n)
                flags |= CQL_QF_VALUES;
        if (qp->skip_metadata)
                flags |= CQL_QF_SKIP_METADATA;
        if (qp->page_size > 0)
                flags |= CQL_QF_PAGE_SIZE;
        if (qp->paging_state)
                flags |= CQL_QF_PAGING_STATE;
        if (qp->serial_consistency)
                flags |= CQL_QF_SERIAL;
        if (qp->timestamp != INT64_MIN)
                flags |= CQL_QF_DEFAULT_TS;
        cql_put_u16(b, (uint16_t)qp->consistency);
        if (version >= 5)
                cql_put_u32(b, flags);
        else
                cql_put_u8(b, (uint8_t)flags);
        if (flags & CQL_QF_VALUES) {
                cql_put_u16(b, (uint16_t)vals->n);
                cql_put_raw(b, vals->data.p, vals->data.len);
        }
        if (flags & CQL_QF_PAGE_SIZE)
                cql_put_u32(b, (uint32_t)qp->page_size);
        if (flags & CQL_QF_PAGING_STATE)
                cql_put_bytes(b, qp->paging_state, (int32_t)qp->paging_len);
        if (flags & CQL_QF_SERIAL)
                cql_put_u16(b, (uint16_t)qp->serial_consistency);
        if (flags & CQL_QF_DEFAULT_TS)
                cql_put_u64(b, (uint64_t)qp->timestamp);
}

void cql_enc_query(cql_buf_t *b, uint8_t version, int16_t stream, const char *cql, const cql_values_t *vals,
                   const cql_qparams_t *qp)
{
        cql_frame_begin(b, version, stream, CQL_OP_QUERY);
        cql_put_long_string(b, cql, strlen(cql));
        put_qparams(b, version, vals, qp);
        cql_frame_end(b);
}

void cql_enc_prepare(cql_buf_t *b, uint8_t version, int16_t stream, const char *cql)
{
        cql_frame_begin(b, version, stream, CQL_OP_PREPARE);
        cql_put_long_string(b, cql, strlen(cql));
        if (version >= 5)
                cql_put_u32(b, 0);
        cql_frame_end(b);
}

void cql_enc_execute(cql_buf_t *b, uint8_t version, int16_t stream, const uint8_t *id, size_t id_len,
                     const uint8_t *meta_id, size_t meta_len, const cql_values_t *vals,
                     const cql_qparams_t *qp)
{
        cql_frame_begin(b, version, stream, CQL_OP_EXECUTE);
        cql_put_short_bytes(b, id, id_len);
        if (version >= 5)
                cql_put_short_bytes(b, meta_id, meta_id ? meta_len : 0);
        put_qparams(b, version, vals, qp);
        cql_frame_end(b);
}

void cql_enc_batch_begin(cql_buf_t *b, uint8_t version, int16_t stream, int type, uint16_t n_statements)
{
        cql_frame_begin(b, version, stream, CQL_OP_BATCH);
        cql_put_u8(b, (uint8_t)type);
        cql_put_u16(b, n_statements);
}

static void put_values(cql_buf_t *b, const cql_values_t *vals)
{
        cql_put_u16(b, (uint16_t)(vals ? vals->n : 0));
        if (vals)
                cql_put_raw(b, vals->data.p, vals->data.len);
}

void cql_enc_batch_prepared(cql_buf_t *b, const uint8_t *id, size_t id_len, const cql_values_t *vals)
{
        cql_put_u8(b, 1);
        cql_put_short_bytes(b, id, id_len);
        put_values(b, vals);
}

void cql_enc_batch_query(cql_buf_t *b, const char *cql, const cql_values_t *vals)
{
        cql_put_u8(b, 0);
        cql_put_long_string(b, cql, strlen(cql));
        put_values(b, vals);
}

void cql_enc_batch_end(cql_buf_t *b, int consistency, int serial_consistency, int64_t timestamp)
{
        uint8_t version = b->len ? b->p[0] : 4;
        uint32_t flags = 0;
        if (serial_consistency)
                flags |= CQL_QF_SERIAL;
        if (timestamp != INT64_MIN)
                flags |= CQL_QF_DEFAULT_TS;
        cql_put_u16(b, (uint16_t)consistency);
        if (version >= 5)
                cql_put_u32(b, flags);
        else
                cql_put_u8(b, (uint8_t)flags);
        if (serial_consistency)
                cql_put_u16(b, (uint16_t)serial_consistency);
        if (timestamp != INT64_MIN)
                cql_put_u64(b, (uint64_t)timestamp);
        cql_frame_end(b);
}
