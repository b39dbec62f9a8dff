/**
 * The job's batch scheduling (bridge/jobs/video_grayscale.py,
 * schedule_batches) without Spark: batches are fake jobs that sleep, so the
 * trace of starts, ends and records shows what the driver does with
 * --concurrent-jobs N. One job at a time runs on the calling thread, as the
 * job always did; N jobs keep N in flight, a slot going to the next batch
 * whichever job frees it; batches start in id order and are recorded in id
 * order; a failure stops new batches and is raised after the running ones.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const venvPython = join(repo, '.venv', 'bin', 'python');
// The scheduler needs only the standard library (and numpy, which the job imports).
const python = existsSync(venvPython) ? venvPython : 'python3';

interface Plan {
  concurrentJobs: number;
  /** How long each batch's fake job takes, ms (one per batch). */
  durationsMs: number[];
  /** When each batch arrives, ms after the start (realtime mode); absent: all at once (a stored video). */
  arrivalsMs?: number[];
  /** The batch whose job raises. */
  failAt?: number;
}

interface Trace {
  /** ['start' | 'end' | 'fail', batch id] in the order they happened. */
  events: [string, number][];
  /** Start time of each batch, ms after the start. */
  startMs: Record<string, number>;
  recorded: number[];
  /** The thread each recorded batch ran on. */
  threads: string[];
  maxInFlight: number;
  error: string | null;
}

function schedule(plan: Plan): Trace {
  const script = `
import json, sys, threading, time
sys.path.insert(0, ${JSON.stringify(join(repo, 'bridge', 'jobs'))})
import video_grayscale as job
plan = json.loads(sys.argv[1])
lock = threading.Lock()
t0 = time.monotonic()
events, start_ms, recorded, threads = [], {}, [], []
in_flight = [0, 0]

def wait_for_arrival(batch_id):
    if "arrivalsMs" in plan:
        delay = plan["arrivalsMs"][batch_id] / 1000 - (time.monotonic() - t0)
        if delay > 0:
            time.sleep(delay)

def run_one(batch_id):
    with lock:
        events.append(("start", batch_id))
        start_ms[batch_id] = (time.monotonic() - t0) * 1000
        in_flight[0] += 1
        in_flight[1] = max(in_flight)
    time.sleep(plan["durationsMs"][batch_id] / 1000)
    with lock:
        in_flight[0] -= 1
        failed = batch_id == plan.get("failAt")
        events.append(("fail" if failed else "end", batch_id))
    if failed:
        raise RuntimeError(f"batch {batch_id} failed")
    return threading.current_thread().name

def record(batch_id, thread):
    recorded.append(batch_id)
    threads.append(thread)

error = None
try:
    job.schedule_batches(len(plan["durationsMs"]), plan["concurrentJobs"], wait_for_arrival, run_one, record)
except RuntimeError as e:
    error = str(e)
print(json.dumps({"events": events, "startMs": start_ms, "recorded": recorded, "threads": threads, "maxInFlight": in_flight[1], "error": error}))
`;
  return JSON.parse(execFileSync(python, ['-c', script, JSON.stringify(plan)], { encoding: 'utf8' })) as Trace;
}

const ids = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('the job schedules its batch jobs like the simulator', () => {
  it('runs one job at a time on the calling thread with --concurrent-jobs 1, each ending before the next starts', () => {
    const trace = schedule({ concurrentJobs: 1, durationsMs: [30, 10, 10, 10] });
    expect(trace.events).toEqual(ids(4).flatMap((id) => [['start', id], ['end', id]]));
    expect(trace.recorded).toEqual([0, 1, 2, 3]);
    expect(trace.threads).toEqual(['MainThread', 'MainThread', 'MainThread', 'MainThread']);
    expect(trace.maxInFlight).toBe(1);
    expect(trace.error).toBeNull();
  });

  it('keeps two jobs in flight on pool threads, the free slot going to the next batch, and records them in id order', () => {
    // Batch 0 is slow: batches 1..4 pass through the second slot while it runs.
    const trace = schedule({ concurrentJobs: 2, durationsMs: [800, 50, 50, 50, 50] });
    expect(trace.events.filter(([kind]) => kind === 'start').map(([, id]) => id)).toEqual([0, 1, 2, 3, 4]);
    expect(trace.events.filter(([kind]) => kind === 'end').map(([, id]) => id)).toEqual([1, 2, 3, 4, 0]);
    expect(trace.maxInFlight).toBe(2);
    expect(trace.recorded).toEqual([0, 1, 2, 3, 4]);
    for (const thread of trace.threads) expect(thread).toMatch(/^batch-job_\d+$/);
    expect(trace.error).toBeNull();
  });

  it('in realtime mode starts a batch once it has arrived and a slot is free; the ones behind it wait their turn', () => {
    // Batches 0..2 arrive at once, batch 3 at 100 ms: 2 waits for a slot (about 400 ms), 3 behind it.
    const trace = schedule({ concurrentJobs: 2, durationsMs: [400, 600, 50, 50], arrivalsMs: [0, 0, 0, 100] });
    expect(trace.events.filter(([kind]) => kind === 'start').map(([, id]) => id)).toEqual([0, 1, 2, 3]);
    expect(trace.startMs['2']).toBeGreaterThanOrEqual(390);
    expect(trace.startMs['3']).toBeGreaterThanOrEqual(trace.startMs['2']);
    expect(trace.maxInFlight).toBe(2);
    expect(trace.recorded).toEqual([0, 1, 2, 3]);
    // A batch that arrives while a slot is free starts when it arrives.
    const paced = schedule({ concurrentJobs: 2, durationsMs: [20, 20, 20], arrivalsMs: [0, 150, 300] });
    expect(paced.startMs['1']).toBeGreaterThanOrEqual(145);
    expect(paced.startMs['2']).toBeGreaterThanOrEqual(295);
    expect(paced.maxInFlight).toBe(1);
  });

  it('after a failure starts no further batch, waits for the running ones, records those that succeeded in id order and raises the failure', () => {
    const one = schedule({ concurrentJobs: 1, durationsMs: [10, 10, 10, 10], failAt: 1 });
    expect(one.events).toEqual([['start', 0], ['end', 0], ['start', 1], ['fail', 1]]);
    expect(one.recorded).toEqual([0]);
    expect(one.error).toBe('batch 1 failed');

    const three = schedule({ concurrentJobs: 3, durationsMs: [50, 700, 300, 10, 10], failAt: 0 });
    expect(three.events.filter(([kind]) => kind === 'start').map(([, id]) => id)).toEqual([0, 1, 2]);
    expect(three.events.at(-1)).toEqual(['end', 1]);
    expect(three.recorded).toEqual([1, 2]);
    expect(three.error).toBe('batch 0 failed');
  });
});

describe('--concurrent-jobs', () => {
  const parse = (value: string) =>
    spawnSync(
      python,
      [
        '-c',
        `import sys; sys.path.insert(0, ${JSON.stringify(join(repo, 'bridge', 'jobs'))}); import video_grayscale as job; print(job.parse_args(sys.argv[1:]).concurrent_jobs)`,
        '--input-dir', '/in', '--output-dir', '/out', '--partitions', '1', '--frames-per-partition', '1', '--fps', '1', '--run-id', 'r', '--metrics-out', '/m.json',
        ...(value === '' ? [] : ['--concurrent-jobs', value]),
      ],
      { encoding: 'utf8' },
    );

  it('defaults to 1 and takes a positive integer', () => {
    expect(parse('').stdout.trim()).toBe('1');
    expect(parse('3').stdout.trim()).toBe('3');
  });

  it.each(['0', '-2', 'x', '1.5'])('refuses %s with argparse\'s usage error (exit code 2)', (value) => {
    const result = parse(value);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`argument --concurrent-jobs: expected a positive integer, got '${value}'`);
  });
});
