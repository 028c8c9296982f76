import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { CONSOLE_SECURITY_HEADERS, consolePolicy } from '../console-headers.ts';
import { type CredentialStore, signInLocally } from '../core/users.ts';
import { REPO_ROOT } from './repo.ts';
import { mintToken } from './tokens.ts';

/** Where `npm run build:console` (vite) writes the console; the gateway serves it under /console/. */
export const CONSOLE_DIST = join(REPO_ROOT, 'console', 'dist');
export const CONSOLE_PATH = '/console/';

let building: Promise<void> | undefined;

/**
 * The built console, built now if this checkout has never built it (`npm start` and `npm test` build it first;
 * this covers `npx vaora start` and a test run on its own).
 */
export function ensureConsoleBuilt(): Promise<void> {
  if (existsSync(join(CONSOLE_DIST, 'index.html'))) return Promise.resolve();
  building ??= import('vite').then(async ({ build }) => {
    await build({ configFile: join(REPO_ROOT, 'console', 'vite.config.ts'), logLevel: 'warn' });
  });
  return building;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/** Only names vite writes (no `..`, no hidden files): nothing else of the disk is reachable. */
const FILE = /^(?:assets\/)?[A-Za-z0-9_-][A-Za-z0-9._-]*\.(html|js|css|json|svg|png|woff2)$/;

function headers(contentType: string, cache: string, connect: readonly string[]): Record<string, string> {
  return {
    'content-type': contentType,
    'cache-control': cache,
    'content-security-policy': consolePolicy(connect),
    ...CONSOLE_SECURITY_HEADERS,
  };
}

function reply(res: ServerResponse, status: number, head: Record<string, string>, body: string | Buffer) {
  res.writeHead(status, { ...head, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * GET /console/… : the built console, its config.json, and the local sign-in page that stands in for Cognito
 * managed login. Answers true when the request was the console's.
 */
export async function serveConsole(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  signIn: {
    secret: Uint8Array;
    credentials: CredentialStore;
    /** Origins the console may reach besides its own: the local S3, where import files are PUT. */
    consoleConnect?: readonly string[];
  },
): Promise<boolean> {
  const connect = signIn.consoleConnect ?? [];
  const path = url.pathname;
  if (path !== '/console' && !path.startsWith(CONSOLE_PATH)) return false;
  if (path === '/console') {
    reply(res, 308, { location: CONSOLE_PATH, ...CONSOLE_SECURITY_HEADERS }, '');
    return true;
  }
  const rest = path.slice(CONSOLE_PATH.length);
  if (rest === 'sign-in') {
    await signInPage(req, res, signIn);
    return true;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    reply(res, 405, { allow: 'GET', ...CONSOLE_SECURITY_HEADERS }, '');
    return true;
  }
  if (rest === 'config.json') {
    // The API is this same origin; sign-in is the page below (in AWS: Cognito managed login, lib/console.ts).
    const config = { apiBase: '', signIn: { kind: 'local', url: `${CONSOLE_PATH}sign-in` } };
    reply(res, 200, headers(TYPES['.json']!, 'no-store', connect), JSON.stringify(config));
    return true;
  }
  await ensureConsoleBuilt();
  const name = rest === '' ? 'index.html' : rest;
  const match = FILE.exec(name);
  const body = match ? await readFile(join(CONSOLE_DIST, name)).catch(() => undefined) : undefined;
  if (!match || !body) {
    reply(res, 404, headers('text/plain; charset=utf-8', 'no-store', connect), 'Not Found');
    return true;
  }
  // Hashed asset names never change content; the page itself is revalidated on every load.
  const cache = name.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
  reply(res, 200, headers(TYPES[`.${match[1]}`]!, cache, connect), body);
  return true;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function form(problem?: string, username = ''): string {
  return `<!doctype html><html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Đăng nhập — Vaora (máy cục bộ)</title><link rel="icon" href="data:,"><link rel="stylesheet" href="${CONSOLE_PATH}sign-in.css"></head>
<body><main><h1>Đăng nhập bảng điều khiển</h1>
<p class="note">Máy cục bộ: trang này thay cho trang đăng nhập Cognito. Tài khoản do quản trị tạo (POST /v1/users);
<code>npm start</code> in ra các tài khoản mẫu.</p>
${problem ? `<p class="problem" role="alert">${escapeHtml(problem)}</p>` : ''}
<form method="post" action="${CONSOLE_PATH}sign-in">
<label>Tên đăng nhập<input name="username" required maxlength="64" autocomplete="username" value="${escapeHtml(username)}"></label>
<label>Mật khẩu<input name="password" type="password" required maxlength="128" autocomplete="current-password"></label>
<button type="submit">Đăng nhập</button></form></main></body></html>`;
}

/** One answer for every failed sign-in: an unknown name, a wrong password and a disabled account read alike. */
const REFUSED = 'Tên đăng nhập hoặc mật khẩu không đúng, hoặc tài khoản đã bị khoá.';

/**
 * The local stand-in for managed login: a staff account of the local users table (its username and password, checked
 * against the stored scrypt hash; a disabled account is refused), then a token from the local issuer with the
 * account's role and unit, in the console's fragment (a 303 to `/console/#token=…`: the fragment is never sent to a
 * server or logged).
 */
async function signInPage(
  req: IncomingMessage,
  res: ServerResponse,
  { secret, credentials }: { secret: Uint8Array; credentials: CredentialStore },
): Promise<void> {
  const html = (status: number, body: string) =>
    reply(res, status, headers(TYPES['.html']!, 'no-store', []), body);
  if (req.method === 'GET') return html(200, form());
  if (req.method !== 'POST') return reply(res, 405, { allow: 'GET, POST', ...CONSOLE_SECURITY_HEADERS }, '');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 4096) return html(413, form('Yêu cầu quá lớn.'));
    chunks.push(chunk);
  }
  const fields = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
  const username = (fields.get('username') ?? '').trim().toLowerCase();
  const password = fields.get('password') ?? '';
  if (!username || !password) return html(400, form('Nhập tên đăng nhập và mật khẩu.', username));
  const user = await signInLocally(credentials, username, password);
  if (!user) return html(401, form(REFUSED, username));
  const token = await mintToken(secret, { role: user.role, unitId: user.unitId, subject: user.username });
  reply(
    res,
    303,
    { location: `${CONSOLE_PATH}#token=${token}`, 'cache-control': 'no-store', ...CONSOLE_SECURITY_HEADERS },
    '',
  );
}
