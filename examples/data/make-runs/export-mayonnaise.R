#!/usr/bin/env Rscript
# SPDX-License-Identifier: MIT
# Export the `mayonnaise` NIR data set of the R package pls (Debian: r-cran-pls)
# to one plain CSV file that the Python scripts read without R.
#
# usage: Rscript export-mayonnaise.R OUT.csv
#
# Columns: id (the row number 1..162 of the data frame, which is also its row
# name), oil_code (1..6 as in the data), oil (the name of that code), train (1 for
# the 120 spectra the data set flags as training, 0 for its 42 test spectra),
# then one column per band, named by its wavelength in nm (1100, 1104, ..., 2500).
# Values are written with 17 significant digits, so they read back bit for bit.

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 1) {
  cat("usage: Rscript export-mayonnaise.R OUT.csv\n", file = stderr())
  quit(status = 64)
}

suppressPackageStartupMessages(library(pls))
data(mayonnaise, package = "pls")

nir <- unclass(mayonnaise$NIR)
stopifnot(nrow(nir) == 162, ncol(nir) == 351)
# ?mayonnaise: "351 wavelengths, 1100-2500 nm in steps of 4 nm"; the matrix has
# no column names, so the axis is built from the help page's statement.
wavelength <- seq(1100, 2500, by = 4)
stopifnot(length(wavelength) == ncol(nir))

# ?mayonnaise: "six different oil types (soybean, sunflower, canola, olive,
# corn, and grapeseed)"; codes 1..6 are taken in that order.
oil_names <- c("soybean", "sunflower", "canola", "olive", "corn", "grapeseed")
code <- as.integer(mayonnaise$oil.type)
stopifnot(all(code >= 1 & code <= 6))

ids <- as.integer(rownames(mayonnaise))
stopifnot(identical(ids, seq_len(162)))

con <- file(args[1], open = "w")
writeLines(paste(c("id", "oil_code", "oil", "train", sprintf("%d", wavelength)),
                 collapse = ","), con)
for (i in seq_len(nrow(nir))) {
  writeLines(paste(c(ids[i], code[i], oil_names[code[i]],
                     as.integer(mayonnaise$train[i]), sprintf("%.17g", nir[i, ])),
                   collapse = ","), con)
}
close(con)
cat(sprintf("wrote %s: %d spectra x %d bands (%d train, %d test), R %s, pls %s\n",
            args[1], nrow(nir), ncol(nir), sum(mayonnaise$train),
            sum(!mayonnaise$train), getRversion(), packageVersion("pls")))
