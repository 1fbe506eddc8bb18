/* A client of a schema registry's Confluent-compatible REST API (Confluent Schema Registry,
 * Apicurio's ccompat API, Karapace) over libcurl: register a schema under a subject, look one up,
 * fetch one by id, fetch a subject's latest version. Several base URLs fail over in turn; basic
 * auth comes from the URL or from user info. Private to the AvroConverter; one instance per
 * converter, used from the task's thread only. */
#ifndef FERRY_AVRO_REGISTRY_CLIENT_H
#define FERRY_AVRO_REGISTRY_CLIENT_H

#include "registry_tls.h"

#include <ferry/errors.h>

#include <stdbool.h>
#include <stddef.h>

typedef struct sr_client sr_client_t;

/* urls: base URLs (copied); user_info "user:password" for basic auth or NULL (credentials in the
 * URLs, if any, are used by libcurl); tls: the TLS settings, taken over (*tls is zeroed) or NULL.
 * NULL when out of memory (tls then freed). */
sr_client_t *sr_client_new(char *const *urls, size_t n_urls, const char *user_info, long timeout_ms,
                           sr_tls_t *tls);
void sr_client_free(sr_client_t *c);

/* Every call returns OK; RETRIABLE when no registry answered (connection refused, timeout) or it
 * answered 5xx; NOT_FOUND for 404 (subject, version or schema unknown); CONVERSION for any other
 * refusal (the registry's message in errstr). */
ferry_err_t sr_register(sr_client_t *c, const char *subject, const char *schema, bool normalize, int *id,
                        char *errstr, size_t errstr_size);
ferry_err_t sr_lookup(sr_client_t *c, const char *subject, const char *schema, bool normalize, int *id,
                      int *version, char *errstr, size_t errstr_size);
/* *schema: the schema text (malloc'd). */
ferry_err_t sr_schema_by_id(sr_client_t *c, int id, char **schema, char *errstr, size_t errstr_size);
ferry_err_t sr_latest(sr_client_t *c, const char *subject, int *id, int *version, char **schema, char *errstr,
                      size_t errstr_size);
/* Number of HTTP requests made so far (tests and logs: one per schema, not per record). */
unsigned long sr_requests(const sr_client_t *c);

#endif
