import type {
  IpcEventName,
  IpcEventPayload,
  IpcInput,
  IpcOutput,
  IpcRequestName,
  IpcResult,
} from '../../../../common/contract/ipc';

export class SymcError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'SymcError';
  }
}

/** One request to the app through window.symc; a refusal becomes a SymcError with the service's code and message. */
export async function call<N extends IpcRequestName>(name: N, input: IpcInput<N>): Promise<IpcOutput<N>> {
  const method = window.symc[name] as unknown as (input: IpcInput<N>) => Promise<IpcResult<IpcOutput<N>>>;
  const result = await method(input);
  if (!result.ok) throw new SymcError(result.error.code, result.error.message);
  return result.value as IpcOutput<N>;
}

export function on<E extends IpcEventName>(event: E, listener: (payload: IpcEventPayload<E>) => void): () => void {
  return window.symc.on(event, listener);
}
