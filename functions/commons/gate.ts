import { makeKmsClient } from '../../src/adapters/clients.ts';
import { KmsGateTokens } from '../../src/adapters/gate-tokens.ts';
import { loadGateConfig } from '../../src/config.ts';
import { config } from './services.ts';

/**
 * The gate tokens (src/adapters/gate-tokens.ts), built at cold start in the two functions bound to `gate:*`: the
 * link maker signs with the key (kms:Sign), the gate authorizer reads its public key (kms:GetPublicKey). A missing
 * GATE_KEY_ID fails the start.
 */
const gateConfig = loadGateConfig();
export const gateTokens = new KmsGateTokens(
  makeKmsClient(gateConfig),
  gateConfig.gateKeyId,
  config.provinceId,
);
