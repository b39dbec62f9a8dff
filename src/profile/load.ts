/**
 * Reads a latency profile (models/profiles/*.json):
 * `{ "name": ..., "description": ..., "parameters": { <every PROFILE_PARAMETERS entry>: number } }`.
 */
import { readFileSync, statSync } from 'node:fs';
import {
  checkProfileParameters,
  PARAMETER_SOURCES,
  PROFILE_PARAMETERS,
  PROFILE_PARAMETER_NAMES,
  type LatencyProfile,
  type ParameterSource,
  type ParameterSpec,
  type ProfileParameterName,
} from '../../sim/profile.js';
import { UserInputError } from '../errors.js';
import { jsonSyntaxMessage } from '../input/excerpt.js';
import { formatValue } from '../scenario/schema.js';

/** The largest profile file read; a real one is about 2 KB. */
export const MAX_PROFILE_BYTES = 256 * 1024;

const PROFILE_KEYS = ['name', 'description', 'parameters', 'provenance'];

function describeJson(value: unknown): string {
  if (value === undefined) return 'nothing (the field is required)';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'string' ? `'${value}'` : typeof value === 'object' ? 'an object' : String(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Validates an already parsed profile; `where` names its source in messages. */
export function parseProfile(value: unknown, where: string): LatencyProfile {
  if (!isRecord(value)) {
    throw new UserInputError(`${where}: expected a JSON object {name, description, parameters}, got ${describeJson(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (!PROFILE_KEYS.includes(key)) {
      throw new UserInputError(`${where}: ${key}: unknown field '${key}'; allowed: ${PROFILE_KEYS.join(', ')}`);
    }
  }
  const { name, description, parameters } = value;
  if (typeof name !== 'string' || name === '') {
    throw new UserInputError(`${where}: name: expected a non-empty text, got ${describeJson(name)}`);
  }
  if (description !== undefined && typeof description !== 'string') {
    throw new UserInputError(`${where}: description: expected a text, got ${describeJson(description)}`);
  }
  if (!isRecord(parameters)) {
    throw new UserInputError(`${where}: parameters: expected an object of named numbers, got ${describeJson(parameters)}`);
  }
  // Missing and non-numeric parameters are named here with what is allowed; the range check stays in sim/profile.ts.
  for (const name of PROFILE_PARAMETER_NAMES) {
    const spec: ParameterSpec = PROFILE_PARAMETERS[name];
    const value = parameters[name];
    const allowed = `a number in [${spec.min}, ${spec.max}] ${spec.unit}`.trimEnd();
    if (value === undefined && spec.default === undefined) {
      throw new UserInputError(`${where}: parameters.${name}: missing; expected ${allowed} (${spec.description})`);
    }
    if (value !== undefined && typeof value !== 'number') {
      throw new UserInputError(`${where}: parameters.${name}: expected ${allowed}, got ${formatValue(value)}`);
    }
  }
  try {
    const checked = { name, description: description ?? '', parameters: { ...checkProfileParameters(parameters, where) } };
    return value.provenance === undefined ? checked : { ...checked, provenance: parseProvenance(value.provenance, where) };
  } catch (error) {
    if (error instanceof RangeError) throw new UserInputError(error.message, { cause: error });
    throw error;
  }
}

/** Validates a profile's `provenance`: per known parameter, {source, note, range?, atBound?}. */
function parseProvenance(value: unknown, where: string): NonNullable<LatencyProfile['provenance']> {
  if (!isRecord(value)) throw new UserInputError(`${where}: provenance: expected an object keyed by parameter, got ${describeJson(value)}`);
  const result: NonNullable<LatencyProfile['provenance']> = {};
  for (const [name, entry] of Object.entries(value)) {
    const at = `${where}: provenance.${name}`;
    if (!(PROFILE_PARAMETER_NAMES as string[]).includes(name)) throw new UserInputError(`${at}: unknown parameter; allowed: ${PROFILE_PARAMETER_NAMES.join(', ')}`);
    if (!isRecord(entry)) throw new UserInputError(`${at}: expected {source, note}, got ${describeJson(entry)}`);
    const { source, note, range, atBound } = entry;
    if (typeof source !== 'string' || !(PARAMETER_SOURCES as readonly string[]).includes(source)) {
      throw new UserInputError(`${at}.source: expected one of ${PARAMETER_SOURCES.join(', ')}, got ${describeJson(source)}`);
    }
    if (typeof note !== 'string') throw new UserInputError(`${at}.note: expected a text, got ${describeJson(note)}`);
    if (range !== undefined && !(Array.isArray(range) && range.length === 2 && range.every((x) => typeof x === 'number' && Number.isFinite(x)) && range[0] <= range[1])) {
      throw new UserInputError(`${at}.range: expected [min, max] numbers, got ${describeJson(range)}`);
    }
    if (atBound !== undefined && atBound !== 'min' && atBound !== 'max') throw new UserInputError(`${at}.atBound: expected 'min' or 'max', got ${describeJson(atBound)}`);
    result[name as ProfileParameterName] = {
      source: source as ParameterSource,
      note,
      ...(range === undefined ? {} : { range: range as [number, number] }),
      ...(atBound === undefined ? {} : { atBound }),
    };
  }
  return result;
}

/** Reads and validates a profile JSON file; every problem is a UserInputError of one line naming the file. */
export function loadProfile(path: string): LatencyProfile {
  let text: string;
  try {
    if (statSync(path).size > MAX_PROFILE_BYTES) {
      throw new UserInputError(`${path}: expected a profile JSON of at most ${MAX_PROFILE_BYTES / 1024} KiB, got ${(statSync(path).size / 1024).toFixed(0)} KiB: is this the right file?`);
    }
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof UserInputError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new UserInputError(`profile file not found: ${path}`, { cause: error });
    }
    throw new UserInputError(`${path}: cannot read the profile: ${(error as Error).message}`, { cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UserInputError(`${path}: ${jsonSyntaxMessage(text, error)}; expected a latency profile {name, description, parameters}`, { cause: error });
  }
  return parseProfile(value, path);
}
