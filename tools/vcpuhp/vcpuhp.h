/* Subcommands of the vcpuhp tool. Each returns the process exit status. */
#pragma once

int vcpuhp_cmd_masks(int argc, char **argv);
