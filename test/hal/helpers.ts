/** Shared imports of the hal tests. */
export { createBoard, HalError, Board } from "../../src/hal/index.js";
export type { GenTask as GenTaskLike } from "../../src/freertos/index.js";
