import { makePhoneVault } from '../../src/adapters/phone-vault.ts';
import { loadPhoneConfig } from '../../src/config.ts';

/**
 * The phone vault, built at cold start in the functions that store phone numbers (binding `phones:seal`) and
 * only there: its configuration (the KMS key, the hash secret) fails the start when missing, and a function that
 * never sees a number neither imports nor needs it. It hashes and seals; it cannot open (no kms:Decrypt).
 */
export const phones = makePhoneVault(loadPhoneConfig());
