import type { Node } from 'constructs';
import { z } from 'zod';
import { DEFAULTS, MAIL_FROM_PATTERN } from '../src/config.ts';
import { isNamingRule, NAMING_FIELDS } from '../src/core/naming.ts';

/**
 * The provinces to build, read from CDK context (`cdk.json` → `context.provinces`).
 * `-c province=<id>` narrows the app to that one province.
 *
 * Only the province id and name are required. Everything else (base URL, retention, link lifetime, naming
 * rule, throttling) falls back to the runtime defaults (src/config.ts DEFAULTS) or to the values below, so a
 * new province is one line in cdk.json.
 */
export const PROVINCES_CONTEXT_KEY = 'provinces';
export const PROVINCE_SELECTOR_CONTEXT_KEY = 'province';

/** Stage-wide HTTP API throttling, per province. Check-ins are one POST per person per gate. */
// A factory gate at shift change is ~100 check-ins/s on its own; a province has many gates.
export const DEFAULT_THROTTLE = { rateLimit: 500, burstLimit: 1000 } as const;

const provinceSchema = z
  .object({
    /** Becomes PROVINCE_ID, the stack name suffix and the S3 report prefix: same rule as src/config.ts. */
    id: z.string().regex(/^[a-z0-9-]+$/, 'lower-case letters, digits and dashes only'),
    name: z.string().min(1),
    /** Base URL printed into QR codes. Default: the province's HTTP API URL. */
    publicBaseUrl: z.url().optional(),
    retentionDays: z.number().int().positive().default(DEFAULTS.retentionDays),
    reportLinkTtlSeconds: z.number().int().positive().default(DEFAULTS.reportLinkTtlSeconds),
    /** How long the audit trail of tracing is kept (AUDIT_RETENTION_DAYS). */
    auditRetentionDays: z.number().int().positive().default(DEFAULTS.auditRetentionDays),
    /** A contact's minimum overlap in minutes (CONTACT_MIN_OVERLAP_MINUTES): 15 by default, as NHS rounded visits. */
    contactMinOverlapMinutes: z.number().int().min(0).default(DEFAULTS.contactMinOverlapMinutes),
    /** Above this many recipients an alert needs an admin's approval (ALERT_APPROVAL_CAP). */
    alertApprovalCap: z.number().int().positive().default(DEFAULTS.alertApprovalCap),
    /**
     * Exposure alerts' SMS: the province's AWS End User Messaging SMS phone pool (its id, `pool-…`, or ARN), whose
     * sender ID or numbers are registered for Vietnam; the sending function may send from it alone. Without it
     * the stack synthesizes with a warning and alerts wait in their queue (then its dead-letter queue) unsent.
     */
    alertSms: z
      .object({
        poolId: z
          .string()
          .regex(/^(pool-[0-9a-zA-Z]+|arn:aws[a-z-]*:sms-voice:[a-z0-9-]+:\d{12}:pool\/pool-[0-9a-zA-Z]+)$/),
      })
      .strict()
      .optional(),
    /** The province's naming rule for checkpoints (NAMING_RULE): a template over src/core/naming.ts fields. */
    namingRule: z
      .string()
      .refine(
        isNamingRule,
        `a template with {placeName} and only the fields ${NAMING_FIELDS.map((f) => `{${f}}`).join(', ')}`,
      )
      .default(DEFAULTS.namingRule),
    /**
     * The Friday delivery (issue 12 item 7): the province's Amazon SES identity, verified in the account before the
     * deploy (a domain, or one address), and the From address the e-mails carry, of that identity. Without it the
     * province gets no e-mail: the unit task's REPORT_MAIL is `off` and the mailer may send as no one.
     */
    reportMail: z
      .object({
        /** `bao-cao@quangninh.gov.vn`, or with a name: `"Vaora Quảng Ninh" <bao-cao@quangninh.gov.vn>`. */
        from: z.string().regex(MAIL_FROM_PATTERN, 'an e-mail address, or "Name <address>"'),
        /** The SES identity (a domain or an address). Default: the From address's domain. */
        identity: z.string().min(3).optional(),
      })
      .strict()
      .optional(),
    /** The staff console's base URL, where the e-mails link to (CONSOLE_URL). Default: `<API URL>/console/`. */
    consoleUrl: z.url().optional(),
    throttle: z
      .object({
        rateLimit: z.number().positive().default(DEFAULT_THROTTLE.rateLimit),
        burstLimit: z.number().int().positive().default(DEFAULT_THROTTLE.burstLimit),
      })
      .strict()
      .default(DEFAULT_THROTTLE),
  })
  .strict();

export type ProvinceConfig = z.infer<typeof provinceSchema>;

/** Validates the `provinces` context value and applies defaults. Throws with the offending entry named. */
export function parseProvinces(raw: unknown): ProvinceConfig[] {
  const parsed = z.array(z.unknown()).min(1).safeParse(raw);
  if (!parsed.success) {
    throw new Error(
      `CDK context "${PROVINCES_CONTEXT_KEY}" must be a non-empty list of { "id", "name", ... } (see cdk.json)`,
    );
  }
  const provinces = parsed.data.map((entry, index) => {
    const result = provinceSchema.safeParse(entry);
    if (!result.success) {
      const problems = result.error.issues.map((i) => `${i.path.join('.') || '(entry)'}: ${i.message}`);
      throw new Error(`CDK context "${PROVINCES_CONTEXT_KEY}[${index}]" is invalid: ${problems.join('; ')}`);
    }
    return result.data;
  });
  const seen = new Set<string>();
  for (const { id } of provinces) {
    if (seen.has(id)) throw new Error(`CDK context "${PROVINCES_CONTEXT_KEY}" lists province "${id}" twice`);
    seen.add(id);
  }
  return provinces;
}

/** The provinces this synth builds: all of them, or only the one named by `-c province=<id>`. */
export function selectProvinces(node: Node): ProvinceConfig[] {
  const provinces = parseProvinces(node.tryGetContext(PROVINCES_CONTEXT_KEY));
  const selected: unknown = node.tryGetContext(PROVINCE_SELECTOR_CONTEXT_KEY);
  if (selected === undefined) return provinces;
  const match = provinces.find((p) => p.id === selected);
  if (!match) {
    const known = provinces.map((p) => p.id).join(', ');
    throw new Error(
      `Unknown province "${String(selected)}" (-c ${PROVINCE_SELECTOR_CONTEXT_KEY}=${String(selected)}). ` +
        `Known provinces in cdk.json: ${known}`,
    );
  }
  return [match];
}

export const stackNameFor = (provinceId: string) => `vaora-${provinceId}`;

/** The address inside a From value (`"Name" <a@b>` or `a@b`). */
export function fromAddress(from: string): string {
  return (/<([^>]+)>/.exec(from)?.[1] ?? from).trim();
}

/** The province's SES identity: as given, or the From address's domain. */
export function mailIdentity(reportMail: NonNullable<ProvinceConfig['reportMail']>): string {
  if (reportMail.identity) return reportMail.identity;
  const address = fromAddress(reportMail.from);
  return address.slice(address.lastIndexOf('@') + 1);
}
