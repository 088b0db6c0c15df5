/** What the sync reports about an event it could not use (shown in the sync details; the event is skipped). */
export type SyncProblemCode =
  | 'malformed_json'
  | 'invalid_payload'
  | 'unknown_event'
  | 'undecryptable_chat'
  | 'undecryptable_message'
  /** A chat's newer key versions did not verify against its signed membership (docs/GROUPS.md): dropped. */
  | 'unverified_keys';

export interface SyncProblem {
  readonly code: SyncProblemCode;
  readonly event: string;
  readonly message: string;
}
