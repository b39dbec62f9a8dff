import type { SparkConfig } from '../../sim/config.js';
import type { RunResult } from '../../sim/metrics/result.js';

/** The configuration as scripts read it (snake_case, units in names). */
export function configJson(config: SparkConfig) {
  return {
    cores: config.executorCores,
    memory_mb: config.executorMemoryMb,
    instances: config.executorInstances,
    partitions: config.partitions,
    frames_per_partition: config.framesPerPartition,
    batch_interval_ms: config.batchIntervalMs,
    memory_fraction: config.memoryFraction,
    concurrent_jobs: config.concurrentJobs,
    serializer: config.serializer,
    cpu_request_ratio: config.cpuRequestRatio,
    cpu_limit_ratio: config.cpuLimitRatio,
    dynamic_allocation: config.dynamicAllocation.enabled,
  };
}

/** A run's outcome as one JSON object (the `sspe simulate --json` contract). */
export function runResultJson(result: RunResult) {
  return {
    per_frame_ms: result.perFrameMs,
    end_to_end_ms: result.endToEndMs,
    throughput_fps: result.throughputFps,
    backlog_frames: result.backlogFrames,
    frames: { arrived: result.framesArrived, processed: result.framesProcessed, dropped: result.framesDropped },
    cpu_util: result.cpuUtil,
    mem_util: result.memUtil,
    slot_util: result.slotUtil,
    heap_util: result.heapUtil,
    executors: result.executors.map((e) => ({
      id: e.id,
      node: e.node,
      cpu_util: e.cpuUtil,
      mem_util: e.memUtil,
      slot_util: e.slotUtil,
      heap_util: e.heapUtil,
      tasks_run: e.tasksRun,
      tasks_failed: e.tasksFailed,
    })),
    nodes: result.nodes.map((n) => ({
      name: n.name,
      cpu_util: n.cpuUtil,
      mem_util: n.memUtil,
      working_set_util: n.workingSetUtil,
      peak_memory_requested_mb: n.peakMemoryRequestedMb,
      allocatable_memory_mb: n.allocatableMemoryMb,
      up_ms: n.upMs,
    })),
    pending_pods: result.pendingPods,
    pending_pods_mean: result.pendingPodsMean,
    pending_tasks_mean: result.pendingTasksMean,
    failures: {
      task_failures: result.failures.taskFailures,
      oom_kills: result.failures.oomKills,
      pod_oom_kills: result.failures.podOomKills,
      executor_losses: result.failures.executorLosses,
      node_failures: result.failures.nodeFailures,
      jobs_aborted: result.failures.jobsAborted,
    },
    cost: result.cost,
    slo_violations: { frames: result.sloViolations.frames, fraction: result.sloViolations.fraction },
    batches: result.batches,
    simulated_ms: result.simulatedMs,
    events: result.events,
    trace_hash: result.traceHash,
  };
}
