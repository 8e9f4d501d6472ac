/**
 * Local wall time in a borrower's IANA zone, with Intl only. Every contact rule counts local
 * days and local minutes, so the conversions live here once, with formatters cached per zone:
 * building an Intl.DateTimeFormat costs far more than using one, and a decision converts the
 * same few dozen instants many times.
 */
import { addDays } from "../clock";
import type { IsoWeekday } from "./types";

export { addDays };

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat | null>();

/** The cached formatter for `zone`, or null when this runtime does not know the zone. */
function formatterOf(zone: string): Intl.DateTimeFormat | null {
  let f = formatters.get(zone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat("en-CA", {
        timeZone: zone,
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
        hour: "2-digit",
        minute: "2-digit",
        second: "2-digit",
        hourCycle: "h23",
      });
    } catch {
      f = null;
    }
    formatters.set(zone, f);
  }
  return f;
}

/** Whether `zone` is an IANA time zone this runtime knows (cached, cheap to ask again). */
export function isKnownTimeZone(zone: string | null | undefined): zone is string {
  return typeof zone === "string" && zone.length > 0 && formatterOf(zone) !== null;
}

interface WallClock {
  /** YYYY-MM-DD */
  date: string;
  /** Whole minutes since local midnight, 0..1439. */
  minute: number;
  /** The wall time read as if it were UTC, in ms (seconds precision): wall minus instant is the offset. */
  wallMs: number;
}

// Rules ask for the same instants again and again (each history entry, once per rule and per
// step of the next-allowed search); a bounded cache keeps that to one Intl call each.
const wallCache = new Map<string, WallClock>();
const WALL_CACHE_LIMIT = 20_000;

function wallClockOf(at: Date, zone: string): WallClock {
  const ms = at.getTime();
  const key = `${zone}|${ms}`;
  const hit = wallCache.get(key);
  if (hit) return hit;
  const f = formatterOf(zone);
  if (!f) throw new RangeError(`Unknown time zone: ${zone}`);
  const p: Record<string, string> = {};
  for (const part of f.formatToParts(at)) p[part.type] = part.value;
  const hour = Number(p.hour) % 24;
  const minute = Number(p.minute);
  const wall: WallClock = {
    date: `${p.year}-${p.month}-${p.day}`,
    minute: hour * 60 + minute,
    wallMs: Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), hour, minute, Number(p.second)),
  };
  if (wallCache.size >= WALL_CACHE_LIMIT) wallCache.clear();
  wallCache.set(key, wall);
  return wall;
}

/** The local calendar date (YYYY-MM-DD) of `at` in `zone`. */
export function localDateOf(at: Date, zone: string): string {
  return wallClockOf(at, zone).date;
}

/** Whole minutes since local midnight (0..1439) of `at` in `zone`; 20:59:59 is 1259. */
export function localMinuteOf(at: Date, zone: string): number {
  return wallClockOf(at, zone).minute;
}

/** The ISO weekday (Monday = 1 ... Sunday = 7) of a local date YYYY-MM-DD. */
export function isoWeekdayOf(localDate: string): IsoWeekday {
  const d = new Date(`${localDate}T00:00:00Z`).getUTCDay();
  return (d === 0 ? 7 : d) as IsoWeekday;
}

/** The zone's offset from UTC at instant `ms`, in ms (New York in winter: -5 h). */
function offsetAt(ms: number, zone: string): number {
  const whole = Math.floor(ms / 1000) * 1000;
  return wallClockOf(new Date(whole), zone).wallMs - whole;
}

/**
 * The instant at which the clocks in `zone` read `localDate` at `minuteOfDay` (0..1440; 1440 is
 * the next day's midnight). When that wall time does not exist (the hour skipped when clocks go
 * forward) it is the first instant after the gap; when it exists twice (clocks go back) the
 * earlier one.
 */
export function zonedInstant(localDate: string, minuteOfDay: number, zone: string): Date {
  const wall = Date.parse(`${localDate}T00:00:00Z`) + minuteOfDay * MINUTE_MS;
  // Any offset in force within a day of the wall time is a candidate; the valid ones read back
  // as the wall time asked for.
  const offsets = new Set([offsetAt(wall - DAY_MS, zone), offsetAt(wall, zone), offsetAt(wall + DAY_MS, zone)]);
  const valid = [...offsets].map((o) => wall - o).filter((t) => offsetAt(t, zone) === wall - t);
  if (valid.length > 0) return new Date(Math.min(...valid));
  // A gap: before the change the wall time maps past the gap, after it before the gap. The
  // first valid instant after the gap is the change itself, found by halving to the minute.
  const [a, b] = [...offsets].map((o) => wall - o).sort((x, y) => x - y) as [number, number];
  let lo = a;
  let hi = b;
  const before = offsetAt(lo, zone);
  while (hi - lo > MINUTE_MS) {
    const mid = lo + Math.floor((hi - lo) / 2 / MINUTE_MS) * MINUTE_MS;
    if (offsetAt(mid, zone) === before) lo = mid;
    else hi = mid;
  }
  return new Date(hi);
}

/** The instant local `localDate` begins in `zone` (its first valid instant). */
export function startOfLocalDay(localDate: string, zone: string): Date {
  return zonedInstant(localDate, 0, zone);
}

/** `14:05` for minute 845; 1440 is `24:00`. */
export function formatMinute(minuteOfDay: number): string {
  const h = Math.floor(minuteOfDay / 60);
  const m = minuteOfDay % 60;
  return `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`;
}
