/* A client of Cassandra's CQL native protocol (v4), shared by connector families.
 *
 * Layers: cql_wire.c encodes requests and decodes responses (pure, fuzzed, unit tested);
 * cql_value.c turns Connect values into CQL values of a column type and back into text;
 * cql_conn.c runs one connection (TCP or TLS, STARTUP, PLAIN authentication, several requests in
 * flight on distinct stream ids); cql_session.c adds contact points with failover, prepared
 * statements (re-prepared on UNPREPARED) and blocking helpers. Nothing here knows about a
 * particular connector. */
#ifndef FERRY_SHARED_CQL_H
#define FERRY_SHARED_CQL_H

#include <ferry/data.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- opcodes, consistency levels, error codes (native_protocol_v4.spec) ---- */
enum {
        CQL_OP_ERROR = 0x00,
        CQL_OP_STARTUP = 0x01,
        CQL_OP_READY = 0x02,
        CQL_OP_AUTHENTICATE = 0x03,
        CQL_OP_OPTIONS = 0x05,
        CQL_OP_SUPPORTED = 0x06,
        CQL_OP_QUERY = 0x07,
        CQL_OP_RESULT = 0x08,
        CQL_OP_PREPARE = 0x09,
        CQL_OP_EXECUTE = 0x0A,
        CQL_OP_REGISTER = 0x0B,
        CQL_OP_EVENT = 0x0C,
        CQL_OP_BATCH = 0x0D,
        CQL_OP_AUTH_CHALLENGE = 0x0E,
        CQL_OP_AUTH_RESPONSE = 0x0F,
        CQL_OP_AUTH_SUCCESS = 0x10,
};

typedef enum {
        CQL_ANY = 0,
        CQL_ONE = 1,
        CQL_TWO = 2,
        CQL_THREE = 3,
        CQL_QUORUM = 4,
        CQL_ALL = 5,
        CQL_LOCAL_QUORUM = 6,
        CQL_EACH_QUORUM = 7,
        CQL_SERIAL = 8,
        CQL_LOCAL_SERIAL = 9,
        CQL_LOCAL_ONE = 10,
} cql_consistency_t;

/* "LOCAL_QUORUM" -> CQL_LOCAL_QUORUM; -1 when unknown (case-insensitive). */
int cql_consistency_parse(const char *name);
const char *cql_consistency_name(int c);

enum {
        CQL_ERR_SERVER = 0x0000,
        CQL_ERR_PROTOCOL = 0x000A,
        CQL_ERR_BAD_CREDENTIALS = 0x0100,
        CQL_ERR_UNAVAILABLE = 0x1000,
        CQL_ERR_OVERLOADED = 0x1001,
        CQL_ERR_BOOTSTRAPPING = 0x1002,
        CQL_ERR_TRUNCATE = 0x1003,
        CQL_ERR_WRITE_TIMEOUT = 0x1100,
        CQL_ERR_READ_TIMEOUT = 0x1200,
        CQL_ERR_READ_FAILURE = 0x1300,
        CQL_ERR_FUNCTION_FAILURE = 0x1400,
        CQL_ERR_WRITE_FAILURE = 0x1500,
        CQL_ERR_SYNTAX = 0x2000,
        CQL_ERR_UNAUTHORIZED = 0x2100,
        CQL_ERR_INVALID = 0x2200,
        CQL_ERR_CONFIG = 0x2300,
        CQL_ERR_ALREADY_EXISTS = 0x2400,
        CQL_ERR_UNPREPARED = 0x2500,
        /* Not from the server: the connection failed or the response could not be decoded. */
        CQL_ERR_CLIENT = -1,
};
const char *cql_error_name(int32_t code);
/* Whether a request failing with this code may succeed when tried again (timeouts, unavailable,
 * overloaded, connection failures). */
bool cql_error_retriable(int32_t code);

/* ---- growable output buffer with the protocol's notations ---- */
typedef struct {
        uint8_t *p;
        size_t len, cap;
        bool oom;
} cql_buf_t;

void cql_buf_free(cql_buf_t *b);
/* Room for extra more bytes; false (and oom set) when memory runs out, or after an earlier
 * failure. */
bool cql_buf_reserve(cql_buf_t *b, size_t extra);
void cql_put_u8(cql_buf_t *b, uint8_t v);
void cql_put_u16(cql_buf_t *b, uint16_t v);
void cql_put_u32(cql_buf_t *b, uint32_t v);
void cql_put_u64(cql_buf_t *b, uint64_t v);
void cql_put_raw(cql_buf_t *b, const void *p, size_t n);
void cql_put_string(cql_buf_t *b, const char *s, size_t n);      /* [string] */
void cql_put_long_string(cql_buf_t *b, const char *s, size_t n); /* [long string] */
void cql_put_short_bytes(cql_buf_t *b, const void *p, size_t n); /* [short bytes] */
void cql_put_bytes(cql_buf_t *b, const void *p, int32_t n);      /* [bytes]; n -1 null, -2 unset */
/* Reserves a 4-byte length, returns its offset; cql_end_bytes fills it with what followed. */
size_t cql_begin_bytes(cql_buf_t *b);
void cql_end_bytes(cql_buf_t *b, size_t at);

/* ---- input reader ---- */
typedef struct {
        const uint8_t *p;
        size_t len, pos;
        bool bad; /* ran past the end or met an invalid length */
} cql_rd_t;

uint8_t cql_get_u8(cql_rd_t *r);
uint16_t cql_get_u16(cql_rd_t *r);
uint32_t cql_get_u32(cql_rd_t *r);
uint64_t cql_get_u64(cql_rd_t *r);
/* [string]: returns a pointer into the input and its length (not NUL-terminated). */
const char *cql_get_string(cql_rd_t *r, size_t *n);
/* [bytes]: length -1 null, -2 unset (p NULL), else p points into the input. */
const uint8_t *cql_get_bytes(cql_rd_t *r, int32_t *n);
const uint8_t *cql_get_short_bytes(cql_rd_t *r, size_t *n);

/* ---- frames ---- */
#define CQL_HEADER_LEN      9
#define CQL_MAX_FRAME       (256 * 1024 * 1024)
#define CQL_FLAG_COMPRESSED 0x01
#define CQL_FLAG_TRACING    0x02
#define CQL_FLAG_WARNING    0x08

typedef struct {
        uint8_t version; /* without the response bit */
        bool response;
        uint8_t flags;
        int16_t stream;
        uint8_t opcode;
        uint32_t length;
} cql_header_t;

/* Decodes a 9-byte header; -1 (errstr) when the version or length is impossible. */
int cql_header_decode(const uint8_t *p, cql_header_t *h, char *errstr, size_t errstr_size);
/* Starts a request frame in b (cleared): header with a length placeholder. */
void cql_frame_begin(cql_buf_t *b, uint8_t version, int16_t stream, uint8_t opcode);
/* Fills in the body length. */
void cql_frame_end(cql_buf_t *b);

/* ---- compression and protocol v5 framing (cql_frame.c) ---- */
enum { CQL_COMP_NONE = 0, CQL_COMP_LZ4 = 1, CQL_COMP_SNAPPY = 2 };
/* "lz4", "snappy" (the STARTUP COMPRESSION value); NULL for none. */
const char *cql_compression_name(int c);
/* "None"/""/NULL, "LZ4", "Snappy" (case-insensitive) -> CQL_COMP_*; -1 when unknown. */
int cql_compression_parse(const char *s);
/* v4 body compression: appends the compressed form of in to out (LZ4: 4-byte big-endian
 * uncompressed length, then the block). -1 on failure. */
int cql_body_compress(int comp, const uint8_t *in, size_t n, cql_buf_t *out);
/* Replaces out's contents with the decompressed body. -1 (errstr) when malformed. */
int cql_body_decompress(int comp, const uint8_t *in, size_t n, cql_buf_t *out, char *errstr,
                        size_t errstr_size);
/* Writes the v4 frame compressed (header flag set, length updated) into scratch: 1 when it did,
 * 0 when there is nothing to compress (send frame as is), -1 on failure. */
int cql_frame_compress(const cql_buf_t *frame, int comp, cql_buf_t *scratch);

#define CQL_V5_MAX_PAYLOAD (128 * 1024 - 1)
/* The v5 header CRC over the nbytes low bytes of data (little-endian), and the payload CRC32. */
uint32_t cql_crc24(uint64_t data, int nbytes);
uint32_t cql_crc32(const uint8_t *p, size_t n);
/* A v5 frame header's size with its CRC24: 6, or 8 with LZ4. */
size_t cql_v5_header_len(bool lz4);
typedef struct {
        size_t payload_len;      /* bytes on the wire, followed by a 4-byte CRC32 */
        size_t uncompressed_len; /* LZ4 only; 0: payload sent as is */
        bool self_contained;
} cql_v5_header_t;
/* Appends envelope bytes as v5 frames: one self-contained frame, or several that are not when
 * longer than CQL_V5_MAX_PAYLOAD. */
void cql_v5_encode(cql_buf_t *out, const uint8_t *in, size_t n, bool lz4);
/* Decodes a v5 frame header (cql_v5_header_len bytes); -1 (errstr) on a CRC24 mismatch. */
int cql_v5_header_decode(const uint8_t *p, bool lz4, cql_v5_header_t *h, char *errstr, size_t errstr_size);
/* p: the payload and its CRC32 (h->payload_len + 4 bytes). Appends the payload, decompressed, to
 * out; -1 (errstr) on a CRC32 mismatch or a malformed LZ4 block. */
int cql_v5_payload_decode(const uint8_t *p, const cql_v5_header_t *h, bool lz4, cql_buf_t *out, char *errstr,
                          size_t errstr_size);
/* Whether a SUPPORTED body lists value under key (case-insensitive): 1, 0, or -1 when malformed. */
int cql_supported_has(const uint8_t *body, size_t len, const char *key, const char *value);

/* ---- types ---- */
enum {
        CQL_T_CUSTOM = 0x00,
        CQL_T_ASCII = 0x01,
        CQL_T_BIGINT = 0x02,
        CQL_T_BLOB = 0x03,
        CQL_T_BOOLEAN = 0x04,
        CQL_T_COUNTER = 0x05,
        CQL_T_DECIMAL = 0x06,
        CQL_T_DOUBLE = 0x07,
        CQL_T_FLOAT = 0x08,
        CQL_T_INT = 0x09,
        CQL_T_TIMESTAMP = 0x0B,
        CQL_T_UUID = 0x0C,
        CQL_T_VARCHAR = 0x0D,
        CQL_T_VARINT = 0x0E,
        CQL_T_TIMEUUID = 0x0F,
        CQL_T_INET = 0x10,
        CQL_T_DATE = 0x11,
        CQL_T_TIME = 0x12,
        CQL_T_SMALLINT = 0x13,
        CQL_T_TINYINT = 0x14,
        CQL_T_DURATION = 0x15,
        CQL_T_LIST = 0x20,
        CQL_T_MAP = 0x21,
        CQL_T_SET = 0x22,
        CQL_T_UDT = 0x30,
        CQL_T_TUPLE = 0x31,
};

typedef struct cql_type {
        int id;
        char *custom;          /* CUSTOM: the Java class */
        struct cql_type **sub; /* LIST/SET: 1, MAP: 2 (key, value), UDT/TUPLE: the fields */
        size_t n_sub;
        char **field_names; /* UDT */
        char *ks, *name;    /* UDT */
} cql_type_t;

void cql_type_free(cql_type_t *t);
/* The CQL name, e.g. "map<text, frozen<list<int>>>" (UDTs by name); malloc'd. */
char *cql_type_str(const cql_type_t *t);
/* Depth-limited [option] decoding (NULL when r->bad). */
cql_type_t *cql_type_decode(cql_rd_t *r, int depth);

/* ---- responses ---- */
typedef struct {
        char *ks, *table, *name;
        cql_type_t *type;
} cql_col_t;

typedef struct {
        const uint8_t *p; /* NULL when null */
        int32_t len;      /* -1 null */
} cql_cell_t;

enum {
        CQL_RESULT_VOID = 1,
        CQL_RESULT_ROWS = 2,
        CQL_RESULT_KEYSPACE = 3,
        CQL_RESULT_PREPARED = 4,
        CQL_RESULT_SCHEMA = 5
};

typedef struct {
        int kind;
        /* ROWS: the columns, cells row by row (n_rows * n_cols), pointing into body */
        cql_col_t *cols;
        size_t n_cols;
        size_t n_rows;
        cql_cell_t *cells;
        uint8_t *paging_state; /* NULL when this was the last page */
        size_t paging_len;
        /* PREPARED: the id, the bound variables (cols of the prepared metadata), pk indexes */
        uint8_t *prepared_id;
        size_t prepared_len;
        uint8_t *result_meta_id; /* v5: the result metadata id EXECUTE sends back */
        size_t result_meta_len;
        cql_col_t *binds;
        size_t n_binds;
        uint16_t *pk_index;
        size_t n_pk;
        /* KEYSPACE / SCHEMA */
        char *keyspace;
        char *change;
        uint8_t *body; /* owned copy of the frame body */
        size_t body_len;
} cql_result_t;

void cql_result_free(cql_result_t *res);

typedef struct {
        int32_t code;
        char *message;
        int consistency; /* UNAVAILABLE, *_TIMEOUT, *_FAILURE */
        int32_t required, received, block_for, num_failures;
        char *write_type;       /* WRITE_TIMEOUT/WRITE_FAILURE */
        uint8_t *unprepared_id; /* UNPREPARED */
        size_t unprepared_len;
        char *ks, *table; /* ALREADY_EXISTS */
} cql_error_t;

void cql_error_clear(cql_error_t *e);
/* "Syntax error in CQL query (0x2000): line 1:0 no viable alternative ..." */
void cql_error_format(const cql_error_t *e, char *out, size_t out_size);

/* Decodes a RESULT body (the body is copied). -1 (errstr) when malformed. */
int cql_result_decode(const uint8_t *body, size_t len, uint8_t version, cql_result_t *res, char *errstr,
                      size_t errstr_size);
/* Decodes an ERROR body. -1 when malformed. */
int cql_error_decode(const uint8_t *body, size_t len, cql_error_t *e);
/* Skips the tracing id and warnings a response body starts with when its flags say so; returns
 * the offset of the message proper, or -1. */
long cql_body_start(const uint8_t *body, size_t len, uint8_t flags);

/* ---- requests ---- */
#define CQL_QF_VALUES        0x01
#define CQL_QF_SKIP_METADATA 0x02
#define CQL_QF_PAGE_SIZE     0x04
#define CQL_QF_PAGING_STATE  0x08
#define CQL_QF_SERIAL        0x10
#define CQL_QF_DEFAULT_TS    0x20
#define CQL_QF_NAMES         0x40

/* Values bound to a statement, in order: each a CQL-serialised value, or null/unset. */
typedef struct {
        cql_buf_t data; /* the [bytes] of every value, back to back */
        size_t n;
} cql_values_t;

void cql_values_free(cql_values_t *v);
void cql_values_null(cql_values_t *v);
void cql_values_unset(cql_values_t *v);
void cql_values_raw(cql_values_t *v, const void *p, size_t n);

typedef struct {
        int consistency;
        int serial_consistency; /* 0: none */
        int32_t page_size;      /* <= 0: none */
        const uint8_t *paging_state;
        size_t paging_len;
        int64_t timestamp; /* INT64_MIN: none (µs since epoch otherwise) */
        bool skip_metadata;
} cql_qparams_t;

#define CQL_QPARAMS_DEFAULT ((cql_qparams_t){.consistency = CQL_LOCAL_ONE, .timestamp = INT64_MIN})

void cql_enc_startup(cql_buf_t *b, uint8_t version, int16_t stream, const char *compression);
void cql_enc_options(cql_buf_t *b, uint8_t version, int16_t stream);
void cql_enc_auth_response(cql_buf_t *b, uint8_t version, int16_t stream, const char *user, const char *pass);
void cql_enc_query(cql_buf_t *b, uint8_t version, int16_t stream, const char *cql, const cql_values_t *vals,
                   const cql_qparams_t *qp);
void cql_enc_prepare(cql_buf_t *b, uint8_t version, int16_t stream, const char *cql);
/* meta_id: the result metadata id of the PREPARED answer (v5 only; ignored before). */
void cql_enc_execute(cql_buf_t *b, uint8_t version, int16_t stream, const uint8_t *id, size_t id_len,
                     const uint8_t *meta_id, size_t meta_len, const cql_values_t *vals,
                     const cql_qparams_t *qp);

enum { CQL_BATCH_LOGGED = 0, CQL_BATCH_UNLOGGED = 1, CQL_BATCH_COUNTER = 2 };
/* A batch is built statement by statement into b, then closed. */
void cql_enc_batch_begin(cql_buf_t *b, uint8_t version, int16_t stream, int type, uint16_t n_statements);
void cql_enc_batch_prepared(cql_buf_t *b, const uint8_t *id, size_t id_len, const cql_values_t *vals);
void cql_enc_batch_query(cql_buf_t *b, const char *cql, const cql_values_t *vals);
void cql_enc_batch_end(cql_buf_t *b, int consistency, int serial_consistency, int64_t timestamp);

/* ---- values (cql_value.c) ---- */
/* Appends v as a [bytes] value of type t to out: null for NULL, a type error (errstr naming what
 * was expected) otherwise. Accepts Connect values of the natural kinds and strings wherever a text
 * form exists (uuid, inet, timestamp as ISO-8601 or epoch ms, decimal, varint, date, time). */
int cql_value_append(cql_values_t *out, const cql_type_t *t, const ferry_value_t *v, char *errstr,
                     size_t errstr_size);
/* Serialises v (not NULL) as type t into b without a length prefix. */
int cql_value_encode(cql_buf_t *b, const cql_type_t *t, const ferry_value_t *v, char *errstr,
                     size_t errstr_size);
/* A CQL value as JSON text (what cqlsh's JSON output would show); malloc'd, NULL when malformed. */
char *cql_value_json(const cql_type_t *t, const uint8_t *p, int32_t len);

#endif
