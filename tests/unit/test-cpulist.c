/* Unit tests of the kernel cpulist parser used to check the guest's CPU masks. */
#include <glib.h>

#include "vh-cpu-masks.h"
#include "vh-error.h"

static void
assert_parses(const char *text, const guint *expect, guint n)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GArray) cpus = vh_cpulist_parse(text, &err);

    g_assert_no_error(err);
    g_assert_cmpuint(cpus->len, ==, n);
    for (guint i = 0; i < n; i++)
        g_assert_cmpuint(g_array_index(cpus, guint, i), ==, expect[i]);
}

static void
test_valid(void)
{
    static const guint a[] = { 0, 1 }, b[] = { 0, 1, 4 }, c[] = { 0, 2, 3, 4, 7 };

    assert_parses("0-1", a, 2);
    assert_parses("0-1,4", b, 3);
    assert_parses("0,2-4,7", c, 5);
    assert_parses("", NULL, 0);
    g_assert_true(vh_cpulist_contains("0-1,4", 4));
    g_assert_false(vh_cpulist_contains("0-1,4", 3));
}

static void
test_malformed(void)
{
    static const char *const bad[] = {
        "0-", "-1", "a", "1,", ",1", "3-1", "0-1,1", "4,2", "0 1", "1--2",
        "99999999999999999999", "0-99999",
    };

    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) err = NULL;
        g_autoptr(GArray) cpus = vh_cpulist_parse(bad[i], &err);

        g_assert_null(cpus);
        g_assert_error(err, VH_ERROR, VH_ERROR_PROTOCOL);
        g_assert_false(vh_cpulist_contains(bad[i], 0));
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cpulist/valid", test_valid);
    g_test_add_func("/cpulist/malformed", test_malformed);
    return g_test_run();
}
