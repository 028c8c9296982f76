import { assertAllowed } from './access.ts';
import { ConflictError, ForbiddenError, NotFoundError } from './errors.ts';
import type { Principal, Role } from './model.ts';
import { verifyPassword } from './passwords.ts';
import type { StaffSubscribers, UnitStore } from './ports.ts';
import type { Clock } from './time.ts';
import { subtreeUnits, unitInScope } from './units.ts';

/** A staff account: who signs in, with which role, scoped to which unit. */
export interface StaffUser {
  /** What the person signs in with; in AWS also the token's `sub` can name them (Cognito takes either). */
  username: string;
  email: string;
  /** The person's name as e-mails address them (Cognito's standard `name` attribute); optional. */
  name?: string;
  role: Role;
  unitId: string;
  enabled: boolean;
  /** false when the person opted out of the Friday e-mail. */
  weeklyEmail: boolean;
  createdAt: string;
}

export interface NewStaffUser {
  username: string;
  email: string;
  name?: string;
  role: Role;
  unitId: string;
  /** A first password; the directory makes one when absent (Cognito e-mails it; locally it is answered once). */
  temporaryPassword?: string;
}

/**
 * Where staff accounts live: the province's Cognito user pool in AWS (src/adapters/cognito-users.ts), the local
 * users table on this machine (src/adapters/dynamo-users.ts).
 */
export interface UserDirectory {
  /** 'exists' when the username is taken; `temporaryPassword` only when the directory made one and cannot send it. */
  createUser(user: StaffUser, temporaryPassword?: string): Promise<'exists' | { temporaryPassword?: string }>;
  getUser(username: string): Promise<StaffUser | undefined>;
  /** Every account of the province (a province has staff by the hundred, not the million). */
  listUsers(): Promise<StaffUser[]>;
  /** The account can no longer sign in, and its sessions end. Undefined when there is no such account. */
  disableUser(username: string): Promise<StaffUser | undefined>;
  setWeeklyEmail(username: string, weeklyEmail: boolean): Promise<StaffUser | undefined>;
}

/** The local sign-in's one read: an account and its password hash (src/adapters/dynamo-users.ts). */
export interface CredentialStore {
  credentialsOf(username: string): Promise<{ user: StaffUser; passwordHash?: string } | undefined>;
}

/**
 * Creates a staff account in a unit of the admin's scope (403 outside it, or for a role other than admin): any
 * role, so an admin of a district may make admins of that district and below it, never above.
 */
export async function createStaffUser(
  deps: { units: UnitStore; users: UserDirectory; clock: Clock },
  principal: Principal,
  input: NewStaffUser,
): Promise<StaffUser & { temporaryPassword?: string }> {
  await unitInScope(deps.units, principal, input.unitId, 'manageUsers');
  const user: StaffUser = {
    username: input.username,
    email: input.email,
    ...(input.name ? { name: input.name } : {}),
    role: input.role,
    unitId: input.unitId,
    enabled: true,
    weeklyEmail: true,
    createdAt: deps.clock.now().toISOString(),
  };
  const created = await deps.users.createUser(user, input.temporaryPassword);
  if (created === 'exists')
    throw new ConflictError('user_exists', `A staff account ${input.username} already exists`);
  return { ...user, ...(created.temporaryPassword ? { temporaryPassword: created.temporaryPassword } : {}) };
}

/**
 * The staff accounts of a unit of the admin's scope and of every unit below it: never an account outside the
 * admin's scope, even one whose unit was since deleted or moved away.
 */
export async function listStaffUsers(
  deps: { units: UnitStore; users: UserDirectory },
  principal: Principal,
  unitId: string,
): Promise<{ items: StaffUser[] }> {
  const root = await unitInScope(deps.units, principal, unitId, 'manageUsers');
  const inScope = new Set((await subtreeUnits(deps.units, root)).map((u) => u.id));
  const users = await deps.users.listUsers();
  return {
    items: users
      .filter((u) => inScope.has(u.unitId))
      .sort((a, b) => a.unitId.localeCompare(b.unitId) || a.username.localeCompare(b.username)),
  };
}

/** Disables an account of the admin's scope (403 outside it, 404 unknown); an admin cannot lock themself out. */
export async function disableStaffUser(
  deps: { units: UnitStore; users: UserDirectory },
  principal: Principal,
  username: string,
): Promise<StaffUser> {
  const user = await deps.users.getUser(username);
  if (!user) throw new NotFoundError('unknown_user', 'No staff account has this username');
  const unit = await deps.units.getUnit(user.unitId);
  // An account whose unit is gone is reached only from the province's root (the path is unknown).
  assertAllowed(principal, 'manageUsers', unit?.path ?? [user.unitId]);
  if (username === principal.subject) throw new ForbiddenError('An admin cannot disable their own account');
  const disabled = await deps.users.disableUser(username);
  if (!disabled) throw new NotFoundError('unknown_user', 'No staff account has this username');
  return disabled;
}

/** The caller's own Friday e-mail: on or off. Any staff role; only their own account. */
export async function setOwnSubscription(
  users: UserDirectory,
  principal: Principal,
  weeklyEmail: boolean,
): Promise<{ username: string; weeklyEmail: boolean }> {
  const updated = await users.setWeeklyEmail(principal.subject, weeklyEmail);
  if (!updated) throw new NotFoundError('unknown_user', 'The token names no staff account of this province');
  return { username: updated.username, weeklyEmail: updated.weeklyEmail };
}

/**
 * Who gets a unit's Friday e-mail: the enabled staff accounts of exactly that unit that have not opted out and
 * have an address. What the weekly delivery calls (one e-mail per account listed).
 */
export async function subscribedStaffOf(
  users: Pick<UserDirectory, 'listUsers'>,
  unitId: string,
): Promise<Pick<StaffUser, 'username' | 'email' | 'name' | 'role' | 'unitId'>[]> {
  const all = await users.listUsers();
  return all
    .filter((u) => u.unitId === unitId && u.enabled && u.weeklyEmail && u.email)
    .map(({ username, email, name, role, unitId: unit }) => ({
      username,
      email,
      ...(name ? { name } : {}),
      role,
      unitId: unit,
    }));
}

/**
 * The Friday delivery's recipients (src/core/report-mail.ts) as the staff directory has them: the console's
 * accounts, in Cognito in AWS and in the local users table here. One directory for sign-in and for e-mail, so an
 * account disabled or opted out in the console gets no more e-mail.
 */
export function directorySubscribers(users: Pick<UserDirectory, 'listUsers'>): StaffSubscribers {
  return {
    subscribersOf: async (unitId) =>
      (await subscribedStaffOf(users, unitId)).map(({ email, name }) => (name ? { email, name } : { email })),
  };
}

/**
 * The local sign-in (src/local/): the account of `username` when `password` is its password and the account is
 * enabled; undefined otherwise, the same for every failure (no telling an unknown name from a wrong password).
 */
export async function signInLocally(
  store: CredentialStore,
  username: string,
  password: string,
): Promise<StaffUser | undefined> {
  const found = await store.credentialsOf(username);
  if (!found?.passwordHash || !found.user.enabled) return undefined;
  return (await verifyPassword(password, found.passwordHash)) ? found.user : undefined;
}
