/* Java regular expressions (java.util.regex.Pattern) for the runtime and plugins, as Connect's
 * configs write them (RegexRouter, TopicNameMatches, topic.creation.*.include, ...).
 *
 * A pattern is translated to POSIX ERE and compiled with regcomp: \d \w \s \D \W \S (also inside
 * [...]), \Q...\E, escaped metacharacters, \t \n \r \f, (?:...) non-capturing groups, and a
 * leading (?i). Refused with a message in Java's words: lookaround, backreferences, named groups,
 * lazy/possessive quantifiers, other inline flags, class intersections. Group numbers stay Java's.
 * A compiled pattern may be used by many threads at once (regexec is thread-safe). */
#ifndef FERRY_REGEX_H
#define FERRY_REGEX_H

#include <ferry/api.h>

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct {
        regex_t re;
        bool compiled;
        size_t groups;  /* Java capturing groups */
        int *group_map; /* Java group n (1..groups) -> POSIX subexpression index */
        size_t nsub;
} ferry_regex_t;

/* 0 on success; -1 with a message naming the problem and the pattern (nothing to free then). */
FERRY_API int ferry_regex_compile(ferry_regex_t *r, const char *java, char *errstr, size_t errstr_size);
/* Whole-string match (Java's Matcher.matches()); m gets Java groups 0..groups (rm_so -1 when unset),
 * m may be NULL. */
FERRY_API bool ferry_regex_matches(const ferry_regex_t *r, const char *s, regmatch_t *m, size_t nm);
FERRY_API void ferry_regex_free(ferry_regex_t *r);

/* Java Matcher replacement strings: $n groups and \x escapes. Checks the groups against
 * n_groups; returns -1 with a message when invalid. */
FERRY_API int ferry_regex_replacement_check(const char *repl, size_t n_groups, char *errstr,
                                            size_t errstr_size);
/* Expands repl for subject s with groups m (as ferry_regex_matches filled them); malloc'd, NULL
 * when out of memory. */
FERRY_API char *ferry_regex_replacement_expand(const char *repl, const char *s, const regmatch_t *m,
                                               size_t n_groups);

#endif
