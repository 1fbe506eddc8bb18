/* The OpenSSL context of a CQL connection (cql_conn.c): trust anchors and the client certificate
 * and key, from PEM text in memory (what <ferry/tls.h> makes of JKS, PKCS12 or PEM stores) or from
 * PEM files, plus the peer verification mode. Built once per connection before the handshake. */
#include "shared/cql/cql_session.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <stdio.h>
#include <string.h>

static void tls_err(const char *what, char *errstr, size_t errstr_size)
{
        unsigned long e = ERR_get_error();
        char buf[256] = "";
        if (e)
                ERR_error_string_n(e, buf, sizeof buf);
        snprintf(errstr, errstr_size, "%s%s%s", what, e ? ": " : "", buf);
        ERR_clear_error();
}

/* Adds every certificate of a PEM text to the context's trust store; -1 when there is none. */
static int load_ca_pem(SSL_CTX *ctx, const char *pem)
{
        BIO *bio = BIO_new_mem_buf(pem, -1);
        if (!bio)
                return -1;
        X509_STORE *st = SSL_CTX_get_cert_store(ctx);
        int n = 0;
        X509 *x;
        while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
                int ok = X509_STORE_add_cert(st, x);
                X509_free(x);
                if (ok != 1) {
                        BIO_free(bio);
                        return -1;
                }
                n++;
        }
        ERR_clear_error(); /* the end of the text */
        BIO_free(bio);
        return n > 0 ? 0 : -1;
}

/* The leaf certificate, then the rest of the chain, then the unencrypted key. */
static int load_cert_key_pem(SSL_CTX *ctx, const char *cert_pem, const char *key_pem)
{
        BIO *bio = BIO_new_mem_buf(cert_pem, -1);
        if (!bio)
                return -1;
        X509 *leaf = PEM_read_bio_X509(bio, NULL, NULL, NULL);
        int rc = leaf && SSL_CTX_use_certificate(ctx, leaf) == 1 ? 0 : -1;
        X509_free(leaf);
        X509 *x;
        while (rc == 0 && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
                if (SSL_CTX_add0_chain_cert(ctx, x) != 1) {
                        X509_free(x);
                        rc = -1;
                }
        BIO_free(bio);
        if (rc < 0)
                return -1;
        ERR_clear_error();
        bio = BIO_new_mem_buf(key_pem, -1);
        EVP_PKEY *pk = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
        BIO_free(bio);
        rc = pk && SSL_CTX_use_PrivateKey(ctx, pk) == 1 && SSL_CTX_check_private_key(ctx) == 1 ? 0 : -1;
        EVP_PKEY_free(pk);
        return rc;
}

SSL_CTX *cql_tls_ctx_new(const cql_options_t *o, char *errstr, size_t errstr_size)
{
        SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
        if (!ctx) {
                tls_err("SSL_CTX_new", errstr, errstr_size);
                return NULL;
        }
        SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
        if (o->no_verify) {
                SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
        } else {
                SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
                int rc = o->ca_pem    ? load_ca_pem(ctx, o->ca_pem)
                         : o->ca_file ? (SSL_CTX_load_verify_locations(ctx, o->ca_file, NULL) == 1 ? 0 : -1)
                                      : (SSL_CTX_set_default_verify_paths(ctx) == 1 ? 0 : -1);
                if (rc < 0) {
                        tls_err("cannot load the CA certificates", errstr, errstr_size);
                        SSL_CTX_free(ctx);
                        return NULL;
                }
        }
        int rc = 0;
        if (o->cert_pem && o->key_pem)
                rc = load_cert_key_pem(ctx, o->cert_pem, o->key_pem);
        else if (o->cert_file)
                rc = SSL_CTX_use_certificate_chain_file(ctx, o->cert_file) == 1 &&
                                     SSL_CTX_use_PrivateKey_file(ctx,
                                                                 o->key_file ? o->key_file : o->cert_file,
                                                                 SSL_FILETYPE_PEM) == 1
                             ? 0
                             : -1;
        if (rc < 0) {
                tls_err("cannot load the client certificate/key", errstr, errstr_size);
                SSL_CTX_free(ctx);
                return NULL;
        }
        return ctx;
}
