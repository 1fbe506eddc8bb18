/* Java regular expressions (ferry/regex.h): translation of java.util.regex patterns to POSIX ERE,
 * whole-string matching with Java's group numbers, and Matcher replacement strings. Used wherever
 * a config holds a Java regex: the RegexRouter and TopicNameMatches plugins, the runtime's
 * topic.creation groups; compiled once at configure time, matched once per record. */
#include <ferry/buf.h>
#include <ferry/regex.h>

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool ere_special(char c)
{
        return strchr(".[]()*+?{}|^$\\", c) != NULL;
}

static int emit_literal(ferry_buf_t *b, char c)
{
        if (ere_special(c) && ferry_buf_putc(b, '\\') < 0)
                return -1;
        return ferry_buf_putc(b, c);
}

static int rx_err(char *errstr, size_t n, const char *java, const char *what, size_t at)
{
        snprintf(errstr, n, "%s near index %zu in %s", what, at, java);
        return -1;
}

/* Translates a [...] class starting at p[*i] == '['. */
static int translate_class(const char *p, size_t *i, ferry_buf_t *out, char *errstr, size_t n)
{
        size_t start = *i;
        size_t k = *i + 1;
        bool neg = false, rb = false, dash = false, caret = false, first = true;
        ferry_buf_t body;
        ferry_buf_init(&body);
        int rc = -1;

        if (p[k] == '^') {
                neg = true;
                k++;
        }
        for (;; k++) {
                char c = p[k];
                if (!c) {
                        rx_err(errstr, n, p, "Unclosed character class", start);
                        goto done;
                }
                if (c == ']' && !first)
                        break;
                if (c == ']') {
                        rb = true;
                } else if (c == '\\') {
                        char e = p[++k];
                        switch (e) {
                        case 'd':
                                ferry_buf_puts(&body, "0-9");
                                break;
                        case 'w':
                                ferry_buf_puts(&body, "A-Za-z0-9_");
                                break;
                        case 's':
                                ferry_buf_puts(&body, "[:space:]");
                                break;
                        case 't':
                                ferry_buf_putc(&body, '\t');
                                break;
                        case 'n':
                                ferry_buf_putc(&body, '\n');
                                break;
                        case 'r':
                                ferry_buf_putc(&body, '\r');
                                break;
                        case 'f':
                                ferry_buf_putc(&body, '\f');
                                break;
                        case ']':
                                rb = true;
                                break;
                        case '-':
                                dash = true;
                                break;
                        case '^':
                                caret = true;
                                break;
                        case '\0':
                                rx_err(errstr, n, p, "Unclosed character class", start);
                                goto done;
                        default:
                                if (isalnum((unsigned char)e)) {
                                        rx_err(errstr, n, p, "Unsupported escape in character class", k);
                                        goto done;
                                }
                                ferry_buf_putc(&body, e);
                        }
                } else if (c == '[') {
                        rx_err(errstr, n, p, "Unsupported nested character class", k);
                        goto done;
                } else if (c == '&' && p[k + 1] == '&') {
                        rx_err(errstr, n, p, "Unsupported character class intersection", k);
                        goto done;
                } else if (c == '-' && (first || p[k + 1] == ']')) {
                        dash = true;
                } else if (c == '^') {
                        caret = true;
                } else {
                        ferry_buf_putc(&body, c);
                }
                first = false;
        }
        if (!neg && !rb && body.len == 0 && caret && !dash) {
                rc = ferry_buf_puts(out, "\\^");
        } else {
                rc = ferry_buf_putc(out, '[');
                if (neg)
                        rc |= ferry_buf_putc(out, '^');
                if (rb)
                        rc |= ferry_buf_putc(out, ']');
                if (body.len)
                        rc |= ferry_buf_append(out, body.p, body.len);
                if (caret)
                        rc |= ferry_buf_putc(out, '^');
                if (dash)
                        rc |= ferry_buf_putc(out, '-');
                rc |= ferry_buf_putc(out, ']');
        }
        *i = k;
done:
        ferry_buf_free(&body);
        return rc;
}

int ferry_regex_compile(ferry_regex_t *r, const char *java, char *errstr, size_t errstr_size)
{
        memset(r, 0, sizeof(*r));
        size_t len = strlen(java);
        int flags = REG_EXTENDED;
        size_t i = 0, posix_groups = 1, java_groups = 0;
        ferry_buf_t out;
        int *map = calloc(len + 2, sizeof(*map));
        if (!map) {
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        ferry_buf_init(&out);
        if (!strncmp(java, "(?i)", 4)) {
                flags |= REG_ICASE;
                i = 4;
        }
        ferry_buf_puts(&out, "^(");
        for (; i < len; i++) {
                char c = java[i];
                if (c == '\\') {
                        char e = java[++i];
                        switch (e) {
                        case 'd':
                                ferry_buf_puts(&out, "[0-9]");
                                break;
                        case 'D':
                                ferry_buf_puts(&out, "[^0-9]");
                                break;
                        case 'w':
                                ferry_buf_puts(&out, "[A-Za-z0-9_]");
                                break;
                        case 'W':
                                ferry_buf_puts(&out, "[^A-Za-z0-9_]");
                                break;
                        case 's':
                                ferry_buf_puts(&out, "[[:space:]]");
                                break;
                        case 'S':
                                ferry_buf_puts(&out, "[^[:space:]]");
                                break;
                        case 't':
                                ferry_buf_putc(&out, '\t');
                                break;
                        case 'n':
                                ferry_buf_putc(&out, '\n');
                                break;
                        case 'r':
                                ferry_buf_putc(&out, '\r');
                                break;
                        case 'f':
                                ferry_buf_putc(&out, '\f');
                                break;
                        case 'Q': {
                                const char *end = strstr(java + i + 1, "\\E");
                                size_t stop = end ? (size_t)(end - java) : len;
                                for (size_t k = i + 1; k < stop; k++)
                                        emit_literal(&out, java[k]);
                                i = end ? stop + 1 : len;
                                break;
                        }
                        case '\0':
                                rx_err(errstr, errstr_size, java, "Unexpected internal error", i);
                                goto fail;
                        default:
                                if (isalnum((unsigned char)e)) {
                                        rx_err(errstr, errstr_size, java, "Unsupported escape sequence", i);
                                        goto fail;
                                }
                                emit_literal(&out, e);
                        }
                        continue;
                }
                if (c == '[') {
                        if (translate_class(java, &i, &out, errstr, errstr_size) < 0)
                                goto fail;
                        continue;
                }
                if (c == '(') {
                        if (java[i + 1] == '?') {
                                if (java[i + 2] != ':') {
                                        rx_err(errstr, errstr_size, java,
                                               "Unsupported group construct (lookaround, named group or "
                                               "flags)",
                                               i);
                                        goto fail;
                                }
                                i += 2;
                                posix_groups++;
                        } else {
                                posix_groups++;
                                map[++java_groups] = (int)posix_groups;
                        }
                        ferry_buf_putc(&out, '(');
                        continue;
                }
                if (c == '*' || c == '+' || c == '?' || c == '}') {
                        ferry_buf_putc(&out, c);
                        if (java[i + 1] == '?' || java[i + 1] == '+') {
                                rx_err(errstr, errstr_size, java, "Unsupported lazy or possessive quantifier",
                                       i + 1);
                                goto fail;
                        }
                        continue;
                }
                ferry_buf_putc(&out, c);
        }
        if (ferry_buf_puts(&out, ")$") < 0 || !out.p) {
                snprintf(errstr, errstr_size, "out of memory");
                goto fail;
        }
        int rc = regcomp(&r->re, out.p, flags);
        if (rc != 0) {
                char msg[256];
                regerror(rc, &r->re, msg, sizeof(msg));
                snprintf(errstr, errstr_size, "%s in %s", msg, java);
                goto fail;
        }
        ferry_buf_free(&out);
        r->compiled = true;
        r->groups = java_groups;
        r->group_map = map;
        r->nsub = r->re.re_nsub;
        return 0;
fail:
        ferry_buf_free(&out);
        free(map);
        return -1;
}

bool ferry_regex_matches(const ferry_regex_t *r, const char *s, regmatch_t *m, size_t nm)
{
        regmatch_t stack[16];
        if (!r->compiled || !s)
                return false;
        regmatch_t *pm = r->nsub + 1 <= 16 ? stack : malloc((r->nsub + 1) * sizeof(*pm));
        if (!pm)
                return false;
        bool ok = regexec(&r->re, s, r->nsub + 1, pm, 0) == 0;
        if (ok && m) {
                for (size_t j = 0; j < nm; j++) {
                        m[j].rm_so = m[j].rm_eo = -1;
                        if (j == 0)
                                m[j] = pm[0];
                        else if (j <= r->groups)
                                m[j] = pm[r->group_map[j]];
                }
        }
        if (pm != stack)
                free(pm);
        return ok;
}

void ferry_regex_free(ferry_regex_t *r)
{
        if (r->compiled)
                regfree(&r->re);
        free(r->group_map);
        memset(r, 0, sizeof(*r));
}

/* Walks a replacement string; with out, appends the expansion. */
static int replacement_walk(const char *repl, size_t n_groups, const char *s, const regmatch_t *m,
                            ferry_buf_t *out, char *errstr, size_t errstr_size)
{
        for (size_t i = 0; repl[i]; i++) {
                char c = repl[i];
                if (c == '\\') {
                        if (!repl[i + 1]) {
                                snprintf(errstr, errstr_size, "character to be escaped is missing");
                                return -1;
                        }
                        if (out)
                                ferry_buf_putc(out, repl[++i]);
                        else
                                i++;
                        continue;
                }
                if (c != '$') {
                        if (out)
                                ferry_buf_putc(out, c);
                        continue;
                }
                if (repl[i + 1] == '{') {
                        snprintf(errstr, errstr_size, "named group references are not supported");
                        return -1;
                }
                if (!isdigit((unsigned char)repl[i + 1])) {
                        snprintf(errstr, errstr_size, "Illegal group reference");
                        return -1;
                }
                size_t ref = (size_t)(repl[++i] - '0');
                if (ref > n_groups) {
                        snprintf(errstr, errstr_size, "No group %zu", ref);
                        return -1;
                }
                while (isdigit((unsigned char)repl[i + 1])) {
                        size_t next = ref * 10 + (size_t)(repl[i + 1] - '0');
                        if (next > n_groups)
                                break;
                        ref = next;
                        i++;
                }
                if (out && m && m[ref].rm_so >= 0)
                        ferry_buf_append(out, s + m[ref].rm_so, (size_t)(m[ref].rm_eo - m[ref].rm_so));
        }
        return 0;
}

int ferry_regex_replacement_check(const char *repl, size_t n_groups, char *errstr, size_t errstr_size)
{
        return replacement_walk(repl, n_groups, NULL, NULL, NULL, errstr, errstr_size);
}

char *ferry_regex_replacement_expand(const char *repl, const char *s, const regmatch_t *m, size_t n_groups)
{
        ferry_buf_t b;
        char err[128];
        ferry_buf_init(&b);
        if (replacement_walk(repl, n_groups, s, m, &b, err, sizeof(err)) < 0 || ferry_buf_puts(&b, "") < 0) {
                ferry_buf_free(&b);
                return NULL;
        }
        return ferry_buf_steal(&b);
}
