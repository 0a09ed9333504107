/* SPDX-License-Identifier: MIT */
/* The subcommands; each takes its own argv (argv[0] is its name) and returns
 * the exit status. */
#ifndef TRAINMETRICS_COMMANDS_H
#define TRAINMETRICS_COMMANDS_H

int command_report(int argc, char **argv);
int command_curves(int argc, char **argv);
int command_cam(int argc, char **argv);
int command_page(int argc, char **argv);
int command_demo(int argc, char **argv);

/* Prints "usage: ..." for a subcommand and returns 64. */
int usage_error(const char *command, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
