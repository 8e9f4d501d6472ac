import { describe, expect, it } from "vitest";
import { businessDaysAfter, complaintDeadlines, deadlineZone } from "./complaint-deadlines";

const at = (iso: string) => new Date(iso);
const uk = (receivedAt: string, zone = "Europe/London") => complaintDeadlines("UK_FCA", at(receivedAt), zone, false);

describe("businessDaysAfter", () => {
  it("skips Saturday and Sunday and never counts the day itself", () => {
    expect(businessDaysAfter("2026-11-26", 3)).toBe("2026-12-01"); // Thursday: Fri, Mon, Tue
    expect(businessDaysAfter("2026-11-27", 3)).toBe("2026-12-02"); // Friday: Mon, Tue, Wed
    expect(businessDaysAfter("2026-11-28", 3)).toBe("2026-12-02"); // Saturday
    expect(businessDaysAfter("2026-11-29", 3)).toBe("2026-12-02"); // Sunday
    expect(businessDaysAfter("2026-11-30", 3)).toBe("2026-12-03"); // Monday: Tue, Wed, Thu
  });
});

describe("UK_FCA: summary resolution by the end of the third business day after receipt", () => {
  it("gives a Friday, a Saturday and a Sunday receipt the same deadline: the end of Wednesday", () => {
    for (const received of ["2026-11-27T09:00:00Z", "2026-11-28T12:00:00Z", "2026-11-29T23:59:59.999Z"]) {
      expect(uk(received).firstResponseDueAt, received).toEqual(at("2026-12-03T00:00:00Z"));
    }
    expect(uk("2026-11-30T00:00:00Z").firstResponseDueAt).toEqual(at("2026-12-04T00:00:00Z")); // Monday: the end of Thursday
  });

  it("moves the deadline a business day when the receipt crosses midnight into Friday", () => {
    expect(uk("2026-11-26T23:59:59.999Z").firstResponseDueAt).toEqual(at("2026-12-02T00:00:00Z")); // Thursday: the end of Tuesday
    expect(uk("2026-11-27T00:00:00Z").firstResponseDueAt).toEqual(at("2026-12-03T00:00:00Z")); // Friday: the end of Wednesday
  });

  it("counts in the borrower's zone: 00:30 on Friday in London is Thursday in UTC and in New York", () => {
    // 2026-10-22T23:30Z is Friday 00:30 BST in London, Thursday 23:30 UTC.
    expect(uk("2026-10-22T23:30:00Z").firstResponseDueAt).toEqual(at("2026-10-29T00:00:00Z")); // Wednesday 28th ends at midnight GMT
    expect(uk("2026-10-22T23:30:00Z", "UTC").firstResponseDueAt).toEqual(at("2026-10-28T00:00:00Z"));
    // 11:00 Friday in London is 07:00 Friday in New York: the same local day, that zone's midnight.
    expect(uk("2026-11-27T11:00:00Z", "America/New_York").firstResponseDueAt).toEqual(at("2026-12-03T05:00:00Z"));
  });

  it("ends a day at local midnight in the week the clocks go back (Sunday 25 October 2026)", () => {
    // Tuesday: Wed, Thu, Fri; Friday ends at midnight BST, 23:00 UTC.
    expect(uk("2026-10-20T11:00:00Z").firstResponseDueAt).toEqual(at("2026-10-23T23:00:00Z"));
    // Wednesday: Thu, Fri, Mon 26th; Monday ends at midnight GMT.
    expect(uk("2026-10-21T11:00:00Z").firstResponseDueAt).toEqual(at("2026-10-27T00:00:00Z"));
    // 23:30 BST on Friday and 00:30 BST on Saturday: both Wednesday's end.
    expect(uk("2026-10-23T22:30:00Z").firstResponseDueAt).toEqual(at("2026-10-29T00:00:00Z"));
    expect(uk("2026-10-23T23:30:00Z").firstResponseDueAt).toEqual(at("2026-10-29T00:00:00Z"));
  });

  it("ends a day at local midnight in the week the clocks go forward (Sunday 29 March 2026)", () => {
    // Thursday 26th (GMT): Fri, Mon, Tue 31st; Tuesday ends at midnight BST.
    expect(uk("2026-03-26T10:00:00Z").firstResponseDueAt).toEqual(at("2026-03-31T23:00:00Z"));
  });

  it("wants the final response by the end of the day 8 weeks after receipt", () => {
    expect(uk("2026-11-27T09:00:00Z").finalResponseDueAt).toEqual(at("2027-01-23T00:00:00Z"));
    // Received in BST, due in GMT: still local midnight.
    expect(uk("2026-10-20T11:00:00Z").finalResponseDueAt).toEqual(at("2026-12-16T00:00:00Z"));
  });

  it("is the same whether or not the lender marks it complex", () => {
    expect(complaintDeadlines("UK_FCA", at("2026-11-27T09:00:00Z"), "Europe/London", true)).toEqual(uk("2026-11-27T09:00:00Z"));
  });
});

describe("US_REG_F: first response within 15 days, final within 60", () => {
  it("counts calendar days, weekends included, to the end of the local day", () => {
    // Tuesday 24 November, 11:00 in New York.
    expect(complaintDeadlines("US_REG_F", at("2026-11-24T16:00:00Z"), "America/New_York", false)).toEqual({
      firstResponseDueAt: at("2026-12-10T05:00:00Z"),
      finalResponseDueAt: at("2027-01-24T05:00:00Z"),
    });
  });

  it("reads the receipt day before and after local midnight", () => {
    // 23:59:59.999 and 00:00 in New York on 24/25 November.
    expect(complaintDeadlines("US_REG_F", at("2026-11-25T04:59:59.999Z"), "America/New_York", false).firstResponseDueAt).toEqual(at("2026-12-10T05:00:00Z"));
    expect(complaintDeadlines("US_REG_F", at("2026-11-25T05:00:00Z"), "America/New_York", false).firstResponseDueAt).toEqual(at("2026-12-11T05:00:00Z"));
  });

  it("ends the day at local midnight across the change to standard time (1 November 2026)", () => {
    expect(complaintDeadlines("US_REG_F", at("2026-10-20T16:00:00Z"), "America/New_York", false).firstResponseDueAt).toEqual(at("2026-11-05T05:00:00Z"));
  });
});

describe("CN_NIFA: one deadline, 15 days, 30 when complex", () => {
  it("has no first-response deadline and extends the one it has when complex", () => {
    // 00:00 on 25 November in Shanghai.
    expect(complaintDeadlines("CN_NIFA", at("2026-11-24T16:00:00Z"), "Asia/Shanghai", false)).toEqual({ firstResponseDueAt: null, finalResponseDueAt: at("2026-12-10T16:00:00Z") });
    expect(complaintDeadlines("CN_NIFA", at("2026-11-24T16:00:00Z"), "Asia/Shanghai", true)).toEqual({ firstResponseDueAt: null, finalResponseDueAt: at("2026-12-25T16:00:00Z") });
    // One millisecond earlier is still 24 November there.
    expect(complaintDeadlines("CN_NIFA", at("2026-11-24T15:59:59.999Z"), "Asia/Shanghai", false).finalResponseDueAt).toEqual(at("2026-12-09T16:00:00Z"));
  });
});

describe("deadlineZone", () => {
  it("is the borrower's zone when known, else UTC", () => {
    expect(deadlineZone("Europe/London")).toBe("Europe/London");
    expect(deadlineZone(null)).toBe("UTC");
    expect(deadlineZone("Mars/Olympus")).toBe("UTC");
  });
});
