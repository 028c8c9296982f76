import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/**
 * The key that signs gate links' tokens (src/core/gate-links.ts, src/adapters/gate-tokens.ts): an asymmetric
 * ECC_NIST_P256 KMS key (ES256), whose private half never leaves KMS. Only the link maker may sign with it
 * (kms:Sign); only the gate authorizer may read its public key (kms:GetPublicKey), with which it checks tokens
 * itself. A token lives a shift at most, so nothing lasting depends on the key: it is not retained, and losing it
 * only ends today's gate links (managers make new ones). KMS rotates no asymmetric key; replacing this one (a new
 * logical id) rotates it.
 */
export class GateLinkKey extends Construct {
  readonly key: Key;

  constructor(scope: Construct, id: string, props: { provinceId: string }) {
    super(scope, id);
    this.key = new Key(this, 'Key', {
      description: `vaora ${props.provinceId}: signs gate links (ES256 tokens of a checkpoint's tablet, a shift long)`,
      alias: `alias/vaora/${props.provinceId}/gate-links`,
      keySpec: KeySpec.ECC_NIST_P256,
      keyUsage: KeyUsage.SIGN_VERIFY,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
  }
}
