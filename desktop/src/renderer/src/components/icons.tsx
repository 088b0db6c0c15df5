/** Small inline SVG icons (no emoji: not every system has an emoji font). */
const base = {
  width: 16,
  height: 16,
  viewBox: '0 0 24 24',
  fill: 'none',
  stroke: 'currentColor',
  strokeWidth: 2,
  strokeLinecap: 'round',
  strokeLinejoin: 'round',
} as const;

export const PinIcon = () => (
  <svg {...base} width={12} height={12} aria-hidden="true">
    <path d="M12 17v5M9 3h6l-1 7 4 4H6l4-4z" />
  </svg>
);
export const PhoneIcon = () => (
  <svg {...base} width={20} height={20} aria-hidden="true">
    <rect x="7" y="2" width="10" height="20" rx="2" />
    <path d="M11 18h2" />
  </svg>
);
export const LaptopIcon = () => (
  <svg {...base} width={20} height={20} aria-hidden="true">
    <rect x="4" y="5" width="16" height="11" rx="1.5" />
    <path d="M2 19h20" />
  </svg>
);
export const ClockIcon = () => (
  <svg {...base} width={12} height={12} aria-hidden="true">
    <circle cx="12" cy="12" r="9" />
    <path d="M12 7v5l3 2" />
  </svg>
);
