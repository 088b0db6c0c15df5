/**
 * The platform APIs common/ may use: the ones Node ≥ 20, browsers, Electron's renderer and service
 * workers all provide as globals (the WinterCG minimum common API), described as narrowly as common/
 * uses them. Only common/tsconfig.json reads this file (the root tsconfig excludes it): there, no Node,
 * jest or DOM types are ambient, so `Buffer`, `process`, `require` or `window` fail to compile. The
 * other programs get these names from @types/node or the DOM lib.
 */

declare class TextEncoder {
  encode(input?: string): Uint8Array;
}

declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean });
  decode(input?: Uint8Array): string;
}

declare class URLSearchParams {
  constructor(init?: string | Record<string, string>);
  get(name: string): string | null;
  has(name: string): boolean;
  set(name: string, value: string): void;
  toString(): string;
  [Symbol.iterator](): IterableIterator<[string, string]>;
}

declare class URL {
  constructor(url: string, base?: string | URL);
  readonly href: string;
  readonly origin: string;
  readonly protocol: string;
  readonly host: string;
  readonly hostname: string;
  readonly pathname: string;
  readonly search: string;
  readonly searchParams: URLSearchParams;
  toString(): string;
}

interface AbortSignal {
  readonly aborted: boolean;
}

interface Headers {
  get(name: string): string | null;
}

interface Response {
  readonly ok: boolean;
  readonly status: number;
  readonly headers: Headers;
  json(): Promise<unknown>;
  text(): Promise<string>;
}

interface RequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

declare function fetch(url: string, init?: RequestInit): Promise<Response>;

declare const timerHandle: unique symbol;
/** Opaque: a number in browsers, an object in Node. */
interface TimerHandle {
  readonly [timerHandle]: true;
}
declare function setTimeout(handler: () => void, ms?: number): TimerHandle;
declare function clearTimeout(handle: TimerHandle | undefined): void;

/** Web Crypto's CSPRNG (Node ≥ 19 has it as a global too). */
// `var`: only a var declaration makes `globalThis.crypto` (how random.ts reads it) type-check.
// eslint-disable-next-line no-var
declare var crypto: { getRandomValues<T extends ArrayBufferView>(array: T): T };
