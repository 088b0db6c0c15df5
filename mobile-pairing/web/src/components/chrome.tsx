import type { ReactNode } from 'react';
import { hrefFor, type Route, useRoute } from '../state/router';
import { BackIcon, ChatsIcon, DevicesIcon, QrIcon } from './icons';

/** The top bar: a back link where there is somewhere to go back to, the screen's title, and actions. */
export function AppBar({
  title,
  back,
  actions,
  subtitle,
}: {
  title: string;
  back?: Route;
  actions?: ReactNode;
  subtitle?: string;
}) {
  return (
    <header className="app-bar">
      {back && (
        <a className="icon-button" href={hrefFor(back)} aria-label="Back">
          <BackIcon />
        </a>
      )}
      <div className="app-bar-title">
        <h1>{title}</h1>
        {subtitle && <p className="app-bar-subtitle">{subtitle}</p>}
      </div>
      {actions && <div className="app-bar-actions">{actions}</div>}
    </header>
  );
}

const TABS: ReadonlyArray<{ route: Route; label: string; icon: ReactNode; matches: ReadonlyArray<Route['name']> }> = [
  {
    route: { name: 'chats' },
    label: 'Chats',
    icon: <ChatsIcon />,
    matches: ['chats', 'chat', 'chat-info', 'new-chat'],
  },
  { route: { name: 'link' }, label: 'Link desktop', icon: <QrIcon />, matches: ['link'] },
  { route: { name: 'devices' }, label: 'Devices', icon: <DevicesIcon />, matches: ['devices'] },
];

export function TabBar() {
  const current = useRoute((s) => s.route.name);
  return (
    <nav className="tab-bar" aria-label="Main">
      {TABS.map((tab) => {
        const active = tab.matches.includes(current);
        return (
          <a
            key={tab.label}
            href={hrefFor(tab.route)}
            className={active ? 'tab active' : 'tab'}
            aria-current={active ? 'page' : undefined}
          >
            {tab.icon}
            <span>{tab.label}</span>
          </a>
        );
      })}
    </nav>
  );
}

/** An error is announced at once (role=alert); information politely (role=status). */
export function Notice({
  kind,
  children,
  testId,
}: {
  kind: 'error' | 'info' | 'success';
  children: ReactNode;
  testId?: string;
}) {
  return (
    <div className={`notice notice-${kind}`} role={kind === 'error' ? 'alert' : 'status'} data-testid={testId}>
      {children}
    </div>
  );
}

export function Spinner({ label }: { label: string }) {
  return (
    <div className="spinner-row" role="status">
      <span className="spinner" aria-hidden="true" />
      <span>{label}</span>
    </div>
  );
}

export function Avatar({ text, hue, size = 44 }: { text: string; hue: number; size?: number }) {
  return (
    <span
      className="avatar"
      aria-hidden="true"
      ref={(el) => {
        // Set through the CSSOM (allowed by a 'self'-only style-src), not an inline style attribute.
        if (!el) return;
        el.style.setProperty('--avatar-hue', String(hue));
        el.style.setProperty('--avatar-size', `${size}px`);
      }}
    >
      {text}
    </span>
  );
}
