/**
 * Fine-tuning a team bundle on a stand-in real cluster (the testbed-pool
 * scenario's simulator with a profile 1.3× off): the team (Cluster
 * Autoscaler, Parallelism Autoscaler, Scheduler, trained for a few episodes)
 * chooses node count, executors and placement each real run, inside the
 * budget, the trust region and the guard rails, and resumes from its
 * checkpoint as if never stopped.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { pointDistance, finetuneTeam, type TeamFinetuneOptions, type TeamFinetuneRun } from '../../../bridge/finetune/team-finetune.js';
import { loadTeamPolicy } from '../../../src/agents/load-team-policy.js';
import type { Tf } from '../../../src/agents/tf.js';
import { UserInputError } from '../../../src/errors.js';
import { ConfigurationManager } from '../../../src/managers/configuration.js';
import { loadTeam, saveTeam } from '../../../src/policy/team-artifact.js';
import { loadScenario } from '../../../src/scenario/load.js';
import type { Scenario } from '../../../src/scenario/schema.js';
import { gridPoints, pointKey } from '../../../src/space/grid.js';
import { paperScenario, shiftedScenario, slower, StandInCluster, tempDir, testTf, trainedTeamBundle } from './fixtures.js';

let tf: Tf;
let scenario: Scenario;
let real: Scenario;
let shared: string;
let idqn: string;
let vdn: string;

/** A generous SLO: only injected slowdowns breach it. */
const LOOSE_SLO = { perFrameMs: 5000 };
/** Few, short gradient steps: the behaviour under test is the loop's, not the learning's. */
const QUICK = { gradientStepsPerRun: 4, batchSize: 16, simStepsPerRun: 8, simEpisodeSteps: 4 };

beforeAll(async () => {
  tf = await testTf();
  scenario = await loadScenario('scenarios/testbed-pool.yaml');
  real = shiftedScenario(scenario);
  // Shared by every test (tempDir's folders go after each one).
  shared = mkdtempSync(join(tmpdir(), 'sspe-team-finetune-'));
  const agents = ['cluster', 'parallelism', 'scheduler'] as const;
  idqn = await trainedTeamBundle(tf, scenario, { method: 'idqn', dir: join(shared, 'idqn'), agents: [...agents] });
  vdn = await trainedTeamBundle(tf, scenario, { method: 'vdn', dir: join(shared, 'vdn'), agents: [...agents] });
}, 60_000);
afterAll(() => rmSync(shared, { recursive: true, force: true }));

function options(overrides: Partial<TeamFinetuneOptions> & Pick<TeamFinetuneOptions, 'realBackend'>): TeamFinetuneOptions {
  return { policy: idqn, scenario, budget: 6, fpsLevels: [10], slo: LOOSE_SLO, checkpointPath: join(tempDir(), 'checkpoint.json'), seed: 5, tf, ...QUICK, ...overrides };
}

const keys = (history: TeamFinetuneRun[]) => history.map((run) => pointKey(scenario.actionSpace, run.config));
/** A run without its wall-clock times (the simulator's too): what two runs of the same fine-tuning agree on. */
const timeless = (history: TeamFinetuneRun[]) => history.map(({ startedAt: _s, endedAt: _e, ...rest }) => ({ ...rest, outcome: { ...rest.outcome, wallMs: 0 } }));

describe('team finetune', () => {
  test('spends the budget exactly, every run inside the space, exploring only within the trust region of the team choice', async () => {
    const cluster = new StandInCluster(real);
    const run = options({ realBackend: cluster, budget: 8, fpsLevels: [5, 20], epsilonStart: 1, epsilonDecay: 1, trustRegion: 1 });
    const result = await finetuneTeam(run);
    expect(cluster.calls).toBe(8);
    expect(result.history.map((r) => [r.index, r.fps])).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((i) => [i, i % 2 === 0 ? 5 : 20]));
    // The first run at each load is the team's own choice; every later one explores (epsilon 1).
    expect(result.history.map((r) => r.kind)).toEqual(['greedy', 'greedy', ...Array(6).fill('explore')]);
    const grid = new Set(gridPoints(scenario.actionSpace).map((p) => pointKey(scenario.actionSpace, p)));
    const configuration = new ConfigurationManager(scenario, 'absolute');
    for (const [i, r] of result.history.entries()) {
      expect(grid.has(pointKey(scenario.actionSpace, r.config))).toBe(true);
      expect(configuration.fitsOneExecutor(r.config)).toBe(true);
      // What ran is what the history says: node count, executors and placement reach the backend.
      const sent = cluster.requests[i].config;
      expect([sent.nodeCount, sent.executorInstances, sent.placement]).toEqual([r.config.nodeCount, r.config.executorInstances, r.config.placement]);
      expect(Object.keys(r.actions)).toEqual(['cluster', 'parallelism', 'scheduler']);
    }
    for (const r of result.history.slice(2)) {
      expect(pointDistance(scenario.actionSpace, r.config, r.greedyConfig!)).toBe(1);
    }
    // The first run starts from the scenario's point, as deploy does.
    expect(pointKey(scenario.actionSpace, result.history[0].from)).toBe('1/512/2 nodes=3 placement=spread');
    // The budget is spent: the same checkpoint runs nothing more.
    const again = await finetuneTeam(run);
    expect(cluster.calls).toBe(8);
    expect(again.resumedFrom).toBe(8);
    expect(keys(again.history)).toEqual(keys(result.history));
    for (const model of Object.values({ ...result.policy.models, ...again.policy.models })) model.dispose();
  });

  test('a breach is followed by a rollback to the last good point, and the breached point is not chosen again', async () => {
    // Every point but the first one run measures 1000× slower: a breach of even the loose SLO.
    let home: string | null = null;
    const cluster = new StandInCluster(real, (_call, request, o) => {
      const here = `${request.config.nodeCount}/${request.config.executorInstances}/${request.config.placement}`;
      home ??= here;
      return here === home ? o : slower(o, 1000);
    });
    const result = await finetuneTeam(options({ realBackend: cluster, budget: 5, epsilonStart: 1, epsilonDecay: 1 }));
    const [first, probe, back] = result.history;
    expect(result.history.map((r) => r.kind).slice(0, 3)).toEqual(['greedy', 'explore', 'rollback']);
    expect(first.breach).toBeNull();
    expect(probe.breach).toMatch(/^p95 per-frame time \d+ ms > SLO 5000 ms$/);
    expect(back.breach).toBeNull();
    // Every breach sends the next run straight back to the point that kept the SLO, and no breached point is run twice.
    const breached = result.history.filter((r) => r.breach !== null);
    for (const r of breached) {
      expect(r.rollbackTo).toEqual(first.config);
      const next = result.history[r.index + 1];
      if (next !== undefined) expect([next.kind, next.config]).toEqual(['rollback', first.config]);
    }
    const breachedKeys = breached.map((r) => pointKey(scenario.actionSpace, r.config));
    expect(new Set(breachedKeys).size).toBe(breachedKeys.length);
    expect(result.rollbacks).toBe(breached.filter((r) => r.index < 4).length);
    expect(cluster.calls).toBe(5);
  });

  test('the team does not choose again a point that broke the SLO at that load', async () => {
    // Runs 2 and 4 breach, whatever they run: the team's choice after each must be another point.
    const cluster = new StandInCluster(real, (call, _request, o) => (call === 1 || call === 3 ? slower(o, 1000) : o));
    const result = await finetuneTeam(options({ realBackend: cluster, budget: 6, epsilonStart: 0, epsilonMin: 0, gradientStepsPerRun: 0 }));
    expect(result.history[0].breach).toBeNull();
    expect(result.history.filter((r) => r.breach !== null).map((r) => r.index)).toEqual([1, 3]);
    const space = scenario.actionSpace;
    for (const r of result.history.filter((run) => run.kind === 'greedy')) {
      const breachedBefore = result.history.filter((b) => b.index < r.index && b.breach !== null).map((b) => pointKey(space, b.config));
      expect(breachedBefore).not.toContain(pointKey(space, r.config));
    }
    for (const model of Object.values(result.policy.models)) model.dispose();
  });

  test('stopped and resumed, it repeats no real run and decides as if never stopped', async () => {
    const settings = { budget: 5, fpsLevels: [5, 20], epsilonStart: 0.5, epsilonDecay: 0.9 };
    const reference = await finetuneTeam(options({ realBackend: new StandInCluster(real), ...settings }));

    const cluster = new StandInCluster(real);
    const checkpointPath = join(tempDir(), 'checkpoint.json');
    const reported: number[] = [];
    const onRealRun = (r: TeamFinetuneRun) => void reported.push(r.index);
    const stopped = await finetuneTeam(options({ realBackend: cluster, ...settings, checkpointPath, onRealRun, shouldStop: () => cluster.calls >= 2 }));
    expect(stopped.stoppedEarly).toBe(true);
    expect(stopped.history).toHaveLength(2);
    const resumed = await finetuneTeam(options({ realBackend: cluster, ...settings, checkpointPath, onRealRun }));
    expect(resumed.resumedFrom).toBe(2);
    expect(cluster.calls).toBe(5);
    expect(reported).toEqual([0, 1, 2, 3, 4]);
    expect(timeless(resumed.history)).toEqual(timeless(reference.history));
    const weights = (models: Record<string, { getWeights(): { dataSync(): ArrayLike<number> }[] }>) =>
      Object.values(models).map((m) => m.getWeights().map((w) => Array.from(w.dataSync())));
    expect(weights(resumed.policy.models)).toEqual(weights(reference.policy.models));
    for (const r of [reference, stopped, resumed]) for (const model of Object.values(r.policy.models)) model.dispose();
  });

  test.each([
    ['idqn', () => idqn],
    ['vdn', () => vdn],
  ])('the tuned %s team saves, loads with loadTeamPolicy, has learned, and reads real per-frame times through its latency scale', async (method, bundle) => {
    const result = await finetuneTeam(options({ policy: bundle(), realBackend: new StandInCluster(real), budget: 3 }));
    expect(result.history).toHaveLength(3);
    const out = join(tempDir(), 'tuned');
    await saveTeam(out, { metadata: result.policy.metadata, models: result.policy.models, tf, overwrite: false });
    for (const model of Object.values(result.policy.models)) model.dispose();
    const loaded = await loadTeamPolicy(out, scenario, { tf });
    expect(loaded.policy.name).toBe(method);
    expect(loaded.metadata.name).toBe(`team-${method}-tuned`);
    const start = await loadTeam(bundle(), { tf });
    const tuned = await loadTeam(out, { tf });
    // The stand-in is 1.3× slower than the simulator: the grounding ratio is above 1, and the tuned team carries it.
    expect(result.latencyRatio).toBeGreaterThan(1);
    expect(tuned.metadata.observation.latencyScale).toBeCloseTo(start.metadata.observation.latencyScale * result.latencyRatio, 6);
    const differ = start.metadata.agents.filter((a) => {
      const [x, y] = [start.models[a.name].getWeights(), tuned.models[a.name].getWeights()];
      return x.some((w, i) => Array.from(w.dataSync()).some((v, j) => v !== y[i].dataSync()[j]));
    });
    expect(differ.length).toBeGreaterThan(0);
    for (const t of [start, tuned]) for (const model of Object.values(t.models)) model.dispose();
  });
});

describe('team finetune refuses bad input in one line, writing nothing', () => {
  async function refusal(run: TeamFinetuneOptions): Promise<string> {
    const before = existsSync(run.checkpointPath) ? readFileSync(run.checkpointPath, 'utf8') : null;
    const error = await finetuneTeam(run).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserInputError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    expect((run.realBackend as StandInCluster).calls).toBe(0);
    expect(existsSync(run.checkpointPath) ? readFileSync(run.checkpointPath, 'utf8') : null).toBe(before);
    return message;
  }

  test('a team trained for another action space', async () => {
    const other = paperScenario();
    const message = await refusal(options({ scenario: other, realBackend: new StandInCluster(shiftedScenario(other)) }));
    expect(message).toMatch(/^team policy .+ was trained for nodeCount 1-3\/1, .+; the scenario '.+' declares .+$/);
  });

  test('an agent whose network is not the DQN sspe trains', async () => {
    const team = await loadTeam(idqn, { tf });
    const odd = tf.sequential({ layers: [tf.layers.dense({ inputShape: [team.metadata.agents[1].features.length], units: team.metadata.agents[1].actionCount, activation: 'linear' })] });
    const dir = join(tempDir(), 'odd');
    await saveTeam(dir, { metadata: team.metadata, models: { ...team.models, parallelism: odd }, tf, overwrite: false });
    for (const model of [...Object.values(team.models), odd]) model.dispose();
    const message = await refusal(options({ policy: dir, realBackend: new StandInCluster(real) }));
    expect(message).toMatch(/\/parallelism: fine-tuning needs the DQN network sspe trains \(\d+ → h → h → 3, ReLU\); this one has weights/);
  });

  test('a checkpoint from another team, or from a single agent', async () => {
    const checkpointPath = join(tempDir(), 'checkpoint.json');
    const first = await finetuneTeam(options({ realBackend: new StandInCluster(real), budget: 1, checkpointPath }));
    for (const model of Object.values(first.policy.models)) model.dispose();
    expect(await refusal(options({ policy: vdn, realBackend: new StandInCluster(real), budget: 2, checkpointPath }))).toMatch(
      /checkpoint\.json was written for another team method \("idqn"; this run has "vdn"\): resume with the same settings, or move the checkpoint away to start over$/,
    );
    const single = join(tempDir(), 'single.json');
    writeFileSync(single, `${JSON.stringify({ format: 'sspe-finetune-checkpoint', version: 1 })}\n`);
    expect(await refusal(options({ realBackend: new StandInCluster(real), checkpointPath: single }))).toMatch(
      /single\.json: format: expected 'sspe-team-finetune-checkpoint', got "sspe-finetune-checkpoint": not a team fine-tuning checkpoint$/,
    );
  });
});
