/**
 * The staff console's response headers, one definition for the local gateway (src/local/console.ts) and the
 * CloudFront response-headers policy (lib/console.ts). The console's code is files of its own origin only: no
 * inline script or style, nothing loaded from elsewhere, never framed. `connect-src` adds the Cognito domain in
 * AWS (the token endpoint of the authorization-code flow) and where import files are uploaded (S3, through
 * the presigned PUT an import job answers); the API is reached on the console's own origin.
 */
export function consolePolicy(connect: readonly string[] = []): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    ['connect-src', "'self'", ...connect].join(' '),
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * What the bucket of import uploads allows the console's origin (S3 CORS; in AWS on the reports bucket,
 * lib/imports.ts, locally on s3rver's, src/local/stack.ts): the browser PUTs a spreadsheet to the presigned URL
 * an import job answers, with the content type the URL signs. Nothing else crosses: no GET, no credentials.
 */
export function importUploadCors(origins: readonly string[]) {
  return {
    allowedOrigins: [...origins],
    allowedMethods: ['PUT'] as const,
    allowedHeaders: ['content-type'],
    maxAgeSeconds: 3000,
  };
}

export const CONSOLE_SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=63072000; includeSubDomains',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
} as const;
