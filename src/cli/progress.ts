/**
 * Progress of long work on a terminal: one line on stderr with the stage and, where known, the share
 * done, drawn only once the work has taken about a second and erased before anything else is
 * printed. Never in CI logs, pipes, on a dumb terminal, with --quiet or --format json: there it
 * would be noise between the lines a reader or a parser wants.
 */
export type Progress = (stage: string, share?: number) => void;

export type ProgressLine = { readonly tick: Progress; clear(): void };

/** Nothing is drawn before this (LBGEN_PROGRESS_AFTER_MS sets it: the tests draw at once). */
const AFTER_MS = Number(process.env.LBGEN_PROGRESS_AFTER_MS ?? 1000);
/** A terminal redraws at most this often: a million YAML nodes must not mean a million writes. */
const EVERY_MS = 100;

export function wantsProgress(out: { readonly format: string; readonly quiet: boolean }): boolean {
  return out.format === 'text' && !out.quiet && process.stderr.isTTY === true && !process.env.CI && process.env.TERM !== 'dumb';
}

/** `started` is when the command began (Date.now()), so start-up counts toward the second. */
export function progressLine(enabled: boolean, started: number): ProgressLine {
  let drawn = false;
  let last = 0;
  let lastStage = '';
  return {
    tick(stage, share) {
      if (!enabled) return;
      const now = Date.now();
      if (now - started < AFTER_MS || (stage === lastStage && now - last < EVERY_MS)) return;
      last = now;
      lastStage = stage;
      const done = share === undefined ? '' : ` ${Math.min(99, Math.floor(share * 100))}%`;
      // Written synchronously (stderr on a terminal is), so the line moves while the work runs.
      process.stderr.write(`\r\u001b[2Klbgen: ${stage}${done}`);
      drawn = true;
    },
    clear() {
      if (drawn) process.stderr.write('\r\u001b[2K');
      drawn = false;
    },
  };
}
