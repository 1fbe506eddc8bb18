/* libFuzzer target for the JDBC URL parser (worker/connectors/jdbc/jdbc_url.c): any bytes as
 * connection.url must parse or fail cleanly, and a parsed PostgreSQL URL must turn into a libpq
 * conninfo whose every value is quoted (no unescaped quote can end a value early). Build by hand:
 *   clang -fsanitize=fuzzer,address,undefined -Iworker/include tests/fuzz/fuzz_jdbc_url.c \
 *     worker/connectors/jdbc/jdbc_url.c <worker objects for strmap and buf> */
#include "../../worker/connectors/jdbc/jdbc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *url = malloc(size + 1);
        if (!url)
                return 0;
        memcpy(url, data, size);
        url[size] = 0;
        jdbc_url_t u;
        char err[256];
        if (jdbc_url_parse(url, &u, err, sizeof(err)) == 0) {
                if (u.kind == JDBC_DB_POSTGRES) {
                        char *dropped = NULL;
                        char *ci = jdbc_pg_conninfo(&u, "user'x", "p\\w", &dropped);
                        /* Every value opens and closes its quote: count unescaped quotes. */
                        size_t quotes = 0;
                        for (const char *p = ci; p && *p; p++) {
                                if (*p == '\\' && p[1]) {
                                        p++;
                                        continue;
                                }
                                quotes += *p == '\'';
                        }
                        if (quotes % 2)
                                abort();
                        free(ci);
                        free(dropped);
                }
                jdbc_url_free(&u);
        }
        free(url);
        return 0;
}
