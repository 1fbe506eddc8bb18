/* JDBC URLs as Confluent users write them (connection.url), parsed into host, port, database and
 * parameters, and turned into what each C client takes: a libpq conninfo for
 * jdbc:postgresql://..., the file for jdbc:sqlite:..., host/port/database for jdbc:mysql:// and
 * jdbc:mariadb://. The first step of every JDBC connection; pure (no client library), so unit tests
 * and the fuzz target link it alone. */
#include "jdbc.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void jdbc_url_free(jdbc_url_t *u)
{
        if (!u)
                return;
        free(u->hosts);
        free(u->ports);
        free(u->database);
        ferry_strmap_free(&u->params);
        memset(u, 0, sizeof(*u));
}

static int hexval(int c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        c = tolower(c);
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        return -1;
}

/* Percent-decodes s[0..n) into a new string; NULL on a bad escape or an embedded NUL. */
static char *pct_decode(const char *s, size_t n)
{
        char *out = malloc(n + 1);
        if (!out)
                return NULL;
        size_t o = 0;
        for (size_t i = 0; i < n; i++) {
                if (s[i] == '%') {
                        int h, l;
                        if (i + 2 >= n || (h = hexval((unsigned char)s[i + 1])) < 0 ||
                            (l = hexval((unsigned char)s[i + 2])) < 0 || (h == 0 && l == 0)) {
                                free(out);
                                return NULL;
                        }
                        out[o++] = (char)(h * 16 + l);
                        i += 2;
                } else {
                        out[o++] = s[i];
                }
        }
        out[o] = 0;
        return out;
}

static int parse_params(const char *s, jdbc_url_t *u, char sep, char *errstr, size_t errstr_size)
{
        while (*s) {
                const char *end = strchr(s, sep);
                size_t n = end ? (size_t)(end - s) : strlen(s);
                if (n) {
                        const char *eq = memchr(s, '=', n);
                        size_t kn = eq ? (size_t)(eq - s) : n;
                        char *k = pct_decode(s, kn);
                        char *v = eq ? pct_decode(eq + 1, n - kn - 1) : strdup("");
                        if (!k || !v || !*k) {
                                free(k);
                                free(v);
                                snprintf(errstr, errstr_size, "malformed parameter in the JDBC URL");
                                return -1;
                        }
                        int rc = ferry_strmap_set(&u->params, k, v);
                        free(k);
                        free(v);
                        if (rc < 0) {
                                snprintf(errstr, errstr_size, "out of memory");
                                return -1;
                        }
                }
                if (!end)
                        break;
                s = end + 1;
        }
        return 0;
}

static int append_part(char **dst, const char *s, size_t n)
{
        size_t old = *dst ? strlen(*dst) : 0;
        char *p = realloc(*dst, old + n + 2);
        if (!p)
                return -1;
        if (old)
                p[old++] = ',';
        memcpy(p + old, s, n);
        p[old + n] = 0;
        *dst = p;
        return 0;
}

/* "h1[:p1],[v6]:p2" -> hosts "h1,v6", ports "p1,p2" (an empty port where none was given). */
static int parse_hosts(const char *s, size_t n, jdbc_url_t *u, const char *def_port, char *errstr,
                       size_t errstr_size)
{
        size_t i = 0;
        bool any_port = false;
        char *ports = NULL;
        while (i <= n) {
                const char *host;
                size_t hl;
                if (i < n && s[i] == '[') {
                        const char *close = memchr(s + i, ']', n - i);
                        if (!close) {
                                snprintf(errstr, errstr_size, "unterminated IPv6 address in the JDBC URL");
                                goto bad;
                        }
                        host = s + i + 1;
                        hl = (size_t)(close - host);
                        i = (size_t)(close - s) + 1;
                } else {
                        host = s + i;
                        while (i < n && s[i] != ':' && s[i] != ',')
                                i++;
                        hl = (size_t)(s + i - host);
                }
                const char *port = "";
                size_t pl = 0;
                if (i < n && s[i] == ':') {
                        port = s + ++i;
                        while (i < n && s[i] != ',')
                                i++;
                        pl = (size_t)(s + i - port);
                        for (size_t k = 0; k < pl; k++)
                                if (!isdigit((unsigned char)port[k])) {
                                        snprintf(errstr, errstr_size,
                                                 "the port in the JDBC URL is not a number");
                                        goto bad;
                                }
                        if (pl == 0 || pl > 5 || strtol(port, NULL, 10) > 65535) {
                                snprintf(errstr, errstr_size, "the port in the JDBC URL is not a valid port");
                                goto bad;
                        }
                        any_port = true;
                }
                if (i < n && s[i] != ',') {
                        snprintf(errstr, errstr_size, "malformed host list in the JDBC URL");
                        goto bad;
                }
                if (hl == 0 && n > 0) {
                        snprintf(errstr, errstr_size, "empty host name in the JDBC URL");
                        goto bad;
                }
                for (size_t k = 0; k < hl; k++)
                        if (host[k] == '\'' || host[k] == '\\' || isspace((unsigned char)host[k]) ||
                            !host[k]) {
                                snprintf(errstr, errstr_size, "invalid character in the JDBC URL's host");
                                goto bad;
                        }
                if (hl && (append_part(&u->hosts, host, hl) < 0 ||
                           append_part(&ports, pl ? port : def_port, pl ? pl : strlen(def_port)) < 0)) {
                        snprintf(errstr, errstr_size, "out of memory");
                        goto bad;
                }
                if (i >= n)
                        break;
                i++; /* ',' */
        }
        if (any_port || u->hosts)
                u->ports = ports;
        else
                free(ports);
        return 0;
bad:
        free(ports);
        return -1;
}

static bool prefix(const char *s, const char *p)
{
        return strncasecmp(s, p, strlen(p)) == 0;
}

int jdbc_url_parse(const char *url, jdbc_url_t *u, char *errstr, size_t errstr_size)
{
        memset(u, 0, sizeof(*u));
        ferry_strmap_init(&u->params);
        if (!url || !*url) {
                snprintf(errstr, errstr_size, "the JDBC URL is empty");
                return -1;
        }
        const char *rest;
        const char *def_port;
        if (prefix(url, "jdbc:postgresql:")) {
                u->kind = JDBC_DB_POSTGRES;
                rest = url + strlen("jdbc:postgresql:");
                def_port = "5432";
        } else if (prefix(url, "jdbc:mysql:") || prefix(url, "jdbc:mariadb:")) {
                u->kind = JDBC_DB_MYSQL;
                rest = strchr(url + 5, ':') + 1;
                def_port = "3306";
        } else if (prefix(url, "jdbc:sqlite:")) {
                u->kind = JDBC_DB_SQLITE;
                rest = url + strlen("jdbc:sqlite:");
                const char *q = strchr(rest, '?');
                size_t n = q ? (size_t)(q - rest) : strlen(rest);
                if (n == 0) {
                        snprintf(errstr, errstr_size, "the JDBC URL names no SQLite database file");
                        goto bad;
                }
                if (!(u->database = strndup(rest, n))) {
                        snprintf(errstr, errstr_size, "out of memory");
                        goto bad;
                }
                if (q && parse_params(q + 1, u, '&', errstr, errstr_size) < 0)
                        goto bad;
                return 0;
        } else {
                if (!prefix(url, "jdbc:"))
                        snprintf(errstr, errstr_size,
                                 "a JDBC URL starts with 'jdbc:' (e.g. jdbc:postgresql://host:5432/db)");
                else
                        snprintf(errstr, errstr_size,
                                 "unsupported JDBC URL subprotocol: Ferry speaks jdbc:postgresql:, "
                                 "jdbc:mysql:, "
                                 "jdbc:mariadb: and jdbc:sqlite:");
                goto bad;
        }
        /* //hosts/db?params or db?params (pgjdbc's short form: localhost). */
        const char *q = strchr(rest, '?');
        size_t n = q ? (size_t)(q - rest) : strlen(rest);
        if (n >= 2 && rest[0] == '/' && rest[1] == '/') {
                const char *hp = rest + 2;
                const char *slash = memchr(hp, '/', n - 2);
                size_t hl = slash ? (size_t)(slash - hp) : n - 2;
                if (memchr(hp, '@', hl)) {
                        snprintf(errstr, errstr_size,
                                 "the JDBC URL holds user info before the host: give the user in "
                                 "connection.user or ?user=");
                        goto bad;
                }
                if (parse_hosts(hp, hl, u, def_port, errstr, errstr_size) < 0)
                        goto bad;
                if (slash && (size_t)(slash - rest) + 1 < n) {
                        u->database = pct_decode(slash + 1, n - (size_t)(slash - rest) - 1);
                        if (!u->database) {
                                snprintf(errstr, errstr_size, "malformed database name in the JDBC URL");
                                goto bad;
                        }
                }
        } else if (n > 0 && u->kind == JDBC_DB_POSTGRES && rest[0] != '/') {
                if (!(u->database = pct_decode(rest, n))) {
                        snprintf(errstr, errstr_size, "malformed database name in the JDBC URL");
                        goto bad;
                }
        } else {
                snprintf(errstr, errstr_size, "malformed JDBC URL: expected jdbc:%s://host[:port]/database",
                         u->kind == JDBC_DB_POSTGRES ? "postgresql" : "mysql");
                goto bad;
        }
        if (u->database && strchr(u->database, '/')) {
                snprintf(errstr, errstr_size, "malformed database name in the JDBC URL");
                goto bad;
        }
        if (q && parse_params(q + 1, u, '&', errstr, errstr_size) < 0)
                goto bad;
        return 0;
bad:
        jdbc_url_free(u);
        return -1;
}

/* conninfo value: single-quoted with \ and ' escaped. */
static void put_kw(ferry_buf_t *b, const char *kw, const char *v)
{
        if (b->len)
                ferry_buf_putc(b, ' ');
        ferry_buf_printf(b, "%s='", kw);
        for (; *v; v++) {
                if (*v == '\\' || *v == '\'')
                        ferry_buf_putc(b, '\\');
                ferry_buf_putc(b, *v);
        }
        ferry_buf_putc(b, '\'');
}

/* URL parameters that libpq takes under the same name. */
static const char *const pg_same[] = {
        "sslmode",
        "sslcert",
        "sslkey",
        "sslrootcert",
        "sslcrl",
        "options",
        "gssencmode",
        "channel_binding",
        "target_session_attrs",
        "application_name",
        "connect_timeout",
        "keepalives",
        "keepalives_idle",
        "keepalives_interval",
        "keepalives_count",
        "sslpassword",
        "service",
        "passfile",
        NULL,
};

char *jdbc_pg_conninfo(const jdbc_url_t *u, const char *user, const char *password, char **dropped)
{
        ferry_buf_t b, d;
        ferry_buf_init(&b);
        ferry_buf_init(&d);
        if (u->hosts)
                put_kw(&b, "host", u->hosts);
        if (u->ports)
                put_kw(&b, "port", u->ports);
        if (u->database)
                put_kw(&b, "dbname", u->database);
        const char *uu = user && *user ? user : ferry_strmap_get(&u->params, "user");
        const char *pw = password && *password ? password : ferry_strmap_get(&u->params, "password");
        if (uu)
                put_kw(&b, "user", uu);
        if (pw)
                put_kw(&b, "password", pw);
        bool have_sslmode = ferry_strmap_get(&u->params, "sslmode") != NULL;
        for (size_t i = 0; i < u->params.n; i++) {
                const char *k = u->params.kv[i].key, *v = u->params.kv[i].value;
                bool same = false;
                for (size_t j = 0; pg_same[j]; j++)
                        if (strcmp(k, pg_same[j]) == 0)
                                same = true;
                if (!strcmp(k, "user") || !strcmp(k, "password"))
                        continue;
                if (same) {
                        put_kw(&b, k, v);
                } else if (!strcmp(k, "currentSchema")) {
                        ferry_buf_t o;
                        ferry_buf_init(&o);
                        ferry_buf_puts(&o, "-c search_path=");
                        for (const char *p = v; *p; p++) {
                                if (*p == ' ' || *p == '\\')
                                        ferry_buf_putc(&o, '\\');
                                ferry_buf_putc(&o, *p);
                        }
                        put_kw(&b, "options", o.p ? o.p : "");
                        ferry_buf_free(&o);
                } else if (!strcmp(k, "ssl") && !have_sslmode) {
                        if (!strcasecmp(v, "true") || !*v)
                                put_kw(&b, "sslmode", "require");
                } else if (!strcmp(k, "connectTimeout") || !strcmp(k, "loginTimeout")) {
                        put_kw(&b, "connect_timeout", v);
                } else if (!strcmp(k, "ApplicationName")) {
                        put_kw(&b, "application_name", v);
                } else if (!strcmp(k, "targetServerType")) {
                        const char *t = !strcasecmp(v, "primary") || !strcasecmp(v, "master") ? "read-write"
                                        : !strcasecmp(v, "secondary") || !strcasecmp(v, "slave") ? "read-only"
                                        : !strcasecmp(v, "preferSecondary") ? "prefer-standby"
                                                                            : "any";
                        put_kw(&b, "target_session_attrs", t);
                } else {
                        if (d.len)
                                ferry_buf_putc(&d, ',');
                        ferry_buf_puts(&d, k);
                }
        }
        if (dropped)
                *dropped = d.len ? ferry_buf_steal(&d) : NULL;
        ferry_buf_free(&d);
        if (!b.p)
                ferry_buf_puts(&b, "");
        return ferry_buf_steal(&b);
}
