/**
 * Where a session comes from. In AWS: Cognito managed login, authorization-code flow with PKCE (no client
 * secret in a bundle; the code is useless without the verifier kept in this tab). Locally: the local gateway's
 * sign-in page, which stands in for managed login and hands back `#token=…`.
 */
import { setApiBase } from './api.ts';
import { session } from './session.ts';

export type SignInConfig =
  | { kind: 'local'; url: string }
  | { kind: 'cognito'; domain: string; clientId: string; scopes: string[] };

export interface ConsoleConfig {
  apiBase: string;
  signIn: SignInConfig;
}

const PKCE_KEY = 'vaora.console.pkce';
/** The view asked for before signing in (`#/bao-cao/<unit>/<start>`, an e-mail's link): opened again after. */
const RETURN_KEY = 'vaora.console.return';
const REFRESH_KEY = 'vaora.console.refresh';

let config: ConsoleConfig | undefined;

export async function loadConfig(): Promise<ConsoleConfig> {
  const res = await fetch('config.json', { cache: 'no-store', credentials: 'omit' });
  config = (await res.json()) as ConsoleConfig;
  setApiBase(config.apiBase);
  return config;
}

const redirectUri = () => `${location.origin}${location.pathname.replace(/[^/]*$/, '')}`;

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

export async function signIn(): Promise<void> {
  if (!config) return;
  if (location.hash.startsWith('#/')) sessionStorage.setItem(RETURN_KEY, location.hash);
  const signInConfig = config.signIn;
  if (signInConfig.kind === 'local') {
    location.assign(signInConfig.url);
    return;
  }
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
  const challenge = base64url(
    new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))),
  );
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state }));
  const params = new URLSearchParams({
    response_type: 'code',
    client_id: signInConfig.clientId,
    redirect_uri: redirectUri(),
    scope: signInConfig.scopes.join(' '),
    code_challenge_method: 'S256',
    code_challenge: challenge,
    state,
  });
  location.assign(`${signInConfig.domain}/oauth2/authorize?${params}`);
}

async function tokenRequest(body: Record<string, string>): Promise<boolean> {
  if (config?.signIn.kind !== 'cognito') return false;
  const res = await fetch(`${config.signIn.domain}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: config.signIn.clientId, ...body }),
    credentials: 'omit',
  });
  if (!res.ok) return false;
  const tokens = (await res.json()) as { id_token?: string; refresh_token?: string };
  if (!tokens.id_token) return false;
  // The ID token carries custom:role and custom:unit, which the API's JWT authorizer hands to the functions.
  session.store(tokens.id_token);
  if (tokens.refresh_token) sessionStorage.setItem(REFRESH_KEY, tokens.refresh_token);
  return true;
}

/**
 * After signing in: the local page's `#token=`, or managed login's `?code=` traded for tokens (the code then dropped
 * from the address bar); then back to the view that was asked for before signing in, if any.
 */
export async function completeSignIn(): Promise<void> {
  session.adoptFragment();
  await tradeCode();
  const asked = sessionStorage.getItem(RETURN_KEY);
  if (asked && session.token()) {
    sessionStorage.removeItem(RETURN_KEY);
    history.replaceState(null, '', `${location.pathname}${asked}`);
  }
}

async function tradeCode(): Promise<void> {
  const query = new URLSearchParams(location.search);
  const code = query.get('code');
  if (!code) return;
  history.replaceState(null, '', location.pathname);
  const pending = JSON.parse(sessionStorage.getItem(PKCE_KEY) ?? 'null') as {
    verifier: string;
    state: string;
  } | null;
  sessionStorage.removeItem(PKCE_KEY);
  if (!pending || pending.state !== query.get('state')) return;
  await tokenRequest({
    grant_type: 'authorization_code',
    code,
    redirect_uri: redirectUri(),
    code_verifier: pending.verifier,
  });
}

/** An hour-long ID token renewed from the working-day refresh token, when there is one. */
export async function refresh(): Promise<boolean> {
  const token = sessionStorage.getItem(REFRESH_KEY);
  if (!token) return false;
  return tokenRequest({ grant_type: 'refresh_token', refresh_token: token });
}

export function signOut(): void {
  session.clear();
  sessionStorage.removeItem(REFRESH_KEY);
  if (config?.signIn.kind === 'cognito') {
    const params = new URLSearchParams({ client_id: config.signIn.clientId, logout_uri: redirectUri() });
    location.assign(`${config.signIn.domain}/logout?${params}`);
    return;
  }
  location.assign(redirectUri());
}
