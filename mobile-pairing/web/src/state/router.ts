import { create } from 'zustand';

/**
 * Hash routes, so the phone's back gesture works and a reload stays on the same screen without the
 * server knowing about client paths.
 */
export type Route =
  | { readonly name: 'chats' }
  | { readonly name: 'chat'; readonly chatId: string }
  /** A chat's members (rename, add, remove, leave) and this user's prefs for it (mute, archive, delete). */
  | { readonly name: 'chat-info'; readonly chatId: string }
  | { readonly name: 'new-chat' }
  | { readonly name: 'link' }
  | { readonly name: 'devices' }
  | { readonly name: 'safety'; readonly userId: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '');
  const chat = /^\/chats\/([0-9a-f-]{36})$/i.exec(path);
  if (chat?.[1]) return { name: 'chat', chatId: chat[1] };
  const info = /^\/chats\/([0-9a-f-]{36})\/info$/i.exec(path);
  if (info?.[1]) return { name: 'chat-info', chatId: info[1] };
  const safety = /^\/contacts\/([0-9a-f-]{36})\/safety$/i.exec(path);
  if (safety?.[1]) return { name: 'safety', userId: safety[1] };
  if (path === '/chats/new') return { name: 'new-chat' };
  if (path === '/link') return { name: 'link' };
  if (path === '/devices') return { name: 'devices' };
  return { name: 'chats' };
}

export function hrefFor(route: Route): string {
  switch (route.name) {
    case 'chats':
      return '#/chats';
    case 'chat':
      return `#/chats/${route.chatId}`;
    case 'chat-info':
      return `#/chats/${route.chatId}/info`;
    case 'new-chat':
      return '#/chats/new';
    case 'link':
      return '#/link';
    case 'devices':
      return '#/devices';
    case 'safety':
      return `#/contacts/${route.userId}/safety`;
  }
}

export const useRoute = create<{ route: Route }>()(() => ({ route: parseRoute(window.location.hash) }));

window.addEventListener('hashchange', () => useRoute.setState({ route: parseRoute(window.location.hash) }));

export function navigate(route: Route, options: { replace?: boolean } = {}): void {
  const href = hrefFor(route);
  if (options.replace) {
    window.history.replaceState(null, '', href);
    useRoute.setState({ route });
  } else {
    window.location.hash = href.slice(1);
  }
}
