import { appendFileSync } from 'node:fs';

export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  if (process.env.SSPE_IMPORT_LOG && result.url.startsWith('file:')) appendFileSync(process.env.SSPE_IMPORT_LOG, `${result.url}\n`);
  return result;
}
