/* KCQL parser shared by the Lenses-style connector families (MQTT source and sink, Cassandra sink):
 * the connector's "connect.<family>.kcql" config value goes through ferry_kcql_parse() when the
 * connector validates and starts, and the typed statements decide which source maps to which target,
 * what is projected and which clauses apply. A hand-written lexer and recursive-descent parser
 * following the stream-reactor ANTLR grammar (keywords all upper- or all lower-case, clauses in the
 * grammar's order), plus a formatter that writes a statement back in canonical form. */
#include "kcql.h"

#include <ferry/buf.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- clause table ---- */

typedef struct {
        const char *keyword;
        int select_rank; /* order in a SELECT-only statement, -1 when not allowed there */
        bool insert;     /* allowed in INSERT/UPSERT/UPDATE (ordered by the enum) */
} clause_info_t;

static const clause_info_t clause_info[FERRY_KCQL_CLAUSE_COUNT] = {
        [FERRY_KCQL_AUTOCREATE] = {"AUTOCREATE", -1, true},
        [FERRY_KCQL_WITHSTRUCTURE] = {"WITHSTRUCTURE", 1, true},
        [FERRY_KCQL_PK] = {"PK", 0, true},
        [FERRY_KCQL_WITHTARGET] = {"WITHTARGET", -1, true},
        [FERRY_KCQL_AUTOEVOLVE] = {"AUTOEVOLVE", -1, true},
        [FERRY_KCQL_BATCH] = {"BATCH", -1, true},
        [FERRY_KCQL_CAPITALIZE] = {"CAPITALIZE", -1, true},
        [FERRY_KCQL_INITIALIZE] = {"INITIALIZE", -1, true},
        [FERRY_KCQL_PROJECTTO] = {"PROJECTTO", -1, true},
        [FERRY_KCQL_PARTITIONBY] = {"PARTITIONBY", -1, true},
        [FERRY_KCQL_NOPARTITION] = {"NOPARTITION", -1, true},
        [FERRY_KCQL_DISTRIBUTEBY] = {"DISTRIBUTEBY", -1, true},
        [FERRY_KCQL_CLUSTERBY] = {"CLUSTERBY", -1, true},
        [FERRY_KCQL_WITHTIMESTAMP] = {"WITHTIMESTAMP", -1, true},
        [FERRY_KCQL_TIMESTAMPUNIT] = {"TIMESTAMPUNIT", -1, true},
        [FERRY_KCQL_WITHFORMAT] = {"WITHFORMAT", 2, true},
        [FERRY_KCQL_WITHUNWRAP] = {"WITHUNWRAP", 3, true},
        [FERRY_KCQL_STOREAS] = {"STOREAS", 8, true},
        [FERRY_KCQL_WITHTAG] = {"WITHTAG", 9, true},
        [FERRY_KCQL_INCREMENTALMODE] = {"INCREMENTALMODE", 10, true},
        [FERRY_KCQL_WITHTYPE] = {"WITHTYPE", -1, true},
        [FERRY_KCQL_WITHDOCTYPE] = {"WITHDOCTYPE", 11, true},
        [FERRY_KCQL_WITHINDEXSUFFIX] = {"WITHINDEXSUFFIX", 12, true},
        [FERRY_KCQL_TTL] = {"TTL", 15, true},
        [FERRY_KCQL_WITHCONVERTER] = {"WITHCONVERTER", 13, true},
        [FERRY_KCQL_WITHJMSSELECTOR] = {"WITHJMSSELECTOR", -1, true},
        [FERRY_KCQL_WITHKEY] = {"WITHKEY", -1, true},
        [FERRY_KCQL_KEYDELIMITER] = {"KEYDELIMITER", 14, true},
        [FERRY_KCQL_WITHPIPELINE] = {"WITHPIPELINE", -1, true},
        [FERRY_KCQL_WITHPARTITIONER] = {"WITHPARTITIONER", -1, true},
        [FERRY_KCQL_WITHSUBSCRIPTION] = {"WITHSUBSCRIPTION", -1, true},
        [FERRY_KCQL_WITHCOMPRESSION] = {"WITHCOMPRESSION", -1, true},
        [FERRY_KCQL_WITHDELAY] = {"WITHDELAY", -1, true},
        [FERRY_KCQL_WITHREGEX] = {"WITHREGEX", -1, true},
        [FERRY_KCQL_WITH_FLUSH_SIZE] = {"WITH_FLUSH_SIZE", -1, true},
        [FERRY_KCQL_WITH_FLUSH_INTERVAL] = {"WITH_FLUSH_INTERVAL", -1, true},
        [FERRY_KCQL_WITH_FLUSH_COUNT] = {"WITH_FLUSH_COUNT", -1, true},
        [FERRY_KCQL_WITH_SCHEMA_EVOLUTION] = {"WITH_SCHEMA_EVOLUTION", -1, true},
        [FERRY_KCQL_WITH_TABLE_LOCATION] = {"WITH_TABLE_LOCATION", -1, true},
        [FERRY_KCQL_WITH_OVERWRITE] = {"WITH_OVERWRITE", -1, true},
        [FERRY_KCQL_WITH_PARTITIONING] = {"WITH_PARTITIONING", -1, true},
        [FERRY_KCQL_LIMIT] = {"LIMIT", 7, true},
        [FERRY_KCQL_WITH_SESSION] = {"WITH_SESSION", 16, true},
        [FERRY_KCQL_WITH_ACK] = {"WITH_ACK", -1, true},
        [FERRY_KCQL_WITH_ENCODE_BASE64] = {"WITH_ENCODE_BASE64", -1, true},
        [FERRY_KCQL_WITH_LOCK_TIME] = {"WITH_LOCK_TIME", -1, true},
        [FERRY_KCQL_PROPERTIES] = {"PROPERTIES", -1, true},
        [FERRY_KCQL_WITHGROUP] = {"WITHGROUP", 4, false},
        [FERRY_KCQL_WITHOFFSET] = {"WITHOFFSET", 5, false},
        [FERRY_KCQL_SAMPLE] = {"SAMPLE", 6, false},
};

/* Words that are tokens of the grammar besides the clause keywords: never a bare name. */
static const char *const other_keywords[] = {"INSERT", "UPSERT", "UPDATE", "INTO",  "SELECT",
                                             "FROM",   "IGNORE", "AS",     "EVERY", "BUCKETS"};

const char *ferry_kcql_clause_name(ferry_kcql_clause_t c)
{
        return (unsigned)c < FERRY_KCQL_CLAUSE_COUNT ? clause_info[c].keyword : "?";
}

/* ---- lexer ---- */

typedef enum {
        T_END,
        T_SEMI,
        T_WORD,
        T_SQUOTE,
        T_BTICK,
        T_STAR,
        T_COMMA,
        T_DOT,
        T_LP,
        T_RP,
        T_EQ,
        T_BAD
} tkind_t;

typedef struct {
        tkind_t k;
        const char *s; /* text; for quoted tokens the content between the quotes */
        size_t len;
        size_t pos; /* absolute offset of the token's first character */
        size_t end; /* just past its last character (closing quote included) */
        bool unterminated;
} tok_t;

typedef struct {
        const char *src;
        size_t len;
        size_t cur; /* lexing cursor */
        size_t prev_end;
        tok_t tok;
        size_t stmt_start;
        size_t stmt_no;
        int depth; /* function calls being parsed, bounded so the stack is */
        char *err;
        size_t errsz;
        bool failed;
} parser_t;

static bool bare_char(unsigned char c)
{
        return isalnum(c) || (c && strchr("_@-+/{}:$", c));
}

static bool blank(char c)
{
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void next(parser_t *p)
{
        if (p->tok.k != T_END)
                p->prev_end = p->tok.end;
        while (p->cur < p->len && blank(p->src[p->cur]))
                p->cur++;
        tok_t t = {.pos = p->cur, .s = p->src + p->cur, .len = 1};
        if (p->cur >= p->len) {
                t.end = p->cur;
                t.k = T_END;
                t.len = 0;
                p->tok = t;
                return;
        }
        char c = p->src[p->cur];
        switch (c) {
        case ';':
                t.k = T_SEMI;
                break;
        case '*':
                t.k = T_STAR;
                break;
        case ',':
                t.k = T_COMMA;
                break;
        case '.':
                t.k = T_DOT;
                break;
        case '(':
                t.k = T_LP;
                break;
        case ')':
                t.k = T_RP;
                break;
        case '=':
                t.k = T_EQ;
                break;
        case '\'':
        case '`': {
                /* 'single quoted' ends at the line; `backticked` may span lines. No escapes. */
                size_t i = p->cur + 1;
                while (i < p->len && p->src[i] != c && (c == '`' || (p->src[i] != '\n' && p->src[i] != '\r')))
                        i++;
                t.k = c == '\'' ? T_SQUOTE : T_BTICK;
                t.s = p->src + p->cur + 1;
                if (i >= p->len || p->src[i] != c) {
                        t.k = T_BAD;
                        t.unterminated = true;
                        t.len = 1;
                        t.s = p->src + p->cur;
                        p->cur = p->len;
                        t.end = p->cur;
                        p->tok = t;
                        return;
                }
                t.len = i - p->cur - 1;
                p->cur = i + 1;
                t.end = p->cur;
                p->tok = t;
                return;
        }
        default:
                if (bare_char((unsigned char)c)) {
                        size_t i = p->cur;
                        while (i < p->len && bare_char((unsigned char)p->src[i]))
                                i++;
                        t.k = T_WORD;
                        t.len = i - p->cur;
                } else {
                        t.k = T_BAD;
                }
        }
        p->cur += t.len;
        t.end = p->cur;
        p->tok = t;
}

static bool word_is(const tok_t *t, const char *upper)
{
        size_t n = strlen(upper);
        if (t->k != T_WORD || t->len != n)
                return false;
        if (!memcmp(t->s, upper, n))
                return true;
        for (size_t i = 0; i < n; i++)
                if (t->s[i] != tolower((unsigned char)upper[i]))
                        return false;
        return true;
}

static bool word_is_nocase(const tok_t *t, const char *upper)
{
        return t->k == T_WORD && t->len == strlen(upper) && !strncasecmp(t->s, upper, t->len);
}

static int clause_of(const tok_t *t)
{
        for (int c = 0; c < FERRY_KCQL_CLAUSE_COUNT; c++)
                if (word_is(t, clause_info[c].keyword) || (c == FERRY_KCQL_PROJECTTO && t->k == T_WORD &&
                                                           t->len == 9 && !memcmp(t->s, "projectTo", 9)))
                        return c;
        return -1;
}

static bool reserved(const tok_t *t)
{
        if (t->k != T_WORD)
                return false;
        if (clause_of(t) >= 0)
                return true;
        for (size_t i = 0; i < sizeof(other_keywords) / sizeof(other_keywords[0]); i++)
                if (word_is(t, other_keywords[i]))
                        return true;
        return false;
}

static bool reserved_str(const char *s)
{
        tok_t t = {.k = T_WORD, .s = s, .len = strlen(s)};
        return reserved(&t);
}

/* ---- errors ---- */

static size_t relpos(const parser_t *p, size_t abs)
{
        return abs >= p->stmt_start ? abs - p->stmt_start + 1 : 1;
}

static int fail(parser_t *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(parser_t *p, const char *fmt, ...)
{
        if (p->failed)
                return -1;
        p->failed = true;
        char msg[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        snprintf(p->err, p->errsz, "KCQL statement %zu: %s", p->stmt_no, msg);
        return -1;
}

/* "at position 23 near 'form topic'" or "at end of statement" for the current token. */
static void where(const parser_t *p, char *out, size_t outsz)
{
        const tok_t *t = &p->tok;
        if (t->k == T_END || t->k == T_SEMI) {
                snprintf(out, outsz, "at end of statement");
                return;
        }
        char near[32];
        size_t n = 0;
        for (size_t i = t->pos; i < p->len && n < 24 && p->src[i] != '\n' && p->src[i] != '\r'; i++)
                near[n++] = isprint((unsigned char)p->src[i]) ? p->src[i] : '?';
        near[n] = '\0';
        snprintf(out, outsz, "at position %zu near '%s'", relpos(p, t->pos), near);
}

static int expected(parser_t *p, const char *what)
{
        char w[96];
        where(p, w, sizeof(w));
        if (p->tok.unterminated)
                return fail(p, "unterminated quote at position %zu", relpos(p, p->tok.pos));
        if (p->tok.k == T_BAD)
                return fail(p, "expected %s %s (names with characters such as '#' must be quoted with `...`)",
                            what, w);
        bool hint = false;
        /* A keyword in mixed case is a name to the grammar; say why it was not taken. */
        if (p->tok.k == T_WORD)
                for (const char *s = what; *s && !hint; s++)
                        if (isupper((unsigned char)*s) && (s == what || !isalnum((unsigned char)s[-1]))) {
                                size_t n = 0;
                                while (isupper((unsigned char)s[n]) || s[n] == '_')
                                        n++;
                                hint = p->tok.len == n && !strncasecmp(p->tok.s, s, n);
                        }
        return fail(p, "expected %s %s%s", what, w,
                    hint ? " (keywords are all upper- or all lower-case)" : "");
}

static int expect_kw(parser_t *p, const char *kw)
{
        if (!word_is(&p->tok, kw))
                return expected(p, kw);
        next(p);
        return 0;
}

static int expect(parser_t *p, tkind_t k, const char *what)
{
        if (p->tok.k != k)
                return expected(p, what);
        next(p);
        return 0;
}

/* ---- allocation helpers ---- */

static char *dupn(parser_t *p, const char *s, size_t n)
{
        char *r = malloc(n + 1);
        if (!r) {
                fail(p, "out of memory");
                return NULL;
        }
        memcpy(r, s, n);
        r[n] = '\0';
        return r;
}

static int grow(parser_t *p, void **arr, size_t n, size_t elem)
{
        void *r = realloc(*arr, (n + 1) * elem);
        if (!r)
                return fail(p, "out of memory");
        *arr = r;
        memset((char *)r + n * elem, 0, elem);
        return 0;
}

static int names_add(parser_t *p, ferry_kcql_names_t *l, char *s)
{
        if (!s || grow(p, (void **)&l->items, l->n, sizeof(*l->items))) {
                free(s);
                return -1;
        }
        l->items[l->n++] = s;
        return 0;
}

static void names_free(ferry_kcql_names_t *l)
{
        for (size_t i = 0; i < l->n; i++)
                free(l->items[i]);
        free(l->items);
        l->items = NULL;
        l->n = 0;
}

static void pairs_free(ferry_kcql_pairs_t *l)
{
        for (size_t i = 0; i < l->n; i++) {
                free(l->items[i].key);
                free(l->items[i].value);
        }
        free(l->items);
}

static void fields_free(ferry_kcql_fields_t *l);

static void field_free(ferry_kcql_field_t *f)
{
        for (size_t i = 0; i < f->depth; i++)
                free(f->path[i]);
        free(f->path);
        free(f->alias);
        fields_free(&f->args);
}

static void fields_free(ferry_kcql_fields_t *l)
{
        for (size_t i = 0; i < l->n; i++)
                field_free(&l->items[i]);
        free(l->items);
}

/* ---- names and values ---- */

/* A single name token: a bare word that is not a keyword, 'quoted' or `backticked`. */
static bool at_name_token(const parser_t *p)
{
        return (p->tok.k == T_WORD && !reserved(&p->tok)) || p->tok.k == T_SQUOTE || p->tok.k == T_BTICK;
}

static int empty_name(parser_t *p)
{
        return fail(p, "empty name at position %zu", relpos(p, p->tok.pos));
}

/* A dotted name (topic, table, value): one quoted token, or bare words joined by dots
 * ("ks.table", "/sensors/+/temp", "$"). */
static int parse_name(parser_t *p, char **out, const char *what)
{
        if (p->tok.k == T_SQUOTE || p->tok.k == T_BTICK) {
                if (!p->tok.len)
                        return empty_name(p);
                *out = dupn(p, p->tok.s, p->tok.len);
                if (!*out)
                        return -1;
                next(p);
                return 0;
        }
        if (!(p->tok.k == T_DOT || (p->tok.k == T_WORD && !reserved(&p->tok))))
                return expected(p, what);
        ferry_buf_t b;
        ferry_buf_init(&b);
        bool last_word = false;
        while (p->tok.k == T_DOT || (p->tok.k == T_WORD && !reserved(&p->tok) && !last_word)) {
                last_word = p->tok.k == T_WORD;
                if (ferry_buf_append(&b, p->tok.s, p->tok.len)) {
                        ferry_buf_free(&b);
                        return fail(p, "out of memory");
                }
                next(p);
        }
        *out = ferry_buf_steal(&b);
        return *out ? 0 : fail(p, "out of memory");
}

/* A value that names a single thing (enum-like values may be keywords: WITH_SCHEMA_EVOLUTION=IGNORE). */
static int parse_word(parser_t *p, char **out, const char *what, bool upper)
{
        if (p->tok.k != T_WORD && p->tok.k != T_SQUOTE && p->tok.k != T_BTICK)
                return expected(p, what);
        if (!p->tok.len)
                return empty_name(p);
        *out = dupn(p, p->tok.s, p->tok.len);
        if (!*out)
                return -1;
        if (upper)
                for (char *s = *out; *s; s++)
                        *s = (char)toupper((unsigned char)*s);
        next(p);
        return 0;
}

static int parse_int(parser_t *p, int64_t *out, int64_t min, int64_t max, const char *what)
{
        if (p->tok.k != T_WORD)
                return expected(p, what);
        bool digits = true;
        for (size_t i = 0; i < p->tok.len; i++)
                digits = digits && isdigit((unsigned char)p->tok.s[i]);
        char num[32];
        long long v = -1;
        if (digits && p->tok.len < sizeof(num)) {
                memcpy(num, p->tok.s, p->tok.len);
                num[p->tok.len] = '\0';
                errno = 0;
                v = strtoll(num, NULL, 10);
                if (errno)
                        v = -1;
        }
        if (!digits || v < min || v > max)
                return fail(p, "%s must be an integer from %lld to %lld, got %.*s at position %zu", what,
                            (long long)min, (long long)max, (int)(p->tok.len > 40 ? 40 : p->tok.len),
                            p->tok.s, relpos(p, p->tok.pos));
        *out = v;
        next(p);
        return 0;
}

static int parse_i32(parser_t *p, int32_t *out, int64_t min, const char *what)
{
        int64_t v;
        if (parse_int(p, &v, min, INT32_MAX, what))
                return -1;
        *out = (int32_t)v;
        return 0;
}

static int one_of(parser_t *p, const char *v, size_t pos, const char *what, const char *const *allowed)
{
        for (size_t i = 0; allowed[i]; i++)
                if (!strcmp(v, allowed[i]))
                        return 0;
        char list[256] = "";
        size_t n = 0;
        for (size_t i = 0; allowed[i]; i++)
                n += (size_t)snprintf(list + n, n < sizeof(list) ? sizeof(list) - n : 0, "%s%s",
                                      i ? ", " : "", allowed[i]);
        return fail(p, "%s '%s' at position %zu is not one of %s", what, v, relpos(p, pos), list);
}

/* ---- fields ---- */

static int parse_fields(parser_t *p, ferry_kcql_fields_t *out, bool alias, bool call, const char *what);

static int add_segment(parser_t *p, ferry_kcql_field_t *f, const char *s, size_t n)
{
        char *seg = dupn(p, s, n);
        if (!seg || grow(p, (void **)&f->path, f->depth, sizeof(*f->path))) {
                free(seg);
                return -1;
        }
        f->path[f->depth++] = seg;
        return 0;
}

static void set_scope(ferry_kcql_field_t *f)
{
        static const struct {
                const char *name;
                ferry_kcql_scope_t scope;
        } meta[] = {{"topic", FERRY_KCQL_SCOPE_TOPIC},
                    {"partition", FERRY_KCQL_SCOPE_PARTITION},
                    {"offset", FERRY_KCQL_SCOPE_OFFSET},
                    {"timestamp", FERRY_KCQL_SCOPE_TIMESTAMP},
                    {"key", FERRY_KCQL_SCOPE_KEY}};
        if (f->call || !f->depth)
                return;
        if (!strcmp(f->path[0], "_key")) {
                f->scope = FERRY_KCQL_SCOPE_KEY;
                f->scope_depth = 1;
        } else if (!strcmp(f->path[0], "_header") && f->depth > 1) {
                f->scope = FERRY_KCQL_SCOPE_HEADER;
                f->scope_depth = 1;
        } else if (!strcmp(f->path[0], "_") && f->depth > 1) {
                for (size_t i = 0; i < sizeof(meta) / sizeof(meta[0]); i++)
                        if (!strcasecmp(f->path[1], meta[i].name)) {
                                f->scope = meta[i].scope;
                                f->scope_depth = 2;
                        }
        }
}

/* column [AS alias] | * ; column = seg (. seg)* [. *] | name(args); seg = word | 'q' | `q`. */
static int parse_field(parser_t *p, ferry_kcql_field_t *f, bool alias, bool call, const char *what)
{
        f->pos = relpos(p, p->tok.pos);
        if (p->tok.k == T_STAR) {
                f->wildcard = true;
                next(p);
                return 0;
        }
        if (!at_name_token(p))
                return expected(p, what);
        bool first_bare = p->tok.k == T_WORD;
        for (;;) {
                if (!p->tok.len)
                        return empty_name(p);
                if (add_segment(p, f, p->tok.s, p->tok.len))
                        return -1;
                next(p);
                if (p->tok.k != T_DOT)
                        break;
                next(p);
                if (p->tok.k == T_STAR) {
                        if (add_segment(p, f, "*", 1))
                                return -1;
                        f->wildcard = true;
                        next(p);
                        break;
                }
                if (!at_name_token(p))
                        return expected(p, "a field name after '.'");
        }
        if (call && first_bare && f->depth == 1 && p->tok.k == T_LP) {
                f->call = true;
                if (p->depth == 32)
                        return fail(p, "function calls nested deeper than 32 at position %zu",
                                    relpos(p, p->tok.pos));
                next(p);
                p->depth++;
                int rc = p->tok.k != T_RP ? parse_fields(p, &f->args, true, true, "a function argument") : 0;
                p->depth--;
                if (rc || expect(p, T_RP, "')'"))
                        return -1;
        }
        if (alias && word_is(&p->tok, "AS")) {
                next(p);
                if (!at_name_token(p))
                        return expected(p, "an alias after AS");
                if (!p->tok.len)
                        return empty_name(p);
                f->alias = dupn(p, p->tok.s, p->tok.len);
                if (!f->alias)
                        return -1;
                next(p);
        }
        set_scope(f);
        return 0;
}

static int parse_fields(parser_t *p, ferry_kcql_fields_t *out, bool alias, bool call, const char *what)
{
        for (;;) {
                if (grow(p, (void **)&out->items, out->n, sizeof(*out->items)))
                        return -1;
                out->n++;
                if (parse_field(p, &out->items[out->n - 1], alias, call, what))
                        return -1;
                if (p->tok.k != T_COMMA)
                        return 0;
                next(p);
        }
}

/* ---- clauses ---- */

static int eq(parser_t *p, const char *kw)
{
        if (p->tok.k == T_EQ) {
                next(p);
                return 0;
        }
        char what[64];
        snprintf(what, sizeof(what), "'=' after %s", kw);
        return expected(p, what);
}

static int eq_name(parser_t *p, char **out, const char *kw)
{
        char what[64];
        snprintf(what, sizeof(what), "a value for %s", kw);
        return eq(p, kw) || parse_name(p, out, what);
}

/* "( item , item ... )": calls item() for each; empty lists only when allow_empty. */
static int list(parser_t *p, const char *kw, bool allow_empty, int (*item)(parser_t *, ferry_kcql_stmt_t *),
                ferry_kcql_stmt_t *s)
{
        char what[64];
        snprintf(what, sizeof(what), "'(' after %s", kw);
        if (expect(p, T_LP, what))
                return -1;
        if (allow_empty && p->tok.k == T_RP) {
                next(p);
                return 0;
        }
        for (;;) {
                if (item(p, s))
                        return -1;
                if (p->tok.k == T_RP) {
                        next(p);
                        return 0;
                }
                if (expect(p, T_COMMA, "',' or ')'"))
                        return -1;
        }
}

static int pairs_put(parser_t *p, ferry_kcql_pairs_t *l, char *k, char *v)
{
        for (size_t i = 0; i < l->n; i++)
                if (!strcmp(l->items[i].key, k)) { /* the last one wins, as in a map */
                        free(l->items[i].value);
                        l->items[i].value = v;
                        free(k);
                        return 0;
                }
        if (grow(p, (void **)&l->items, l->n, sizeof(*l->items))) {
                free(k);
                free(v);
                return -1;
        }
        l->items[l->n++] = (ferry_kcql_pair_t){k, v};
        return 0;
}

static int property_item(parser_t *p, ferry_kcql_stmt_t *s)
{
        char *k = NULL, *v = NULL;
        if (parse_name(p, &k, "a property name") || eq(p, "the property name") ||
            parse_name(p, &v, "a property value")) {
                free(k);
                free(v);
                return -1;
        }
        return pairs_put(p, &s->properties, k, v);
}

static int storeas_item(parser_t *p, ferry_kcql_stmt_t *s)
{
        char *k = NULL, *v = NULL;
        size_t pos = relpos(p, p->tok.pos);
        if (parse_name(p, &k, "a STOREAS parameter")) {
                return -1;
        }
        for (size_t i = 0; i < s->store_as_params.n; i++)
                if (!strcasecmp(s->store_as_params.items[i].key, k)) {
                        fail(p, "STOREAS parameter '%s' at position %zu is given twice", k, pos);
                        free(k);
                        return -1;
                }
        if (eq(p, "the STOREAS parameter") || parse_name(p, &v, "a STOREAS parameter value")) {
                free(k);
                return -1;
        }
        return pairs_put(p, &s->store_as_params, k, v);
}

static int withkey_item(parser_t *p, ferry_kcql_stmt_t *s)
{
        char *v = NULL;
        return parse_name(p, &v, "a WITHKEY field") || names_add(p, &s->with_keys, v);
}

static int tag_item(parser_t *p, ferry_kcql_stmt_t *s)
{
        ferry_kcql_tag_t t = {0};
        size_t pos = relpos(p, p->tok.pos);
        if (parse_name(p, &t.key, "a WITHTAG key"))
                return -1;
        if (t.key[strlen(t.key) - 1] == '.') {
                free(t.key);
                return fail(p, "WITHTAG key at position %zu ends with '.'", pos);
        }
        int rc = 0;
        if (p->tok.k == T_EQ) {
                next(p);
                t.kind = FERRY_KCQL_TAG_CONSTANT;
                rc = parse_name(p, &t.value, "a WITHTAG value");
        } else if (word_is(&p->tok, "AS")) {
                next(p);
                t.kind = FERRY_KCQL_TAG_ALIAS;
                rc = parse_name(p, &t.value, "a WITHTAG alias");
        }
        if (rc || grow(p, (void **)&s->tags, s->n_tags, sizeof(*s->tags))) {
                free(t.key);
                free(t.value);
                return -1;
        }
        s->tags[s->n_tags++] = t;
        return 0;
}

static int offset_item(parser_t *p, ferry_kcql_stmt_t *s)
{
        ferry_kcql_offset_t o = {0};
        if (expect(p, T_LP, "'(' of a WITHOFFSET partition") ||
            parse_i32(p, &o.partition, 0, "a WITHOFFSET partition"))
                return -1;
        if (p->tok.k == T_COMMA) {
                next(p);
                if (parse_int(p, &o.offset, 0, INT64_MAX, "a WITHOFFSET offset"))
                        return -1;
                o.has_offset = true;
        }
        if (expect(p, T_RP, "')'") || grow(p, (void **)&s->offsets, s->n_offsets, sizeof(*s->offsets)))
                return -1;
        s->offsets[s->n_offsets++] = o;
        return 0;
}

/* DISTRIBUTEBY / CLUSTERBY a, b INTO n BUCKETS */
static int bucketing(parser_t *p, ferry_kcql_names_t *names, int32_t *buckets, const char *kw)
{
        char what[64];
        snprintf(what, sizeof(what), "a %s field", kw);
        for (;;) {
                char *n = NULL;
                if (!at_name_token(p) || p->tok.k != T_WORD)
                        return expected(p, what);
                if (parse_word(p, &n, what, false) || names_add(p, names, n))
                        return -1;
                if (p->tok.k != T_COMMA)
                        break;
                next(p);
        }
        return expect_kw(p, "INTO") || parse_i32(p, buckets, 1, "the number of buckets") ||
               expect_kw(p, "BUCKETS");
}

static const char *const time_units[] = {"NANOSECONDS", "MICROSECONDS", "MILLISECONDS", "SECONDS",
                                         "MINUTES",     "HOURS",        "DAYS",         NULL};
static const char *const formats[] = {"AVRO", "PROTOBUF", "TEXT", "BINARY", "JSON", "OBJECT", "MAP", NULL};
static const char *const compressions[] = {"SNAPPY", "GZIP", "LZ4", "ZLIB", "BZIP2", "LZO", NULL};
static const char *const evolutions[] = {"MATCH", "IGNORE", "ADD", NULL};
static const char *const partitionings[] = {"STRICT", "DYNAMIC", NULL};

static int enum_value(parser_t *p, char **out, const char *kw, bool with_eq, const char *const *allowed)
{
        size_t pos;
        char what[64];
        snprintf(what, sizeof(what), "a value for %s", kw);
        if (with_eq && eq(p, kw))
                return -1;
        pos = p->tok.pos;
        return parse_word(p, out, what, true) || one_of(p, *out, pos, kw, allowed);
}

static int parse_clause(parser_t *p, ferry_kcql_stmt_t *s, ferry_kcql_clause_t c)
{
        const char *kw = clause_info[c].keyword;
        next(p); /* the keyword */
        switch (c) {
        case FERRY_KCQL_AUTOCREATE:
        case FERRY_KCQL_AUTOEVOLVE:
        case FERRY_KCQL_CAPITALIZE:
        case FERRY_KCQL_INITIALIZE:
        case FERRY_KCQL_NOPARTITION:
        case FERRY_KCQL_WITH_OVERWRITE:
        case FERRY_KCQL_WITH_ACK:
        case FERRY_KCQL_WITH_ENCODE_BASE64:
                return 0;
        case FERRY_KCQL_WITHSTRUCTURE:
                s->with_structure = true;
                return 0;
        case FERRY_KCQL_WITHUNWRAP:
                s->with_unwrap = true;
                return 0;
        case FERRY_KCQL_PK:
                return parse_fields(p, &s->pk, false, false, "a PK field");
        case FERRY_KCQL_WITHTARGET:
                return eq_name(p, &s->with_target, kw);
        case FERRY_KCQL_BATCH:
                return eq(p, kw) || parse_i32(p, &s->batch_size, 1, kw);
        case FERRY_KCQL_PROJECTTO:
                return parse_i32(p, &s->project_to, 1, kw);
        case FERRY_KCQL_PARTITIONBY:
                return parse_fields(p, &s->partition_by, false, false, "a PARTITIONBY field");
        case FERRY_KCQL_DISTRIBUTEBY:
                return bucketing(p, &s->distribute_by, &s->distribute_buckets, kw);
        case FERRY_KCQL_CLUSTERBY:
                return bucketing(p, &s->cluster_by, &s->cluster_buckets, kw);
        case FERRY_KCQL_WITHTIMESTAMP:
                if (parse_name(p, &s->timestamp, "a field or sys_time() after WITHTIMESTAMP"))
                        return -1;
                if (!strcasecmp(s->timestamp, "sys_time") && p->tok.k == T_LP) {
                        next(p);
                        if (expect(p, T_RP, "')' of sys_time()"))
                                return -1;
                        char *t = dupn(p, "sys_time()", 10);
                        if (!t)
                                return -1;
                        free(s->timestamp);
                        s->timestamp = t;
                } else if (!strcasecmp(s->timestamp, "sys_time()")) {
                        for (char *q = s->timestamp; *q; q++)
                                *q = (char)tolower((unsigned char)*q);
                }
                return 0;
        case FERRY_KCQL_TIMESTAMPUNIT:
                return enum_value(p, &s->timestamp_unit, kw, true, time_units);
        case FERRY_KCQL_WITHFORMAT:
                return enum_value(p, &s->format, kw, false, formats);
        case FERRY_KCQL_STOREAS:
                if (parse_name(p, &s->store_as, "a type after STOREAS"))
                        return -1;
                while (p->tok.k == T_LP)
                        if (list(p, kw, false, storeas_item, s))
                                return -1;
                return 0;
        case FERRY_KCQL_WITHTAG:
                return list(p, kw, false, tag_item, s);
        case FERRY_KCQL_INCREMENTALMODE:
                return eq_name(p, &s->incremental_mode, kw);
        case FERRY_KCQL_WITHTYPE:
                if (!at_name_token(p))
                        return expected(p, "a type after WITHTYPE");
                return parse_word(p, &s->with_type, "a type after WITHTYPE", false);
        case FERRY_KCQL_WITHDOCTYPE:
                return eq_name(p, &s->doc_type, kw);
        case FERRY_KCQL_WITHINDEXSUFFIX:
                return eq_name(p, &s->index_suffix, kw);
        case FERRY_KCQL_TTL:
                return eq(p, kw) || parse_int(p, &s->ttl, 1, INT64_MAX, kw);
        case FERRY_KCQL_WITHCONVERTER:
                return eq_name(p, &s->converter, kw);
        case FERRY_KCQL_WITHJMSSELECTOR:
                return eq_name(p, &s->jms_selector, kw);
        case FERRY_KCQL_WITHKEY:
                return list(p, kw, false, withkey_item, s);
        case FERRY_KCQL_KEYDELIMITER: {
                if (eq(p, kw))
                        return -1;
                if (p->tok.k != T_SQUOTE && p->tok.k != T_BTICK)
                        return expected(p, "a quoted delimiter after KEYDELIMITER=");
                bool empty = true;
                for (size_t i = 0; i < p->tok.len; i++)
                        empty = empty && isspace((unsigned char)p->tok.s[i]);
                if (empty)
                        return fail(p, "KEYDELIMITER at position %zu is empty", relpos(p, p->tok.pos));
                return parse_word(p, &s->key_delimiter, "a delimiter", false);
        }
        case FERRY_KCQL_WITHPIPELINE:
                return eq_name(p, &s->pipeline, kw);
        case FERRY_KCQL_WITHPARTITIONER:
                return eq_name(p, &s->partitioner, kw);
        case FERRY_KCQL_WITHSUBSCRIPTION:
                return eq_name(p, &s->subscription, kw);
        case FERRY_KCQL_WITHCOMPRESSION:
                return enum_value(p, &s->compression, kw, true, compressions);
        case FERRY_KCQL_WITHDELAY:
                return eq(p, kw) || parse_i32(p, &s->delay, 0, kw);
        case FERRY_KCQL_WITHREGEX:
                return eq_name(p, &s->regex, kw);
        case FERRY_KCQL_WITH_FLUSH_SIZE:
                return eq(p, kw) || parse_int(p, &s->flush_size, 1, INT64_MAX, kw);
        case FERRY_KCQL_WITH_FLUSH_INTERVAL:
                return eq(p, kw) || parse_int(p, &s->flush_interval, 1, INT64_MAX, kw);
        case FERRY_KCQL_WITH_FLUSH_COUNT:
                return eq(p, kw) || parse_int(p, &s->flush_count, 1, INT64_MAX, kw);
        case FERRY_KCQL_WITH_SCHEMA_EVOLUTION:
                return enum_value(p, &s->schema_evolution, kw, true, evolutions);
        case FERRY_KCQL_WITH_TABLE_LOCATION:
                return eq_name(p, &s->table_location, kw);
        case FERRY_KCQL_WITH_PARTITIONING:
                return enum_value(p, &s->partitioning, kw, true, partitionings);
        case FERRY_KCQL_LIMIT:
                return parse_i32(p, &s->limit, 1, kw);
        case FERRY_KCQL_WITH_SESSION:
                if (eq(p, kw))
                        return -1;
                if (!at_name_token(p))
                        return expected(p, "a value for WITH_SESSION");
                return parse_word(p, &s->session, "a value for WITH_SESSION", false);
        case FERRY_KCQL_WITH_LOCK_TIME:
                return eq(p, kw) || parse_int(p, &s->lock_time, 1, INT64_MAX, kw);
        case FERRY_KCQL_PROPERTIES:
                return list(p, kw, true, property_item, s);
        case FERRY_KCQL_WITHGROUP:
                return parse_name(p, &s->consumer_group, "a consumer group after WITHGROUP");
        case FERRY_KCQL_WITHOFFSET:
                for (;;) {
                        if (offset_item(p, s))
                                return -1;
                        if (p->tok.k != T_COMMA)
                                return 0;
                        next(p);
                }
        case FERRY_KCQL_SAMPLE:
                return parse_i32(p, &s->sample_count, 1, "the SAMPLE count") || expect_kw(p, "EVERY") ||
                       parse_i32(p, &s->sample_every, 1, "the SAMPLE period");
        case FERRY_KCQL_CLAUSE_COUNT:
                break;
        }
        return fail(p, "internal error: clause %d", (int)c);
}

static int rank_of(const ferry_kcql_stmt_t *s, int c)
{
        if (s->mode == FERRY_KCQL_SELECT)
                return clause_info[c].select_rank;
        if (!clause_info[c].insert)
                return -1;
        return c == FERRY_KCQL_NOPARTITION ? FERRY_KCQL_PARTITIONBY : c;
}

static int parse_clauses(parser_t *p, ferry_kcql_stmt_t *s)
{
        int last = -1, last_clause = -1;
        while (p->tok.k != T_END && p->tok.k != T_SEMI) {
                size_t pos = relpos(p, p->tok.pos);
                int c = clause_of(&p->tok);
                if (c < 0) {
                        char w[96];
                        where(p, w, sizeof(w));
                        if (p->tok.unterminated)
                                return fail(p, "unterminated quote at position %zu", pos);
                        if (p->tok.k == T_WORD) {
                                for (int k = 0; k < FERRY_KCQL_CLAUSE_COUNT; k++)
                                        if (word_is_nocase(&p->tok, clause_info[k].keyword))
                                                return fail(
                                                        p,
                                                        "unknown clause %s (keywords are all upper- or all "
                                                        "lower-case)",
                                                        w);
                                return fail(p, "unknown clause %s", w);
                        }
                        return fail(p, "unexpected %s%s", w,
                                    p->tok.k == T_BAD
                                            ? " (names with characters such as '#' must be quoted with `...`)"
                                            : "");
                }
                int rank = rank_of(s, c);
                const char *kw = clause_info[c].keyword;
                if (rank < 0)
                        return fail(p, "%s at position %zu is not allowed in %s statement", kw, pos,
                                    s->mode == FERRY_KCQL_SELECT ? "a SELECT-only"
                                                                 : "an INSERT/UPSERT/UPDATE");
                if (s->clauses & FERRY_KCQL_BIT(c))
                        return fail(p, "%s at position %zu is given twice", kw, pos);
                if (rank == last)
                        return fail(p, "%s at position %zu cannot be combined with %s", kw, pos,
                                    clause_info[last_clause].keyword);
                if (rank < last)
                        return fail(
                                p,
                                "%s at position %zu must come before %s (clauses go in the grammar's order)",
                                kw, pos, clause_info[last_clause].keyword);
                s->clauses |= FERRY_KCQL_BIT(c);
                s->clause_pos[c] = pos;
                last = rank;
                last_clause = c;
                if (parse_clause(p, s, (ferry_kcql_clause_t)c))
                        return -1;
        }
        return 0;
}

static int parse_statement(parser_t *p, ferry_kcql_stmt_t *s)
{
        s->offset = p->tok.pos;
        if (word_is(&p->tok, "SELECT")) {
                s->mode = FERRY_KCQL_SELECT;
        } else {
                if (word_is(&p->tok, "INSERT")) {
                        s->mode = FERRY_KCQL_INSERT;
                        next(p);
                } else if (word_is(&p->tok, "UPDATE")) {
                        s->mode = FERRY_KCQL_UPDATE;
                        next(p);
                } else if (word_is(&p->tok, "UPSERT")) {
                        s->mode = FERRY_KCQL_UPSERT;
                        next(p);
                        if (word_is(&p->tok, "PK")) {
                                next(p);
                                if (parse_word(p, &s->upsert_pk, "a field after UPSERT PK", false))
                                        return -1;
                        }
                } else {
                        return expected(p, "INSERT, UPSERT, UPDATE or SELECT");
                }
                if (expect_kw(p, "INTO") || parse_name(p, &s->target, "a target after INTO"))
                        return -1;
        }
        if (expect_kw(p, "SELECT") ||
            parse_fields(p, &s->fields, true, true, "a field or '*' after SELECT") || expect_kw(p, "FROM") ||
            parse_name(p, &s->source, "a source after FROM"))
                return -1;
        /* As in Java: a top-level value field (or '*') may be selected once, whatever its alias. */
        for (size_t i = 1; i < s->fields.n; i++) {
                const ferry_kcql_field_t *f = &s->fields.items[i];
                if (f->call || f->depth > 1 || f->scope != FERRY_KCQL_SCOPE_VALUE)
                        continue;
                for (size_t j = 0; j < i; j++) {
                        const ferry_kcql_field_t *g = &s->fields.items[j];
                        if (!g->call && g->depth == f->depth && g->scope == FERRY_KCQL_SCOPE_VALUE &&
                            (!f->depth || !strcmp(f->path[0], g->path[0])))
                                return fail(p, "field '%s' at position %zu is selected twice",
                                            f->depth ? f->path[0] : "*", f->pos);
                }
        }
        if (word_is(&p->tok, "IGNORE")) {
                next(p);
                if (parse_fields(p, &s->ignored, false, false, "a field after IGNORE"))
                        return -1;
        }
        if (parse_clauses(p, s))
                return -1;
        size_t end = p->prev_end;
        s->text = dupn(p, p->src + s->offset, end > s->offset ? end - s->offset : 0);
        return s->text ? 0 : -1;
}

static void stmt_free(ferry_kcql_stmt_t *s)
{
        free(s->text);
        free(s->upsert_pk);
        free(s->target);
        free(s->source);
        fields_free(&s->fields);
        fields_free(&s->ignored);
        fields_free(&s->pk);
        free(s->with_target);
        fields_free(&s->partition_by);
        names_free(&s->distribute_by);
        names_free(&s->cluster_by);
        free(s->timestamp);
        free(s->timestamp_unit);
        free(s->format);
        free(s->store_as);
        pairs_free(&s->store_as_params);
        for (size_t i = 0; i < s->n_tags; i++) {
                free(s->tags[i].key);
                free(s->tags[i].value);
        }
        free(s->tags);
        free(s->incremental_mode);
        free(s->with_type);
        free(s->doc_type);
        free(s->index_suffix);
        free(s->converter);
        free(s->jms_selector);
        names_free(&s->with_keys);
        free(s->key_delimiter);
        free(s->pipeline);
        free(s->partitioner);
        free(s->subscription);
        free(s->compression);
        free(s->regex);
        free(s->schema_evolution);
        free(s->table_location);
        free(s->partitioning);
        free(s->session);
        pairs_free(&s->properties);
        free(s->consumer_group);
        free(s->offsets);
}

void ferry_kcql_free(ferry_kcql_t *k)
{
        if (!k)
                return;
        for (size_t i = 0; i < k->n; i++)
                stmt_free(&k->stmts[i]);
        free(k->stmts);
        free(k);
}

int ferry_kcql_parse(const char *kcql, ferry_kcql_t **out, char *errstr, size_t errstr_size)
{
        *out = NULL;
        char dummy[1];
        parser_t p = {.src = kcql ? kcql : "",
                      .len = kcql ? strlen(kcql) : 0,
                      .err = errstr_size ? errstr : dummy,
                      .errsz = errstr_size ? errstr_size : sizeof(dummy),
                      .stmt_no = 1};
        ferry_kcql_t *k = calloc(1, sizeof(*k));
        if (!k) {
                snprintf(p.err, p.errsz, "KCQL: out of memory");
                return -1;
        }
        next(&p);
        for (;;) {
                p.stmt_start = p.tok.pos;
                if (p.tok.k == T_END) {
                        if (k->n)
                                break;
                        snprintf(p.err, p.errsz,
                                 "KCQL is empty: expected a statement such as "
                                 "INSERT INTO target SELECT * FROM source");
                        goto fail;
                }
                if (p.tok.k == T_SEMI) {
                        fail(&p, "empty statement at position %zu (two ';' in a row?)",
                             relpos(&p, p.tok.pos));
                        goto fail;
                }
                if (grow(&p, (void **)&k->stmts, k->n, sizeof(*k->stmts)))
                        goto fail;
                k->n++;
                if (parse_statement(&p, &k->stmts[k->n - 1]))
                        goto fail;
                if (p.tok.k == T_SEMI)
                        next(&p);
                p.stmt_no++;
        }
        *out = k;
        return 0;
fail:
        ferry_kcql_free(k);
        return -1;
}

int ferry_kcql_check_clauses(const ferry_kcql_t *k, uint64_t allowed, const char *who, char *errstr,
                             size_t errstr_size)
{
        for (size_t i = 0; i < k->n; i++)
                for (int c = 0; c < FERRY_KCQL_CLAUSE_COUNT; c++)
                        if ((k->stmts[i].clauses & FERRY_KCQL_BIT(c)) && !(allowed & FERRY_KCQL_BIT(c))) {
                                snprintf(errstr, errstr_size,
                                         "KCQL statement %zu: %s at position %zu is not supported by %s",
                                         i + 1, clause_info[c].keyword, k->stmts[i].clause_pos[c], who);
                                return -1;
                        }
        return 0;
}

/* ---- formatter ---- */

/* A single name: bare when the lexer reads it back as one word, else quoted. */
static void put_quoted(ferry_buf_t *b, const char *s)
{
        if (!strchr(s, '`'))
                ferry_buf_printf(b, "`%s`", s);
        else
                ferry_buf_printf(b, "'%s'", s);
}

static void put_word(ferry_buf_t *b, const char *s)
{
        bool bare = *s && !reserved_str(s);
        for (const char *q = s; *q && bare; q++)
                bare = bare_char((unsigned char)*q);
        if (bare)
                ferry_buf_puts(b, s);
        else
                put_quoted(b, s);
}

/* A dotted name: bare when every dot-separated part is (no two words run together). */
static void put_name(ferry_buf_t *b, const char *s)
{
        bool bare = *s != '\0';
        const char *part = s;
        for (const char *q = s;; q++) {
                if (*q == '.' || !*q) {
                        if (q > part) {
                                char tmp[64];
                                size_t n = (size_t)(q - part);
                                if (n < sizeof(tmp)) {
                                        memcpy(tmp, part, n);
                                        tmp[n] = '\0';
                                        bare = bare && !reserved_str(tmp);
                                }
                        }
                        part = q + 1;
                        if (!*q)
                                break;
                } else if (!bare_char((unsigned char)*q)) {
                        bare = false;
                }
        }
        if (bare)
                ferry_buf_puts(b, s);
        else
                put_quoted(b, s);
}

static void put_fields(ferry_buf_t *b, const ferry_kcql_fields_t *l);

static void put_field(ferry_buf_t *b, const ferry_kcql_field_t *f)
{
        if (!f->depth)
                ferry_buf_putc(b, '*');
        for (size_t i = 0; i < f->depth; i++) {
                if (i)
                        ferry_buf_putc(b, '.');
                if (f->wildcard && i == f->depth - 1)
                        ferry_buf_putc(b, '*');
                else
                        put_word(b, f->path[i]);
        }
        if (f->call) {
                ferry_buf_putc(b, '(');
                put_fields(b, &f->args);
                ferry_buf_putc(b, ')');
        }
        if (f->alias) {
                ferry_buf_puts(b, " AS ");
                put_word(b, f->alias);
        }
}

static void put_fields(ferry_buf_t *b, const ferry_kcql_fields_t *l)
{
        for (size_t i = 0; i < l->n; i++) {
                if (i)
                        ferry_buf_puts(b, ", ");
                put_field(b, &l->items[i]);
        }
}

static void put_names(ferry_buf_t *b, const ferry_kcql_names_t *l, bool words)
{
        for (size_t i = 0; i < l->n; i++) {
                if (i)
                        ferry_buf_puts(b, ", ");
                (words ? put_word : put_name)(b, l->items[i]);
        }
}

static void put_pairs(ferry_buf_t *b, const ferry_kcql_pairs_t *l)
{
        ferry_buf_putc(b, '(');
        for (size_t i = 0; i < l->n; i++) {
                ferry_buf_puts(b, i ? ", " : "");
                put_name(b, l->items[i].key);
                ferry_buf_puts(b, " = ");
                put_name(b, l->items[i].value);
        }
        ferry_buf_putc(b, ')');
}

static void put_clause(ferry_buf_t *b, const ferry_kcql_stmt_t *s, int c)
{
        const char *kw = clause_info[c].keyword;
        ferry_buf_printf(b, " %s", kw);
        switch ((ferry_kcql_clause_t)c) {
        case FERRY_KCQL_PK:
                ferry_buf_putc(b, ' ');
                put_fields(b, &s->pk);
                break;
        case FERRY_KCQL_PARTITIONBY:
                ferry_buf_putc(b, ' ');
                put_fields(b, &s->partition_by);
                break;
        case FERRY_KCQL_BATCH:
                ferry_buf_printf(b, " = %d", (int)s->batch_size);
                break;
        case FERRY_KCQL_PROJECTTO:
                ferry_buf_printf(b, " %d", (int)s->project_to);
                break;
        case FERRY_KCQL_DISTRIBUTEBY:
                ferry_buf_putc(b, ' ');
                put_names(b, &s->distribute_by, true);
                ferry_buf_printf(b, " INTO %d BUCKETS", (int)s->distribute_buckets);
                break;
        case FERRY_KCQL_CLUSTERBY:
                ferry_buf_putc(b, ' ');
                put_names(b, &s->cluster_by, true);
                ferry_buf_printf(b, " INTO %d BUCKETS", (int)s->cluster_buckets);
                break;
        case FERRY_KCQL_WITHTIMESTAMP:
                ferry_buf_putc(b, ' ');
                if (!strcmp(s->timestamp, "sys_time()"))
                        ferry_buf_puts(b, "sys_time()");
                else
                        put_name(b, s->timestamp);
                break;
        case FERRY_KCQL_WITHFORMAT:
                ferry_buf_printf(b, " %s", s->format);
                break;
        case FERRY_KCQL_STOREAS:
                ferry_buf_putc(b, ' ');
                put_name(b, s->store_as);
                if (s->store_as_params.n)
                        put_pairs(b, &s->store_as_params);
                break;
        case FERRY_KCQL_WITHTAG:
                ferry_buf_putc(b, '(');
                for (size_t i = 0; i < s->n_tags; i++) {
                        ferry_buf_puts(b, i ? ", " : "");
                        put_name(b, s->tags[i].key);
                        if (s->tags[i].kind != FERRY_KCQL_TAG_DEFAULT) {
                                ferry_buf_puts(b, s->tags[i].kind == FERRY_KCQL_TAG_ALIAS ? " AS " : " = ");
                                put_name(b, s->tags[i].value);
                        }
                }
                ferry_buf_putc(b, ')');
                break;
        case FERRY_KCQL_WITHTYPE:
                ferry_buf_putc(b, ' ');
                put_quoted(b, s->with_type);
                break;
        case FERRY_KCQL_TTL:
                ferry_buf_printf(b, " = %lld", (long long)s->ttl);
                break;
        case FERRY_KCQL_WITHKEY:
                ferry_buf_putc(b, '(');
                put_names(b, &s->with_keys, false);
                ferry_buf_putc(b, ')');
                break;
        case FERRY_KCQL_KEYDELIMITER:
                ferry_buf_puts(b, " = ");
                if (strchr(s->key_delimiter, '\'') || strchr(s->key_delimiter, '\n') ||
                    strchr(s->key_delimiter, '\r'))
                        ferry_buf_printf(b, "`%s`", s->key_delimiter);
                else
                        ferry_buf_printf(b, "'%s'", s->key_delimiter);
                break;
        case FERRY_KCQL_WITHDELAY:
                ferry_buf_printf(b, " = %d", (int)s->delay);
                break;
        case FERRY_KCQL_WITH_FLUSH_SIZE:
                ferry_buf_printf(b, " = %lld", (long long)s->flush_size);
                break;
        case FERRY_KCQL_WITH_FLUSH_INTERVAL:
                ferry_buf_printf(b, " = %lld", (long long)s->flush_interval);
                break;
        case FERRY_KCQL_WITH_FLUSH_COUNT:
                ferry_buf_printf(b, " = %lld", (long long)s->flush_count);
                break;
        case FERRY_KCQL_LIMIT:
                ferry_buf_printf(b, " %d", (int)s->limit);
                break;
        case FERRY_KCQL_WITH_LOCK_TIME:
                ferry_buf_printf(b, " = %lld", (long long)s->lock_time);
                break;
        case FERRY_KCQL_PROPERTIES:
                put_pairs(b, &s->properties);
                break;
        case FERRY_KCQL_WITHGROUP:
                ferry_buf_putc(b, ' ');
                put_name(b, s->consumer_group);
                break;
        case FERRY_KCQL_WITHOFFSET:
                for (size_t i = 0; i < s->n_offsets; i++) {
                        ferry_buf_printf(b, "%s(%d", i ? ", " : " ", (int)s->offsets[i].partition);
                        if (s->offsets[i].has_offset)
                                ferry_buf_printf(b, ", %lld", (long long)s->offsets[i].offset);
                        ferry_buf_putc(b, ')');
                }
                break;
        case FERRY_KCQL_SAMPLE:
                ferry_buf_printf(b, " %d EVERY %d", (int)s->sample_count, (int)s->sample_every);
                break;
        default: {
                /* "KEYWORD = value" clauses; flags have no value. */
                const char *v = NULL;
                bool word = false;
                switch ((ferry_kcql_clause_t)c) {
                case FERRY_KCQL_WITHTARGET:
                        v = s->with_target;
                        break;
                case FERRY_KCQL_TIMESTAMPUNIT:
                        v = s->timestamp_unit;
                        word = true;
                        break;
                case FERRY_KCQL_INCREMENTALMODE:
                        v = s->incremental_mode;
                        break;
                case FERRY_KCQL_WITHDOCTYPE:
                        v = s->doc_type;
                        break;
                case FERRY_KCQL_WITHINDEXSUFFIX:
                        v = s->index_suffix;
                        break;
                case FERRY_KCQL_WITHCONVERTER:
                        v = s->converter;
                        break;
                case FERRY_KCQL_WITHJMSSELECTOR:
                        v = s->jms_selector;
                        break;
                case FERRY_KCQL_WITHPIPELINE:
                        v = s->pipeline;
                        break;
                case FERRY_KCQL_WITHPARTITIONER:
                        v = s->partitioner;
                        break;
                case FERRY_KCQL_WITHSUBSCRIPTION:
                        v = s->subscription;
                        break;
                case FERRY_KCQL_WITHCOMPRESSION:
                        v = s->compression;
                        word = true;
                        break;
                case FERRY_KCQL_WITHREGEX:
                        v = s->regex;
                        break;
                case FERRY_KCQL_WITH_SCHEMA_EVOLUTION:
                        v = s->schema_evolution;
                        word = true;
                        break;
                case FERRY_KCQL_WITH_TABLE_LOCATION:
                        v = s->table_location;
                        break;
                case FERRY_KCQL_WITH_PARTITIONING:
                        v = s->partitioning;
                        word = true;
                        break;
                case FERRY_KCQL_WITH_SESSION:
                        v = s->session;
                        break;
                default:
                        break;
                }
                if (v && word)
                        ferry_buf_printf(b, " = %s", v);
                else if (v && c == FERRY_KCQL_WITH_SESSION)
                        (ferry_buf_puts(b, " = "), put_quoted(b, v));
                else if (v)
                        (ferry_buf_puts(b, " = "), put_name(b, v));
        }
        }
}

char *ferry_kcql_format(const ferry_kcql_stmt_t *s)
{
        ferry_buf_t b;
        ferry_buf_init(&b);
        switch (s->mode) {
        case FERRY_KCQL_INSERT:
                ferry_buf_puts(&b, "INSERT INTO ");
                break;
        case FERRY_KCQL_UPDATE:
                ferry_buf_puts(&b, "UPDATE INTO ");
                break;
        case FERRY_KCQL_UPSERT:
                ferry_buf_puts(&b, "UPSERT ");
                if (s->upsert_pk) {
                        ferry_buf_puts(&b, "PK ");
                        put_quoted(&b, s->upsert_pk);
                        ferry_buf_putc(&b, ' ');
                }
                ferry_buf_puts(&b, "INTO ");
                break;
        case FERRY_KCQL_SELECT:
                break;
        }
        if (s->target) {
                put_name(&b, s->target);
                ferry_buf_putc(&b, ' ');
        }
        ferry_buf_puts(&b, "SELECT ");
        put_fields(&b, &s->fields);
        ferry_buf_puts(&b, " FROM ");
        put_name(&b, s->source);
        if (s->ignored.n) {
                ferry_buf_puts(&b, " IGNORE ");
                put_fields(&b, &s->ignored);
        }
        /* In the order the statement kind requires. */
        for (int r = 0; r < FERRY_KCQL_CLAUSE_COUNT; r++)
                for (int c = 0; c < FERRY_KCQL_CLAUSE_COUNT; c++)
                        if ((s->clauses & FERRY_KCQL_BIT(c)) && rank_of(s, c) == r)
                                put_clause(&b, s, c);
        return ferry_buf_steal(&b);
}
