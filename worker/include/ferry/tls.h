/* TLS trust and key stores as Java clients configure them (ssl.truststore.*, ssl.keystore.*,
 * ssl.key.password): JKS, PKCS12 or PEM files, or PEM text inline, turned into PEM text in memory
 * for OpenSSL or libcurl (CURLOPT_CAINFO_BLOB, CURLOPT_SSLCERT_BLOB, CURLOPT_SSLKEY_BLOB). The
 * Kafka clients' settings and every connector that talks TLS (schema registry, Elasticsearch,
 * Cassandra, ...) load their stores through this one reader. */
#ifndef FERRY_TLS_H
#define FERRY_TLS_H

#include <ferry/api.h>

#include <stddef.h>

/* The keys' values (NULL or "" = unset), under their Java names without a prefix. A store's type
 * is JKS, JCEKS (trusted certificates), PKCS12 or PEM, case-insensitive; unset means "go by the
 * content" (Java's default is JKS, but keytool has written PKCS12 since Java 9). */
typedef struct {
        const char *truststore_type, *truststore_location, *truststore_password;
        const char *truststore_certificates; /* inline PEM certificates (type PEM) */
        const char *keystore_type, *keystore_location, *keystore_password;
        const char *keystore_certificate_chain, *keystore_key; /* inline PEM chain and key (type PEM) */
        const char *key_password; /* the private key's own password (else the keystore's) */
        /* How error messages name a key: key_name(key_name_ctx, "ssl.truststore.location") when set,
         * else key_prefix (NULL = "") followed by the Java name. */
        const char *key_prefix;
        const char *(*key_name)(void *ctx, const char *java_key);
        void *key_name_ctx;
} ferry_tls_stores_t;

/* NUL-terminated PEM text, or NULL when the store was not configured. */
typedef struct {
        char *ca_pem;   /* trusted certificates (JKS: trusted entries and the leaf of key entries) */
        char *cert_pem; /* the client's certificate chain, leaf first */
        char *key_pem;  /* the client's private key, unencrypted PKCS#8 */
} ferry_tls_pem_t;

/* Loads both stores. 0, or -1 with "<key>: <what is wrong>" in errstr (unreadable file, wrong
 * password, a store of another type than declared, a keystore without exactly one key, a password
 * set without its store). Messages never hold secret values. */
FERRY_API int ferry_tls_stores_load(const ferry_tls_stores_t *in, ferry_tls_pem_t *out, char *errstr,
                                    size_t errstr_size);
/* Frees the texts, wiping the key first. */
FERRY_API void ferry_tls_pem_free(ferry_tls_pem_t *pem);

#endif
