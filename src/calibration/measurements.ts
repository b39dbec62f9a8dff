/**
 * Reading a measurement document (bridge/jobs/measure_frame_costs.py, `npm run
 * measure:frames`): the quantities measured on the real job on one machine,
 * which profiles take as measured parameters (paper-fit.ts MEASURED_PARAMETERS).
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { UserInputError } from '../errors.js';
import type { MeasurementDocument } from './paper-fit.js';

const quantity = z.object({
  value: z.number(),
  unit: z.string(),
  spread: z.object({ min: z.number(), max: z.number() }).optional(),
  n: z.number().int().nonnegative().optional(),
  method: z.string().optional(),
});

const documentSchema = z.object({
  command: z.string().min(1),
  date: z.string().min(10),
  machine: z.object({ cpuModel: z.string(), cores: z.number().int().positive() }).loose(),
  quantities: z.record(z.string(), quantity),
}).loose();

/** The document at `path`, checked; a missing file, bad JSON or a bad field is one UserInputError naming the file and field. */
export async function loadMeasurements(path: string): Promise<MeasurementDocument> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UserInputError(`${path}: cannot read the measurement document: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UserInputError(`${path}: expected JSON (a document written by npm run measure:frames), got: ${(error as Error).message}`, { cause: error });
  }
  const parsed = documentSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.length > 0 ? issue.path.join('.') : '(document)';
    throw new UserInputError(`${path}: ${field}: ${issue.message} (a document written by npm run measure:frames)`);
  }
  return parsed.data;
}
