/**
 * Port of golang/go test/chan/nonblock.go (@ 7926af0d).
 *
 * Channel operations that test for blocking (select with default), for unbuffered (buffer=0)
 * and buffered (buffer=1) channels of several operand types: int32 (number), int64 (bigint),
 * bool and string.
 *
 * Mapping of Go constructs:
 *   Go's `sleep()` (two receives from a 10 µs time.Tick, then three runtime.Gosched) =>
 *   pause(): two `await sleep(0.01)` (10 µs, rounded up to one tick each) and three
 *   `await gosched()`.
 *   Labeled `for { select { case c <- v: break L; default: try++; ...; sleep() } }` loops =>
 *   pollSend / pollRecv with the same maxTries = 10000.
 *
 * Check mapping (each Go panic/println+panic is a thrown error or failed assert):
 *   - empty channel, nonblocking receive must take default:
 *       "blocked i32sender" / "blocked i64sender" / "blocked bsender" / "blocked ssender".
 *   - nonblocking send polled until the receiver goroutine is ready, more than maxTries
 *       attempts => "i32receiver buffer=<b>: fail" / "i64receiver" / "breceiver" / "sreceiver".
 *   - nonblocking receive polled until the sender goroutine has sent, more than maxTries
 *       attempts => "i32sender buffer=<b>: fail" / "i64sender" / "bsender" / "ssender".
 *   - received values: "i32sender value" (234), "i64sender value" (234567), "bsender value"
 *       (true), "ssender value" ("hello again").
 *   - receiver goroutines: "i32 value" (123), "i64 value" (123456), "b value" (true),
 *       "s value" ("hello") thrown inside the goroutine (run rejects with it).
 *   - the `<-sync` strobes are kept: a goroutine that never finishes makes run reject with
 *       DeadlockError.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { run, go, chan, select, recv, send, sleep, gosched, type Chan } from "../../src/go/index.js";

async function i32receiver(c: Chan<number>, strobe: Chan<boolean>): Promise<void> {
  if ((await c.recv()) !== 123) throw new Error("panic: i32 value");
  await strobe.send(true);
}

async function i32sender(c: Chan<number>, strobe: Chan<boolean>): Promise<void> {
  await c.send(234);
  await strobe.send(true);
}

async function i64receiver(c: Chan<bigint>, strobe: Chan<boolean>): Promise<void> {
  if ((await c.recv()) !== 123456n) throw new Error("panic: i64 value");
  await strobe.send(true);
}

async function i64sender(c: Chan<bigint>, strobe: Chan<boolean>): Promise<void> {
  await c.send(234567n);
  await strobe.send(true);
}

async function breceiver(c: Chan<boolean>, strobe: Chan<boolean>): Promise<void> {
  if (!(await c.recv())) throw new Error("panic: b value");
  await strobe.send(true);
}

async function bsender(c: Chan<boolean>, strobe: Chan<boolean>): Promise<void> {
  await c.send(true);
  await strobe.send(true);
}

async function sreceiver(c: Chan<string>, strobe: Chan<boolean>): Promise<void> {
  if ((await c.recv()) !== "hello") throw new Error("panic: s value");
  await strobe.send(true);
}

async function ssender(c: Chan<string>, strobe: Chan<boolean>): Promise<void> {
  await c.send("hello again");
  await strobe.send(true);
}

// Go: `<-ticker; <-ticker` on a 10 µs time.Tick, then runtime.Gosched() three times.
async function pause(): Promise<void> {
  await sleep(0.01);
  await sleep(0.01);
  await gosched();
  await gosched();
  await gosched();
}

const maxTries = 10000; // Up to 100ms per test (in Go's real time; virtual here).

// select { case c <- v: done; default: try++; if try > maxTries { panic(label) }; sleep() }
async function pollSend<T>(c: Chan<T>, v: T, label: string): Promise<void> {
  let tries = 0;
  for (;;) {
    const r = await select([send(c, v)], { default: true });
    if (r.index === 0) return;
    assert.equal(r.index, -1, `${label}: unexpected select index ${r.index}`);
    tries++;
    if (tries > maxTries) assert.fail(label);
    await pause();
  }
}

// select { case x = <-c: done; default: try++; if try > maxTries { panic(label) }; sleep() }
async function pollRecv<T>(c: Chan<T>, label: string): Promise<T> {
  let tries = 0;
  for (;;) {
    const r = await select([recv(c)], { default: true });
    if (r.index === 0) return r.value as T;
    assert.equal(r.index, -1, `${label}: unexpected select index ${r.index}`);
    tries++;
    if (tries > maxTries) assert.fail(label);
    await pause();
  }
}

// select { case x = <-c: panic(label); default: }
async function mustNotRecv<T>(c: Chan<T>, label: string): Promise<void> {
  const r = await select([recv(c)], { default: true });
  if (r.index !== -1) assert.fail(label);
}

async function nonblockMain(): Promise<void> {
  const sync = chan<boolean>();

  for (let buffer = 0; buffer < 2; buffer++) {
    const c32 = chan<number>(buffer);
    const c64 = chan<bigint>(buffer);
    const cb = chan<boolean>(buffer);
    const cs = chan<string>(buffer);

    await mustNotRecv(c32, "blocked i32sender");
    await mustNotRecv(c64, "blocked i64sender");
    await mustNotRecv(cb, "blocked bsender");
    await mustNotRecv(cs, "blocked ssender");

    // int32
    go(() => i32receiver(c32, sync));
    await pollSend(c32, 123, `i32receiver buffer= ${buffer}: fail`);
    await sync.recv();

    go(() => i32sender(c32, sync));
    if (buffer > 0) await sync.recv();
    const i32 = await pollRecv(c32, `i32sender buffer= ${buffer}: fail`);
    if (i32 !== 234) assert.fail("i32sender value");
    if (buffer === 0) await sync.recv();

    // int64
    go(() => i64receiver(c64, sync));
    await pollSend(c64, 123456n, "i64receiver");
    await sync.recv();

    go(() => i64sender(c64, sync));
    if (buffer > 0) await sync.recv();
    const i64 = await pollRecv(c64, "i64sender");
    if (i64 !== 234567n) assert.fail("i64sender value");
    if (buffer === 0) await sync.recv();

    // bool
    go(() => breceiver(cb, sync));
    await pollSend(cb, true, "breceiver");
    await sync.recv();

    go(() => bsender(cb, sync));
    if (buffer > 0) await sync.recv();
    const b = await pollRecv(cb, "bsender");
    if (!b) assert.fail("bsender value");
    if (buffer === 0) await sync.recv();

    // string
    go(() => sreceiver(cs, sync));
    await pollSend(cs, "hello", "sreceiver");
    await sync.recv();

    go(() => ssender(cs, sync));
    if (buffer > 0) await sync.recv();
    const s = await pollRecv(cs, "ssender");
    if (s !== "hello again") assert.fail("ssender value");
    if (buffer === 0) await sync.recv();
  }
}

test("nonblock: select-with-default send/receive on unbuffered and buffered channels", async () => {
  await run(nonblockMain, { seed: 1, tickRateHz: 1000 });
});
