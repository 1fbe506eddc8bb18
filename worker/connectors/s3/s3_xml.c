/* A tolerant scanner for the leaf elements of S3's XML responses (see s3_xml.h). Reads the
 * bodies s3_client.c receives; treats every byte as untrusted. */
#include "s3_xml.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The tag name at p (after '<' and an optional '/'), without a namespace prefix. */
static void tag_name(const char *p, const char *end, const char **name, size_t *n)
{
        const char *s = p;
        while (p < end && *p != '>' && *p != '/' && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
                p++;
        const char *colon = memchr(s, ':', (size_t)(p - s));
        if (colon)
                s = colon + 1;
        *name = s;
        *n = (size_t)(p - s);
}

static const char *skip_markup(const char *p, const char *end)
{
        /* p at '<' of "<?...?>", "<!--...-->" or "<!...>" */
        if (end - p >= 4 && memcmp(p, "<!--", 4) == 0) {
                for (p += 4; end - p >= 3; p++)
                        if (memcmp(p, "-->", 3) == 0)
                                return p + 3;
                return end;
        }
        const char *gt = memchr(p, '>', (size_t)(end - p));
        return gt ? gt + 1 : end;
}

static size_t put_utf8(char *o, uint32_t c)
{
        if (c < 0x80) {
                o[0] = (char)c;
                return 1;
        }
        if (c < 0x800) {
                o[0] = (char)(0xC0 | (c >> 6));
                o[1] = (char)(0x80 | (c & 0x3F));
                return 2;
        }
        if (c < 0x10000) {
                o[0] = (char)(0xE0 | (c >> 12));
                o[1] = (char)(0x80 | ((c >> 6) & 0x3F));
                o[2] = (char)(0x80 | (c & 0x3F));
                return 3;
        }
        o[0] = (char)(0xF0 | (c >> 18));
        o[1] = (char)(0x80 | ((c >> 12) & 0x3F));
        o[2] = (char)(0x80 | ((c >> 6) & 0x3F));
        o[3] = (char)(0x80 | (c & 0x3F));
        return 4;
}

static char *decode(const char *p, size_t n)
{
        char *r = malloc(n + 1);
        if (!r)
                return NULL;
        size_t o = 0;
        for (size_t i = 0; i < n;) {
                if (p[i] != '&') {
                        r[o++] = p[i++];
                        continue;
                }
                const char *semi = memchr(p + i, ';', n - i);
                size_t el = semi ? (size_t)(semi - (p + i)) + 1 : 0;
                static const struct {
                        const char *ent;
                        char c;
                } ents[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
                bool done = false;
                for (size_t e = 0; el && e < sizeof ents / sizeof ents[0]; e++)
                        if (el == strlen(ents[e].ent) && memcmp(p + i, ents[e].ent, el) == 0) {
                                r[o++] = ents[e].c;
                                i += el;
                                done = true;
                                break;
                        }
                if (!done && el > 3 && el <= 12 && p[i + 1] == '#') {
                        uint32_t c = 0;
                        bool hexa = p[i + 2] == 'x' || p[i + 2] == 'X';
                        size_t j = i + (hexa ? 3 : 2);
                        bool ok = j < i + el - 1;
                        for (; ok && j < i + el - 1; j++) {
                                char d = p[j];
                                int v = d >= '0' && d <= '9'           ? d - '0'
                                        : hexa && d >= 'a' && d <= 'f' ? d - 'a' + 10
                                        : hexa && d >= 'A' && d <= 'F' ? d - 'A' + 10
                                                                       : -1;
                                if (v < 0)
                                        ok = false;
                                else
                                        c = c * (hexa ? 16 : 10) + (uint32_t)v;
                        }
                        if (ok && c > 0 && c <= 0x10FFFF && !(c >= 0xD800 && c <= 0xDFFF) && o + 4 <= n) {
                                /* a reference is at least 4 bytes long, so its UTF-8 fits in place */
                                o += put_utf8(r + o, c);
                                i += el;
                                done = true;
                        }
                }
                if (!done)
                        r[o++] = p[i++];
        }
        r[o] = '\0';
        return r;
}

char *s3_xml_text(const char *xml, size_t len, const char *name)
{
        const char *p = xml, *end = xml + len;
        size_t want = strlen(name);
        while (p < end) {
                const char *lt = memchr(p, '<', (size_t)(end - p));
                if (!lt || lt + 1 >= end)
                        return NULL;
                if (lt[1] == '?' || lt[1] == '!') {
                        p = skip_markup(lt, end);
                        continue;
                }
                if (lt[1] == '/') {
                        p = lt + 2;
                        continue;
                }
                const char *n;
                size_t nl;
                tag_name(lt + 1, end, &n, &nl);
                const char *gt = memchr(lt, '>', (size_t)(end - lt));
                if (!gt)
                        return NULL;
                if (nl == want && memcmp(n, name, want) == 0) {
                        if (gt[-1] == '/')
                                return decode("", 0); /* <Name/> */
                        const char *text = gt + 1;
                        const char *close = memchr(text, '<', (size_t)(end - text));
                        if (!close || close + 1 >= end || close[1] != '/')
                                return NULL; /* no closing tag, or child elements */
                        return decode(text, (size_t)(close - text));
                }
                p = gt + 1;
        }
        return NULL;
}

bool s3_xml_root_is(const char *xml, size_t len, const char *name)
{
        const char *p = xml, *end = xml + len;
        while (p < end) {
                const char *lt = memchr(p, '<', (size_t)(end - p));
                if (!lt || lt + 1 >= end)
                        return false;
                if (lt[1] == '?' || lt[1] == '!') {
                        p = skip_markup(lt, end);
                        continue;
                }
                const char *n;
                size_t nl;
                tag_name(lt + 1, end, &n, &nl);
                return nl == strlen(name) && memcmp(n, name, nl) == 0;
        }
        return false;
}
