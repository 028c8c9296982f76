import { mapLimit } from './pool.ts';
import type { RunStore } from './ports.ts';
import type { IdleCheckpoint, ListedCheckpoint, Period, ReportFormat } from './report.ts';
import {
  type Compared,
  type LevelUnit,
  reportUnit,
  UNIT_CONCURRENCY,
  type UnitTaskDeps,
  unitLevels,
} from './weekly-report.ts';
/** The first entries of a list (src/core/weekly-report.ts LIST_LIMIT) and how many it has in all. */
export interface BoundedList<T> {
  items: T[];
  total: number;
}

/**
 * What a unit's task stores for its parent's task (a small JSON): the unit's Cộng this week and the week
 * before (its row in the parent's report), its check-ins per day (its line in the parent's chart), and the
 * first entries and counts of its lists (idle, new, misnamed: everything below it).
 */
export interface UnitSummary {
  unitId: string;
  unitName: string;
  period: Period;
  /** When the task stored it (UTC ISO): a rerun skips a unit whose summary is newer than the run's start. */
  generatedAt: string;
  /** The rows of the unit's own report, and its stored files. */
  rows: number;
  keys: Partial<Record<ReportFormat, string>>;
  totals: Compared;
  daily: number[];
  idle: BoundedList<IdleCheckpoint>;
  newCheckpoints: BoundedList<ListedCheckpoint>;
  misnamed: BoundedList<ListedCheckpoint>;
}

export interface WeeklyRunRequest {
  runId: string;
  period: Period;
  /** Redo every unit, even those this run already reported. */
  force?: boolean;
}

export type RunStatus = 'running' | 'succeeded' | 'failed';

/** A weekly run's record, stored under its run id. */
export interface WeeklyRun {
  runId: string;
  period: Period;
  status: RunStatus;
  startedAt: string;
  finishedAt?: string;
  /** Units reported so far (skipped ones, done by an earlier attempt of this run, included). */
  units: number;
  failed: { unitId: string; error: string }[];
}

export type RunDeps = UnitTaskDeps & { runs: RunStore };

/**
 * A whole weekly run in one process, as the state machine runs it (lib/weekly-run.ts) and as the local stand-in
 * runs it in the background: the levels deepest first, a level's units a few at a time, a failed unit recorded
 * in `failed` without sinking the others (its parent then fails too: its row would be missing). A rerun of the
 * same run id keeps the units its earlier attempt reported, unless forced.
 */
export async function executeRun(deps: RunDeps, request: WeeklyRunRequest): Promise<WeeklyRun> {
  const earlier = await deps.runs.getRun(request.runId);
  const run: WeeklyRun = {
    runId: request.runId,
    period: request.period,
    status: 'running',
    startedAt: earlier?.startedAt ?? deps.clock.now().toISOString(),
    units: 0,
    failed: [],
  };
  await deps.runs.putRun(run);
  const started = Date.now();
  for (const level of await unitLevels(deps.units, deps.provinceId)) {
    await mapLimit(level, UNIT_CONCURRENCY, async (unit) => {
      try {
        await reportUnit(deps, {
          ...unit,
          period: request.period,
          runStartedAt: run.startedAt,
          ...(request.force ? { force: true } : {}),
        });
        run.units += 1;
      } catch (err) {
        const errorName = err instanceof Error ? err.name : 'Error';
        deps.events.emit({
          event: 'WeeklyReportUnitFailed',
          unitId: unit.unitId,
          start: request.period.start,
          errorName,
        });
        run.failed.push({ unitId: unit.unitId, error: errorName });
      }
    });
    await deps.runs.putRun(run);
  }
  run.status = run.failed.length > 0 ? 'failed' : 'succeeded';
  run.finishedAt = deps.clock.now().toISOString();
  await deps.runs.putRun(run);
  deps.events.emit({
    event: 'WeeklyReportRunCompleted',
    start: request.period.start,
    reports: run.units,
    failed: run.failed.length,
    ms: Date.now() - started,
  });
  return run;
}

/** Runs and summaries kept in memory: tests, and the run handed from level to level in one process. */
export class MemoryRuns implements RunStore {
  readonly stored = new Map<string, WeeklyRun>();
  async getRun(runId: string) {
    const run = this.stored.get(runId);
    return run && structuredClone(run);
  }
  async putRun(run: WeeklyRun) {
    this.stored.set(run.runId, structuredClone(run));
  }
}

/** What the state machine's first task hands on: the run, its start, and the unit tree as levels, deepest first. */
export interface RunPlan {
  runId: string;
  period: Period;
  startedAt: string;
  force: boolean;
  levels: LevelUnit[][];
}

/**
 * The state machine's first task: records the run as running (keeping the start of a record already there, so
 * a redriven run keeps the units it reported) and lists the levels.
 */
export async function planRun(
  deps: Pick<RunDeps, 'units' | 'runs' | 'clock' | 'provinceId'>,
  request: WeeklyRunRequest,
): Promise<RunPlan> {
  const earlier = await deps.runs.getRun(request.runId);
  const startedAt = earlier?.startedAt ?? deps.clock.now().toISOString();
  await deps.runs.putRun({
    runId: request.runId,
    period: request.period,
    status: 'running',
    startedAt,
    units: 0,
    failed: [],
  });
  const levels = await unitLevels(deps.units, deps.provinceId);
  return { runId: request.runId, period: request.period, startedAt, force: request.force ?? false, levels };
}

/**
 * The state machine's last task: a unit succeeded when its summary for the period was stored since the run
 * started; any other unit failed (its task's Catch let the others go on). Stores and returns the run's record.
 */
export async function finishRun(
  deps: Pick<RunDeps, 'units' | 'runs' | 'summaries' | 'clock' | 'provinceId' | 'events'>,
  runId: string,
): Promise<WeeklyRun> {
  const run = await deps.runs.getRun(runId);
  if (!run) throw new Error(`No weekly run ${runId}`);
  const units = (await unitLevels(deps.units, deps.provinceId)).flat();
  const fresh = await mapLimit(units, 8, async ({ unitId }) => {
    const summary = await deps.summaries.getSummary(unitId, run.period.start);
    return summary !== undefined && summary.generatedAt >= run.startedAt;
  });
  const failed = units.filter((_, i) => !fresh[i]).map(({ unitId }) => ({ unitId, error: 'NotReported' }));
  const finished: WeeklyRun = {
    ...run,
    status: failed.length > 0 ? 'failed' : 'succeeded',
    units: units.length - failed.length,
    failed,
    finishedAt: deps.clock.now().toISOString(),
  };
  await deps.runs.putRun(finished);
  // The run's time is the state machine's, from the plan's start to this task.
  deps.events.emit({
    event: 'WeeklyReportRunCompleted',
    start: run.period.start,
    reports: finished.units,
    failed: failed.length,
    ms: Date.parse(finished.finishedAt!) - Date.parse(run.startedAt),
  });
  return finished;
}
