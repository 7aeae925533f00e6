/*
 * vcpuhp: live vCPU hotplug for the VMs a user runs.
 *   vcpuhp status   a running VM's vCPU slots, plugged and online
 *   vcpuhp set      grow or shrink a running VM, bringing the vCPUs online in the guest
 *   vcpuhp check    is a domain hotplug-ready, and what to change if not
 * The lab's commands are apart, in tools/lab/vcpuhp-lab.
 */
#include <locale.h>
#include <string.h>

#include "vcpuhp.h"

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    { "status", vcpuhp_cmd_status, N_("show a running VM's vCPU slots") },
    { "set", vcpuhp_cmd_set, N_("grow or shrink a running VM to N vCPUs") },
    { "check", vcpuhp_cmd_check, N_("tell whether a domain is hotplug-ready") },
};

static int
usage(FILE *out)
{
    fprintf(out, _("usage: vcpuhp COMMAND [OPTIONS]\n       vcpuhp --version\n\ncommands:\n"));
    for (gsize i = 0; i < G_N_ELEMENTS(commands); i++)
        fprintf(out, "  %-8s %s\n", commands[i].name, _(commands[i].summary));
    fprintf(out, _("\n'vcpuhp COMMAND --help' describes a command's options; vcpuhp(1) its "
                   "output and exit codes.\n"));
    return out == stdout ? VCPUHP_EXIT_OK : VCPUHP_EXIT_USAGE;
}

int
main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
    bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
    textdomain(GETTEXT_PACKAGE);

    if (argc < 2)
        return usage(stderr);
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help"))
        return usage(stdout);
    if (!strcmp(argv[1], "--version")) {
        printf("vcpuhp %s\n", VCPUHP_VERSION);
        return VCPUHP_EXIT_OK;
    }
    for (gsize i = 0; i < G_N_ELEMENTS(commands); i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, _("vcpuhp: unknown command '%s'\n"), argv[1]);
    return usage(stderr);
}
