/**
 * Lets the event loop run between slices of a long import. On the embedded database a query runs in
 * this thread and resolves as a microtask, so a chain of them never yields: without this, polls,
 * the cancel and every other request would wait until the whole read and check had finished.
 */
export const breathe = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))
