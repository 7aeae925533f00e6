/*
 * The vcpuhp tool's commands and what they share: exit codes, the VM they act on
 * (a QEMU monitor socket, or a libvirt domain) and how they print.
 */
#pragma once

#include <glib.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <stdio.h>

#include "vh-guest-cpus.h"
#include "vh-qmp.h"

/* Documented in vcpuhp(1): scripts tell these apart. */
typedef enum {
    VCPUHP_EXIT_OK = 0,
    VCPUHP_EXIT_FAILED = 1,         /* QEMU, libvirt or the agent failed a request */
    VCPUHP_EXIT_USAGE = 2,          /* bad arguments */
    VCPUHP_EXIT_UNREACHABLE = 3,    /* no VM, monitor or agent to talk to */
    VCPUHP_EXIT_NOT_READY = 4,      /* check: the domain is not hotplug-ready */
    VCPUHP_EXIT_REFUSED = 5,        /* the guest refused a vCPU (eject, online) */
} VcpuhpExit;

int vcpuhp_cmd_status(int argc, char **argv);
int vcpuhp_cmd_set(int argc, char **argv);
int vcpuhp_cmd_check(int argc, char **argv);

/* --output=text|json, shared by every command. */
typedef enum {
    VCPUHP_OUTPUT_TEXT,
    VCPUHP_OUTPUT_JSON,
} VcpuhpOutput;

gboolean vcpuhp_parse_output(const char *value, VcpuhpOutput *output);

/*
 * Parses the arguments of @command (its parameter string @parameters, e.g. "N -
 * grow or shrink..."): @entries (NULL-terminated, may be NULL), @more_entries (the
 * same; cli-vm.h's), and --output into *@output. Returns -1 when they parse, else
 * the exit status, with the error printed.
 */
int vcpuhp_parse_args(const char *command, const char *parameters, const GOptionEntry *entries,
                      const GOptionEntry *more_entries, VcpuhpOutput *output, int *argc,
                      char ***argv);

/* Prints @root as indented JSON on stdout (takes @root). */
void vcpuhp_print_json(JsonNode *root);

/* "vcpuhp COMMAND: MESSAGE" on stderr; returns @status. */
int vcpuhp_fail(const char *command, int status, const char *format, ...) G_GNUC_PRINTF(3, 4);

/* The exit status for an error of the library. */
int vcpuhp_exit_for(const GError *error);
