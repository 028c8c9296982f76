import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { makeLogger, makeMetrics, powertoolsEvents } from '../../src/adapters/powertools.ts';
import { tracer } from '../../src/adapters/tracer.ts';
import type { Events } from '../../src/core/ports.ts';

/**
 * Powertools for AWS Lambda, once per container: the Logger and Metrics under the typed events (every function
 * logs through `events`), and the Tracer of the AWS SDK clients (src/adapters/tracer.ts). Service and namespace
 * come from POWERTOOLS_SERVICE_NAME and POWERTOOLS_METRICS_NAMESPACE (lib/vaora-function.ts).
 */
export const logger = makeLogger();
export const metrics = makeMetrics(logger);
export const events: Events = powertoolsEvents(logger, metrics);

/**
 * The middlewares every handler runs under, outermost first: the Lambda context on each log line (its request
 * id, the cold-start flag; the keys of one invocation cleared after it; the invocation's event never logged, it
 * holds phone numbers), API Gateway's request id as `correlation_id` for an HTTP event, the handler as an X-Ray
 * subsegment (its response never recorded), and the metrics of the invocation flushed as one EMF line (with a
 * ColdStart metric on a cold start).
 */
export function observed<E, R>(): middy.MiddlewareObj<E, R>[] {
  return [
    injectLambdaContext(logger, { resetKeys: true, logEvent: false }),
    {
      before: ({ event }) => {
        const requestId = (event as { requestContext?: { requestId?: unknown } } | null)?.requestContext
          ?.requestId;
        if (typeof requestId === 'string') logger.setCorrelationId(requestId);
      },
    },
    captureLambdaHandler(tracer, { captureResponse: false }),
    logMetrics(metrics, { captureColdStartMetric: true }),
  ] as middy.MiddlewareObj<E, R>[];
}

/**
 * A handler that is not an HTTP route (a queue's consumer, a state machine's task, the counting schedule) under
 * the same middlewares: its log lines carry its request id and cold start, its metrics are flushed.
 */
export function observedTask<E, R>(run: (event: E, context: Context) => Promise<R>) {
  return middy<E, R>().use(observed<E, R>()).handler(run);
}
