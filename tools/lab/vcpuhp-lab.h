/* Subcommands of the vcpuhp-lab tool. Each returns the process exit status. */
#pragma once

int lab_cmd_masks(int argc, char **argv);
int lab_cmd_hotplug(int argc, char **argv);
int lab_cmd_guest(int argc, char **argv);
