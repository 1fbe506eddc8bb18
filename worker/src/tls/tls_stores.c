/* Trust and key stores (JKS via jks.c, PKCS12 and PEM via OpenSSL, files or inline PEM) into PEM text
 * in memory: the one reader behind the Kafka clients' ssl.truststore and ssl.keystore settings
 * (kafka_security.c) and the connectors' TLS keys (through <ferry/tls.h>). */
#include <ferry/tls.h>

#include "tls/jks.h"

#include <ferry/buf.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
        const ferry_tls_stores_t *in;
        char *errstr;
        size_t errstr_size;
        char name[256];
} ld_t;

static const char *val(const char *s)
{
        return s && *s ? s : NULL;
}

static const char *name_of(ld_t *l, const char *key)
{
        if (l->in->key_name) {
                const char *n = l->in->key_name(l->in->key_name_ctx, key);
                if (n)
                        return n;
        }
        snprintf(l->name, sizeof(l->name), "%s%s", l->in->key_prefix ? l->in->key_prefix : "", key);
        return l->name;
}

static int fail(ld_t *l, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(ld_t *l, const char *key, const char *fmt, ...)
{
        int n = snprintf(l->errstr, l->errstr_size, "%s: ", name_of(l, key));
        if (n < 0 || (size_t)n >= l->errstr_size)
                return -1;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(l->errstr + n, l->errstr_size - (size_t)n, fmt, ap);
        va_end(ap);
        return -1;
}

static char *ssl_error(void)
{
        static __thread char buf[256];
        unsigned long e = ERR_get_error();
        if (!e)
                snprintf(buf, sizeof(buf), "unknown OpenSSL error");
        else
                ERR_error_string_n(e, buf, sizeof(buf));
        ERR_clear_error();
        return buf;
}

static int read_file(ld_t *l, const char *key, const char *path, ferry_buf_t *b)
{
        if (ferry_buf_read_file(b, path) < 0)
                return fail(l, key, "cannot read %.300s: %s", path, strerror(errno));
        return 0;
}

static void pem_cert(ferry_buf_t *pem, X509 *x)
{
        BIO *bio = BIO_new(BIO_s_mem());
        if (bio && PEM_write_bio_X509(bio, x)) {
                char *p;
                long n = BIO_get_mem_data(bio, &p);
                ferry_buf_append(pem, p, (size_t)n);
        }
        BIO_free(bio);
}

static int pem_der_cert(ld_t *l, const char *key, ferry_buf_t *pem, const ferry_jks_blob_t *der)
{
        const unsigned char *p = der->der;
        X509 *x = d2i_X509(NULL, &p, (long)der->len);
        if (!x)
                return fail(l, key, "keystore holds a certificate OpenSSL cannot read: %s", ssl_error());
        pem_cert(pem, x);
        X509_free(x);
        return 0;
}

static int pem_key(ld_t *l, const char *key, ferry_buf_t *pem, EVP_PKEY *pk)
{
        BIO *bio = BIO_new(BIO_s_mem());
        int rc = -1;
        if (bio && PEM_write_bio_PrivateKey(bio, pk, NULL, NULL, 0, NULL, NULL)) {
                char *p;
                long n = BIO_get_mem_data(bio, &p);
                ferry_buf_append(pem, p, (size_t)n);
                OPENSSL_cleanse(p, (size_t)n);
                rc = 0;
        } else {
                rc = fail(l, key, "cannot encode the private key: %s", ssl_error());
        }
        BIO_free(bio);
        return rc;
}

/* Every certificate of PEM text into pem; the count, or -1. */
static int pem_certs(ld_t *l, const char *key, const char *text, size_t len, ferry_buf_t *pem)
{
        BIO *bio = BIO_new_mem_buf(text, (int)len);
        int n = 0;
        X509 *x;
        while (bio && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL))) {
                pem_cert(pem, x);
                X509_free(x);
                n++;
        }
        BIO_free(bio);
        ERR_clear_error();
        if (!n)
                return fail(l, key, "holds no PEM certificate");
        return n;
}

typedef enum { ST_JKS, ST_PKCS12, ST_PEM } store_type_t;

static int store_type(ld_t *l, const char *type_key, const char *loc_key, const char *type,
                      const ferry_buf_t *data, store_type_t *out)
{
        if (type) {
                if (!strcasecmp(type, "JKS") || !strcasecmp(type, "JCEKS"))
                        *out = ST_JKS;
                else if (!strcasecmp(type, "PKCS12"))
                        *out = ST_PKCS12;
                else if (!strcasecmp(type, "PEM"))
                        *out = ST_PEM;
                else
                        return fail(l, type_key, "unsupported store type %.40s (JKS, PKCS12 or PEM)", type);
        }
        /* Java's default type is JKS, but keytool has written PKCS12 since Java 9: go by content. */
        store_type_t seen = ferry_jks_sniff((const unsigned char *)data->p, data->len) ? ST_JKS
                            : data->len && (unsigned char)data->p[0] == 0x30           ? ST_PKCS12
                                                                                       : ST_PEM;
        if (type && *out != ST_PKCS12 && seen != *out)
                return fail(l, loc_key, "is not a %s file (%s says so)", type, name_of(l, type_key));
        if (type && *out == ST_PKCS12 && seen != ST_PKCS12)
                return fail(l, loc_key, "is not a PKCS12 file (%s says so)", name_of(l, type_key));
        *out = seen;
        return 0;
}

static int p12_parse(ld_t *l, const char *loc_key, const char *pw_key, const ferry_buf_t *data,
                     const char *password, EVP_PKEY **pk, X509 **cert, STACK_OF(X509) * *ca)
{
        const unsigned char *p = (const unsigned char *)data->p;
        PKCS12 *p12 = d2i_PKCS12(NULL, &p, (long)data->len);
        if (!p12)
                return fail(l, loc_key, "is not a PKCS12 file: %s", ssl_error());
        if (PKCS12_mac_present(p12) && !PKCS12_verify_mac(p12, password, password ? -1 : 0)) {
                PKCS12_free(p12);
                ERR_clear_error();
                return fail(l, password ? pw_key : loc_key, "keystore password was incorrect%s",
                            password ? "" : " (no password set)");
        }
        int ok = PKCS12_parse(p12, password ? password : "", pk, cert, ca);
        PKCS12_free(p12);
        if (!ok)
                return fail(l, loc_key, "cannot read the PKCS12 file: %s", ssl_error());
        return 0;
}

static int key_password_cb(char *buf, int size, int rwflag, void *u)
{
        (void)rwflag;
        const char *pw = u;
        if (!pw)
                return -1;
        int n = (int)strlen(pw);
        if (n > size)
                return -1;
        memcpy(buf, pw, (size_t)n);
        return n;
}

/* A PEM private key (maybe encrypted with password) into an unencrypted PEM in out. */
static int pem_private_key(ld_t *l, const char *key, const char *pw_key, const char *text, size_t len,
                           const char *password, ferry_buf_t *out)
{
        BIO *bio = BIO_new_mem_buf(text, (int)len);
        EVP_PKEY *pk = bio ? PEM_read_bio_PrivateKey(bio, NULL, key_password_cb, (void *)password) : NULL;
        BIO_free(bio);
        if (!pk) {
                unsigned long e = ERR_peek_last_error();
                ERR_clear_error();
                bool enc = strstr(text, "ENCRYPTED") != NULL;
                if (enc && !password)
                        return fail(l, key, "the private key is encrypted and %s is not set",
                                    name_of(l, pw_key));
                if (enc || ERR_GET_REASON(e) == EVP_R_BAD_DECRYPT)
                        return fail(l, pw_key, "cannot decrypt the private key (wrong password)");
                return fail(l, key, "holds no PEM private key");
        }
        int rc = pem_key(l, key, out, pk);
        EVP_PKEY_free(pk);
        return rc;
}

static char *take_text(ferry_buf_t *b)
{
        ferry_buf_putc(b, '\0');
        char *s = strdup(b->p);
        if (b->p)
                OPENSSL_cleanse(b->p, b->len);
        return s;
}

static int truststore(ld_t *l, ferry_tls_pem_t *out)
{
        const ferry_tls_stores_t *in = l->in;
        const char *type = val(in->truststore_type), *loc = val(in->truststore_location),
                   *pw = val(in->truststore_password), *inline_pem = val(in->truststore_certificates);
        if (!loc && !inline_pem) {
                if (pw)
                        return fail(l, "ssl.truststore.password", "set without %s",
                                    name_of(l, "ssl.truststore.location"));
                return 0;
        }
        if (loc && inline_pem)
                return fail(l, "ssl.truststore.certificates", "set together with %s",
                            name_of(l, "ssl.truststore.location"));
        ferry_buf_t pem, data;
        ferry_buf_init(&pem);
        ferry_buf_init(&data);
        int rc = 0;
        if (inline_pem) {
                if (type && strcasecmp(type, "PEM"))
                        rc = fail(l, "ssl.truststore.certificates", "needs %s=PEM",
                                  name_of(l, "ssl.truststore.type"));
                else if (pw)
                        rc = fail(l, "ssl.truststore.password", "is not used with %s",
                                  name_of(l, "ssl.truststore.certificates"));
                else
                        rc = pem_certs(l, "ssl.truststore.certificates", inline_pem, strlen(inline_pem),
                                       &pem) < 0
                                     ? -1
                                     : 0;
        } else {
                store_type_t st = ST_JKS;
                rc = read_file(l, "ssl.truststore.location", loc, &data);
                if (rc == 0)
                        rc = store_type(l, "ssl.truststore.type", "ssl.truststore.location", type, &data,
                                        &st);
                if (rc == 0 && st == ST_PEM) {
                        if (pw)
                                rc = fail(l, "ssl.truststore.password", "is not used with PEM trust stores");
                        else if (pem_certs(l, "ssl.truststore.location", data.p, data.len, &pem) < 0)
                                rc = -1;
                } else if (rc == 0 && st == ST_JKS) {
                        ferry_jks_t ks;
                        char err[256];
                        if (ferry_jks_parse((const unsigned char *)data.p, data.len, pw, &ks, err,
                                            sizeof(err)) < 0) {
                                rc = fail(l,
                                          strstr(err, "password") ? "ssl.truststore.password"
                                                                  : "ssl.truststore.location",
                                          "%s", err);
                        } else {
                                /* Like Java's trust managers: trusted certificates, and the leaf of key
                                 * entries. */
                                for (size_t i = 0; rc == 0 && i < ks.n; i++)
                                        if (ks.e[i].n_certs)
                                                rc = pem_der_cert(l, "ssl.truststore.location", &pem,
                                                                  &ks.e[i].certs[0]);
                                if (rc == 0 && !pem.len)
                                        rc = fail(l, "ssl.truststore.location", "holds no certificate");
                                ferry_jks_free(&ks);
                        }
                } else if (rc == 0) {
                        EVP_PKEY *pk = NULL;
                        X509 *cert = NULL;
                        STACK_OF(X509) *ca = NULL;
                        rc = p12_parse(l, "ssl.truststore.location", "ssl.truststore.password", &data, pw,
                                       &pk, &cert, &ca);
                        if (rc == 0) {
                                if (cert)
                                        pem_cert(&pem, cert);
                                for (int i = 0; ca && i < sk_X509_num(ca); i++)
                                        pem_cert(&pem, sk_X509_value(ca, i));
                                if (!pem.len)
                                        rc = fail(l, "ssl.truststore.location", "holds no certificate");
                        }
                        EVP_PKEY_free(pk);
                        X509_free(cert);
                        sk_X509_pop_free(ca, X509_free);
                }
        }
        if (rc == 0)
                out->ca_pem = take_text(&pem);
        ferry_buf_free(&pem);
        ferry_buf_free(&data);
        return rc;
}

/* The one private key of a JKS keystore and its chain. */
static int jks_keystore(ld_t *l, const ferry_buf_t *data, const char *pw, const char *key_pw,
                        ferry_buf_t *cert_pem, ferry_buf_t *key_pem)
{
        ferry_jks_t ks;
        char err[256];
        if (ferry_jks_parse((const unsigned char *)data->p, data->len, pw, &ks, err, sizeof(err)) < 0)
                return fail(l, strstr(err, "password") ? "ssl.keystore.password" : "ssl.keystore.location",
                            "%s", err);
        int rc = 0;
        const ferry_jks_entry_t *e = NULL;
        size_t keys = 0;
        for (size_t i = 0; i < ks.n; i++)
                if (ks.e[i].private_key && keys++ == 0)
                        e = &ks.e[i];
        if (keys != 1)
                rc = fail(l, "ssl.keystore.location",
                          "holds %zu private keys; a client keystore needs exactly one", keys);
        unsigned char *der = NULL;
        size_t dl = 0;
        if (rc == 0 && ferry_jks_key_decrypt(e, key_pw ? key_pw : pw, &der, &dl, err, sizeof(err)) < 0)
                rc = fail(l, key_pw ? "ssl.key.password" : "ssl.keystore.password", "%s", err);
        if (rc == 0) {
                const unsigned char *p = der;
                PKCS8_PRIV_KEY_INFO *p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)dl);
                EVP_PKEY *pk = p8 ? EVP_PKCS82PKEY(p8) : NULL;
                if (!pk)
                        rc = fail(l, "ssl.keystore.location", "cannot read the private key: %s", ssl_error());
                else
                        rc = pem_key(l, "ssl.keystore.location", key_pem, pk);
                EVP_PKEY_free(pk);
                PKCS8_PRIV_KEY_INFO_free(p8);
        }
        if (der)
                OPENSSL_cleanse(der, dl);
        free(der);
        for (size_t i = 0; rc == 0 && e && i < e->n_certs; i++)
                rc = pem_der_cert(l, "ssl.keystore.location", cert_pem, &e->certs[i]);
        ferry_jks_free(&ks);
        return rc;
}

static int keystore(ld_t *l, ferry_tls_pem_t *out)
{
        const ferry_tls_stores_t *in = l->in;
        const char *type = val(in->keystore_type), *loc = val(in->keystore_location),
                   *pw = val(in->keystore_password), *chain = val(in->keystore_certificate_chain),
                   *inline_key = val(in->keystore_key), *key_pw = val(in->key_password);
        if (!loc && !chain && !inline_key) {
                if (pw)
                        return fail(l, "ssl.keystore.password", "set without %s",
                                    name_of(l, "ssl.keystore.location"));
                return 0;
        }
        if (loc && (chain || inline_key))
                return fail(l, chain ? "ssl.keystore.certificate.chain" : "ssl.keystore.key",
                            "set together with %s", name_of(l, "ssl.keystore.location"));
        if (!loc && (!chain || !inline_key))
                return fail(l, chain ? "ssl.keystore.certificate.chain" : "ssl.keystore.key",
                            "needs both ssl.keystore.certificate.chain and ssl.keystore.key");
        ferry_buf_t cert_pem, key_pem, data;
        ferry_buf_init(&cert_pem);
        ferry_buf_init(&key_pem);
        ferry_buf_init(&data);
        int rc = 0;
        if (!loc) {
                if (type && strcasecmp(type, "PEM"))
                        rc = fail(l, "ssl.keystore.key", "needs %s=PEM", name_of(l, "ssl.keystore.type"));
                if (rc == 0 &&
                    pem_certs(l, "ssl.keystore.certificate.chain", chain, strlen(chain), &cert_pem) < 0)
                        rc = -1;
                if (rc == 0)
                        rc = pem_private_key(l, "ssl.keystore.key", "ssl.key.password", inline_key,
                                             strlen(inline_key), key_pw, &key_pem);
        } else {
                store_type_t st = ST_JKS;
                rc = read_file(l, "ssl.keystore.location", loc, &data);
                if (rc == 0)
                        rc = store_type(l, "ssl.keystore.type", "ssl.keystore.location", type, &data, &st);
                if (rc == 0 && st == ST_PEM) {
                        if (pem_certs(l, "ssl.keystore.location", data.p, data.len, &cert_pem) < 0)
                                rc = -1;
                        else
                                rc = pem_private_key(l, "ssl.keystore.location", "ssl.key.password", data.p,
                                                     data.len, key_pw, &key_pem);
                } else if (rc == 0 && st == ST_JKS) {
                        rc = jks_keystore(l, &data, pw, key_pw, &cert_pem, &key_pem);
                } else if (rc == 0) {
                        EVP_PKEY *pk = NULL;
                        X509 *cert = NULL;
                        STACK_OF(X509) *ca = NULL;
                        rc = p12_parse(l, "ssl.keystore.location", "ssl.keystore.password", &data, pw, &pk,
                                       &cert, &ca);
                        if (rc == 0 && (!pk || !cert))
                                rc = fail(l, "ssl.keystore.location",
                                          "holds no private key with its certificate");
                        if (rc == 0) {
                                pem_cert(&cert_pem, cert);
                                for (int i = 0; ca && i < sk_X509_num(ca); i++)
                                        pem_cert(&cert_pem, sk_X509_value(ca, i));
                                rc = pem_key(l, "ssl.keystore.location", &key_pem, pk);
                        }
                        EVP_PKEY_free(pk);
                        X509_free(cert);
                        sk_X509_pop_free(ca, X509_free);
                }
        }
        if (rc == 0) {
                out->cert_pem = take_text(&cert_pem);
                out->key_pem = take_text(&key_pem);
        }
        if (key_pem.p)
                OPENSSL_cleanse(key_pem.p, key_pem.len);
        if (data.p)
                OPENSSL_cleanse(data.p, data.len);
        ferry_buf_free(&cert_pem);
        ferry_buf_free(&key_pem);
        ferry_buf_free(&data);
        return rc;
}

int ferry_tls_stores_load(const ferry_tls_stores_t *in, ferry_tls_pem_t *out, char *errstr,
                          size_t errstr_size)
{
        memset(out, 0, sizeof(*out));
        ld_t l = {.in = in, .errstr = errstr, .errstr_size = errstr_size};
        if (truststore(&l, out) < 0 || keystore(&l, out) < 0) {
                ferry_tls_pem_free(out);
                return -1;
        }
        return 0;
}

void ferry_tls_pem_free(ferry_tls_pem_t *pem)
{
        if (!pem)
                return;
        if (pem->key_pem)
                OPENSSL_cleanse(pem->key_pem, strlen(pem->key_pem));
        free(pem->ca_pem);
        free(pem->cert_pem);
        free(pem->key_pem);
        memset(pem, 0, sizeof(*pem));
}
