/**
 * Which tests get their allocation sites read. Reading a profile costs a forced full GC in Node
 * (~10-15 ms on a test worker's heap) and a round trip with the whole profile in a browser page, so
 * it is only worth it when a test used enough memory for its sites to matter: at a 16 KiB interval
 * a test under 1 MiB gets a few dozen samples, mostly the runner's own. No Node imports: the
 * browser-mode setup file (run in the page) uses these too.
 */
export const ATTRIBUTION_MIN_PEAK_BYTES = 1024 * 1024
export const ATTRIBUTION_MIN_ALLOCATED_BYTES = 4 * 1024 * 1024
