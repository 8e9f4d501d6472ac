import type { DataSource } from "typeorm";
import { Ctx, Directive, Field, FieldResolver, ID, Int, ObjectType, Resolver, Root, type ClassType } from "type-graphql";
import { DateTimeISOResolver } from "graphql-scalars";
import { SUBGRAPHS } from "@concord/schema";
import { decodeCursor, encodeCursor } from "../cursor";
import { badInput } from "../errors";
import { pageRequest } from "../paging";
import { auditFromRow, type AuditRecord } from "./audit-log";
import { definePolicies, NEVER, Policy, PUBLIC, Rows, value, type AccessContext } from "./policy";

/**
 * One audit trail over every subgraph's audit log. Each subgraph keeps its own hash-chained log
 * in its own database (`npm run audit:verify` walks each chain); `auditEntries` merges them, a
 * page at a time, through the federation itself:
 *
 * - every subgraph but the host adds one field to the entity `AuditEntryPage` (key `request`,
 *   the page asked for), `<name>Audit`: its own slice of the page, the entries after its own
 *   position, read from its own database with the caller's own rights (auditors only);
 * - the host (`AUDIT_TRAIL_HOST`, which serves `auditEntries`) declares those fields
 *   `@external` and its `entries` and `endCursor` `@requires` them: the gateway's plan fetches
 *   every slice, then hands them to the host, which merges them with its own.
 *
 * The merge is by time, each subgraph's entries in their chain order; the cursor holds a
 * position (the last sequence number taken) per subgraph, so every entry of every chain comes
 * exactly once however the pages fall. Each entry names its subgraph and carries its sequence
 * and hashes, so an auditor can check each chain from the trail as audit:verify does.
 */

/** The subgraph that serves `auditEntries`, merging every other subgraph's slice with its own. */
export const AUDIT_TRAIL_HOST = "loans";

/** The field of `AuditEntryPage` through which subgraph `name` hands its slice to the host. */
export const auditSliceField = (name: string): string => `${name}Audit`;

/** Entries in one page of the trail when the caller gives no `first`. */
export const AUDIT_PAGE_DEFAULT = 50;

/** The policy of the trail: auditors only. */
export const AUDIT_TRAIL = definePolicies({
  auditTrail: {
    description: "The audit trail: auditors only. Entries carry ids, never PII.",
    rules: { lender: NEVER, agency: NEVER, borrower: NEVER, auditor: value("anyone") },
  },
}).auditTrail;

@Directive("@shareable")
@ObjectType("AuditEntry", {
  description: "One record of a subgraph's hash-chained audit log: who was refused what, or shown which PII. Ids only, never PII.",
})
export class AuditTrailEntry {
  @Policy(AUDIT_TRAIL, "AuditEntry")
  @Field(() => ID)
  id: string;

  @Policy(AUDIT_TRAIL, "AuditEntry")
  @Field(() => String, { nullable: true, description: "The subgraph whose audit log holds the record (its chain)." })
  subgraph: string;

  @Policy(AUDIT_TRAIL, "AuditEntry")
  @Field(() => Int, { nullable: true, description: "Position in its subgraph's chain." })
  sequence: number;

  @Policy(AUDIT_TRAIL, "AuditEntry")
  @Field(() => DateTimeISOResolver, { nullable: true })
  occurredAt: Date;

  @Policy(AUDIT_TRAIL, "AuditEntry")
  @Field(() => String, { nullable: true, description: "FORBIDDEN, PII_REVEAL, or LEGAL_ESCALATION (restructuring: a case escalated to legal action)." })
  action: string;

  @Policy(AUDIT_TRAIL, "AuditEntry")
  @Field(() => String, { nullable: true, description: "The caller's subject (user or system id)." })
  actorSub: string;

  @Policy(AUDIT_TRAIL, "AuditEntry")
  @Field(() => String, { nullable: true })
  actorRole: string;

  @Policy(AUDIT_TRAIL, "AuditEntry")
  @Field(() => String, { nullable: true, description: "The caller's lender, agency or borrower id." })
  actorOrg: string | null;

  @Policy(AUDIT_TRAIL, "AuditEntry")
  @Field(() => String, { nullable: true, description: "Type.field concerned, for example Borrower.phone." })
  subject: string;

  @Policy(AUDIT_TRAIL, "AuditEntry")
  @Field(() => String, { nullable: true })
  objectId: string | null;

  @Policy(AUDIT_TRAIL, "AuditEntry")
  @Field(() => String, { nullable: true })
  requestId: string | null;

  @Policy(AUDIT_TRAIL, "AuditEntry")
  @Field(() => String, { nullable: true, description: "SHA-256 of the record before this one in its subgraph's chain." })
  prevHash: string;

  @Policy(AUDIT_TRAIL, "AuditEntry")
  @Field(() => String, { nullable: true, description: "SHA-256 over this record's canonical form." })
  hash: string;
}

/** The fields of an entry, in the order the host's `@requires` names them. */
const ENTRY_FIELDS = ["id", "subgraph", "sequence", "occurredAt", "action", "actorSub", "actorRole", "actorOrg", "subject", "objectId", "requestId", "prevHash", "hash"];

// Plumbing between subgraphs, hidden from callers: the gateway's API schema has no slices.
@Directive("@inaccessible")
@Directive("@shareable")
@ObjectType("AuditSlice", { description: "One subgraph's entries for a page of the audit trail, in chain order; AuditEntryPage.entries merges them." })
export class AuditSlice {
  @Policy(AUDIT_TRAIL)
  @Rows({ selectedBy: "the subgraph's own audit log after its position in the page asked for, for auditors only (auditTrail)" })
  @Field(() => [AuditTrailEntry])
  entries: AuditTrailEntry[];

  @Policy(AUDIT_TRAIL)
  @Field(() => Boolean, { description: "Whether the subgraph's log holds more entries after these." })
  hasMore: boolean;
}

/** A record of `subgraph`'s log as an entry of the trail. */
export function trailEntryFrom(subgraph: string, r: AuditRecord): AuditTrailEntry {
  return Object.assign(new AuditTrailEntry(), {
    id: r.id,
    subgraph,
    sequence: r.seq,
    occurredAt: new Date(r.occurredAt),
    action: r.action,
    actorSub: r.actorSub,
    actorRole: r.actorRole,
    actorOrg: r.actorOrg,
    subject: `${r.type}.${r.field}`,
    objectId: r.objectId ?? null,
    requestId: r.requestId,
    prevHash: r.prevHash,
    hash: r.hash,
  });
}

/** Where a page of the trail starts: the last sequence number taken from each subgraph's chain (0: none yet). */
export type AuditPositions = Record<string, number>;

const isPositions = (v: Record<string, unknown>): v is AuditPositions =>
  Object.entries(v).every(([k, n]) => SUBGRAPHS.some((s) => s.name === k) && Number.isSafeInteger(n) && (n as number) >= 0);
/** The cursor of the loans-only trail before it spanned subgraphs: `{ seq }`. */
const isLegacy = (v: Record<string, unknown>): v is { seq: number } => Object.keys(v).length === 1 && Number.isSafeInteger(v.seq) && (v.seq as number) >= 0;

/** Decodes an `after` cursor of the trail (BAD_USER_INPUT when it is not one). */
export function decodeAuditCursor(after: string | null | undefined): AuditPositions {
  if (!after) return {};
  const v = decodeCursor(after, (x): x is AuditPositions | { seq: number } => isLegacy(x) || isPositions(x));
  return isLegacy(v) ? { [AUDIT_TRAIL_HOST]: v.seq } : v;
}

/** The page asked for, as the `request` key of AuditEntryPage: its size and where it starts. */
export interface AuditPageRequest {
  first: number;
  after: AuditPositions;
}

/** Checks `first` and `after` of `auditEntries` and makes the page's key. */
export function auditPageKey(args: { first?: number | null; after?: string | null }): string {
  const { first } = pageRequest({ first: args.first }, isPositions, { defaultSize: AUDIT_PAGE_DEFAULT });
  const after = decodeAuditCursor(args.after);
  return `${first}:${Object.keys(after).length ? encodeCursor(after) : ""}`;
}

/** Reads a page key made by {@link auditPageKey}. */
export function readAuditPageKey(key: string): AuditPageRequest {
  const m = /^(\d{1,3}):([A-Za-z0-9_-]*)$/.exec(key);
  if (!m) throw badInput("Malformed audit page", "request");
  const { first } = pageRequest({ first: Number(m[1]) }, isPositions, { defaultSize: AUDIT_PAGE_DEFAULT });
  return { first, after: decodeAuditCursor(m[2] || null) };
}

/** One subgraph's slice of a page: its first `first` entries after its position, in chain order. */
export async function readAuditSlice(ds: DataSource, subgraph: string, page: AuditPageRequest): Promise<AuditSlice> {
  const rows: Record<string, unknown>[] = await ds.query("SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2", [page.after[subgraph] ?? 0, page.first + 1]);
  return Object.assign(new AuditSlice(), {
    entries: rows.slice(0, page.first).map((r) => trailEntryFrom(subgraph, auditFromRow(r))),
    hasMore: rows.length > page.first,
  });
}

/** An entry as it arrives from another subgraph (its JSON, through the gateway). */
type SliceEntry = Omit<AuditTrailEntry, "occurredAt"> & { occurredAt: Date | string };

/**
 * Merges the slices of every subgraph into one page of `page.first` entries: by time, each
 * subgraph's entries in chain order (ties: registry order, then sequence). Returns the page and
 * the cursor of the next one (null when every slice is spent).
 */
export function mergeAuditSlices(
  page: AuditPageRequest,
  slices: Record<string, { entries: readonly SliceEntry[]; hasMore: boolean }>,
): { entries: AuditTrailEntry[]; endCursor: string | null } {
  const order = SUBGRAPHS.map((s) => s.name);
  const heads = Object.entries(slices).map(([name, s]) => ({ name, rank: order.indexOf(name), entries: s.entries.map(asEntry), next: 0, hasMore: s.hasMore }));
  const positions: AuditPositions = { ...page.after };
  const taken: AuditTrailEntry[] = [];
  while (taken.length < page.first) {
    let best: (typeof heads)[number] | undefined;
    for (const h of heads) {
      if (h.next >= h.entries.length) continue;
      if (!best || before(h.entries[h.next]!, h.rank, best.entries[best.next]!, best.rank)) best = h;
    }
    if (!best) break;
    const e = best.entries[best.next++]!;
    taken.push(e);
    positions[best.name] = e.sequence;
  }
  const more = heads.some((h) => h.next < h.entries.length || h.hasMore);
  return { entries: taken, endCursor: more ? encodeCursor(positions) : null };
}

const asEntry = (e: SliceEntry): AuditTrailEntry => Object.assign(new AuditTrailEntry(), e, { occurredAt: new Date(e.occurredAt) });

function before(a: AuditTrailEntry, aRank: number, b: AuditTrailEntry, bRank: number): boolean {
  const [ta, tb] = [a.occurredAt.getTime(), b.occurredAt.getTime()];
  if (ta !== tb) return ta < tb;
  if (aRank !== bRank) return aRank < bRank;
  return a.sequence < b.sequence;
}

/** What the host's AuditEntryPage holds: the key and, from the gateway, the other subgraphs' slices. */
type HostPage = { request: string; entries?: AuditTrailEntry[]; endCursor?: string | null } & Record<string, unknown>;

/**
 * The audit trail's part of subgraph `self`'s schema: the `AuditEntryPage` entity (as the host
 * declares it, or as a subgraph contributing its slice does), the resolver of its slice, and its
 * reference resolver, for `buildFederatedSchema`. `subgraphs` is the registry (SUBGRAPHS).
 */
export function auditTrailSchema(
  self: string,
  subgraphs: readonly { name: string }[] = SUBGRAPHS,
): {
  /** The `AuditEntryPage` type, for the host's `auditEntries` to return. */
  pageType: ClassType<HostPage>;
  /** Resolver classes to add to the schema's `resolvers`. */
  resolvers: ClassType[];
  references: { AuditEntryPage: { __resolveReference: (ref: HostPage, ctx: AccessContext & { ds: DataSource }) => Promise<HostPage> | HostPage } };
} {
  const others = subgraphs.map((s) => s.name).filter((n) => n !== AUDIT_TRAIL_HOST);
  const host = self === AUDIT_TRAIL_HOST;
  const TYPE = "AuditEntryPage";

  @Directive(`@key(fields: "request")`)
  @ObjectType(TYPE, { description: "A page of the audit trail, merged from every subgraph's audit log (auditors only)." })
  class AuditEntryPage {
    @Policy(PUBLIC, TYPE)
    @Directive("@inaccessible")
    @Field(() => ID, { description: "The page asked for (its size and where it starts), as the subgraphs hand it to each other." })
    request: string;
  }
  const proto = AuditEntryPage.prototype;
  const resolvers: ClassType[] = [];

  if (host) {
    for (const name of others) {
      const field = auditSliceField(name);
      Field(() => AuditSlice, { nullable: true })(proto, field);
      // (Hidden by the subgraph that resolves it: @inaccessible may not sit on an external field.)
      Directive("@external")(proto, field);
      Policy(AUDIT_TRAIL, TYPE)(proto, field);
    }
    const requires = others.length
      ? `@requires(fields: "${others.map((n) => `${auditSliceField(n)} { entries { ${ENTRY_FIELDS.join(" ")} } hasMore }`).join(" ")}")`
      : null;
    const declare = (field: string, type: () => unknown, options: Record<string, unknown>) => {
      Field(type as never, options)(proto, field);
      if (requires) Directive(requires)(proto, field);
      Policy(AUDIT_TRAIL, TYPE)(proto, field);
    };
    declare("entries", () => [AuditTrailEntry], { nullable: true, description: "Every subgraph's entries, merged by time; each chain in its own order." });
    Rows({ selectedBy: "auditEntries: every subgraph's whole log, for auditors only (auditTrail)" }, TYPE)(proto, "entries");
    declare("endCursor", () => String, { nullable: true, description: "Pass as `after` for the next page; null on the last." });
  } else {
    const field = auditSliceField(self);
    @Resolver(() => AuditEntryPage)
    class AuditSliceResolver {}
    const p = AuditSliceResolver.prototype as unknown as Record<string, unknown>;
    p[field] = async function (page: HostPage, ctx: { ds: DataSource }) {
      return readAuditSlice(ctx.ds, self, readAuditPageKey(page.request));
    };
    const descriptor = Object.getOwnPropertyDescriptor(p, field)!;
    Root()(p, field, 0);
    Ctx()(p, field, 1);
    FieldResolver(() => AuditSlice, { nullable: true, description: `The ${self} subgraph's slice of the page (for the host's merge).` })(p, field, descriptor);
    Directive("@inaccessible")(p, field);
    Policy(AUDIT_TRAIL, TYPE)(p, field, descriptor);
    resolvers.push(AuditSliceResolver);
  }

  return {
    pageType: AuditEntryPage as ClassType<HostPage>,
    resolvers,
    references: {
      AuditEntryPage: {
        __resolveReference: async (ref, ctx) => {
          const page = Object.assign(new AuditEntryPage(), ref) as HostPage;
          // Only the host merges, and only for a caller the trail's policy shows it to.
          if (!host || ctx.principal.role !== "auditor") return page;
          const request = readAuditPageKey(ref.request);
          const slices: Record<string, { entries: SliceEntry[]; hasMore: boolean }> = { [self]: await readAuditSlice(ctx.ds, self, request) };
          for (const name of others) {
            const slice = ref[auditSliceField(name)] as { entries: SliceEntry[]; hasMore: boolean } | null | undefined;
            // A trail missing a subgraph is not the trail: fail rather than answer with part of it.
            if (!slice) throw new Error(`The audit slice of the ${name} subgraph did not arrive`);
            slices[name] = slice;
          }
          return Object.assign(page, mergeAuditSlices(request, slices));
        },
      },
    },
  };
}
