/*
 * The goals a benchmark checks: one line each on stdout and one row each in a
 * Markdown table ("| goal | measured | bound | met |"), and whether all were met.
 */
#pragma once

#include <glib.h>

typedef struct {
    GString *md;        /* the table's rows */
    gboolean all_met;
} Goals;

void goals_init(Goals *goals);
void goals_clear(Goals *goals);

/* The exit status of a benchmark that ran: 0, or 3 when a goal was missed. */
int goals_exit_status(const Goals *goals);

/* A goal met when @value <= @bound. */
void goal(Goals *goals, const char *what, double value, double bound);
