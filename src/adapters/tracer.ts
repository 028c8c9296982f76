import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * X-Ray, through Powertools' Tracer: the AWS SDK clients (./clients.ts) and the handlers (the routes' and tasks'
 * middlewares) record their calls as subsegments of the invocation Lambda's active tracing starts. It traces only
 * in Lambda (Powertools turns it off where AWS_EXECUTION_ENV is unset: the local stack, tests, benches, the CLI),
 * and never records a response or an error's message (POWERTOOLS_TRACER_CAPTURE_RESPONSE / _ERROR are `false`,
 * lib/vaora-function.ts): our responses and SDK errors can hold phone numbers.
 */
export const tracer = new Tracer();
