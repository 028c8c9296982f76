import type { RunStarter } from '../core/ports.ts';
import { executeRun, type RunDeps, type WeeklyRunRequest } from '../core/weekly-run.ts';
import { countPendingCheckins } from './pending-counts.ts';

/**
 * The local stand-in for the weekly-run state machine (lib/weekly-run.ts): the same tasks, in the same order
 * (levels deepest first, a level's units a few at a time), in this process, in the background: start() returns
 * once the run is under way, as StartExecution does, and the run's record shows its progress.
 */
export class InProcessRunStarter implements RunStarter {
  /** Runs still going: a test or the demo can wait for them; a failure is in the run's record. */
  readonly running = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: RunDeps) {}

  async start(request: WeeklyRunRequest): Promise<void> {
    // What was stored before the run is counted first (in AWS the counting function runs every minute); a failure
    // there is left to the next round, as in AWS.
    await countPendingCheckins().catch(() => undefined);
    const run = executeRun(this.deps, request)
      .catch(async (err: Error) => {
        // What the state machine's own Catch does: the run is recorded as failed, never left running.
        const record = await this.deps.runs.getRun(request.runId);
        await this.deps.runs.putRun({
          runId: request.runId,
          period: request.period,
          startedAt: record?.startedAt ?? this.deps.clock.now().toISOString(),
          units: record?.units ?? 0,
          failed: [...(record?.failed ?? []), { unitId: this.deps.provinceId, error: err.name }],
          status: 'failed',
          finishedAt: this.deps.clock.now().toISOString(),
        });
      })
      // The store itself failing (the local stack stopped mid-run): nothing is left to record it in.
      .catch(() => undefined)
      .finally(() => this.running.delete(request.runId));
    this.running.set(request.runId, run);
  }
}
