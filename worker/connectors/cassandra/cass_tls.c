/* Reads the Cassandra sinks' trust and key stores (see cass_tls.h) through the SDK's store reader,
 * naming the DataStax or Lenses key in errors. Both Java connectors protect the key with the
 * keystore's password (no separate key password key). Sits between the config parsing
 * (cass_datastax.c, cass_lenses.c) and the CQL client's TLS context (shared/cql/cql_tls.c). */
#include "cass_tls.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

static const char *const datastax_names[][2] = {
        {"ssl.truststore.location", "ssl.truststore.path"},
        {"ssl.truststore.password", "ssl.truststore.password"},
        {"ssl.truststore.type", "ssl.truststore.path"},
        {"ssl.keystore.location", "ssl.keystore.path"},
        {"ssl.keystore.password", "ssl.keystore.password"},
        {"ssl.keystore.type", "ssl.keystore.path"},
        {"ssl.key.password", "ssl.keystore.password"},
};

static const char *const lenses_names[][2] = {
        {"ssl.truststore.location", "connect.cassandra.trust.store.path"},
        {"ssl.truststore.password", "connect.cassandra.trust.store.password"},
        {"ssl.truststore.type", "connect.cassandra.trust.store.type"},
        {"ssl.keystore.location", "connect.cassandra.key.store.path"},
        {"ssl.keystore.password", "connect.cassandra.key.store.password"},
        {"ssl.keystore.type", "connect.cassandra.key.store.type"},
        {"ssl.key.password", "connect.cassandra.key.store.password"},
};

static const char *key_name(void *ctx, const char *java_key)
{
        cass_tls_flavour_t f = *(const cass_tls_flavour_t *)ctx;
        const char *const(*names)[2] = f == CASS_TLS_LENSES ? lenses_names : datastax_names;
        for (size_t i = 0; i < sizeof datastax_names / sizeof datastax_names[0]; i++)
                if (!strcmp(names[i][0], java_key))
                        return names[i][1];
        return NULL;
}

static const char *set(const char *s)
{
        return s && *s ? s : NULL;
}

/* Java 9+ reads a PKCS12 file through a "JKS" keystore too, so JKS (the Lenses default) goes by the
 * content, which also keeps PEM files working. */
static const char *store_type(const char *t)
{
        return set(t) && strcasecmp(t, "JKS") != 0 ? t : NULL;
}

int cass_tls_load(cass_tls_flavour_t f, const cass_tls_stores_t *in, ferry_tls_pem_t *out, char *errstr,
                  size_t errstr_size)
{
        memset(out, 0, sizeof *out);
        bool ts = set(in->truststore_path) != NULL, ks = set(in->keystore_path) != NULL;
        ferry_tls_stores_t st = {
                .truststore_location = set(in->truststore_path),
                .truststore_password = ts ? set(in->truststore_password) : NULL,
                .truststore_type = ts ? store_type(in->truststore_type) : NULL,
                .keystore_location = set(in->keystore_path),
                .keystore_password = ks ? set(in->keystore_password) : NULL,
                .keystore_type = ks ? store_type(in->keystore_type) : NULL,
                .key_name = key_name,
                .key_name_ctx = &f,
        };
        return ferry_tls_stores_load(&st, out, errstr, errstr_size);
}

void cass_tls_validate(cass_tls_flavour_t f, const cass_tls_stores_t *in, ferry_cfg_errors_t *errs)
{
        ferry_tls_pem_t pem;
        char err[512];
        if (cass_tls_load(f, in, &pem, err, sizeof err) == 0) {
                ferry_tls_pem_free(&pem);
                return;
        }
        const char *sep = strstr(err, ": ");
        if (!sep) {
                ferry_cfg_errors_add(errs,
                                     f == CASS_TLS_LENSES ? "connect.cassandra.trust.store.path"
                                                          : "ssl.truststore.path",
                                     "%s", err);
                return;
        }
        char key[128];
        size_t n = (size_t)(sep - err) < sizeof key - 1 ? (size_t)(sep - err) : sizeof key - 1;
        memcpy(key, err, n);
        key[n] = '\0';
        ferry_cfg_errors_add(errs, key, "%s", sep + 2);
}
