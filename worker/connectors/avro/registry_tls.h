/* TLS settings of the schema registry client, from the converter's schema.registry.ssl.* keys
 * (Confluent's names): trust store and key store (JKS, PKCS12 or PEM, read by the SDK's store reader
 * <ferry/tls.h> into PEM text), key password, endpoint identification. Private to the AvroConverter;
 * registry_client.c hands the PEM blobs to its libcurl handle. */
#ifndef FERRY_AVRO_REGISTRY_TLS_H
#define FERRY_AVRO_REGISTRY_TLS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
        const char *truststore_location, *truststore_password, *truststore_type;
        const char *keystore_location, *keystore_password, *keystore_type;
        const char *key_password;
        const char *endpoint_identification_algorithm; /* "https" (default) or "" */
} sr_tls_config_t;

typedef struct {
        char *ca_pem; /* CURLOPT_CAINFO_BLOB (NULL: the system CA store) */
        size_t ca_pem_len;
        char *cert_pem, *key_pem; /* CURLOPT_SSLCERT_BLOB/SSLKEY_BLOB, type PEM, key unencrypted */
        size_t cert_pem_len, key_pem_len;
        bool verify_host; /* CURLOPT_SSL_VERIFYHOST 2, or 0 */
} sr_tls_t;

/* Fills t from cfg (NULL or "" values are unset). 0, or -1 with a message naming the key at fault
 * (unknown store type, unreadable file, wrong password, store without a key). */
int sr_tls_from_config(sr_tls_t *t, const sr_tls_config_t *cfg, char *errstr, size_t errstr_size);
void sr_tls_free(sr_tls_t *t);

#endif
