/*
 * The benchmarks' summary of a set of samples: median, min and max, as
 * BENCHMARKS.md reports them.
 */
#pragma once

#include <glib.h>

typedef struct {
    double median, min, max;
} Stats;

/* Of @samples (double); all zero when there are none. */
Stats stats_of(GArray *samples);

/* Milliseconds since @start_us, a g_get_monotonic_time() value. */
double ms_since(gint64 start_us);
