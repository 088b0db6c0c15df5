import { z } from 'zod';
import { DeviceKind, Id, Platform, ShownDeviceName, Timestamp } from '../primitives';
import { route } from './route';
import { DeviceSyncStatus } from './sync-status';

export const DeviceInfo = z.object({
  deviceId: Id,
  kind: DeviceKind,
  name: ShownDeviceName,
  platform: Platform,
  createdAt: Timestamp,
  lastSeenAt: Timestamp,
  current: z.boolean(),
  /**
   * When the server unlinks it if it stays unseen (lastSeenAt + DEVICE_INACTIVITY_DAYS); null: never
   * (expiry off). Absent from older servers.
   */
  expiresAt: Timestamp.nullable().optional(),
  /** How far its store is (a desktop; null for a phone, which keeps no store). Absent from older servers. */
  syncStatus: DeviceSyncStatus.nullable().optional(),
});
export type DeviceInfo = z.infer<typeof DeviceInfo>;

export const listDevices = route({
  method: 'GET',
  path: '/devices',
  auth: 'device',
  response: z.object({ devices: z.array(DeviceInfo) }),
});

/** A phone may unlink any device of its account; any device may unlink itself (desktop "log out"). */
export const revokeDevice = route({
  method: 'DELETE',
  path: '/devices/:deviceId',
  auth: 'device',
  params: z.strictObject({ deviceId: Id }),
});
