/**
 * One command invocation in the run log: open the log, start the run, do the
 * work, record how it ended, close the log. Every command that writes the log
 * goes through `withCommandRun`, so none forgets to end its run or to close
 * the file when it fails.
 */
import { InterruptedError } from '../errors.js';
import { runLogPath } from './location.js';
import { RunLog, type RunMeta, type RunStatus } from './run-log.js';

export type EndStatus = Exclude<RunStatus, 'running'>;

export interface CommandRun {
  log: RunLog;
  runId: number;
  /**
   * Records the end and closes the log; later calls do nothing. For a signal
   * handler that exits the process before the work returns (`sspe evaluate`).
   */
  end(status: EndStatus): void;
}

export interface CommandRunOptions<T> {
  /** --run-log; else $SSPE_RUN_LOG, else runs/sspe.sqlite. */
  runLog?: string;
  meta: RunMeta;
  /** How a run that returned ended; default 'ok'. A thrown InterruptedError ends it 'interrupted', any other error 'failed'. */
  statusOf?: (result: T) => EndStatus;
}

/** Opens the run log, runs `work` as one run of it, ends the run by how `work` finished and closes the log. */
export async function withCommandRun<T>(options: CommandRunOptions<T>, work: (run: CommandRun) => Promise<T>): Promise<T> {
  const log = RunLog.open(options.runLog ?? runLogPath());
  let ended = false;
  const end = (status: EndStatus) => {
    if (ended) return;
    ended = true;
    try {
      log.endRun(runId, status);
    } finally {
      log.close();
    }
  };
  let runId: number;
  try {
    runId = log.startRun(options.meta);
  } catch (error) {
    log.close();
    throw error;
  }
  let result: T;
  try {
    result = await work({ log, runId, end });
  } catch (error) {
    end(error instanceof InterruptedError ? 'interrupted' : 'failed');
    throw error;
  }
  end(options.statusOf?.(result) ?? 'ok');
  return result;
}
