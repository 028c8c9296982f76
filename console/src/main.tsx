import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, type Unit } from './api.ts';
import { CheckpointsScreen } from './checkpoints.tsx';
import { ReportScreen } from './report.tsx';
import { type Claims, session } from './session.ts';
import { completeSignIn, loadConfig, refresh, signIn, signOut } from './sign-in.ts';
import { TracingScreen } from './tracing.tsx';
import { UnitsScreen } from './units.tsx';
import { UsersScreen } from './users.tsx';

const ROLE_LABELS: Record<Claims['role'], string> = {
  admin: 'Quản trị',
  'unit-manager': 'Quản lý đơn vị',
  tracer: 'Truy vết',
};

type Screen = 'report' | 'checkpoints' | 'units' | 'tracing' | 'users';
const SCREENS: Record<Screen, { label: string; path: string; roles?: Claims['role'][] }> = {
  report: { label: 'Báo cáo tuần', path: 'bao-cao' },
  checkpoints: { label: 'Điểm kiểm soát', path: 'diem-kiem-soat' },
  // The unit tree below the unit: admins change it (the API refuses the others with 403 anyway).
  units: { label: 'Đơn vị', path: 'don-vi', roles: ['admin'] },
  // Contact tracing: tracers and admins (the API refuses a unit-manager with 403 anyway).
  tracing: { label: 'Truy vết', path: 'truy-vet', roles: ['tracer', 'admin'] },
  // Staff accounts: admins only (the API refuses the others with 403 anyway).
  users: { label: 'Tài khoản cán bộ', path: 'can-bo', roles: ['admin'] },
};

/**
 * `#/bao-cao/<unitId>[/<start>]`: the screen, the unit it shows and (a report) its period, so a link or a reload
 * opens the same view. The Friday e-mail links to `#/bao-cao/<unitId>/<start>` (src/render/report-mail.ts).
 */
function route(hash: string, home: string): { screen: Screen; unitId: string; start?: string } {
  const [, path, unitId, start] =
    /^#\/([a-z-]+)(?:\/([a-z0-9-]+))?(?:\/(\d{4}-\d{2}-\d{2}))?$/.exec(hash) ?? [];
  const screen =
    (Object.keys(SCREENS) as Screen[]).find((s) => s !== 'report' && SCREENS[s].path === path) ?? 'report';
  return { screen, unitId: unitId ?? home, ...(start ? { start } : {}) };
}
const hashOf = (screen: Screen, unitId: string) => `#/${SCREENS[screen].path}/${unitId}`;

function App({ claims }: { claims: Claims }) {
  const [view, setView] = useState(route(location.hash, claims.unitId));
  const [unit, setUnit] = useState<Unit | undefined>();
  const { screen, unitId } = view;

  useEffect(() => {
    const onHash = () => setView(route(location.hash, claims.unitId));
    addEventListener('hashchange', onHash);
    // The unit's name and its children for the unit picker; a refusal here shows on the screens themselves.
    api.unit(claims.unitId).then(setUnit, () => {});
    return () => removeEventListener('hashchange', onHash);
  }, [claims.unitId]);

  const units = unit ? [unit, ...(unit.children ?? [])] : [];
  return (
    <>
      <header class="top">
        <span class="brand">Vaora</span>
        <nav>
          {(Object.keys(SCREENS) as Screen[])
            .filter((s) => !SCREENS[s].roles || SCREENS[s].roles.includes(claims.role))
            .map((s) => (
              <a key={s} href={hashOf(s, unitId)} aria-current={s === screen ? 'page' : undefined}>
                {SCREENS[s].label}
              </a>
            ))}
        </nav>
        <span class="who">
          {ROLE_LABELS[claims.role] ?? claims.role} · {unit?.name ?? claims.unitId}
        </span>
        <button type="button" id="sign-out" onClick={signOut}>
          Đăng xuất
        </button>
      </header>
      <main>
        {units.length > 1 && (
          <label class="unit-picker">
            Đơn vị{' '}
            <select
              id="unit"
              value={unitId}
              onChange={(e) => location.assign(hashOf(screen, (e.currentTarget as HTMLSelectElement).value))}
            >
              {units.map((u, i) => (
                <option key={u.id} value={u.id}>
                  {i === 0 ? u.name : `— ${u.name}`}
                </option>
              ))}
            </select>
          </label>
        )}
        {screen === 'report' ? (
          <ReportScreen unitId={unitId} start={view.start} />
        ) : screen === 'users' ? (
          <UsersScreen unitId={unitId} />
        ) : screen === 'units' ? (
          <UnitsScreen unitId={unitId} />
        ) : screen === 'tracing' ? (
          <TracingScreen isAdmin={claims.role === 'admin'} />
        ) : (
          <CheckpointsScreen unitId={unitId} />
        )}
      </main>
    </>
  );
}

function SignedOut() {
  return (
    <main class="signed-out">
      <h1>Vaora — Bảng điều khiển cán bộ</h1>
      <p>Phiên làm việc đã kết thúc hoặc bạn chưa đăng nhập.</p>
      <button type="button" id="sign-in" onClick={() => signIn()}>
        Đăng nhập
      </button>
    </main>
  );
}

async function start() {
  const root = document.getElementById('app')!;
  // The "loading" line of index.html is not Preact's: clear it, or render would keep it beside the app.
  root.textContent = '';
  await loadConfig();
  await completeSignIn();
  if (!session.token()) await refresh();
  const show = () => {
    const claims = session.claims();
    render(claims ? <App claims={claims} /> : <SignedOut />, root);
  };
  session.onExpired(() => render(<SignedOut />, root));
  show();
}

start();
