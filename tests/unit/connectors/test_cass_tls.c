/* Unit tests of the Cassandra sinks' trust and key stores (worker/connectors/cassandra/cass_tls.c)
 * and the CQL client's OpenSSL context built from them (shared/cql/cql_tls.c): the JKS vector of
 * tests/unit/jks_vector.h and a PKCS12 key store made with the openssl command line, under the
 * DataStax and the Lenses keys, and the errors naming the key at fault. */
#include "../jks_vector.h"
#include "cassandra/cass_tls.h"
#include "shared/cql/cql_session.h"

#include <criterion/criterion.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char dir[64];
static char jks[128], p12[128];

static void setup(void)
{
        snprintf(dir, sizeof dir, "/tmp/ferry-cass-tls.XXXXXX");
        cr_assert_not_null(mkdtemp(dir));
        snprintf(jks, sizeof jks, "%s/test.jks", dir);
        snprintf(p12, sizeof p12, "%s/ks.p12", dir);
        FILE *f = fopen(jks, "wb");
        cr_assert_not_null(f);
        cr_assert_eq(fwrite(jks_vector, 1, jks_vector_len, f), jks_vector_len);
        fclose(f);
        char cmd[1024];
        snprintf(cmd, sizeof cmd,
                 "cd %s && openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 2 "
                 "-subj /CN=cass-client >/dev/null 2>&1 && "
                 "openssl pkcs12 -export -in cert.pem -inkey key.pem -passout pass:storepw -out ks.p12",
                 dir);
        cr_assert_eq(system(cmd), 0, "openssl could not make the test stores");
}

static void teardown(void)
{
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        cr_assert_eq(system(cmd), 0);
}

TestSuite(cass_tls, .init = setup, .fini = teardown);

static int store_size(SSL_CTX *ctx)
{
        STACK_OF(X509_OBJECT) *objs = X509_STORE_get0_objects(SSL_CTX_get_cert_store(ctx));
        return sk_X509_OBJECT_num(objs);
}

Test(cass_tls, datastax_jks_truststore_loads_into_the_context)
{
        cass_tls_stores_t in = {.truststore_path = jks, .truststore_password = "storepass"};
        ferry_tls_pem_t pem;
        char err[512] = "";
        cr_assert_eq(cass_tls_load(CASS_TLS_DATASTAX, &in, &pem, err, sizeof err), 0, "%s", err);
        cr_assert_not_null(pem.ca_pem);
        cr_assert_null(pem.key_pem);
        cql_options_t o = {.tls = true, .ca_pem = pem.ca_pem};
        SSL_CTX *ctx = cql_tls_ctx_new(&o, err, sizeof err);
        cr_assert_not_null(ctx, "%s", err);
        /* the CA entry and the leaf of the key entry, as Java's trust manager takes them */
        cr_assert_geq(store_size(ctx), 1);
        SSL_CTX_free(ctx);
        ferry_tls_pem_free(&pem);
}

Test(cass_tls, datastax_wrong_truststore_password_names_the_key)
{
        cass_tls_stores_t in = {.truststore_path = jks, .truststore_password = "nope"};
        ferry_tls_pem_t pem;
        char err[512] = "";
        cr_assert_eq(cass_tls_load(CASS_TLS_DATASTAX, &in, &pem, err, sizeof err), -1);
        cr_assert(!strncmp(err, "ssl.truststore.password: ", 25), "%s", err);
        cr_assert_null(strstr(err, "nope"), "%s", err);
}

/* DataStax unlocks the key entry with ssl.keystore.password: the vector's key has its own password. */
Test(cass_tls, datastax_jks_keystore_key_password_names_the_keystore_password)
{
        cass_tls_stores_t in = {.keystore_path = jks, .keystore_password = "storepass"};
        ferry_tls_pem_t pem;
        char err[512] = "";
        cr_assert_eq(cass_tls_load(CASS_TLS_DATASTAX, &in, &pem, err, sizeof err), -1);
        cr_assert(!strncmp(err, "ssl.keystore.password: ", 23), "%s", err);
}

Test(cass_tls, lenses_pkcs12_keystore_gives_the_client_certificate)
{
        cass_tls_stores_t in = {.truststore_path = jks,
                                .truststore_password = "storepass",
                                .truststore_type = "JKS",
                                .keystore_path = p12,
                                .keystore_password = "storepw",
                                .keystore_type = "PKCS12"};
        ferry_tls_pem_t pem;
        char err[512] = "";
        cr_assert_eq(cass_tls_load(CASS_TLS_LENSES, &in, &pem, err, sizeof err), 0, "%s", err);
        cr_assert_not_null(pem.cert_pem);
        cr_assert_not_null(pem.key_pem);
        cql_options_t o = {
                .tls = true, .ca_pem = pem.ca_pem, .cert_pem = pem.cert_pem, .key_pem = pem.key_pem};
        SSL_CTX *ctx = cql_tls_ctx_new(&o, err, sizeof err);
        cr_assert_not_null(ctx, "%s", err);
        X509 *leaf = SSL_CTX_get0_certificate(ctx);
        cr_assert_not_null(leaf);
        char cn[64] = "";
        X509_NAME_get_text_by_NID(X509_get_subject_name(leaf), NID_commonName, cn, sizeof cn);
        cr_assert_str_eq(cn, "cass-client");
        cr_assert_eq(SSL_CTX_check_private_key(ctx), 1);
        SSL_CTX_free(ctx);
        ferry_tls_pem_free(&pem);
}

Test(cass_tls, lenses_wrong_keystore_password_and_declared_type)
{
        cass_tls_stores_t in = {.keystore_path = p12, .keystore_password = "bad"};
        ferry_tls_pem_t pem;
        char err[512] = "";
        cr_assert_eq(cass_tls_load(CASS_TLS_LENSES, &in, &pem, err, sizeof err), -1);
        cr_assert(!strncmp(err, "connect.cassandra.key.store.password: ", 38), "%s", err);
        /* a JKS file declared PKCS12 */
        cass_tls_stores_t t = {
                .truststore_path = jks, .truststore_password = "storepass", .truststore_type = "PKCS12"};
        cr_assert_eq(cass_tls_load(CASS_TLS_LENSES, &t, &pem, err, sizeof err), -1);
        cr_assert(!strncmp(err, "connect.cassandra.trust.store.", 30), "%s", err);
}

Test(cass_tls, validate_puts_the_error_under_its_key)
{
        cass_tls_stores_t in = {.truststore_path = "/nonexistent/ts.p12"};
        ferry_cfg_errors_t errs;
        ferry_cfg_errors_init(&errs);
        cass_tls_validate(CASS_TLS_DATASTAX, &in, &errs);
        cr_assert_eq(errs.n, 1);
        cr_assert_str_eq(errs.e[0].key, "ssl.truststore.path");
        ferry_cfg_errors_free(&errs);
}

Test(cass_tls, context_refuses_text_without_certificates)
{
        char err[512] = "";
        cql_options_t o = {.tls = true, .ca_pem = "not a certificate"};
        cr_assert_null(cql_tls_ctx_new(&o, err, sizeof err));
        cr_assert(strstr(err, "CA certificates"), "%s", err);
}
