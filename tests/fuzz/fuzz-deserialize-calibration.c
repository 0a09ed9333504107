/* SPDX-License-Identifier: MIT */
/* libFuzzer harness for trm_calibration_deserialize() (see fuzz-deserialize.h). */
#include <inttypes.h>
#include <math.h>

#include "fuzz-deserialize.h"

/* Whatever a valid blob holds, the bin table and the three norms must be sane. */
static void query(const trm_calibration *c)
{
    size_t n_bins = trm_calibration_n_bins(c), k = trm_calibration_n_classes(c);
    FUZZ_ASSERT(n_bins >= 1 && k >= 1, "n_bins %zu, n_classes %zu", n_bins, k);
    int input = trm_calibration_input(c);
    FUZZ_ASSERT(input >= TRM_CALIBRATION_PROBABILITIES && input <= TRM_CALIBRATION_AUTO, "input %d", input);
    uint64_t n = trm_calibration_n_samples(c), total = 0;
    if (n_bins <= 4096) {
        uint64_t counts[4097];
        double conf[4097], acc[4097];
        FUZZ_ASSERT(trm_calibration_bins(c, counts, conf, acc) == TRM_OK, "bins failed");
        for (size_t b = 0; b <= n_bins; b++) {
            total += counts[b];
            if (counts[b] == 0) {
                FUZZ_ASSERT(isnan(conf[b]) && isnan(acc[b]), "empty bin %zu has means", b);
                continue;
            }
            FUZZ_ASSERT(acc[b] >= 0 && acc[b] <= 1, "bin %zu accuracy %.17g", b, acc[b]);
            FUZZ_ASSERT(conf[b] >= 0 && conf[b] <= 1.0 + 1e-6, "bin %zu confidence %.17g", b, conf[b]);
        }
        FUZZ_ASSERT(total == n, "bins count %" PRIu64 " samples of %" PRIu64, total, n);
    }
    for (int norm = TRM_CALIBRATION_L1; norm <= TRM_CALIBRATION_MAX; norm++) {
        double v = -1;
        int rc = trm_calibration_error(c, norm, &v);
        if (n == 0) {
            FUZZ_ASSERT(rc == TRM_E_EMPTY, "error of nothing returned %d", rc);
            continue;
        }
        FUZZ_ASSERT(rc == TRM_OK && v >= 0 && v <= 1.0 + 1e-6, "norm %d: %d, %.17g", norm, rc, v);
    }
}

FUZZ_DESERIALIZE_HARNESS(calibration, 6, query)
