/* SPDX-License-Identifier: MIT */
/* The page of one run directory: every number comes from the library, every
 * chart is inline SVG, every image a data URI; nothing is fetched. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <trainmetrics/trainmetrics.h>

#include "cammaps.h"
#include "charts.h"
#include "csvfile.h"
#include "curves.h"
#include "image.h"
#include "npy.h"
#include "page.h"
#include "predictions.h"
#include "runconf.h"
#include "summary.h"

static const char style[] =
    "*{box-sizing:border-box}"
    "html{background:#f4f6fa}body{margin:0;font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;color:#1d2433;background:#f4f6fa}"
    "header{background:#1d2b45;color:#fff;padding:18px 32px}"
    "header h1{margin:0;font-size:22px;font-weight:600}header .run{margin:2px 0 0;color:#c9d3e6;font-size:16px}"
    "header .description{margin:8px 0 0;color:#aebad0;font-size:14px;max-width:1000px}"
    "nav{margin-top:10px}nav a,nav span{display:inline-block;margin-right:8px;padding:3px 10px;border-radius:12px;font-size:13px;"
    "color:#dfe6f3;background:#2c3e60;text-decoration:none}nav span{background:#f0b429;color:#1d2433;font-weight:600}"
    "main{max-width:1180px;margin:0 auto;padding:20px 28px 40px}"
    "section{background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(20,30,50,.12);margin:18px 0;padding:16px 22px}"
    "h2{font-size:18px;margin:0 0 10px;font-weight:600}h3{font-size:15px;margin:12px 0 6px;font-weight:600}"
    "p.note{color:#4a5568;margin:4px 0 10px;font-size:14px}"
    ".cards{display:flex;flex-wrap:wrap;gap:12px}"
    ".card{flex:1 1 150px;background:#f7f9fc;border:1px solid #e2e8f0;border-radius:8px;padding:10px 14px}"
    ".card .label{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:#5a6578}"
    ".card .value{font-size:24px;font-weight:600;margin-top:2px}.card.alert{background:#fff4f2;border-color:#f5c2b8}"
    ".card.verdict{flex:2 1 260px}.card.verdict .value{font-size:19px}.card.alert .value{color:#b42318}.card .sub{font-size:12px;color:#5a6578}"
    ".grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(440px,1fr));gap:10px 24px}"
    "table{border-collapse:collapse;font-size:14px;margin:6px 0}"
    "th,td{padding:4px 12px;text-align:right;border-bottom:1px solid #e8ecf2}th{font-weight:600;color:#3a4558}"
    "td:first-child,th:first-child{text-align:left}tr.avg td{color:#3a4558;font-style:italic}"
    "svg.chart{width:100%;height:auto;display:block}#spectra svg.chart{max-width:820px}#confusion svg.chart{max-width:560px}"
    "svg .grid{stroke:#e6e9ef}svg .tickmark{stroke:#7a8699}svg .frame{fill:none;stroke:#9aa5b5}"
    "svg text{font-family:inherit;fill:#2d3748}svg .tick{font-size:12px}svg .title{font-size:13px;fill:#3a4558}"
    "svg .legend{font-size:13px}"
    "svg polyline{fill:none;stroke-width:2;stroke-linejoin:round}"
    "svg .train{stroke:#1f77b4}svg .val{stroke:#ff7f0e}svg .gap{fill:#d62728;fill-opacity:.16;stroke:none}"
    "svg rect.gap{fill:#d62728;fill-opacity:.25}"
    "svg .marker line{stroke-width:1.5;stroke-dasharray:5 3}"
    "svg .marker text{font-size:12px;font-weight:600;paint-order:stroke;stroke:#fff;stroke-width:4px;stroke-linejoin:round}"
    "svg .best line{stroke:#2ca02c}svg .best text{fill:#1e7a1e}svg .onset line{stroke:#d62728}svg .onset text{fill:#b42318}"
    "svg .stop line{stroke:#4a5568}svg .stop text{fill:#2d3748}"
    "svg .pct{font-size:13px;font-weight:600}svg .count{font-size:11px}svg .light{fill:#fff}svg .dark{fill:#1d2433}"
    "svg .cell rect{stroke:#fff;stroke-width:1}svg .cell:hover rect{stroke:#1d2433;stroke-width:2}"
    "svg .band{fill:#d62728;stroke:none}svg .band:hover{fill:#1d2b45;fill-opacity:.9}"
    "svg .spectrum{stroke:#1d2433;stroke-width:1.6;pointer-events:none}svg .series{stroke-width:1.8}"
    "svg .diagonal{stroke:#9aa5b5;stroke-dasharray:4 3}svg .point{fill-opacity:.7}"
    ".bands figure{margin:0}.bands figcaption{font-weight:600;font-size:14px;margin:4px 0 0}"
    "p.scale{font-size:12px;color:#4a5568;margin:0 0 8px}.ramp{display:inline-block;width:120px;height:10px;"
    "vertical-align:middle;margin:0 6px;background:linear-gradient(90deg,rgba(214,39,40,.08),rgba(214,39,40,.9))}"
    ".readout{min-height:1.5em;font-size:13px;color:#1d2b45;background:#eef3fb;border-radius:4px;padding:2px 8px;margin:0 0 6px}"
    ".overlays{display:flex;flex-wrap:wrap;gap:14px}.overlays figure{margin:0;width:196px;text-align:center}"
    ".overlays img{width:92px;height:92px;image-rendering:pixelated;border:1px solid #d5dbe5;margin:0 1px}"
    ".overlays figcaption{font-size:12px;color:#3a4558}.overlays .wrong{color:#b42318;font-weight:600}"
    "footer{color:#5a6578;font-size:12px;text-align:center;padding:10px}";

/* Shows the hovered band's values above each band plot. */
static const char script[] =
    "document.querySelectorAll('.bands figure').forEach(function(f){var o=f.querySelector('.readout');"
    "f.addEventListener('mouseover',function(e){var b=e.target.closest('.band');if(!b)return;"
    "o.textContent=f.dataset.axis+' '+b.dataset.wavelength+': importance '+b.dataset.importance+', mean value '+b.dataset.value;});});";

struct rows {
    size_t n;
    int32_t *true_class, *pred_class;
};

struct row_reader {
    const struct strings *classes;
    const char *path;
    struct rows *rows;
    size_t cap;
    ptrdiff_t true_at, pred_at;
    bool have_header;
};

static ptrdiff_t field_index(const struct csv_record *rec, const char *name)
{
    for (size_t i = 0; i < rec->n_fields; i++)
        if (strcmp(rec->fields[i], name) == 0)
            return (ptrdiff_t)i;
    return -1;
}

/* Per-row true and predicted classes, for the CAM figures' grouping and captions. */
static int read_row(void *ctx, const struct csv_record *rec)
{
    struct row_reader *r = ctx;
    if (!r->have_header) {
        r->have_header = true;
        r->true_at = field_index(rec, "true");
        r->pred_at = field_index(rec, "pred");
        if (r->true_at < 0 || r->pred_at < 0)
            return fail_at(EXIT_DATA, r->path, rec->line, 1, "expected columns 'true' and 'pred' in a run's predictions");
        return 0;
    }
    struct rows *rows = r->rows;
    if (rows->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 256;
        rows->true_class = xrealloc(rows->true_class, r->cap * sizeof *rows->true_class);
        rows->pred_class = xrealloc(rows->pred_class, r->cap * sizeof *rows->pred_class);
    }
    ptrdiff_t t = strings_find(r->classes, rec->fields[r->true_at]);
    ptrdiff_t p = strings_find(r->classes, rec->fields[r->pred_at]);
    if (t < 0 || p < 0)
        return fail_at(EXIT_DATA, r->path, rec->line, (size_t)(t < 0 ? r->true_at : r->pred_at) + 1,
                       "expected a class name, found '%s'", rec->fields[t < 0 ? r->true_at : r->pred_at]);
    rows->true_class[rows->n] = (int32_t)t;
    rows->pred_class[rows->n] = (int32_t)p;
    rows->n++;
    return 0;
}

static void rows_free(struct rows *rows)
{
    free(rows->true_class);
    free(rows->pred_class);
    *rows = (struct rows){ 0 };
}

/* A whole .npy of the expected rank as doubles. */
static int load_npy(const char *path, size_t ndim, const char *expected, double **out, size_t shape[NPY_MAX_DIMS])
{
    struct npy a;
    int status = npy_open(&a, path);
    if (status)
        return status;
    char found[128];
    npy_shape_text(&a, found, sizeof found);
    if (a.ndim != ndim || a.count == 0)
        status = fail_at(EXIT_DATA, path, 1, 1, "expected an array of shape %s, found %s", expected, found);
    else {
        memcpy(shape, a.shape, sizeof a.shape);
        *out = xmalloc(a.count * sizeof **out);
        if ((status = npy_read_f64(&a, a.count, *out)) != 0) {
            free(*out);
            *out = NULL;
        }
    }
    npy_close(&a);
    return status;
}

static int load_axis(const struct run *run, size_t n, double **axis)
{
    char *path = run_path(run, "axis");
    *axis = xmalloc(n * sizeof **axis);
    if (!path) {
        for (size_t i = 0; i < n; i++)
            (*axis)[i] = (double)i;
        return 0;
    }
    struct strings lines = { 0 };
    int status = strings_read_lines(&lines, path);
    if (!status && lines.n != n)
        status = fail_at(EXIT_DATA, path, 1, 1, "expected %zu axis values, one per band, found %zu", n, lines.n);
    for (size_t i = 0; i < n && !status; i++)
        if (!parse_double(lines.items[i], &(*axis)[i]))
            status = fail_at(EXIT_DATA, path, i + 1, 1, "expected a number, found '%s'", lines.items[i]);
    /* Increasing (wavelengths) or decreasing (wavenumbers), strictly. */
    bool rising = n < 2 || (*axis)[1] > (*axis)[0];
    for (size_t i = 1; i < n && !status; i++)
        if (rising ? !((*axis)[i] > (*axis)[i - 1]) : !((*axis)[i] < (*axis)[i - 1]))
            status = fail_at(EXIT_DATA, path, i + 1, 1, "expected values that keep %s, found %s after %s",
                             rising ? "increasing" : "decreasing", lines.items[i], lines.items[i - 1]);
    strings_free(&lines);
    free(path);
    if (status) {
        free(*axis);
        *axis = NULL;
    }
    return status;
}

/* css: extra classes of the card ("verdict", "verdict alert"), or "". */
static void card(struct buf *b, const char *label, const char *value, const char *sub, const char *css)
{
    buf_printf(b, "<div class=\"card %s\"><div class=\"label\">", css);
    buf_add_escaped(b, label);
    buf_printf(b, "</div><div class=\"value\">");
    buf_add_escaped(b, value);
    buf_printf(b, "</div>");
    if (sub) {
        buf_printf(b, "<div class=\"sub\">");
        buf_add_escaped(b, sub);
        buf_printf(b, "</div>");
    }
    buf_printf(b, "</div>");
}

static void verdict_card(struct buf *b, const struct curves *c)
{
    const struct criterion_result *d = &c->results[0];
    char value[64], sub[160];
    bool alert = d->verdict == TRM_FIT_OVERFITTING || d->verdict == TRM_FIT_DIVERGED;
    if (d->onset > 0)
        snprintf(value, sizeof value, "%s since epoch %g", verdict_name(d->verdict), c->epoch[d->onset - 1]);
    else
        snprintf(value, sizeof value, "%s", verdict_name(d->verdict));
    if (d->best <= 0)
        snprintf(sub, sizeof sub, "no finite %s", c->val_name);
    else if (d->stop > 0)
        snprintf(sub, sizeof sub, "best %s at epoch %g; the default criterion first fired at epoch %g", c->val_name,
                 c->epoch[d->best - 1], c->epoch[d->stop - 1]);
    else
        snprintf(sub, sizeof sub, "best %s at epoch %g; no stopping criterion fired", c->val_name, c->epoch[d->best - 1]);
    card(b, "Verdict", value, sub, alert ? "verdict alert" : "verdict");
}

static void number_card(struct buf *b, const char *label, double v, int digits, const char *sub)
{
    char value[64];
    snprintf(value, sizeof value, "%.*f", digits, v);
    card(b, label, isfinite(v) ? value : "undefined", sub, "");
}

/* The loss chart with the markers, and the second metric's chart beside it. */
static void curves_section(struct buf *b, const struct history *h, const struct curves *loss, const char *second_name,
                           const char *note)
{
    const struct criterion_result *d = &loss->results[0];
    struct marker markers[3];
    size_t n = 0;
    if (d->best > 0)
        markers[n++] = (struct marker){ loss->epoch[d->best - 1], "best", "best" };
    if (d->onset > 0)
        markers[n++] = (struct marker){ loss->epoch[d->onset - 1], "onset", "onset" };
    if (d->stop > 0)
        markers[n++] = (struct marker){ loss->epoch[d->stop - 1], "stop", "stop" };
    double gap_from = d->onset > 0 && d->verdict == TRM_FIT_OVERFITTING ? loss->epoch[d->onset - 1] - 1 : -1;
    buf_printf(b, "<section id=\"curves\"><h2>Training and validation curves</h2><p class=\"note\">");
    buf_add_escaped(b, note);
    buf_printf(b, "</p><div class=\"grid2\"><div><h3>");
    buf_add_escaped(b, loss->val_name + (strncmp(loss->val_name, "val_", 4) ? 0 : 4));
    buf_printf(b, "</h3>");
    struct curve_chart chart = { .id = "loss-curves", .y_title = loss->val_name + (strncmp(loss->val_name, "val_", 4) ? 0 : 4),
                                 .train_label = loss->train_name, .val_label = loss->val_name, .epoch = loss->epoch,
                                 .train = loss->train, .val = loss->val, .n = loss->n, .markers = markers,
                                 .n_markers = n, .gap_from = gap_from };
    chart_curves(b, &chart);
    buf_printf(b, "</div>");
    struct curves second;
    struct curves_options opt = { .monitor = second_name, .mode = -1, .patience = 10 };
    if (second_name && curves_compute(&second, h, "history", &opt) == 0) {
        buf_printf(b, "<div><h3>");
        buf_add_escaped(b, second.val_name + 4);
        buf_printf(b, "</h3>");
        chart = (struct curve_chart){ .id = "metric-curves", .y_title = second.val_name + 4,
                                      .train_label = second.train_name, .val_label = second.val_name,
                                      .epoch = second.epoch, .train = second.train, .val = second.val, .n = second.n,
                                      .markers = markers, .n_markers = n, .gap_from = -1 };
        chart_curves(b, &chart);
        buf_printf(b, "</div>");
        curves_free(&second);
    }
    buf_printf(b, "</div><h3>Stopping criteria on %s</h3><table id=\"criteria\"><tr><th>criterion</th><th>verdict</th>"
                  "<th>best epoch</th><th>onset</th><th>stop</th></tr>", loss->val_name);
    for (size_t i = 0; i < CURVES_CRITERIA; i++) {
        const struct criterion_result *r = &loss->results[i];
        buf_printf(b, "<tr><td>");
        buf_add_escaped(b, r->label);
        buf_printf(b, "</td><td>%s</td>", verdict_name(r->verdict));
        const int64_t epochs[3] = { r->best, r->onset, r->stop };
        for (int j = 0; j < 3; j++) {
            if (epochs[j] > 0)
                buf_printf(b, "<td>%g</td>", loss->epoch[epochs[j] - 1]);
            else
                buf_printf(b, "<td>&#8211;</td>");
        }
        buf_printf(b, "</tr>");
    }
    buf_printf(b, "</table><p class=\"note\">Epochs are counted from 1, as Keras and Lightning print them. ");
    if (loss->explanation)
        buf_add_escaped(b, loss->explanation);
    buf_printf(b, "</p></section>");
}

static const char *second_metric(const struct history *h, const char *monitor)
{
    static const char *const preferred[] = { "val_accuracy", "val_acc", "val_rmse", "val_mae" };
    for (size_t i = 0; i < sizeof preferred / sizeof *preferred; i++)
        if (history_metric(h, preferred[i]) >= 0 && strcmp(preferred[i], monitor) != 0 &&
            curves_train_for(h, preferred[i]) >= 0)
            return preferred[i];
    return NULL;
}

static void metrics_table(struct buf *b, const struct summary *s)
{
    buf_printf(b, "<table id=\"metrics\"><tr><th>class</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr>");
    for (size_t i = 0; i <= s->k + 1; i++) {
        bool avg = i >= s->k;
        const double *v = avg ? s->avg[i - s->k] : NULL;
        buf_printf(b, "<tr%s><td>", avg ? " class=\"avg\"" : "");
        buf_add_escaped(b, avg ? (i == s->k ? "macro average" : "weighted average") : s->classes->items[i]);
        buf_printf(b, "</td><td>%.3f</td><td>%.3f</td><td>%.3f</td><td>%.0f</td></tr>", avg ? v[0] : s->precision[i],
                   avg ? v[1] : s->recall[i], avg ? v[2] : s->f1[i], avg ? v[3] : s->support[i]);
    }
    buf_printf(b, "</table>");
}

static void confusion_section(struct buf *b, const struct summary *s)
{
    buf_printf(b, "<section id=\"confusion\"><h2>Per-class metrics and confusion matrix</h2><div class=\"grid2\"><div>");
    metrics_table(b, s);
    buf_printf(b, "<h3>Most confused</h3><ul id=\"most-confused\">");
    for (size_t i = 0; i < s->n_pairs && i < 5; i++) {
        const struct confusion_pair *c = &s->pairs[i];
        buf_printf(b, "<li>");
        buf_add_escaped(b, s->classes->items[c->true_class]);
        buf_printf(b, " mistaken for ");
        buf_add_escaped(b, s->classes->items[c->pred_class]);
        buf_printf(b, " %.1f%% (%llu of %llu)</li>", 100 * c->rate, (unsigned long long)c->count,
                   (unsigned long long)c->support);
    }
    if (!s->n_pairs)
        buf_printf(b, "<li>none: every held-out sample is classified right</li>");
    buf_printf(b, "</ul></div><div><h3>Normalized over each true class</h3>");
    chart_confusion(b, s);
    buf_printf(b, "<p class=\"note\">Each row sums to 100%%; the small number is the count of samples.</p></div></div></section>");
}

/* 1-D maps: the mean map and mean spectrum of the samples predicted as each class. */
static int spectra_section(struct buf *b, const struct run *run, const struct cam_tensors *t, const struct rows *rows,
                           const struct strings *classes)
{
    char *inputs_path;
    int status = run_require(run, "inputs", &inputs_path);
    if (status)
        return status;
    double *inputs = NULL, *axis = NULL;
    size_t shape[NPY_MAX_DIMS] = { 0 };
    status = load_npy(inputs_path, 2, "(N, bands)", &inputs, shape);
    size_t n = shape[0], bands = shape[1];
    if (!status && n != t->batch)
        status = fail_at(EXIT_DATA, inputs_path, 1, 1, "expected %zu spectra, one per activation sample, found %zu", t->batch, n);
    if (!status && n != rows->n)
        status = fail(EXIT_DATA, "%s: expected %zu spectra, one per row of the predictions, found %zu", inputs_path, rows->n, n);
    if (!status)
        status = load_axis(run, bands, &axis);
    float *maps = NULL;
    size_t map_size = 0;
    struct cam_settings s = { .method = TRM_CAM_GRADCAM, .relu = true, .normalize = true, .out_ndim = 1, .out_dims = { bands } };
    if (!status)
        status = cam_tensors_maps(t, &s, &maps, &map_size);
    if (!status) {
        const char *axis_label = run_get(run, "axis_label");
        axis_label = axis_label ? axis_label : "band";
        buf_printf(b, "<section id=\"cam\" class=\"bands\"><h2>Grad-CAM over the spectral bands</h2><p class=\"note\">"
                      "For each class, the mean spectrum of the held-out samples the model predicted as that class, "
                      "with each band shaded by its mean Grad-CAM importance (last convolution layer, resized to the "
                      "%zu input bands, min-max normalized per sample). The darker the red, the more the band "
                      "weighed in the prediction; the shading is scaled to each class's most important band, "
                      "so compare bands within a panel, not across panels. Hover over a band for its values.</p>"
                      "<p class=\"scale\">importance <span class=\"ramp\"></span> highest in the class</p>"
                      "<div class=\"grid2\">", bands);
        double *importance = xcalloc(bands, sizeof *importance), *spectrum = xcalloc(bands, sizeof *spectrum);
        double *shade = xcalloc(bands, sizeof *shade);
        for (size_t k = 0; k < classes->n; k++) {
            size_t members = 0;
            memset(importance, 0, bands * sizeof *importance);
            memset(spectrum, 0, bands * sizeof *spectrum);
            for (size_t i = 0; i < n; i++) {
                if ((size_t)rows->pred_class[i] != k)
                    continue;
                members++;
                for (size_t j = 0; j < bands; j++) {
                    importance[j] += maps[i * map_size + j];
                    spectrum[j] += inputs[i * bands + j];
                }
            }
            if (!members)
                continue;
            double peak = 0;
            for (size_t j = 0; j < bands; j++) {
                importance[j] /= (double)members;
                spectrum[j] /= (double)members;
                peak = fmax(peak, importance[j]);
            }
            for (size_t j = 0; j < bands; j++)
                shade[j] = peak > 0 ? importance[j] / peak : 0;
            char id[64];
            snprintf(id, sizeof id, "bands-%zu", k);
            buf_printf(b, "<figure data-axis=\"");
            buf_add_escaped(b, axis_label);
            buf_printf(b, "\"><figcaption>predicted as ");
            buf_add_escaped(b, classes->items[k]);
            buf_printf(b, " <small>(%zu held-out spectr%s)</small></figcaption>"
                          "<div class=\"readout\">hover over a band</div>", members, members == 1 ? "um" : "a");
            /* The hover values are the unscaled means; the shading uses the scaled ones. */
            chart_bands(b, id, axis, spectrum, shade, bands, axis_label);
            buf_printf(b, "</figure>");
        }
        free(importance);
        free(spectrum);
        free(shade);
        buf_printf(b, "</div></section>");
    }
    free(maps);
    free(axis);
    free(inputs);
    free(inputs_path);
    return status;
}

/* 2-D maps: the input and its overlay for a few samples of every class. */
static int images_section(struct buf *b, const struct run *run, const struct cam_tensors *t, const struct rows *rows,
                          const struct strings *classes)
{
    char *inputs_path;
    int status = run_require(run, "inputs", &inputs_path);
    if (status)
        return status;
    double *inputs = NULL;
    size_t shape[NPY_MAX_DIMS] = { 0 };
    status = load_npy(inputs_path, 3, "(N, H, W)", &inputs, shape);
    size_t n = shape[0], h = shape[1], w = shape[2];
    if (!status && (n != t->batch || n != rows->n))
        status = fail_at(EXIT_DATA, inputs_path, 1, 1, "expected %zu images, one per activation sample and prediction, found %zu",
                         t->batch, n);
    /* Small images are enlarged so the map's resize has pixels to show. */
    size_t scale = h * 8 <= 128 && w * 8 <= 128 ? 8 : 1;
    size_t oh = h * scale, ow = w * scale;
    struct cam_settings s = { .method = TRM_CAM_GRADCAM, .relu = true, .normalize = true, .out_ndim = 2, .out_dims = { oh, ow } };
    float *maps = NULL;
    size_t map_size = 0;
    if (!status)
        status = cam_tensors_maps(t, &s, &maps, &map_size);
    if (status) {
        free(inputs);
        free(inputs_path);
        return status;
    }
    buf_printf(b, "<section id=\"cam\" class=\"images\"><h2>Grad-CAM over held-out images</h2><p class=\"note\">"
                  "Each pair is a held-out image and the Grad-CAM of its predicted class (last convolution layer, "
                  "resized to %zux%zu like torch's interpolate with align_corners=False, min-max normalized, JET "
                  "colours over the image at weight 0.5). For each class: the first misclassified image, if any, "
                  "and the first classified right.</p><div class=\"overlays\">", oh, ow);
    struct rgb_image gray = { .width = ow, .height = oh, .pixels = xmalloc(oh * ow * 3) };
    struct rgb_image blend = { .width = ow, .height = oh, .pixels = xmalloc(oh * ow * 3) };
    for (size_t k = 0; k < classes->n && !status; k++) {
        ptrdiff_t picks[2] = { -1, -1 }; /* wrong, right */
        for (size_t i = 0; i < n; i++) {
            bool right = rows->pred_class[i] == rows->true_class[i];
            if ((size_t)rows->true_class[i] == k && picks[right] < 0)
                picks[right] = (ptrdiff_t)i;
        }
        for (int j = 0; j < 2 && !status; j++) {
            if (picks[j] < 0)
                continue;
            size_t i = (size_t)picks[j];
            const double *img = inputs + i * h * w;
            double lo = INFINITY, hi = -INFINITY;
            for (size_t q = 0; q < h * w; q++)
                lo = fmin(lo, img[q]), hi = fmax(hi, img[q]);
            for (size_t y = 0; y < oh; y++)
                for (size_t x = 0; x < ow; x++) {
                    double v = hi > lo ? (img[(y / scale) * w + x / scale] - lo) / (hi - lo) : 0;
                    uint8_t g = (uint8_t)lrint(255 * v);
                    memset(gray.pixels + 3 * (y * ow + x), g, 3);
                }
            status = trm_cam_overlay_rgb8(gray.pixels, maps + i * map_size, oh * ow, TRM_COLORMAP_JET, 0.5f, blend.pixels);
            if (status) {
                status = fail_library(status, "drawing an overlay");
                break;
            }
            buf_printf(b, "<figure data-sample=\"%zu\"><img alt=\"input\" src=\"", i);
            bmp_data_uri(b, &gray);
            buf_printf(b, "\"/><img alt=\"Grad-CAM overlay\" src=\"");
            bmp_data_uri(b, &blend);
            buf_printf(b, "\"/><figcaption%s>true ", j == 0 ? " class=\"wrong\"" : "");
            buf_add_escaped(b, classes->items[rows->true_class[i]]);
            buf_printf(b, ", predicted ");
            buf_add_escaped(b, classes->items[rows->pred_class[i]]);
            buf_printf(b, "</figcaption></figure>");
        }
    }
    buf_printf(b, "</div></section>");
    free(gray.pixels);
    free(blend.pixels);
    free(maps);
    free(inputs);
    free(inputs_path);
    return status;
}

static int classification_page(struct buf *b, const struct run *run, const struct history *h, const struct curves *loss)
{
    char *predictions_path, *classes_path;
    int status = run_require(run, "predictions", &predictions_path);
    if (status)
        return status;
    if ((status = run_require(run, "classes", &classes_path)) != 0) {
        free(predictions_path);
        return status;
    }
    struct predictions_source src = { .csv_path = predictions_path, .pred_column = "pred" };
    trm_confusion *cm = NULL;
    struct strings classes = { 0 };
    uint64_t n_rows = 0;
    status = strings_read_lines(&src.classes, classes_path);
    if (!status)
        status = predictions_read(&src, &cm, &classes, &n_rows);
    struct summary s = { 0 };
    if (!status)
        status = summary_compute(&s, cm, &classes, 2);
    struct rows rows = { 0 };
    if (!status) {
        struct row_reader reader = { .classes = &classes, .path = predictions_path, .rows = &rows };
        status = csv_read_file(predictions_path, read_row, &reader);
    }
    if (!status) {
        char sub[96];
        buf_printf(b, "<section id=\"summary\"><h2>Summary</h2><div class=\"cards\">");
        snprintf(sub, sizeof sub, "%llu held-out samples, %zu classes", (unsigned long long)s.samples, s.k);
        number_card(b, "Accuracy", s.accuracy, 3, sub);
        number_card(b, "Balanced accuracy", s.balanced_accuracy, 3, NULL);
        number_card(b, "Macro F1", s.avg[0][2], 3, NULL);
        number_card(b, "Cohen's kappa", s.kappa, 3, NULL);
        number_card(b, "MCC", s.mcc, 3, NULL);
        verdict_card(b, loss);
        buf_printf(b, "</div></section>");
        curves_section(b, h, loss, second_metric(h, loss->val_name),
                       "Training values in blue, validation in orange; the vertical lines mark the best validation "
                       "epoch, the onset (the epoch after it, while the verdict is plateau, overfitting or diverged) "
                       "and the first epoch at which trainmetrics' default criterion fired; when the run overfits, "
                       "the shading is the gap that opens after the onset.");
        confusion_section(b, &s);
    }
    char *activations = run_path(run, "activations"), *gradients = run_path(run, "gradients");
    if (!status && activations) {
        struct cam_tensors t;
        if ((status = cam_tensors_load(&t, activations, gradients, TRM_LAYOUT_CHANNELS_FIRST)) == 0) {
            if (t.batch != rows.n)
                status = fail_at(EXIT_DATA, activations, 1, 1, "expected %zu samples, one per row of the predictions, found %zu",
                                 rows.n, t.batch);
            else if (t.ndim == 1)
                status = spectra_section(b, run, &t, &rows, &classes);
            else if (t.ndim == 2)
                status = images_section(b, run, &t, &rows, &classes);
            cam_tensors_free(&t);
        }
    }
    free(activations);
    free(gradients);
    rows_free(&rows);
    summary_free(&s);
    trm_confusion_free(cm);
    strings_free(&classes);
    strings_free(&src.classes);
    free(predictions_path);
    free(classes_path);
    return status;
}

static int regression_page(struct buf *b, const struct run *run, const struct history *h, const struct curves *loss)
{
    char *truth_path = NULL, *estimates_path = NULL, *outputs_path = NULL;
    int status = run_require(run, "truth", &truth_path);
    if (!status)
        status = run_require(run, "estimates", &estimates_path);
    if (!status)
        status = run_require(run, "outputs", &outputs_path);
    struct strings outputs = { 0 };
    double *truth = NULL, *estimates = NULL;
    size_t shape_t[NPY_MAX_DIMS] = { 0 }, shape_e[NPY_MAX_DIMS] = { 0 };
    if (!status)
        status = strings_read_lines(&outputs, outputs_path);
    if (!status)
        status = load_npy(truth_path, 2, "(N, outputs)", &truth, shape_t);
    if (!status)
        status = load_npy(estimates_path, 2, "(N, outputs)", &estimates, shape_e);
    if (!status && (shape_t[0] != shape_e[0] || shape_t[1] != shape_e[1] || shape_t[1] != outputs.n))
        status = fail_at(EXIT_DATA, estimates_path, 1, 1, "expected the shape (%zu, %zu) of the truth and the outputs list, found (%zu, %zu)",
                         shape_t[0], outputs.n, shape_e[0], shape_e[1]);
    trm_regression *r = NULL;
    size_t n = status ? 0 : shape_t[0], m = outputs.n;
    enum { METRICS = 4 };
    const int per_output[METRICS] = { TRM_MAE, TRM_RMSE, TRM_R2, TRM_MAX_ERROR };
    double *values = xcalloc(METRICS * (m ? m : 1), sizeof *values);
    double pooled = NAN, per_sample = NAN, sad = NAN, r2 = NAN, mae = NAN;
    if (!status) {
        int code = trm_regression_new(&r, m, NULL);
        if (!code)
            code = trm_regression_update_f64(r, truth, estimates, n);
        for (int j = 0; j < METRICS && !code; j++)
            code = trm_regression_per_output(r, per_output[j], values + (size_t)j * m);
        const int averages[5] = { TRM_RMSE_POOLED, TRM_RMSE_PER_SAMPLE, TRM_SAD, TRM_R2, TRM_MAE };
        double *average_out[5] = { &pooled, &per_sample, &sad, &r2, &mae };
        for (int j = 0; j < 5 && !code; j++)
            code = trm_regression_average(r, averages[j], average_out[j]);
        if (code)
            status = fail_library(code, estimates_path);
    }
    if (!status) {
        char sub[96];
        buf_printf(b, "<section id=\"summary\"><h2>Summary</h2><div class=\"cards\">");
        snprintf(sub, sizeof sub, "%zu held-out mixtures, %zu endmembers", n, m);
        number_card(b, "RMSE (pooled)", pooled, 4, sub);
        number_card(b, "RMSE per sample", per_sample, 4, "mean over mixtures");
        number_card(b, "MAE", mae, 4, NULL);
        number_card(b, "R\xc2\xb2", r2, 3, "mean over endmembers");
        snprintf(sub, sizeof sub, "%.2f\xc2\xb0 mean spectral angle", sad * 180 / acos(-1.0));
        number_card(b, "SAD (rad)", sad, 4, sub);
        verdict_card(b, loss);
        buf_printf(b, "</div></section>");
        curves_section(b, h, loss, second_metric(h, loss->val_name),
                       "Training error in blue, validation error in orange; the vertical lines mark the best validation "
                       "epoch, the onset (the epoch after it, while the verdict is plateau, overfitting or diverged) "
                       "and the first epoch at which trainmetrics' default criterion fired; when the run overfits, "
                       "the shading is the gap that opens after the onset.");
        buf_printf(b, "<section id=\"errors\"><h2>Abundance errors per endmember</h2><div class=\"grid2\"><div>"
                      "<table id=\"metrics\"><tr><th>endmember</th><th>MAE</th><th>RMSE</th><th>R\xc2\xb2</th><th>max error</th></tr>");
        for (size_t j = 0; j < m; j++) {
            buf_printf(b, "<tr><td>");
            buf_add_escaped(b, outputs.items[j]);
            buf_printf(b, "</td><td>%.4f</td><td>%.4f</td><td>%.3f</td><td>%.4f</td></tr>", values[j], values[m + j],
                       values[2 * m + j], values[3 * m + j]);
        }
        buf_printf(b, "</table></div><div>");
        chart_scatter(b, truth, estimates, n, m, &outputs);
        buf_printf(b, "</div></div></section>");
        char *endmembers_path = run_path(run, "endmembers");
        if (endmembers_path) {
            double *endmembers = NULL, *axis = NULL;
            size_t shape[NPY_MAX_DIMS] = { 0 };
            status = load_npy(endmembers_path, 2, "(outputs, bands)", &endmembers, shape);
            if (!status && shape[0] != m)
                status = fail_at(EXIT_DATA, endmembers_path, 1, 1, "expected %zu endmember spectra, found %zu", m, shape[0]);
            if (!status)
                status = load_axis(run, shape[1], &axis);
            if (!status) {
                const char *axis_label = run_get(run, "axis_label");
                buf_printf(b, "<section id=\"spectra\"><h2>Endmember spectra</h2>");
                chart_spectra(b, axis, endmembers, m, shape[1], &outputs, axis_label ? axis_label : "band", "spectrum");
                buf_printf(b, "</section>");
            }
            free(axis);
            free(endmembers);
            free(endmembers_path);
        }
    }
    trm_regression_free(r);
    free(values);
    free(truth);
    free(estimates);
    strings_free(&outputs);
    free(truth_path);
    free(estimates_path);
    free(outputs_path);
    return status;
}

int page_render(const char *run_dir, const struct page_links *links, struct buf *b)
{
    struct run run;
    int status = run_load(&run, run_dir);
    if (status)
        return status;
    const char *task = run_get(&run, "task"), *title = run_get(&run, "title");
    char *history_path = NULL;
    if (!task || (strcmp(task, "classification") != 0 && strcmp(task, "regression") != 0))
        status = fail_at(EXIT_DATA, run.manifest, run_line(&run, "task"), 1,
                         "expected 'task = classification' or 'task = regression'");
    if (!status)
        status = run_require(&run, "history", &history_path);
    struct history h = { 0 };
    struct curves loss = { 0 };
    struct curves_options opt = { .mode = -1, .patience = 10 };
    if (!status)
        status = history_read(&h, history_path);
    if (!status && (status = curves_compute(&loss, &h, history_path, &opt)) != 0)
        history_free(&h);
    if (status) {
        free(history_path);
        run_free(&run);
        return status;
    }
    title = title ? title : run_dir;
    buf_printf(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/><title>Training Metrics: ");
    buf_add_escaped(b, title);
    buf_printf(b, "</title><style>%s</style></head><body><header><h1>Training Metrics</h1><p class=\"run\">", style);
    buf_add_escaped(b, title);
    buf_printf(b, "</p>");
    if (links && links->n > 1) {
        buf_printf(b, "<nav>");
        for (size_t i = 0; i < links->n; i++) {
            if (i == links->current) {
                buf_printf(b, "<span>");
                buf_add_escaped(b, links->titles[i]);
                buf_printf(b, "</span>");
            } else {
                buf_printf(b, "<a href=\"");
                buf_add_escaped(b, links->hrefs[i]);
                buf_printf(b, "\">");
                buf_add_escaped(b, links->titles[i]);
                buf_printf(b, "</a>");
            }
        }
        buf_printf(b, "</nav>");
    }
    const char *description = run_get(&run, "description");
    if (description) {
        buf_printf(b, "<p class=\"description\" id=\"description\">");
        buf_add_escaped(b, description);
        buf_printf(b, "</p>");
    }
    buf_printf(b, "</header><main>");
    status = strcmp(task, "classification") == 0 ? classification_page(b, &run, &h, &loss)
                                                 : regression_page(b, &run, &h, &loss);
    const char *source = run_get(&run, "source");
    buf_printf(b, "</main><footer>");
    if (source) {
        buf_add_escaped(b, source);
        buf_printf(b, " &#183; ");
    }
    /* The run's own name for its log, not where this machine keeps it. */
    const char *base = strrchr(run.dir, '/');
    buf_printf(b, "made by trainmetrics %s from ", trm_version_string());
    buf_add_escaped(b, base && base[1] ? base + 1 : run.dir);
    buf_printf(b, "/");
    buf_add_escaped(b, run_get(&run, "history"));
    buf_printf(b, " and the files beside it</footer><script>%s</script></body></html>\n", script);
    curves_free(&loss);
    history_free(&h);
    free(history_path);
    run_free(&run);
    return status;
}
