/* vcpuhp check: not yet. */
#include "vcpuhp.h"

int
vcpuhp_cmd_check(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return vcpuhp_fail("check", VCPUHP_EXIT_USAGE, "not yet");
}
