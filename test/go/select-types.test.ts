/**
 * select() results are typed per case: for a tuple of cases the result is a union discriminated
 * by `index`, so that checking the index narrows `value` to that case's channel type (and `ok`
 * narrows it further); index -1 is possible only with `{ default: true }`. The `@ts-expect-error`
 * lines are checked by the compiler (npm test builds with tsc first): each must be an error, or
 * the build fails. At run time the results keep the shape { index, value?, ok? }.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { run, go, chan, select, recv, send, queueChan, type SelectCase, type SelectResult } from "../../src/go/index.js";
import { createQueue, runningKernel } from "../../src/kernel/index.js";

test("select results are typed per case and keep their run-time shape", async () => {
  await run(async () => {
    const nums = chan<number>(); // unbuffered and idle: only the strs case is ready
    const strs = chan<string>(1);
    await strs.send("hi");
    const r = await select([recv(nums), recv(strs), send(nums, 5)]);
    if (r.index === 1) {
      // @ts-expect-error before ok is checked the value may be undefined (closed channel)
      const early: string = r.value;
      void early;
      if (r.ok) {
        const s: string = r.value;
        // @ts-expect-error case 1 receives strings, not numbers
        const n: number = r.value;
        void n;
        assert.equal(s, "hi");
      } else {
        const none: undefined = r.value;
        void none;
      }
    } else if (r.index === 0) {
      const n: number | undefined = r.value;
      void n;
    } else {
      const sent: 2 = r.index;
      // @ts-expect-error a send case has no value
      const v: number = r.value;
      void [sent, v];
    }
    assert.deepEqual({ ...r }, { index: 1, value: "hi", ok: true }, "run-time shape unchanged");

    const s2 = await select([send(strs, "x")]);
    // @ts-expect-error index 3 is no case of this select
    if (s2.index === 3) assert.fail();
    // @ts-expect-error without { default: true } there is no index -1
    if (s2.index === -1) assert.fail();
    // @ts-expect-error send(strs, v) takes a string
    void send(strs, 42);

    const d = await select([recv(nums)], { default: true });
    if (d.index === -1) {
      const v: undefined = d.value;
      void v;
    }
    assert.equal(d.index, -1);

    // A queue view: the element type comes from the view.
    const q = queueChan<number>(createQueue(runningKernel()!, 1, 0)!);
    go(async () => void (await q.send(9)));
    const fromQueue = await select([recv(q)]);
    if (fromQueue.ok) {
      const n: number = fromQueue.value;
      assert.equal(n, 9);
    }

    // An array of unknown length keeps the general result type.
    const more = chan<number>(1);
    const dynamic: SelectCase[] = [recv(more), recv(nums)];
    await more.send(1);
    const g: SelectResult = await select(dynamic);
    const idx: number = g.index;
    assert.equal(idx, 0);
  });
});
