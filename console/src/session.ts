/**
 * The staff session: the ID token in sessionStorage (gone when the tab closes), taken from the URL's fragment
 * (which the browser never sends) and removed from the address bar at once. Never put in a query string or a log.
 */
const KEY = 'vaora.console.token';

export interface Claims {
  sub: string;
  role: 'admin' | 'unit-manager' | 'tracer';
  unitId: string;
  exp: number;
  email?: string;
}

let onExpired: () => void = () => {};

function decode(token: string): Claims | undefined {
  try {
    const part = token.split('.')[1] ?? '';
    const bytes = Uint8Array.from(atob(part.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
    const payload = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
    const role = payload['custom:role'];
    const unitId = payload['custom:unit'];
    if (typeof role !== 'string' || typeof unitId !== 'string' || typeof payload.exp !== 'number') return;
    return {
      sub: String(payload.sub ?? ''),
      role: role as Claims['role'],
      unitId,
      exp: payload.exp,
      ...(typeof payload.email === 'string' ? { email: payload.email } : {}),
    };
  } catch {
    return undefined;
  }
}

export const session = {
  /** Takes `#token=…` from the address (the `--console` link, the local sign-in page) and cleans the address. */
  adoptFragment(): void {
    const fragment = new URLSearchParams(location.hash.slice(1));
    const token = fragment.get('token');
    if (!token) return;
    if (decode(token)) sessionStorage.setItem(KEY, token);
    history.replaceState(null, '', location.pathname);
  },
  store(token: string): void {
    sessionStorage.setItem(KEY, token);
  },
  token(): string | undefined {
    const token = sessionStorage.getItem(KEY) ?? undefined;
    const claims = token ? decode(token) : undefined;
    if (!claims || claims.exp * 1000 <= Date.now()) return undefined;
    return token;
  },
  /** What the token says about its holder. Until GET /v1/me exists, the token's own claims. */
  claims(): Claims | undefined {
    const token = this.token();
    return token ? decode(token) : undefined;
  },
  clear(): void {
    sessionStorage.removeItem(KEY);
  },
  onExpired(callback: () => void): void {
    onExpired = callback;
  },
  expired(): void {
    sessionStorage.removeItem(KEY);
    onExpired();
  },
};
