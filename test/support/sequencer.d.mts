/** Types of ./sequencer.mjs. */
export const TYPICAL_SECONDS: Record<string, number>
