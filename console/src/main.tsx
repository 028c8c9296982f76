import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, type Unit } from './api.ts';
import { CheckpointsScreen } from './checkpoints.tsx';
import { ReportScreen } from './report.tsx';
import { type Claims, session } from './session.ts';
import { completeSignIn, loadConfig, refresh, signIn, signOut } from './sign-in.ts';

const ROLE_LABELS: Record<Claims['role'], string> = {
  admin: 'Quản trị',
  'unit-manager': 'Quản lý đơn vị',
  tracer: 'Truy vết',
};

type Screen = 'report' | 'checkpoints';
const SCREENS: Record<Screen, string> = { report: 'Báo cáo tuần', checkpoints: 'Điểm kiểm soát' };
const screenOf = (hash: string): Screen => (hash === '#/diem-kiem-soat' ? 'checkpoints' : 'report');
const hashOf = (screen: Screen) => (screen === 'checkpoints' ? '#/diem-kiem-soat' : '#/bao-cao');

function App({ claims }: { claims: Claims }) {
  const [screen, setScreen] = useState<Screen>(screenOf(location.hash));
  const [unit, setUnit] = useState<Unit | undefined>();
  const [unitId, setUnitId] = useState(claims.unitId);

  useEffect(() => {
    const onHash = () => setScreen(screenOf(location.hash));
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
          {(Object.keys(SCREENS) as Screen[]).map((s) => (
            <a key={s} href={hashOf(s)} aria-current={s === screen ? 'page' : undefined}>
              {SCREENS[s]}
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
            <select value={unitId} onChange={(e) => setUnitId((e.currentTarget as HTMLSelectElement).value)}>
              {units.map((u, i) => (
                <option key={u.id} value={u.id}>
                  {i === 0 ? u.name : `— ${u.name}`}
                </option>
              ))}
            </select>
          </label>
        )}
        {screen === 'report' ? <ReportScreen unitId={unitId} /> : <CheckpointsScreen unitId={unitId} />}
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
