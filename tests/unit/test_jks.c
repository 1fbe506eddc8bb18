/* Unit tests for kafka/jks.c, the Java KeyStore reader: a keytool-made vector (jks_vector.h) read
 * with and without its store password, its private key recovered and matched to its certificate,
 * wrong passwords refused, and every truncation and byte flip refused without a crash. */
#include <criterion/criterion.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <stdlib.h>
#include <string.h>

#include "jks_vector.h"
#include "tls/jks.h"

static char err[256];

static const ferry_jks_entry_t *entry(const ferry_jks_t *ks, const char *alias)
{
        for (size_t i = 0; i < ks->n; i++)
                if (!strcmp(ks->e[i].alias, alias))
                        return &ks->e[i];
        return NULL;
}

static X509 *cert_of(const ferry_jks_blob_t *b)
{
        const unsigned char *p = b->der;
        return d2i_X509(NULL, &p, (long)b->len);
}

Test(jks, sniffs_the_magic)
{
        cr_assert(ferry_jks_sniff(jks_vector, jks_vector_len));
        static const unsigned char p12[] = {0x30, 0x82, 0x01, 0x00};
        cr_assert_not(ferry_jks_sniff(p12, sizeof(p12)));
        cr_assert_not(ferry_jks_sniff(jks_vector, 3));
}

Test(jks, reads_entries_with_the_store_password)
{
        ferry_jks_t ks;
        cr_assert_eq(ferry_jks_parse(jks_vector, jks_vector_len, "storepass", &ks, err, sizeof(err)), 0, "%s",
                     err);
        cr_assert_eq(ks.n, 2);
        const ferry_jks_entry_t *ca = entry(&ks, "ca"), *client = entry(&ks, "client");
        cr_assert_not_null(ca);
        cr_assert_not_null(client);
        cr_assert_not(ca->private_key);
        cr_assert(client->private_key);
        cr_assert_eq(ca->n_certs, 1);
        cr_assert_eq(client->n_certs, 1);
        X509 *x = cert_of(&ca->certs[0]);
        cr_assert_not_null(x);
        char cn[64];
        X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName, cn, sizeof(cn));
        cr_assert_str_eq(cn, "jks-test-ca");
        X509_free(x);
        ferry_jks_free(&ks);
}

Test(jks, skips_the_integrity_check_without_a_password)
{
        ferry_jks_t ks;
        cr_assert_eq(ferry_jks_parse(jks_vector, jks_vector_len, NULL, &ks, err, sizeof(err)), 0, "%s", err);
        cr_assert_eq(ks.n, 2);
        ferry_jks_free(&ks);
}

Test(jks, refuses_a_wrong_store_password)
{
        ferry_jks_t ks;
        cr_assert_eq(ferry_jks_parse(jks_vector, jks_vector_len, "changeit", &ks, err, sizeof(err)), -1);
        cr_assert_str_eq(err, "keystore was tampered with, or password was incorrect");
        cr_assert_eq(ks.n, 0);
}

Test(jks, recovers_the_private_key_of_the_certificate)
{
        ferry_jks_t ks;
        cr_assert_eq(ferry_jks_parse(jks_vector, jks_vector_len, "storepass", &ks, err, sizeof(err)), 0);
        const ferry_jks_entry_t *client = entry(&ks, "client");
        unsigned char *der = NULL;
        size_t len = 0;
        cr_assert_eq(ferry_jks_key_decrypt(client, "keypass", &der, &len, err, sizeof(err)), 0, "%s", err);
        const unsigned char *p = der;
        PKCS8_PRIV_KEY_INFO *p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)len);
        cr_assert_not_null(p8);
        EVP_PKEY *pk = EVP_PKCS82PKEY(p8);
        cr_assert_not_null(pk);
        X509 *x = cert_of(&client->certs[0]);
        cr_assert(X509_check_private_key(x, pk), "the key does not belong to the entry's certificate");
        X509_free(x);
        EVP_PKEY_free(pk);
        PKCS8_PRIV_KEY_INFO_free(p8);
        free(der);
        ferry_jks_free(&ks);
}

Test(jks, refuses_a_wrong_key_password)
{
        ferry_jks_t ks;
        cr_assert_eq(ferry_jks_parse(jks_vector, jks_vector_len, "storepass", &ks, err, sizeof(err)), 0);
        unsigned char *der = NULL;
        size_t len = 0;
        cr_assert_eq(ferry_jks_key_decrypt(entry(&ks, "client"), "storepass", &der, &len, err, sizeof(err)),
                     -1);
        cr_assert_null(der);
        cr_assert(strstr(err, "wrong key password"), "%s", err);
        cr_assert_eq(ferry_jks_key_decrypt(entry(&ks, "ca"), "keypass", &der, &len, err, sizeof(err)), -1);
        cr_assert(strstr(err, "holds no private key"), "%s", err);
        ferry_jks_free(&ks);
}

Test(jks, refuses_every_truncation)
{
        for (size_t n = 0; n < jks_vector_len; n++) {
                ferry_jks_t ks;
                cr_assert_eq(ferry_jks_parse(jks_vector, n, NULL, &ks, err, sizeof(err)), -1, "length %zu",
                             n);
                cr_assert_eq(ks.n, 0);
        }
}

Test(jks, notices_every_flipped_byte_with_the_password)
{
        unsigned char *copy = malloc(jks_vector_len);
        for (size_t i = 0; i < jks_vector_len; i++) {
                memcpy(copy, jks_vector, jks_vector_len);
                copy[i] ^= 0x01;
                ferry_jks_t ks;
                int rc = ferry_jks_parse(copy, jks_vector_len, "storepass", &ks, err, sizeof(err));
                cr_assert_eq(rc, -1, "flipped byte %zu went unnoticed", i);
        }
        free(copy);
}

Test(jks, refuses_another_format)
{
        static const unsigned char text[] = "-----BEGIN CERTIFICATE-----\n";
        ferry_jks_t ks;
        cr_assert_eq(ferry_jks_parse(text, sizeof(text) - 1, NULL, &ks, err, sizeof(err)), -1);
        cr_assert(strstr(err, "not a JKS keystore"), "%s", err);
}
