/**
 * `sspe serve-env` as a client sees it: the compiled CLI spawned, requests
 * written as lines to its stdin, responses read back in order from stdout.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { repoRoot } from '../cli/run-cli.js';

export const CLI = `${repoRoot}dist/bridge/cli/main.js`;

export interface Response {
  id: number | string | null;
  ok: boolean;
  result?: any;
  error?: { code: string; message: string };
}

/** Reads a stream's lines as they come; `next()` waits for the next one. */
export class LineReader {
  private readonly lines: string[] = [];
  private waiting: ((line: string | null) => void) | null = null;
  private ended = false;

  constructor(input: NodeJS.ReadableStream) {
    const rl = createInterface({ input, crlfDelay: Infinity });
    rl.on('line', (line) => {
      if (this.waiting !== null) {
        const resolve = this.waiting;
        this.waiting = null;
        resolve(line);
      } else this.lines.push(line);
    });
    rl.on('close', () => {
      this.ended = true;
      this.waiting?.(null);
    });
  }

  /** The next line, or null once the stream has ended. */
  next(): Promise<string | null> {
    if (this.lines.length > 0) return Promise.resolve(this.lines.shift()!);
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve) => (this.waiting = resolve));
  }
}

export class ServeProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly stdout: LineReader;
  stderr = '';
  private nextId = 1;
  readonly exited: Promise<number | null>;

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [CLI, 'serve-env', ...args], { cwd: repoRoot, env: { ...process.env, FORCE_COLOR: '0' } });
    this.stdout = new LineReader(this.child.stdout);
    this.child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  /** Sends one raw line and reads the one line that answers it. */
  async raw(line: string): Promise<Response> {
    this.child.stdin.write(`${line}\n`);
    const answer = await this.stdout.next();
    if (answer === null) throw new Error(`serve-env ended before answering ${line}; stderr: ${this.stderr}`);
    return JSON.parse(answer) as Response;
  }

  /** Sends a request with a fresh id; checks the id is echoed. */
  async request(op: string, fields: Record<string, unknown> = {}): Promise<Response> {
    const id = this.nextId++;
    const response = await this.raw(JSON.stringify({ id, op, ...fields }));
    if (response.id !== id) throw new Error(`expected id ${id} echoed, got ${JSON.stringify(response)}`);
    return response;
  }

  /** A request that must succeed: its result. */
  async ok(op: string, fields: Record<string, unknown> = {}): Promise<any> {
    const response = await this.request(op, fields);
    if (!response.ok) throw new Error(`${op} failed: ${JSON.stringify(response.error)}`);
    return response.result;
  }

  /** Closes stdin: the server should close everything and exit. */
  async end(): Promise<number | null> {
    this.child.stdin.end();
    return this.exited;
  }
}
