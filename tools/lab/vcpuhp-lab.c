/*
 * vcpuhp-lab: the test lab's command-line tool, apart from the user's vcpuhp
 * (tools/vcpuhp) because it boots and talks to the lab's own guests:
 *   vcpuhp-lab masks     boot a lab guest and print its possible/present/enabled/online masks
 *   vcpuhp-lab hotplug   boot an arm64 lab guest, plug and unplug a vCPU live
 *   vcpuhp-lab guest     run a command in a running lab guest over its serial socket
 * Not installed.
 */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "vcpuhp-lab.h"

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    { "masks", lab_cmd_masks, "boot a lab guest and print its CPU masks" },
    { "hotplug", lab_cmd_hotplug, "boot an arm64 guest, plug and unplug a vCPU live" },
    { "guest", lab_cmd_guest, "run a command in a running lab guest (serial socket)" },
};

static int
usage(FILE *out)
{
    fprintf(out, "usage: vcpuhp-lab COMMAND [OPTIONS]\n\ncommands:\n");
    for (gsize i = 0; i < G_N_ELEMENTS(commands); i++)
        fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'vcpuhp-lab COMMAND --help' describes a command's options.\n");
    return out == stdout ? 0 : 2;
}

int
main(int argc, char **argv)
{
    if (argc < 2)
        return usage(stderr);
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "help"))
        return usage(stdout);
    for (gsize i = 0; i < G_N_ELEMENTS(commands); i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "vcpuhp-lab: unknown command '%s'\n", argv[1]);
    return usage(stderr);
}
