/** Human wording for times, platforms and devices — one place, so every screen says it the same way. */

const PLATFORM_NAMES: Record<string, string> = {
  macos: 'macOS',
  windows: 'Windows',
  linux: 'Linux',
  ios: 'iOS',
  android: 'Android',
  web: 'Web browser',
};

export function platformName(platform: string): string {
  return PLATFORM_NAMES[platform] ?? platform;
}

export function relativeTime(iso: string | number, now = Date.now()): string {
  const then = typeof iso === 'number' ? iso : Date.parse(iso);
  const seconds = Math.round((now - then) / 1000);
  if (seconds < 10) return 'just now';
  if (seconds < 60) return `${seconds} seconds ago`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return minutes === 1 ? '1 minute ago' : `${minutes} minutes ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return hours === 1 ? '1 hour ago' : `${hours} hours ago`;
  const days = Math.round(hours / 24);
  if (days < 7) return days === 1 ? 'yesterday' : `${days} days ago`;
  return new Date(then).toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
}

export function clockTime(iso: string | number): string {
  return new Date(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

/** "14:03" today, "Tue" this week, "3 Mar" before. */
export function listTime(iso: string, now = Date.now()): string {
  const then = new Date(iso);
  const today = new Date(now);
  if (then.toDateString() === today.toDateString()) return clockTime(iso);
  if (now - then.getTime() < 6 * 86_400_000) return then.toLocaleDateString(undefined, { weekday: 'short' });
  return then.toLocaleDateString(undefined, { day: 'numeric', month: 'short' });
}

export function secondsLeft(iso: string, now = Date.now()): number {
  return Math.max(0, Math.ceil((Date.parse(iso) - now) / 1000));
}

/** A stable hue per id, so a chat keeps its avatar colour. */
export function hueFor(id: string): number {
  let h = 0;
  for (const ch of id) h = (h * 31 + ch.charCodeAt(0)) % 360;
  return h;
}

export function initials(text: string): string {
  const words = text
    .replace(/[^\p{L}\p{N}\s&]/gu, ' ')
    .split(/[\s&]+/)
    .filter(Boolean);
  return (words.length > 1 ? `${words[0]![0]}${words[1]![0]}` : (words[0] ?? '?').slice(0, 1)).toUpperCase();
}
