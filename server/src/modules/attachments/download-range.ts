/**
 * Parses a `Range` header against a blob of `size` bytes (RFC 9110 §14.1.2, one range only — what resuming
 * clients send). Returns null when there is no header (the whole blob), 'unsatisfiable' for a range that
 * can't be served (416), and the inclusive byte span otherwise. Several ranges are refused as unsatisfiable
 * rather than answered as multipart: no client of ours asks for them.
 */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | null | 'unsatisfiable' {
  if (header === undefined) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return 'unsatisfiable';
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (!Number.isSafeInteger(start) || start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}
