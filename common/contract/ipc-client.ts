import {
  type IpcEventName,
  type IpcEventPayload,
  ipcEvents,
  type IpcRequestName,
  ipcRequests,
  type IpcResult,
  IpcErrorBody,
  IPC_REQUEST_NAMES,
  type SymcApi,
} from './ipc';

/** How a bridge reaches the service: Electron's ipcRenderer in the preload, fetch + EventSource headless. */
export interface IpcTransport {
  /** Sends one request; resolves with the service's envelope (or rejects when the transport itself failed). */
  invoke(channel: IpcRequestName, payload: unknown): Promise<unknown>;
  /** Delivers every pushed event as (name, payload) until the returned function is called. */
  subscribe(listener: (event: string, payload: unknown) => void): () => void;
}

/**
 * Builds window.symc from the contract table: one method per request channel and `on` for events. Answers
 * and events are validated here, on the receiving side; anything that does not match is turned into an
 * `invalid_response` error (or dropped, for events) instead of reaching the UI.
 */
export function createSymcApi(
  transport: IpcTransport,
  onProblem: (message: string) => void = () => undefined,
): SymcApi {
  const listeners = new Map<string, Set<(payload: never) => void>>();
  let unsubscribe: (() => void) | null = null;

  const deliver = (event: string, payload: unknown): void => {
    if (!Object.prototype.hasOwnProperty.call(ipcEvents, event)) return onProblem(`unknown event "${event}"`);
    const parsed = ipcEvents[event as IpcEventName].safeParse(payload);
    if (!parsed.success) return onProblem(`event "${event}" does not match the contract`);
    for (const listener of listeners.get(event) ?? []) (listener as (payload: unknown) => void)(parsed.data);
  };

  const call = async (channel: IpcRequestName, input: unknown): Promise<IpcResult<unknown>> => {
    let reply: unknown;
    try {
      reply = await transport.invoke(channel, input);
    } catch (error) {
      return {
        ok: false,
        error: {
          code: 'unavailable',
          message: `the app did not answer ${channel}: ${(error as Error)?.message ?? error}`,
        },
      };
    }
    const envelope = reply as { ok?: unknown; value?: unknown; error?: unknown } | null;
    if (envelope && envelope.ok === false) {
      const error = IpcErrorBody.safeParse(envelope.error);
      return {
        ok: false,
        error: error.success ? error.data : { code: 'invalid_response', message: `${channel}: malformed error` },
      };
    }
    if (!envelope || envelope.ok !== true)
      return { ok: false, error: { code: 'invalid_response', message: `${channel}: malformed reply` } };
    const value = ipcRequests[channel].output.safeParse(envelope.value);
    if (!value.success)
      return {
        ok: false,
        error: { code: 'invalid_response', message: `${channel}: the answer does not match the contract` },
      };
    return { ok: true, value: value.data };
  };

  const api: Record<string, unknown> = {};
  for (const name of IPC_REQUEST_NAMES) api[name] = (input: unknown) => call(name, input);
  api['on'] = <E extends IpcEventName>(event: E, listener: (payload: IpcEventPayload<E>) => void): (() => void) => {
    if (!Object.prototype.hasOwnProperty.call(ipcEvents, event)) throw new Error(`unknown event "${String(event)}"`);
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    set.add(listener as (payload: never) => void);
    unsubscribe ??= transport.subscribe(deliver);
    return () => {
      set.delete(listener as (payload: never) => void);
    };
  };
  return Object.freeze(api) as SymcApi;
}
