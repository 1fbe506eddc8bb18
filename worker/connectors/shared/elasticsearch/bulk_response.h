/* Elasticsearch / OpenSearch response bodies as the Elasticsearch sink reads them: the `_bulk`
 * answer (one result per action, in order) and the error body of a failed request
 * ({"error":{"type","reason"},"status"}). Pure functions over the bytes the server sent, built on
 * the SDK's JSON reader; no I/O. Used by worker/connectors/elasticsearch (es_sink.c) and fuzzed by
 * tests/fuzz/fuzz_es_bulk.c. */
#ifndef FERRY_CONNECTORS_ES_BULK_RESPONSE_H
#define FERRY_CONNECTORS_ES_BULK_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>

/* How the sink treats one action's result. */
typedef enum {
        ES_ITEM_OK,        /* indexed, created, updated, deleted (or not found on delete) */
        ES_ITEM_CONFLICT,  /* version conflict: an equal or newer version is there; counts as done */
        ES_ITEM_MALFORMED, /* the document itself was refused (behavior.on.malformed.documents) */
        ES_ITEM_RETRY,     /* the server could not take it now (429, 5xx): send it again */
        ES_ITEM_FAILED,    /* any other failure: the task fails with the reason */
} es_item_class_t;

typedef struct {
        int status;          /* HTTP status of the item, 0 when absent */
        es_item_class_t cls; /* from status and error type */
        char *error_type;    /* e.g. "mapper_parsing_exception"; NULL without an error */
        char *error_reason;  /* the server's reason, with caused_by appended; NULL without an error */
} es_item_t;

/* Parses a `_bulk` answer expected to hold n results into items[0..n) (zeroed by the callee).
 * 0 on success; -1 with a message when the body is not a bulk answer or holds another number of
 * items (then items hold nothing to free). Free with es_items_free. */
int es_bulk_parse(const char *body, size_t len, es_item_t *items, size_t n, char *errstr, size_t errstr_size);
void es_items_free(es_item_t *items, size_t n);

/* Classifies one result: malformed for mapper_parsing_exception, document_parsing_exception,
 * illegal_argument_exception, action_request_validation_exception (Confluent's list, plus ES 8's
 * name); conflict for version_conflict_engine_exception / status 409; retry for 429 and 5xx. */
es_item_class_t es_item_classify(int status, const char *error_type);

/* The "type: reason" of an error body ({"error":{...},"status":N} or {"error":"text"}), else up to
 * 300 bytes of the body itself; always NUL-terminated in out. Returns the error type's length
 * written at the start of out (0 when unknown), so callers can test for a type. */
size_t es_error_summary(const char *body, size_t len, char *out, size_t out_size);

#endif
