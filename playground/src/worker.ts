/**
 * The Web Worker that runs the simulation, so that the page stays responsive: one Session per
 * loaded program (the page makes a new worker for Reset, which also ends a program stuck in a loop).
 * session.js is a separate file that Node imports too (the same code in both hosts).
 * @module
 */
import { Session } from "./session.js";
import type { PageMessage, WorkerMessage } from "./protocol.js";

interface WorkerScope {
  postMessage(message: WorkerMessage): void;
  onmessage: ((event: { data: PageMessage }) => void) | null;
  addEventListener(type: "unhandledrejection", listener: (event: { reason: unknown; preventDefault(): void }) => void): void;
}
const scope = globalThis as unknown as WorkerScope;

let session: Session | null = null;

scope.onmessage = (event) => {
  const m = event.data;
  if (m.type === "load") {
    session?.dispose();
    session = new Session({ speed: m.speed, post: (message) => scope.postMessage(message) });
    session.load(m.spec);
    return;
  }
  if (session === null) return;
  switch (m.type) {
    case "run":
      return session.run();
    case "pause":
      return session.pause();
    case "step":
      return session.step(m.ticks);
    case "speed":
      return session.setSpeed(m.speed);
    case "stopAt":
      return session.setStopAt(m.tick);
    case "button":
      return session.button(m.down);
    case "serial":
      return session.serial(m.text);
    case "trace":
      return scope.postMessage({ type: "trace", id: m.id, json: session.traceJson() });
  }
};

// A promise the program left rejected (an error nobody awaited): shown, never swallowed.
scope.addEventListener("unhandledrejection", (event) => {
  event.preventDefault();
  session?.reportError(event.reason);
});

scope.postMessage({ type: "ready" });
