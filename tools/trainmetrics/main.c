/* SPDX-License-Identifier: MIT */
/* trainmetrics: the Training Metrics page of a run, and the numbers on it. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <trainmetrics/trainmetrics.h>

#include "cli.h"
#include "commands.h"

static const struct {
    const char *name, *usage, *summary;
    int (*run)(int, char **);
} commands[] = {
    { "report",
      "report [--true COL] [--pred COL | --scores COL,... | --scores-prefix PREFIX] [--classes FILE] [--digits N] [--top N]\n"
      "       [--json] [-o FILE] PRED.csv\n"
      "       trainmetrics report --true-npy TRUE.npy (--pred-npy PRED.npy | --scores-npy SCORES.npy) [--classes FILE] [--json] [-o FILE]",
      "classification report, confusion matrices and the most-confused pairs", command_report },
    { "curves", "curves [--monitor COL] [--train COL] [--mode min|max] [--patience N] [--min-delta X] [--trend-window N] [--json]\n"
      "       [-o FILE] LOG.csv",
      "overfitting verdict and best, onset and stop epochs of a training log", command_curves },
    { "cam",
      "cam --activations A.npy [--gradients G.npy] [--method NAME] [--layout channels-first|channels-last]\n"
      "       [--size D[xD[xD]]] [--no-relu] [--no-normalize | --normalize-after-resize]\n"
      "       [-o MAPS.npy] [--axis FILE]\n"
      "       [--png OUT.png [--image IMG.png] [--image-weight W] [--sample I] [--colormap NAME]]",
      "class activation maps from a layer's activations and gradients", command_cam },
    { "page", "page RUN_DIR -o PAGE.html", "the Training Metrics page of a run directory, one self-contained HTML file",
      command_page },
    { "demo", "demo [--out DIR]", "every command on the bundled runs, and the pages", command_demo },
};

static void print_usage(FILE *out)
{
    fprintf(out, "usage: trainmetrics COMMAND [OPTIONS] ...\n\n");
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'trainmetrics COMMAND --help' shows a command's options; 'man trainmetrics' explains them.\n");
}

int usage_error(const char *command, const char *fmt, ...)
{
    fputs("trainmetrics: ", stderr);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (strcmp(commands[i].name, command) == 0)
            fprintf(stderr, "usage: trainmetrics %s\n", commands[i].usage);
    return EXIT_USAGE;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_usage(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        print_usage(stdout);
        return EXIT_SUCCESS;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("trainmetrics %s\n", trm_version_string());
        return EXIT_SUCCESS;
    }
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
        if (strcmp(argv[1], commands[i].name) != 0)
            continue;
        for (int a = 2; a < argc; a++)
            if (strcmp(argv[a], "--help") == 0 || strcmp(argv[a], "-h") == 0) {
                printf("usage: trainmetrics %s\n", commands[i].usage);
                return EXIT_SUCCESS;
            }
        return commands[i].run(argc - 1, argv + 1);
    }
    fprintf(stderr, "trainmetrics: unknown command '%s'\n", argv[1]);
    print_usage(stderr);
    return EXIT_USAGE;
}
