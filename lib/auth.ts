import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import {
  AccountRecovery,
  ClientAttributes,
  FeaturePlan,
  Mfa,
  StandardThreatProtectionMode,
  StringAttribute,
  UserPool,
  type UserPoolClient,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { CLAIM_ROLE, CLAIM_UNIT, CLAIM_WEEKLY_EMAIL } from '../src/routes.ts';

const CUSTOM_PREFIX = 'custom:';

/** `custom:role` → `role`: Cognito adds the prefix to custom attributes in tokens. */
export function customAttributeName(claim: string): string {
  if (!claim.startsWith(CUSTOM_PREFIX)) throw new Error(`Claim ${claim} is not a Cognito custom attribute`);
  return claim.slice(CUSTOM_PREFIX.length);
}

export const ROLE_ATTRIBUTE = customAttributeName(CLAIM_ROLE);
export const UNIT_ATTRIBUTE = customAttributeName(CLAIM_UNIT);
export const WEEKLY_EMAIL_ATTRIBUTE = customAttributeName(CLAIM_WEEKLY_EMAIL);

/**
 * Staff identities of one province: a Cognito user pool (accounts created by administrators only, TOTP MFA
 * required, Plus feature plan with threat protection enforced) whose ID tokens carry `custom:role` and
 * `custom:unit`, one public app client (SRP sign-in) and the JWT authorizer for the `staff` routes.
 */
export class StaffAuth extends Construct {
  readonly userPool: UserPool;
  readonly client: UserPoolClient;
  readonly authorizer: HttpUserPoolAuthorizer;
  /** The app clients whose ID tokens the API's JWT authorizer accepts (its audience). */
  private readonly clients: UserPoolClient[] = [];

  constructor(scope: Construct, id: string, props: { provinceName: string }) {
    super(scope, id);

    this.userPool = new UserPool(this, 'UserPool', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      customAttributes: {
        [ROLE_ATTRIBUTE]: new StringAttribute({ minLen: 1, maxLen: 32, mutable: true }),
        [UNIT_ATTRIBUTE]: new StringAttribute({ minLen: 1, maxLen: 64, mutable: true }),
        // The Friday e-mail's opt-out ("false"), which staff set themselves through PUT /v1/me/subscription.
        [WEEKLY_EMAIL_ATTRIBUTE]: new StringAttribute({ minLen: 4, maxLen: 5, mutable: true }),
      },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
        passwordHistorySize: 5,
      },
      // TOTP only: SMS would need an SNS role and spend, and is the weaker factor.
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      // Plus: compromised-credential detection and adaptive authentication for the accounts that can create
      // checkpoints and read reports. Priced per monthly active user; a province has a few hundred staff.
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      userInvitation: {
        emailSubject: `Vaora ${props.provinceName}: tài khoản cán bộ`,
        emailBody: 'Tên đăng nhập: {username}. Mật khẩu tạm thời: {####}',
      },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.client = this.userPool.addClient('StaffClient', {
      // Browser/mobile client: no secret, SRP so the password never leaves the device; no hosted UI.
      generateSecret: false,
      authFlows: { userSrp: true },
      disableOAuth: true,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      // A shift, not a month: a phone left at a gate does not stay signed in for long.
      refreshTokenValidity: Duration.hours(12),
      readAttributes: new ClientAttributes()
        .withStandardAttributes({ email: true, emailVerified: true })
        .withCustomAttributes(ROLE_ATTRIBUTE, UNIT_ATTRIBUTE),
      // Role and unit are authorization data: only administrators (AdminUpdateUserAttributes) set them.
      // Were they writable by the client, any staff member could promote themselves with their own token.
      writeAttributes: new ClientAttributes().withStandardAttributes({ email: true }),
    });
    this.clients.push(this.client);

    this.authorizer = new HttpUserPoolAuthorizer('StaffJwt', this.userPool, {
      // Read when the first route binds the authorizer: acceptClient() adds the console's client before that.
      userPoolClients: this.clients,
      identitySource: ['$request.header.Authorization'],
    });
  }

  /**
   * Another app client whose ID tokens the API accepts (the staff console's, lib/console.ts). Call it before
   * the routes are added: API Gateway's JWT authorizer takes its audience list when the first route binds it.
   */
  acceptClient(client: UserPoolClient): void {
    this.clients.push(client);
  }
}
