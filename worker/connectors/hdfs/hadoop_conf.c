/* hadoop.conf.dir for the HDFS sink: core-site.xml/hdfs-site.xml read with libxml2 into a string
 * map, and hdfs.url/store.url (hdfs://, webhdfs://, http(s)://) turned into the WebHDFS base URLs
 * webhdfs.c talks to, following HA name services (dfs.nameservices, dfs.ha.namenodes.<ns>,
 * dfs.namenode.http-address.<ns>.<nn>). Used when a task starts; fuzzed by
 * tests/fuzz/fuzz_hadoop_conf.c. */
#include "hadoop_conf.h"

#include <ferry/buf.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *trimmed_text(xmlNode *n)
{
        xmlChar *c = xmlNodeGetContent(n);
        if (!c)
                return strdup("");
        const char *s = (const char *)c;
        while (*s && isspace((unsigned char)*s))
                s++;
        size_t l = strlen(s);
        while (l > 0 && isspace((unsigned char)s[l - 1]))
                l--;
        char *out = strndup(s, l);
        xmlFree(c);
        return out;
}

static bool is_elem(xmlNode *n, const char *name)
{
        return n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, (const xmlChar *)name) == 0;
}

int hadoop_conf_parse_xml(const char *text, size_t len, const char *name, ferry_strmap_t *props, char *errstr,
                          size_t errstr_size)
{
        if (len > (size_t)16 * 1024 * 1024) {
                snprintf(errstr, errstr_size, "%s: larger than 16 MiB", name);
                return -1;
        }
        xmlDoc *doc =
                xmlReadMemory(text, (int)len, name, NULL,
                              XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
        if (!doc) {
                const xmlError *e = xmlGetLastError();
                snprintf(errstr, errstr_size, "%s: not well-formed XML%s%s", name,
                         e && e->message ? ": " : "", e && e->message ? e->message : "");
                size_t l = strlen(errstr);
                if (l > 0 && errstr[l - 1] == '\n')
                        errstr[l - 1] = 0;
                return -1;
        }
        xmlNode *root = xmlDocGetRootElement(doc);
        if (!root || !is_elem(root, "configuration")) {
                snprintf(errstr, errstr_size, "%s: the root element is not <configuration>", name);
                xmlFreeDoc(doc);
                return -1;
        }
        ferry_strmap_t finals;
        ferry_strmap_init(&finals);
        int rc = 0;
        for (xmlNode *p = root->children; p && rc == 0; p = p->next) {
                if (!is_elem(p, "property"))
                        continue;
                char *k = NULL, *v = NULL, *fin = NULL;
                for (xmlNode *c = p->children; c; c = c->next) {
                        char **slot = is_elem(c, "name")    ? &k
                                      : is_elem(c, "value") ? &v
                                      : is_elem(c, "final") ? &fin
                                                            : NULL;
                        if (slot) {
                                free(*slot);
                                *slot = trimmed_text(c);
                        }
                }
                if (k && k[0] && !ferry_strmap_get(&finals, k)) {
                        if (ferry_strmap_set(props, k, v ? v : "") != 0)
                                rc = -1;
                        if (fin && strcmp(fin, "true") == 0)
                                ferry_strmap_set(&finals, k, "1");
                }
                free(k);
                free(v);
                free(fin);
        }
        ferry_strmap_free(&finals);
        xmlFreeDoc(doc);
        if (rc != 0)
                snprintf(errstr, errstr_size, "%s: out of memory", name);
        return rc;
}

int hadoop_conf_load_dir(const char *dir, ferry_strmap_t *props, char *errstr, size_t errstr_size)
{
        static const char *const files[] = {"core-site.xml", "hdfs-site.xml"};
        for (size_t i = 0; i < 2; i++) {
                char path[4096];
                snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
                FILE *f = fopen(path, "rb");
                if (!f)
                        continue;
                ferry_buf_t b;
                ferry_buf_init(&b);
                char chunk[8192];
                size_t got;
                while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
                        ferry_buf_append(&b, chunk, got);
                bool bad = ferror(f);
                fclose(f);
                if (bad) {
                        snprintf(errstr, errstr_size, "hadoop.conf.dir: cannot read %s", path);
                        ferry_buf_free(&b);
                        return -1;
                }
                int rc = hadoop_conf_parse_xml(b.p ? b.p : "", b.len, path, props, errstr, errstr_size);
                ferry_buf_free(&b);
                if (rc != 0)
                        return -1;
        }
        return 0;
}

void hdfs_target_free(hdfs_target_t *t)
{
        if (!t)
                return;
        for (size_t i = 0; i < t->n; i++)
                free(t->namenodes[i]);
        free(t->namenodes);
        free(t->path);
        memset(t, 0, sizeof(*t));
}

static int add_nn(hdfs_target_t *t, const char *scheme, const char *hostport, size_t hl)
{
        char **nn = realloc(t->namenodes, (t->n + 1) * sizeof(char *));
        if (!nn)
                return -1;
        t->namenodes = nn;
        size_t sz = strlen(scheme) + 3 + hl + 1;
        char *s = malloc(sz);
        if (!s)
                return -1;
        snprintf(s, sz, "%s://%.*s", scheme, (int)hl, hostport);
        t->namenodes[t->n++] = s;
        return 0;
}

/* Splits "scheme://authority/path": pointers into url. */
typedef struct {
        char scheme[16];
        const char *host; /* authority without user info */
        size_t host_len;  /* host[:port] */
        const char *path;
} url_parts_t;

static int split_url(const char *url, url_parts_t *u, char *errstr, size_t errstr_size)
{
        const char *sep = strstr(url, "://");
        if (!sep || sep == url || (size_t)(sep - url) >= sizeof(u->scheme)) {
                snprintf(errstr, errstr_size, "'%s' is not a URL (expected hdfs://host:port)", url);
                return -1;
        }
        for (size_t i = 0; url + i < sep; i++)
                u->scheme[i] = (char)tolower((unsigned char)url[i]);
        u->scheme[sep - url] = 0;
        const char *a = sep + 3;
        const char *end = a + strcspn(a, "/?#");
        const char *at = memchr(a, '@', (size_t)(end - a));
        if (at)
                a = at + 1;
        u->host = a;
        u->host_len = (size_t)(end - a);
        u->path = end;
        if (u->host_len == 0) {
                snprintf(errstr, errstr_size, "'%s' names no host", url);
                return -1;
        }
        for (size_t i = 0; i < u->host_len; i++) {
                unsigned char c = (unsigned char)a[i];
                if (!isalnum(c) && c != '.' && c != '-' && c != '_' && c != ':' && c != '[' && c != ']') {
                        snprintf(errstr, errstr_size, "'%s': bad character in the host", url);
                        return -1;
                }
        }
        return 0;
}

/* host[:port] with the port missing gets def_port. */
static int add_with_port(hdfs_target_t *t, const char *scheme, const char *h, size_t hl, int def_port)
{
        const char *colon = NULL;
        for (size_t i = 0; i < hl; i++)
                if (h[i] == ':')
                        colon = h + i;
        if (h[0] == '[' && colon && memchr(colon, ']', (size_t)(h + hl - colon)))
                colon = NULL; /* a colon inside an IPv6 literal */
        if (colon && colon + 1 < h + hl)
                return add_nn(t, scheme, h, hl);
        char buf[512];
        int n = snprintf(buf, sizeof(buf), "%.*s:%d", (int)(colon ? (size_t)(colon - h) : hl), h, def_port);
        if (n < 0 || (size_t)n >= sizeof(buf))
                return -1;
        return add_nn(t, scheme, buf, (size_t)n);
}

/* A configured http-address "host:port"; a wildcard host (0.0.0.0) becomes the URL's host. */
static int add_conf_address(hdfs_target_t *t, const char *addr, const char *url_host, size_t url_host_len)
{
        const char *colon = strrchr(addr, ':');
        if (colon && strncmp(addr, "0.0.0.0", (size_t)(colon - addr)) == 0 && colon - addr == 7) {
                const char *uc = memchr(url_host, ':', url_host_len);
                size_t hl = uc ? (size_t)(uc - url_host) : url_host_len;
                char buf[512];
                int n = snprintf(buf, sizeof(buf), "%.*s%s", (int)hl, url_host, colon);
                if (n < 0 || (size_t)n >= sizeof(buf))
                        return -1;
                return add_nn(t, "http", buf, (size_t)n);
        }
        return add_with_port(t, "http", addr, strlen(addr), 9870);
}

static bool list_has(const char *list, const char *item, size_t item_len)
{
        const char *p = list;
        while (p && *p) {
                while (*p == ',' || isspace((unsigned char)*p))
                        p++;
                size_t l = strcspn(p, ",");
                size_t tl = l;
                while (tl > 0 && isspace((unsigned char)p[tl - 1]))
                        tl--;
                if (tl == item_len && strncmp(p, item, tl) == 0)
                        return true;
                p += l;
        }
        return false;
}

static int resolve_hdfs(const url_parts_t *u, const ferry_strmap_t *conf, hdfs_target_t *t, char *errstr,
                        size_t errstr_size)
{
        const char *nss = conf ? ferry_strmap_get(conf, "dfs.nameservices") : NULL;
        char ns[256];
        snprintf(ns, sizeof(ns), "%.*s", (int)u->host_len, u->host);
        if (nss && !memchr(u->host, ':', u->host_len) && list_has(nss, u->host, u->host_len)) {
                char key[600];
                snprintf(key, sizeof(key), "dfs.ha.namenodes.%s", ns);
                const char *ids = ferry_strmap_get(conf, key);
                if (!ids || !ids[0]) {
                        snprintf(errstr, errstr_size, "name service '%s' has no %s in hadoop.conf.dir", ns,
                                 key);
                        return -1;
                }
                const char *p = ids;
                while (*p) {
                        while (*p == ',' || isspace((unsigned char)*p))
                                p++;
                        size_t l = strcspn(p, ",");
                        size_t tl = l;
                        while (tl > 0 && isspace((unsigned char)p[tl - 1]))
                                tl--;
                        if (tl > 0) {
                                snprintf(key, sizeof(key), "dfs.namenode.http-address.%s.%.*s", ns, (int)tl,
                                         p);
                                const char *addr = ferry_strmap_get(conf, key);
                                if (!addr || !addr[0]) {
                                        snprintf(errstr, errstr_size,
                                                 "name service '%s': %s is not set in hadoop.conf.dir", ns,
                                                 key);
                                        return -1;
                                }
                                if (add_conf_address(t, addr, u->host, u->host_len) != 0)
                                        goto nomem;
                        }
                        p += l;
                }
                if (t->n == 0) {
                        snprintf(errstr, errstr_size, "name service '%s' lists no NameNodes", ns);
                        return -1;
                }
                return 0;
        }
        const char *addr = conf ? ferry_strmap_get(conf, "dfs.namenode.http-address") : NULL;
        if (addr && addr[0]) {
                if (add_conf_address(t, addr, u->host, u->host_len) != 0)
                        goto nomem;
                return 0;
        }
        /* No configuration: the RPC host on the default WebHDFS port. */
        const char *colon = memchr(u->host, ':', u->host_len);
        if (add_with_port(t, "http", u->host, colon ? (size_t)(colon - u->host) : u->host_len, 9870) != 0)
                goto nomem;
        return 0;
nomem:
        snprintf(errstr, errstr_size, "out of memory");
        return -1;
}

int hdfs_target_resolve(const char *url, const ferry_strmap_t *conf, hdfs_target_t *out, char *errstr,
                        size_t errstr_size)
{
        memset(out, 0, sizeof(*out));
        if (errstr_size > 0)
                errstr[0] = 0;
        if (!url || !url[0])
                url = conf ? ferry_strmap_get(conf, "fs.defaultFS") : NULL;
        if (!url || !url[0]) {
                snprintf(errstr, errstr_size,
                         "no HDFS address: set hdfs.url (or store.url), or hadoop.conf.dir "
                         "with fs.defaultFS in core-site.xml");
                return -1;
        }
        char *copy = strdup(url);
        if (!copy) {
                snprintf(errstr, errstr_size, "out of memory");
                return -1;
        }
        int rc = 0;
        char *save = copy;
        bool first = true;
        while (rc == 0 && *save) {
                char *item = save;
                size_t l = strcspn(item, ",");
                save = item[l] ? item + l + 1 : item + l;
                item[l] = 0;
                while (isspace((unsigned char)*item))
                        item++;
                size_t il = strlen(item);
                while (il > 0 && isspace((unsigned char)item[il - 1]))
                        item[--il] = 0;
                if (!*item)
                        continue;
                url_parts_t u;
                if (split_url(item, &u, errstr, errstr_size) != 0) {
                        rc = -1;
                        break;
                }
                if (strcmp(u.scheme, "hdfs") == 0 || strcmp(u.scheme, "viewfs") == 0) {
                        if (strcmp(u.scheme, "viewfs") == 0) {
                                snprintf(errstr, errstr_size,
                                         "'%s': viewfs:// mount tables are not supported; "
                                         "give the hdfs:// address of the name service",
                                         item);
                                rc = -1;
                                break;
                        }
                        rc = resolve_hdfs(&u, conf, out, errstr, errstr_size);
                } else if (strcmp(u.scheme, "webhdfs") == 0) {
                        rc = add_with_port(out, "http", u.host, u.host_len, 9870);
                } else if (strcmp(u.scheme, "swebhdfs") == 0) {
                        rc = add_with_port(out, "https", u.host, u.host_len, 9871);
                } else if (strcmp(u.scheme, "http") == 0 || strcmp(u.scheme, "https") == 0) {
                        rc = add_with_port(out, u.scheme, u.host, u.host_len,
                                           strcmp(u.scheme, "http") == 0 ? 80 : 443);
                } else {
                        snprintf(errstr, errstr_size,
                                 "'%s': unsupported scheme '%s' (hdfs, webhdfs, swebhdfs, http, https)", item,
                                 u.scheme);
                        rc = -1;
                        break;
                }
                if (rc != 0 && !errstr[0])
                        snprintf(errstr, errstr_size, "out of memory");
                if (rc == 0 && first) {
                        /* The path of the first URL is where files go; a webhdfs URL's /webhdfs/v1 is not
                         * part of it. */
                        const char *p = u.path;
                        size_t pl = strcspn(p, "?#");
                        if (pl >= 11 && strncmp(p, "/webhdfs/v1", 11) == 0) {
                                p += 11;
                                pl -= 11;
                        }
                        while (pl > 0 && p[pl - 1] == '/')
                                pl--;
                        out->path = strndup(p, pl);
                        if (!out->path)
                                rc = -1;
                }
                first = false;
        }
        free(copy);
        if (rc == 0 && out->n == 0) {
                snprintf(errstr, errstr_size, "'%s' names no NameNode", url);
                rc = -1;
        }
        if (rc != 0)
                hdfs_target_free(out);
        return rc;
}
