import { useEffect, useState } from 'react';
import { explainError } from '../../../src/core/explain-error';
import { useChats } from '../state/chats';
import { hrefFor } from '../state/router';
import { useSignedIn } from '../state/session';
import { checkMembers, useTrust } from '../state/trust';
import { Notice } from './chrome';

/** The chat's other members, from the chat list or (a deep link) the server. */
export function useChatMembers(chatId: string): readonly string[] | null {
  const { client, session } = useSignedIn();
  const listed = useChats((s) => s.list?.find((c) => c.chat.chatId === chatId)?.chat.members);
  const [fetched, setFetched] = useState<readonly string[] | null>(null);
  useEffect(() => {
    if (listed) return;
    let current = true;
    client.call('getChat', { params: { chatId } }).then(
      (chat) => current && setFetched(chat.members.map((m) => m.userId)),
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [client, chatId, listed]);
  const ids = listed ? listed.map((m) => m.userId) : fetched;
  return ids ? ids.filter((id) => id !== session.userId) : null;
}

/**
 * "X's safety number changed" for each member whose keys the server now presents differently from the
 * pins (checked when the chat opens); for a member the user verified, sending waits for their review.
 * Each member's safety number is a tap away.
 */
export function TrustBanner({ memberIds }: { memberIds: readonly string[] }) {
  const { client, session } = useSignedIn();
  const contacts = useTrust((s) => s.contacts);
  const refused = useTrust((s) => s.refusal);
  useTrust((s) => s.revision);
  const [error, setError] = useState<string | null>(null);
  // The member list by value: a new array with the same members is not a reason to check again.
  const key = memberIds.join(',');
  useEffect(() => {
    checkMembers(client, session, key.split(',').filter(Boolean)).catch((e: unknown) => setError(explainError(e)));
  }, [client, session, key]);
  if (!contacts) return error ? <Notice kind="error">{error}</Notice> : null;
  const refusal = contacts.replica.lastRefusal ?? refused;
  const trust = contacts.trust(memberIds);
  const pinned = memberIds.flatMap((id) => {
    const pin = contacts.pin(id);
    return pin ? [{ userId: id, pin }] : [];
  });
  return (
    <div className="trust">
      {trust.changed.map((c) => (
        <div key={c.userId} className="notice notice-error trust-warning" role="alert">
          <p>
            <strong>{c.username}’s safety number changed.</strong>{' '}
            {c.verified
              ? 'You had verified them: sending is paused until you review the change.'
              : 'Review it before trusting this chat.'}
          </p>
          <a className="button secondary small" href={hrefFor({ name: 'safety', userId: c.userId })}>
            Review safety number
          </a>
        </div>
      ))}
      {refusal && <Notice kind="error">The server offered contact keys this phone refused: {refusal}</Notice>}
      {error && <Notice kind="error">{error}</Notice>}
      {trust.changed.length === 0 && pinned.length > 0 && (
        <p className="trust-members">
          {pinned.map(({ userId, pin }) => (
            <a key={userId} href={hrefFor({ name: 'safety', userId })}>
              {pin.verified ? '✓ ' : ''}
              {pin.username}: safety number
            </a>
          ))}
        </p>
      )}
    </div>
  );
}
