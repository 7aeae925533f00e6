#include "bench-goals.h"

#include <stdio.h>

void
goals_init(Goals *goals)
{
    goals->md = g_string_new(NULL);
    goals->all_met = TRUE;
}

void
goals_clear(Goals *goals)
{
    g_string_free(goals->md, TRUE);
    goals->md = NULL;
}

void
goal(Goals *goals, const char *what, double value, double bound)
{
    gboolean met = value <= bound;

    goals->all_met &= met;
    g_string_append_printf(goals->md, "| %s | %.2f | %.2f | %s |\n", what, value, bound,
                           met ? "yes" : "**NO**");
    printf("goal: %-60s %6.2f (bound %.2f) %s\n", what, value, bound, met ? "met" : "MISSED");
}

int
goals_exit_status(const Goals *goals)
{
    return goals->all_met ? 0 : 3;
}
