// The sections of the Settings area, in the order of its sub-navigation. Each needs one permission, the one
// the server requires for the section's reads (server/src/auth/permissions.ts): a section the signed-in user
// lacks it for is left out of the navigation, and its address sends them back to /settings.
import type { RouteLocationNormalized, RouteLocationRaw } from 'vue-router';
import { can, type Permission } from '../../composables/useSession.ts';

export interface SettingsSection {
  /** The child path under /settings. */
  path: string;
  label: string;
  /** One line under the label in the navigation. */
  description: string;
  permission: Permission;
  /** An SVG path (24×24, stroked). */
  icon: string;
}

export const SETTINGS_SECTIONS: readonly SettingsSection[] = [
  { path: 'users', label: 'Users', description: 'Accounts, roles, sign-in', permission: 'users.manage', icon: 'M16 21v-2a4 4 0 0 0-4-4H6a4 4 0 0 0-4 4v2M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM22 21v-2a4 4 0 0 0-3-3.9M16 3.1a4 4 0 0 1 0 7.8' },
  { path: 'agents', label: 'Teams & agents', description: 'Skills, capacity, working hours', permission: 'directory.read', icon: 'M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM4 21a8 8 0 0 1 16 0' },
  { path: 'sla', label: 'SLA & business hours', description: 'Calendars, targets, pauses', permission: 'sla.read', icon: 'M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20zM12 6v6l4 2' },
  { path: 'tokens', label: 'API tokens', description: 'Scripts and integrations', permission: 'tokens.own', icon: 'M21 2l-2 2m-7.6 7.6a5.5 5.5 0 1 1-7.8 7.8 5.5 5.5 0 0 1 7.8-7.8zm0 0L15.5 7.5m0 0 3 3L22 7l-3-3m-3.5 3.5L19 4' },
  { path: 'webhooks', label: 'Webhooks', description: 'Signed events in and out', permission: 'integrations.manage', icon: 'M18 16.1A4 4 0 1 1 14 20H9M6 16.9a4 4 0 1 1 2.9-7.3L12 4.2M12 4.2a4 4 0 1 1 6 3.2L15 13' },
  { path: 'ai', label: 'AI', description: 'Providers, models, usage', permission: 'settings.manage', icon: 'M12 3l1.9 5.1L19 10l-5.1 1.9L12 17l-1.9-5.1L5 10l5.1-1.9zM19 15l.9 2.1L22 18l-2.1.9L19 21l-.9-2.1L16 18l2.1-.9z' },
  { path: 'organisation', label: 'Organisation', description: 'Retention and secrets', permission: 'settings.manage', icon: 'M3 21h18M5 21V7l7-4 7 4v14M9 21v-6h6v6M9 10h.01M15 10h.01' },
  { path: 'audit', label: 'Audit log', description: 'Who did what, verified', permission: 'audit.read', icon: 'M12 22s8-4 8-10V5l-8-3-8 3v7c0 6 8 10 8 10zM9 12l2 2 4-4' },
];

export function visibleSections(): SettingsSection[] {
  return SETTINGS_SECTIONS.filter((s) => can(s.permission));
}

/** /settings itself: the first section the user may open (or the page that says there is none). */
export function enterSettingsHome(): true | RouteLocationRaw {
  const first = visibleSections()[0];
  return first ? { path: `/settings/${first.path}`, replace: true } : true;
}

/** A section's route: without its permission, back to /settings (which picks one the user has). */
export function enterSettingsSection(to: RouteLocationNormalized): true | RouteLocationRaw {
  const permission = to.meta.permission as Permission | undefined;
  return !permission || can(permission) ? true : { path: '/settings', replace: true };
}
