import {
  GetObjectCommand,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { S3RunRecords } from '../../src/adapters/s3-runs.ts';
import { RunAlreadyStartedError, StepFunctionsRunStarter } from '../../src/adapters/sfn-runs.ts';
import type { WeeklyRun } from '../../src/core/weekly-run.ts';

const ARN = 'arn:aws:states:ap-southeast-1:123456789012:stateMachine:weekly';
const PERIOD = { start: '2022-01-06', end: '2022-01-12' };
const sfn = mockClient(SFNClient);
const s3 = mockClient(S3Client);

beforeEach(() => {
  sfn.reset();
  s3.reset();
});

describe('StepFunctionsRunStarter', () => {
  it('starts an execution named by the run id, with the run as its input', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${ARN}:r1`, startDate: new Date() });

    await new StepFunctionsRunStarter(new SFNClient({}), ARN).start({ runId: 'r1', period: PERIOD });

    const calls = sfn.commandCalls(StartExecutionCommand);
    expect(calls.map((c) => c.args[0].input)).toEqual([
      { stateMachineArn: ARN, name: 'r1', input: JSON.stringify({ runId: 'r1', period: PERIOD }) },
    ]);
  });

  it('refuses a run id already started', async () => {
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));

    await expect(
      new StepFunctionsRunStarter(new SFNClient({}), ARN).start({ runId: 'r1', period: PERIOD }),
    ).rejects.toThrow(RunAlreadyStartedError);
  });

  it('passes any other failure on', async () => {
    sfn.on(StartExecutionCommand).rejects(new Error('throttled'));

    await expect(
      new StepFunctionsRunStarter(new SFNClient({}), ARN).start({ runId: 'r1', period: PERIOD }),
    ).rejects.toThrow('throttled');
  });
});

describe('S3RunRecords', () => {
  const run: WeeklyRun = {
    runId: 'r1',
    period: PERIOD,
    status: 'running',
    startedAt: '2022-01-14T08:00:00.000Z',
    units: 0,
    failed: [],
  };
  const records = () => new S3RunRecords(new S3Client({}), 'bucket', 'quang-ninh');

  it("stores a run under the province's report prefix and reads it back", async () => {
    s3.on(PutObjectCommand).resolves({});
    s3.on(GetObjectCommand, { Key: 'reports/quang-ninh/_runs/r1.json' }).resolves({
      // The SDK's stream body, as much of it as the adapter reads.
      Body: { transformToString: async () => JSON.stringify(run) } as never,
    });

    await records().putRun(run);

    expect(s3.commandCalls(PutObjectCommand)[0]!.args[0].input).toMatchObject({
      Bucket: 'bucket',
      Key: 'reports/quang-ninh/_runs/r1.json',
      ContentType: 'application/json',
    });
    expect(await records().getRun('r1')).toEqual(run);
  });

  it('answers undefined for a run or summary never stored', async () => {
    s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'none', $metadata: {} }));

    expect(await records().getRun('r9')).toBeUndefined();
    expect(await records().getSummary('hai-ha', PERIOD.start)).toBeUndefined();
    expect(s3.commandCalls(GetObjectCommand)[1]!.args[0].input.Key).toBe(
      'reports/quang-ninh/_summaries/2022-01-06/hai-ha.json',
    );
  });

  it('passes any other read failure on', async () => {
    s3.on(GetObjectCommand).rejects(
      new S3ServiceException({ name: 'AccessDenied', $fault: 'client', message: 'denied', $metadata: {} }),
    );

    await expect(records().getRun('r1')).rejects.toThrow('denied');
  });
});
