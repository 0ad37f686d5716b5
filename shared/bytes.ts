import { parseQuantity } from './k8s/quantity.js';

/** Byte counts on screen, the same in the plugin, the planner's messages and the webhook's warnings. */

/** 1536 -> "1.50 KiB"; binary units, three significant digits. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '?';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const text = unit === 0 ? String(Math.round(value)) : value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
  return `${text} ${units[unit] ?? 'B'}`;
}

/** Kubernetes quantities for storage, e.g. "10Gi", "500M", "1e9" -> bytes (shared/k8s/quantity.ts's grammar); null when unreadable. */
export function quantityBytes(text: string | null): number | null {
  if (text === null) return null;
  const parsed = parseQuantity(text.trim());
  return parsed.ok ? Number(parsed.bytes) : null;
}
