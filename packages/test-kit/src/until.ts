/** Waits until `cond` holds, checking every `everyMs`; fails naming `what` after `ms`. */
export async function until(cond: () => boolean | Promise<boolean>, what = "the condition", ms = 30_000, everyMs = 50): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
