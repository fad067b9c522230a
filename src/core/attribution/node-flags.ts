/**
 * Node's --heap-prof owns V8's one sampling heap profiler: starting or reading ours would silently
 * take Node's data, so heapmark then measures peaks and totals only.
 */
export function usesNodeHeapProf(args: readonly string[] = [...process.execArgv, process.env.NODE_OPTIONS ?? '']): boolean {
  // Exactly the flag: Node 24's test runner passes every option to its test processes, among them
  // `--heap-prof-interval=524288`, which does not turn the profiler on.
  return /(^|\s)--heap-prof(?![-\w])/.test(args.join(' '))
}
