/* Java KeyStore (JKS) reader: the binary format keytool writes when a Java Kafka client's
 * ssl.truststore.type or ssl.keystore.type is JKS (JCEKS files share it for certificates). No
 * packaged C library reads it, so this is ours. kafka_security.c calls it while building a client
 * config and turns the certificates and keys it yields into PEM for librdkafka; nothing is written
 * to disk.
 *
 * Layout (all integers big-endian): magic FEEDFEED (JKS) or CECECECE (JCEKS), version 1 or 2,
 * entry count, entries, then SHA-1(password as UTF-16BE || "Mighty Aphrodite" || everything
 * before) over the file. An entry is a tag (1 private key, 2 trusted certificate, 3 JCEKS secret
 * key), an alias (Java modified UTF-8, u16 length), a u64 timestamp, then for certificates the
 * type (version 2 only) and u32-length DER, for keys a u32-length EncryptedPrivateKeyInfo and a
 * u32 count of chain certificates. Sun's key protection (OID 1.3.6.1.4.1.42.2.17.1.1) is salt(20)
 * || data || check(20): data XOR a keystream of SHA-1(password || previous block), starting from
 * the salt, and check = SHA-1(password || plaintext). */
#include "tls/jks.h"

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JKS_MAGIC             0xFEEDFEEDu
#define JCEKS_MAGIC           0xCECECECEu
#define SUN_KEY_PROTECTOR_OID "1.3.6.1.4.1.42.2.17.1.1"
#define MAX_ENTRIES           100000u

typedef struct {
        const unsigned char *p;
        size_t len, pos;
} rd_t;

static bool get_u16(rd_t *r, uint32_t *v)
{
        if (r->len - r->pos < 2)
                return false;
        *v = (uint32_t)r->p[r->pos] << 8 | r->p[r->pos + 1];
        r->pos += 2;
        return true;
}

static bool get_u32(rd_t *r, uint32_t *v)
{
        if (r->len - r->pos < 4)
                return false;
        const unsigned char *b = r->p + r->pos;
        *v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
        r->pos += 4;
        return true;
}

static bool skip(rd_t *r, size_t n)
{
        if (r->len - r->pos < n)
                return false;
        r->pos += n;
        return true;
}

/* A u16-length string (modified UTF-8 is close enough to UTF-8 for aliases and type names). */
static char *get_utf(rd_t *r)
{
        uint32_t n;
        if (!get_u16(r, &n) || r->len - r->pos < n)
                return NULL;
        char *s = malloc(n + 1);
        if (!s)
                return NULL;
        memcpy(s, r->p + r->pos, n);
        s[n] = '\0';
        r->pos += n;
        return s;
}

static bool get_blob(rd_t *r, ferry_jks_blob_t *b)
{
        uint32_t n;
        if (!get_u32(r, &n) || r->len - r->pos < n)
                return false;
        b->der = malloc(n ? n : 1);
        if (!b->der)
                return false;
        memcpy(b->der, r->p + r->pos, n);
        b->len = n;
        r->pos += n;
        return true;
}

/* A certificate: its type (version 2) and DER. */
static bool get_cert(rd_t *r, uint32_t version, ferry_jks_blob_t *b, char *errstr, size_t errstr_size)
{
        if (version == 2) {
                char *type = get_utf(r);
                if (!type)
                        return false;
                bool x509 = !strcmp(type, "X.509");
                if (!x509)
                        snprintf(errstr, errstr_size,
                                 "keystore holds a certificate of type %.40s (only X.509)", type);
                free(type);
                if (!x509)
                        return false;
        }
        return get_blob(r, b);
}

/* The password as Java's char[] in big-endian bytes (UTF-16BE); caller frees. */
static unsigned char *utf16be(const char *pw, size_t *out_len)
{
        size_t n = strlen(pw);
        unsigned char *o = malloc(4 * n + 1), *q = o;
        if (!o)
                return NULL;
        const unsigned char *s = (const unsigned char *)pw, *end = s + n;
        while (s < end) {
                uint32_t c = *s;
                size_t k = c < 0x80             ? 1
                           : (c & 0xE0) == 0xC0 ? 2
                           : (c & 0xF0) == 0xE0 ? 3
                           : (c & 0xF8) == 0xF0 ? 4
                                                : 0;
                bool ok = k > 0 && (size_t)(end - s) >= k;
                if (ok && k > 1) {
                        c &= 0x7Fu >> k;
                        for (size_t i = 1; i < k && ok; i++) {
                                ok = (s[i] & 0xC0) == 0x80;
                                c = c << 6 | (s[i] & 0x3F);
                        }
                }
                if (!ok) { /* not UTF-8: take the byte as Latin-1 */
                        c = *s;
                        k = 1;
                }
                s += k;
                if (c >= 0x10000) {
                        c -= 0x10000;
                        uint32_t hi = 0xD800 | (c >> 10), lo = 0xDC00 | (c & 0x3FF);
                        *q++ = (unsigned char)(hi >> 8);
                        *q++ = (unsigned char)hi;
                        *q++ = (unsigned char)(lo >> 8);
                        *q++ = (unsigned char)lo;
                } else {
                        *q++ = (unsigned char)(c >> 8);
                        *q++ = (unsigned char)c;
                }
        }
        *out_len = (size_t)(q - o);
        return o;
}

/* SHA-1 over up to three pieces. */
static bool sha1(unsigned char out[20], const void *a, size_t al, const void *b, size_t bl, const void *c,
                 size_t cl)
{
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) && EVP_DigestUpdate(ctx, a, al) &&
                  EVP_DigestUpdate(ctx, b, bl) && EVP_DigestUpdate(ctx, c, cl) &&
                  EVP_DigestFinal_ex(ctx, out, NULL);
        EVP_MD_CTX_free(ctx);
        return ok;
}

bool ferry_jks_sniff(const unsigned char *data, size_t len)
{
        if (len < 4)
                return false;
        uint32_t m = (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 | (uint32_t)data[2] << 8 | data[3];
        return m == JKS_MAGIC || m == JCEKS_MAGIC;
}

static void entry_free(ferry_jks_entry_t *e)
{
        free(e->alias);
        free(e->key.der);
        for (size_t i = 0; i < e->n_certs; i++)
                free(e->certs[i].der);
        free(e->certs);
}

void ferry_jks_free(ferry_jks_t *ks)
{
        for (size_t i = 0; ks && i < ks->n; i++)
                entry_free(&ks->e[i]);
        if (ks) {
                free(ks->e);
                ks->e = NULL;
                ks->n = 0;
        }
}

static int parse_entry(rd_t *r, uint32_t magic, uint32_t version, ferry_jks_entry_t *e, char *errstr,
                       size_t errstr_size)
{
        uint32_t tag;
        if (!get_u32(r, &tag) || !(e->alias = get_utf(r)) || !skip(r, 8))
                return -1;
        if (tag == 2) {
                e->certs = calloc(1, sizeof(*e->certs));
                if (!e->certs || !get_cert(r, version, &e->certs[0], errstr, errstr_size))
                        return -1;
                e->n_certs = 1;
                return 0;
        }
        if (tag == 1) {
                e->private_key = true;
                uint32_t n;
                if (!get_blob(r, &e->key) || !get_u32(r, &n))
                        return -1;
                if (n > (r->len - r->pos) / 4) /* each certificate takes at least 4 bytes */
                        return -1;
                e->certs = calloc(n ? n : 1, sizeof(*e->certs));
                if (!e->certs)
                        return -1;
                for (uint32_t i = 0; i < n; i++) {
                        if (!get_cert(r, version, &e->certs[i], errstr, errstr_size))
                                return -1;
                        e->n_certs++;
                }
                return 0;
        }
        snprintf(errstr, errstr_size, "keystore entry '%.80s' is a %s, which Kafka clients cannot use",
                 e->alias, magic == JCEKS_MAGIC && tag == 3 ? "secret key" : "entry of an unknown kind");
        return -1;
}

int ferry_jks_parse(const unsigned char *data, size_t len, const char *password, ferry_jks_t *out,
                    char *errstr, size_t errstr_size)
{
        memset(out, 0, sizeof(*out));
        rd_t r = {data, len, 0};
        uint32_t magic, version, count;
        if (!get_u32(&r, &magic) || (magic != JKS_MAGIC && magic != JCEKS_MAGIC)) {
                snprintf(errstr, errstr_size, "not a JKS keystore (bad magic number)");
                return -1;
        }
        if (!get_u32(&r, &version) || (version != 1 && version != 2)) {
                snprintf(errstr, errstr_size, "unsupported JKS keystore version");
                return -1;
        }
        if (!get_u32(&r, &count) || count > MAX_ENTRIES || count > (len - r.pos) / 14) {
                snprintf(errstr, errstr_size, "truncated JKS keystore");
                return -1;
        }
        out->e = calloc(count ? count : 1, sizeof(*out->e));
        if (!out->e) {
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        errstr[0] = '\0';
        for (uint32_t i = 0; i < count; i++) {
                out->n++;
                if (parse_entry(&r, magic, version, &out->e[i], errstr, errstr_size) < 0) {
                        if (!errstr[0])
                                snprintf(errstr, errstr_size, "truncated or corrupt JKS keystore (entry %u)",
                                         i + 1);
                        ferry_jks_free(out);
                        return -1;
                }
        }
        if (len - r.pos != 20) {
                snprintf(errstr, errstr_size,
                         "corrupt JKS keystore (%zu bytes after the entries, expected a 20-byte digest)",
                         len - r.pos);
                ferry_jks_free(out);
                return -1;
        }
        if (password) {
                size_t pl = 0;
                unsigned char *pw = utf16be(password, &pl), md[20];
                static const char whitener[] = "Mighty Aphrodite";
                bool ok = pw && sha1(md, pw, pl, whitener, sizeof(whitener) - 1, data, r.pos) &&
                          !memcmp(md, data + r.pos, 20);
                if (pw)
                        OPENSSL_cleanse(pw, pl);
                free(pw);
                if (!ok) {
                        snprintf(errstr, errstr_size,
                                 "keystore was tampered with, or password was incorrect");
                        ferry_jks_free(out);
                        return -1;
                }
        }
        return 0;
}

int ferry_jks_key_decrypt(const ferry_jks_entry_t *e, const char *password, unsigned char **der, size_t *len,
                          char *errstr, size_t errstr_size)
{
        *der = NULL;
        *len = 0;
        if (!e->private_key) {
                snprintf(errstr, errstr_size, "keystore entry '%.80s' holds no private key", e->alias);
                return -1;
        }
        const unsigned char *p = e->key.der;
        X509_SIG *sig = d2i_X509_SIG(NULL, &p, (long)e->key.len);
        if (!sig) {
                snprintf(errstr, errstr_size, "keystore entry '%.80s': the protected key is not DER",
                         e->alias);
                return -1;
        }
        const X509_ALGOR *alg;
        const ASN1_OCTET_STRING *data;
        X509_SIG_get0(sig, &alg, &data);
        const ASN1_OBJECT *oid;
        X509_ALGOR_get0(&oid, NULL, NULL, alg);
        char oid_text[80];
        OBJ_obj2txt(oid_text, sizeof(oid_text), oid, 1);
        int rc = -1;
        const unsigned char *d = ASN1_STRING_get0_data(data);
        size_t dl = (size_t)ASN1_STRING_length(data);
        if (strcmp(oid_text, SUN_KEY_PROTECTOR_OID) != 0) {
                snprintf(errstr, errstr_size,
                         "keystore entry '%.80s': key protected with algorithm %s; only JKS's own (%s) is "
                         "supported (convert the keystore to PKCS12)",
                         e->alias, oid_text, SUN_KEY_PROTECTOR_OID);
        } else if (dl < 40) {
                snprintf(errstr, errstr_size, "keystore entry '%.80s': protected key too short", e->alias);
        } else {
                size_t pl = 0, n = dl - 40;
                unsigned char *pw = utf16be(password ? password : "", &pl);
                unsigned char *plain = malloc(n ? n : 1), block[20], check[20];
                bool ok = pw && plain;
                memcpy(block, d, 20);
                for (size_t off = 0; ok && off < n; off += 20) {
                        ok = sha1(block, pw, pl, block, 20, "", 0);
                        for (size_t i = 0; ok && i < 20 && off + i < n; i++)
                                plain[off + i] = d[20 + off + i] ^ block[i];
                }
                ok = ok && sha1(check, pw, pl, plain, n, "", 0);
                if (ok && !memcmp(check, d + 20 + n, 20)) {
                        *der = plain;
                        *len = n;
                        plain = NULL;
                        rc = 0;
                } else {
                        snprintf(errstr, errstr_size,
                                 "keystore entry '%.80s': cannot recover the key (wrong key password)",
                                 e->alias);
                }
                if (plain)
                        OPENSSL_cleanse(plain, n);
                free(plain);
                if (pw)
                        OPENSSL_cleanse(pw, pl);
                free(pw);
                OPENSSL_cleanse(block, sizeof(block));
        }
        X509_SIG_free(sig);
        return rc;
}
