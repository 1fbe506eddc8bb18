/* The schema registry client's TLS settings (see registry_tls.h): maps the AvroConverter's
 * schema.registry.ssl.* keys onto what libcurl takes, opening PKCS12 stores with OpenSSL and
 * converting their certificates and key to PEM in memory. Sits between the converter's config
 * parsing (avro_converter.c) and the libcurl handle (registry_client.c). */
#include "registry_tls.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TS "schema.registry.ssl.truststore."
#define KS "schema.registry.ssl.keystore."

static bool set(const char *s)
{
        return s && *s;
}

/* PEM, PKCS12 or (refused) JKS; type NULL or "" means Confluent's default, JKS. */
static int store_type(const char *type, const char *prefix, bool *pkcs12, char *errstr, size_t errstr_size)
{
        const char *t = set(type) ? type : "JKS";
        if (strcasecmp(t, "PEM") == 0)
                *pkcs12 = false;
        else if (strcasecmp(t, "PKCS12") == 0)
                *pkcs12 = true;
        else if (strcasecmp(t, "JKS") == 0) {
                snprintf(errstr, errstr_size,
                         "%stype=JKS%s is not supported by the AvroConverter: convert the store to PKCS12 "
                         "(keytool -importkeystore -deststoretype PKCS12) or PEM and set %stype",
                         prefix, set(type) ? "" : " (the default)", prefix);
                return -1;
        } else {
                snprintf(errstr, errstr_size, "Invalid value %s for configuration %stype: PEM or PKCS12", t,
                         prefix);
                return -1;
        }
        return 0;
}

static int readable(const char *path, const char *key, char *errstr, size_t errstr_size)
{
        FILE *f = fopen(path, "rb");
        if (!f) {
                snprintf(errstr, errstr_size, "%s: cannot open %s", key, path);
                return -1;
        }
        fclose(f);
        return 0;
}

static PKCS12 *open_p12(const char *path, const char *key, char *errstr, size_t errstr_size)
{
        BIO *in = BIO_new_file(path, "rb");
        if (!in) {
                snprintf(errstr, errstr_size, "%s: cannot open %s", key, path);
                return NULL;
        }
        PKCS12 *p12 = d2i_PKCS12_bio(in, NULL);
        BIO_free(in);
        if (!p12)
                snprintf(errstr, errstr_size, "%s: %s is not a PKCS12 file", key, path);
        return p12;
}

/* Parses p12 with the first of the passwords that opens it. */
static int parse_p12(PKCS12 *p12, const char *pw1, const char *pw2, EVP_PKEY **pkey, X509 **cert,
                     STACK_OF(X509) * *ca)
{
        /* An empty password may mean no password at all (NULL) to OpenSSL. */
        const char *pws[] = {pw1 ? pw1 : "", set(pw2) ? pw2 : NULL, set(pw1) ? NULL : ""};
        for (size_t i = 0; i < 3; i++) {
                if (i && !pws[i] && (i == 1 || set(pw1)))
                        continue;
                if (PKCS12_parse(p12, i == 2 ? NULL : pws[i], pkey, cert, ca) == 1)
                        return 0;
                ERR_clear_error();
        }
        return -1;
}

static int bio_to_string(BIO *b, char **out, size_t *len)
{
        char *p;
        long n = BIO_get_mem_data(b, &p);
        if (n <= 0 || !(*out = malloc((size_t)n + 1)))
                return -1;
        memcpy(*out, p, (size_t)n);
        (*out)[n] = '\0';
        *len = (size_t)n;
        return 0;
}

static int certs_pem(X509 *cert, STACK_OF(X509) * ca, char **out, size_t *len)
{
        BIO *b = BIO_new(BIO_s_mem());
        int rc = b ? 0 : -1;
        if (!rc && cert && PEM_write_bio_X509(b, cert) != 1)
                rc = -1;
        for (int i = 0; !rc && ca && i < sk_X509_num(ca); i++)
                if (PEM_write_bio_X509(b, sk_X509_value(ca, i)) != 1)
                        rc = -1;
        if (!rc)
                rc = bio_to_string(b, out, len);
        BIO_free(b);
        return rc;
}

static int truststore(sr_tls_t *t, const sr_tls_config_t *cfg, char *errstr, size_t errstr_size)
{
        bool p12;
        if (store_type(cfg->truststore_type, TS, &p12, errstr, errstr_size) < 0)
                return -1;
        const char *path = cfg->truststore_location;
        if (!p12) {
                if (readable(path, TS "location", errstr, errstr_size) < 0)
                        return -1;
                return (t->ca_file = strdup(path)) ? 0 : -1;
        }
        PKCS12 *p = open_p12(path, TS "location", errstr, errstr_size);
        if (!p)
                return -1;
        EVP_PKEY *pkey = NULL;
        X509 *cert = NULL;
        STACK_OF(X509) *ca = NULL;
        int rc = parse_p12(p, cfg->truststore_password, NULL, &pkey, &cert, &ca);
        if (rc < 0)
                snprintf(errstr, errstr_size, "%s: cannot open %s: wrong password or corrupt file",
                         TS "password", path);
        else if (!cert && (!ca || sk_X509_num(ca) == 0)) {
                snprintf(errstr, errstr_size, "%s: %s holds no certificate", TS "location", path);
                rc = -1;
        } else if (certs_pem(cert, ca, &t->ca_pem, &t->ca_pem_len) < 0) {
                snprintf(errstr, errstr_size, "%s: out of memory", TS "location");
                rc = -1;
        }
        EVP_PKEY_free(pkey);
        X509_free(cert);
        sk_X509_pop_free(ca, X509_free);
        PKCS12_free(p);
        return rc;
}

static int keystore(sr_tls_t *t, const sr_tls_config_t *cfg, char *errstr, size_t errstr_size)
{
        bool p12;
        if (store_type(cfg->keystore_type, KS, &p12, errstr, errstr_size) < 0)
                return -1;
        const char *path = cfg->keystore_location;
        if (!p12) {
                /* A PEM key store holds the private key and the certificate chain in one file. */
                if (readable(path, KS "location", errstr, errstr_size) < 0)
                        return -1;
                t->cert_file = strdup(path);
                t->key_file = strdup(path);
                if (set(cfg->key_password))
                        t->key_password = strdup(cfg->key_password);
                return t->cert_file && t->key_file && (t->key_password || !set(cfg->key_password)) ? 0 : -1;
        }
        PKCS12 *p = open_p12(path, KS "location", errstr, errstr_size);
        if (!p)
                return -1;
        EVP_PKEY *pkey = NULL;
        X509 *cert = NULL;
        STACK_OF(X509) *ca = NULL;
        int rc = parse_p12(p, cfg->keystore_password, cfg->key_password, &pkey, &cert, &ca);
        if (rc < 0)
                snprintf(errstr, errstr_size, "%s: cannot open %s: wrong password or corrupt file",
                         KS "password", path);
        else if (!pkey || !cert) {
                snprintf(errstr, errstr_size, "%s: %s holds no private key with its certificate",
                         KS "location", path);
                rc = -1;
        } else {
                BIO *b = BIO_new(BIO_s_mem());
                if (certs_pem(cert, ca, &t->cert_pem, &t->cert_pem_len) < 0 || !b ||
                    PEM_write_bio_PrivateKey(b, pkey, NULL, NULL, 0, NULL, NULL) != 1 ||
                    bio_to_string(b, &t->key_pem, &t->key_pem_len) < 0) {
                        snprintf(errstr, errstr_size, "%s: cannot convert %s", KS "location", path);
                        rc = -1;
                }
                BIO_free(b);
        }
        EVP_PKEY_free(pkey);
        X509_free(cert);
        sk_X509_pop_free(ca, X509_free);
        PKCS12_free(p);
        return rc;
}

int sr_tls_from_config(sr_tls_t *t, const sr_tls_config_t *cfg, char *errstr, size_t errstr_size)
{
        memset(t, 0, sizeof(*t));
        const char *alg = cfg->endpoint_identification_algorithm;
        if (alg && *alg && strcasecmp(alg, "https") != 0) {
                snprintf(errstr, errstr_size,
                         "Invalid value %s for configuration "
                         "schema.registry.ssl.endpoint.identification.algorithm: "
                         "https or empty",
                         alg);
                return -1;
        }
        t->verify_host = !alg || *alg;
        if ((set(cfg->truststore_location) && truststore(t, cfg, errstr, errstr_size) < 0) ||
            (set(cfg->keystore_location) && keystore(t, cfg, errstr, errstr_size) < 0)) {
                sr_tls_free(t);
                return -1;
        }
        return 0;
}

static void wipe_free(char *p, size_t n)
{
        if (p) {
                OPENSSL_cleanse(p, n);
                free(p);
        }
}

void sr_tls_free(sr_tls_t *t)
{
        free(t->ca_file);
        free(t->ca_pem);
        free(t->cert_file);
        free(t->key_file);
        free(t->cert_pem);
        wipe_free(t->key_pem, t->key_pem_len);
        wipe_free(t->key_password, t->key_password ? strlen(t->key_password) : 0);
        memset(t, 0, sizeof(*t));
}
