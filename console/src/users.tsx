import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, type StaffUser } from './api.ts';
import { Card, Problem, TextField } from './ui.tsx';

const ROLES: Record<StaffUser['role'], string> = {
  admin: 'Quản trị',
  'unit-manager': 'Quản lý đơn vị',
  tracer: 'Truy vết',
};
const ROLE_ENTRIES = Object.entries(ROLES) as [StaffUser['role'], string][];

/**
 * Staff accounts of the unit and every unit below it (admins): who may sign in, with which role, where; create one
 * (role and unit within the admin's scope: the API refuses others with 403) and disable one.
 */
export function UsersScreen({ unitId }: { unitId: string }) {
  const [users, setUsers] = useState<StaffUser[] | undefined>();
  const [error, setError] = useState<unknown>();
  const [reload, setReload] = useState(0);

  useEffect(() => {
    setUsers(undefined);
    setError(undefined);
    api.users(unitId).then(({ items }) => setUsers(items), setError);
  }, [unitId, reload]);

  const replace = (user: StaffUser) =>
    setUsers((list) => list?.map((u) => (u.username === user.username ? user : u)));

  return (
    <div>
      {error ? (
        <Problem error={error} />
      ) : !users ? (
        <p class="loading">Đang tải…</p>
      ) : users.length === 0 ? (
        <p class="empty">Đơn vị này chưa có tài khoản cán bộ nào.</p>
      ) : (
        <table class="users" id="users">
          <thead>
            <tr>
              <th>Tên đăng nhập</th>
              <th>Họ tên</th>
              <th>Thư điện tử</th>
              <th>Vai trò</th>
              <th>Đơn vị</th>
              <th>Báo cáo qua thư</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <UserRow key={u.username} user={u} onChanged={replace} />
            ))}
          </tbody>
        </table>
      )}
      {!(error instanceof ApiError && error.refused) && (
        <CreateUser unitId={unitId} onCreated={() => setReload((n) => n + 1)} />
      )}
    </div>
  );
}

function UserRow({ user, onChanged }: { user: StaffUser; onChanged: (u: StaffUser) => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const disable = async () => {
    if (!confirm(`Khoá tài khoản "${user.username}"? Người này sẽ không đăng nhập được nữa.`)) return;
    setBusy(true);
    setError(undefined);
    try {
      onChanged(await api.disableUser(user.username));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <tr data-username={user.username} class={user.enabled ? '' : 'disabled'}>
      <td>{user.username}</td>
      <td>{user.name ?? ''}</td>
      <td>{user.email}</td>
      <td>{ROLES[user.role] ?? user.role}</td>
      <td>{user.unitId}</td>
      <td>{user.weeklyEmail ? 'Có' : 'Không'}</td>
      <td>
        {user.enabled ? (
          <button type="button" class="disable" disabled={busy} onClick={disable}>
            Khoá
          </button>
        ) : (
          <span class="badge">Đã khoá</span>
        )}
        {error !== undefined && <Problem error={error} />}
      </td>
    </tr>
  );
}

const FIELDS = [
  ['username', 'Tên đăng nhập'],
  ['name', 'Họ tên (không bắt buộc)'],
  ['email', 'Thư điện tử'],
  ['unitId', 'Mã đơn vị'],
] as const;

/** A new account in a unit of the admin's scope; the API's field errors beside their fields, in Vietnamese. */
function CreateUser({ unitId, onCreated }: { unitId: string; onCreated: () => void }) {
  const blank = { username: '', name: '', email: '', unitId, role: 'unit-manager' as StaffUser['role'] };
  const [values, setValues] = useState(blank);
  const [error, setError] = useState<unknown>();
  const [created, setCreated] = useState<(StaffUser & { temporaryPassword?: string }) | undefined>();
  useEffect(() => setValues((v) => ({ ...v, unitId })), [unitId]);

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    setCreated(undefined);
    try {
      const { name, ...rest } = values;
      setCreated(await api.createUser({ ...rest, ...(name.trim() ? { name: name.trim() } : {}) }));
      setValues({ ...blank, unitId: values.unitId });
      onCreated();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Card title="Thêm tài khoản cán bộ">
      <form class="create" id="create-user" onSubmit={submit} noValidate>
        {FIELDS.map(([name, label]) => (
          <TextField
            key={name}
            name={name}
            label={label}
            value={values[name]}
            error={error}
            onInput={(value) => setValues({ ...values, [name]: value })}
          />
        ))}
        <label>
          Vai trò
          <select
            name="role"
            value={values.role}
            onChange={(e) =>
              setValues({
                ...values,
                role: (e.currentTarget as HTMLSelectElement).value as StaffUser['role'],
              })
            }
          >
            {ROLE_ENTRIES.map(([role, label]) => (
              <option key={role} value={role}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Thêm</button>
        {error !== undefined && !(error instanceof ApiError && error.details.length > 0) && (
          <Problem error={error} />
        )}
        {created && (
          <p class="ok" id="user-created">
            Đã tạo tài khoản “{created.username}”.
            {created.temporaryPassword && (
              <>
                {' '}
                Mật khẩu tạm thời (chỉ hiện một lần): <code>{created.temporaryPassword}</code>
              </>
            )}
          </p>
        )}
      </form>
    </Card>
  );
}
