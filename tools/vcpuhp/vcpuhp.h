/* Subcommands of the vcpuhp tool. Each returns the process exit status. */
#pragma once

int vcpuhp_cmd_masks(int argc, char **argv);
int vcpuhp_cmd_hotplug(int argc, char **argv);
int vcpuhp_cmd_guest(int argc, char **argv);
