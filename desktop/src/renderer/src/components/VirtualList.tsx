import { type ReactNode, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';

interface VirtualListProps<T> {
  readonly items: readonly T[];
  readonly keyOf: (item: T) => string;
  readonly render: (item: T) => ReactNode;
  /** Height guess for rows not measured yet (px). */
  readonly estimate: number;
  readonly label: string;
  /** Scroll this row into view (search hit). */
  readonly focusKey?: string | null;
  /** Called when the user scrolls near the top (load older). */
  readonly onReachTop?: () => void;
  /** Each change of this value scrolls to the newest row (jump to latest, the user's own send). */
  readonly scrollToEnd?: number;
  /** Whether the newest row is in view, each time that changes. */
  readonly onAtBottomChange?: (atBottom: boolean) => void;
}

const OVERSCAN_PX = 600;
const BOTTOM_SLACK_PX = 48;

/**
 * A small hand-rolled windowed list for long chats (no virtualisation library is installed): only rows
 * near the viewport are in the DOM, each absolutely placed at its offset. Row heights are measured after
 * render and cached by key; unmeasured rows use the estimate. It sticks to the bottom while the user is
 * there (new messages), and keeps the view still when older rows are prepended.
 */
export function VirtualList<T>({
  items,
  keyOf,
  render,
  estimate,
  label,
  focusKey,
  onReachTop,
  scrollToEnd,
  onAtBottomChange,
}: VirtualListProps<T>) {
  const container = useRef<HTMLDivElement>(null);
  const heights = useRef(new Map<string, number>());
  const atBottom = useRef(true);
  const reportedBottom = useRef(true);
  const setAtBottom = useCallback(
    (value: boolean) => {
      atBottom.current = value;
      if (reportedBottom.current === value) return;
      reportedBottom.current = value;
      onAtBottomChange?.(value);
    },
    [onAtBottomChange],
  );
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(600);
  const [measured, setMeasured] = useState(0);

  const keys = useMemo(() => items.map(keyOf), [items, keyOf]);
  const tops = useMemo(() => {
    const result = new Array<number>(keys.length + 1);
    result[0] = 0;
    keys.forEach((key, i) => (result[i + 1] = result[i]! + (heights.current.get(key) ?? estimate)));
    return result;
    // `measured` changes when a row's measured height does.
  }, [keys, estimate, measured]);
  const total = tops[keys.length] ?? 0;

  let start = 0;
  while (start < keys.length && tops[start + 1]! < scrollTop - OVERSCAN_PX) start++;
  let end = start;
  while (end < keys.length && tops[end]! < scrollTop + viewport + OVERSCAN_PX) end++;

  useEffect(() => {
    const el = container.current;
    if (!el) return undefined;
    const observer = new ResizeObserver(() => setViewport(el.clientHeight));
    observer.observe(el);
    setViewport(el.clientHeight);
    return () => observer.disconnect();
  }, []);

  // Older rows prepended: shift the scroll position by what was added above, so nothing jumps.
  const firstKey = useRef<string | null>(null);
  useLayoutEffect(() => {
    const el = container.current;
    const previous = firstKey.current;
    firstKey.current = keys[0] ?? null;
    if (!el || previous === null || previous === keys[0]) return;
    const index = keys.indexOf(previous);
    if (index > 0 && !atBottom.current) el.scrollTop += tops[index]!;
  }, [keys]);

  useLayoutEffect(() => {
    const el = container.current;
    if (el && atBottom.current && !focusKey) el.scrollTop = el.scrollHeight;
  }, [total, focusKey]);

  useLayoutEffect(() => {
    const el = container.current;
    if (!el || !focusKey) return;
    const index = keys.indexOf(focusKey);
    if (index < 0) return;
    setAtBottom(false);
    el.scrollTop = Math.max(0, tops[index]! - el.clientHeight / 3);
    setScrollTop(el.scrollTop);
    // Only when the target changes (or first appears), not on every measurement.
  }, [focusKey, keys.indexOf(focusKey ?? '')]);

  const onScroll = useCallback(() => {
    const el = container.current;
    if (!el) return;
    setAtBottom(el.scrollHeight - el.scrollTop - el.clientHeight < BOTTOM_SLACK_PX);
    setScrollTop(el.scrollTop);
    if (el.scrollTop < 200) onReachTop?.();
  }, [onReachTop, setAtBottom]);

  // Asked to go to the newest row: it sticks there again as rows are measured and added.
  useLayoutEffect(() => {
    const el = container.current;
    if (!el || scrollToEnd === undefined || scrollToEnd === 0) return;
    el.scrollTop = el.scrollHeight;
    setAtBottom(true);
    setScrollTop(el.scrollTop);
  }, [scrollToEnd]);

  const measure = useCallback((key: string, el: HTMLElement | null) => {
    if (!el) return;
    const height = el.offsetHeight;
    if (height > 0 && heights.current.get(key) !== height) {
      heights.current.set(key, height);
      setMeasured((n) => n + 1);
    }
  }, []);

  return (
    <div className="virtual-list" ref={container} onScroll={onScroll} role="log" aria-label={label} tabIndex={0}>
      <div className="virtual-canvas" style={{ height: total }}>
        {items.slice(start, end).map((item, i) => {
          const key = keys[start + i]!;
          return (
            <div
              key={key}
              className="virtual-row"
              style={{ transform: `translateY(${tops[start + i]}px)` }}
              ref={(el) => measure(key, el)}
            >
              {render(item)}
            </div>
          );
        })}
      </div>
    </div>
  );
}
