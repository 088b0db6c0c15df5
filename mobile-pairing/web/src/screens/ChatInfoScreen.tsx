import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { explainError } from '../../../src/core/explain-error';
import {
  addMember,
  type ChatMembers,
  chatMembers,
  leaveGroup,
  removeMember,
  renameGroup,
} from '../../../src/core/groups';
import { AppBar, Notice, Spinner } from '../components/chrome';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { useChats } from '../state/chats';
import { useDraftSync } from '../drafts';
import { hrefFor, navigate } from '../state/router';
import { useSignedIn } from '../state/session';
import { trustFor, useTrust } from '../state/trust';

type Confirm =
  | { readonly kind: 'remove'; readonly userId: string; readonly name: string }
  | { readonly kind: 'leave' }
  | { readonly kind: 'delete' };

/**
 * A chat's members and this user's prefs for it (docs/GROUPS.md, docs/MESSAGES.md "Chat preferences"):
 * the members the signed statements prove, each with their safety-number state; rename, add by exact
 * username, remove, leave; mute, archive, delete for me (synced encrypted to the user's other devices).
 */
export function ChatInfoScreen({ chatId }: { chatId: string }) {
  const { client, session } = useSignedIn();
  const drafts = useDraftSync();
  const listTitle = useChats((s) => s.list?.find((c) => c.chat.chatId === chatId)?.title);
  const pref = useChats((s) => s.prefs[chatId]) ?? {};
  const contacts = useTrust((s) => s.contacts);
  useTrust((s) => s.revision);
  const [members, setMembers] = useState<ChatMembers | null>(null);
  const [title, setTitle] = useState('');
  const [newMember, setNewMember] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [confirm, setConfirm] = useState<Confirm | null>(null);
  // A toggle shows the value asked for while it is saved (then what was saved: the asked value, or the old one
  // with the error); a checkbox that waits for the round trip looks as if the tap was lost.
  const [pending, setPending] = useState<{ readonly muted?: boolean; readonly archived?: boolean }>({});

  const load = useCallback(async () => {
    await trustFor(client, session);
    const loaded = await chatMembers(client, session, chatId);
    setMembers(loaded);
  }, [client, session, chatId]);
  useEffect(() => {
    load().catch((e: unknown) => setError(explainError(e)));
    useChats
      .getState()
      .loadPrefs(client, session)
      .catch(() => undefined);
  }, [load, client, session]);
  useEffect(() => {
    if (listTitle) setTitle((t) => t || listTitle);
  }, [listTitle]);

  async function run(action: () => Promise<unknown>, done: string | null) {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      await action();
      setNotice(done);
      return true;
    } catch (e) {
      setError(explainError(e));
      return false;
    } finally {
      setBusy(false);
    }
  }

  const refreshAll = async () => {
    await load();
    await useChats.getState().refreshList(client, session);
  };

  const nameOf = (userId: string) =>
    userId === session.userId ? `${session.username} (you)` : (contacts?.pin(userId)?.username ?? 'Unknown member');

  async function rename(event: FormEvent) {
    event.preventDefault();
    await run(async () => {
      await renameGroup(client, session, chatId, title);
      await refreshAll();
    }, 'Renamed for everyone in the chat.');
  }

  async function add(event: FormEvent) {
    event.preventDefault();
    if (
      await run(async () => {
        await addMember(client, session, chatId, newMember);
        await refreshAll();
      }, `Added ${newMember.trim()}. They can read what is sent from now on.`)
    )
      setNewMember('');
  }

  async function confirmed() {
    const what = confirm;
    setConfirm(null);
    if (!what) return;
    if (what.kind === 'remove') {
      await run(async () => {
        await removeMember(client, session, chatId, what.userId);
        await refreshAll();
      }, `Removed ${what.name}. The chat has a new key they don’t have.`);
    } else if (what.kind === 'leave') {
      if (await run(() => leaveGroup(client, chatId), null)) {
        await useChats
          .getState()
          .refreshList(client, session)
          .catch(() => undefined);
        navigate({ name: 'chats' }, { replace: true });
      }
    } else {
      // Up to the newest message this phone knows (server time), so clocks can't hide a later one.
      const last = useChats.getState().list?.find((c) => c.chat.chatId === chatId)?.lastMessage;
      const deletedAt = last ? Date.parse(last.record.createdAt) : Date.now();
      if (await run(() => useChats.getState().setPref(client, session, chatId, { deletedAt, archived: false }), null)) {
        // The chat's draft goes with it, on every device (an empty draft is a delete); its desktops purge the rest.
        if (drafts.read(chatId) !== null) drafts.changed(chatId, '');
        navigate({ name: 'chats' }, { replace: true });
      }
    }
  }

  const togglePref = (field: 'muted' | 'archived', value: boolean) => {
    setPending((p) => ({ ...p, [field]: value }));
    void run(
      () => useChats.getState().setPref(client, session, chatId, { [field]: value }),
      field === 'muted'
        ? value
          ? 'Muted on all your devices.'
          : 'Notifications back on.'
        : value
          ? 'Archived on all your devices.'
          : 'Back in your chat list.',
    ).finally(() =>
      setPending((p) => {
        const { [field]: _saved, ...rest } = p;
        return rest;
      }),
    );
  };

  return (
    <>
      <AppBar title={listTitle ?? 'Chat info'} back={{ name: 'chat', chatId }} subtitle="Members and settings" />
      <main className="content padded">
        {error && <Notice kind="error">{error}</Notice>}
        {notice && <Notice kind="success">{notice}</Notice>}

        <section className="card chat-settings" aria-label="This chat on your devices">
          <label className="toggle-row">
            <span>Mute notifications</span>
            <input
              type="checkbox"
              name="muted"
              checked={pending.muted ?? pref.muted === true}
              disabled={busy}
              onChange={(e) => togglePref('muted', e.target.checked)}
            />
          </label>
          <label className="toggle-row">
            <span>Archive</span>
            <input
              type="checkbox"
              name="archived"
              checked={pending.archived ?? pref.archived === true}
              disabled={busy}
              onChange={(e) => togglePref('archived', e.target.checked)}
            />
          </label>
          <small className="hint">Synced encrypted to your other devices; the server can’t tell which chat.</small>
        </section>

        <form className="form card" onSubmit={rename} aria-label="Rename the chat">
          <label className="field">
            <span>Chat name</span>
            <input name="title" maxLength={200} value={title} onChange={(e) => setTitle(e.target.value)} />
          </label>
          <button type="submit" className="button secondary block" disabled={busy || !title.trim()}>
            Rename
          </button>
        </form>

        <section className="card" aria-label="Members">
          <h2>Members{members ? ` (${members.members.length})` : ''}</h2>
          {!members && !error && <Spinner label="Checking the signed member list…" />}
          {members && (
            <ul className="member-list">
              {members.members.map((userId) => {
                const pin = userId === session.userId ? null : contacts?.pin(userId);
                const state =
                  userId === session.userId
                    ? null
                    : pin?.pendingChange
                      ? { text: 'Safety number changed — review it', changed: true }
                      : pin?.verified
                        ? { text: '✓ Verified safety number', changed: false }
                        : { text: 'Safety number not verified', changed: false };
                return (
                  <li key={userId} className="member-row" data-member={nameOf(userId)}>
                    <span>
                      {nameOf(userId)}
                      {state && (
                        <a
                          className={state.changed ? 'member-state changed' : 'member-state'}
                          href={hrefFor({ name: 'safety', userId })}
                        >
                          {state.text}
                        </a>
                      )}
                    </span>
                    {userId !== session.userId && (
                      <button
                        type="button"
                        className="button danger-outline small"
                        disabled={busy}
                        onClick={() => setConfirm({ kind: 'remove', userId, name: nameOf(userId) })}
                      >
                        Remove
                      </button>
                    )}
                  </li>
                );
              })}
              {members.unverified.map((userId) => (
                <li key={userId} className="member-row">
                  <span>
                    {nameOf(userId)}
                    <span className="member-state changed">
                      Listed by the server, but no signed change added them: nothing is sent to them.
                    </span>
                  </span>
                </li>
              ))}
            </ul>
          )}
          <form className="form" onSubmit={add} aria-label="Add a member">
            <label className="field">
              <span>Add someone (exact username)</span>
              <input
                name="username"
                autoCapitalize="none"
                autoCorrect="off"
                spellCheck={false}
                value={newMember}
                onChange={(e) => setNewMember(e.target.value)}
              />
            </label>
            <button type="submit" className="button secondary block" disabled={busy || !newMember.trim()}>
              Add member
            </button>
            <small className="hint">They get a new key: they can’t read what was sent before they joined.</small>
          </form>
        </section>

        <section className="card chat-settings" aria-label="Leave or delete">
          <button type="button" className="button danger-outline block" onClick={() => setConfirm({ kind: 'delete' })}>
            Delete chat for me
          </button>
          <button type="button" className="button danger block" onClick={() => setConfirm({ kind: 'leave' })}>
            Leave chat
          </button>
        </section>
        {busy && <Spinner label="Working…" />}
      </main>
      <ConfirmDialog
        open={confirm !== null}
        title={
          confirm?.kind === 'remove'
            ? `Remove ${confirm.name}?`
            : confirm?.kind === 'leave'
              ? 'Leave this chat?'
              : 'Delete this chat for you?'
        }
        confirmLabel={confirm?.kind === 'remove' ? 'Remove' : confirm?.kind === 'leave' ? 'Leave' : 'Delete'}
        danger
        busy={busy}
        onCancel={() => setConfirm(null)}
        onConfirm={() => void confirmed()}
      >
        {confirm?.kind === 'remove'
          ? 'They keep what they already received and can read nothing sent after this.'
          : confirm?.kind === 'leave'
            ? 'You stop receiving its messages on all your devices. Someone must add you to come back.'
            : 'It goes from all your devices. It comes back if someone writes again, with only the new messages.'}
      </ConfirmDialog>
    </>
  );
}
