#include "bench-stats.h"

static int
compare_double(gconstpointer a, gconstpointer b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

Stats
stats_of(GArray *samples)
{
    g_autoptr(GArray) sorted = g_array_copy(samples);
    guint n = sorted->len;
    Stats s = { 0 };

    if (n == 0)
        return s;
    g_array_sort(sorted, compare_double);
    s.min = g_array_index(sorted, double, 0);
    s.max = g_array_index(sorted, double, n - 1);
    s.median = n % 2 ? g_array_index(sorted, double, n / 2)
                     : (g_array_index(sorted, double, n / 2 - 1) +
                        g_array_index(sorted, double, n / 2)) / 2;
    return s;
}

double
ms_since(gint64 start_us)
{
    return (g_get_monotonic_time() - start_us) / 1000.0;
}
