import type { TraceFixedConfig } from './types.js';

/** How tables and the report name a fixed configuration: `1 / 800 / 8`, then the other declared knobs (`3 nodes, spread, kryo`). */
export function fixedConfigLabel(config: TraceFixedConfig): string {
  const extras = Object.entries(config)
    .filter(([column]) => column !== 'cores' && column !== 'memory_mb' && column !== 'instances')
    .map(([column, value]) => (column === 'node_count' ? `${value} node${value === 1 ? '' : 's'}` : typeof value === 'string' ? value : `${column} ${value}`));
  return [`${config.cores} / ${config.memory_mb} / ${config.instances}`, ...extras].join(', ');
}
