/* SPDX-License-Identifier: MIT */
/* trainmetrics page and trainmetrics demo. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "commands.h"
#include "page.h"
#include "runconf.h"

/* The options of page and demo: one path, -o or its long name. */
static int parse_path_option(int argc, char **argv, const char *command, const char *long_name, const char **value)
{
    const struct option options[] = { { long_name, required_argument, NULL, 'o' }, { 0 } };
    int opt;
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":o:", options, NULL)) != -1) {
        if (opt == 'o')
            *value = optarg;
        else if (opt == ':')
            return usage_error(command, "%s needs a value", argv[optind - 1]);
        else
            return usage_error(command, "unknown option '%s'", argv[optind - 1]);
    }
    return 0;
}

int command_page(int argc, char **argv)
{
    const char *output = NULL;
    int parsed = parse_path_option(argc, argv, "page", "output", &output);
    if (parsed)
        return parsed;
    if (optind != argc - 1)
        return usage_error("page", "expected one RUN_DIR");
    if (!output)
        return usage_error("page", "-o PAGE.html is required");
    struct buf html = { 0 };
    int status = page_render(argv[optind], NULL, &html);
    if (!status)
        status = write_file_atomic(output, html.data, html.len);
    buf_free(&html);
    return status;
}

/* The bundled runs: in this source tree when it is there (a build tree's
 * binary), else where `meson install` put them. */
static const char *data_dir(void)
{
    static const char *const candidates[] = { TRM_SOURCE_DATADIR, TRM_INSTALLED_DATADIR };
    for (size_t i = 0; i < 2; i++) {
        char probe[4096];
        snprintf(probe, sizeof probe, "%s/mayonnaise/run.conf", candidates[i]);
        struct stat st;
        if (stat(probe, &st) == 0)
            return candidates[i];
    }
    return NULL;
}

static int make_dir(const char *path)
{
    if (mkdir(path, 0777) == 0 || errno == EEXIST)
        return 0;
    return fail(EXIT_CANTCREAT, "%s: %s", path, strerror(errno));
}

/* Runs a subcommand as a user would type it. */
static int run_command(int (*command)(int, char **), const char *const *args)
{
    int argc = 0;
    char *argv[32];
    while (args[argc] && argc < 31) {
        argv[argc] = (char *)args[argc];
        argc++;
    }
    argv[argc] = NULL;
    return command(argc, argv);
}

struct demo_run {
    const char *name, *title;
};

static const struct demo_run runs[] = {
    { "mayonnaise", "Mayonnaise NIR spectra" },
    { "digits", "Digits images" },
    { "unmixing", "Spectral unmixing" },
};
enum { N_RUNS = sizeof runs / sizeof *runs };

/* The text outputs of one run: report, curves and maps, as files. */
static int demo_outputs(const struct run *run, const char *out_dir)
{
    int status = 0;
    char *history = run_path(run, "history"), *predictions = run_path(run, "predictions"),
         *classes = run_path(run, "classes"), *activations = run_path(run, "activations"),
         *gradients = run_path(run, "gradients");
    char *curves_txt = path_join(out_dir, "curves.txt"), *report_txt = path_join(out_dir, "report.txt"),
         *maps = path_join(out_dir, "gradcam.npy");
    const char *curves_args[] = { "curves", "-o", curves_txt, history, NULL };
    status = run_command(command_curves, curves_args);
    if (!status && predictions && classes) {
        const char *report_args[] = { "report", "--classes", classes, "-o", report_txt, predictions, NULL };
        status = run_command(command_report, report_args);
    }
    if (!status && activations && gradients) {
        const char *cam_args[] = { "cam", "--activations", activations, "--gradients", gradients, "-o", maps, NULL };
        status = run_command(command_cam, cam_args);
    }
    free(history);
    free(predictions);
    free(classes);
    free(activations);
    free(gradients);
    free(curves_txt);
    free(report_txt);
    free(maps);
    return status;
}

int command_demo(int argc, char **argv)
{
    const char *out = "trainmetrics-demo";
    int parsed = parse_path_option(argc, argv, "demo", "out", &out);
    if (parsed)
        return parsed;
    if (optind != argc)
        return usage_error("demo", "unexpected argument '%s'", argv[optind]);
    const char *data = data_dir();
    if (!data)
        return fail(EXIT_NOINPUT, "the bundled runs are in neither %s nor %s", TRM_SOURCE_DATADIR, TRM_INSTALLED_DATADIR);
    int status = make_dir(out);
    const char *titles[N_RUNS], *hrefs[N_RUNS];
    char pages[N_RUNS][64];
    for (size_t i = 0; i < N_RUNS; i++) {
        snprintf(pages[i], sizeof pages[i], "%s.html", runs[i].name);
        titles[i] = runs[i].title;
        hrefs[i] = pages[i];
    }
    for (size_t i = 0; i < N_RUNS && !status; i++) {
        char *run_dir = path_join(data, runs[i].name), *out_dir = path_join(out, runs[i].name);
        char *page = path_join(out, pages[i]);
        struct run run;
        if ((status = make_dir(out_dir)) == 0 && (status = run_load(&run, run_dir)) == 0) {
            status = demo_outputs(&run, out_dir);
            struct page_links links = { .n = N_RUNS, .titles = titles, .hrefs = hrefs, .current = i };
            struct buf html = { 0 };
            if (!status)
                status = page_render(run_dir, &links, &html);
            if (!status)
                status = write_file_atomic(page, html.data, html.len);
            if (!status)
                printf("%-11s %s/ (report, curves, maps) and %s\n", runs[i].name, out_dir, page);
            buf_free(&html);
            run_free(&run);
        }
        free(run_dir);
        free(out_dir);
        free(page);
    }
    if (!status)
        printf("\nThe Training Metrics page: %s/%s (open it in a browser; it needs no network)\n", out, pages[0]);
    return status;
}
