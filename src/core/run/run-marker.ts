/**
 * `heapmark run` names a file in this variable; an adapter that switched heapmark on writes it, so
 * the CLI can tell a user whose config lacks the plugin why nothing was measured.
 */
export const RUN_MARKER_ENV = 'HEAPMARK_RUN_MARKER'
