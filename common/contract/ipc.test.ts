import { randomUUID } from 'node:crypto';
import { IPC_EVENT_NAMES, IPC_REQUEST_NAMES, ipcRequests } from './ipc';
import { createSymcApi, type IpcTransport } from './ipc-client';
import { createIpcDispatch, IpcError, type IpcHandlers } from './ipc-server';

const ok = { ok: true as const };
const snapshot = {
  screen: 'pairing' as const,
  account: null,
  pairing: { kind: 'idle' as const },
  sync: null,
  lastOpenedChatId: null,
};

/** Handlers that answer correctly, with per-test overrides. */
function handlers(overrides: Partial<Record<keyof IpcHandlers, (input: never) => unknown>> = {}): IpcHandlers {
  const all = Object.fromEntries(IPC_REQUEST_NAMES.map((name) => [name, () => ok])) as Record<string, unknown>;
  all['getState'] = () => snapshot;
  return { ...all, ...overrides } as unknown as IpcHandlers;
}

describe('createIpcDispatch (the receiving end of every request)', () => {
  it('answers a valid request with the handler’s validated value', async () => {
    const chatId = randomUUID();
    let seen: unknown;
    const dispatch = createIpcDispatch(
      handlers({
        sendMessage: (input) => {
          seen = input;
          return { messageId: randomUUID(), queued: false, failed: null };
        },
      }),
    );
    const result = await dispatch('sendMessage', { chatId, text: '  hi  ' });
    expect(result).toEqual({ ok: true, value: { messageId: expect.any(String), queued: false, failed: null } });
    expect(seen).toEqual({ chatId, text: 'hi' }); // the handler gets the parsed input (trimmed)
  });

  it('refuses an unknown channel, including inherited property names', async () => {
    const dispatch = createIpcDispatch(handlers());
    for (const channel of ['deleteEverything', 'constructor', '__proto__', 42, null]) {
      await expect(dispatch(channel, {})).resolves.toEqual({
        ok: false,
        error: { code: 'unknown_channel', message: expect.stringContaining('unknown IPC channel') },
      });
    }
  });

  it('refuses invalid payloads with the field and the reason, without calling the handler', async () => {
    let called = false;
    const dispatch = createIpcDispatch(
      handlers({ sendMessage: () => ((called = true), { messageId: randomUUID(), queued: false, failed: null }) }),
    );
    const cases: Array<[unknown, RegExp]> = [
      [{ chatId: 'not-a-uuid', text: 'hi' }, /chatId/],
      [{ chatId: randomUUID(), text: '   ' }, /text: a message cannot be empty/],
      [{ chatId: randomUUID(), text: 'x'.repeat(16_001) }, /text/],
      [{ chatId: randomUUID(), text: 'hi', extra: true }, /extra/],
      ['a string', /expected object/i],
    ];
    for (const [payload, message] of cases) {
      const result = await dispatch('sendMessage', payload);
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.error.code).toBe('invalid_request');
        expect(result.error.message).toMatch(message);
      }
    }
    expect(called).toBe(false);
    // A budget outside its limits is refused the same way.
    await expect(dispatch('setBudget', { maxChats: 0, maxBytes: 10 })).resolves.toMatchObject({
      ok: false,
      error: { code: 'invalid_request' },
    });
  });

  it('passes an IpcError through, wraps any other failure, and catches an answer that breaks the contract', async () => {
    const internal: string[] = [];
    const dispatch = createIpcDispatch(
      handlers({
        listChats: () => {
          throw new IpcError('wrong_state', 'This desktop is not linked yet.');
        },
        getStorage: () => {
          throw new Error('disk on fire');
        },
        getState: () => ({ screen: 'somewhere else' }),
      }),
      (channel) => internal.push(channel),
    );
    await expect(dispatch('listChats', {})).resolves.toEqual({
      ok: false,
      error: { code: 'wrong_state', message: 'This desktop is not linked yet.' },
    });
    await expect(dispatch('getStorage', {})).resolves.toEqual({
      ok: false,
      error: { code: 'failed', message: 'getStorage failed: disk on fire' },
    });
    await expect(dispatch('getState', {})).resolves.toMatchObject({ ok: false, error: { code: 'invalid_response' } });
    expect(internal).toEqual(['getStorage', 'getState']);
  });
});

describe('createSymcApi (window.symc, generated from the table)', () => {
  function loopback(
    dispatch = createIpcDispatch(handlers()),
  ): IpcTransport & { emit(event: string, payload: unknown): void } {
    const listeners = new Set<(event: string, payload: unknown) => void>();
    return {
      invoke: (channel, payload) => dispatch(channel, payload),
      subscribe: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      emit: (event, payload) => listeners.forEach((l) => l(event, payload)),
    };
  }

  it('has exactly one method per request channel, plus on — nothing generic', () => {
    const api = createSymcApi(loopback());
    expect(Object.keys(api).sort()).toEqual([...IPC_REQUEST_NAMES, 'on'].sort());
    expect(Object.isFrozen(api)).toBe(true);
    expect(IPC_REQUEST_NAMES).toEqual(Object.keys(ipcRequests));
  });

  it('round-trips a request through the dispatcher', async () => {
    const api = createSymcApi(loopback());
    await expect(api.getState({})).resolves.toEqual({ ok: true, value: snapshot });
    await expect(api.openChat({ chatId: 'nope' })).resolves.toMatchObject({
      ok: false,
      error: { code: 'invalid_request' },
    });
  });

  it('turns a malformed reply or a dead transport into a clear error', async () => {
    const bad = createSymcApi({
      invoke: async () => ({ ok: true, value: { screen: 42 } }),
      subscribe: () => () => undefined,
    });
    await expect(bad.getState({})).resolves.toMatchObject({ ok: false, error: { code: 'invalid_response' } });
    const garbage = createSymcApi({ invoke: async () => 'garbage', subscribe: () => () => undefined });
    await expect(garbage.getState({})).resolves.toMatchObject({ ok: false, error: { code: 'invalid_response' } });
    const dead = createSymcApi({
      invoke: async () => Promise.reject(new Error('socket closed')),
      subscribe: () => () => undefined,
    });
    await expect(dead.getState({})).resolves.toEqual({
      ok: false,
      error: { code: 'unavailable', message: expect.stringContaining('socket closed') },
    });
  });

  it('delivers valid events to their listeners and drops invalid or unknown ones', () => {
    const transport = loopback();
    const problems: string[] = [];
    const api = createSymcApi(transport, (p) => problems.push(p));
    const seen: unknown[] = [];
    const off = api.on('chatsChanged', (payload) => seen.push(payload));
    const chatId = randomUUID();
    transport.emit('chatsChanged', { chatIds: [chatId], chats: [] });
    transport.emit('chatsChanged', { chatIds: ['not-a-uuid'], chats: [] });
    transport.emit('mystery', {});
    expect(seen).toEqual([{ chatIds: [chatId], chats: [] }]);
    expect(problems).toEqual(['event "chatsChanged" does not match the contract', 'unknown event "mystery"']);
    off();
    transport.emit('chatsChanged', { chatIds: [chatId], chats: [] });
    expect(seen).toHaveLength(1);
    expect(() => api.on('nonsense' as never, () => undefined)).toThrow('unknown event');
    expect(IPC_EVENT_NAMES).toContain('syncProgress');
  });
});
