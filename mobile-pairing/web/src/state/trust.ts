import { create } from 'zustand';
import type { ApiClient, ContactsRecord } from '../../../../common/contract';
import { encodePublicKey, encodeSigningPublicKey } from '../../../../common/crypto';
import { ContactBookRefusedError } from '../../../../common/trust/contact-book-replica';
import type { Contacts } from '../../../../common/trust/contacts';
import { safetyNumber } from '../../../../common/trust/safety-number';
import type { PhoneSession } from '../../../src/core/account';
import { forgetPhoneContacts, phoneContacts } from '../../../src/core/contacts';

interface TrustStore {
  /** Bumped whenever the pins change (here, on another device, or a change was seen): views re-read. */
  readonly revision: number;
  readonly contacts: Contacts | null;
  /** The last contact book the server offered and this phone refused (older, foreign, tampered). */
  readonly refusal: string | null;
}

export const useTrust = create<TrustStore>(() => ({ revision: 0, contacts: null, refusal: null }));
const bump = () => useTrust.setState((s) => ({ revision: s.revision + 1 }));
let unsubscribe: (() => void) | null = null;

/** The signed-in phone's contacts (shared pins), read from the server once per session. */
export async function trustFor(client: ApiClient, me: PhoneSession): Promise<Contacts> {
  const contacts = await phoneContacts(client, me);
  if (useTrust.getState().contacts !== contacts) {
    unsubscribe?.();
    unsubscribe = contacts.replica.onChange(bump);
    useTrust.setState({ contacts });
    bump();
  }
  return contacts;
}

/** A `contacts:sync` from the live stream: taken if newer, refused (and said) if it is a replay or foreign. */
export function acceptLiveContacts(record: ContactsRecord): void {
  const contacts = useTrust.getState().contacts;
  if (!contacts) return;
  try {
    contacts.replica.accept(record);
  } catch (error) {
    if (error instanceof ContactBookRefusedError) useTrust.setState({ refusal: error.message });
  }
}

/** Meets a chat's members (pins the new ones, compares the others with the server's answer). */
export async function checkMembers(client: ApiClient, me: PhoneSession, memberIds: readonly string[]): Promise<void> {
  const contacts = await trustFor(client, me);
  try {
    await contacts.meet(memberIds, { recheck: true });
  } catch (error) {
    if (error instanceof ContactBookRefusedError) useTrust.setState({ refusal: error.message });
    else throw error;
  }
  bump();
}

/** The safety number with a pinned contact (from the pin, never from a pending change). */
export function safetyNumberWith(me: PhoneSession, contacts: Contacts, userId: string): string | null {
  const pin = contacts.pin(userId);
  if (!pin) return null;
  return safetyNumber(
    {
      userId: me.userId,
      identityPublicKey: encodePublicKey(me.identity.publicKey),
      signingPublicKey: me.signing ? encodeSigningPublicKey(me.signing.publicKey) : null,
    },
    { userId, identityPublicKey: pin.identityPublicKey, signingPublicKey: pin.signingPublicKey },
  );
}

export function resetTrust(me: PhoneSession | null): void {
  unsubscribe?.();
  unsubscribe = null;
  if (me) forgetPhoneContacts(me);
  useTrust.setState({ revision: 0, contacts: null, refusal: null });
}
