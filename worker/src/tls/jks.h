/* Reader of Java KeyStore files (JKS, and JCEKS trusted certificates): the trust and key stores Java
 * Kafka clients are configured with, turned into DER certificates and PKCS#8 keys for librdkafka. */
#ifndef FERRY_JKS_H
#define FERRY_JKS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
        unsigned char *der;
        size_t len;
} ferry_jks_blob_t;

typedef struct {
        char *alias;
        bool private_key;        /* a PrivateKeyEntry (else a trusted certificate) */
        ferry_jks_blob_t key;    /* the protected key (EncryptedPrivateKeyInfo DER) */
        ferry_jks_blob_t *certs; /* trusted certificate, or the key's chain (leaf first) */
        size_t n_certs;
} ferry_jks_entry_t;

typedef struct {
        ferry_jks_entry_t *e;
        size_t n;
} ferry_jks_t;

/* True when data starts like a JKS or JCEKS file. */
bool ferry_jks_sniff(const unsigned char *data, size_t len);

/* Parses a keystore. With a password (UTF-8; NULL to skip, as Java does for trust stores) the
 * file's integrity digest is checked. 0, or -1 with errstr. */
int ferry_jks_parse(const unsigned char *data, size_t len, const char *password, ferry_jks_t *out,
                    char *errstr, size_t errstr_size);

/* Recovers the PKCS#8 PrivateKeyInfo DER of a private key entry (caller frees *der). */
int ferry_jks_key_decrypt(const ferry_jks_entry_t *e, const char *password, unsigned char **der, size_t *len,
                          char *errstr, size_t errstr_size);

void ferry_jks_free(ferry_jks_t *ks);

#endif
