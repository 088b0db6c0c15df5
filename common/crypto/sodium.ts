import sodiumModule from 'libsodium-wrappers-sumo';

/**
 * libsodium is loaded asynchronously (WebAssembly). Every entry point of an app awaits `initCrypto()`
 * once; after that all crypto functions are synchronous. Calling one before initialisation is a bug,
 * so it throws instead of silently awaiting.
 */
let ready = false;

export async function initCrypto(): Promise<void> {
  await sodiumModule.ready;
  ready = true;
}

export function sodium(): typeof sodiumModule {
  if (!ready) throw new Error('initCrypto() must be awaited before using the crypto module');
  return sodiumModule;
}
