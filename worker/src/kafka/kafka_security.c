/* Java client security settings into librdkafka's. The client config builder in kafka.c merges a client's
 * config layers (worker top level, producer./consumer./admin. prefixes, connector *.override.*)
 * through ferry_kafka_client_props, which rewrites the keys a Java Kafka client takes for SASL and
 * TLS into librdkafka settings before the config reaches rd_kafka_conf_set:
 *   sasl.jaas.config (PLAIN, SCRAM, OAUTHBEARER, GSSAPI login modules) -> sasl.username/password,
 *     sasl.oauthbearer.*, sasl.kerberos.*;
 *   trust and key stores (JKS, PKCS12, PEM files or inline, read by tls/tls_stores.c) ->
 *     ssl.ca.pem, ssl.certificate.pem, ssl.key.pem, converted in memory;
 *   ssl.endpoint.identification.algorithm, ssl.cipher.suites, protocol and tuning keys where they
 *     map. A Java key that cannot be honoured is an error naming it; nothing is dropped silently.
 * Error texts name keys, files and option names, never secret values. */
#include "kafka/kafka_security.h"

#include <ferry/buf.h>
#include <ferry/log.h>
#include <ferry/tls.h>

#include <librdkafka/rdkafka.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

bool ferry_kafka_is_security_key(const char *key)
{
        return !strcmp(key, "security.protocol") || !strncmp(key, "sasl.", 5) || !strncmp(key, "ssl.", 4);
}

/* ------------------------------------------------------------------ JAAS */

typedef struct {
        const char *s;
        size_t pos;
} lex_t;

static void lex_space(lex_t *l)
{
        for (;;) {
                while (l->s[l->pos] && isspace((unsigned char)l->s[l->pos]))
                        l->pos++;
                if (l->s[l->pos] == '/' && l->s[l->pos + 1] == '/') {
                        while (l->s[l->pos] && l->s[l->pos] != '\n')
                                l->pos++;
                } else if (l->s[l->pos] == '/' && l->s[l->pos + 1] == '*') {
                        const char *end = strstr(l->s + l->pos + 2, "*/");
                        l->pos = end ? (size_t)(end - l->s) + 2 : strlen(l->s);
                } else {
                        return;
                }
        }
}

static bool word_char(char c)
{
        return c && !isspace((unsigned char)c) && !strchr("=;\"'/", c);
}

/* A bare word or a quoted string (Java StreamTokenizer escapes) into *out (caller frees). */
static int lex_token(lex_t *l, char **out, bool allow_quoted)
{
        lex_space(l);
        const char *s = l->s;
        char q = s[l->pos];
        if (allow_quoted && (q == '"' || q == '\'')) {
                ferry_buf_t b;
                ferry_buf_init(&b);
                size_t i = l->pos + 1;
                for (; s[i] && s[i] != q; i++) {
                        char c = s[i];
                        if (c == '\\' && s[i + 1]) {
                                c = s[++i];
                                switch (c) {
                                case 'n':
                                        c = '\n';
                                        break;
                                case 't':
                                        c = '\t';
                                        break;
                                case 'r':
                                        c = '\r';
                                        break;
                                case 'b':
                                        c = '\b';
                                        break;
                                case 'f':
                                        c = '\f';
                                        break;
                                case 'a':
                                        c = '\a';
                                        break;
                                case 'v':
                                        c = '\v';
                                        break;
                                default:
                                        if (c >= '0' && c <= '7') {
                                                int v = c - '0', digits = 1, max = c <= '3' ? 3 : 2;
                                                while (digits < max && s[i + 1] >= '0' && s[i + 1] <= '7') {
                                                        v = v * 8 + (s[++i] - '0');
                                                        digits++;
                                                }
                                                c = (char)v;
                                        }
                                }
                        }
                        ferry_buf_putc(&b, c);
                }
                if (s[i] != q) {
                        ferry_buf_free(&b);
                        return -1;
                }
                l->pos = i + 1;
                ferry_buf_putc(&b, '\0');
                *out = ferry_buf_steal(&b);
                return *out ? 0 : -1;
        }
        size_t start = l->pos;
        while (word_char(s[l->pos]))
                l->pos++;
        if (l->pos == start)
                return -1;
        *out = strndup(s + start, l->pos - start);
        return *out ? 0 : -1;
}

void ferry_jaas_free(ferry_jaas_t *j)
{
        if (!j)
                return;
        free(j->login_module);
        free(j->flag);
        ferry_strmap_free(&j->options);
        j->login_module = j->flag = NULL;
}

int ferry_jaas_parse(const char *text, ferry_jaas_t *out, char *errstr, size_t errstr_size)
{
        memset(out, 0, sizeof(*out));
        ferry_strmap_init(&out->options);
        lex_t l = {text ? text : "", 0};
        int modules = 0;
        for (;;) {
                lex_space(&l);
                if (!l.s[l.pos])
                        break;
                char *cls = NULL, *flag = NULL;
                if (lex_token(&l, &cls, false) < 0) {
                        snprintf(errstr, errstr_size, "expected a login module class at offset %zu", l.pos);
                        goto fail;
                }
                if (lex_token(&l, &flag, false) < 0) {
                        snprintf(errstr, errstr_size, "expected a control flag after %.200s", cls);
                        free(cls);
                        goto fail;
                }
                static const char *const flags[] = {"required", "requisite", "sufficient", "optional", NULL};
                bool known = false;
                for (size_t i = 0; flags[i]; i++)
                        known |= !strcasecmp(flag, flags[i]);
                if (!known) {
                        snprintf(errstr, errstr_size,
                                 "invalid control flag after %.200s (required, requisite, sufficient or "
                                 "optional)",
                                 cls);
                        free(cls);
                        free(flag);
                        goto fail;
                }
                if (++modules > 1) {
                        free(cls);
                        free(flag);
                        snprintf(errstr, errstr_size,
                                 "holds more than one login module; Kafka clients take exactly one");
                        goto fail;
                }
                out->login_module = cls;
                out->flag = flag;
                for (;;) {
                        lex_space(&l);
                        if (l.s[l.pos] == ';') {
                                l.pos++;
                                break;
                        }
                        char *key = NULL, *value = NULL;
                        if (lex_token(&l, &key, false) < 0) {
                                snprintf(errstr, errstr_size, "expected an option name or ';' at offset %zu",
                                         l.pos);
                                goto fail;
                        }
                        lex_space(&l);
                        if (l.s[l.pos] != '=') {
                                snprintf(errstr, errstr_size, "expected '=' after option %.100s", key);
                                free(key);
                                goto fail;
                        }
                        l.pos++;
                        if (lex_token(&l, &value, true) < 0) {
                                snprintf(errstr, errstr_size,
                                         "option %.100s: missing value or unterminated quote", key);
                                free(key);
                                goto fail;
                        }
                        ferry_strmap_set(&out->options, key, value);
                        free(key);
                        free(value);
                }
        }
        if (!modules) {
                snprintf(errstr, errstr_size,
                         "no login module (expected '<LoginModule class> required key=\"value\";')");
                goto fail;
        }
        return 0;
fail:
        ferry_jaas_free(out);
        return -1;
}

/* ------------------------------------------------------------------ the translation */

typedef struct {
        ferry_strmap_t m;     /* merged config, user's names (prefix stripped) */
        ferry_strmap_t names; /* key -> key as written, with its prefix */
        ferry_strmap_t *out;  /* librdkafka settings */
        ferry_strmap_t *out_names;
        char *errstr;
        size_t errstr_size;
} tr_t;

static const char *name_of(tr_t *t, const char *key)
{
        const char *n = ferry_strmap_get(&t->names, key);
        return n ? n : key;
}

static int fail(tr_t *t, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(tr_t *t, const char *key, const char *fmt, ...)
{
        int n = snprintf(t->errstr, t->errstr_size, "%s: ", name_of(t, key));
        if (n < 0 || (size_t)n >= t->errstr_size)
                return -1;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(t->errstr + n, t->errstr_size - (size_t)n, fmt, ap);
        va_end(ap);
        return -1;
}

/* Takes a Java key out of the result: its value (NULL when unset). */
static const char *take(tr_t *t, const char *key)
{
        const char *v = ferry_strmap_get(&t->m, key);
        ferry_strmap_unset(t->out, key);
        ferry_strmap_unset(t->out_names, key);
        return v;
}

/* Sets a librdkafka key, named in errors after the Java key it came from. */
static void put(tr_t *t, const char *key, const char *value, const char *from)
{
        ferry_strmap_set(t->out, key, value);
        ferry_strmap_set(t->out_names, key, name_of(t, from));
}

static const char *jaas_opt(const ferry_jaas_t *j, const char *k)
{
        return ferry_strmap_get(&j->options, k);
}

/* Every option of j must be in allowed (NULL-terminated), or match a prefix ending in '_'. */
static int jaas_only(tr_t *t, const ferry_jaas_t *j, const char *const *allowed)
{
        for (size_t i = 0; i < j->options.n; i++) {
                const char *k = j->options.kv[i].key;
                bool ok = false;
                for (size_t a = 0; allowed[a] && !ok; a++) {
                        size_t al = strlen(allowed[a]);
                        ok = allowed[a][al - 1] == '_' ? !strncmp(k, allowed[a], al) : !strcmp(k, allowed[a]);
                }
                if (!ok)
                        return fail(t, "sasl.jaas.config", "option %.100s of %s cannot be honoured", k,
                                    j->login_module);
        }
        return 0;
}

static bool class_is(const char *cls, const char *simple)
{
        const char *dot = strrchr(cls, '.');
        return !strcmp(dot ? dot + 1 : cls, simple);
}

static bool has_feature(const char *feature)
{
        rd_kafka_conf_t *c = rd_kafka_conf_new();
        char buf[512];
        size_t n = sizeof(buf);
        bool yes = false;
        if (rd_kafka_conf_get(c, "builtin.features", buf, &n) == RD_KAFKA_CONF_OK) {
                size_t fl = strlen(feature);
                for (const char *p = buf; *p;) {
                        size_t l = strcspn(p, ",");
                        yes |= l == fl && !strncmp(p, feature, fl);
                        p += l + (p[l] == ',');
                }
        }
        rd_kafka_conf_destroy(c);
        return yes;
}

static const char *mechanism(tr_t *t)
{
        const char *m = ferry_strmap_get(t->out, "sasl.mechanisms");
        const char *m2 = ferry_strmap_get(t->out, "sasl.mechanism");
        return m2 ? m2 : m ? m : "GSSAPI"; /* Java's and librdkafka's default */
}

static const char *const oidc_handlers[] = {
        "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler",
        "org.apache.kafka.common.security.oauthbearer.secured.OAuthBearerLoginCallbackHandler", NULL};

static int sasl_oauthbearer(tr_t *t, const ferry_jaas_t *j, const char *handler)
{
        const char *url = ferry_strmap_get(t->out, "sasl.oauthbearer.token.endpoint.url");
        ferry_buf_t ext;
        ferry_buf_init(&ext);
        if (url && !strncasecmp(url, "file:", 5))
                return fail(t, "sasl.oauthbearer.token.endpoint.url",
                            "a file: URL (a token read from a file) cannot be honoured; librdkafka fetches "
                            "tokens from an https endpoint");
        if (handler || url) {
                static const char *const allowed[] = {"clientId", "clientSecret", "scope", "extension_",
                                                      NULL};
                if (jaas_only(t, j, allowed) < 0)
                        return -1;
                if (!url)
                        return fail(
                                t, "sasl.login.callback.handler.class",
                                "OAuthBearerLoginCallbackHandler needs sasl.oauthbearer.token.endpoint.url");
                if (!handler)
                        return fail(t, "sasl.oauthbearer.token.endpoint.url",
                                    "needs sasl.login.callback.handler.class=%s", oidc_handlers[0]);
                if (!jaas_opt(j, "clientId") || !jaas_opt(j, "clientSecret"))
                        return fail(t, "sasl.jaas.config",
                                    "OAuthBearerLoginModule with a token endpoint needs clientId and "
                                    "clientSecret");
                put(t, "sasl.oauthbearer.method", "oidc", "sasl.login.callback.handler.class");
                put(t, "sasl.oauthbearer.client.id", jaas_opt(j, "clientId"), "sasl.jaas.config");
                put(t, "sasl.oauthbearer.client.secret", jaas_opt(j, "clientSecret"), "sasl.jaas.config");
                if (jaas_opt(j, "scope"))
                        put(t, "sasl.oauthbearer.scope", jaas_opt(j, "scope"), "sasl.jaas.config");
                for (size_t i = 0; i < j->options.n; i++)
                        if (!strncmp(j->options.kv[i].key, "extension_", 10))
                                ferry_buf_printf(&ext, "%s%s=%s", ext.len ? "," : "",
                                                 j->options.kv[i].key + 10, j->options.kv[i].value);
                if (ext.len)
                        put(t, "sasl.oauthbearer.extensions", ext.p, "sasl.jaas.config");
                ferry_buf_free(&ext);
                return 0;
        }
        /* Java's default handler: an unsecured token built from the unsecuredLogin* options. */
        static const char *const allowed[] = {"unsecuredLoginStringClaim_sub",
                                              "unsecuredLoginLifetimeSeconds", "unsecuredLoginScopeClaimName",
                                              "unsecuredLoginExtension_", NULL};
        if (jaas_only(t, j, allowed) < 0)
                return -1;
        const char *sub = jaas_opt(j, "unsecuredLoginStringClaim_sub");
        if (!sub)
                return fail(
                        t, "sasl.jaas.config",
                        "OAuthBearerLoginModule needs either sasl.login.callback.handler.class with a token "
                        "endpoint, or unsecuredLoginStringClaim_sub");
        const char *sc = jaas_opt(j, "unsecuredLoginScopeClaimName");
        if (sc && strcmp(sc, "scope") != 0)
                return fail(t, "sasl.jaas.config", "option unsecuredLoginScopeClaimName cannot be honoured");
        ferry_buf_printf(&ext, "principal=%s", sub);
        const char *life = jaas_opt(j, "unsecuredLoginLifetimeSeconds");
        if (life)
                ferry_buf_printf(&ext, " lifeSeconds=%s", life);
        for (size_t i = 0; i < j->options.n; i++)
                if (!strncmp(j->options.kv[i].key, "unsecuredLoginExtension_", 24))
                        ferry_buf_printf(&ext, " extension_%s=%s", j->options.kv[i].key + 24,
                                         j->options.kv[i].value);
        put(t, "enable.sasl.oauthbearer.unsecure.jwt", "true", "sasl.jaas.config");
        put(t, "sasl.oauthbearer.config", ext.p, "sasl.jaas.config");
        ferry_buf_free(&ext);
        return 0;
}

static int sasl(tr_t *t)
{
        const char *jaas = take(t, "sasl.jaas.config");
        const char *handler = take(t, "sasl.login.callback.handler.class");
        if (handler) {
                bool ok = false;
                for (size_t i = 0; oidc_handlers[i] && !ok; i++)
                        ok = !strcmp(handler, oidc_handlers[i]);
                if (!ok)
                        return fail(t, "sasl.login.callback.handler.class",
                                    "%.200s cannot run here (Java classes are not loaded); only "
                                    "OAuthBearerLoginCallbackHandler is built in",
                                    handler);
        }
        const char *mech = mechanism(t);
        const char *proto = ferry_strmap_get(t->out, "security.protocol");
        if (!strcasecmp(mech, "GSSAPI") && proto && !strncasecmp(proto, "SASL", 4) &&
            !has_feature("sasl_gssapi"))
                return fail(
                        t, ferry_strmap_get(&t->m, "sasl.mechanism") ? "sasl.mechanism" : "security.protocol",
                        "GSSAPI (Kerberos) is not available: this librdkafka was built without it");
        if (!jaas)
                return 0;
        ferry_jaas_t j;
        char err[256];
        if (ferry_jaas_parse(jaas, &j, err, sizeof(err)) < 0)
                return fail(t, "sasl.jaas.config", "%s", err);
        int rc = 0;
        const char *cls = j.login_module;
        if (class_is(cls, "PlainLoginModule") || class_is(cls, "ScramLoginModule")) {
                static const char *const allowed[] = {"username", "password", NULL};
                rc = jaas_only(t, &j, allowed);
                if (rc == 0 && (!jaas_opt(&j, "username") || !jaas_opt(&j, "password")))
                        rc = fail(t, "sasl.jaas.config", "%s needs both username and password", cls);
                bool scram = class_is(cls, "ScramLoginModule");
                if (rc == 0 && (scram ? strncasecmp(mech, "SCRAM-", 6) : strcasecmp(mech, "PLAIN")))
                        rc = fail(t, "sasl.jaas.config", "%s does not go with sasl.mechanism=%.40s", cls,
                                  mech);
                if (rc == 0) {
                        put(t, "sasl.username", jaas_opt(&j, "username"), "sasl.jaas.config");
                        put(t, "sasl.password", jaas_opt(&j, "password"), "sasl.jaas.config");
                }
        } else if (class_is(cls, "OAuthBearerLoginModule")) {
                if (strcasecmp(mech, "OAUTHBEARER"))
                        rc = fail(t, "sasl.jaas.config", "%s does not go with sasl.mechanism=%.40s", cls,
                                  mech);
                else
                        rc = sasl_oauthbearer(t, &j, handler);
        } else if (class_is(cls, "Krb5LoginModule")) {
                static const char *const allowed[] = {
                        "useKeyTab",      "keyTab",      "principal", "storeKey",
                        "useTicketCache", "serviceName", "debug",     NULL};
                rc = jaas_only(t, &j, allowed);
                if (rc == 0 && !has_feature("sasl_gssapi"))
                        rc = fail(t, "sasl.jaas.config",
                                  "GSSAPI (Kerberos) is not available: this librdkafka was built without it");
                if (rc == 0 && jaas_opt(&j, "keyTab"))
                        put(t, "sasl.kerberos.keytab", jaas_opt(&j, "keyTab"), "sasl.jaas.config");
                if (rc == 0 && jaas_opt(&j, "principal"))
                        put(t, "sasl.kerberos.principal", jaas_opt(&j, "principal"), "sasl.jaas.config");
                if (rc == 0 && jaas_opt(&j, "serviceName") &&
                    !ferry_strmap_get(t->out, "sasl.kerberos.service.name"))
                        put(t, "sasl.kerberos.service.name", jaas_opt(&j, "serviceName"), "sasl.jaas.config");
        } else {
                rc = fail(t, "sasl.jaas.config",
                          "login module %.200s is not supported (PlainLoginModule, ScramLoginModule, "
                          "OAuthBearerLoginModule, Krb5LoginModule)",
                          cls);
        }
        ferry_jaas_free(&j);
        return rc;
}

/* Java's kinit path into librdkafka's kinit command line. */
static int kinit(tr_t *t)
{
        const char *v = ferry_strmap_get(&t->m, "sasl.kerberos.kinit.cmd");
        if (!v || strchr(v, ' '))
                return 0; /* unset, or already a librdkafka command line */
        char cmd[1024];
        snprintf(cmd, sizeof(cmd),
                 "%s -R -t \"%%{sasl.kerberos.keytab}\" -k %%{sasl.kerberos.principal} || %s -t "
                 "\"%%{sasl.kerberos.keytab}\" -k %%{sasl.kerberos.principal}",
                 v, v);
        put(t, "sasl.kerberos.kinit.cmd", cmd, "sasl.kerberos.kinit.cmd");
        return 0;
}

/* ---- TLS material ---- */

static const char *store_key_name(void *ctx, const char *key)
{
        return name_of(ctx, key);
}

/* The Java store keys, taken out of the result, for the store reader (<ferry/tls.h>). */
static void stores_config(tr_t *t, ferry_tls_stores_t *in, bool trust, bool keys)
{
        memset(in, 0, sizeof(*in));
        in->key_name = store_key_name;
        in->key_name_ctx = t;
        if (trust) {
                in->truststore_type = take(t, "ssl.truststore.type");
                in->truststore_location = take(t, "ssl.truststore.location");
                in->truststore_password = take(t, "ssl.truststore.password");
                in->truststore_certificates = take(t, "ssl.truststore.certificates");
        }
        if (keys) {
                in->keystore_type = take(t, "ssl.keystore.type");
                in->keystore_location = take(t, "ssl.keystore.location");
                in->keystore_password = take(t, "ssl.keystore.password");
                in->keystore_certificate_chain = take(t, "ssl.keystore.certificate.chain");
                in->keystore_key = take(t, "ssl.keystore.key");
        }
}

static int stores_fail(tr_t *t, const char *msg)
{
        snprintf(t->errstr, t->errstr_size, "%s", msg);
        return -1;
}

static int truststore(tr_t *t)
{
        ferry_tls_stores_t in;
        stores_config(t, &in, true, false);
        if (!in.truststore_location && !in.truststore_certificates && !in.truststore_password)
                return 0;
        if (in.truststore_location || in.truststore_certificates) {
                if (ferry_strmap_get(&t->m, "ssl.ca.location") || ferry_strmap_get(&t->m, "ssl.ca.pem"))
                        return fail(t,
                                    in.truststore_location ? "ssl.truststore.location"
                                                           : "ssl.truststore.certificates",
                                    "set together with librdkafka's ssl.ca.location/ssl.ca.pem; use one");
        }
        ferry_tls_pem_t pem;
        char err[512];
        if (ferry_tls_stores_load(&in, &pem, err, sizeof(err)) < 0)
                return stores_fail(t, err);
        put(t, "ssl.ca.pem", pem.ca_pem,
            in.truststore_location ? "ssl.truststore.location" : "ssl.truststore.certificates");
        ferry_tls_pem_free(&pem);
        return 0;
}

static int read_file(tr_t *t, const char *key, const char *path, ferry_buf_t *b)
{
        if (ferry_buf_read_file(b, path) < 0)
                return fail(t, key, "cannot read %.300s: %s", path, strerror(errno));
        return 0;
}

/* The intermediate certificates of a client's chain: librdkafka sends only the leaf it is given,
 * but OpenSSL completes the chain it sends from the client's trust store, so they are added there
 * (an intermediate there is not a trust anchor: verification still ends at a root). The trust
 * store is the one configured (ssl.ca.pem, or an ssl.ca.location file read in), else OpenSSL's
 * default CA file, which librdkafka would have used. */
static int chain_to_trust(tr_t *t, const char *intermediates, const char *from)
{
        ferry_buf_t ca;
        ferry_buf_init(&ca);
        const char *pem = ferry_strmap_get(t->out, "ssl.ca.pem");
        const char *loc = ferry_strmap_get(t->out, "ssl.ca.location");
        int rc = 0;
        if (pem) {
                ferry_buf_puts(&ca, pem);
        } else if (loc && strcmp(loc, "probe") != 0) {
                rc = read_file(t, "ssl.ca.location", loc, &ca);
                if (rc < 0)
                        snprintf(t->errstr, t->errstr_size,
                                 "%s: a certificate chain needs the trust store as a PEM file, and %s is not "
                                 "one",
                                 name_of(t, from), name_of(t, "ssl.ca.location"));
        } else {
                const char *env = getenv(X509_get_default_cert_file_env());
                const char *def = env && *env ? env : X509_get_default_cert_file();
                (void)ferry_buf_read_file(&ca, def); /* none: librdkafka would have had none either */
        }
        if (rc == 0) {
                if (ca.len && ca.p[ca.len - 1] != '\n')
                        ferry_buf_putc(&ca, '\n');
                ferry_buf_puts(&ca, intermediates);
                ferry_buf_putc(&ca, '\0');
                const char *name = ferry_strmap_get(t->out_names, "ssl.ca.pem");
                char *keep = name ? strdup(name) : NULL;
                ferry_strmap_unset(t->out, "ssl.ca.location");
                ferry_strmap_set(t->out, "ssl.ca.pem", ca.p);
                ferry_strmap_set(t->out_names, "ssl.ca.pem", keep ? keep : name_of(t, from));
                free(keep);
        }
        ferry_buf_free(&ca);
        return rc;
}

static int keystore(tr_t *t)
{
        ferry_tls_stores_t in;
        stores_config(t, &in, false, true);
        const char *loc = in.keystore_location, *chain = in.keystore_certificate_chain;
        if (!loc && !chain && !in.keystore_key) {
                if (in.keystore_password)
                        return fail(t, "ssl.keystore.password", "set without ssl.keystore.location");
                return 0; /* ssl.key.password stays for librdkafka's ssl.key.location */
        }
        in.key_password = take(t, "ssl.key.password");
        static const char *const rdk[] = {"ssl.certificate.location", "ssl.certificate.pem",
                                          "ssl.key.location", "ssl.key.pem", NULL};
        if (!(loc && (chain || in.keystore_key)) && (loc || (chain && in.keystore_key)))
                for (size_t i = 0; rdk[i]; i++)
                        if (ferry_strmap_get(&t->m, rdk[i]))
                                return fail(t, loc ? "ssl.keystore.location" : "ssl.keystore.key",
                                            "set together with librdkafka's %s; use one", rdk[i]);
        ferry_tls_pem_t pem;
        char err[512];
        if (ferry_tls_stores_load(&in, &pem, err, sizeof(err)) < 0)
                return stores_fail(t, err);
        int rc = 0;
        const char *from = loc ? "ssl.keystore.location" : "ssl.keystore.key";
        /* librdkafka presents only the first certificate of ssl.certificate.pem; the rest of the chain
         * goes where OpenSSL builds the sent chain from (chain_to_trust). */
        static const char end_marker[] = "-----END CERTIFICATE-----\n";
        char *end = strstr(pem.cert_pem, end_marker);
        char *rest = end ? end + sizeof(end_marker) - 1 : NULL;
        if (rest && strstr(rest, "-----BEGIN CERTIFICATE-----"))
                rc = chain_to_trust(t, rest, loc ? from : "ssl.keystore.certificate.chain");
        if (rest)
                *rest = '\0';
        put(t, "ssl.certificate.pem", pem.cert_pem, loc ? from : "ssl.keystore.certificate.chain");
        put(t, "ssl.key.pem", pem.key_pem, from);
        ferry_tls_pem_free(&pem);
        return rc;
}

/* Java cipher suite names (IANA) into OpenSSL's. A value that is not all TLS_/SSL_ names is
 * librdkafka's own (OpenSSL syntax) and passes through. */
static int cipher_suites(tr_t *t)
{
        const char *v = ferry_strmap_get(&t->m, "ssl.cipher.suites");
        if (!v)
                return 0;
        size_t n;
        char **names = ferry_split_list(v, &n);
        bool java = n > 0;
        for (size_t i = 0; i < n && java; i++)
                java = !strncmp(names[i], "TLS_", 4) || !strncmp(names[i], "SSL_", 4);
        int rc = 0;
        if (java) {
                SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
                SSL_CTX_set_cipher_list(ctx, "ALL:COMPLEMENTOFALL");
                STACK_OF(SSL_CIPHER) *all = SSL_CTX_get_ciphers(ctx);
                ferry_buf_t list;
                ferry_buf_init(&list);
                size_t tls13 = 0;
                for (size_t i = 0; i < n && rc == 0; i++) {
                        static const char *const v13[] = {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                                                          "TLS_CHACHA20_POLY1305_SHA256", NULL};
                        bool is13 = false;
                        for (size_t k = 0; v13[k]; k++)
                                is13 |= !strcmp(names[i], v13[k]);
                        if (is13) {
                                tls13++;
                                continue;
                        }
                        const char *ossl = NULL;
                        for (int k = 0; all && k < sk_SSL_CIPHER_num(all) && !ossl; k++) {
                                const SSL_CIPHER *c = sk_SSL_CIPHER_value(all, k);
                                const char *std = SSL_CIPHER_standard_name(c);
                                /* Java spells some suites with an SSL_ prefix. */
                                if (std && (!strcmp(std, names[i]) || (!strncmp(names[i], "SSL_", 4) &&
                                                                       !strcmp(std + 4, names[i] + 4))))
                                        ossl = SSL_CIPHER_get_name(c);
                        }
                        if (!ossl)
                                rc = fail(t, "ssl.cipher.suites",
                                          "cipher suite %.100s is not available in OpenSSL", names[i]);
                        else
                                ferry_buf_printf(&list, "%s%s", list.len ? ":" : "", ossl);
                }
                SSL_CTX_free(ctx);
                if (rc == 0 && tls13 != 3)
                        rc = fail(
                                t, "ssl.cipher.suites",
                                "cannot be honoured: librdkafka always offers TLS 1.3 with OpenSSL's default "
                                "suites, so the list must hold all three (TLS_AES_128_GCM_SHA256, "
                                "TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256) besides its TLS 1.2 "
                                "suites");
                if (rc == 0 && !list.len)
                        rc = fail(t, "ssl.cipher.suites", "lists no TLS 1.2 suite");
                if (rc == 0) {
                        ferry_buf_putc(&list, '\0');
                        put(t, "ssl.cipher.suites", list.p, "ssl.cipher.suites");
                }
                ferry_buf_free(&list);
        }
        ferry_strlist_free(names, n);
        return rc;
}

/* Keys accepted only at the value Java defaults to (which is also what librdkafka does). */
static const struct {
        const char *key;
        const char *const values[4];
} defaults_only[] = {
        {"ssl.keymanager.algorithm", {"SunX509", "PKIX", NULL}},
        {"ssl.trustmanager.algorithm", {"PKIX", "SunX509", "SunPKIX", NULL}},
        {"ssl.protocol", {"TLSv1.3", "TLSv1.2", "TLS", NULL}},
        {"ssl.provider", {"", NULL}},
        {"ssl.engine.factory.class", {"", NULL}},
        {"sasl.login.class", {"", NULL}},
        {"sasl.client.callback.handler.class", {"", NULL}},
        {"sasl.login.refresh.window.factor", {"0.8", NULL}},
        {"sasl.login.refresh.window.jitter", {"0.05", NULL}},
        {"sasl.login.refresh.min.period.seconds", {"60", NULL}},
        {"sasl.login.refresh.buffer.seconds", {"300", NULL}},
        {"sasl.login.retry.backoff.ms", {"100", NULL}},
        {"sasl.login.retry.backoff.max.ms", {"10000", NULL}},
        {"sasl.login.connect.timeout.ms", {"", NULL}},
        {"sasl.login.read.timeout.ms", {"", NULL}},
        {"sasl.kerberos.ticket.renew.jitter", {"0.05", NULL}},
        {"sasl.kerberos.ticket.renew.window.factor", {"0.8", NULL}},
        {"sasl.oauthbearer.scope.claim.name", {"scope", NULL}},
        {"sasl.oauthbearer.sub.claim.name", {"sub", NULL}},
};

/* Keys with no effect in a Kafka client (Java ignores them there too): dropped with a warning. */
static const char *const client_ignores[] = {"ssl.secure.random.implementation",
                                             "sasl.oauthbearer.jwks.endpoint.url",
                                             "sasl.oauthbearer.jwks.endpoint.refresh.ms",
                                             "sasl.oauthbearer.jwks.endpoint.retry.backoff.ms",
                                             "sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms",
                                             "sasl.oauthbearer.clock.skew.seconds",
                                             "sasl.oauthbearer.expected.audience",
                                             "sasl.oauthbearer.expected.issuer",
                                             NULL};

static int plain_keys(tr_t *t)
{
        for (size_t i = 0; i < sizeof(defaults_only) / sizeof(defaults_only[0]); i++) {
                const char *v = take(t, defaults_only[i].key);
                if (!v)
                        continue;
                bool ok = false;
                for (size_t k = 0; defaults_only[i].values[k] && !ok; k++)
                        ok = !strcasecmp(v, defaults_only[i].values[k]);
                if (!ok)
                        return fail(t, defaults_only[i].key,
                                    "cannot be honoured with librdkafka (only %s%s%s is accepted)",
                                    defaults_only[i].values[0][0] ? defaults_only[i].values[0]
                                                                  : "an empty value",
                                    defaults_only[i].values[1] ? " or " : "",
                                    defaults_only[i].values[1] ? defaults_only[i].values[1] : "");
        }
        for (size_t i = 0; client_ignores[i]; i++)
                if (take(t, client_ignores[i]))
                        FERRY_WARN("Ignoring %s: it has no effect in a Kafka client",
                                   name_of(t, client_ignores[i]));
        const char *protos = take(t, "ssl.enabled.protocols");
        if (protos) {
                size_t n;
                char **p = ferry_split_list(protos, &n);
                bool v12 = false, v13 = false, other = false;
                for (size_t i = 0; i < n; i++) {
                        if (!strcmp(p[i], "TLSv1.2"))
                                v12 = true;
                        else if (!strcmp(p[i], "TLSv1.3"))
                                v13 = true;
                        else
                                other = true;
                }
                ferry_strlist_free(p, n);
                if (!v12 || !v13 || other)
                        return fail(
                                t, "ssl.enabled.protocols",
                                "cannot be honoured: librdkafka negotiates TLSv1.2 and TLSv1.3 and offers no "
                                "setting to restrict that (only TLSv1.2,TLSv1.3 is accepted)");
        }
        const char *alg = ferry_strmap_get(&t->m, "ssl.endpoint.identification.algorithm");
        if (alg) {
                if (!*alg || !strcasecmp(alg, "none"))
                        put(t, "ssl.endpoint.identification.algorithm", "none",
                            "ssl.endpoint.identification.algorithm");
                else if (!strcasecmp(alg, "https"))
                        put(t, "ssl.endpoint.identification.algorithm", "https",
                            "ssl.endpoint.identification.algorithm");
                else
                        return fail(t, "ssl.endpoint.identification.algorithm", "must be https or empty");
        }
        return 0;
}

/* Whatever ssl./sasl. key is left must be one librdkafka knows. */
static int leftovers(tr_t *t)
{
        rd_kafka_conf_t *scratch = rd_kafka_conf_new();
        int rc = 0;
        for (size_t i = 0; i < t->out->n && rc == 0; i++) {
                const char *k = t->out->kv[i].key;
                if (strncmp(k, "ssl.", 4) && strncmp(k, "sasl.", 5))
                        continue;
                char err[256];
                if (rd_kafka_conf_set(scratch, k, t->out->kv[i].value, err, sizeof(err)) ==
                    RD_KAFKA_CONF_UNKNOWN)
                        rc = fail(
                                t, k,
                                "not a security setting of Java or librdkafka clients that Ferry can honour");
        }
        rd_kafka_conf_destroy(scratch);
        return rc;
}

int ferry_kafka_client_props(const ferry_kafka_layer_t *layers, size_t n, ferry_strmap_t *out,
                             ferry_strmap_t *names, char *errstr, size_t errstr_size)
{
        ferry_strmap_init(out);
        ferry_strmap_init(names);
        tr_t t = {.out = out, .out_names = names, .errstr = errstr, .errstr_size = errstr_size};
        ferry_strmap_init(&t.m);
        ferry_strmap_init(&t.names);
        char full[512];
        for (size_t l = 0; l < n; l++) {
                for (size_t i = 0; layers[l].map && i < layers[l].map->n; i++) {
                        const char *k = layers[l].map->kv[i].key;
                        snprintf(full, sizeof(full), "%s%s", layers[l].origin ? layers[l].origin : "", k);
                        ferry_strmap_set(&t.m, k, layers[l].map->kv[i].value);
                        ferry_strmap_set(&t.names, k, full);
                }
        }
        ferry_strmap_copy(out, &t.m);
        ferry_strmap_copy(names, &t.names);
        int rc = sasl(&t);
        if (rc == 0)
                rc = kinit(&t);
        if (rc == 0)
                rc = truststore(&t);
        if (rc == 0)
                rc = keystore(&t);
        if (rc == 0)
                rc = cipher_suites(&t);
        if (rc == 0)
                rc = plain_keys(&t);
        if (rc == 0)
                rc = leftovers(&t);
        ferry_strmap_free(&t.m);
        ferry_strmap_free(&t.names);
        if (rc < 0) {
                ferry_strmap_free(out);
                ferry_strmap_free(names);
        }
        return rc;
}

/* ------------------------------------------------------------------ broker certificate checks */

/* Keeps OpenSSL's verdict on each broker certificate and, when it is negative, says why in the
 * words of the settings a user can change (librdkafka logs the text). Runs on librdkafka's
 * threads; touches nothing shared. */
static int verify_cb(rd_kafka_t *rk, const char *broker_name, int32_t broker_id, int *x509_error, int depth,
                     const char *buf, size_t size, char *errstr, size_t errstr_size, void *opaque)
{
        int e = *x509_error;
        if (e == X509_V_OK)
                return 1;
        const char *why = X509_verify_cert_error_string(e);
        switch (e) {
        case X509_V_ERR_HOSTNAME_MISMATCH:
        case X509_V_ERR_IP_ADDRESS_MISMATCH:
                snprintf(errstr, errstr_size,
                         "%s: the broker's certificate does not name the host in %s "
                         "(ssl.endpoint.identification.algorithm=https checks it)",
                         why, broker_name);
                break;
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
        case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
                snprintf(errstr, errstr_size,
                         "%s: the certificate of %s is not signed by a CA of the client's trust store "
                         "(ssl.truststore.* or ssl.ca.*)",
                         why, broker_name);
                break;
        default:
                snprintf(errstr, errstr_size, "%s (certificate %d of the chain of %s)", why, depth,
                         broker_name);
        }
        return 0;
}

void ferry_kafka_security_hooks(rd_kafka_conf_t *conf)
{
        rd_kafka_conf_set_ssl_cert_verify_cb(conf, verify_cb);
}
