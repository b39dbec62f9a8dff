import { describe, expect, it } from 'vitest';
import { executorPodMemoryMb } from '../../../sim/spark/constants.js';
import { UserInputError } from '../../../src/errors.js';
import {
  VCPU_TO_GB_PRICE_RATIO,
  configRequestCostPerHour,
  maxRequestCostPerHour,
  pricingFromNodes,
  requestPricing,
} from '../../../src/scenario/pricing.js';
import { loadScenario } from '../../../src/scenario/load.js';
import { MINIMAL_YAML, edit, tempFiles } from './fixtures.js';

const NODE = { name: 'a', vcpu: 4, memoryMb: 8192, costPerHour: 0.1664 };

describe('request pricing', () => {
  it("splits the node's price between vCPU and GB at the cloud ratio, and the split adds back up to the node price", () => {
    const pricing = pricingFromNodes([NODE, { ...NODE, name: 'b' }]);
    expect(pricing.vcpuHour / pricing.gbHour).toBeCloseTo(VCPU_TO_GB_PRICE_RATIO, 12);
    expect(VCPU_TO_GB_PRICE_RATIO).toBeCloseTo(9.107, 3);
    expect(4 * pricing.vcpuHour + 8 * pricing.gbHour).toBeCloseTo(0.1664, 12);
    // 4 vCPU / 8 GB: 82 % of the price is CPU.
    expect((4 * pricing.vcpuHour) / 0.1664).toBeCloseTo(0.82, 2);
  });

  it('prices a configuration by what its pods request: cores × cpuRequestRatio and heap + overhead', () => {
    const pricing = { vcpuHour: 0.04, gbHour: 0.005 };
    const config = { executorCores: 2, executorMemoryMb: 1000, executorInstances: 3, cpuRequestRatio: 0.5 };
    const podGb = executorPodMemoryMb(1000) / 1024;
    expect(configRequestCostPerHour(pricing, config)).toBeCloseTo(3 * (2 * 0.5 * 0.04 + podGb * 0.005), 12);
    expect(configRequestCostPerHour(pricing, { ...config, executorInstances: 6 })).toBeCloseTo(2 * configRequestCostPerHour(pricing, config), 12);
  });

  it('loads cluster.pricing when declared and derives it otherwise; the dearest configuration is every knob at its maximum', async () => {
    const derived = await loadScenario(`${tempFiles({ 's.yaml': MINIMAL_YAML })}/s.yaml`);
    expect(derived.cluster.pricing).toBeUndefined();
    expect(requestPricing(derived)).toEqual(pricingFromNodes(derived.cluster.nodes));
    const yaml = edit(MINIMAL_YAML, 'spark:\n', '  pricing: { vcpuHour: 0.05, gbHour: 0.01 }\nspark:\n');
    const declared = await loadScenario(`${tempFiles({ 's.yaml': yaml })}/s.yaml`);
    expect(requestPricing(declared)).toEqual({ vcpuHour: 0.05, gbHour: 0.01 });
    expect(maxRequestCostPerHour(declared)).toBeCloseTo(8 * (3 * 0.05 + (executorPodMemoryMb(1000) / 1024) * 0.01), 12);
  });

  it('rejects a bad price with the field and what is allowed', async () => {
    const yaml = edit(MINIMAL_YAML, 'spark:\n', '  pricing: { vcpuHour: -1, gbHour: 0.01 }\nspark:\n');
    await expect(loadScenario(`${tempFiles({ 's.yaml': yaml })}/s.yaml`)).rejects.toThrow(UserInputError);
    await expect(loadScenario(`${tempFiles({ 's.yaml': yaml })}/s.yaml`)).rejects.toThrow(/cluster\.pricing\.vcpuHour: expected a number in \[0, 1000\], got -1/);
    const unknown = edit(MINIMAL_YAML, 'spark:\n', '  pricing: { vcpuHour: 1, gbHour: 0.01, tbHour: 2 }\nspark:\n');
    await expect(loadScenario(`${tempFiles({ 's.yaml': unknown })}/s.yaml`)).rejects.toThrow(/cluster\.pricing\.tbHour: unknown field/);
  });
});
