import { beforeEach, it, type TestOptions } from 'vitest';

/**
 * Skips that say why. A skipped test records its reason in `meta.skipReason`, which the JSON report
 * of every vitest run keeps; `scripts/test-summary.mjs` counts skipped tests and lists the reasons,
 * so a check that did not run is never mistaken for one that passed.
 */
declare module 'vitest' {
  interface TaskMeta {
    /** Why a skipped test did not run. */
    skipReason?: string;
  }
}

/**
 * Test options that skip the test and record `reason`, or no options (the test runs) when `reason`
 * is `undefined`: `it(name, skipWithReason(reason), fn)`.
 */
export function skipWithReason(reason: string | undefined): TestOptions {
  return reason === undefined ? {} : { skip: true, meta: { skipReason: reason } };
}

/** Whether something a test needs exists here, and if not, why. */
export interface Availability {
  readonly available: boolean;
  /** Why it is not available; absent when it is. */
  readonly reason?: string;
}

/**
 * Call inside a `describe` whose tests need `what` (a GL display, a browser: what
 * `scripts/install-debian-deps.sh` provides). When it is available, does nothing and returns true.
 * When it is not, every test of the block is skipped with the reason and a warning goes to stderr;
 * with `CI=true` the block also gets one test that fails and says so, because CI must run every
 * check. Returns false then, so that the block's `beforeAll` hooks can do nothing.
 */
export function requireOrSkip(what: string, availability: Availability, env: Record<string, string | undefined> = process.env): boolean {
  if (availability.available) return true;
  const why = availability.reason ?? 'no reason given';
  const required = env.CI === 'true';
  const reason = `${what} is not available here: ${why}`;
  const failingTitle = `${what} is required with CI=true`;
  if (required) {
    it(failingTitle, () => {
      throw new Error(`${reason}. CI=true requires this check; scripts/install-debian-deps.sh installs what it needs`);
    });
  } else {
    console.warn(`SKIPPED: ${reason} (CI=true makes this a failure)`);
  }
  beforeEach((context) => {
    if (context.task.name === failingTitle) return;
    context.task.meta.skipReason = reason;
    context.skip(reason);
  });
  return false;
}
