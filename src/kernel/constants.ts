/**
 * FreeRTOS's numeric constants, with their FreeRTOS names and values. Every export here is
 * public: the package's entry points re-export this module whole.
 * @module
 */
export const pdFALSE = 0;
export const pdTRUE = 1;
export const pdPASS = 1;
export const pdFAIL = 0;
export const errQUEUE_EMPTY = 0;
export const errQUEUE_FULL = 0;
export const errCOULD_NOT_ALLOCATE_REQUIRED_MEMORY = -1;
/** portMAX_DELAY of a 32-bit tick kernel. A kernel of another tick width has its own (`Kernel.maxDelay`). */
export const portMAX_DELAY = 0xffffffff;
export const tskIDLE_PRIORITY = 0;

/** eTaskState */
export const eRunning = 0;
export const eReady = 1;
export const eBlocked = 2;
export const eSuspended = 3;
export const eDeleted = 4;
export const eInvalid = 5;
export type TaskState = 0 | 1 | 2 | 3 | 4 | 5;

/** eNotifyAction */
export const eNoAction = 0;
export const eSetBits = 1;
export const eIncrement = 2;
export const eSetValueWithOverwrite = 3;
export const eSetValueWithoutOverwrite = 4;
export type NotifyAction = 0 | 1 | 2 | 3 | 4;

/** xTaskGetSchedulerState results. */
export const taskSCHEDULER_SUSPENDED = 0;
export const taskSCHEDULER_NOT_STARTED = 1;
export const taskSCHEDULER_RUNNING = 2;

/** Queue send positions. */
export const queueSEND_TO_BACK = 0;
export const queueSEND_TO_FRONT = 1;
export const queueOVERWRITE = 2;
export type QueuePosition = 0 | 1 | 2;

