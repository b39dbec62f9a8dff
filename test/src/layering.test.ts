/**
 * Dependencies point one way: bridge → src → sim (docs: the architecture
 * sketch). A file under src/ that imports bridge/, or one under sim/ that
 * imports src/ or bridge/, fails here with the file, the line and the import.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './cli/run-cli.js';

/** What each layer may not import. */
const FORBIDDEN: Record<string, readonly string[]> = { src: ['bridge'], sim: ['src', 'bridge'] };

/** Static imports and re-exports (`from '…'`), side-effect imports and dynamic `import('…')`. */
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])([^'"\n]+)\1/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|js|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every import in `text` (the source of `file`) that reaches a layer it may not, as 'path:line: specifier'. */
function forbiddenImports(file: string, text: string, layer: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(IMPORT)) {
    const specifier = match[2];
    if (!specifier.startsWith('.')) continue;
    const target = relative(repoRoot, resolve(dirname(file), specifier)).split(sep)[0];
    if (FORBIDDEN[layer].includes(target)) {
      const line = text.slice(0, match.index + match[0].indexOf(match[1])).split('\n').length;
      found.push(`${relative(repoRoot, file)}:${line}: ${specifier}`);
    }
  }
  return found;
}

describe('layering: bridge → src → sim', () => {
  for (const layer of Object.keys(FORBIDDEN)) {
    it(`nothing under ${layer}/ imports ${FORBIDDEN[layer].join(' or ')}/`, () => {
      const files = sourceFiles(join(repoRoot, layer));
      expect(files.length).toBeGreaterThan(0);
      expect(files.flatMap((file) => forbiddenImports(file, readFileSync(file, 'utf8'), layer))).toEqual([]);
    });
  }

  it('sees every kind of import: static, type-only, re-export, side-effect, dynamic', () => {
    const file = join(repoRoot, 'src', 'cli', 'example.ts');
    const forms = [
      "import { a } from '../../bridge/x.js';",
      "import type { A } from '../../bridge/x.js';",
      "export { a } from '../../bridge/x.js';",
      "import '../../bridge/x.js';",
      "const m = await import(\n  '../../bridge/x.js');",
    ];
    for (const code of forms) expect(forbiddenImports(file, code, 'src'), code).toEqual([`src/cli/example.ts:${code.split('\n').length}: ../../bridge/x.js`]);
    expect(forbiddenImports(file, "import { b } from '../backend/backend.js';", 'src')).toEqual([]);
  });
});
