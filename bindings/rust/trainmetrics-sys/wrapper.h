/* The input bindgen reads: the umbrella header, found through pkg-config's -I flags. */
#include <trainmetrics/trainmetrics.h>
