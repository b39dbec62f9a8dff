/**
 * The messages of the serve-env protocol, version 1 (python/PROTOCOL.md, the
 * spec): what each request holds, checked with zod, and the one function
 * that turns a line into a typed request or a ProtocolError. Actions are
 * checked later, by the environment that receives them (they depend on its
 * kind, its action space and its current mask).
 */
import { z } from 'zod';
import { MAX_FPS } from '../scenario/schema.js';
import { ProtocolError } from './protocol-error.js';

export const PROTOCOL_VERSION = 1;
/** The most environments one `make` creates: a guard against a typo'd count exhausting memory. */
export const MAX_MAKE_COUNT = 4096;

/** A request id: echoed as given; null when the line had none we could read. */
export type RequestId = number | string | null;

const envIds = z.array(z.number().int().min(0), { error: 'expected a list of environment ids (the integers make returned)' });
const seed = z.union([z.number().int().refine(Number.isSafeInteger), z.string(), z.null()], {
  error: 'expected an integer, a string or null',
});

const REQUESTS = {
  hello: z.strictObject({ protocol: z.number({ error: `expected the client's protocol version, a number (this server speaks ${PROTOCOL_VERSION})` }) }),
  spaces: z.strictObject({}),
  make: z.strictObject({ count: z.number().int().min(1).max(MAX_MAKE_COUNT).default(1) }),
  reset: z.strictObject({
    envs: envIds,
    seeds: z.array(seed, { error: 'expected a list of seeds (integers, strings or null), one per env' }).optional(),
    options: z.strictObject({ fps: z.number().gt(0).max(MAX_FPS).optional() }).optional(),
  }),
  step: z.strictObject({ envs: envIds, actions: z.array(z.unknown(), { error: 'expected a list of actions, one per env' }) }),
  state: z.strictObject({ envs: envIds }),
  close: z.strictObject({ envs: envIds.optional() }),
} as const;

export type Op = keyof typeof REQUESTS;
export const OPS = Object.keys(REQUESTS) as Op[];

/** A checked request of each op: its fields, typed. */
export type Request = { [K in Op]: { op: K } & z.output<(typeof REQUESTS)[K]> }[Op];

export type Response =
  | { id: RequestId; ok: true; result: unknown }
  | { id: RequestId; ok: false; error: { code: string; message: string } };

/** What `parseRequest` gives: the id (for the answer, even to a bad request) and the request or why it was refused. */
export type Parsed = { id: RequestId; request: Request; error?: never } | { id: RequestId; request?: never; error: ProtocolError };

/** Reads one request line: bad_json, bad_request or unknown_op when it is not a request this server can run. */
export function parseRequest(line: string): Parsed {
  let message: unknown;
  try {
    message = JSON.parse(line);
  } catch (error) {
    return { id: null, error: new ProtocolError('bad_json', `expected one JSON object per line, got ${preview(line)}: ${(error as Error).message}`, { cause: error }) };
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    return { id: null, error: new ProtocolError('bad_request', `expected a JSON object {"id": …, "op": …}, got ${preview(line)}`) };
  }
  const { id, op, ...fields } = message as Record<string, unknown>;
  if (!(typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id)))) {
    return { id: null, error: new ProtocolError('bad_request', `id: expected a number or a string, got ${preview(JSON.stringify(id) ?? 'nothing')}`) };
  }
  if (typeof op !== 'string') return { id, error: new ProtocolError('bad_request', `op: expected one of ${OPS.join(', ')}, got ${JSON.stringify(op) ?? 'nothing'}`) };
  if (!Object.hasOwn(REQUESTS, op)) return { id, error: new ProtocolError('unknown_op', `op: unknown op ${preview(JSON.stringify(op))}; allowed: ${OPS.join(', ')}`) };
  const checked = REQUESTS[op as Op].safeParse(fields, { reportInput: true });
  if (!checked.success) return { id, error: new ProtocolError('bad_request', `${op}: ${describeIssue(checked.error.issues[0])}`) };
  return { id, request: { op, ...checked.data } as Request };
}

/** One zod issue as `field: what is allowed, got …`. */
function describeIssue(issue: z.core.$ZodIssue): string {
  const field = issue.path.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? String(part) : `.${String(part)}`)).join('');
  if (issue.code === 'unrecognized_keys') return `unknown field ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
  const got = 'input' in issue ? `, got ${issue.input === undefined ? 'nothing' : preview(JSON.stringify(issue.input) ?? String(issue.input))}` : '';
  return `${field === '' ? 'request' : field}: ${expectation(issue)}${got}`;
}

function expectation(issue: z.core.$ZodIssue): string {
  if (issue.code === 'too_small' || issue.code === 'too_big') {
    const bound = issue.code === 'too_small' ? (issue.inclusive ? '>=' : '>') : issue.inclusive ? '<=' : '<';
    return `expected a number ${bound} ${String(issue.code === 'too_small' ? issue.minimum : issue.maximum)}`;
  }
  if (issue.code === 'invalid_type' && issue.expected === 'int') return 'expected an integer';
  const message = issue.message.replace(/^Invalid input: /, '');
  return message.startsWith('expected') ? message : `expected ${message}`;
}

/** A value for an error message: at most 80 characters of it. */
function preview(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
