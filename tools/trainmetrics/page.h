/* SPDX-License-Identifier: MIT */
/* The Training Metrics page: one self-contained HTML file (inline CSS, SVG,
 * images as data URIs, a few lines of inline script for the band readout). */
#ifndef TRAINMETRICS_PAGE_H
#define TRAINMETRICS_PAGE_H

#include "cli.h"

/* Other pages to link to from this one's header (the demo's three runs). */
struct page_links {
    size_t n;
    const char *const *titles, *const *hrefs;
    size_t current; /* index of this page, not linked */
};

/* Renders the run directory's page into html; returns 0 or the exit code. */
int page_render(const char *run_dir, const struct page_links *links, struct buf *html);

#endif
