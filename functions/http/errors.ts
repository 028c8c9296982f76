import type middy from '@middy/core';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ZodError } from 'zod';
import { AppError, type ErrorDetail } from '../../src/core/errors.ts';
import type { Events } from '../../src/core/ports.ts';

/**
 * The one place errors become responses, in the contract's shape. A domain error's message is for a person
 * and is shown; anything else is a plain 500 with no internals, logged by its name only (an SDK message can
 * quote key values, and our keys hold phone numbers).
 */
export function errorResponses(
  events: Events,
): middy.MiddlewareObj<unknown, APIGatewayProxyStructuredResultV2> {
  return {
    onError: async (request) => {
      const { status, code, message, details } = describe(request.error);
      if (status >= 500) {
        events.emit({
          event: 'RequestFailed',
          status,
          code,
          errorName: (request.error as Error)?.name ?? 'unknown',
        });
      }
      request.response = errorResponse(status, code, message, details);
    },
  };
}

export function errorResponse(
  status: number,
  code: string,
  message: string,
  details: ErrorDetail[] = [],
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
    body: JSON.stringify({ error: { code, message, ...(details.length ? { details } : {}) } }),
  };
}

function describe(error: unknown): { status: number; code: string; message: string; details: ErrorDetail[] } {
  if (error instanceof AppError) {
    return { status: error.status, code: error.code, message: error.message, details: error.details };
  }
  if (error instanceof ZodError) {
    const details = zodDetails(error);
    const code =
      details.some((d) => d.path === 'phone') && details.length === 1 ? 'invalid_phone' : 'invalid_request';
    return {
      status: 400,
      code,
      message: `Invalid ${details.map((d) => d.path || 'body').join(', ')}`,
      details,
    };
  }
  return { status: 500, code: 'internal_error', message: 'Something went wrong on our side', details: [] };
}

export function zodDetails(error: ZodError): ErrorDetail[] {
  return error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}
