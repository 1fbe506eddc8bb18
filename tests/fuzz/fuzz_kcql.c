/* libFuzzer target for the KCQL parser the Lenses-style connectors read their "connect.*.kcql" config
 * with (worker/connectors/shared/kcql.c). The input bytes are the KCQL text. Besides crashes, leaks
 * and undefined behaviour it checks that a failure leaves no result and a "KCQL ..." message (also
 * into a short buffer), and that every parsed statement
 *   - has a source, a projection and a target unless it is SELECT-only;
 *   - formats to canonical text that parses to one statement formatting to the same text;
 *   - parses alone from its own text to the same statement, clause positions included;
 *   - is refused by ferry_kcql_check_clauses() exactly when it has a clause outside the mask.
 * Build and run: make fuzz (tests/runtime/fuzz_short.sh runs it briefly inside make test). */
#include "shared/kcql.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void die(const char *what, const char *a, const char *b)
{
        fprintf(stderr, "fuzz_kcql: %s\n  [%s]\n  [%s]\n", what, a ? a : "(null)", b ? b : "(null)");
        abort();
}

static ferry_kcql_t *parse_or_die(const char *text, const char *why)
{
        ferry_kcql_t *k = NULL;
        char err[256];
        if (ferry_kcql_parse(text, &k, err, sizeof(err)) || !k)
                die(why, text, err);
        return k;
}

static void check_statement(const ferry_kcql_stmt_t *s)
{
        if (!s->text || !s->source || !s->fields.n || (s->mode == FERRY_KCQL_SELECT) != (s->target == NULL))
                die("statement misses a part", s->text, s->source);
        char *f1 = ferry_kcql_format(s);
        if (!f1)
                abort();
        ferry_kcql_t *k2 = parse_or_die(f1, "canonical text does not parse");
        if (k2->n != 1)
                die("canonical text is not one statement", f1, NULL);
        char *f2 = ferry_kcql_format(&k2->stmts[0]);
        if (!f2 || strcmp(f1, f2))
                die("format is not stable", f1, f2);
        if (k2->stmts[0].clauses != s->clauses)
                die("canonical text has other clauses", s->text, f1);
        free(f2);
        ferry_kcql_free(k2);

        ferry_kcql_t *k3 = parse_or_die(s->text, "statement text does not parse alone");
        if (k3->n != 1)
                die("statement text is not one statement", s->text, NULL);
        char *f3 = ferry_kcql_format(&k3->stmts[0]);
        if (!f3 || strcmp(f1, f3) || strcmp(k3->stmts[0].text, s->text) ||
            memcmp(k3->stmts[0].clause_pos, s->clause_pos, sizeof(s->clause_pos)))
                die("statement text parses differently alone", f1, f3);
        free(f3);
        ferry_kcql_free(k3);
        free(f1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size > 4096)
                return 0;
        char *text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';

        ferry_kcql_t *k = (ferry_kcql_t *)text; /* must be reset either way */
        char err[512];
        err[0] = '\0';
        int rc = ferry_kcql_parse(text, &k, err, sizeof(err));
        if (rc != 0) {
                if (rc != -1 || k || strncmp(err, "KCQL", 4))
                        die("failure without a message or with a result", text, err);
                /* The same failure into a short buffer, and into none. */
                char small[12];
                memset(small, 'x', sizeof(small));
                if (ferry_kcql_parse(text, &k, small, size % sizeof(small) + 1) != -1 || k ||
                    !memchr(small, '\0', size % sizeof(small) + 1))
                        die("short error buffer", text, NULL);
                if (ferry_kcql_parse(text, &k, NULL, 0) != -1 || k)
                        die("no error buffer", text, NULL);
                free(text);
                return 0;
        }
        if (!k || !k->n)
                die("success without statements", text, NULL);
        uint64_t mask = size ? (uint64_t)data[0] * UINT64_C(0x0101010101010101) : 0;
        for (size_t i = 0; i < k->n; i++) {
                check_statement(&k->stmts[i]);
                bool outside = (k->stmts[i].clauses & ~mask) != 0;
                ferry_kcql_t one = {.stmts = &k->stmts[i], .n = 1};
                if ((ferry_kcql_check_clauses(&one, mask, "fuzz", err, sizeof(err)) != 0) != outside)
                        die("check_clauses disagrees with the clause mask", k->stmts[i].text, err);
        }
        ferry_kcql_free(k);
        free(text);
        return 0;
}
