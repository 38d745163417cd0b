// Preloaded with --require by the benchmark: writes the process's peak RSS (KiB) to $LBGEN_MAXRSS_FILE at exit.
process.on('exit', () => {
  if (process.env.LBGEN_MAXRSS_FILE) require('node:fs').writeFileSync(process.env.LBGEN_MAXRSS_FILE, String(process.resourceUsage().maxRSS));
});
