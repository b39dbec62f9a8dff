import { describe, expect, it } from 'vitest';
import { benchEngine } from '../../bench/engine.js';

describe('benchEngine', () => {
  it('measures the engine and, with the venv, SimPy at a tiny budget', async () => {
    const result = await benchEngine({ customers: 20_000, simpyCustomers: 5_000 });

    expect(result.engine_events).toBe(40_000);
    expect(result.engine_wall_s).toBeGreaterThan(0);
    expect(result.engine_events_per_s).toBeCloseTo(result.engine_events / result.engine_wall_s, 6);
    if (process.env.CI === 'true') {
      // CI must have run scripts/setup-python.sh: the baseline is part of the check there.
      expect(result.simpy_error).toBeUndefined();
      expect(result.simpy_ratio).not.toBeNull();
    }
    if (result.simpy_ratio === null) {
      expect(result.simpy_events_per_s).toBeNull();
      expect(result.simpy_error).toMatch(/setup-python\.sh/);
    } else {
      expect(result.simpy_error).toBeUndefined();
      expect(result.simpy_events_per_s).toBeGreaterThan(0);
      expect(result.simpy_ratio).toBeCloseTo(result.engine_events_per_s / result.simpy_events_per_s!, 6);
    }
  });

  it('returns null SimPy figures and says how to install when the interpreter is missing', async () => {
    const result = await benchEngine({ customers: 1_000, python: '/nonexistent/bin/python' });
    expect(result.engine_events_per_s).toBeGreaterThan(0);
    expect(result.simpy_events_per_s).toBeNull();
    expect(result.simpy_ratio).toBeNull();
    expect(result.simpy_error).toBe(
      'SimPy baseline skipped: no Python at /nonexistent/bin/python; run scripts/setup-python.sh to create .venv with the pinned simpy',
    );
  });

  it('rejects a customer count that is not a positive integer', async () => {
    await expect(benchEngine({ customers: 0 })).rejects.toThrow('expected a positive integer customers, got 0');
  });
});
