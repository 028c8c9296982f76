import { ExecutionAlreadyExists, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { RunStarter } from '../core/ports.ts';
import type { WeeklyRunRequest } from '../core/weekly-run.ts';

/** A run already started under this id: StartExecution refuses a second execution of the same name. */
export class RunAlreadyStartedError extends Error {
  override name = 'RunAlreadyStartedError';
  constructor(readonly runId: string) {
    super(`A weekly run ${runId} was already started`);
  }
}

/**
 * Starts the weekly-run state machine (lib/weekly-run.ts), the execution named by the run id, so the run's
 * record, its id in the API and its execution are one name.
 */
export class StepFunctionsRunStarter implements RunStarter {
  constructor(
    private readonly sfn: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(request: WeeklyRunRequest): Promise<void> {
    try {
      await this.sfn.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name: request.runId,
          input: JSON.stringify(request),
        }),
      );
    } catch (err) {
      if (err instanceof ExecutionAlreadyExists) throw new RunAlreadyStartedError(request.runId);
      throw err;
    }
  }
}
