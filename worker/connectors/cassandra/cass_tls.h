/* The Cassandra sinks' trust and key stores (cass_tls.c): DataStax ssl.truststore.* /
 * ssl.keystore.* and Lenses connect.cassandra.trust.store.* / key.store.*, read as JKS, PKCS12 or
 * PEM into PEM text for the CQL client's OpenSSL context. */
#ifndef FERRY_CASS_TLS_H
#define FERRY_CASS_TLS_H

#include <ferry/config.h>
#include <ferry/tls.h>

#include <stddef.h>

typedef enum { CASS_TLS_DATASTAX, CASS_TLS_LENSES } cass_tls_flavour_t;

typedef struct {
        const char *truststore_path, *truststore_password, *truststore_type; /* type: NULL = by content */
        const char *keystore_path, *keystore_password, *keystore_type;
} cass_tls_stores_t;

/* 0, or -1 with "<the flavour's key>: <what is wrong>" in errstr. out is zeroed first; free it with
 * ferry_tls_pem_free. */
int cass_tls_load(cass_tls_flavour_t f, const cass_tls_stores_t *in, ferry_tls_pem_t *out, char *errstr,
                  size_t errstr_size);

/* The same load for /config/validate: an error goes under the key it names. */
void cass_tls_validate(cass_tls_flavour_t f, const cass_tls_stores_t *in, ferry_cfg_errors_t *errs);

#endif
