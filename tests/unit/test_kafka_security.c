/* Unit tests for kafka/kafka_security.c: the JAAS parser (Java's syntax, quoting, escapes,
 * comments, errors that never show values), and the translation of Java client security keys into
 * librdkafka's through the config layers (worker, prefix, override): SASL logins, OAUTHBEARER,
 * trust and key stores in JKS, PKCS12 and PEM (files made here with OpenSSL, or the keytool vector
 * of jks_vector.h), endpoint identification, protocols, cipher suites and refused keys. */
#include <criterion/criterion.h>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jks_vector.h"
#include "kafka/kafka_security.h"

static char err[512];
static ferry_strmap_t out, names;

/* ------------------------------------------------------------------ JAAS */

Test(jaas, parses_the_usual_form)
{
        ferry_jaas_t j;
        cr_assert_eq(ferry_jaas_parse("org.apache.kafka.common.security.scram.ScramLoginModule required "
                                      "username=\"connect\" password=\"s3cret\";",
                                      &j, err, sizeof(err)),
                     0, "%s", err);
        cr_assert_str_eq(j.login_module, "org.apache.kafka.common.security.scram.ScramLoginModule");
        cr_assert_str_eq(j.flag, "required");
        cr_assert_str_eq(ferry_strmap_get(&j.options, "username"), "connect");
        cr_assert_str_eq(ferry_strmap_get(&j.options, "password"), "s3cret");
        ferry_jaas_free(&j);
}

Test(jaas, takes_quotes_escapes_comments_and_bare_words)
{
        ferry_jaas_t j;
        const char *text = "  /* login */ PlainLoginModule   REQUIRED\n"
                           "    username=bare-word_1 // the user\n"
                           "    password=\"a \\\"quoted\\\" \\\\ pass;word=\"\n"
                           "    other='single \\n quoted' octal=\"\\101\\0611\";  ";
        cr_assert_eq(ferry_jaas_parse(text, &j, err, sizeof(err)), 0, "%s", err);
        cr_assert_str_eq(j.login_module, "PlainLoginModule");
        cr_assert_str_eq(j.flag, "REQUIRED");
        cr_assert_str_eq(ferry_strmap_get(&j.options, "username"), "bare-word_1");
        cr_assert_str_eq(ferry_strmap_get(&j.options, "password"), "a \"quoted\" \\ pass;word=");
        cr_assert_str_eq(ferry_strmap_get(&j.options, "other"), "single \n quoted");
        cr_assert_str_eq(ferry_strmap_get(&j.options, "octal"), "A11");
        ferry_jaas_free(&j);
}

Test(jaas, refuses_malformed_text_without_showing_values)
{
        static const char *const bad[] = {
                "",
                "PlainLoginModule;",
                "PlainLoginModule mandatory username=\"u\";",
                "PlainLoginModule required username=\"u\" password=\"topsecret\"",
                "PlainLoginModule required username \"u\";",
                "PlainLoginModule required password=\"topsecret;",
                "PlainLoginModule required password=;",
                "PlainLoginModule required; ScramLoginModule required;",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                ferry_jaas_t j;
                cr_assert_eq(ferry_jaas_parse(bad[i], &j, err, sizeof(err)), -1, "accepted: %s", bad[i]);
                cr_assert(err[0]);
                cr_assert_null(strstr(err, "topsecret"), "error shows the value: %s", err);
                cr_assert_null(j.login_module);
        }
        ferry_jaas_t j;
        ferry_jaas_parse("PlainLoginModule required; ScramLoginModule required;", &j, err, sizeof(err));
        cr_assert(strstr(err, "exactly one"), "%s", err);
}

/* ------------------------------------------------------------------ translation */

/* Translates one layer (origin "") or two (worker, then "producer.override."). */
static int translate2(const ferry_strmap_t *worker, const ferry_strmap_t *override)
{
        ferry_kafka_layer_t layers[] = {{worker, ""}, {override, "producer.override."}};
        ferry_strmap_free(&out);
        ferry_strmap_free(&names);
        err[0] = '\0';
        return ferry_kafka_client_props(layers, override ? 2 : 1, &out, &names, err, sizeof(err));
}

static ferry_strmap_t in;

static void setup(void)
{
        ferry_strmap_init(&in);
        ferry_strmap_init(&out);
        ferry_strmap_init(&names);
}

static void teardown(void)
{
        ferry_strmap_free(&in);
        ferry_strmap_free(&out);
        ferry_strmap_free(&names);
}

TestSuite(translate, .init = setup, .fini = teardown);

static int translate(void)
{
        return translate2(&in, NULL);
}

static void expect_error(const char *key_named, const char *text)
{
        cr_assert_eq(translate(), -1, "accepted");
        cr_assert(!strncmp(err, key_named, strlen(key_named)) && err[strlen(key_named)] == ':',
                  "error does not start with %s: %s", key_named, err);
        if (text)
                cr_assert(strstr(err, text), "error lacks '%s': %s", text, err);
}

Test(translate, scram_login_becomes_username_and_password)
{
        ferry_strmap_set(&in, "security.protocol", "SASL_SSL");
        ferry_strmap_set(&in, "sasl.mechanism", "SCRAM-SHA-512");
        ferry_strmap_set(
                &in, "sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"connect\" "
                "password=\"s3cret\";");
        cr_assert_eq(translate(), 0, "%s", err);
        cr_assert_str_eq(ferry_strmap_get(&out, "sasl.username"), "connect");
        cr_assert_str_eq(ferry_strmap_get(&out, "sasl.password"), "s3cret");
        cr_assert_str_eq(ferry_strmap_get(&out, "sasl.mechanism"), "SCRAM-SHA-512");
        cr_assert_str_eq(ferry_strmap_get(&out, "security.protocol"), "SASL_SSL");
        cr_assert_null(ferry_strmap_get(&out, "sasl.jaas.config"));
        cr_assert_str_eq(ferry_strmap_get(&names, "sasl.password"), "sasl.jaas.config");
}

Test(translate, override_layer_wins_and_is_named)
{
        ferry_strmap_t ov;
        ferry_strmap_init(&ov);
        ferry_strmap_set(&in, "security.protocol", "SASL_SSL");
        ferry_strmap_set(&in, "sasl.mechanism", "SCRAM-SHA-256");
        ferry_strmap_set(&in, "sasl.jaas.config", "ScramLoginModule required username=\"a\" password=\"b\";");
        ferry_strmap_set(&ov, "sasl.mechanism", "PLAIN");
        ferry_strmap_set(&ov, "sasl.jaas.config", "PlainLoginModule required username=\"c\" password=\"d\";");
        cr_assert_eq(translate2(&in, &ov), 0, "%s", err);
        cr_assert_str_eq(ferry_strmap_get(&out, "sasl.username"), "c");
        cr_assert_str_eq(ferry_strmap_get(&out, "sasl.mechanism"), "PLAIN");
        cr_assert_str_eq(ferry_strmap_get(&names, "sasl.username"), "producer.override.sasl.jaas.config");
        /* An override's bad value is named with its prefix. */
        ferry_strmap_set(&ov, "sasl.jaas.config", "PlainLoginModule required username=\"c\";");
        cr_assert_eq(translate2(&in, &ov), -1);
        cr_assert(!strncmp(err, "producer.override.sasl.jaas.config: ",
                           strlen("producer.override.sasl.jaas.config: ")),
                  "%s", err);
        ferry_strmap_free(&ov);
}

Test(translate, login_module_must_fit_the_mechanism)
{
        ferry_strmap_set(&in, "sasl.mechanism", "PLAIN");
        ferry_strmap_set(&in, "sasl.jaas.config",
                         "ScramLoginModule required username=\"a\" password=\"pw1\";");
        expect_error("sasl.jaas.config", "does not go with sasl.mechanism=PLAIN");
        cr_assert_null(strstr(err, "pw1"));
}

Test(translate, unknown_login_module_and_options_are_refused)
{
        ferry_strmap_set(&in, "sasl.mechanism", "PLAIN");
        ferry_strmap_set(&in, "sasl.jaas.config", "com.example.MyLogin required user=\"a\";");
        expect_error("sasl.jaas.config", "com.example.MyLogin is not supported");
        ferry_strmap_set(&in, "sasl.jaas.config",
                         "PlainLoginModule required username=\"a\" password=\"b\" tokenauth=\"true\";");
        expect_error("sasl.jaas.config", "option tokenauth");
}

Test(translate, oauthbearer_with_a_token_endpoint_is_oidc)
{
        ferry_strmap_set(&in, "sasl.mechanism", "OAUTHBEARER");
        ferry_strmap_set(&in, "sasl.oauthbearer.token.endpoint.url", "https://idp.example/token");
        ferry_strmap_set(&in, "sasl.login.callback.handler.class",
                         "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler");
        ferry_strmap_set(&in, "sasl.jaas.config",
                         "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required "
                         "clientId=\"ferry\" clientSecret=\"xyz\" scope=\"kafka\" extension_tenant=\"t1\";");
        cr_assert_eq(translate(), 0, "%s", err);
        cr_assert_str_eq(ferry_strmap_get(&out, "sasl.oauthbearer.method"), "oidc");
        cr_assert_str_eq(ferry_strmap_get(&out, "sasl.oauthbearer.client.id"), "ferry");
        cr_assert_str_eq(ferry_strmap_get(&out, "sasl.oauthbearer.client.secret"), "xyz");
        cr_assert_str_eq(ferry_strmap_get(&out, "sasl.oauthbearer.scope"), "kafka");
        cr_assert_str_eq(ferry_strmap_get(&out, "sasl.oauthbearer.extensions"), "tenant=t1");
        cr_assert_str_eq(ferry_strmap_get(&out, "sasl.oauthbearer.token.endpoint.url"),
                         "https://idp.example/token");
        cr_assert_null(ferry_strmap_get(&out, "sasl.login.callback.handler.class"));
}

Test(translate, oauthbearer_needs_its_handler_and_endpoint)
{
        ferry_strmap_set(&in, "sasl.mechanism", "OAUTHBEARER");
        ferry_strmap_set(&in, "sasl.oauthbearer.token.endpoint.url", "https://idp.example/token");
        ferry_strmap_set(&in, "sasl.jaas.config",
                         "OAuthBearerLoginModule required clientId=\"a\" clientSecret=\"b\";");
        expect_error("sasl.oauthbearer.token.endpoint.url", "sasl.login.callback.handler.class");
        ferry_strmap_set(&in, "sasl.login.callback.handler.class", "com.example.Handler");
        expect_error("sasl.login.callback.handler.class", "com.example.Handler");
        ferry_strmap_set(&in, "sasl.login.callback.handler.class",
                         "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler");
        ferry_strmap_set(&in, "sasl.oauthbearer.token.endpoint.url", "file:///run/secrets/token.jwt");
        expect_error("sasl.oauthbearer.token.endpoint.url", "file: URL");
}

Test(translate, oauthbearer_unsecured_token)
{
        ferry_strmap_set(&in, "sasl.mechanism", "OAUTHBEARER");
        ferry_strmap_set(&in, "sasl.jaas.config",
                         "OAuthBearerLoginModule required unsecuredLoginStringClaim_sub=\"alice\" "
                         "unsecuredLoginLifetimeSeconds=\"60\";");
        cr_assert_eq(translate(), 0, "%s", err);
        cr_assert_str_eq(ferry_strmap_get(&out, "sasl.oauthbearer.config"), "principal=alice lifeSeconds=60");
        cr_assert_str_eq(ferry_strmap_get(&out, "enable.sasl.oauthbearer.unsecure.jwt"), "true");
}

Test(translate, kerberos_login_module)
{
        ferry_strmap_set(&in, "security.protocol", "SASL_PLAINTEXT");
        ferry_strmap_set(&in, "sasl.mechanism", "GSSAPI");
        ferry_strmap_set(&in, "sasl.kerberos.service.name", "kafka");
        ferry_strmap_set(&in, "sasl.jaas.config",
                         "com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true storeKey=true "
                         "keyTab=\"/etc/connect.keytab\" principal=\"connect@EXAMPLE.COM\";");
        ferry_strmap_set(&in, "sasl.kerberos.kinit.cmd", "/usr/bin/kinit");
        cr_assert_eq(translate(), 0, "%s", err); /* this librdkafka has GSSAPI */
        cr_assert_str_eq(ferry_strmap_get(&out, "sasl.kerberos.keytab"), "/etc/connect.keytab");
        cr_assert_str_eq(ferry_strmap_get(&out, "sasl.kerberos.principal"), "connect@EXAMPLE.COM");
        cr_assert(!strncmp(ferry_strmap_get(&out, "sasl.kerberos.kinit.cmd"), "/usr/bin/kinit -R -t ", 21));
}

Test(translate, librdkafka_names_pass_through)
{
        ferry_strmap_set(&in, "security.protocol", "sasl_ssl");
        ferry_strmap_set(&in, "sasl.mechanisms", "PLAIN");
        ferry_strmap_set(&in, "sasl.username", "u");
        ferry_strmap_set(&in, "sasl.password", "p");
        ferry_strmap_set(&in, "ssl.ca.location", "/etc/ssl/ca.pem");
        ferry_strmap_set(&in, "ssl.key.password", "kp");
        cr_assert_eq(translate(), 0, "%s", err);
        cr_assert_eq(out.n, 6);
        cr_assert_str_eq(ferry_strmap_get(&out, "ssl.key.password"), "kp");
}

Test(translate, endpoint_identification)
{
        ferry_strmap_set(&in, "ssl.endpoint.identification.algorithm", "");
        cr_assert_eq(translate(), 0, "%s", err);
        cr_assert_str_eq(ferry_strmap_get(&out, "ssl.endpoint.identification.algorithm"), "none");
        ferry_strmap_set(&in, "ssl.endpoint.identification.algorithm", "HTTPS");
        cr_assert_eq(translate(), 0, "%s", err);
        cr_assert_str_eq(ferry_strmap_get(&out, "ssl.endpoint.identification.algorithm"), "https");
        ferry_strmap_set(&in, "ssl.endpoint.identification.algorithm", "ldaps");
        expect_error("ssl.endpoint.identification.algorithm", NULL);
}

Test(translate, protocols_and_defaults_only_keys)
{
        ferry_strmap_set(&in, "ssl.enabled.protocols", "TLSv1.3,TLSv1.2");
        ferry_strmap_set(&in, "ssl.protocol", "TLSv1.3");
        ferry_strmap_set(&in, "ssl.keymanager.algorithm", "SunX509");
        ferry_strmap_set(&in, "ssl.trustmanager.algorithm", "PKIX");
        ferry_strmap_set(&in, "sasl.login.refresh.window.factor", "0.8");
        cr_assert_eq(translate(), 0, "%s", err);
        cr_assert_eq(out.n, 0, "Java-only keys left in the librdkafka config");
        ferry_strmap_set(&in, "ssl.enabled.protocols", "TLSv1.3");
        expect_error("ssl.enabled.protocols", "cannot be honoured");
        ferry_strmap_set(&in, "ssl.enabled.protocols", "TLSv1.2,TLSv1.3");
        ferry_strmap_set(&in, "ssl.keymanager.algorithm", "NewSunX509");
        expect_error("ssl.keymanager.algorithm", "cannot be honoured");
}

Test(translate, unknown_security_keys_and_java_classes_are_refused)
{
        ferry_strmap_set(&in, "ssl.trustore.location", "/x");
        expect_error("ssl.trustore.location", "not a security setting");
        ferry_strmap_clear(&in);
        ferry_strmap_set(&in, "ssl.engine.factory.class", "com.example.Engine");
        expect_error("ssl.engine.factory.class", NULL);
        ferry_strmap_clear(&in);
        ferry_strmap_set(&in, "sasl.client.callback.handler.class", "com.example.Cb");
        expect_error("sasl.client.callback.handler.class", NULL);
}

Test(translate, java_cipher_suite_names_become_openssl_names)
{
        ferry_strmap_set(&in, "ssl.cipher.suites",
                         "TLS_AES_128_GCM_SHA256,TLS_AES_256_GCM_SHA384,TLS_CHACHA20_POLY1305_SHA256,"
                         "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384");
        cr_assert_eq(translate(), 0, "%s", err);
        cr_assert_str_eq(ferry_strmap_get(&out, "ssl.cipher.suites"),
                         "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384");
        ferry_strmap_set(&in, "ssl.cipher.suites", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
        expect_error("ssl.cipher.suites", "TLS 1.3");
        ferry_strmap_set(&in, "ssl.cipher.suites", "ECDHE-RSA-AES128-GCM-SHA256:HIGH");
        cr_assert_eq(translate(), 0, "%s", err); /* librdkafka's own syntax */
        cr_assert_str_eq(ferry_strmap_get(&out, "ssl.cipher.suites"), "ECDHE-RSA-AES128-GCM-SHA256:HIGH");
}

/* ---- stores ---- */

static EVP_PKEY *new_key(void)
{
        return EVP_EC_gen("P-256");
}

static X509 *new_cert(EVP_PKEY *key, const char *cn)
{
        X509 *x = X509_new();
        ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
        X509_gmtime_adj(X509_getm_notBefore(x), 0);
        X509_gmtime_adj(X509_getm_notAfter(x), 3600);
        X509_set_pubkey(x, key);
        X509_NAME *n = X509_get_subject_name(x);
        X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
        X509_set_issuer_name(x, n);
        X509_sign(x, key, EVP_sha256());
        return x;
}

static char *bio_text(BIO *b)
{
        char *p;
        long n = BIO_get_mem_data(b, &p);
        char *s = strndup(p, (size_t)n);
        BIO_free(b);
        return s;
}

static char *cert_pem(X509 *x)
{
        BIO *b = BIO_new(BIO_s_mem());
        PEM_write_bio_X509(b, x);
        return bio_text(b);
}

static char *key_pem(EVP_PKEY *k, const char *password)
{
        BIO *b = BIO_new(BIO_s_mem());
        PEM_write_bio_PKCS8PrivateKey(b, k, password ? EVP_aes_256_cbc() : NULL, NULL, 0, NULL,
                                      (void *)password);
        return bio_text(b);
}

static char *temp_file(const void *data, size_t len)
{
        char *path = strdup("/tmp/ferry-test-store.XXXXXX");
        int fd = mkstemp(path);
        cr_assert(fd >= 0);
        cr_assert_eq(write(fd, data, len), (ssize_t)len);
        close(fd);
        return path;
}

/* The certificates of a PEM text, as CNs joined by ','. */
static void cns(const char *pem, char *outbuf, size_t size)
{
        BIO *b = BIO_new_mem_buf(pem, -1);
        X509 *x;
        outbuf[0] = '\0';
        while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL))) {
                char cn[64];
                X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof(cn));
                size_t l = strlen(outbuf);
                snprintf(outbuf + l, size - l, "%s%s", l ? "," : "", cn);
                X509_free(x);
        }
        BIO_free(b);
}

static void expect_key_of(const char *key_text, const char *cert_text)
{
        BIO *kb = BIO_new_mem_buf(key_text, -1), *cb = BIO_new_mem_buf(cert_text, -1);
        EVP_PKEY *k = PEM_read_bio_PrivateKey(kb, NULL, NULL, (void *)"");
        X509 *x = PEM_read_bio_X509(cb, NULL, NULL, NULL);
        cr_assert_not_null(k, "ssl.key.pem is not an unencrypted PEM key");
        cr_assert_not_null(x);
        cr_assert(X509_check_private_key(x, k));
        cr_assert_null(strstr(key_text, "ENCRYPTED"));
        EVP_PKEY_free(k);
        X509_free(x);
        BIO_free(kb);
        BIO_free(cb);
}

Test(translate, jks_truststore_file)
{
        char *path = temp_file(jks_vector, jks_vector_len), names_buf[256];
        ferry_strmap_set(&in, "ssl.truststore.location", path);
        ferry_strmap_set(&in, "ssl.truststore.password", "storepass");
        cr_assert_eq(translate(), 0, "%s", err);
        cns(ferry_strmap_get(&out, "ssl.ca.pem"), names_buf, sizeof(names_buf));
        /* The trusted entry and the leaf of the key entry, as Java's trust manager takes them. */
        cr_assert(!strcmp(names_buf, "jks-test-ca,jks-test-client") ||
                          !strcmp(names_buf, "jks-test-client,jks-test-ca"),
                  "%s", names_buf);
        cr_assert_null(ferry_strmap_get(&out, "ssl.truststore.location"));
        cr_assert_null(ferry_strmap_get(&out, "ssl.truststore.password"));
        cr_assert_str_eq(ferry_strmap_get(&names, "ssl.ca.pem"), "ssl.truststore.location");
        ferry_strmap_set(&in, "ssl.truststore.password", "wrong");
        expect_error("ssl.truststore.password", "password was incorrect");
        ferry_strmap_set(&in, "ssl.truststore.type", "PKCS12");
        ferry_strmap_set(&in, "ssl.truststore.password", "storepass");
        expect_error("ssl.truststore.location", "not a PKCS12 file");
        ferry_strmap_set(&in, "ssl.truststore.type", "JKS");
        ferry_strmap_set(&in, "ssl.truststore.location", "/nonexistent/truststore.jks");
        expect_error("ssl.truststore.location", "cannot read /nonexistent/truststore.jks");
        unlink(path);
        free(path);
}

Test(translate, jks_keystore_file)
{
        char *path = temp_file(jks_vector, jks_vector_len);
        ferry_strmap_set(&in, "ssl.keystore.location", path);
        ferry_strmap_set(&in, "ssl.keystore.password", "storepass");
        ferry_strmap_set(&in, "ssl.key.password", "keypass");
        cr_assert_eq(translate(), 0, "%s", err);
        char buf[128];
        cns(ferry_strmap_get(&out, "ssl.certificate.pem"), buf, sizeof(buf));
        cr_assert_str_eq(buf, "jks-test-client");
        expect_key_of(ferry_strmap_get(&out, "ssl.key.pem"), ferry_strmap_get(&out, "ssl.certificate.pem"));
        cr_assert_null(ferry_strmap_get(&out, "ssl.key.password"));
        cr_assert_null(ferry_strmap_get(&out, "ssl.keystore.location"));
        ferry_strmap_set(&in, "ssl.key.password", "storepass");
        expect_error("ssl.key.password", "wrong key password");
        unlink(path);
        free(path);
}

Test(translate, pkcs12_keystore_and_truststore_files)
{
        EVP_PKEY *ca_key = new_key(), *key = new_key();
        X509 *ca = new_cert(ca_key, "p12-ca"), *cert = new_cert(key, "p12-client");
        PKCS12 *p12 = PKCS12_create("p12pass", "client", key, cert, NULL, 0, 0, 0, 0, 0);
        unsigned char *der = NULL;
        int dl = i2d_PKCS12(p12, &der);
        char *ks = temp_file(der, (size_t)dl);
        OPENSSL_free(der);
        PKCS12_free(p12);
        STACK_OF(X509) *cas = sk_X509_new_null();
        sk_X509_push(cas, ca);
        p12 = PKCS12_create("trustpass", NULL, NULL, NULL, cas, 0, 0, 0, 0, 0);
        der = NULL;
        dl = i2d_PKCS12(p12, &der);
        char *ts = temp_file(der, (size_t)dl);
        OPENSSL_free(der);
        PKCS12_free(p12);
        sk_X509_free(cas);

        ferry_strmap_set(&in, "ssl.keystore.type", "PKCS12");
        ferry_strmap_set(&in, "ssl.keystore.location", ks);
        ferry_strmap_set(&in, "ssl.keystore.password", "p12pass");
        ferry_strmap_set(&in, "ssl.truststore.type", "PKCS12");
        ferry_strmap_set(&in, "ssl.truststore.location", ts);
        ferry_strmap_set(&in, "ssl.truststore.password", "trustpass");
        cr_assert_eq(translate(), 0, "%s", err);
        char buf[128];
        cns(ferry_strmap_get(&out, "ssl.ca.pem"), buf, sizeof(buf));
        cr_assert_str_eq(buf, "p12-ca");
        cns(ferry_strmap_get(&out, "ssl.certificate.pem"), buf, sizeof(buf));
        cr_assert_str_eq(buf, "p12-client");
        expect_key_of(ferry_strmap_get(&out, "ssl.key.pem"), ferry_strmap_get(&out, "ssl.certificate.pem"));
        ferry_strmap_set(&in, "ssl.keystore.password", "nope");
        expect_error("ssl.keystore.password", "password was incorrect");
        unlink(ks);
        unlink(ts);
        free(ks);
        free(ts);
        X509_free(ca);
        X509_free(cert);
        EVP_PKEY_free(ca_key);
        EVP_PKEY_free(key);
}

Test(translate, pem_stores_inline_and_in_files)
{
        EVP_PKEY *ca_key = new_key(), *key = new_key();
        X509 *ca = new_cert(ca_key, "pem-ca"), *cert = new_cert(key, "pem-client");
        char *ca_text = cert_pem(ca), *cert_text = cert_pem(cert), *enc_key = key_pem(key, "kpw");
        ferry_strmap_set(&in, "ssl.truststore.type", "PEM");
        ferry_strmap_set(&in, "ssl.truststore.certificates", ca_text);
        ferry_strmap_set(&in, "ssl.keystore.type", "PEM");
        ferry_strmap_set(&in, "ssl.keystore.certificate.chain", cert_text);
        ferry_strmap_set(&in, "ssl.keystore.key", enc_key);
        ferry_strmap_set(&in, "ssl.key.password", "kpw");
        cr_assert_eq(translate(), 0, "%s", err);
        char buf[128];
        cns(ferry_strmap_get(&out, "ssl.ca.pem"), buf, sizeof(buf));
        cr_assert_str_eq(buf, "pem-ca");
        expect_key_of(ferry_strmap_get(&out, "ssl.key.pem"), ferry_strmap_get(&out, "ssl.certificate.pem"));
        ferry_strmap_set(&in, "ssl.key.password", "wrong");
        expect_error("ssl.key.password", "cannot decrypt");
        ferry_strmap_unset(&in, "ssl.key.password");
        expect_error("ssl.keystore.key", "ssl.key.password is not set");

        /* The same as files: a keystore file holds the key and its chain. */
        ferry_strmap_clear(&in);
        size_t kl = strlen(enc_key), cl = strlen(cert_text);
        char *both = malloc(kl + cl + 1);
        memcpy(both, enc_key, kl);
        memcpy(both + kl, cert_text, cl + 1);
        char *ks = temp_file(both, kl + cl), *ts = temp_file(ca_text, strlen(ca_text));
        ferry_strmap_set(&in, "ssl.keystore.location", ks); /* type found from the content */
        ferry_strmap_set(&in, "ssl.key.password", "kpw");
        ferry_strmap_set(&in, "ssl.truststore.location", ts);
        cr_assert_eq(translate(), 0, "%s", err);
        cns(ferry_strmap_get(&out, "ssl.ca.pem"), buf, sizeof(buf));
        cr_assert_str_eq(buf, "pem-ca");
        expect_key_of(ferry_strmap_get(&out, "ssl.key.pem"), ferry_strmap_get(&out, "ssl.certificate.pem"));
        ferry_strmap_set(&in, "ssl.ca.location", "/etc/ssl/ca.pem");
        expect_error("ssl.truststore.location", "ssl.ca.location");
        unlink(ks);
        unlink(ts);
        free(ks);
        free(ts);
        free(both);
        free(ca_text);
        free(cert_text);
        free(enc_key);
        X509_free(ca);
        X509_free(cert);
        EVP_PKEY_free(ca_key);
        EVP_PKEY_free(key);
}

/* A certificate for key signed by issuer (issuer_key). */
static X509 *signed_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key)
{
        X509 *x = new_cert(key, cn);
        X509_set_issuer_name(x, X509_get_subject_name(issuer));
        X509_sign(x, issuer_key, EVP_sha256());
        return x;
}

Test(translate, chain_intermediates_go_to_the_trust_store)
{
        EVP_PKEY *root_key = new_key(), *int_key = new_key(), *key = new_key();
        X509 *root = new_cert(root_key, "root"),
             *inter = signed_cert(int_key, "intermediate", root, root_key),
             *leaf = signed_cert(key, "leaf", inter, int_key);
        char *root_text = cert_pem(root), *int_text = cert_pem(inter), *leaf_text = cert_pem(leaf),
             *key_text = key_pem(key, NULL);
        size_t ll = strlen(leaf_text), il = strlen(int_text);
        char *chain = malloc(ll + il + 1);
        memcpy(chain, leaf_text, ll);
        memcpy(chain + ll, int_text, il + 1);
        ferry_strmap_set(&in, "ssl.truststore.type", "PEM");
        ferry_strmap_set(&in, "ssl.truststore.certificates", root_text);
        ferry_strmap_set(&in, "ssl.keystore.type", "PEM");
        ferry_strmap_set(&in, "ssl.keystore.certificate.chain", chain);
        ferry_strmap_set(&in, "ssl.keystore.key", key_text);
        cr_assert_eq(translate(), 0, "%s", err);
        char buf[128];
        cns(ferry_strmap_get(&out, "ssl.certificate.pem"), buf, sizeof(buf));
        cr_assert_str_eq(buf, "leaf");
        cns(ferry_strmap_get(&out, "ssl.ca.pem"), buf, sizeof(buf));
        cr_assert_str_eq(buf, "root,intermediate");
        cr_assert_str_eq(ferry_strmap_get(&names, "ssl.ca.pem"), "ssl.truststore.certificates");
        free(chain);
        free(root_text);
        free(int_text);
        free(leaf_text);
        free(key_text);
        X509_free(root);
        X509_free(inter);
        X509_free(leaf);
        EVP_PKEY_free(root_key);
        EVP_PKEY_free(int_key);
        EVP_PKEY_free(key);
}

Test(translate, errors_never_hold_passwords)
{
        char *path = temp_file(jks_vector, jks_vector_len);
        ferry_strmap_set(&in, "ssl.truststore.location", path);
        ferry_strmap_set(&in, "ssl.truststore.password", "Very-Secret-1");
        expect_error("ssl.truststore.password", NULL);
        cr_assert_null(strstr(err, "Very-Secret-1"));
        ferry_strmap_clear(&in);
        ferry_strmap_set(&in, "sasl.mechanism", "PLAIN");
        ferry_strmap_set(&in, "sasl.jaas.config",
                         "PlainLoginModule required username=\"u\" password=\"Very-Secret-1");
        expect_error("sasl.jaas.config", NULL);
        cr_assert_null(strstr(err, "Very-Secret-1"));
        unlink(path);
        free(path);
}
