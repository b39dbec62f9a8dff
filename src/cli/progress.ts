import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, payload?: Record<string, string | number>): void;
  setTotal?(total: number): void;
  stop(): void;
}

/**
 * A progress bar on stderr (stdout stays clean for --json). Silent when
 * stderr is not a terminal, so logs and CI output carry no bar noise.
 */
export function progressBar(label: string, total: number, extraFormat = ''): Progress {
  if (!process.stderr.isTTY) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {value}/{total} {percentage}%${extraFormat} | {duration_formatted} elapsed, eta {eta_formatted}`, stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    update: (done, payload) => bar.update(done, payload),
    setTotal: (n) => bar.setTotal(n),
    stop: () => bar.stop(),
  };
}
