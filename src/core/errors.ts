/**
 * Domain errors. Each carries the HTTP status and the contract's error code; exactly one middleware
 * (functions/http/errors.ts) turns them into responses. Messages are for a person and never hold personal data.
 */
export interface ErrorDetail {
  path: string;
  message: string;
}

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  constructor(details: ErrorDetail[], code = 'invalid_request') {
    super(400, code, `Invalid ${details.map((d) => d.path || 'request').join(', ')}`, details);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'A valid bearer token is required') {
    super(401, 'unauthorized', message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'Not allowed for this unit') {
    super(403, 'forbidden', message);
  }
}

export class NotFoundError extends AppError {
  constructor(code: string, message: string) {
    super(404, code, message);
  }
}

export class UnitNotFoundError extends NotFoundError {
  constructor(unitId: string) {
    super('unknown_unit', `No unit ${unitId}`);
  }
}

export class CheckpointNotFoundError extends NotFoundError {
  constructor() {
    super('unknown_checkpoint', 'No active checkpoint has this code');
  }
}

export class ConflictError extends AppError {
  constructor(code: string, message: string) {
    super(409, code, message);
  }
}

/** A service we depend on failed or is throttling: nothing was stored, and the same request may be sent again. */
export class ServiceUnavailableError extends AppError {
  constructor(message = 'Not stored this time: send it again in a moment') {
    super(503, 'temporarily_unavailable', message);
  }
}
