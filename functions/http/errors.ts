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
  refusals?: 'checkin',
): middy.MiddlewareObj<unknown, APIGatewayProxyStructuredResultV2> {
  return {
    onError: async (request) => {
      const { status, code, message, details } = describe(request.error);
      if (refusals === 'checkin' && status < 500) events.emit({ event: 'CheckinRejected', reason: code });
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

/**
 * Headers every response of ours carries. The API is HTTPS-only in AWS (HSTS), its JSON and files must never be
 * sniffed into something else, and no URL of ours (a check-in page carries a checkpoint's code) leaks through a
 * Referer. HTML responses add their Content-Security-Policy where they are made.
 */
export const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=63072000; includeSubDomains',
} as const;

/** The contract's error shape: `details` is always a list, empty when no field is to blame. */
export function errorResponse(
  status: number,
  code: string,
  message: string,
  details: ErrorDetail[] = [],
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: status,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      ...SECURITY_HEADERS,
    },
    body: JSON.stringify({ error: { code, message, details } }),
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

/**
 * One detail per bad field. An unknown key is named by itself (`__proto__`, `constructor`, a typo), not by the
 * object that holds it, so a client sees which key to drop.
 */
export function zodDetails(error: ZodError): ErrorDetail[] {
  return error.issues.flatMap((issue) => {
    const at = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: [...at, key].join('.'), message: 'Not a known field' }));
    }
    return [{ path: at.join('.'), message: issue.message }];
  });
}
