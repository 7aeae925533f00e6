/*
 * vcpuhp: the project's command-line tool.
 *   vcpuhp masks     boot a lab guest and print its possible/present/enabled/online masks
 *   vcpuhp hotplug   boot an arm64 lab guest, plug and unplug a vCPU live
 *   vcpuhp guest     run a command in a running lab guest over its serial socket
 */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "vcpuhp.h"

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    { "masks", vcpuhp_cmd_masks, "boot a lab guest and print its CPU masks" },
    { "hotplug", vcpuhp_cmd_hotplug, "boot an arm64 guest, plug and unplug a vCPU live" },
    { "guest", vcpuhp_cmd_guest, "run a command in a running lab guest (serial socket)" },
};

static int
usage(FILE *out)
{
    fprintf(out, "usage: vcpuhp COMMAND [OPTIONS]\n\ncommands:\n");
    for (gsize i = 0; i < G_N_ELEMENTS(commands); i++)
        fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'vcpuhp COMMAND --help' describes a command's options.\n");
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
    fprintf(stderr, "vcpuhp: unknown command '%s'\n", argv[1]);
    return usage(stderr);
}
