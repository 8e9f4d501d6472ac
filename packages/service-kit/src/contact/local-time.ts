/**
 * Local wall time in a borrower's IANA zone, with Intl only. Every contact rule counts local
 * days and local minutes, so the conversions live here once, with formatters cached per zone
 * (building an Intl.DateTimeFormat costs far more than using one).
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

/** The wall clock of `at` in `zone`, read with Intl. */
function wallClockByIntl(ms: number, zone: string): WallClock {
  const f = formatterOf(zone);
  if (!f) throw new RangeError(`Unknown time zone: ${zone}`);
  const p: Record<string, string> = {};
  for (const part of f.formatToParts(new Date(ms))) p[part.type] = part.value;
  const hour = Number(p.hour) % 24;
  const minute = Number(p.minute);
  return {
    date: `${p.year}-${p.month}-${p.day}`,
    minute: hour * 60 + minute,
    wallMs: Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), hour, minute, Number(p.second)),
  };
}

// A decision converts each past contact's instant several times, and every request brings its
// history afresh, so asking Intl per instant costs most of a decision. The zone's offset is the
// same all through almost every UTC day: it is asked once per zone and UTC day (at both ends of
// it) and the rest is arithmetic; only on a day the offset changes is Intl asked per instant.
// (No zone changes its offset twice within one day and back again.)
const dayOffsets = new Map<string, number | null>();
const DAY_OFFSETS_LIMIT = 50_000;

function offsetThroughUtcDay(day: number, zone: string): number | null {
  const key = `${zone}|${day}`;
  let o = dayOffsets.get(key);
  if (o === undefined) {
    const start = day * DAY_MS;
    const a = wallClockByIntl(start, zone).wallMs - start;
    const b = wallClockByIntl(start + DAY_MS - 1000, zone).wallMs - (start + DAY_MS - 1000);
    o = a === b ? a : null;
    if (dayOffsets.size >= DAY_OFFSETS_LIMIT) dayOffsets.clear();
    dayOffsets.set(key, o);
  }
  return o;
}

function wallClockOf(at: Date, zone: string): WallClock {
  const ms = at.getTime();
  if (!formatterOf(zone)) throw new RangeError(`Unknown time zone: ${zone}`);
  const offset = offsetThroughUtcDay(Math.floor(ms / DAY_MS), zone);
  if (offset === null) return wallClockByIntl(ms, zone);
  const local = ms + offset;
  const dayStart = Math.floor(local / DAY_MS) * DAY_MS;
  return {
    date: new Date(dayStart).toISOString().slice(0, 10),
    minute: Math.floor((local - dayStart) / MINUTE_MS),
    wallMs: Math.floor(local / 1000) * 1000,
  };
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
