// The wire contract: one module that the server, the desktop core, the preload, the renderer and the phone
// all import. HTTP bodies, SSE event payloads and IPC messages are each described here once, as zod
// schemas; the TypeScript types are inferred from them.
export * from './primitives';
export * from './errors';
export * from './http';
export * from './pairing-link';
export * from './sse';
export * from './ipc';
export * from './ipc-client';
export * from './ipc-server';
