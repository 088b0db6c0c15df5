import type { z } from 'zod';
import {
  type IpcErrorCode,
  type IpcEventName,
  type IpcEventPayload,
  ipcEvents,
  type IpcOutput,
  type IpcParsedInput,
  type IpcRequestName,
  ipcRequests,
  type IpcResult,
} from './ipc';

/** An error a handler throws on purpose; its code and message reach the renderer as they are. */
export class IpcError extends Error {
  constructor(
    readonly code: IpcErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'IpcError';
  }
}

/** What the app service implements: one handler per request channel, given the already-validated input. */
export type IpcHandlers = {
  readonly [N in IpcRequestName]: (input: IpcParsedInput<N>) => Promise<IpcOutput<N>> | IpcOutput<N>;
};

export type IpcDispatch = (channel: unknown, payload: unknown) => Promise<IpcResult<unknown>>;

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(input)'}: ${issue.message}`)
    .join('; ');
}

export function isIpcRequestName(channel: unknown): channel is IpcRequestName {
  return typeof channel === 'string' && Object.prototype.hasOwnProperty.call(ipcRequests, channel);
}

/**
 * The receiving end of every request, whatever carried it (ipcMain, the headless host): the channel must
 * be in the table, the payload must match its schema, and the handler's answer must match the response
 * schema too (a bug in the service shows up as a clear error, not as a malformed screen). Never throws.
 */
export function createIpcDispatch(
  handlers: IpcHandlers,
  onInternalError?: (channel: string, error: unknown) => void,
): IpcDispatch {
  return async (channel, payload) => {
    if (!isIpcRequestName(channel)) {
      return {
        ok: false,
        error: { code: 'unknown_channel', message: `unknown IPC channel "${String(channel).slice(0, 64)}"` },
      };
    }
    const spec = ipcRequests[channel];
    const input = spec.input.safeParse(payload ?? {});
    if (!input.success) {
      return { ok: false, error: { code: 'invalid_request', message: `${channel}: ${describeIssues(input.error)}` } };
    }
    let value: unknown;
    try {
      value = await (handlers[channel] as (input: unknown) => unknown)(input.data);
    } catch (error) {
      if (error instanceof IpcError) return { ok: false, error: { code: error.code, message: error.message } };
      onInternalError?.(channel, error);
      return {
        ok: false,
        error: { code: 'failed', message: `${channel} failed: ${(error as Error)?.message ?? String(error)}` },
      };
    }
    const output = spec.output.safeParse(value);
    if (!output.success) {
      onInternalError?.(channel, output.error);
      return {
        ok: false,
        error: {
          code: 'invalid_response',
          message: `${channel} produced an invalid answer: ${describeIssues(output.error)}`,
        },
      };
    }
    return { ok: true, value: output.data };
  };
}

/** Checks an event payload before it is pushed (the service's own mistake is caught at the source). */
export function checkIpcEvent<E extends IpcEventName>(event: E, payload: IpcEventPayload<E>): IpcEventPayload<E> {
  return ipcEvents[event].parse(payload) as IpcEventPayload<E>;
}
