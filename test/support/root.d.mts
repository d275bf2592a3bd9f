/** Types of ./root.mjs. */
export const ROOT: string
export const LAMBDA_ZIP: string
