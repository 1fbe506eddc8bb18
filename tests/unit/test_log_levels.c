/* Unit tests for the logger levels behind /admin/loggers (worker/src/core/log_levels.c): names
 * recorded with their level, descendants set with their parent, "root" tied to the log
 * threshold, listings sorted with root in place. */
#include "core/log_levels.h"

#include <ferry/config.h>
#include <ferry/log.h>

#include <criterion/criterion.h>

#include <string.h>

Test(log_levels, set_and_list)
{
        ferry_log_levels_t *l = ferry_log_levels_new();
        cr_assert_str_eq(ferry_log_levels_canonical("debug"), "DEBUG");
        cr_assert_null(ferry_log_levels_canonical("LOUD"));

        char **aff;
        size_t n;
        cr_assert_eq(ferry_log_levels_set(l, "org.a.b", "WARN", &aff, &n), 0);
        cr_assert_eq(n, 1);
        cr_assert_str_eq(aff[0], "org.a.b");
        ferry_strlist_free(aff, n);
        cr_assert_eq(ferry_log_levels_set(l, "org.a", "ERROR", &aff, &n), 0);
        cr_assert_eq(n, 2); /* org.a and its descendant org.a.b, sorted */
        cr_assert_str_eq(aff[0], "org.a");
        cr_assert_str_eq(aff[1], "org.a.b");
        ferry_strlist_free(aff, n);

        ferry_log_level_entry_t e;
        cr_assert(ferry_log_levels_get(l, "org.a.b", &e));
        cr_assert_str_eq(e.level, "ERROR");
        cr_assert_geq(e.last_modified, 0);
        cr_assert_not(ferry_log_levels_get(l, "never.set", &e));
        cr_assert(ferry_log_levels_get(l, "ROOT", &e));
        cr_assert_eq(e.last_modified, -1);

        cr_assert_eq(ferry_log_levels_set(l, "root", "debug", &aff, &n), 0);
        cr_assert_eq(ferry_log_get_level(), FERRY_LOG_DEBUG);
        cr_assert_eq(n, 3);
        cr_assert_str_eq(aff[2], "root");
        ferry_strlist_free(aff, n);

        ferry_log_level_entry_t *all;
        cr_assert_eq(ferry_log_levels_list(l, &all, &n), 0);
        cr_assert_eq(n, 3);
        cr_assert_str_eq(all[0].name, "org.a");
        cr_assert_str_eq(all[1].name, "org.a.b");
        cr_assert_str_eq(all[2].name, "root");
        cr_assert_str_eq(all[2].level, "DEBUG");
        cr_assert_geq(all[2].last_modified, 0);
        ferry_log_levels_entries_free(all, n);
        ferry_log_levels_free(l);
}
