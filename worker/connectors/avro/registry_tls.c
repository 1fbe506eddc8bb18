/* The schema registry client's TLS settings (see registry_tls.h): maps the AvroConverter's
 * schema.registry.ssl.* keys onto what libcurl takes. The stores (JKS, PKCS12 or PEM) are read by
 * the SDK's store reader into PEM text in memory. Sits between the converter's config parsing
 * (avro_converter.c) and the libcurl handle (registry_client.c). */
#include "registry_tls.h"

#include <ferry/tls.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
        /* The type keys only count where their store is set: Confluent's default for both is JKS. */
        bool ts = cfg->truststore_location && *cfg->truststore_location;
        bool ks = cfg->keystore_location && *cfg->keystore_location;
        ferry_tls_stores_t in = {
                .truststore_location = cfg->truststore_location,
                .truststore_password = ts ? cfg->truststore_password : NULL,
                .truststore_type = ts ? cfg->truststore_type : NULL,
                .keystore_location = cfg->keystore_location,
                .keystore_password = ks ? cfg->keystore_password : NULL,
                .keystore_type = ks ? cfg->keystore_type : NULL,
                .key_password = ks ? cfg->key_password : NULL,
                .key_prefix = "schema.registry.",
        };
        ferry_tls_pem_t pem;
        if (ferry_tls_stores_load(&in, &pem, errstr, errstr_size) < 0)
                return -1;
        t->ca_pem = pem.ca_pem;
        t->cert_pem = pem.cert_pem;
        t->key_pem = pem.key_pem;
        t->ca_pem_len = t->ca_pem ? strlen(t->ca_pem) : 0;
        t->cert_pem_len = t->cert_pem ? strlen(t->cert_pem) : 0;
        t->key_pem_len = t->key_pem ? strlen(t->key_pem) : 0;
        return 0;
}

void sr_tls_free(sr_tls_t *t)
{
        ferry_tls_pem_t pem = {.ca_pem = t->ca_pem, .cert_pem = t->cert_pem, .key_pem = t->key_pem};
        ferry_tls_pem_free(&pem);
        memset(t, 0, sizeof(*t));
}
