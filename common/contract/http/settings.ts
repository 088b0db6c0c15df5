import { z } from 'zod';
import { Envelope, Id, MAX_VERSION, Timestamp } from '../primitives';
import { route } from './route';

/** The user's app settings as stored: one envelope under the master key (context `settings/<userId>`). */
export const SettingsRecord = z.object({
  ciphertext: Envelope,
  /** 1 for the first write, +1 for each accepted write after it. */
  version: z.int().min(1),
  updatedByDeviceId: Id,
  updatedAt: Timestamp,
});
export type SettingsRecord = z.infer<typeof SettingsRecord>;

/**
 * Bounds what a client may park in the settings. They carry the per-chat prefs (mute, archive, delete for
 * me: about 100 characters of envelope per chat that has any), hence room for a thousand such chats.
 */
export const MAX_SETTINGS_ENVELOPE_CHARS = 128 * 1024;

export const getSettings = route({
  method: 'GET',
  path: '/settings',
  auth: 'device',
  response: z.object({ settings: SettingsRecord.nullable() }),
});

/**
 * Replace the settings. `baseVersion` is the version the edit started from (0 when there were none):
 * a write based on anything else is refused with 409 stale_version — the client re-reads, re-applies its
 * change and tries again, so one device never silently overwrites another's newer settings.
 */
export const putSettings = route({
  method: 'PUT',
  path: '/settings',
  auth: 'device',
  body: z.strictObject({
    ciphertext: Envelope.refine((e) => e.length <= MAX_SETTINGS_ENVELOPE_CHARS, {
      message: `must be at most ${MAX_SETTINGS_ENVELOPE_CHARS} characters`,
    }),
    baseVersion: z.int().min(0).max(MAX_VERSION),
  }),
  response: SettingsRecord,
});
