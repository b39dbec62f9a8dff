/**
 * The server side of serve-env: an EnvServer knows one scenario and the kind
 * of environment it serves; each client (the stdio stream, a TCP connection)
 * opens an EnvSession that owns its own environments. A session turns one
 * request line into one response line and never throws: every failure is a
 * structured error (python/PROTOCOL.md), and the session serves on.
 */
import { sspeVersion } from '../policy/artifact.js';
import { describeValue } from '../env/describe-value.js';
import { boxJson, discreteJson, type EnvAdapter } from './env-adapter.js';
import { envKindOf, makeEnv, type EnvKind, type EnvSpec } from './env-factory.js';
import { ParallelEnvAdapter } from './parallel-env-adapter.js';
import { MAX_MAKE_COUNT, PROTOCOL_VERSION, parseRequest, type Request, type RequestId } from './protocol.js';
import { ProtocolError } from './protocol-error.js';
import { SingleEnvAdapter } from './single-env-adapter.js';

export class EnvServer {
  readonly kind: EnvKind;
  /** The `spaces` answer, the same for every environment of the scenario: built once. */
  readonly spaces: unknown;
  readonly hello: { protocol: number; server: string; scenario: string; kind: EnvKind };
  /** Environment ids are unique across every session of the server and never reused. */
  private nextId = 0;

  /** Builds one environment to learn the spaces: a bad --agents or --encoding fails here, before serving. */
  constructor(readonly spec: EnvSpec) {
    this.kind = envKindOf(spec);
    this.spaces = spacesOf(spec);
    this.hello = { protocol: PROTOCOL_VERSION, server: `sspe ${sspeVersion()}`, scenario: spec.scenario.name, kind: this.kind };
  }

  openSession(): EnvSession {
    return new EnvSession(this);
  }

  /** A new environment with a fresh id. */
  createEnv(): EnvAdapter & { id: number } {
    const id = this.nextId++;
    const made = makeEnv(this.spec);
    return made.kind === 'single' ? new SingleEnvAdapter(id, made.env) : new ParallelEnvAdapter(id, made.env);
  }
}

function spacesOf(spec: EnvSpec): unknown {
  // Never reset, so its backend holds no simulation to close.
  const made = makeEnv(spec);
  if (made.kind === 'single') {
    return { kind: 'single', observation_space: boxJson(made.env.observationSpace), action_space: discreteJson(made.env.actionSpace), agents: null };
  }
  const team = made.env;
  const agents = team.possibleAgents;
  return {
    kind: 'parallel',
    possible_agents: [...agents],
    observation_spaces: Object.fromEntries(agents.map((a) => [a, boxJson(team.observationSpace(a))])),
    action_spaces: Object.fromEntries(agents.map((a) => [a, discreteJson(team.actionSpace(a))])),
    state_space: boxJson(team.stateSpace),
  };
}

export class EnvSession {
  private readonly envs = new Map<number, EnvAdapter & { id: number }>();

  constructor(private readonly server: EnvServer) {}

  /** The response line (without its newline) to one request line. */
  async handleLine(line: string): Promise<string> {
    const parsed = parseRequest(line);
    if (parsed.error !== undefined) return errorLine(parsed.id, parsed.error);
    try {
      const result = await this.run(parsed.request);
      return JSON.stringify({ id: parsed.id, ok: true, result });
    } catch (error) {
      if (error instanceof ProtocolError) return errorLine(parsed.id, error);
      const what = error instanceof Error ? `${error.name}: ${error.message}` : describeValue(error);
      return errorLine(parsed.id, new ProtocolError('internal', `${parsed.request.op} threw ${what}`.replace(/\s*\n\s*/g, ' '), { cause: error }));
    }
  }

  /** Closes every environment this session made (the client went away). */
  async closeAll(): Promise<void> {
    const envs = [...this.envs.values()];
    this.envs.clear();
    await Promise.all(envs.map((env) => env.close()));
  }

  private async run(request: Request): Promise<unknown> {
    switch (request.op) {
      case 'hello':
        if (request.protocol !== PROTOCOL_VERSION) {
          throw new ProtocolError('protocol', `protocol: this server speaks version ${PROTOCOL_VERSION}, the client ${request.protocol}`);
        }
        return this.server.hello;
      case 'spaces':
        return this.server.spaces;
      case 'make':
        return { envs: this.make(request.count) };
      case 'reset':
        return { results: await this.reset(request) };
      case 'step':
        return { results: await this.step(request) };
      case 'state':
        if (this.server.kind !== 'parallel') {
          throw new ProtocolError('bad_request', 'state: only the parallel kind (--agents) has a global state; this server serves the single-agent environment');
        }
        return { states: this.known(request.envs, 'envs').map((env) => env.state()) };
      case 'close': {
        const envs = request.envs === undefined ? [...this.envs.values()] : this.known(request.envs, 'envs');
        for (const env of envs) this.envs.delete(env.id);
        await Promise.all(envs.map((env) => env.close()));
        return { closed: envs.map((env) => env.id) };
      }
    }
  }

  private make(count: number): number[] {
    if (this.envs.size + count > MAX_MAKE_COUNT) {
      throw new ProtocolError('bad_request', `make: count: at most ${MAX_MAKE_COUNT} environments per connection; this one has ${this.envs.size}, asked for ${count} more`);
    }
    const ids: number[] = [];
    for (let i = 0; i < count; i++) {
      const env = this.server.createEnv();
      this.envs.set(env.id, env);
      ids.push(env.id);
    }
    return ids;
  }

  private async reset(request: Extract<Request, { op: 'reset' }>): Promise<unknown[]> {
    const envs = this.known(request.envs, 'envs');
    const seeds = request.seeds;
    if (seeds !== undefined && seeds.length !== envs.length) {
      throw new ProtocolError('bad_request', `reset: seeds: expected ${envs.length} (one per env), got ${seeds.length}`);
    }
    const results: unknown[] = [];
    for (let i = 0; i < envs.length; i++) results.push(await envs[i].reset(seeds?.[i] ?? null, request.options?.fps));
    return results;
  }

  /** Atomic: every environment and action is checked before the first environment steps. */
  private async step(request: Extract<Request, { op: 'step' }>): Promise<unknown[]> {
    const envs = this.known(request.envs, 'envs');
    const { actions } = request;
    if (actions.length !== envs.length) {
      throw new ProtocolError('bad_request', `step: actions: expected ${envs.length} (one per env), got ${actions.length}`);
    }
    for (let i = 0; i < envs.length; i++) envs[i].checkAction(actions[i], `actions[${i}]`);
    const results: unknown[] = [];
    for (let i = 0; i < envs.length; i++) results.push(await envs[i].step(actions[i]));
    return results;
  }

  /** The open environment ids for a message: the first ten. */
  private openIds(): string {
    const open = [...this.envs.keys()];
    if (open.length === 0) return 'none (send make)';
    return open.length <= 10 ? open.join(', ') : `${open.slice(0, 10).join(', ')}, … (${open.length} in all)`;
  }

  /** The environments `ids` names, each once, each of this session's; unknown_env or bad_request otherwise. */
  private known(ids: readonly number[], field: string): (EnvAdapter & { id: number })[] {
    const seen = new Set<number>();
    return ids.map((id, i) => {
      const env = this.envs.get(id);
      if (env === undefined) {
        throw new ProtocolError('unknown_env', `${field}[${i}]: no environment ${id} on this connection; open: ${this.openIds()}`);
      }
      if (seen.has(id)) throw new ProtocolError('bad_request', `${field}[${i}]: environment ${id} is named twice; each env at most once per request`);
      seen.add(id);
      return env;
    });
  }
}

function errorLine(id: RequestId, error: ProtocolError): string {
  return JSON.stringify({ id, ok: false, error: { code: error.code, message: error.message } });
}
