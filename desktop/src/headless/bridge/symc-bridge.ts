/**
 * Browser side of the headless host: window.symc over HTTP, generated from the IPC contract table
 * (createSymcApi iterates it). One POST per request to ./ipc/<channel>; pushed events arrive on one
 * EventSource at ./events. The page URL's first path segment is the per-run token, so relative URLs carry it.
 */
import { IPC_EVENT_NAMES, type IpcRequestName } from '../../../../common/contract/ipc';
import { createSymcApi } from '../../../../common/contract/ipc-client';
import { z } from 'zod';

// The page's CSP forbids eval: zod must not even probe for it (the probe is reported as a violation).
z.config({ jitless: true });

const base = new URL('./', window.location.href);

async function invoke(channel: IpcRequestName, payload: unknown): Promise<unknown> {
  const response = await fetch(new URL(`ipc/${channel}`, base), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(payload ?? {}),
  });
  const body = (await response.json()) as { ok?: boolean; error?: unknown };
  // The host answers errors as HTTP 4xx/5xx `{error:{code,message}}`; the renderer gets them as envelopes.
  return response.ok ? body : { ok: false, error: body.error };
}

function subscribe(listener: (event: string, payload: unknown) => void): () => void {
  const source = new EventSource(new URL('events', base));
  for (const name of IPC_EVENT_NAMES) {
    source.addEventListener(name, (event) => {
      let payload: unknown;
      try {
        payload = JSON.parse((event as MessageEvent<string>).data);
      } catch {
        return;
      }
      listener(name, payload);
    });
  }
  return () => source.close();
}

Object.defineProperty(window, 'symc', {
  value: createSymcApi({ invoke, subscribe }, (problem) => console.warn(`symc bridge: ${problem}`)),
  writable: false,
  configurable: false,
});
