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

export interface TeamProgress {
  /** The team's line: episodes done and its payload ({evaluation}, {epsilon}). */
  update(done: number, payload: Record<string, string | number>): void;
  /** One agent's line: its own payload ({loss}, {knobs}). */
  updateAgent(agent: string, payload: Record<string, string | number>): void;
  stop(): void;
}

/**
 * Team training: one line for the team (episodes, evaluation, ε) and one per
 * agent under it (its loss and the knobs it holds now). The agents train in
 * lock-step, so their lines carry what differs between them, not a second
 * count of episodes. Silent when the stream is not a terminal.
 */
export function teamProgressBars(
  label: string,
  total: number,
  agents: readonly string[],
  options: { teamFormat: string; agentFormat: string; stream?: NodeJS.WriteStream },
): TeamProgress {
  const stream = options.stream ?? process.stderr;
  if (!stream.isTTY) return { update() {}, updateAgent() {}, stop() {} };
  const width = Math.max(label.length, ...agents.map((a) => a.length + 2));
  const multi = new cliProgress.MultiBar(
    { stream, hideCursor: true, clearOnComplete: false, format: `{name} [{bar}] {value}/{total} {percentage}%${options.teamFormat} | {duration_formatted} elapsed, eta {eta_formatted}` },
    cliProgress.Presets.shades_classic,
  );
  const team = multi.create(total, 0, { name: label.padEnd(width) });
  const rows = new Map(
    agents.map((agent) => [agent, multi.create(total, 0, { name: `  ${agent}`.padEnd(width) }, { format: `{name}${options.agentFormat}` })]),
  );
  return {
    update: (done, payload) => {
      team.update(done, payload);
      for (const row of rows.values()) row.update(done);
    },
    updateAgent: (agent, payload) => rows.get(agent)?.update(payload),
    stop: () => multi.stop(),
  };
}
