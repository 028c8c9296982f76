import type {
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
} from 'aws-lambda';
import { GateTokenRefused } from '../src/core/gate-tokens.ts';
import { gateTokens } from './commons/gate.ts';
import { clock, events } from './commons/services.ts';
import type { GateAuthorizerContext } from './http/route.ts';

export type GateAuthorization = APIGatewaySimpleAuthorizerWithContextResult<
  GateAuthorizerContext | Record<string, never>
>;

/**
 * The gate routes' Lambda authorizer (HTTP API, simple responses; lib/api.ts): a gate link's token, checked with
 * the gate key's public key (fetched from KMS once per container), becomes the context the function reads
 * (functions/http/route.ts gateOrStaffRoute). A refused token is `isAuthorized: false` (API Gateway answers 403);
 * KMS failing to give the key throws (a 500 the tablet's queue retries), never an open door.
 */
export async function handler(event: APIGatewayRequestAuthorizerEventV2): Promise<GateAuthorization> {
  const header = event.headers?.authorization ?? event.headers?.Authorization ?? '';
  const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
  if (!token) return refuse('no_token');
  try {
    const claims = await gateTokens.verify(token, clock.now());
    return {
      isAuthorized: true,
      context: {
        role: 'gate',
        subject: claims.subject,
        unitId: claims.unitId,
        checkpointId: claims.checkpointId,
        expiresAt: Math.floor(claims.expiresAt.getTime() / 1000),
      },
    };
  } catch (err) {
    if (err instanceof GateTokenRefused) return refuse('refused');
    throw err;
  }
}

function refuse(reason: 'no_token' | 'refused'): GateAuthorization {
  events.emit({ event: 'GateTokenRefused', reason });
  return { isAuthorized: false, context: {} };
}
